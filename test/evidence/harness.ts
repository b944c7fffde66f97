/**
 * Runs small real services under the preload in child processes on loopback: copy a fixture project to a
 * temporary directory, scan it with the built CLI, start the service with `--import` or `-r`, drive a
 * known number of requests, stop it with a signal and read the evidence file it wrote.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { evidenceSchema, type EvidenceFile, type SiteEvidence } from '../../src/evidence/format.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const fixturesDir = path.join(repoRoot, 'test/fixtures-evidence');
const bin = path.join(repoRoot, 'bin/bottleneck.js');
export const esmEntry = path.join(repoRoot, 'dist/bundle/register.js');
export const cjsEntry = path.join(repoRoot, 'dist/bundle/register.cjs');

/** A copy of test/fixtures-evidence/<name> in a fresh temporary directory. */
export function copyFixture(name: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bottleneck-evidence-'));
  cpSync(path.join(fixturesDir, name), dir, { recursive: true });
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Scans `dir` with the built CLI (paths relative to it) and returns the report's path. */
export function scanProject(dir: string, target = '.'): string {
  const child = spawnSync(process.execPath, [bin, 'scan', target, '--format', 'json', '-o', 'findings.json', '--fail-on', 'none', '--no-cache'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (child.status !== 0) throw new Error(`scan failed (${child.status}): ${child.stderr}`);
  return path.join(dir, 'findings.json');
}

export function findingsOf(report: string): Array<{ ruleId: string; file: string; line: number; fingerprint: string }> {
  return (JSON.parse(readFileSync(report, 'utf8')) as { findings: Array<{ ruleId: string; file: string; line: number; fingerprint: string }> }).findings;
}

export interface RunningService {
  port: number;
  child: ChildProcess;
  stderr: () => string;
  /** Sends the signal and resolves with how the process ended. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  dir: string;
  entry: string;
  /** How the preload is loaded: `--import <esm entry>` or `-r <cjs entry>`; a specifier instead of the built file when given. */
  via: 'import' | 'require';
  specifier?: string;
  env?: Record<string, string>;
  cwd?: string;
}

/** Starts `node <preload> entry` in `dir`; the service prints `{"port":N}` on its first stdout line when it listens. */
export function startService(options: StartOptions): Promise<RunningService> {
  const preload = options.via === 'import' ? ['--import', options.specifier ?? esmEntry] : ['-r', options.specifier ?? cjsEntry];
  const child = spawn(process.execPath, [...preload, options.entry], {
    cwd: options.cwd ?? options.dir,
    env: { ...process.env, BOTTLENECK_FINDINGS: path.join(options.dir, 'findings.json'), BOTTLENECK_EVIDENCE: path.join(options.dir, 'evidence.json'), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`service exited (${code}) before listening: ${stderr}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0];
      if (!stdout.includes('\n') || !line) return;
      const { port } = JSON.parse(line) as { port: number };
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      resolve({
        port,
        child,
        stderr: () => stderr,
        stop: (signal = 'SIGTERM') => {
          child.kill(signal);
          return exited;
        },
      });
    });
  });
}

/** One GET on a fresh connection; resolves with the body. */
export function get(port: number, pathname = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: pathname, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(body));
    });
    request.on('error', reject);
  });
}

/** `count` requests, one after another (deterministic counts: nothing overlaps unless the service makes it). */
export async function drive(port: number, count: number, pathname = '/'): Promise<void> {
  for (let i = 0; i < count; i += 1) await get(port, pathname);
}

export function readEvidence(file: string): EvidenceFile {
  return evidenceSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

export function siteOf(evidence: EvidenceFile, ruleId: string): SiteEvidence {
  const site = evidence.sites.find((candidate) => candidate.ruleId === ruleId);
  if (!site) throw new Error(`no site for ${ruleId} in ${JSON.stringify(evidence.sites.map((s) => s.ruleId))}`);
  return site;
}

/** A loopback upstream answering every request with a small JSON body; counts the connections it accepted. */
export async function startUpstream(): Promise<{ url: string; port: number; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const server = http.createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end('{"ok":true}');
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function writeFile(dir: string, name: string, text: string): void {
  writeFileSync(path.join(dir, name), text);
}

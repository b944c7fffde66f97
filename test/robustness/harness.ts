import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, cpSync, openSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

/**
 * The hostile-input battery's shared pieces: a tree of good files whose findings are known, a bounded CLI
 * run (every child is killed after RUN_LIMIT_MS, so a hang fails its test instead of the suite), and a
 * way to run as an unprivileged user, because root reads every file whatever its mode.
 */

export const root = path.resolve(import.meta.dirname, '../..');
export const bin = path.join(root, 'bin/bottleneck.js');
/** A bound, not a measurement: generous enough for a loaded 2-core machine, short enough that a hang ends. */
export const RUN_LIMIT_MS = 45_000;

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Killed at the bound: the run hung. */
  hung: boolean;
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Run as `nobody` (uid 65534) through setpriv. */
  asNobody?: boolean;
  /** Sends stdout to this file (e.g. `/dev/full`) instead of capturing it. */
  stdoutTo?: string;
}

export function runCli(args: string[], options: RunOptions): Run {
  const env = { ...process.env, NO_COLOR: '1', CI: '1', ...options.env };
  const argv = [process.execPath, bin, ...args];
  const command = options.asNobody ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...argv] : argv;
  const stdoutFd = options.stdoutTo ? openSync(options.stdoutTo, 'w') : undefined;
  let child;
  try {
    child = spawnSync(command[0] ?? '', command.slice(1), {
      cwd: options.cwd,
      env,
      encoding: 'utf8',
      timeout: RUN_LIMIT_MS,
      killSignal: 'SIGKILL',
      stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'],
    });
  } finally {
    if (stdoutFd !== undefined) closeSync(stdoutFd);
  }
  return { status: child.status, stdout: child.stdout ?? '', stderr: child.stderr ?? '', hung: child.error !== undefined && (child.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' };
}

/** Whether this process can become `nobody` (it runs as root and setpriv exists); else those tests skip. */
export const canDropPrivileges = ((): boolean => {
  if (process.getuid?.() !== 0) return false;
  const probe = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', 'process.exit(process.getuid() === 65534 ? 0 : 1)'], { encoding: 'utf8', timeout: 20_000 });
  return probe.status === 0;
})();

export const isRoot = process.getuid?.() === 0;

/** A fresh temp directory, world-readable so `nobody` can scan it. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `bottleneck-robust-${prefix}-`));
  chmodSync(dir, 0o755);
  return dir;
}

/** Makes every directory and file under `dir` readable by everyone (copies keep root's umask otherwise). */
export function openToAll(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) openToAll(full);
    else if (entry.isFile()) chmodSync(full, 0o644);
  }
}

/** `good/`: a copy of the fake-compression fixtures, which hold findings that need no project facts. */
export function goodTree(prefix: string): string {
  const dir = tempDir(prefix);
  cpSync(path.join(root, 'fixtures/fake-compression'), path.join(dir, 'good'), { recursive: true });
  openToAll(dir);
  return dir;
}

/** A copy of the good tree per call, removed after each test. */
export function treesForEachTest(): (name: string) => string {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) removeTree(dir);
  });
  return (name) => {
    const dir = goodTree(name);
    made.push(dir);
    return dir;
  };
}

export function removeTree(dir: string): void {
  // Restore modes first: a 000 directory cannot be emptied even by its owner's rm without it.
  const restore = (d: string) => {
    try {
      chmodSync(d, 0o755);
      for (const entry of readdirSync(d, { withFileTypes: true })) if (entry.isDirectory()) restore(path.join(d, entry.name));
    } catch {
      // gone or not a directory
    }
  };
  restore(dir);
  rmSync(dir, { recursive: true, force: true });
}

export interface JsonFinding {
  ruleId: string;
  file: string;
  line: number;
  column: number;
  severity: string;
  snippet?: string;
}

export interface JsonReport {
  findings: JsonFinding[];
  errors: Array<{ file: string; message: string; kind?: string }>;
  skipped: Array<{ file: string; reason: string }>;
  summary: { files: number };
}

export function report(run: Run): JsonReport {
  try {
    return JSON.parse(run.stdout) as JsonReport;
  } catch {
    throw new Error(`not a JSON report (exit ${run.status}${run.hung ? ', killed at the time bound' : ''}): ${run.stderr.slice(0, 500)}`);
  }
}

/** Findings of the files under `good/`, as comparable keys. */
export function goodFindings(result: JsonReport): string[] {
  return result.findings
    .filter((f) => f.file.startsWith('good/'))
    .map((f) => `${f.ruleId} ${f.file}:${f.line}:${f.column} ${f.severity}`)
    .sort();
}

/** The clean run every hostile run is compared with: computed once per tree layout. */
let cleanKeys: string[] | undefined;
let cleanStatus: number | null | undefined;
export function clean(): { keys: string[]; status: number | null } {
  if (cleanKeys === undefined) {
    const dir = goodTree('clean');
    try {
      const run = runCli(['scan', '--format', 'json', '--no-cache'], { cwd: dir });
      cleanKeys = goodFindings(report(run));
      cleanStatus = run.status;
    } finally {
      removeTree(dir);
    }
  }
  return { keys: cleanKeys, status: cleanStatus ?? null };
}

export function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

export function mkdirs(...dirs: string[]): void {
  for (const dir of dirs) mkdirSync(dir, { recursive: true, mode: 0o755 });
}

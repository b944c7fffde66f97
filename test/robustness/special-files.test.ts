import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clean, goodFindings, report, runCli, treesForEachTest } from './harness.js';

/** FIFOs, sockets, devices and links where the scanner reads: never opened, listed under `skipped`, nothing lost. */

const mkfifo = (file: string) => execFileSync('mkfifo', [file]);
const tree = treesForEachTest();

function scanJson(dir: string, extra: string[] = []) {
  const run = runCli(['scan', '--format', 'json', '--no-cache', ...extra], { cwd: dir });
  expect(run.hung, 'the scan hung (killed at the time bound)').toBe(false);
  return { run, result: report(run) };
}

describe('special files are never opened for reading', () => {
  for (const place of ['good/pipe.ts', '.gitignore', 'good/.gitignore', 'package.json', '.nvmrc', '.bottleneckrc.json']) {
    it(`a FIFO named ${place}: no hang, listed under skipped, the same findings as a clean run`, () => {
      const dir = tree('fifo');
      // .nvmrc is read only when package.json says nothing about the Node version.
      if (place === '.nvmrc') writeFileSync(path.join(dir, 'package.json'), '{"name":"x"}\n');
      mkfifo(path.join(dir, place));
      const { run, result } = scanJson(dir);
      expect(result.skipped).toContainEqual({ file: place, reason: 'not a regular file (FIFO): never opened for reading' });
      expect(goodFindings(result)).toEqual(clean().keys);
      expect(run.status).toBe(clean().status);
    });
  }

  it('a FIFO in place of the results cache file: not read, listed under skipped, findings intact', () => {
    const dir = tree('fifo-cache');
    const cacheDir = path.join(dir, 'cache');
    mkdirSync(cacheDir, { mode: 0o700 });
    mkfifo(path.join(cacheDir, 'scan-cache.json'));
    const run = runCli(['scan', '--format', 'json', '--cache-location', 'cache'], { cwd: dir });
    expect(run.hung, 'the scan hung (killed at the time bound)').toBe(false);
    const result = report(run);
    expect(result.skipped).toContainEqual({ file: 'cache/scan-cache.json', reason: 'results cache: not a regular file (FIFO): never opened for reading' });
    expect(goodFindings(result)).toEqual(clean().keys);
  });

  it('a Unix socket named like a source file is listed under skipped', async () => {
    const dir = tree('socket');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(dir, 'good/socket.ts'), resolve));
    try {
      const { result } = scanJson(dir);
      expect(result.skipped).toContainEqual({ file: 'good/socket.ts', reason: 'not a regular file (socket): never opened for reading' });
      expect(goodFindings(result)).toEqual(clean().keys);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  const canMknod = spawnSync('mknod', ['--help'], { encoding: 'utf8' }).status === 0 && process.getuid?.() === 0;
  it.skipIf(!canMknod)('a character device named like a source file is listed under skipped (needs root for mknod)', (context) => {
    const dir = tree('device');
    const made = spawnSync('mknod', [path.join(dir, 'good/zero.ts'), 'c', '1', '5'], { encoding: 'utf8' });
    if (made.status !== 0) context.skip('mknod refused (no CAP_MKNOD in this container)');
    const { result } = scanJson(dir);
    expect(result.skipped).toContainEqual({ file: 'good/zero.ts', reason: 'not a regular file (device): never opened for reading' });
    expect(goodFindings(result)).toEqual(clean().keys);
  });

  it('a FIFO named explicitly on the command line is listed under skipped, not opened', () => {
    const dir = tree('fifo-arg');
    mkfifo(path.join(dir, 'named.ts'));
    const { result } = scanJson(dir, ['good', 'named.ts']);
    expect(result.skipped).toContainEqual({ file: 'named.ts', reason: 'not a regular file (FIFO): never opened for reading' });
    expect(goodFindings(result)).toEqual(clean().keys);
  });

  it('links are never followed: a directory loop does not hang, a linked file is not read', () => {
    const dir = tree('links');
    symlinkSync('..', path.join(dir, 'good/loop'));
    symlinkSync(path.join(dir, 'good/cache-codec.ts'), path.join(dir, 'good/alias.ts'));
    const { result } = scanJson(dir);
    expect(result.findings.some((f) => f.file.includes('loop/') || f.file === 'good/alias.ts')).toBe(false);
    expect(goodFindings(result)).toEqual(clean().keys);
  });
});

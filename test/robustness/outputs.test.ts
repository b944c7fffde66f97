import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bin, RUN_LIMIT_MS, runCli, treesForEachTest } from './harness.js';

/** Output that cannot be written: exit 2 with one line, and a previous report is never replaced by a torn one. */
const tree = treesForEachTest();

/** Whether a tiny tmpfs can be mounted in a user namespace here (Linux with unprivileged user namespaces). */
// BOTTLENECK_TEST_NO_TMPFS=1 exercises the injection path where tmpfs works too.
const tmpfsAllowed = !process.env.BOTTLENECK_TEST_NO_TMPFS && spawnSync('unshare', ['-rm', 'sh', '-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" && umount "$d"'], { timeout: 20_000 }).status === 0;

const PREVIOUS = '{"previous":"report, whole"}\n';

/** The scan's exit code and stderr, with `report.json` in `outDir` on a disk that is full. */
function scanOntoFullDisk(dir: string, outDir: string): { status: number; stderr: string; previous: string; leftovers: string[] } {
  if (tmpfsAllowed) {
    // A 256 KiB tmpfs, filled up after the previous report was written: the scan's report cannot fit.
    const script = [
      'set -u',
      `mount -t tmpfs -o size=256k tmpfs "$OUT"`,
      `printf '%s' "$PREVIOUS" > "$OUT/report.json"`,
      `head -c 1048576 /dev/zero > "$OUT/fill" 2>/dev/null || true`,
      `"$NODE" "$BIN" scan --no-cache --format json --output "$OUT/report.json" 2> "$ERR"; code=$?`,
      `cat "$OUT/report.json" > "$PREVIOUS_OUT"; ls -a "$OUT" > "$LS"`,
      'exit $code',
    ].join('\n');
    const files = { ERR: path.join(dir, 'stderr.txt'), PREVIOUS_OUT: path.join(dir, 'previous.txt'), LS: path.join(dir, 'ls.txt') };
    const child = spawnSync('unshare', ['-rm', 'sh', '-c', script], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', OUT: outDir, PREVIOUS, NODE: process.execPath, BIN: bin, ...files },
      timeout: RUN_LIMIT_MS,
      killSignal: 'SIGKILL',
    });
    const leftovers = readFileSync(files.LS, 'utf8').split('\n').filter((name) => name && !['.', '..', 'report.json', 'fill'].includes(name));
    return { status: child.status ?? -1, stderr: readFileSync(files.ERR, 'utf8'), previous: readFileSync(files.PREVIOUS_OUT, 'utf8'), leftovers };
  }
  // No tmpfs: the same failure injected into fs.writeSync for files under outDir (ENOSPC after the first 4 KiB).
  writeFileSync(path.join(outDir, 'report.json'), PREVIOUS);
  const inject = path.join(dir, 'enospc.mjs');
  writeFileSync(
    inject,
    `import fs from 'node:fs'; import { syncBuiltinESMExports } from 'node:module';
const dir = ${JSON.stringify(outDir)}; const paths = new Map(); const written = new Map();
const open = fs.openSync; const write = fs.writeSync; const close = fs.closeSync;
fs.openSync = (p, ...rest) => { const fd = open(p, ...rest); if (String(p).startsWith(dir)) paths.set(fd, 0); return fd; };
fs.writeSync = (fd, buffer, ...rest) => { if (paths.has(fd)) { const sum = paths.get(fd) + (buffer.length ?? 0); paths.set(fd, sum); if (sum > 4096) { const e = new Error('ENOSPC: no space left on device, write'); e.code = 'ENOSPC'; throw e; } } return write(fd, buffer, ...rest); };
fs.closeSync = (fd) => { paths.delete(fd); return close(fd); };
syncBuiltinESMExports();\n`,
  );
  const run = runCli(['scan', '--no-cache', '--format', 'json', '--output', path.join(outDir, 'report.json')], { cwd: dir, env: { NODE_OPTIONS: `--import=${inject}` } });
  const leftovers = readdirSync(outDir).filter((name) => name !== 'report.json');
  return { status: run.status ?? -1, stderr: run.stderr, previous: readFileSync(path.join(outDir, 'report.json'), 'utf8'), leftovers };
}

describe('output errors', () => {
  it.skipIf(!existsSync('/dev/full'))('stdout on a full disk (> /dev/full): exit 2 and one line on stderr, no stack trace', () => {
    const dir = tree('dev-full');
    const run = runCli(['scan', '--no-cache', '--format', 'json'], { cwd: dir, stdoutTo: '/dev/full' });
    expect(run.hung).toBe(false);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('bottleneck: cannot write to stdout: ENOSPC: no space left on device, write\n');
  });

  it(`a report on a full disk (${tmpfsAllowed ? 'a 256 KiB tmpfs' : 'ENOSPC injected into fs.writeSync: no tmpfs here'}): exit 2, one line naming the file, the previous report whole, no temporary file left`, () => {
    const dir = tree('full-disk');
    const outDir = path.join(dir, 'out');
    spawnSync('mkdir', [outDir]);
    const outcome = scanOntoFullDisk(dir, outDir);
    expect(outcome.status).toBe(2);
    expect(outcome.stderr).toMatch(/^bottleneck: Cannot write .*report\.json: ENOSPC: no space left on device, write\n$/);
    expect(outcome.previous).toBe(PREVIOUS);
    expect(outcome.leftovers).toEqual([]);
  });

  it('a report into a directory that cannot be created: exit 2 and one line', () => {
    const dir = tree('no-dir');
    writeFileSync(path.join(dir, 'blocker'), 'a file where a directory should be\n');
    const run = runCli(['scan', '--no-cache', '--output', 'json=blocker/report.json'], { cwd: dir });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^bottleneck: Cannot write blocker\/report\.json: /)]);
  });
});

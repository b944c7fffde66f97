import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clean, goodFindings, goodTree, isRoot, removeTree, report, runCli, tempDir } from './harness.js';

/** The results cache under bad conditions: shared locations, other users' directories, links, corrupt entries. */
const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) removeTree(dir);
});

/** A tree without node_modules above it, with its own XDG cache home and TMPDIR. */
function setup(name: string) {
  const dir = goodTree(name);
  const home = tempDir(`${name}-home`);
  made.push(dir, home);
  const env = { XDG_CACHE_HOME: path.join(home, 'xdg'), TMPDIR: path.join(home, 'tmp') };
  mkdirSync(env.TMPDIR, { recursive: true });
  return { dir, home, env, scan: (extra: string[] = []) => runCli(['scan', '--format', 'json', ...extra], { cwd: dir, env }) };
}

const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);

describe('the default cache location without node_modules is private to the user', () => {
  it('lives under $XDG_CACHE_HOME/bottleneck in 0700 directories with a 0600 file, and nothing lands in the shared temp directory', () => {
    const { env, scan } = setup('xdg');
    const run = scan();
    expect(goodFindings(report(run))).toEqual(clean().keys);
    const base = path.join(env.XDG_CACHE_HOME, 'bottleneck');
    expect(mode(base)).toBe('700');
    const [hashDir] = readdirSync(base);
    expect(hashDir).toMatch(/^[0-9a-f]{12}$/);
    expect(mode(path.join(base, hashDir ?? ''))).toBe('700');
    expect(mode(path.join(base, hashDir ?? '', 'scan-cache.json'))).toBe('600');
    expect(readdirSync(env.TMPDIR).filter((name) => name.startsWith('bottleneck'))).toEqual([]);
  });

  it('a cache directory open to other users is not used (one line on stderr), and the findings are intact', () => {
    const { env, scan } = setup('open');
    mkdirSync(path.join(env.XDG_CACHE_HOME, 'bottleneck'), { recursive: true });
    chmodSync(path.join(env.XDG_CACHE_HOME, 'bottleneck'), 0o777);
    const run = scan();
    expect(run.stderr).toMatch(/results cache not used: .*bottleneck is open to other users \(mode 777; expected 700\)/);
    expect(goodFindings(report(run))).toEqual(clean().keys);
    expect(readdirSync(path.join(env.XDG_CACHE_HOME, 'bottleneck'))).toEqual([]);
  });

  it.skipIf(!isRoot)('a cache directory owned by another user is not used (root only: it needs chown)', () => {
    const { env, scan } = setup('owner');
    const base = path.join(env.XDG_CACHE_HOME, 'bottleneck');
    mkdirSync(base, { recursive: true, mode: 0o700 });
    chownSync(base, 65534, 65534);
    const run = scan();
    expect(run.stderr).toMatch(/results cache not used: .*belongs to another user \(uid 65534\)/);
    expect(goodFindings(report(run))).toEqual(clean().keys);
  });

  it('a link in place of the cache directory is not followed', () => {
    const { env, home, scan } = setup('link');
    const elsewhere = path.join(home, 'elsewhere');
    mkdirSync(elsewhere, { mode: 0o700 });
    mkdirSync(path.join(env.XDG_CACHE_HOME), { recursive: true });
    symlinkSync(elsewhere, path.join(env.XDG_CACHE_HOME, 'bottleneck'));
    const run = scan();
    expect(run.stderr).toMatch(/results cache not used: .*bottleneck is a symbolic link/);
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(goodFindings(report(run))).toEqual(clean().keys);
  });

  it('a link planted at the cache file is replaced, never written through', () => {
    const { dir, home, scan } = setup('file-link');
    const victim = path.join(home, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    mkdirSync(path.join(dir, 'cache'), { mode: 0o700 });
    symlinkSync(victim, path.join(dir, 'cache', 'scan-cache.json'));
    const run = scan(['--cache-location', 'cache']);
    expect(goodFindings(report(run))).toEqual(clean().keys);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(path.join(dir, 'cache', 'scan-cache.json')).isFile()).toBe(true);
  });
});

describe('cache entries are checked against the JSON finding schema: a bad entry is a miss', () => {
  type Entry = { key: string; lines: number; analysis: { findings: Array<Record<string, unknown>>; errors: unknown[] } };
  const corruptions: Array<[string, (file: string, entry: Entry) => unknown]> = [
    ['analysis: null', (_file, entry) => ({ ...entry, analysis: null })],
    ['findings: null', (_file, entry) => ({ ...entry, analysis: { ...entry.analysis, findings: null } })],
    ['findings: {} (not a list)', (_file, entry) => ({ ...entry, analysis: { ...entry.analysis, findings: {} } })],
    ['a bogus severity', (_file, entry) => ({ ...entry, analysis: { ...entry.analysis, findings: entry.analysis.findings.map((f) => ({ ...f, severity: 'bogus' })) } })],
    ['a finding for another file', (_file, entry) => ({ ...entry, analysis: { ...entry.analysis, findings: entry.analysis.findings.map((f) => ({ ...f, file: 'elsewhere.ts' })) } })],
    ['a line that is not a number', (_file, entry) => ({ ...entry, analysis: { ...entry.analysis, findings: entry.analysis.findings.map((f) => ({ ...f, line: 'x' })) } })],
    // Checked by hand since the warm path stopped loading zod (src/scanner/cached-entry.ts): the same misses.
    ['a fractional column', (_file, entry) => ({ ...entry, analysis: { ...entry.analysis, findings: entry.analysis.findings.map((f) => ({ ...f, column: 1.5 })) } })],
    ['a null fix', (_file, entry) => ({ ...entry, analysis: { ...entry.analysis, findings: entry.analysis.findings.map((f) => ({ ...f, fix: null })) } })],
    ['evidence holding a number', (_file, entry) => ({ ...entry, analysis: { ...entry.analysis, findings: entry.analysis.findings.map((f) => ({ ...f, evidence: [1] })) } })],
    ['no fingerprint text', (_file, entry) => ({ ...entry, analysis: { ...entry.analysis, findings: entry.analysis.findings.map(({ fingerprintText: _, ...f }) => f) } })],
    ['a params value that is an object', (_file, entry) => ({ ...entry, analysis: { ...entry.analysis, findings: entry.analysis.findings.map((f) => ({ ...f, params: { planted: { a: 1 } } })) } })],
    ['a negative line count', (_file, entry) => ({ ...entry, lines: -1 })],
    ['errors: [null]', (_file, entry) => ({ ...entry, analysis: { ...entry.analysis, errors: [null] } })],
  ];
  for (const [name, corrupt] of corruptions) {
    it(`${name}, under a key that still matches: no crash, the same findings and exit code as a clean run`, () => {
      const { dir, scan } = setup('corrupt');
      const warm = scan(['--cache-location', 'cache']);
      expect(goodFindings(report(warm))).toEqual(clean().keys);
      const cacheFile = path.join(dir, 'cache', 'scan-cache.json');
      const cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as { files: Record<string, Entry> };
      let corrupted = 0;
      for (const [file, entry] of Object.entries(cache.files)) {
        if (entry.analysis.findings.length === 0) continue;
        cache.files[file] = corrupt(file, entry) as Entry;
        corrupted += 1;
      }
      expect(corrupted).toBeGreaterThan(0);
      writeFileSync(cacheFile, JSON.stringify(cache));
      const run = scan(['--cache-location', 'cache']);
      expect(run.stderr).not.toContain('internal error');
      expect(run.status).toBe(clean().status);
      expect(goodFindings(report(run))).toEqual(clean().keys);
    });
  }

  it('a cache file that is not JSON is a miss for every file', () => {
    const { dir, scan } = setup('garbage');
    mkdirSync(path.join(dir, 'cache'));
    writeFileSync(path.join(dir, 'cache', 'scan-cache.json'), '{"format":1,"files":');
    const run = scan(['--cache-location', 'cache']);
    expect(goodFindings(report(run))).toEqual(clean().keys);
    expect(existsSync(path.join(dir, 'cache', 'scan-cache.json'))).toBe(true);
  });
});

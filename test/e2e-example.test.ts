import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script without types
import { EVIDENCE_DIR, applyFixes, compareRun, readmeBlock, runExample } from '../scripts/e2e-example.mjs';

const root = path.resolve(import.meta.dirname, '..');
const example = path.join(root, 'examples/e2e-service');
const bin = path.join(root, 'bin/bottleneck.js');
const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

interface ReportFinding {
  ruleId: string;
  file: string;
  line: number;
  fingerprint: string;
}

function scan(cwd: string): { findings: ReportFinding[] } {
  const child = spawnSync(process.execPath, [bin, 'scan', '.', '--format', 'json', '--no-cache', '--fail-on', 'none'], { cwd, encoding: 'utf8' });
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout);
}

function copy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bottleneck-e2e-test-'));
  temps.push(dir);
  cpSync(example, dir, { recursive: true, filter: (source) => !source.startsWith(path.join(example, 'evidence')) });
  return dir;
}

/** The findings the example is built to have: one real bottleneck per family, and the planted one. */
const EXPECTED = [
  ['undersized-pool/small-max', 'src/db.mjs'],
  ['fake-compression/encoding-only', 'src/drafts.mjs'],
  ['missing-keep-alive/keepalive-false', 'src/legacy.mjs'],
  ['sequential-await/consecutive', 'src/orders.mjs'],
  ['missing-keep-alive/keepalive-false', 'src/quotes.mjs'],
  ['uncleared-timer/race-timeout', 'src/search.mjs'],
];

describe('the end-to-end example service', () => {
  it('has exactly one finding per family, plus the planted keep-alive finding on the legacy client', () => {
    const report = scan(example);
    expect(report.findings.map((f) => [f.ruleId, f.file])).toEqual(EXPECTED);
  });

  it('the scan\'s own fixes, applied to a copy, leave no finding, and each finding\'s place still names its code', () => {
    const dir = copy();
    const report = scan(dir);
    const moved = applyFixes(dir, report) as { findings: Array<ReportFinding & { column: number }> };
    expect(scan(dir).findings).toEqual([]);
    const at = (f: ReportFinding & { column: number }) => (readFileSync(path.join(dir, f.file), 'utf8').split('\n')[f.line - 1] ?? '').slice(f.column - 1);
    const byFile = Object.fromEntries(moved.findings.map((f) => [f.file, at(f)]));
    expect(byFile['src/orders.mjs']).toMatch(/^const \[user, orders, prefs, offers\] = await Promise\.all\(/);
    expect(byFile['src/search.mjs']).toMatch(/^setTimeout\(/);
    expect(byFile['src/drafts.mjs']).toMatch(/^function compressDraft/);
    expect(byFile['src/quotes.mjs']).toMatch(/^keepAlive: true/);
    expect(byFile['src/db.mjs']).toMatch(/^max: Number\(process\.env\.DB_POOL_MAX \?\? 20\)/);
  });

  it('the README\'s worked example is what compare prints for the committed run (regenerate: node scripts/e2e-example.mjs --write)', () => {
    const shown = compareRun(EVIDENCE_DIR, 'markdown') as { code: number; stdout: string; stderr: string };
    expect(shown.code, shown.stderr).toBe(0);
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    expect(readme.includes(readmeBlock(shown.stdout)), 'README.md\'s worked example is stale: run node scripts/e2e-example.mjs --write and commit it').toBe(true);
  });

  // Needs the build (npm test builds first): the preload is dist/bundle/register.js.
  it(
    'under bounded load with the preload: every family VERIFIED on the service with an interval, the planted finding NOT REPRODUCED',
    async () => {
      const work = mkdtempSync(path.join(tmpdir(), 'bottleneck-e2e-run-'));
      temps.push(work);
      // 240 requests over 6 routes: 40 executions of each site a side, at 6 connections.
      await runExample({ amount: 240, connections: 6, work, write: false, format: 'json' });
      const shown = compareRun(work, 'json') as { code: number; stdout: string; stderr: string };
      expect(shown.code, shown.stderr).toBe(0);
      const sites = JSON.parse(shown.stdout).comparison.sites as Array<{ file: string; ruleId: string; status: string; reason?: string; interval?: { low: number; high: number; method: string } }>;
      const verdicts = Object.fromEntries(sites.map((s) => [s.file, s]));
      for (const file of ['src/orders.mjs', 'src/quotes.mjs', 'src/db.mjs', 'src/search.mjs', 'src/drafts.mjs']) {
        expect(verdicts[file]?.status, `${file}: ${verdicts[file]?.reason}`).toBe('verified');
        expect(verdicts[file]?.interval?.method).toBe('bootstrap');
      }
      expect(verdicts['src/legacy.mjs']?.status, verdicts['src/legacy.mjs']?.reason).toBe('not-reproduced');
      expect(sites).toHaveLength(6);
    },
    180_000,
  );
});

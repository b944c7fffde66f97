import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script without types
import { EVIDENCE_DIR, applyFixes, compareRun, readmeBlock, runExample, thresholdResults, thresholdsMarkdown } from '../scripts/e2e-example.mjs';
import type { EvidenceFile } from '../src/evidence/format.js';
import { findingPrediction, THRESHOLD_MARGIN } from '../src/probe/k6.js';
import type { Finding } from '../src/findings.js';

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

interface CompareSite {
  file: string;
  ruleId: string;
  status: string;
  reason?: string;
  metric: { name: string };
  interval?: { low: number; high: number; method: string };
}
interface RouteStats {
  latencyMs: Record<string, number>;
}
interface ThresholdResult {
  script: string;
  file: string;
  path: string;
  decisive: boolean;
  thresholds: Record<string, unknown[]>;
  passes: Record<'before' | 'before-again' | 'after', Array<{ metric: string; expression: string; ok: boolean }>>;
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

  it('the README\'s worked example is what compare and the threshold evaluator print for the committed run (regenerate: node scripts/e2e-example.mjs --write)', async () => {
    const shown = compareRun(EVIDENCE_DIR, 'markdown') as { code: number; stdout: string; stderr: string };
    expect(shown.code, shown.stderr).toBe(0);
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const block = readmeBlock(shown.stdout, await thresholdsMarkdown(EVIDENCE_DIR));
    expect(readme.includes(block), 'README.md\'s worked example is stale: run node scripts/e2e-example.mjs --write and commit it').toBe(true);
  });

  // Needs the build (npm test builds first): the preload is dist/bundle/register.js.
  it(
    'under bounded load with the preload: every family VERIFIED on the service with an interval, the planted finding NOT REPRODUCED; the k6 thresholds fail on the routes as found',
    async () => {
      const work = mkdtempSync(path.join(tmpdir(), 'bottleneck-e2e-run-'));
      temps.push(work);
      // 240 requests: 40 per route, each route loaded alone at 10 connections (as the committed run: 10
      // reports in flight put 40 queries on the pool, above the suggested max of 20 the prediction rests on).
      await runExample({ amount: 240, connections: 10, work, write: false, format: 'json' });
      const shown = compareRun(work, 'json') as { code: number; stdout: string; stderr: string };
      expect(shown.code, shown.stderr).toBe(0);
      const sites = JSON.parse(shown.stdout).comparison.sites as CompareSite[];
      const verdicts = Object.fromEntries(sites.map((s) => [s.file, s]));
      for (const file of ['src/orders.mjs', 'src/quotes.mjs', 'src/db.mjs', 'src/search.mjs', 'src/drafts.mjs']) {
        expect(verdicts[file]?.status, `${file}: ${verdicts[file]?.reason}`).toBe('verified');
        expect(verdicts[file]?.interval?.method).toBe('bootstrap');
      }
      expect(verdicts['src/legacy.mjs']?.status, verdicts['src/legacy.mjs']?.reason).toBe('not-reproduced');
      expect(sites).toHaveLength(6);

      const report = JSON.parse(readFileSync(path.join(work, 'findings.json'), 'utf8')) as { findings: Finding[] };
      const routes = JSON.parse(readFileSync(path.join(work, 'routes.json'), 'utf8')) as Record<string, Record<string, RouteStats>>;
      const results = (await thresholdResults(work)) as ThresholdResult[];
      // One script per HTTP-facing finding (probe --emit-k6 writes none for timers and compression).
      expect(results.map((r) => r.file).sort()).toEqual(['src/db.mjs', 'src/legacy.mjs', 'src/orders.mjs', 'src/quotes.mjs']);
      const evidence = (side: string) => JSON.parse(readFileSync(path.join(work, `${side}.evidence.json`), 'utf8')) as EvidenceFile;
      const siteIn = (side: string, file: string) => evidence(side).sites.find((s) => s.file === file)!;
      for (const result of results) {
        const finding = report.findings.find((f) => f.file === result.file)!;
        // No request failed on any pass: the failed-requests threshold passes everywhere.
        for (const pass of ['before', 'before-again', 'after'] as const) {
          expect(result.passes[pass].filter((t) => t.metric === 'http_req_failed').every((t) => t.ok), `${result.file} ${pass}`).toBe(true);
        }
        if (result.file === 'src/quotes.mjs' || result.file === 'src/legacy.mjs') {
          // Keep-alive: the finding predicts no route-level ratio (a connection set-up on loopback is far
          // under a millisecond), so the script's only threshold is the failed-requests one, and its header
          // says so. The effect is server-side: the sockets per outbound request, VERIFIED above (quotes)
          // and NOT REPRODUCED (legacy, the planted one).
          expect(result.decisive).toBe(false);
          expect(Object.keys(result.thresholds)).toEqual(['http_req_failed']);
          expect(readFileSync(path.join(work, 'k6', result.script), 'utf8')).toContain('THRESHOLDS NEED A PREDICTION');
          continue;
        }
        expect(result.decisive, result.file).toBe(true);
        const duration = (pass: 'before' | 'before-again' | 'after') => result.passes[pass].filter((t) => t.metric === 'http_req_duration');
        expect(duration('before').map((t) => t.expression.slice(0, 5))).toEqual(['p(95)', 'p(99)']);
        // The pass the baseline came from fails by construction (its p95 is over p95 / ratio x 1.2 whenever
        // ratio > 1.2); the second pass as found is a measurement the thresholds were not derived from, and
        // fails them too: it would have to be ratio / 1.2 times faster than the first to pass.
        expect(duration('before').every((t) => !t.ok), `${result.file} before`).toBe(true);
        expect(duration('before-again').every((t) => !t.ok), `${result.file} before-again`).toBe(true);
        // The fixed route is faster than the route as found, in the same run (by the median: a stall of the
        // machine that hits a few of 40 requests moves a p95, not the median).
        expect(routes.after![result.path]!.latencyMs.med).toBeLessThan(routes.before![result.path]!.latencyMs.med!);
        // Passing the thresholds takes the fixed route's p95 within 1.2x of before / ratio. The thresholds
        // take the finding's code for the route's whole latency (--k6-share 1), so the time every request
        // spends outside it (the HTTP server, scheduling) must shrink by the ratio too; on a 2-core machine
        // shared with other work that time can be as large as the fixed route's whole latency, so the route's
        // p95 cannot be asserted within that margin. What the thresholds mirror, the finding's own code, is
        // asserted instead on the preload's evidence of the same run:
        const ratio = findingPrediction(finding).ratio!;
        if (result.file === 'src/orders.mjs') {
          // ratio = the number of awaits, from running them at once: as found one at a time, fixed all in flight.
          expect(siteIn('before', result.file).metrics.overlap).toMatchObject({ min: 1, max: 1 });
          expect(siteIn('after', result.file).metrics.overlap).toMatchObject({ min: ratio, max: ratio });
        } else {
          // ratio = recommended max / max, from the wait for a connection: a queue length in units of query
          // time, so the machine's speed divides out. The waits fall at least by ratio / (1 + margin).
          expect(verdicts[result.file]!.metric.name).toBe('acquire.ms');
          expect(verdicts[result.file]!.interval!.low).toBeGreaterThanOrEqual(ratio / (1 + THRESHOLD_MARGIN));
        }
      }
    },
    240_000,
  );
});

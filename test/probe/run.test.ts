import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings.js';
import { canEmitK6, k6FileName, k6Script } from '../../src/probe/k6.js';
import { terminalProbeReport, withVerificationJson } from '../../src/probe/report.js';
import { runProbes, splitRuleId } from '../../src/probe/run.js';
import type { Probe } from '../../src/probe/types.js';

function finding(ruleId: string, line: number, params: Finding['params']): Finding {
  return {
    ruleId, severity: 'high', confidence: 'high', file: 'src/a.ts', line, column: 1, endLine: line, endColumn: 10,
    message: 'm', evidence: [], impact: '', fix: { description: '', replacement: '' }, effort: 'small', category: 'Caching',
    fingerprint: `fp${line}`, ...(params ? { params } : {}),
  };
}

/** A probe that counts its runs and measures nothing real. */
function countingProbe(runs: unknown[]): Probe<{ n: number }> {
  return {
    family: 'fake',
    plan: (params) => (params.skip ? { skip: 'told to skip' } : { params: { n: Number(params.n ?? 1) } }),
    shareKey: (params) => ({ n: params.n }),
    async run(params, context) {
      runs.push({ params, share: context.deadline - Date.now() });
      return {
        status: 'verified',
        measurements: [{ metric: 'things', unit: 'things', before: 10 * params.n, after: params.n, ratio: 10, better: 'lower' }],
        load: `${params.n} things`,
        notes: [],
        rounds: 1,
      };
    },
  };
}

describe('probe runner', () => {
  it('dispatches on the family before "/" and shares one measurement per distinct params', async () => {
    const runs: unknown[] = [];
    const findings = [
      ...Array.from({ length: 40 }, (_, i) => finding('fake/variant-a', i + 1, { n: 1, name: `x${i}` })),
      finding('fake/variant-b', 50, { n: 2 }),
      finding('fake', 51, { skip: true }),
      finding('other-rule', 52, {}),
    ];
    const { findings: out, summary } = await runProbes(findings, { budgetMs: 5_000, signal: new AbortController().signal, probes: { fake: countingProbe(runs) as Probe<unknown> } });
    expect(runs).toHaveLength(2);
    expect(summary.measurements).toBe(2);
    expect(summary.counts).toEqual({ verified: 41, 'not-reproduced': 0, inconclusive: 0, skipped: 2 });
    expect(out[0]?.verification).toBe(out[39]?.verification);
    expect(out[0]?.verification).toMatchObject({ status: 'verified', metric: 'things', before: 10, after: 1, ratio: 10, mode: 'replica', sharedWith: 40 });
    expect(out[41]?.verification).toMatchObject({ status: 'skipped', reason: 'told to skip' });
    expect(out[42]?.verification).toMatchObject({ status: 'skipped', reason: 'no probe for rule other-rule' });
    expect(splitRuleId('a/b/c')).toEqual({ family: 'a', variant: 'b/c' });
  });

  it('reports probes not started after an abort as interrupted', async () => {
    const controller = new AbortController();
    controller.abort();
    const { findings, summary } = await runProbes([finding('fake', 1, { n: 1 })], { budgetMs: 5_000, signal: controller.signal, probes: { fake: countingProbe([]) as Probe<unknown> } });
    expect(findings[0]?.verification?.reason).toMatch(/interrupted/);
    expect(summary.interrupted).toBe(true);
  });

  it('skips what the budget cannot hold', async () => {
    const { findings } = await runProbes([finding('fake', 1, { n: 1 })], { budgetMs: 100, signal: new AbortController().signal, probes: { fake: countingProbe([]) as Probe<unknown> } });
    expect(findings[0]?.verification?.reason).toMatch(/out of budget/);
  });

  it('renders a before/after table once per shared measurement, and JSON with verification', async () => {
    const { findings, summary } = await runProbes([finding('fake/a', 1, { n: 3 }), finding('fake/a', 2, { n: 3 })], {
      budgetMs: 5_000, signal: new AbortController().signal, probes: { fake: countingProbe([]) as Probe<unknown> },
    });
    const text = terminalProbeReport(findings, summary, false);
    expect(text).toContain('src/a.ts:1:1  fake/a  VERIFIED (replica)');
    expect(text).toMatch(/metric\s+before\s+after\s+ratio/);
    expect(text).toMatch(/things \(things\)\s+30\s+3\s+10x/);
    expect(text).toContain('src/a.ts:2:1  fake/a  VERIFIED (same measurement as src/a.ts:1)');
    expect(text).toContain('Probed 2 findings: 2 verified, 0 not reproduced, 0 inconclusive, 0 skipped · 1 measurement');
    const json = JSON.parse(withVerificationJson(JSON.stringify({ findings: [{ ruleId: 'fake/a' }, { ruleId: 'fake/a' }] }), findings, summary)) as {
      findings: Array<{ verification: { status: string; ratio: number } }>;
      probe: { measurements: number };
    };
    expect(json.findings.map((f) => [f.verification.status, f.verification.ratio])).toEqual([['verified', 10], ['verified', 10]]);
    expect(json.probe.measurements).toBe(1);
  });

  it('writes a k6 script with before and after scenarios for the target URL', () => {
    const script = k6Script(finding('missing-keep-alive/agent-without-keepalive', 7, { keepAlive: false }), 'https://staging.example.com/health');
    expect(script).toContain('const TARGET = __ENV.TARGET_URL || "https://staging.example.com/health";');
    expect(script).toContain("headers: { Connection: 'close' }");
    expect(script).toMatch(/before: \{ executor: 'constant-vus', exec: 'before', vus: 10/);
    expect(script).toContain('parallelism: N');
    const batch = k6Script(finding('sequential-await/consecutive', 3, { awaits: 4 }), 'http://x.test/');
    expect(batch).toContain('http.batch(Array.from({ length: 4 }');
    expect(k6FileName(finding('sequential-await/consecutive', 3, {}))).toBe('sequential-await-src-a-ts-3.js');
  });

  it('writes a k6 script for an undersized pool: load at the pool size, then at the expected concurrency', () => {
    const script = k6Script(finding('undersized-pool/small-max', 5, { max: 10, expectedConcurrency: 50, serviceTimeMs: 20 }), 'https://staging.example.com/orders');
    expect(script).toMatch(/at_pool_size: \{ executor: 'constant-vus', exec: 'request', vus: 10,/);
    expect(script).toMatch(/at_expected_concurrency: \{ executor: 'constant-vus', exec: 'request', vus: 50,/);
    // Closed-loop prediction: 20 ms * (50 / 10 - 1).
    expect(script).toContain('by about 80 ms');
    expect(script).not.toContain('`before` and `after`');
    expect(canEmitK6(finding('undersized-pool/small-max', 5, {}))).toBe(true);
    expect(canEmitK6(finding('uncleared-timer/race-timeout', 5, {}))).toBe(false);
  });
});

describe('verdicts from rounds', async () => {
  const { measure, verdict } = await import('../../src/probe/stats.js');
  it('verifies when every round agrees, calls overlapping rounds inconclusive, and a small ratio not reproduced', () => {
    expect(verdict(measure('t', 'ms', 'lower', [60, 62, 61], [20, 21, 22]), 2).status).toBe('verified');
    expect(verdict(measure('t', 'ms', 'lower', [60, 10, 61], [20, 21, 90]), 2).status).toBe('inconclusive');
    expect(verdict(measure('t', 'ms', 'lower', [30, 31, 29], [28, 29, 30]), 2).status).toBe('not-reproduced');
    expect(measure('x', 'ops/s', 'higher', [100, 110, 90], [500, 510, 490])).toMatchObject({ before: 100, after: 500, ratio: 5, spread: { before: [90, 110], after: [490, 510] } });
  });
});

import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings.js';
import { terminalProbeReport, withVerificationJson } from '../../src/probe/report.js';
import { runProbes, splitRuleId } from '../../src/probe/run.js';
import type { Probe, ProbeOutcome } from '../../src/probe/types.js';
import { bootstrapRatio, finalVerdict, judgeInterval } from '../../src/probe/verdicts.js';
import { verdictSummary } from '../../src/reporters/verification.js';

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
    expect(summary.counts).toMatchObject({ verified: 0, demonstrated: 41, 'not-reproduced': 0, inconclusive: 0, skipped: 2 });
    expect(out[0]?.verification).toBe(out[39]?.verification);
    expect(out[0]?.verification).toMatchObject({ status: 'demonstrated', metric: 'things', before: 10, after: 1, ratio: 10, mode: 'replica', sharedWith: 40 });
    expect(out[41]?.verification).toMatchObject({ status: 'skipped', reason: 'told to skip' });
    expect(out[42]?.verification).toMatchObject({ status: 'skipped', reason: 'no probe for rule other-rule' });
    expect(splitRuleId('a/b/c')).toEqual({ family: 'a', variant: 'b/c' });
  });

  it('counts the budget from startedAt, so the time the scan took is spent', async () => {
    const runs: unknown[] = [];
    const { findings, summary } = await runProbes([finding('fake', 1, { n: 1 })], {
      budgetMs: 5_000, startedAt: Date.now() - 60_000, signal: new AbortController().signal, probes: { fake: countingProbe(runs) as Probe<unknown> },
    });
    expect(runs).toHaveLength(0);
    expect(findings[0]?.verification).toMatchObject({ status: 'skipped' });
    expect(String(findings[0]?.verification?.reason)).toMatch(/out of budget/);
    expect(summary.durationMs).toBeGreaterThanOrEqual(60_000);
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
    expect(text).toContain('src/a.ts:1:1  fake/a  DEMONSTRATED (replica)');
    expect(text).toMatch(/metric\s+before\s+after\s+ratio/);
    expect(text).toMatch(/things \(things\)\s+30\s+3\s+10x/);
    expect(text).toContain('src/a.ts:2:1  fake/a  DEMONSTRATED (replica) (same measurement as src/a.ts:1)');
    expect(text.replace(/\s+/g, ' ')).toContain('Probed 2 findings: 0 verified on your code, 2 demonstrated (replica) · 1 measurement');
    const json = JSON.parse(withVerificationJson(JSON.stringify({ findings: [{ ruleId: 'fake/a' }, { ruleId: 'fake/a' }] }), findings, summary)) as {
      findings: Array<{ verification: { status: string; ratio: number } }>;
      probe: { measurements: number };
    };
    expect(json.findings.map((f) => [f.verification.status, f.verification.ratio])).toEqual([['demonstrated', 10], ['demonstrated', 10]]);
    expect(json.probe.measurements).toBe(1);
  });

  it('wraps the terminal report to the width, and keeps the table when it fits', async () => {
    const long = finding('fake/a', 1, { n: 3 });
    long.file = 'src/services/billing/invoices/reconciliation/monthly-statements.ts';
    const { findings, summary } = await runProbes([long, { ...finding('fake/a', 2, { n: 3 }), file: long.file }], {
      budgetMs: 5_000, signal: new AbortController().signal, probes: { fake: countingProbe([]) as Probe<unknown> },
    });
    const withNotes = findings.map((f) => (f.verification ? { ...f, verification: { ...f.verification, notes: ['a note long enough that forty columns cannot hold it on one line, so it wraps under its bullet'] } } : f));
    for (const width of [40, 60, 100]) {
      const lines = terminalProbeReport(withNotes, summary, false, width).split('\n');
      expect(lines.filter((line) => [...line].length > width)).toEqual([]);
      // Every word of the note survives the wrapping.
      expect(lines.join(' ').replace(/\s+/g, ' ')).toContain('so it wraps under its bullet');
    }
    expect(terminalProbeReport(withNotes, summary, false, 100)).toMatch(/metric\s+before\s+after\s+ratio/);
    const narrow = terminalProbeReport(withNotes, summary, false, 34);
    expect(narrow).not.toMatch(/metric\s+before/);
    expect(narrow).toContain('before 30 -> after 3 (10x)');
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

describe('verdict gate', () => {
  const shown: ProbeOutcome = {
    status: 'verified',
    measurements: [{ metric: 't', unit: 'ms', before: 60, after: 20, ratio: 3, better: 'lower' }],
    load: '',
    notes: [],
    rounds: 12,
  };
  const reached = { file: 'src/a.ts', line: 3, executed: true, count: 12, positions: 4 };
  const interval = bootstrapRatio(Array.from({ length: 12 }, (_, i) => 60 + (i % 3)), Array.from({ length: 12 }, (_, i) => 20 + (i % 2)), 'lower');

  it('never names a replica verified, whatever the probe says', () => {
    expect(finalVerdict(shown, 'replica').status).toBe('demonstrated');
    expect(finalVerdict({ ...shown, evidence: { reached, ...(interval ? { interval } : {}) } }, 'replica').status).toBe('demonstrated');
    expect(finalVerdict({ ...shown, status: 'not-reproduced' }, 'replica').status).toBe('not-reproduced');
  });

  it('asks your code for coverage of the finding line and an interval clear of the minimum effect', () => {
    expect(finalVerdict(shown, 'exec')).toMatchObject({ status: 'not-reached' });
    expect(finalVerdict({ ...shown, evidence: { reached: { ...reached, executed: false, count: 0 }, ...(interval ? { interval } : {}) } }, 'exec')).toMatchObject({ status: 'not-reached', reason: 'src/a.ts:3 never executed during the measurement (V8 coverage)' });
    expect(finalVerdict({ ...shown, evidence: { reached } }, 'exec').status).toBe('inconclusive');
    // No verdict either way on a line that never ran: "not reproduced" there would be measured on other code.
    expect(finalVerdict({ ...shown, status: 'not-reproduced', evidence: { reached: { ...reached, executed: false, count: 0 } } }, 'exec').status).toBe('not-reached');
    const few = { low: 2.9, high: 3.1, method: 'bootstrap' as const, level: 0.95, samples: { before: 3, after: 3 } };
    expect(finalVerdict({ ...shown, evidence: { reached, interval: few } }, 'exec')).toMatchObject({ status: 'inconclusive', reason: '3 samples on a side, fewer than the 10 an interval needs' });
    expect(interval?.low).toBeGreaterThan(2.5);
    expect(finalVerdict({ ...shown, evidence: { reached, ...(interval ? { interval } : {}), minEffect: 1.2, predicted: 2 } }, 'exec').status).toBe('verified');
    expect(finalVerdict({ ...shown, evidence: { reached, ...(interval ? { interval } : {}), minEffect: 1.2, predicted: 5 } }, 'exec').status).toBe('smaller-than-predicted');
    expect(finalVerdict({ ...shown, evidence: { reached, ...(interval ? { interval } : {}), minEffect: 4 } }, 'exec').status).toBe('inconclusive');
  });

  it('gives no interval below 10 samples, and an interval around 1 for equal sides', () => {
    expect(bootstrapRatio([1, 2, 3], [1, 2, 3], 'lower')).toBeUndefined();
    const same = bootstrapRatio(Array.from({ length: 20 }, (_, i) => 10 + (i % 5)), Array.from({ length: 20 }, (_, i) => 10 + ((i + 2) % 5)), 'lower');
    expect(same?.low).toBeLessThanOrEqual(1);
    expect(same?.high).toBeGreaterThanOrEqual(1);
    expect(judgeInterval(1, same, 1.2, 2).status).toBe('not-reproduced');
  });

  it('summarises a run by verdict and by what ran', () => {
    expect(verdictSummary([{ status: 'verified', mode: 'exec' }, { status: 'demonstrated', mode: 'replica' }, { status: 'not-reproduced', mode: 'exec' }, { status: 'fix-failed', mode: 'exec' }])).toBe(
      '1 verified on your code, 1 demonstrated (replica), 1 fix failed, 1 not reproduced (your code)',
    );
  });
});

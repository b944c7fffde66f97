/**
 * The probe runner: plans one probe per finding, shares one measurement among findings whose normalised
 * parameters are equal, splits the global budget across the distinct measurements, and stops cleanly on
 * abort (Ctrl-C), reporting what finished.
 */
import type { Finding } from '../findings.js';
import { fakeCompressionProbe } from './probes/fake-compression.js';
import { keepAliveProbe } from './probes/keep-alive.js';
import { sequentialAwaitProbe } from './probes/sequential-await.js';
import { unclearedTimerProbe } from './probes/uncleared-timer.js';
import { undersizedPoolProbe } from './probes/undersized-pool.js';
import { VERIFICATION_STATUSES, type FindingParams, type Measurement, type Probe, type ProbeContext, type ProbeOutcome, type Verification, type VerificationMode } from './types.js';
import { finalVerdict } from './verdicts.js';

/** Probes by rule family (the rule id before any `/variant`). */
export const PROBES: Record<string, Probe<unknown>> = Object.fromEntries(
  [fakeCompressionProbe, sequentialAwaitProbe, unclearedTimerProbe, keepAliveProbe, undersizedPoolProbe].map((probe) => [probe.family, probe as Probe<unknown>]),
);

import { splitRuleId } from './finding-params.js';

export { splitRuleId };

/** Below this share of the budget a measurement is not worth starting. */
const MIN_SHARE_MS = 400;
const FIRST_WEIGHT = 4;

export interface ProbeRunOptions {
  budgetMs: number;
  /** When the budget started (Date.now()); default now. `probe` starts it before its scan, which it includes. */
  startedAt?: number;
  signal: AbortSignal;
  /** Called before each distinct measurement starts (progress on stderr). */
  onStart?: (job: { family: string; index: number; total: number; findings: number }) => void;
  /** Replaces the probe for a family (tests, `--exec`). */
  probes?: Record<string, Probe<unknown>>;
  mode?: (family: string) => VerificationMode;
}

export interface ProbeRunSummary {
  budgetMs: number;
  durationMs: number;
  interrupted: boolean;
  /** Distinct measurements run (after sharing). */
  measurements: number;
  counts: Record<Verification['status'], number>;
}

interface Job {
  key: string;
  family: string;
  probe: Probe<unknown>;
  params: unknown;
  findings: number[];
}

/** A verification no probe produced. Its mode is `replica`: `exec` is kept for runs of the user's code. */
function skipped(reason: string): Verification {
  return { status: 'skipped', reason, mode: 'replica', metric: '', unit: '', before: null, after: null, ratio: null, measurements: [], load: '', notes: [], rounds: 0, durationMs: 0 };
}

/** The probe's outcome as a verification, named by the gate in verdicts.ts (never by the probe itself). */
function toVerification(outcome: ProbeOutcome, durationMs: number, fallbackMode: VerificationMode): Verification {
  const primary: Measurement | undefined = outcome.measurements[0];
  const mode = outcome.mode ?? fallbackMode;
  const verdict = finalVerdict(outcome, mode);
  return {
    status: verdict.status,
    ...(verdict.reason ? { reason: verdict.reason } : {}),
    mode,
    metric: primary?.metric ?? '',
    unit: primary?.unit ?? '',
    before: primary?.before ?? null,
    after: primary?.after ?? null,
    ratio: primary?.ratio ?? null,
    measurements: outcome.measurements,
    load: outcome.load,
    notes: outcome.notes,
    rounds: outcome.rounds,
    durationMs: Math.round(durationMs),
    ...(outcome.evidence ? { evidence: outcome.evidence } : {}),
  };
}

/** Stable key of a plan: equal parameters, one measurement. */
function planKey(family: string, params: unknown): string {
  return `${family}:${JSON.stringify(params, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1))) : value,
  )}`;
}

export async function runProbes(findings: Finding[], options: ProbeRunOptions): Promise<{ findings: Finding[]; summary: ProbeRunSummary }> {
  const started = options.startedAt ?? Date.now();
  const deadline = started + options.budgetMs;
  const probes = options.probes ?? PROBES;
  // A probe that does not say it ran the user's code ran a replica.
  const modeOf = options.mode ?? (() => 'replica' as const);
  const results: Verification[] = findings.map(() => skipped('not probed'));
  const jobs = new Map<string, Job>();
  findings.forEach((finding, index) => {
    const { family, variant } = splitRuleId(finding.ruleId);
    const probe = probes[family];
    if (!probe) {
      results[index] = skipped(`no probe for rule ${family}`);
      return;
    }
    const plan = probe.plan((finding.params ?? {}) as FindingParams, variant);
    if ('skip' in plan) {
      results[index] = skipped(plan.skip);
      return;
    }
    const key = planKey(family, probe.shareKey ? probe.shareKey(plan.params) : plan.params);
    const job = jobs.get(key) ?? { key, family, probe, params: plan.params, findings: [] };
    job.findings.push(index);
    jobs.set(key, job);
  });
  // One measurement per family first, then the rest: a small budget still verifies every family.
  const seen = new Map<string, number>();
  const ranked = [...jobs.values()].map((job, order) => {
    const rank = seen.get(job.family) ?? 0;
    seen.set(job.family, rank + 1);
    return { job, rank, order };
  });
  const sorted = ranked.sort((a, b) => a.rank - b.rank || a.order - b.order);
  const list = sorted.map((r) => r.job);
  // The first measurement of each family weighs FIRST_WEIGHT times more in the budget split.
  const weights = sorted.map((r) => (r.rank === 0 ? FIRST_WEIGHT : 1));
  let ran = 0;
  for (const [i, job] of list.entries()) {
    const remaining = deadline - Date.now();
    let verification: Verification;
    if (options.signal.aborted) {
      verification = skipped('interrupted (Ctrl-C) before this probe started');
    } else if (remaining < MIN_SHARE_MS) {
      verification = skipped(`out of budget (${Math.round(options.budgetMs / 1000)} s for ${list.length} measurements; raise --budget)`);
    } else {
      options.onStart?.({ family: job.family, index: i + 1, total: list.length, findings: job.findings.length });
      // A weighted share of what is left, so a probe that finishes early leaves its time to the next ones.
      const weightLeft = weights.slice(i).reduce((sum, w) => sum + w, 0);
      const share = Math.max(MIN_SHARE_MS, (remaining * (weights[i] ?? 1)) / weightLeft);
      const context: ProbeContext = { deadline: Date.now() + share, signal: options.signal };
      const t0 = performance.now();
      try {
        const outcome = await job.probe.run(job.params, context);
        verification = toVerification(outcome, performance.now() - t0, modeOf(job.family));
        if (options.signal.aborted && verification.status !== 'skipped') verification.notes.push('interrupted (Ctrl-C) during this probe: fewer rounds than planned');
      } catch (error) {
        verification = skipped(`probe failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      ran++;
    }
    // The same object for every finding of the job: reporters print a shared table once.
    if (job.findings.length > 1) verification.sharedWith = job.findings.length;
    for (const index of job.findings) results[index] = verification;
  }
  const counts = Object.fromEntries(VERIFICATION_STATUSES.map((status) => [status, 0])) as ProbeRunSummary['counts'];
  for (const v of results) counts[v.status]++;
  return {
    findings: findings.map((finding, index) => ({ ...finding, verification: results[index] as Verification })),
    summary: { budgetMs: options.budgetMs, durationMs: Date.now() - started, interrupted: options.signal.aborted, measurements: ran, counts },
  };
}

/**
 * The one place a probe's measurement becomes a verdict name. Probes report what they measured
 * (`ProbeOutcome`); `finalVerdict` decides what that may be called, so no probe can call a replica, or a
 * run in which the finding's line never executed, "verified".
 *
 * - A replica (the pattern copied with the finding's numbers, not the user's file) is at best
 *   `demonstrated`: it shows the mechanism, not that the user's code has it.
 * - The user's code (`mode: 'exec'`) is `verified` only with both pieces of evidence: V8 coverage says the
 *   finding's line executed (`reached`), and the effect's interval clears the minimum effect (`interval`,
 *   from enough samples, or an exact count). Missing evidence downgrades: `not-reached`, `inconclusive`.
 *   An interval clear of the minimum but a median below the finding's prediction is `smaller-than-predicted`.
 */
import type { EffectInterval, Evidence, Measurement, NoiseBand, ProbeOutcome, Verification, VerificationMode } from './types.js';

/** Fewer samples per side than this give no interval: the verdict cannot clear the noise. */
export const MIN_SAMPLES = 10;
/** The default noise floor: a ratio under this is no effect, whatever the interval. */
export const DEFAULT_MIN_EFFECT = 1.2;

type FinalStatus = Verification['status'];

export interface FinalVerdict {
  status: FinalStatus;
  reason?: string;
}

const REPLICA_REASON = "your file did not run: a textbook copy of the pattern with this finding's numbers showed the mechanism (use --exec to measure your code)";

export function finalVerdict(outcome: ProbeOutcome, mode: VerificationMode): FinalVerdict {
  const claimsEffect = outcome.status === 'verified' || outcome.status === 'smaller-than-predicted';
  const measured = claimsEffect || outcome.status === 'not-reproduced' || outcome.status === 'inconclusive';
  // Your code ran but the finding's line did not: no verdict about the finding, either way.
  const missed = outcome.evidence?.reached;
  if (mode === 'exec' && measured && missed && !missed.executed) {
    return { status: 'not-reached', reason: missed.positions === 0 ? `${missed.file}:${missed.line} has no code in the compiled module to observe` : `${missed.file}:${missed.line} never executed during the measurement (V8 coverage)` };
  }
  if (!claimsEffect) return { status: outcome.status, ...(outcome.reason ? { reason: outcome.reason } : {}) };
  if (mode !== 'exec') return { status: 'demonstrated', reason: REPLICA_REASON };
  const evidence: Evidence = outcome.evidence ?? {};
  const reached = evidence.reached;
  if (!reached) return { status: 'not-reached', reason: 'no coverage evidence that the finding\'s line executed, so the effect cannot be attributed to it' };
  if (!reached.executed) {
    return {
      status: 'not-reached',
      reason: reached.positions === 0 ? `${reached.file}:${reached.line} has no code in the compiled module to observe` : `${reached.file}:${reached.line} never executed during the measurement (V8 coverage)`,
    };
  }
  const interval = evidence.interval;
  if (!interval) return { status: 'inconclusive', reason: 'no confidence interval for the effect' };
  if (interval.method === 'bootstrap' && Math.min(interval.samples.before, interval.samples.after) < MIN_SAMPLES) {
    return { status: 'inconclusive', reason: `${Math.min(interval.samples.before, interval.samples.after)} samples on a side, fewer than the ${MIN_SAMPLES} an interval needs` };
  }
  const minEffect = effectiveMinimum(evidence, interval);
  if (interval.low < minEffect) {
    const why = evidence.noise && minEffect > (evidence.minEffect ?? DEFAULT_MIN_EFFECT) ? `the top of the measured noise band (A vs A ${evidence.noise.low}x-${evidence.noise.high}x)` : 'the minimum effect';
    return { status: 'inconclusive', reason: `the ${describeInterval(interval)} does not clear ${why} of ${minEffect}x` };
  }
  const ratio = outcome.measurements[0]?.ratio ?? null;
  if (evidence.predicted !== undefined && (ratio === null || ratio < evidence.predicted)) {
    return { status: 'smaller-than-predicted', reason: `the fix helped (${describeInterval(interval)}), but less than the ${evidence.predicted}x the finding predicts` };
  }
  return { status: 'verified' };
}

/**
 * The least a fix that runs `calls` independent awaits together must win to match the finding's promise:
 * half of the `calls`x that full overlap gives, and never less than 1.3x.
 */
export function sequentialPrediction(calls: number): number {
  return Math.max(1.3, calls * 0.5);
}

/** The smallest ratio a sampled interval must clear: the stated minimum effect, or the noise band's top if higher. */
export function effectiveMinimum(evidence: Evidence, interval: EffectInterval): number {
  const minEffect = evidence.minEffect ?? DEFAULT_MIN_EFFECT;
  return interval.method === 'bootstrap' && evidence.noise ? Math.max(minEffect, evidence.noise.high) : minEffect;
}

export function describeInterval(interval: EffectInterval): string {
  if (interval.method === 'exact') return `exact count, ratio ${interval.low}x (no sampling noise: the count is the same on every run)`;
  return `${Math.round(interval.level * 100)}% bootstrap interval ${interval.low}x-${interval.high}x (${interval.samples.before} and ${interval.samples.after} samples)`;
}

/** A small deterministic PRNG (mulberry32): the same samples always give the same interval. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A statistic the bootstrap resamples: the median by default, the mean for counts that are mostly 0 or 1. */
export type Statistic = (values: number[]) => number;

export function meanOf(values: number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

export function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The oriented ratio the bootstrap resamples (> 1: the fix is better); a zero denominator counts as one unit, 0/0 as 1. */
export function ratioOf(before: number, after: number, better: 'lower' | 'higher'): number {
  const [num, den] = better === 'lower' ? [before, after] : [after, before];
  if (den <= 0) return num <= 0 ? 1 : num;
  return num / den;
}

/**
 * 95% percentile bootstrap interval of the ratio of medians (oriented: > 1 means the fix is better), or of
 * another `statistic`. Undefined with fewer than MIN_SAMPLES samples on a side.
 */
export function bootstrapRatio(before: number[], after: number[], better: 'lower' | 'higher', resamples = 2_000, statistic: Statistic = medianOf): EffectInterval | undefined {
  if (before.length < MIN_SAMPLES || after.length < MIN_SAMPLES) return undefined;
  const next = random(before.length * 7919 + after.length);
  const pick = (values: number[]) => Array.from({ length: values.length }, () => values[Math.floor(next() * values.length)] as number);
  const ratios = Array.from({ length: resamples }, () => ratioOf(statistic(pick(before)), statistic(pick(after)), better)).sort((a, b) => a - b);
  const at = (q: number) => Number((ratios[Math.min(ratios.length - 1, Math.floor(q * ratios.length))] as number).toFixed(2));
  return { low: at(0.025), high: at(0.975), method: 'bootstrap', level: 0.95, samples: { before: before.length, after: after.length } };
}

/**
 * The noise band of a sampled figure: the bootstrap interval of the ratio between alternate samples of
 * the same side (A1 vs A2, as found against as found). A real effect must clear its top. Undefined with
 * fewer than 8 samples (4 a half).
 */
export function noiseBand(samples: number[], better: 'lower' | 'higher', resamples = 2_000, statistic: Statistic = medianOf): NoiseBand | undefined {
  if (samples.length < 8) return undefined;
  const odd = samples.filter((_, i) => i % 2 === 0);
  const even = samples.filter((_, i) => i % 2 === 1);
  const next = random(samples.length * 104729 + 17);
  const pick = (values: number[]) => Array.from({ length: values.length }, () => values[Math.floor(next() * values.length)] as number);
  const ratios = Array.from({ length: resamples }, () => ratioOf(statistic(pick(odd)), statistic(pick(even)), better)).sort((a, b) => a - b);
  const at = (q: number) => ratios[Math.min(ratios.length - 1, Math.floor(q * ratios.length))] as number;
  // Symmetric: A1/A2 and A2/A1 are the same comparison, so the band is the larger deviation either way.
  const spread = Math.max(at(0.975), 1 / at(0.025), 1);
  return { low: Number((1 / spread).toFixed(2)), high: Number(spread.toFixed(2)), samples: samples.length };
}

/** The interval of a count that does not vary between runs (handles, connections, bytes). */
export function exactInterval(measurement: Measurement): EffectInterval | undefined {
  if (measurement.ratio === null) return undefined;
  return { low: measurement.ratio, high: measurement.ratio, method: 'exact', level: 1, samples: { before: 1, after: 1 } };
}

/**
 * The measured verdict on sampled figures: an effect when the interval clears `minEffect`, as big as
 * predicted when the median ratio reaches `predicted`; not reproduced when the interval's top is under
 * `minEffect`; inconclusive in between or without enough samples.
 */
export function judgeInterval(
  ratio: number | null,
  interval: EffectInterval | undefined,
  minEffect: number,
  predicted: number,
): { status: 'verified' | 'smaller-than-predicted' | 'not-reproduced' | 'inconclusive'; reason?: string } {
  if (!interval) return { status: 'inconclusive', reason: `fewer than ${MIN_SAMPLES} samples per side: no interval` };
  if (interval.high < minEffect) return { status: 'not-reproduced', reason: `the ${describeInterval(interval)} stays under the minimum effect of ${minEffect}x` };
  if (interval.low < minEffect) return { status: 'inconclusive', reason: `the ${describeInterval(interval)} straddles the minimum effect of ${minEffect}x` };
  if (ratio === null || ratio < predicted) return { status: 'smaller-than-predicted', reason: `the fix helped (${describeInterval(interval)}), but less than the ${predicted}x predicted` };
  return { status: 'verified' };
}

import * as hdr from 'hdr-histogram-js';
import type { Measurement } from './types.js';

/** Latency percentiles come from a real HDR histogram; values are recorded in microseconds. */
export class LatencyHistogram {
  private readonly histogram = hdr.build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3 });

  recordMs(ms: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  percentileMs(percentile: number): number {
    return this.histogram.totalCount === 0 ? 0 : this.histogram.getValueAtPercentile(percentile) / 1000;
  }

  meanMs(): number {
    return this.histogram.totalCount === 0 ? 0 : this.histogram.mean / 1000;
  }

  destroy(): void {
    this.histogram.destroy();
  }
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function range(values: number[]): [number, number] {
  return [Math.min(...values), Math.max(...values)];
}

/** Ratio oriented so that > 1 means the fix is better; null for 0/0, and a zero denominator counts as 1 unit. */
export function orientedRatio(before: number, after: number, better: 'lower' | 'higher'): number | null {
  const [num, den] = better === 'lower' ? [before, after] : [after, before];
  if (num === 0 && den === 0) return null;
  // A count that drops to zero (handles, connections) has no finite ratio; dividing by one unit keeps it
  // readable ("3000 vs 0" becomes 3000x) and is documented in the notes of the probes that use it.
  return num / (den === 0 ? 1 : den);
}

/** Medians of per-round values for both sides, with their spread. */
export function measure(metric: string, unit: string, better: 'lower' | 'higher', before: number[], after: number[]): Measurement {
  const b = median(before);
  const a = median(after);
  return {
    metric,
    unit,
    before: round(b),
    after: round(a),
    ratio: roundRatio(orientedRatio(b, a, better)),
    better,
    ...(before.length > 1 || after.length > 1 ? { spread: { before: range(before).map(round) as [number, number], after: range(after).map(round) as [number, number] } } : {}),
  };
}

/** A single figure per side (no rounds): counts and sizes that do not vary. */
export function exact(metric: string, unit: string, better: 'lower' | 'higher', before: number, after: number): Measurement {
  return { metric, unit, before: round(before), after: round(after), ratio: roundRatio(orientedRatio(before, after, better)), better };
}

export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const magnitude = Math.abs(value);
  const digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 4;
  return Number(value.toFixed(digits));
}

function roundRatio(ratio: number | null): number | null {
  return ratio === null ? null : Number(ratio.toFixed(ratio >= 10 ? 1 : 2));
}

/**
 * The verdict on the primary metric. Verified when the median ratio reaches `threshold` AND the worst
 * round still beats 1 (the fix won every round); inconclusive when the median passes but rounds overlap;
 * not reproduced when the median does not reach the threshold.
 */
export function verdict(primary: Measurement, threshold: number): { status: 'verified' | 'not-reproduced' | 'inconclusive'; reason?: string } {
  if (primary.ratio === null || primary.ratio < threshold) {
    return { status: 'not-reproduced', reason: `${primary.metric}: ratio ${primary.ratio ?? 'n/a'} below the ${threshold}x threshold` };
  }
  if (primary.spread) {
    const { before, after } = primary.spread;
    const worst = primary.better === 'lower' ? orientedRatio(before[0], after[1], 'lower') : orientedRatio(before[1], after[0], 'higher');
    if (worst !== null && worst <= 1) {
      return { status: 'inconclusive', reason: `${primary.metric}: rounds overlap (before ${before[0]}-${before[1]}, after ${after[0]}-${after[1]} ${primary.unit})` };
    }
  }
  return { status: 'verified' };
}

/** Sleeps that end early on abort, so Ctrl-C never waits for a timer. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** True once the probe must stop starting new work. */
export function expired(context: { deadline: number; signal: AbortSignal }): boolean {
  return context.signal.aborted || Date.now() >= context.deadline;
}

export { numberParam } from './finding-params.js';

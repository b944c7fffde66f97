/**
 * The shape of a runtime verification. Reporters (terminal, JSON, markdown) read only these types; the
 * probes that fill them live beside this file and nothing in the scanner imports them.
 */

/**
 * What a verification may claim, from strongest to weakest. Only `runProbes` (through `finalVerdict` in
 * verdicts.ts) assigns these; a probe reports what its measurement showed and the gate decides the name.
 *
 * `verified`: the user's own code ran (`--exec`), V8 coverage shows the finding's line executed, and the
 *   confidence interval of the before/after effect clears the stated minimum effect and the prediction.
 * `smaller-than-predicted`: as `verified` (your code, line reached, interval clear of the minimum effect),
 *   but the effect is smaller than the finding's own prediction.
 * `demonstrated`: a replica (a textbook copy of the pattern with the finding's numbers) showed the
 *   mechanism. The user's file did not run, so this never counts as verified.
 * `not-reached`: the user's code ran, but the finding's line never executed: nothing about it was measured.
 * `fix-failed`: the fix does not compile or throws, so nothing was measured with it.
 * `not-reproduced`: the "as found" side did not measure worse than the fix.
 * `inconclusive`: an effect in the median, but the interval or the rounds are too wide to trust it.
 * `skipped`: no probe ran (no probe for the rule, out of budget, interrupted...); `reason` says why.
 */
export const VERIFICATION_STATUSES = ['verified', 'smaller-than-predicted', 'demonstrated', 'not-reached', 'fix-failed', 'not-reproduced', 'inconclusive', 'skipped'] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

/**
 * `exec`: the user's own code ran (`--exec`); on a skipped verification, its module loaded (or its top level
 * threw) before the reason stopped the probe. `replica`: a faithful copy of the found pattern ran, or
 * nothing ran at all (a skip before any code of the user's was loaded).
 */
export type VerificationMode = 'replica' | 'exec';

/** One before/after figure. `ratio` is oriented so that > 1 means the fix is better. */
export interface Measurement {
  metric: string;
  unit: string;
  before: number;
  after: number;
  /** before/after when lower is better, after/before when higher is better; null when undefined (0/0). */
  ratio: number | null;
  better: 'lower' | 'higher';
  /** Min and max over the measured rounds, when there were several. */
  spread?: { before: [number, number]; after: [number, number] };
}

export interface Verification {
  status: VerificationStatus;
  /** Why a probe was skipped, or what made it inconclusive. */
  reason?: string;
  mode: VerificationMode;
  /** The primary metric the verdict rests on (flattened from `measurements[0]` for simple reports). */
  metric: string;
  unit: string;
  before: number | null;
  after: number | null;
  ratio: number | null;
  /** The primary measurement first, then the figures reported beside it. */
  measurements: Measurement[];
  /** The load used, in words: "3000 requests at concurrency 10 over HTTPS, 3 rounds". */
  load: string;
  /** Facts a reader needs to trust the figures: options in effect, predictions, caveats. */
  notes: string[];
  /** Measured rounds per side (warm-up excluded). */
  rounds: number;
  durationMs: number;
  /** Set when this measurement was shared with other findings of the same family and parameters. */
  sharedWith?: number;
  /** What the verdict rests on: coverage of the finding's line and the interval of the effect. */
  evidence?: Evidence;
}

/** Whether the finding's own line executed, from V8 precise coverage of the bundle mapped back to the TypeScript source. */
export interface Reach {
  file: string;
  line: number;
  /** True when at least one position that maps to the line has a non-zero execution count. */
  executed: boolean;
  /** Highest execution count of a position on the line (0 when not executed). */
  count: number;
  /** Generated positions that map to the line (0: the bundle has no code for it, so the check says nothing). */
  positions: number;
}

/** An interval of the primary ratio (> 1: the fix is better). */
export interface EffectInterval {
  low: number;
  high: number;
  /** `bootstrap`: 95% percentile bootstrap of the ratio of medians; `exact`: a count that does not vary (no sampling). */
  method: 'bootstrap' | 'exact';
  level: number;
  samples: { before: number; after: number };
}

export interface Evidence {
  reached?: Reach;
  interval?: EffectInterval;
  /** The smallest ratio that counts as an effect at all (the noise floor). */
  minEffect?: number;
  /** The ratio the finding predicts (its fix's promise); below it but above minEffect: smaller than predicted. */
  predicted?: number;
  /**
   * The noise band: the interval of the same ratio between two halves of the as-found samples (A vs A).
   * A sampled effect must clear its top as well as `minEffect`.
   */
  noise?: NoiseBand;
}

export interface NoiseBand {
  low: number;
  high: number;
  samples: number;
}

/**
 * What a probe returns; the runner adds status bookkeeping (sharing, timing). `verified` here means only
 * "the measurement showed the effect": the runner's gate (verdicts.ts) names it `demonstrated` for a
 * replica, and for the user's code requires the evidence below.
 */
export interface ProbeOutcome {
  status: Exclude<VerificationStatus, 'demonstrated' | 'not-reached'>;
  reason?: string;
  measurements: Measurement[];
  load: string;
  notes: string[];
  rounds: number;
  mode?: VerificationMode;
  evidence?: Evidence;
  /** A skip no replica may replace (the finding is not what the replica would copy, e.g. a function of images). */
  final?: true;
}

/** What every probe receives: its share of the budget and the signal that Ctrl-C aborts. */
export interface ProbeContext {
  /** Absolute time (ms since epoch, `Date.now()`) by which the probe must have returned. */
  deadline: number;
  signal: AbortSignal;
}

export type ParamValue = string | number | boolean | null | Array<string | number>;
export type FindingParams = Record<string, ParamValue>;

/**
 * A probe for one rule family. `plan` reads a finding's params (with stated defaults for any that are
 * missing) into the normalised parameters the measurement needs; equal plans share one measurement.
 */
export interface Probe<P> {
  family: string;
  plan(params: FindingParams, variant: string | undefined): { params: P } | { skip: string };
  /** The part of the params that changes the measurement (default: all of them); equal keys share one run. */
  shareKey?(params: P): unknown;
  run(params: P, context: ProbeContext): Promise<ProbeOutcome>;
}

/**
 * The shape of a runtime verification. Reporters (terminal, JSON, markdown) read only these types; the
 * probes that fill them live beside this file and nothing in the scanner imports them.
 */

/**
 * `verified`: the fix changed the primary metric by at least the probe's threshold in every measured round.
 * `not-reproduced`: the "as found" pattern did not measure worse than the fix.
 * `inconclusive`: the median says one thing but the rounds spread too wide to trust it.
 * `skipped`: no probe ran (no probe for the rule, out of budget, interrupted...); `reason` says why.
 */
export const VERIFICATION_STATUSES = ['verified', 'not-reproduced', 'inconclusive', 'skipped'] as const;
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
}

/** What a probe returns; the runner adds status bookkeeping (sharing, timing). */
export interface ProbeOutcome {
  status: Exclude<VerificationStatus, 'skipped'> | 'skipped';
  reason?: string;
  measurements: Measurement[];
  load: string;
  notes: string[];
  rounds: number;
  mode?: VerificationMode;
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

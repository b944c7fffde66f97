/** Small pieces every `--exec` family shares: the finding's location in its params, skips, notes. */
import type { FindingParams, Probe, ProbeOutcome } from '../types.js';

/** Private params `execProbes().prepare` adds: where the finding is, and its fix. */
export interface ExecLocation {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  replacement: string;
  /** Why there is no fix to apply (a `--from` report whose fix a fresh scan did not confirm). */
  noFix?: string;
}

export function locationOf(params: FindingParams): ExecLocation | undefined {
  const { __file: file, __line: line, __column: column, __endLine: endLine, __endColumn: endColumn, __replacement: replacement } = params;
  if (typeof file !== 'string' || typeof line !== 'number') return undefined;
  return {
    file,
    line,
    column: typeof column === 'number' ? column : 1,
    endLine: typeof endLine === 'number' ? endLine : line,
    endColumn: typeof endColumn === 'number' ? endColumn : 1,
    replacement: typeof replacement === 'string' ? replacement : '',
    ...(typeof params.__noFix === 'string' ? { noFix: params.__noFix } : {}),
  };
}

/** The replica's plan (its reasons to skip hold for the user's code too) and where the finding is. */
export function planWithLocation<R>(replica: Probe<R>, params: FindingParams, variant: string | undefined): { replica: R; where: ExecLocation } | { skip: string } {
  const plan = replica.plan(params, variant);
  if ('skip' in plan) return plan;
  const where = locationOf(params);
  return where ? { replica: plan.params, where } : { skip: 'the finding has no file and line to load' };
}

/** Skipped after the user's code ran (its module loaded, or its top level threw): mode `exec`. */
export function execSkip(reason: string, notes: string[] = []): ProbeOutcome {
  return { status: 'skipped', reason, measurements: [], load: '', notes, rounds: 0, mode: 'exec' };
}

/**
 * Skipped before any of the user's code ran (nothing to call, no place for the fix, no compile). `mode`
 * is `exec` only when the user's code ran, so this one stays `replica`, the mode of a verification no
 * probe ran for; the reason says `--exec` stopped.
 */
export function skipBeforeRunning(reason: string): ProbeOutcome {
  return { status: 'skipped', reason: `--exec did not run your code: ${reason}`, measurements: [], load: '', notes: [], rounds: 0, mode: 'replica' };
}

export function stubbedNote(stubbed: string[]): string[] {
  return stubbed.length > 0 ? [`package imports replaced by recording stubs: ${stubbed.join(', ')} (Node builtins and your own modules are real)`] : [];
}

/** The fix does not compile, or throws where the code as found did not: nothing was measured with it. */
export function fixFailed(reason: string, notes: string[] = [], mode: 'exec' | 'replica' = 'exec'): ProbeOutcome {
  return { status: 'fix-failed', reason, measurements: [], load: '', notes, rounds: 0, mode };
}

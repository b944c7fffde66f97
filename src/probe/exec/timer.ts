/**
 * uncleared-timer with `--exec`: the user's own function, as found and with the finding's fix applied,
 * called K times at once with stubs that settle on the next turn of the event loop (so stub work leaves
 * no timer of its own). Once the calls settle (or a short window passes, for helpers whose promise only
 * the timer settles), the child counts live `Timeout` handles (`process.getActiveResourcesInfo()`) above
 * its baseline: K as found, none with the fix; the count is exact. Then it is left to exit on its own, to
 * see whether those timers keep the process alive. An async hook, on only while the calls start, records
 * where each timer was created (source-mapped to the TypeScript line).
 */
import { unclearedTimerProbe } from '../probes/uncleared-timer.js';
import { exact, verdict } from '../stats.js';
import { exactInterval } from '../verdicts.js';
import type { Measurement, Probe, ProbeContext, ProbeOutcome } from '../types.js';
import { formatSites, relativeSource, type UserModuleRun, noResultReason } from './harness.js';
import { execSkip, planWithLocation, type ExecLocation } from './outcome.js';
import { runBothSides } from './sides.js';

const TIMER_BODY = `
const { createHook } = await import('node:async_hooks');
const where = await functionLocation();
const liveTimeouts = () => process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length;
const baseline = liveTimeouts();
const sites = new Map();
let traced = 0;
const hook = createHook({
  init(_id, type) {
    if (type !== 'Timeout' || traced >= 50) return;
    traced++;
    const site = userSite(new Error().stack);
    if (site) sites.set(site, (sites.get(site) ?? 0) + 1);
  },
});
const outcome = { calls: config.family.calls, fulfilled: 0, rejected: 0, threw: 0, firstError: undefined };
const pending = [];
// Heap retained across the calls, measured after full collections: what the live timers keep reachable.
(await import('node:v8')).setFlagsFromString('--expose-gc');
const collect = (await import('node:vm')).runInNewContext('gc');
const heapUsed = () => { collect(); collect(); return process.memoryUsage().heapUsed; };
const heapBefore = heapUsed();
hook.enable();
for (let i = 0; i < config.family.calls; i++) {
  try {
    const out = callTarget();
    if (out && typeof out.then === 'function') {
      pending.push(Promise.resolve(out).then(() => { outcome.fulfilled++; }, (error) => { outcome.rejected++; outcome.firstError ??= describeError(error); }));
    } else outcome.fulfilled++;
  } catch (error) {
    outcome.threw++;
    outcome.firstError ??= describeError(error);
  }
}
hook.disable();
let windowTimer;
await Promise.race([Promise.all(pending), new Promise((resolve) => { windowTimer = setTimeout(resolve, config.family.settleMs); })]);
clearTimeout(windowTimer);
// A timer that ends a few ms after the work (a 5 ms race) retains nothing worth a finding: count only
// those still alive once a request's worth of time has passed after the calls settled.
await new Promise((resolve) => setTimeout(resolve, config.family.lingerMs));
const live = liveTimeouts() - baseline;
const retainedBytes = Math.max(0, heapUsed() - heapBefore);
emit({ ...outcome, liveTimeouts: live, retainedBytes, mapped: where, sites: [...sites], reached: await findingReached() });
// Keeps the calls' results reachable until the heap was measured (a settled call's data may be garbage).
pending.length = 0;
`;

interface TimerChildResult {
  error?: string;
  calls: number;
  fulfilled: number;
  rejected: number;
  threw: number;
  firstError?: string;
  liveTimeouts: number;
  /** Heap still used after the calls settled and the window passed, over the baseline, after full GCs. */
  retainedBytes?: number;
  mapped?: { source: string; line: number } | null;
  sites?: Array<[string, number]>;
  reached?: { executed: boolean; count: number; positions: number };
}

/** How long after the calls settle the live timers are counted. */
const LINGER_MS = 100;

export interface ExecTimerParams {
  where: ExecLocation;
  timeoutMs: number;
  calls: number;
  /** Calls per second of the function, for the memory held at steady state; `rateSource` says where it came from. */
  ratePerSecond: number;
  rateSource: string;
}

/** The call rate when the code does not say one: stated in every verification that uses it. */
export const DEFAULT_RATE_PER_SECOND = 100;

/**
 * Little's law for memory: timers live `delay` each, so at `rate` calls a second `rate x delay` of them are
 * alive at once, each holding `bytes`. Returns bytes held at steady state.
 */
export function steadyStateBytes(ratePerSecond: number, delayMs: number, bytesPerTimer: number): number {
  return ratePerSecond * (delayMs / 1000) * bytesPerTimer;
}

export function execTimerProbe(cwd: string): Probe<ExecTimerParams> {
  return {
    family: 'uncleared-timer',
    plan(params, variant) {
      // The replica's reasons to skip (intervals, timers not created per call) hold for the user's code too.
      const planned = planWithLocation(unclearedTimerProbe, params, variant);
      if ('skip' in planned) return planned;
      const rate = typeof params.ratePerSecond === 'number' && params.ratePerSecond > 0 ? params.ratePerSecond : undefined;
      return {
        params: {
          where: planned.where,
          timeoutMs: planned.replica.timeoutMs,
          calls: 200,
          ratePerSecond: rate ?? DEFAULT_RATE_PER_SECOND,
          rateSource: rate !== undefined ? `${rate} calls/s from the finding` : `${DEFAULT_RATE_PER_SECOND} calls/s, a DEFAULT (the code does not say how often this runs)`,
        },
      };
    },
    run(params, context) {
      return runExecTimer(cwd, params, context, { exitWaitMs: 1_000 });
    },
  };
}

export async function runExecTimer(cwd: string, params: ExecTimerParams, context: ProbeContext, shape: { exitWaitMs: number }): Promise<ProbeOutcome> {
  const both = await runBothSides<TimerChildResult, TimerChildResult>({
    cwd,
    where: params.where,
    request: {
      body: TIMER_BODY,
      family: { calls: params.calls, settleMs: 500, lingerMs: LINGER_MS },
      // A stub used as a delay is the found timeout, so the timer outlives the measurement as it would in production.
      stub: { latencyMs: 0, numberValue: params.timeoutMs, items: 3, recordSites: false },
      exitWaitMs: Math.min(shape.exitWaitMs, params.timeoutMs + 200),
      context,
    },
    read: sideResult,
  });
  if ('outcome' in both) return both.outcome;
  const { sides, before, after, found: b, fixed: a, notes } = both;
  if (b.liveTimeouts === 0 && b.threw + b.rejected > 0) return execSkip(`as found, your function failed before its timer stayed behind (${b.threw + b.rejected} of ${b.calls} calls): ${b.firstError ?? ''}`, notes);
  if (b.mapped) notes.push(`source map: the called function starts at ${relativeSource(b.mapped.source, cwd)}:${b.mapped.line}`);
  const sites = formatSites(b.sites ?? [], cwd);
  if (sites) notes.push(`timers created at ${sites} (source-mapped, as found)`);
  for (const [label, r] of [['as found', b], ['with the fix', a]] as const) {
    notes.push(`${label}: ${r.fulfilled} of ${r.calls} calls resolved, ${r.rejected} rejected, ${r.threw} threw within the settle window${r.firstError ? ` (first: ${r.firstError})` : ''}`);
  }
  const measurements: Measurement[] = [
    exact(`live Timeout handles ${LINGER_MS} ms after ${params.calls} calls settled`, 'handles', 'lower', b.liveTimeouts, a.liveTimeouts),
    exact('process alive after the work ends', 'ms', 'lower', before.exitDelayMs ?? shape.exitWaitMs, after.exitDelayMs ?? shape.exitWaitMs),
  ];
  // A timer's cost: rate x delay x retained bytes. Bytes per timer from the heap (as found minus fixed, over
  // the timers that stayed alive); the delay is the found timeout; the rate is stated.
  if (b.retainedBytes !== undefined && a.retainedBytes !== undefined && b.liveTimeouts > 0) {
    const perTimer = Math.max(0, b.retainedBytes - a.retainedBytes) / b.liveTimeouts;
    const held = steadyStateBytes(params.ratePerSecond, params.timeoutMs, perTimer);
    // With the fix, only the timers it leaves alive hold memory, each as much as one as found.
    const heldFixed = steadyStateBytes(params.ratePerSecond, params.timeoutMs, perTimer) * (a.liveTimeouts / b.liveTimeouts);
    measurements.push(exact('heap retained after the calls settled', 'bytes', 'lower', b.retainedBytes, a.retainedBytes));
    measurements.push(exact(`memory held at steady state (rate x delay x bytes, ${params.ratePerSecond} calls/s)`, 'bytes', 'lower', held, heldFixed));
    notes.push(
      `cost: ${params.rateSource} x ${params.timeoutMs} ms per timer (the found timeout) x ${Math.round(perTimer)} bytes each (heap retained as found minus with the fix, over ${b.liveTimeouts} live timers, after full collections) = ${Math.round(params.ratePerSecond * (params.timeoutMs / 1000))} timers alive at once holding ${formatBytes(held)}`,
    );
  }
  if (before.exitDelayMs === null) notes.push(`as found, the child was still alive ${shape.exitWaitMs} ms after its work and was killed`);
  notes.push('a count that drops to zero is divided by 1 for the ratio', `stubs settle on the next turn of the event loop; a stub used as a delay is ${params.timeoutMs} ms (the found timeout)`);
  const primary = measurements[0] as Measurement;
  const interval = exactInterval(primary);
  return {
    ...verdict(primary, 2),
    measurements,
    load: `${params.calls} calls at once of your ${sides.before.target.name}() per side, handles counted ${LINGER_MS} ms after they settle (at most 500 ms)`,
    notes,
    rounds: 1,
    mode: 'exec',
    evidence: { ...(b.reached ? { reached: { file: params.where.file, line: params.where.line, ...b.reached } } : {}), ...(interval ? { interval } : {}), minEffect: 2 },
  };
}

function sideResult(run: UserModuleRun<TimerChildResult>, side: string): TimerChildResult | { skip: string } {
  if (!run.result) return { skip: noResultReason(run, `your function (${side})`) };
  if (run.result.error) return { skip: `${side}: ${run.result.error}` };
  return run.result;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${Math.round(bytes)} bytes`;
}

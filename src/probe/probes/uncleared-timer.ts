/**
 * uncleared-timer: the found timeout pattern (`Promise.race` with a `setTimeout` that is never cleared) is
 * called K times in a child process started with `--expose-gc` and no async hooks, then the same calls
 * with the timer cleared in `finally`. Measured: live `Timeout` handles after the work
 * (`process.getActiveResourcesInfo()`), heap retained per call after forced GC, and how long the child
 * stays alive after its work ended.
 */
import { runChildScript } from '../child.js';
import { exact, expired, measure, numberParam, round, verdict } from '../stats.js';
import type { Measurement, Probe, ProbeContext, ProbeOutcome } from '../types.js';

export interface UnclearedTimerParams {
  timeoutMs: number;
  unref: boolean;
  calls: number;
  defaults: string[];
}

export interface TimerChildResult {
  calls: number;
  liveTimeouts: number;
  retainedBytes: number;
}

/**
 * The child: a faithful replica of the race-timeout pattern. Each call captures a request label in the
 * timer's closure, as real code does with a URL or id in the error message. Plain JS (run with `-e`).
 */
export const TIMER_CHILD_SOURCE = `
const config = JSON.parse(process.argv[1]);
function withTimeout(work, ms, label) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(label + ' timed out after ' + ms + ' ms')), ms);
    if (config.unref) timer.unref();
  });
  const raced = Promise.race([work, timeout]);
  return config.fixed ? raced.finally(() => clearTimeout(timer)) : raced;
}
const liveTimeouts = () => process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length;
globalThis.gc(); globalThis.gc();
const heapBefore = process.memoryUsage().heapUsed;
const timeoutsBefore = liveTimeouts();
for (let i = 0; i < config.calls; i++) {
  await withTimeout(Promise.resolve(i), config.timeoutMs, 'GET /orders/' + i);
}
globalThis.gc(); globalThis.gc();
const heapAfter = process.memoryUsage().heapUsed;
// The result goes on its own pipe (fd 3), never on stdout.
(await import('node:fs')).writeSync(3, JSON.stringify({ calls: config.calls, liveTimeouts: liveTimeouts() - timeoutsBefore, retainedBytes: heapAfter - heapBefore }) + '\\n');
`;

export interface TimerRun extends TimerChildResult {
  exitDelayMs: number | null;
}

export async function runTimerChild(
  params: UnclearedTimerParams,
  fixed: boolean,
  exitWaitMs: number,
  context: ProbeContext,
): Promise<TimerRun | null> {
  const run = await runChildScript<TimerChildResult>(
    TIMER_CHILD_SOURCE,
    { calls: params.calls, timeoutMs: params.timeoutMs, unref: params.unref, fixed },
    { nodeFlags: ['--expose-gc'], timeoutMs: Math.max(1_000, context.deadline - Date.now()) + exitWaitMs, exitWaitMs, signal: context.signal },
  );
  if (!run.result) return null;
  return { ...run.result, exitDelayMs: run.exitDelayMs };
}

export const unclearedTimerProbe: Probe<UnclearedTimerParams> = {
  family: 'uncleared-timer',
  plan(params, variant) {
    if (variant === 'interval') return { skip: 'intervals: one handle per process, not per call; no load probe for this variant' };
    const defaults: string[] = [];
    const timeout = numberParam(params, ['timeoutMs', 'ms', 'delayMs'], 30_000);
    if (timeout.defaulted) defaults.push('timeoutMs (30000)');
    if (params.perCall === false) return { skip: 'the timer is not created per call (perCall: false): nothing accumulates under load' };
    return { params: { timeoutMs: timeout.value, unref: params.unref === true, calls: 20_000, defaults } };
  },
  shareKey(params) {
    // Beyond the exit wait the timeout's length changes nothing measured (the timers never fire in time).
    return { unref: params.unref, calls: params.calls, timeoutMs: params.timeoutMs > 2_000 ? 'long' : params.timeoutMs };
  },
  run(params, context) {
    return runUnclearedTimer(params, context, { rounds: 3, exitWaitMs: 1_500 });
  },
};

export async function runUnclearedTimer(params: UnclearedTimerParams, context: ProbeContext, shape: { rounds: number; exitWaitMs: number }): Promise<ProbeOutcome> {
  const notes: string[] = [];
  // The exit delay is measured once per side (waiting costs wall time); counts and heap in every round.
  const exitWaitMs = Math.max(100, Math.min(shape.exitWaitMs, params.timeoutMs + 500, (context.deadline - Date.now()) / 3));
  const before: TimerRun[] = [];
  const after: TimerRun[] = [];
  for (let round = 0; round < shape.rounds && !expired(context); round++) {
    const wait = round === 0 ? exitWaitMs : 0;
    const b = await runTimerChild(params, false, wait, context);
    const a = await runTimerChild(params, true, wait, context);
    if (!b || !a) break;
    before.push(b);
    after.push(a);
  }
  if (before.length === 0) return { status: 'skipped', reason: 'the child process produced no result within the budget', measurements: [], load: '', notes, rounds: 0 };
  const first = { before: before[0] as TimerRun, after: after[0] as TimerRun };
  const heap = measure('heap retained per call', 'bytes', 'lower', before.map((r) => r.retainedBytes / r.calls), after.map((r) => r.retainedBytes / r.calls));
  const handles = exact('live Timeout handles after the work', 'handles', 'lower', Math.max(...before.map((r) => r.liveTimeouts)), Math.max(...after.map((r) => r.liveTimeouts)));
  const exitBefore = first.before.exitDelayMs ?? exitWaitMs;
  const exitAfter = first.after.exitDelayMs ?? exitWaitMs;
  const exit = exact('process alive after the work ends', 'ms', 'lower', exitBefore, exitAfter);
  // An unref'd timer does not keep the process alive or show in getActiveResourcesInfo(), but it still
  // holds its closure until it fires: the verdict then rests on retained heap.
  const measurements: Measurement[] = params.unref ? [heap, handles, exit] : [handles, heap, exit];
  if (first.before.exitDelayMs === null) notes.push(`"as found" child was still alive ${exitWaitMs} ms after its work and was killed; its timers were due after ${params.timeoutMs} ms (the found timeout)`);
  if (first.after.exitDelayMs === null) notes.push(`fixed child was still alive ${exitWaitMs} ms after its work and was killed`);
  notes.push(
    'a count that drops to zero is divided by 1 for the ratio',
    `retained heap ${round(heap.before * params.calls / 1024)} KiB for ${params.calls} calls as found; grows with the request rate x ${params.timeoutMs} ms until each timer fires`,
    'measured in a child process with --expose-gc, async hooks off, scrubbed environment',
  );
  if (params.unref) notes.push('timers are unref()ed as found: they do not delay exit or count as active resources, but still retain memory');
  if (params.defaults.length > 0) notes.push(`defaults used for missing params: ${params.defaults.join(', ')}`);
  return {
    ...verdict(measurements[0] as Measurement, 2),
    measurements,
    load: `${params.calls} calls of the race-timeout pattern (timeout ${params.timeoutMs} ms${params.unref ? ', unref' : ''}), ${before.length} rounds per side`,
    notes,
    rounds: before.length,
  };
}

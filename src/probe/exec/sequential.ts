/**
 * sequential-await with `--exec`: the user's own function, as found and with the finding's fix applied,
 * called with a recording stub for every parameter, for `this` (class methods) and for every package it
 * imports. Each call on a stub settles after the probe latency (20 ms by default, as in the replica), so
 * the function's time is its critical path through those calls. Measured per side: the most stub calls in
 * flight at once (1 as found, N with Promise.all: exact, independent of machine speed) and the time per
 * call of the function.
 */
import { sequentialAwaitProbe } from '../probes/sequential-await.js';
import { LatencyHistogram, exact, measure } from '../stats.js';
import { bootstrapRatio, judgeInterval, noiseBand, sequentialPrediction } from '../verdicts.js';
import type { Measurement, Probe, ProbeContext, ProbeOutcome } from '../types.js';
import { ts } from '../../scanner/ts.js';
import { formatSites, relativeSource, type UserModuleRun, noResultReason } from './harness.js';
import { planWithLocation, type ExecLocation } from './outcome.js';
import { runBothSides } from './sides.js';

/** Calls the function `config.family.calls` times, one after another, counting stub calls per call. */
const SEQUENTIAL_BODY = `
const where = await functionLocation();
stubState.recordSites = true;
const runs = [];
// One warm-up call (first-call compilation, lazy module state) is made and not counted.
const warmup = config.family.warmup ?? 0;
for (let i = 0; i < warmup + config.family.calls; i++) {
  const callsAtStart = stubState.calls;
  const ioAtStart = stubState.ioCalls;
  stubState.peak = stubState.inFlight;
  const t0 = performance.now();
  let timer;
  try {
    const settled = await Promise.race([
      Promise.resolve(callTarget()).then(() => true),
      new Promise((resolve) => { timer = setTimeout(() => resolve(false), config.family.settleMs); }),
    ]);
    if (!settled) {
      emit({ error: config.target.name + '() did not settle within ' + config.family.settleMs + ' ms', stubCalls: stubState.calls - callsAtStart });
      process.exit(0);
    }
  } catch (error) {
    emit({ error: describeError(error), stubCalls: stubState.calls - callsAtStart });
    process.exit(0);
  } finally {
    clearTimeout(timer);
  }
  if (i >= warmup) runs.push({ ms: performance.now() - t0, stubCalls: stubState.calls - callsAtStart, ioCalls: stubState.ioCalls - ioAtStart, peak: stubState.peak });
  if (i >= warmup) stubState.recordSites = false;
}
emit({ runs, mapped: where, sites: [...stubState.sites], ioCalls: stubState.ioCalls, serialized: stubState.serialized, reached: await findingReached() });
process.exit(0);
`;

interface SequentialChildResult {
  error?: string;
  stubCalls?: number;
  runs?: Array<{ ms: number; stubCalls: number; ioCalls: number; peak: number }>;
  mapped?: { source: string; line: number } | null;
  sites?: Array<[string, number]>;
  /** Stub calls that waited a latency (the finding's I/O calls). */
  ioCalls?: number;
  /** Of those, calls on a single connection, answered one at a time. */
  serialized?: number;
  reached?: { executed: boolean; count: number; positions: number };
}

/** Calls per side: enough samples for a bootstrap interval (verdicts.MIN_SAMPLES). */
const CALLS_PER_SIDE = 12;

/** The member names of the calls the finding says are awaited one after another: the ones given a latency. */
function ioNames(params: Record<string, unknown>): string[] {
  const raw = Array.isArray(params.calls) ? params.calls : typeof params.call === 'string' ? [params.call] : [];
  return [...new Set(raw.filter((n): n is string => typeof n === 'string' && n.length > 0).map((n) => n.replace(/\(\)$/, '').slice(n.lastIndexOf('.') + 1)))];
}

export interface ExecSequentialParams {
  where: ExecLocation;
  loop: boolean;
  /** Items a stub iterates as (loops) and the number it coerces to. */
  items: number;
  latencyMs: number;
  calls: number;
  /** Awaits the finding puts in sequence (loop iterations for a loop): the speed-up its fix promises. */
  sequential: number;
  /** Member names of the finding's awaited calls: only stub calls to these wait `latencyMs`. */
  ioCalls: string[];
  /** Latencies declared with `--latency <name>=<ms>` (a member name or a stub path such as `pg.query`): they win. */
  declared: Record<string, number>;
}

function isLoop(node: ts.Node): boolean {
  return ts.isIterationStatement(node, false);
}

export function execSequentialProbe(cwd: string, declared: Record<string, number> = {}): Probe<ExecSequentialParams> {
  return {
    family: 'sequential-await',
    plan(params, variant) {
      const planned = planWithLocation(sequentialAwaitProbe, params, variant);
      if ('skip' in planned) return planned;
      const { replica, where } = planned;
      return { params: { where, loop: replica.loop, items: replica.loop ? replica.calls : 3, latencyMs: replica.latencyMs, calls: CALLS_PER_SIDE, sequential: replica.calls, ioCalls: ioNames(params), declared } };
    },
    run(params, context) {
      return runExecSequential(cwd, params, context);
    },
  };
}

type SideRun = UserModuleRun<SequentialChildResult>;

export async function runExecSequential(cwd: string, params: ExecSequentialParams, context: ProbeContext): Promise<ProbeOutcome> {
  const both = await runBothSides<SequentialChildResult, Array<{ ms: number; stubCalls: number; ioCalls: number; peak: number }>>({
    cwd,
    where: params.where,
    // The loop rule's fix rewrites the whole loop around the reported await, not just the await.
    ...(params.loop ? { rewrites: isLoop } : {}),
    request: {
      body: SEQUENTIAL_BODY,
      // Blocks of calls per child, sides alternating A B A B: drift in the machine's load hits both sides.
      family: { calls: params.calls, warmup: 1, settleMs: Math.max(1_000, params.latencyMs * params.items * 20) },
      stub: {
        latencyMs: params.latencyMs,
        numberValue: params.items,
        items: params.items,
        recordSites: true,
        // Only the calls the finding names wait; a stub the finding does not call I/O answers at once.
        ...(params.ioCalls.length > 0 || Object.keys(params.declared).length > 0
          ? { latencies: { ...Object.fromEntries(params.ioCalls.map((name) => [name, params.latencyMs])), ...params.declared } }
          : {}),
      },
      context,
    },
    read: sideRuns,
    interleave: { blocks: BLOCKS, merge: (a, b) => [...a, ...b] },
  });
  if ('outcome' in both) return both.outcome;
  const { sides, before, found: beforeRuns, fixed: afterRuns, notes } = both;
  const mapped = before.result?.mapped;
  if (mapped) notes.push(`source map: the called function starts at ${relativeSource(mapped.source, cwd)}:${mapped.line}`);
  const sites = formatSites(before.result?.sites ?? [], cwd);
  if (sites) notes.push(`stub calls made from ${sites} (source-mapped, as found)`);
  const peakBefore = Math.max(...beforeRuns.map((r) => r.peak));
  const peakAfter = Math.max(...afterRuns.map((r) => r.peak));
  const callsBefore = beforeRuns[0]?.stubCalls ?? 0;
  const callsAfter = afterRuns[0]?.stubCalls ?? 0;
  const measurements: Measurement[] = [
    measure('time per call of your function', 'ms', 'lower', beforeRuns.map((r) => r.ms), afterRuns.map((r) => r.ms)),
    exact('stub calls in flight at once', 'calls', 'higher', peakBefore, peakAfter),
    exact('stub calls per call of your function', 'calls', 'higher', callsBefore, callsAfter),
  ];
  notes.push(
    params.ioCalls.length > 0
      ? `assumed latency: ${params.latencyMs} ms per stubbed call of ${params.ioCalls.join(', ')} (the calls the finding names as I/O); every other stub call answers on the next turn, as in-process work`
      : `assumed latency: ${params.latencyMs} ms for every stub call (default: the finding names no calls)`,
    `parameters, this and package imports are stubs${params.loop ? `, and a stub iterates as ${params.items} items` : ''}`,
  );
  const declaredNames = Object.entries(params.declared);
  if (declaredNames.length > 0) notes.push(`declared latency (--latency or the config's probe.latency): ${declaredNames.map(([name, ms]) => `${name} ${ms} ms`).join(', ')}; with unequal latencies the most the fix can gain is their sum over their maximum`);
  const ioCalls = beforeRuns.reduce((sum, r) => sum + r.ioCalls, 0);
  notes.push(`as found, ${ioCalls} of ${beforeRuns.reduce((sum, r) => sum + r.stubCalls, 0)} stub calls over ${beforeRuns.length} calls of your function waited a latency`);
  if ((before.result?.serialized ?? 0) > 0) {
    notes.push(`${before.result?.serialized} of them went to a single connection (a pg Client, a mysql createConnection()), which answers one query at a time as its driver does: calls on it cannot overlap, with the fix or without (concurrency read from the code: 1)`);
  }
  if (params.ioCalls.length > 0 && ioCalls === 0) notes.push(`no stub call matched ${params.ioCalls.join(', ')}: those calls go to your own code or Node builtins, which run for real`);
  if (callsBefore !== callsAfter) notes.push(`the fix changes the number of stub calls per call (${callsBefore} -> ${callsAfter}): check it does the same work`);
  // As in the replica: the fix must win at least half of what running the found awaits together promises.
  const predicted = sequentialPrediction(params.sequential);
  const primary = measurements[0] as Measurement;
  const interval = bootstrapRatio(beforeRuns.map((r) => r.ms), afterRuns.map((r) => r.ms), 'lower');
  // The noise band: alternate as-found calls against each other. An effect must clear its top too.
  const noise = noiseBand(beforeRuns.map((r) => r.ms), 'lower');
  const minEffect = Math.max(MIN_EFFECT, noise?.high ?? 0);
  const p99 = (runs: Array<{ ms: number }>) => {
    const histogram = new LatencyHistogram();
    for (const r of runs) histogram.recordMs(r.ms);
    const value = histogram.percentileMs(99);
    histogram.destroy();
    return value;
  };
  measurements.push(exact('p99 time per call (HDR histogram)', 'ms', 'lower', p99(beforeRuns), p99(afterRuns)));
  notes.push(
    noise ? `noise band (alternate as-found calls against each other): ${noise.low}x-${noise.high}x; the interval must clear ${minEffect}x` : 'noise band not measured (fewer than 8 calls as found)',
  );
  const reached = before.result?.reached;
  return {
    ...judgeInterval(primary.ratio, interval, minEffect, predicted),
    measurements,
    load: `${beforeRuns.length} calls per side of your ${sides.before.target.name}()`,
    notes,
    rounds: Math.min(beforeRuns.length, afterRuns.length),
    mode: 'exec',
    evidence: { ...(reached ? { reached: { file: params.where.file, line: params.where.line, ...reached } } : {}), ...(interval ? { interval } : {}), minEffect: MIN_EFFECT, predicted, ...(noise ? { noise } : {}) },
  };
}

/**
 * Blocks per side (A B A B), each of CALLS_PER_SIDE calls in a fresh child from the same bundle, after one
 * warm-up call per child. The first pair alone gives enough samples for an interval; the second, when the
 * budget has room for it, interleaves the sides so drift in the machine's load hits both alike.
 */
const BLOCKS = 2;

/** Below this ratio of medians the two sides are the same speed: stub overhead and timer jitter. */
const MIN_EFFECT = 1.2;

function sideRuns(run: SideRun, side: string): Array<{ ms: number; stubCalls: number; ioCalls: number; peak: number }> | { skip: string } {
  if (!run.result) return { skip: noResultReason(run, `your function (${side})`) };
  if (run.result.error) {
    const reached = run.result.stubCalls ?? 0;
    return { skip: `${side}, your function threw ${reached === 0 ? 'before reaching its awaits' : `after ${reached} stub calls`}: ${run.result.error}` };
  }
  const runs = run.result.runs ?? [];
  if (runs.length === 0 || runs.every((r) => r.stubCalls === 0)) return { skip: `${side}, your function made no call on a stubbed dependency (its awaits go to Node builtins or your own code): nothing to count` };
  return runs;
}

/**
 * sequential-await: a loopback server answers after an injected latency L; the found number of calls runs
 * one after another (as found) and through `Promise.all` (the fix). Expected ratio: about the number of
 * calls. L defaults to 20 ms and is raised until it is at least 20x the measured per-call overhead, so the
 * ratio reflects waiting, not client CPU.
 */
import http from 'node:http';
import { LatencyHistogram, exact, expired, measure, median, numberParam, verdict } from '../stats.js';
import { request, startServer, type LoopbackServer } from '../loopback.js';
import type { Measurement, Probe, ProbeContext, ProbeOutcome } from '../types.js';
import { sequentialPrediction } from '../verdicts.js';

export interface SequentialAwaitParams {
  calls: number;
  latencyMs: number;
  loop: boolean;
  defaults: string[];
}

export interface OperationRun {
  operations: number;
  requests: number;
  /** Highest number of calls the server saw at once: 1 when sequential, `calls` when concurrent. */
  peakInFlight: number;
  msPerOperation: number;
}

/** Runs `operations` operations of `calls` calls each, sequentially or with Promise.all. */
export async function runOperations(
  server: LoopbackServer,
  agent: http.Agent,
  calls: number,
  side: 'before' | 'after',
  operations: number,
  context: ProbeContext,
): Promise<OperationRun> {
  const requestsAtStart = server.requests;
  const histogram = new LatencyHistogram();
  // The server's peak is cumulative; a fresh measurement needs its own server or a reset. Track locally.
  let inFlight = 0;
  let peak = 0;
  const call = async () => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    try {
      await request({ server, agent });
    } finally {
      inFlight--;
    }
  };
  for (let op = 0; op < operations && !expired(context); op++) {
    const started = performance.now();
    if (side === 'before') {
      for (let i = 0; i < calls; i++) await call();
    } else {
      await Promise.all(Array.from({ length: calls }, call));
    }
    histogram.recordMs(performance.now() - started);
  }
  const result = { operations: histogram.count, requests: server.requests - requestsAtStart, peakInFlight: peak, msPerOperation: histogram.percentileMs(50) };
  histogram.destroy();
  return result;
}

export const sequentialAwaitProbe: Probe<SequentialAwaitParams> = {
  family: 'sequential-await',
  plan(params, variant) {
    // forEach(async ...) is the opposite problem: nothing waits and everything starts at once.
    if (variant === 'async-foreach') return { skip: 'forEach with an async callback does not run in sequence (it does not wait at all): a latency probe cannot show it' };
    const defaults: string[] = [];
    const loop = variant !== undefined && variant.length > 0 && variant !== 'consecutive';
    const calls = loop
      ? numberParam(params, ['iterations', 'items', 'awaits'], 5)
      : numberParam(params, ['awaits', 'calls'], 3);
    if (calls.defaulted) defaults.push(loop ? 'items in the loop (5: the count is not known statically)' : 'awaits (3)');
    const latency = numberParam(params, ['latencyMs'], 20);
    return { params: { calls: Math.min(50, Math.max(2, Math.round(calls.value))), latencyMs: latency.value, loop, defaults } };
  },
  run(params, context) {
    return runSequentialAwait(params, context, { rounds: 5, operations: 6 });
  },
};

export async function runSequentialAwait(params: SequentialAwaitParams, context: ProbeContext, shape: { rounds: number; operations: number }): Promise<ProbeOutcome> {
  const notes: string[] = [];
  const agent = new http.Agent({ keepAlive: true });
  // Per-call overhead first, against a server that answers at once.
  const fast = await startServer({ protocol: 'http' });
  let overheadMs: number;
  try {
    const samples: number[] = [];
    for (let i = 0; i < 30 && !expired(context); i++) samples.push(await request({ server: fast, agent }));
    overheadMs = median(samples.slice(5));
  } finally {
    await fast.close();
  }
  const latencyMs = Math.min(500, Math.max(params.latencyMs, Math.ceil(20 * (Number.isFinite(overheadMs) ? overheadMs : 0))));
  if (latencyMs > params.latencyMs) notes.push(`latency raised from ${params.latencyMs} ms to ${latencyMs} ms to stay at least 20x the per-call overhead`);
  notes.push(`injected latency ${latencyMs} ms per call; measured per-call overhead ${overheadMs.toFixed(2)} ms (${(latencyMs / Math.max(overheadMs, 0.001)).toFixed(0)}x)`);
  const server = await startServer({ protocol: 'http', latencyMs });
  try {
    await runOperations(server, agent, params.calls, 'after', 1, context);
    await runOperations(server, agent, params.calls, 'before', 1, context);
    // Size rounds so both sides fit in the time left (the before side costs about calls x latency per op).
    const perRoundMs = shape.operations * latencyMs * (params.calls + 1) * 1.2;
    const roundsLeft = Math.floor(Math.max(0, context.deadline - Date.now()) / perRoundMs);
    const rounds = Math.max(1, Math.min(shape.rounds, roundsLeft));
    const before: OperationRun[] = [];
    const after: OperationRun[] = [];
    for (let round = 0; round < rounds && !expired(context); round++) {
      before.push(await runOperations(server, agent, params.calls, 'before', shape.operations, context));
      if (expired(context)) break;
      after.push(await runOperations(server, agent, params.calls, 'after', shape.operations, context));
    }
    const done = Math.min(before.length, after.length);
    if (done === 0) return { status: 'skipped', reason: 'no complete round within the budget', measurements: [], load: '', notes, rounds: 0 };
    const b = before.slice(0, done);
    const a = after.slice(0, done);
    const measurements: Measurement[] = [
      measure('time per operation', 'ms', 'lower', b.map((r) => r.msPerOperation), a.map((r) => r.msPerOperation)),
      exact('calls in flight at once', 'calls', 'higher', Math.max(...b.map((r) => r.peakInFlight)), Math.max(...a.map((r) => r.peakInFlight))),
    ];
    notes.push(`expected ratio about ${params.calls} (the number of independent calls)`);
    if (params.loop) notes.push('loop variant: the items run one per iteration as found vs all at once with Promise.all (unbounded; use a limiter for large lists)');
    if (params.defaults.length > 0) notes.push(`defaults used for missing params: ${params.defaults.join(', ')}`);
    return {
      ...verdict(measurements[0] as Measurement, sequentialPrediction(params.calls)),
      measurements,
      load: `${done} rounds of ${shape.operations} operations of ${params.calls} calls, ${latencyMs} ms injected latency, keep-alive HTTP on loopback`,
      notes,
      rounds: done,
    };
  } finally {
    agent.destroy();
    await server.close();
  }
}

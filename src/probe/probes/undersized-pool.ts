/**
 * undersized-pool: a real pool library (generic-pool, or pg-pool with a fake client when the driver is
 * pg) of the found size; N workers in a closed loop each acquire a resource, hold it for the service time
 * S and release it. Then the same with a pool sized by Little's law. A closed loop because short open-loop
 * runs at high utilisation are dominated by variance. Reported beside the measurement: the closed-loop
 * prediction Wq = S(N/c - 1), and Erlang C for an open loop at 90% utilisation of the found pool.
 */
import { EventEmitter } from 'node:events';
import genericPool from 'generic-pool';
import PgPool from 'pg-pool';
import { LatencyHistogram, exact, expired, measure, numberParam, round, sleep, verdict } from '../stats.js';
import type { Measurement, Probe, ProbeContext, ProbeOutcome } from '../types.js';

export interface UndersizedPoolParams {
  library: 'generic-pool' | 'pg-pool';
  driver: string;
  max: number;
  afterMax: number;
  /** The size the rule's fix suggests, when it differs from Little's law (reported, not measured). */
  recommendedMax?: number;
  acquireTimeoutMs: number;
  concurrency: number;
  serviceTimeMs: number;
  defaults: string[];
}

export interface PoolRun {
  operations: number;
  /** Most resources held at once: never above the pool size. */
  peakInUse: number;
  /** Acquisitions that had to wait (> 1 ms) for a resource. */
  waited: number;
  timeouts: number;
  waitMean: number;
  waitP50: number;
  waitP99: number;
  throughput: number;
  /** False when the budget or an abort ended the window early: its throughput is not a measurement. */
  complete: boolean;
}

/**
 * The rounds that ran their whole window on both sides, in pairs. A round the budget cut short is not
 * measured (its throughput would read as a collapse); it is dropped, and so is its pair.
 */
export function completePairs(before: PoolRun[], after: PoolRun[]): { before: PoolRun[]; after: PoolRun[]; dropped: number } {
  const pairs = before.flatMap((b, i) => {
    const a = after[i];
    return a && b.complete && a.complete ? [[b, a] as const] : [];
  });
  return { before: pairs.map(([b]) => b), after: pairs.map(([, a]) => a), dropped: Math.max(before.length, after.length) - pairs.length };
}

interface AcquiringPool {
  acquire(): Promise<() => void>;
  close(): Promise<void>;
}

/** The fake pg client: connects at once, never queries. pg-pool only needs these members. */
class FakePgClient extends EventEmitter {
  _queryable = true;
  _ending = false;
  constructor(_options?: unknown) {
    super();
  }
  connect(callback: (error?: Error) => void): void {
    setImmediate(() => callback());
  }
  end(callback?: () => void): Promise<void> {
    this._ending = true;
    if (callback) setImmediate(callback);
    return Promise.resolve();
  }
}

function makePool(library: UndersizedPoolParams['library'], max: number, acquireTimeoutMs: number): AcquiringPool {
  if (library === 'pg-pool') {
    const pool = new PgPool<FakePgClient>({ Client: FakePgClient, max, connectionTimeoutMillis: acquireTimeoutMs, idleTimeoutMillis: 1_000 });
    return {
      async acquire() {
        const client = await pool.connect();
        return () => client.release();
      },
      close: () => pool.end(),
    };
  }
  let next = 0;
  const pool = genericPool.createPool(
    { create: async () => ({ id: next++ }), destroy: async () => undefined },
    { max, min: 0, acquireTimeoutMillis: acquireTimeoutMs },
  );
  return {
    async acquire() {
      const resource = await pool.acquire();
      return () => void pool.release(resource);
    },
    async close() {
      await pool.drain();
      await pool.clear();
    },
  };
}

/** N workers, each: acquire, hold for S, release; bounded by `maxOperations` and `durationMs`. */
export async function runPool(
  params: UndersizedPoolParams,
  poolSize: number,
  limits: { durationMs: number; maxOperations: number },
  context: ProbeContext,
): Promise<PoolRun> {
  const pool = makePool(params.library, poolSize, params.acquireTimeoutMs);
  const histogram = new LatencyHistogram();
  let operations = 0;
  let started = 0;
  let inUse = 0;
  let peakInUse = 0;
  let waited = 0;
  let timeouts = 0;
  // Throughput counts only operations finished inside the window: after it, queued workers drain.
  let inWindow = 0;
  const begin = performance.now();
  const windowEnd = begin + limits.durationMs;
  const stopAt = Math.min(windowEnd, performance.now() + Math.max(0, context.deadline - Date.now()));
  const worker = async () => {
    while (started < limits.maxOperations && performance.now() < stopAt && !context.signal.aborted) {
      started++;
      const t0 = performance.now();
      let release: () => void;
      try {
        release = await pool.acquire();
      } catch {
        timeouts++;
        continue;
      }
      const wait = performance.now() - t0;
      histogram.recordMs(wait);
      if (wait > 1) waited++;
      inUse++;
      peakInUse = Math.max(peakInUse, inUse);
      await sleep(params.serviceTimeMs);
      inUse--;
      release();
      operations++;
      if (performance.now() <= stopAt) inWindow++;
    }
  };
  await Promise.all(Array.from({ length: params.concurrency }, worker));
  const elapsed = Math.min(performance.now(), stopAt) - begin;
  await pool.close();
  const run: PoolRun = {
    operations,
    peakInUse,
    waited,
    timeouts,
    waitMean: histogram.meanMs(),
    waitP50: histogram.percentileMs(50),
    waitP99: histogram.percentileMs(99),
    throughput: elapsed > 0 ? inWindow / (elapsed / 1000) : 0,
    // Cut short: the deadline came before the window's end, or Ctrl-C. The operation cap ending it early is fine.
    complete: stopAt >= windowEnd && !context.signal.aborted && (performance.now() >= windowEnd || started >= limits.maxOperations),
  };
  histogram.destroy();
  return run;
}

/** Closed loop, zero think time: once N > c the pool runs flat out and each request queues S(N/c - 1). */
export function closedLoopWaitMs(serviceTimeMs: number, workers: number, poolSize: number): number {
  return workers <= poolSize ? 0 : serviceTimeMs * (workers / poolSize - 1);
}

/** Erlang C mean wait in queue for an M/M/c queue; Infinity when utilisation >= 1. */
export function erlangCWaitMs(arrivalsPerMs: number, serviceTimeMs: number, servers: number): number {
  const offered = arrivalsPerMs * serviceTimeMs;
  const utilisation = offered / servers;
  if (utilisation >= 1) return Number.POSITIVE_INFINITY;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < servers; k++) {
    term *= offered / k;
    sum += term;
  }
  const last = (term * offered) / servers / (1 - utilisation);
  const probabilityOfWaiting = last / (sum + last);
  return (probabilityOfWaiting * serviceTimeMs) / (servers - offered);
}

const PG_DRIVERS = new Set(['pg', 'pg-pool', 'postgres', 'postgresql', 'node-postgres']);

export const undersizedPoolProbe: Probe<UndersizedPoolParams> = {
  family: 'undersized-pool',
  plan(params, variant) {
    const unprobed: Record<string, string> = {
      'exceeds-db-limit': 'the pool is larger than the database allows: reproducing it needs a real database server',
      'min-exceeds-max': 'a configuration error (min > max), not a load problem',
      'per-call': 'a pool created per call: the cost is connection setup, which a fake client cannot show',
    };
    const reason = variant ? unprobed[variant] : undefined;
    if (reason) return { skip: reason };
    const defaults: string[] = [];
    const max = numberParam(params, ['max', 'poolSize', 'connectionLimit'], 10);
    if (max.defaulted) defaults.push('max (10)');
    // A fan-out through one pool is the concurrency that matters for that site.
    const concurrency = numberParam(params, ['fanOut', 'expectedConcurrency', 'concurrency'], 50);
    if (concurrency.defaulted) defaults.push('expectedConcurrency (50)');
    const acquire = numberParam(params, ['acquireTimeoutMs', 'acquireTimeoutMillis', 'connectionTimeoutMillis'], 30_000);
    if (acquire.defaulted) defaults.push('acquireTimeoutMs (30000)');
    const service = numberParam(params, ['serviceTimeMs'], 20);
    if (service.defaulted) defaults.push('service time S (20 ms per query)');
    const driver = typeof params.driver === 'string' ? params.driver : 'unknown';
    const workers = Math.min(500, Math.round(concurrency.value));
    if (Math.round(max.value) >= workers) return { skip: `pool max ${max.value} already covers the expected concurrency ${workers}: nothing queues` };
    // Little's law: L = lambda W. In a closed loop of N workers with no think time the arrival rate that
    // keeps every worker busy is N/S, so the pool that never queues holds (N/S) * S = N resources.
    const recommended = numberParam(params, ['recommendedMax', 'suggestedMax'], 0);
    return {
      params: {
        library: PG_DRIVERS.has(driver) ? 'pg-pool' : 'generic-pool',
        driver,
        max: Math.max(1, Math.round(max.value)),
        afterMax: workers,
        ...(recommended.defaulted ? {} : { recommendedMax: Math.round(recommended.value) }),
        acquireTimeoutMs: acquire.value,
        concurrency: workers,
        serviceTimeMs: service.value,
        defaults,
      },
    };
  },
  shareKey(params) {
    // The driver name does not change a fake-resource measurement, and an acquire timeout far above the
    // predicted wait never fires: findings differing only there share one measurement.
    const wait = closedLoopWaitMs(params.serviceTimeMs, params.concurrency, params.max);
    const { driver: _driver, defaults: _defaults, recommendedMax: _recommended, ...rest } = params;
    return { ...rest, acquireTimeoutMs: params.acquireTimeoutMs > 4 * (wait + params.serviceTimeMs) ? 'long' : params.acquireTimeoutMs };
  },
  run(params, context) {
    return runUndersizedPool(params, context, { rounds: 3, roundMs: 800, warmupMs: 150 });
  },
};

export async function runUndersizedPool(params: UndersizedPoolParams, context: ProbeContext, shape: { rounds: number; roundMs: number; warmupMs: number }): Promise<ProbeOutcome> {
  const notes: string[] = [];
  const cap = (ms: number) => ({ durationMs: ms, maxOperations: Math.ceil((ms / params.serviceTimeMs) * params.concurrency * 2) + params.concurrency });
  const warmupMs = Math.min(shape.warmupMs, Math.max(0, context.deadline - Date.now()) / 10);
  await runPool(params, params.max, cap(warmupMs), context);
  await runPool(params, params.afterMax, cap(warmupMs), context);
  const left = Math.max(0, context.deadline - Date.now());
  // Each run also drains: queued workers finish after the window (about Wq + S as found).
  const drainMs = closedLoopWaitMs(params.serviceTimeMs, params.concurrency, params.max) + 2 * params.serviceTimeMs;
  const roundMs = Math.max(5 * params.serviceTimeMs, Math.min(shape.roundMs, (left * 0.85) / (2 * shape.rounds) - drainMs));
  const before: PoolRun[] = [];
  const after: PoolRun[] = [];
  for (let i = 0; i < shape.rounds && !expired(context); i++) {
    before.push(await runPool(params, params.max, cap(roundMs), context));
    if (expired(context)) break;
    after.push(await runPool(params, params.afterMax, cap(roundMs), context));
  }
  const { before: b, after: a, dropped } = completePairs(before, after);
  const rounds = b.length;
  if (rounds === 0) {
    return { status: 'skipped', reason: `not measured: no round ran its whole window within the budget${dropped > 0 ? ` (${dropped} cut short and dropped)` : ''}; raise --budget`, measurements: [], load: '', notes, rounds: 0 };
  }
  if (dropped > 0) notes.push(`${dropped} round${dropped === 1 ? '' : 's'} cut short by the budget or Ctrl-C dropped with ${dropped === 1 ? 'its' : 'their'} pair: not measured, not counted as zero throughput`);
  const measurements: Measurement[] = [
    measure('throughput', 'ops/s', 'higher', b.map((r) => r.throughput), a.map((r) => r.throughput)),
    measure('acquire wait mean', 'ms', 'lower', b.map((r) => r.waitMean), a.map((r) => r.waitMean)),
    measure('acquire wait p50', 'ms', 'lower', b.map((r) => r.waitP50), a.map((r) => r.waitP50)),
    measure('acquire wait p99', 'ms', 'lower', b.map((r) => r.waitP99), a.map((r) => r.waitP99)),
    exact('peak resources in use', 'resources', 'higher', Math.max(...b.map((r) => r.peakInUse)), Math.max(...a.map((r) => r.peakInUse))),
  ];
  const timeouts = b.reduce((s, r) => s + r.timeouts, 0);
  if (timeouts > 0) measurements.push(exact('acquire timeouts', 'acquires', 'lower', timeouts, a.reduce((s, r) => s + r.timeouts, 0)));
  const predictedBefore = closedLoopWaitMs(params.serviceTimeMs, params.concurrency, params.max);
  const predictedAfter = closedLoopWaitMs(params.serviceTimeMs, params.concurrency, params.afterMax);
  const measuredBefore = (measurements[1] as Measurement).before;
  const disagree = Math.abs(measuredBefore - predictedBefore) > 0.25 * predictedBefore + 2;
  notes.push(
    `closed-loop prediction Wq = S(N/c - 1): ${round(predictedBefore)} ms with c=${params.max}, ${round(predictedAfter)} ms with c=${params.afterMax}; measured mean ${measuredBefore} ms` +
      (disagree ? ' — DISAGREES with the prediction by more than 25% (timer granularity, event-loop delay or acquire timeouts)' : ' — agrees'),
    `predicted throughput c/S = ${round((params.max / params.serviceTimeMs) * 1000)} ops/s as found, ${round((Math.min(params.afterMax, params.concurrency) / params.serviceTimeMs) * 1000)} ops/s fixed`,
    `open loop at 90% utilisation of the found pool (${round((0.9 * params.max * 1000) / params.serviceTimeMs)} req/s), Erlang C gives Wq = ${round(erlangCWaitMs((0.9 * params.max) / params.serviceTimeMs, params.serviceTimeMs, params.max))} ms; at the offered load N/S the found pool is saturated and an open-loop queue grows until acquire timeouts (${params.acquireTimeoutMs} ms) fire`,
    `after: pool max ${params.afterMax} from Little's law (L = lambda W with lambda = N/S), ${params.library}${params.library === 'pg-pool' ? ' with a fake client' : ''} (the driver's own pool behaves the same way: FIFO queue of waiters)`,
  );
  if (params.recommendedMax !== undefined && params.recommendedMax !== params.afterMax) {
    notes.push(`the rule's suggested max ${params.recommendedMax} predicts Wq = ${round(closedLoopWaitMs(params.serviceTimeMs, params.concurrency, params.recommendedMax))} ms at this concurrency`);
  }
  if (params.defaults.length > 0) notes.push(`defaults used for missing params: ${params.defaults.join(', ')}`);
  return {
    ...verdict(measurements[0] as Measurement, 1.5),
    measurements,
    load: `closed loop: ${params.concurrency} workers, pool ${params.max} vs ${params.afterMax}, service time ${params.serviceTimeMs} ms, ${rounds} rounds of ${Math.round(roundMs)} ms per side`,
    notes,
    rounds,
  };
}

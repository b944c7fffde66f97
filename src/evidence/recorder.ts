/**
 * The recorder: the one object the instrumented code and the library patches report to, in the user's
 * process. It keeps per-site counters and metric reservoirs and turns them into the evidence file
 * (format.ts). Everything it records is an observation of this process; a site it never saw run keeps its
 * state and no figures.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';
import http from 'node:http';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { EVIDENCE_FORMAT, RESERVOIR_SIZE } from './format-constants.js';
import type { EvidenceFile, MetricEvidence, SiteEvidence } from './format.js';
import type { SiteOutcome } from './instrument.js';
import type { WatchedSite } from './sites.js';

interface MetricSpec {
  unit: string;
  better: 'lower' | 'higher';
}

const METRICS: Record<string, MetricSpec> = {
  'span.ms': { unit: 'ms', better: 'lower' },
  overlap: { unit: 'operations', better: 'higher' },
  'sockets.per-request': { unit: 'sockets', better: 'lower' },
  'tls.handshakes': { unit: 'handshakes', better: 'lower' },
  'connect.ms': { unit: 'ms', better: 'lower' },
  'acquire.ms': { unit: 'ms', better: 'lower' },
  'pool.waiting': { unit: 'requests', better: 'lower' },
  'timers.live': { unit: 'timers', better: 'lower' },
  'timers.retained-bytes': { unit: 'bytes', better: 'lower' },
  'bytes.ratio': { unit: 'ratio', better: 'lower' },
  'bytes.out': { unit: 'bytes', better: 'lower' },
};

/**
 * Count, sum, min and max of every value, and a uniform reservoir of at most RESERVOIR_SIZE (Li's
 * algorithm L: once the reservoir is full, random numbers are drawn only for the values that replace a
 * sample, a few per thousand values on a long run, instead of one per value).
 */
class Metric {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  readonly samples: number[] = [];
  /** Algorithm L's state: the count at which the next value replaces a sample, and its running weight. */
  private next = 0;
  private weight = 1;

  add(value: number): void {
    this.count += 1;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.count <= RESERVOIR_SIZE) {
      this.samples.push(value);
      if (this.count === RESERVOIR_SIZE) this.skip();
    } else if (this.count === this.next) {
      this.samples[Math.floor(Math.random() * RESERVOIR_SIZE)] = value;
      this.skip();
    }
  }

  private skip(): void {
    this.weight *= Math.exp(Math.log(random()) / RESERVOIR_SIZE);
    this.next = this.count + Math.floor(Math.log(random()) / Math.log(1 - this.weight)) + 1;
  }
}

/** A uniform number in (0, 1): never 0, whose logarithm is needed. */
function random(): number {
  return Math.random() || Number.MIN_VALUE;
}

class SiteRecord {
  state: SiteEvidence['state'] = 'not-loaded';
  reason: string | undefined;
  hits = 0;
  readonly metrics = new Map<string, Metric>();
  /** uncleared-timer: the timers created here that are still pending. */
  liveTimers = 0;
  /** uncleared-timer: what this site's watched timers run (fireFunction), made when the site loads. */
  fire: FireFunction | undefined;

  constructor(readonly site: WatchedSite) {}

  add(name: string, value: number): void {
    let metric = this.metrics.get(name);
    if (!metric) this.metrics.set(name, (metric = new Metric()));
    metric.add(value);
  }
}

/**
 * One call of the function that runs a sequential-await site. Its `settled` callback is made once per call
 * and shared by every operand, not one closure per awaited value.
 */
export class Execution {
  started = 0;
  lastSettled = 0;
  inFlight = 0;
  most = 0;
  operations = 0;
  left = false;
  readonly settled: () => void;

  constructor(readonly record: SiteRecord, finish: (execution: Execution) => void) {
    this.settled = (): void => {
      this.inFlight -= 1;
      this.lastSettled = performance.now();
      if (this.left && this.inFlight === 0) finish(this);
    };
  }
}

export interface RunInfo {
  label?: string;
  entry: string;
  toolVersion: string;
}

interface Thenable {
  then(onFulfilled: (value: unknown) => unknown, onRejected: (reason: unknown) => unknown): unknown;
}

function isThenable(value: unknown): value is Thenable {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** The size in bytes of a value handed to or returned by a compression function, or undefined when it has none to measure. */
export function byteSize(value: unknown): number | undefined {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (value instanceof ArrayBuffer) return value.byteLength;
  return undefined;
}

/** uncleared-timer: where a watched Timeout keeps the callback it was created with (its _onTimeout is then the site's fire function). */
const CALLBACK = Symbol('bottleneck-cli.evidence.callback');
/** On a site's fire function: the site it counts for. */
const SITE = Symbol('bottleneck-cli.evidence.site');

/** The fields of a Node.js Timeout the timer count reads (lib/internal/timers.js). */
interface NodeTimeout {
  _onTimeout: unknown;
  _repeat: number | null | undefined;
  _destroyed: boolean;
  [CALLBACK]?: (...args: unknown[]) => unknown;
}

type FireFunction = ((this: NodeTimeout) => unknown) & { [SITE]: SiteRecord };

/**
 * uncleared-timer: the one function a site's watched timers run instead of their callback (Node calls a
 * Timeout's _onTimeout with the Timeout as `this`). A timeout that fires has ended: it gets its own
 * callback back before calling it, so a later clear finds it unwatched; an interval stays watched until
 * cleared. One function per site, made once: a timer costs one property on its Timeout, no closure.
 */
function fireFunction(record: SiteRecord): FireFunction {
  const fire = function (this: NodeTimeout): unknown {
    const callback = this[CALLBACK]!;
    if (this._repeat === null || this._repeat === undefined) {
      this._onTimeout = callback;
      record.liveTimers -= 1;
    }
    // Node calls a timer's callback with no arguments unless setTimeout was given some: no rest array then.
    return arguments.length === 0 ? callback.call(this) : Reflect.apply(callback, this, arguments);
  } as FireFunction;
  fire[SITE] = record;
  return fire;
}

/**
 * An HTTP client instance a factory returned: a callable with a `defaults` object, as `axios.create()` and
 * `got.extend()` return. Its requests are made later, by calls on it. (Nest's `HttpModule.register()`
 * returns a module description, not a client, and is not one.)
 */
function isClientInstance(value: unknown): value is ((...args: unknown[]) => unknown) & { defaults: object } {
  if (typeof value !== 'function') return false;
  const defaults = (value as { defaults?: unknown }).defaults;
  return typeof defaults === 'object' && defaults !== null;
}

/** The agents a client instance holds for its requests: axios `defaults.httpAgent`/`httpsAgent`, got `defaults.options.agent.{http,https}`. */
function heldAgents(client: { defaults: object }): http.Agent[] {
  const defaults = client.defaults as { httpAgent?: unknown; httpsAgent?: unknown; options?: { agent?: unknown } };
  const gotAgents = typeof defaults.options === 'object' && defaults.options !== null && typeof defaults.options.agent === 'object' && defaults.options.agent !== null ? (defaults.options.agent as Record<string, unknown>) : {};
  return [defaults.httpAgent, defaults.httpsAgent, gotAgents.http, gotAgents.https].filter((agent): agent is http.Agent => agent instanceof http.Agent);
}

export class Recorder {
  private readonly records: SiteRecord[];
  private readonly startedAt = new Date();
  private served = 0;
  private readonly warnings: string[];
  /** missing-keep-alive: made at the first call that needs it (a keep-alive site's call), so a process without one never has it. */
  private contextStore: AsyncLocalStorage<SiteRecord> | undefined;
  private readonly agents = new WeakMap<object, SiteRecord>();
  /** missing-keep-alive: the Proxy handed on for each client instance a site made, per site. */
  private readonly clients = new WeakMap<object, Map<SiteRecord, object>>();
  private readonly pools = new WeakMap<object, SiteRecord>();
  private outboundWatched = false;
  private timersWatched = false;
  private heapCountdown = 0;
  /** uncleared-timer: (live timers at all timer sites, heap used) every 16th request served, for the retained-size estimate. */
  private readonly heapSamples: Array<[number, number]> = [];
  /** uncleared-timer: the instrumented timer sites, sampled per request served. */
  private readonly timerRecords: SiteRecord[] = [];
  /** Made once: the callbacks the hot paths hand on (no closure per call). */
  private readonly finishExecution = (execution: Execution): void => this.finish(execution);
  private readonly endTimer = (timer: unknown): void => this.timerEnded(timer);

  constructor(sites: readonly WatchedSite[], warnings: readonly string[], private readonly run: RunInfo) {
    this.records = sites.map((site) => new SiteRecord(site));
    this.warnings = [...warnings];
    diagnostics.subscribe('http.server.request.start', () => {
      this.served += 1;
      if (this.timerRecords.length > 0) this.sampleTimers();
    });
  }

  private get context(): AsyncLocalStorage<SiteRecord> {
    return (this.contextStore ??= new AsyncLocalStorage<SiteRecord>());
  }

  warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
  }

  /** Called by each instrumented module as it starts: the state of the sites it holds. */
  loaded(outcomes: readonly SiteOutcome[]): void {
    for (const outcome of outcomes) {
      const record = this.records[outcome.index];
      if (!record || record.state === 'instrumented') continue;
      record.state = outcome.state;
      record.reason = outcome.reason;
      if (outcome.state !== 'instrumented') continue;
      if (record.site.family === 'missing-keep-alive') this.watchOutbound();
      if (record.site.family === 'uncleared-timer') {
        record.fire ??= fireFunction(record);
        this.timerRecords.push(record);
        if (!this.timersWatched) {
          this.timersWatched = true;
          this.watchTimerClears();
        }
      }
    }
  }

  // sequential-await ---------------------------------------------------------------------------------

  enter(index: number): Execution | undefined {
    const record = this.records[index];
    if (!record) return undefined;
    return new Execution(record, this.finishExecution);
  }

  leave(execution: Execution | undefined): void {
    if (!execution) return;
    execution.left = true;
    if (execution.inFlight === 0) this.finish(execution);
  }

  /** One awaited operand of the site: counted in flight until it settles. Returns the same value (a foreign thenable as a promise that settles with it, so it is run only once). */
  op<T>(execution: Execution | undefined, value: T): T {
    if (!execution) return value;
    const now = performance.now();
    if (execution.operations === 0) execution.started = now;
    execution.operations += 1;
    if (!isThenable(value)) {
      execution.lastSettled = now;
      if (execution.most === 0) execution.most = 1;
      return value;
    }
    execution.inFlight += 1;
    if (execution.inFlight > execution.most) execution.most = execution.inFlight;
    const settled = execution.settled;
    if (value instanceof Promise) {
      value.then(settled, settled);
      return value;
    }
    const promise = Promise.resolve(value);
    promise.then(settled, settled);
    return promise as T;
  }

  private finish(execution: Execution): void {
    if (execution.operations === 0) return;
    const { record } = execution;
    record.hits += 1;
    record.add('span.ms', execution.lastSettled - execution.started);
    record.add('overlap', execution.most);
  }

  // fake-compression ---------------------------------------------------------------------------------

  bytes<T>(index: number, input: unknown, output: T): T {
    const record = this.records[index];
    if (!record) return output;
    if (isThenable(output)) {
      // An async function's return value: measured when it settles; the caller still gets the same value.
      if (output instanceof Promise) output.then((settled) => this.measureBytes(record, input, settled), () => undefined);
      return output;
    }
    this.measureBytes(record, input, output);
    return output;
  }

  private measureBytes(record: SiteRecord, input: unknown, output: unknown): void {
    record.hits += 1;
    const out = byteSize(output);
    if (out === undefined) return;
    record.add('bytes.out', out);
    const size = byteSize(input);
    if (size !== undefined && size > 0) record.add('bytes.ratio', out / size);
  }

  // uncleared-timer ----------------------------------------------------------------------------------

  /** A timer the site created: counted live until it fires (a timeout) or is cleared. */
  timer<T>(index: number, handle: T): T {
    const record = this.records[index];
    if (!record) return handle;
    record.hits += 1;
    if (typeof handle === 'object' && handle !== null && (handle as { _destroyed?: unknown })._destroyed === false) {
      const timeout = handle as unknown as NodeTimeout;
      const callback = timeout._onTimeout;
      if (record.fire !== undefined && typeof callback === 'function' && timeout[CALLBACK] === undefined) {
        timeout[CALLBACK] = callback as (...args: unknown[]) => unknown;
        timeout._onTimeout = record.fire;
        record.liveTimers += 1;
      }
    } else if (record.state === 'instrumented' && !(typeof handle === 'object' && handle !== null)) {
      record.state = 'unsupported';
      record.reason = 'the timer call did not return a Node.js Timeout (a replaced setTimeout or another runtime): its pending state cannot be read';
    }
    return handle;
  }

  /** A timer being cleared: a watched one still pending (its _onTimeout is its site's fire function) has ended. */
  private timerEnded(timer: unknown): void {
    if (typeof timer !== 'object' || timer === null || (timer as NodeTimeout)[CALLBACK] === undefined) return;
    const { _onTimeout: fire, _destroyed: destroyed } = timer as NodeTimeout;
    if (destroyed || typeof fire !== 'function') return;
    const record = (fire as Partial<FireFunction>)[SITE];
    if (record === undefined) return;
    record.liveTimers -= 1;
    // Unwatched from now on (the clear then drops the callback): no second count, even through a second recorder's hook.
    (timer as NodeTimeout)._onTimeout = (timer as NodeTimeout)[CALLBACK];
  }

  /**
   * Every way a Node.js timer is cleared ends in one of these: clearTimeout/clearInterval (global and
   * node:timers, the same functions), and a Timeout's close() and Symbol.dispose. Each is wrapped once to
   * count down a watched timer, then does what it did; for other timers the cost is a property read.
   */
  private watchTimerClears(): void {
    const ended = this.endTimer;
    const timersModule = createRequire(import.meta.url)('node:timers') as Record<string, unknown>;
    for (const name of ['clearTimeout', 'clearInterval'] as const) {
      const original = globalThis[name] as (timer: unknown) => void;
      const wrapped = { [name](this: unknown, timer: unknown): void {
        ended(timer);
        return original.call(this, timer);
      } }[name]!;
      globalThis[name] = wrapped as typeof globalThis[typeof name];
      if (timersModule[name] === original) timersModule[name] = wrapped;
    }
    syncBuiltinESMExports();
    const probe = setTimeout(() => undefined, 0);
    const prototype = Object.getPrototypeOf(probe) as Record<string | symbol, unknown>;
    clearTimeout(probe);
    for (const key of ['close', Symbol.dispose] as const) {
      const original = prototype[key];
      if (typeof original !== 'function') continue;
      prototype[key] = function (this: unknown): unknown {
        ended(this);
        return Reflect.apply(original as (...a: unknown[]) => unknown, this, arguments);
      };
    }
  }

  private sampleTimers(): void {
    let total = 0;
    let any = false;
    for (const record of this.timerRecords) {
      if (record.state !== 'instrumented') continue;
      record.add('timers.live', record.liveTimers);
      total += record.liveTimers;
      any = true;
    }
    if (!any) return;
    // Heap statistics cost about a microsecond: every 16th request is enough for a slope.
    if (this.heapCountdown-- > 0) return;
    this.heapCountdown = 15;
    const sample: [number, number] = [total, v8.getHeapStatistics().used_heap_size];
    if (this.heapSamples.length < RESERVOIR_SIZE) this.heapSamples.push(sample);
    else this.heapSamples[Math.floor(Math.random() * RESERVOIR_SIZE)] = sample;
  }

  /**
   * Heap retained per live timer: the least-squares slope of heap used over live timers across the
   * requests sampled, when the live count varied and the slope is positive. An estimate (garbage
   * collection adds noise), so it is only given with enough distinct live counts.
   */
  private retainedPerTimer(): number | undefined {
    const points = this.heapSamples;
    const distinct = new Set(points.map(([live]) => live));
    if (distinct.size < 10) return undefined;
    const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
    const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
    let sxy = 0;
    let sxx = 0;
    for (const [x, y] of points) {
      sxy += (x - meanX) * (y - meanY);
      sxx += (x - meanX) * (x - meanX);
    }
    const slope = sxx > 0 ? sxy / sxx : 0;
    return slope > 0 ? slope : undefined;
  }

  // missing-keep-alive -------------------------------------------------------------------------------

  /**
   * Runs the site's call inside the site's context: outbound requests it starts (now or in its async
   * continuations) count for the site. What it returns is followed: an Agent is tagged, and an HTTP client
   * instance (axios.create(), got.extend()) has its agents tagged and its later calls run in the context.
   */
  outbound<T>(index: number, call: () => T): T {
    const record = this.records[index];
    if (!record) return call();
    const result = this.context.run(record, call);
    return this.follow(record, result);
  }

  agent<T>(index: number, value: T): T {
    const record = this.records[index];
    return record ? this.follow(record, value) : value;
  }

  /** What a keep-alive site made: an Agent (tagged), a client instance (followed), or a promise of either (its agents tagged when it settles). */
  private follow<T>(record: SiteRecord, value: T): T {
    if (value instanceof http.Agent) {
      this.agents.set(value, record);
      return value;
    }
    if (isClientInstance(value)) return this.followClient(record, value);
    if (value instanceof Promise) {
      value.then((resolved) => {
        if (resolved instanceof http.Agent) this.agents.set(resolved, record);
        else if (isClientInstance(resolved)) for (const agent of heldAgents(resolved)) this.agents.set(agent, record);
      }, () => undefined);
    }
    return value;
  }

  /**
   * A client instance made at the site: the sockets are opened later, by calls on the instance, not at
   * the site's line. Its own agents (axios `defaults.httpAgent`/`httpsAgent`, got `defaults.options.agent`)
   * are tagged, so every request through them counts for the site wherever it is made; and the instance is
   * handed on behind a Proxy whose calls (the instance itself, `get`, `post`, `request`, `extend`, ...) run
   * inside the site's context, so requests through an agent it does not own (the global agent, one set
   * later) count too. The Proxy forwards everything else to the instance unchanged; one Proxy per instance
   * and site, so a factory that returns the same client returns the same value each time.
   */
  private followClient<T extends { defaults: object }>(record: SiteRecord, client: T): T {
    for (const agent of heldAgents(client)) this.agents.set(agent, record);
    let bySite = this.clients.get(client);
    if (!bySite) this.clients.set(client, (bySite = new Map()));
    const known = bySite.get(record);
    if (known) return known as T;
    const context = this.context;
    const wrappers = new WeakMap<object, object>();
    const wrap = (fn: object): object => {
      let proxy = wrappers.get(fn);
      if (proxy) return proxy;
      proxy = new Proxy(fn, {
        apply: (target, thisArg, args) => context.run(record, () => Reflect.apply(target as (...a: unknown[]) => unknown, thisArg, args)),
        get: (target, key) => {
          const value: unknown = Reflect.get(target, key);
          if (typeof value !== 'function' || key === 'constructor' || key === 'prototype') return value;
          // A proxy must report a non-configurable, read-only property as it is.
          const own = Reflect.getOwnPropertyDescriptor(target, key);
          if (!own || (own.configurable === false && own.writable === false)) return value;
          return wrap(value);
        },
      });
      wrappers.set(fn, proxy);
      return proxy;
    };
    const proxy = wrap(client);
    bySite.set(record, proxy);
    return proxy as T;
  }

  private watchOutbound(): void {
    if (this.outboundWatched) return;
    this.outboundWatched = true;
    diagnostics.subscribe('http.client.request.start', (message) => {
      const request = (message as { request?: http.ClientRequest }).request;
      if (!request) return;
      const agent = (request as { agent?: unknown }).agent;
      const record = (typeof agent === 'object' && agent !== null ? this.agents.get(agent) : undefined) ?? this.contextStore?.getStore();
      if (record) this.watchRequest(record, request);
    });
    // fetch (undici): a request created under the site's context is the site's; undici opens a socket in
    // the context of the request that needed it, so the sockets opened there count for the site too.
    const undiciRequests = new WeakMap<object, SiteRecord>();
    const undiciSockets = new WeakMap<SiteRecord, number>();
    diagnostics.subscribe('undici:request:create', (message) => {
      const request = (message as { request?: object }).request;
      const record = this.contextStore?.getStore();
      if (request && record) undiciRequests.set(request, record);
    });
    diagnostics.subscribe('undici:client:connected', () => {
      const record = this.contextStore?.getStore();
      if (record) undiciSockets.set(record, (undiciSockets.get(record) ?? 0) + 1);
    });
    diagnostics.subscribe('undici:request:headers', (message) => {
      const request = (message as { request?: object }).request;
      const record = request ? undiciRequests.get(request) : undefined;
      if (!record) return;
      record.hits += 1;
      // The sockets opened under the site since its previous response: over the run they sum to every socket it opened.
      record.add('sockets.per-request', undiciSockets.get(record) ?? 0);
      undiciSockets.set(record, 0);
    });
  }

  private watchRequest(record: SiteRecord, request: http.ClientRequest): void {
    record.hits += 1;
    const onSocket = (socket: import('node:net').Socket): void => {
      const reused = (request as { reusedSocket?: boolean }).reusedSocket === true;
      record.add('sockets.per-request', reused ? 0 : 1);
      const tls = (socket as { encrypted?: boolean }).encrypted === true;
      if (reused) {
        if (tls) record.add('tls.handshakes', 0);
        return;
      }
      const started = performance.now();
      if (tls) {
        socket.once('secureConnect', () => {
          record.add('connect.ms', performance.now() - started);
          const resumed = (socket as { isSessionReused?: () => boolean }).isSessionReused?.() === true;
          record.add('tls.handshakes', resumed ? 0 : 1);
        });
      } else if ((socket as { connecting?: boolean }).connecting) {
        socket.once('connect', () => record.add('connect.ms', performance.now() - started));
      }
    };
    // Node 20 publishes the channel once the request has its socket; a request queued behind a full agent gets it later.
    if (request.socket) onSocket(request.socket);
    else request.once('socket', onSocket);
  }

  // undersized-pool ----------------------------------------------------------------------------------

  /** Tags the pool the site's construction returned (and the pool or client object it holds), so the patched library reports its waits here. */
  pool<T>(index: number, value: T): T {
    const record = this.records[index];
    if (!record) return value;
    const isObject = (value: unknown): value is object => (typeof value === 'object' || typeof value === 'function') && value !== null;
    const tag = (target: unknown): void => {
      if (!isObject(target)) return;
      this.pools.set(target, record);
      // mysql2's promise pool holds the core pool; a knex instance its client.
      for (const key of ['pool', 'client']) {
        const inner = (target as Record<string, unknown>)[key];
        if (isObject(inner)) this.pools.set(inner, record);
      }
      // Sequelize: its connection manager's sequelize-pool (with replication, the read and write pools).
      const manager = (target as { connectionManager?: unknown }).connectionManager;
      const pool = isObject(manager) ? (manager as { pool?: unknown }).pool : undefined;
      if (isObject(pool)) {
        this.pools.set(pool, record);
        for (const key of ['read', 'write']) {
          const inner = (pool as Record<string, unknown>)[key];
          if (isObject(inner)) this.pools.set(inner, record);
        }
      }
    };
    if (isThenable(value) && value instanceof Promise) value.then(tag, () => undefined);
    else tag(value);
    return value;
  }

  /** The site whose construction made this pool object (or the object it belongs to). */
  poolSite(self: unknown): SiteRecord | undefined {
    if ((typeof self !== 'object' && typeof self !== 'function') || self === null) return undefined;
    return this.pools.get(self);
  }

  /** One acquire from a watched pool: how many callers were already waiting, and how long this one waited. */
  acquired(record: SiteRecord, waiting: number | undefined, ms: number): void {
    record.hits += 1;
    if (waiting !== undefined) record.add('pool.waiting', waiting);
    record.add('acquire.ms', ms);
  }

  // The file ------------------------------------------------------------------------------------------

  snapshot(endedBy: EvidenceFile['run']['endedBy']): EvidenceFile {
    const ended = new Date();
    const perTimer = this.retainedPerTimer();
    const sites: SiteEvidence[] = this.records.map((record) => {
      const metrics: Record<string, MetricEvidence> = {};
      for (const [name, metric] of record.metrics) metrics[name] = metricJson(name, metric);
      if (perTimer !== undefined) {
        const live = record.metrics.get('timers.live');
        if (live && live.max > 0) {
          const retained = new Metric();
          for (const value of live.samples) retained.add(value * perTimer);
          metrics['timers.retained-bytes'] = metricJson('timers.retained-bytes', retained);
        }
      }
      const { site } = record;
      return {
        fingerprint: site.fingerprint,
        ruleId: site.ruleId,
        family: site.family,
        file: site.file,
        line: site.line,
        state: record.state,
        ...(record.reason !== undefined ? { reason: record.reason } : defaultReason(record)),
        hits: record.hits,
        metrics,
      };
    });
    return {
      format: EVIDENCE_FORMAT,
      tool: { name: 'bottleneck', version: this.run.toolVersion },
      run: {
        ...(this.run.label !== undefined ? { label: this.run.label } : {}),
        pid: process.pid,
        node: process.version,
        entry: this.run.entry,
        startedAt: this.startedAt.toISOString(),
        endedAt: ended.toISOString(),
        wallMs: ended.getTime() - this.startedAt.getTime(),
        endedBy,
      },
      requests: { served: this.served },
      sites,
      warnings: [...this.warnings],
    };
  }
}

/** Why a site has no figures, when the state alone does not say. */
function defaultReason(record: SiteRecord): { reason?: string } {
  if (record.state === 'not-loaded') return { reason: 'its file never loaded in this process' };
  if (record.state === 'instrumented' && record.hits === 0) {
    return record.site.family === 'missing-keep-alive'
      ? { reason: 'no outbound request went through the agent or client this site builds, or started inside its call (a client other than an axios or got instance, such as an undici dispatcher, is not followed)' }
      : { reason: 'its code never ran while watched' };
  }
  return {};
}

function metricJson(name: string, metric: Metric): MetricEvidence {
  const spec = METRICS[name] ?? { unit: '', better: 'lower' as const };
  return { unit: spec.unit, better: spec.better, count: metric.count, sum: metric.sum, min: metric.count ? metric.min : 0, max: metric.count ? metric.max : 0, samples: [...metric.samples] };
}

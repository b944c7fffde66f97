/**
 * undersized-pool: the acquire of each pool library, patched on its prototype when the user's process
 * loads the library (whichever copy the user's project resolves; this package never loads one). A patched
 * acquire reports only for pools a watched site constructed (Recorder.poolSite); every other pool runs
 * the original method with one WeakMap lookup more.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Recorder } from './recorder.js';

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
type Waiting = (self: Record<string, unknown>) => number | undefined;

interface PoolLibrary {
  /** The library file that defines the class, as a path suffix. */
  file: string;
  /** The acquire method on the class's prototype. */
  method: string;
  /** Callers already queued for a connection when this one asks. */
  waiting: Waiting;
  /** The acquire takes a node-style callback as its last argument, or returns a promise. */
  callback: boolean;
  /** One of two files that may define the method depending on the version (no warning when this one does not). */
  either?: true;
}

const numberOr = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const lengthOf = (value: unknown): number | undefined => (Array.isArray(value) ? value.length : numberOr((value as { length?: unknown } | undefined)?.length));

const LIBRARIES: PoolLibrary[] = [
  // pg: pg.Pool extends pg-pool's Pool; pool.query() acquires through connect() too.
  { file: 'pg-pool/index.js', method: 'connect', waiting: (self) => numberOr(self.waitingCount), callback: true },
  // mysql2 (callback and promise APIs: the promise pool wraps the core pool, whose getConnection this is).
  // Older 3.x define getConnection in lib/pool.js, newer ones in lib/base/pool.js (lib/pool.js extends it).
  { file: 'mysql2/lib/pool.js', method: 'getConnection', waiting: (self) => lengthOf(self._connectionQueue), callback: true, either: true },
  { file: 'mysql2/lib/base/pool.js', method: 'getConnection', waiting: (self) => lengthOf(self._connectionQueue), callback: true, either: true },
  // knex: every query acquires through the client, which asks its tarn pool. tarn counts an acquire waiting
  // for a connection being created as pending too: only those beyond the creations under way wait for the pool.
  {
    file: 'knex/lib/client.js',
    method: 'acquireConnection',
    waiting: (self) => {
      const pool = self.pool as { numPendingAcquires?: () => number; numPendingCreates?: () => number } | undefined;
      if (typeof pool?.numPendingAcquires !== 'function') return undefined;
      const creating = typeof pool.numPendingCreates === 'function' ? pool.numPendingCreates() : 0;
      return Math.max(0, pool.numPendingAcquires() - creating);
    },
    callback: false,
  },
  // Sequelize: its sequelize-pool, tagged through the instance's connectionManager (recorder.ts). The pool's
  // own acquire, not the connection manager's getConnection: that one awaits hooks before it asks the pool,
  // so callers started together would all read an empty queue. Callers beyond the resources being created wait.
  {
    file: 'sequelize-pool/lib/Pool.js',
    method: 'acquire',
    waiting: (self) => {
      const pending = lengthOf(self._pendingAcquires);
      const size = numberOr(self._count);
      if (pending === undefined || size === undefined) return undefined;
      const held = (lengthOf(self._inUseObjects) ?? 0) + (lengthOf(self._availableObjects) ?? 0);
      return Math.max(0, pending - Math.max(0, size - held));
    },
    callback: false,
  },
  { file: 'generic-pool/lib/Pool.js', method: 'acquire', waiting: (self) => numberOr(self.pending), callback: false },
];

const PATCHED = Symbol.for('bottleneck-cli.evidence.patched');
/** Marks a callback this patch wrapped: mysql2 hands a queued callback back to getConnection (a connection dropped while it waited), one acquire still. */
const WRAPPED = Symbol.for('bottleneck-cli.evidence.wrapped');

function libraryOf(filename: string): PoolLibrary | undefined {
  const normalized = filename.split(path.sep).join('/');
  return LIBRARIES.find((library) => normalized.endsWith(`/node_modules/${library.file}`));
}

/** The class among a module's exports whose prototype has the method. */
function classWith(exported: unknown, method: string): { prototype: Record<string, unknown> } | undefined {
  const candidates = [exported, (exported as { default?: unknown } | null)?.default, ...Object.values((exported ?? {}) as Record<string, unknown>)];
  for (const candidate of candidates) {
    if (typeof candidate !== 'function') continue;
    const prototype = (candidate as { prototype?: Record<string, unknown> }).prototype;
    if (prototype && Object.prototype.hasOwnProperty.call(prototype, method) && typeof prototype[method] === 'function') return { prototype };
  }
  return undefined;
}

/** Patches the pool library a CommonJS module just defined, if it is one. Returns whether it was. */
export function patchPoolLibrary(filename: string, exported: unknown, recorder: Recorder): boolean {
  const library = libraryOf(filename);
  if (!library) return false;
  const target = classWith(exported, library.method);
  if (!target) {
    if (library.either) return false;
    recorder.warn(`${library.file}: no ${library.method} on its class in this version; pool waits are not recorded for it`);
    return false;
  }
  const original = target.prototype[library.method] as AnyFunction & { [PATCHED]?: true };
  if (original[PATCHED]) return true;
  const patched = function (this: unknown, ...args: unknown[]): unknown {
    const record = recorder.poolSite(this);
    if (!record) return original.apply(this, args);
    const last = args[args.length - 1];
    if (library.callback && typeof last === 'function' && (last as { [WRAPPED]?: true })[WRAPPED]) return original.apply(this, args);
    let waiting: number | undefined;
    try {
      waiting = library.waiting(this as Record<string, unknown>);
    } catch {
      waiting = undefined;
    }
    const started = performance.now();
    if (library.callback && typeof last === 'function') {
      // One wrapper per acquire, and no rest array: the libraries call back with (error, connection, release).
      const callback = last as AnyFunction;
      const wrapper = function (this: unknown, error: unknown, connection: unknown, release: unknown): unknown {
        recorder.acquired(record, waiting, performance.now() - started);
        // The same arguments, as many as were given (a callback may read how many).
        switch (arguments.length) {
          case 1:
            return callback.call(this, error);
          case 2:
            return callback.call(this, error, connection);
          case 3:
            return callback.call(this, error, connection, release);
          default:
            return Reflect.apply(callback, this, arguments);
        }
      } as AnyFunction & { [WRAPPED]?: true };
      wrapper[WRAPPED] = true;
      args[args.length - 1] = wrapper;
      return original.apply(this, args);
    }
    const result = original.apply(this, args);
    if (result instanceof Promise) {
      const done = (): void => recorder.acquired(record, waiting, performance.now() - started);
      result.then(done, done);
    }
    return result;
  } as AnyFunction & { [PATCHED]?: true };
  Object.defineProperty(patched, 'length', { value: original.length });
  Object.defineProperty(patched, 'name', { value: original.name });
  patched[PATCHED] = true;
  target.prototype[library.method] = patched;
  return true;
}

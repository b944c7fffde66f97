/**
 * The stubs that stand in for the user's dependencies inside the `--exec` child: bare package imports,
 * every parameter of the called function, `this` of a class method, and `declare`d globals. Each stub is a
 * recording Proxy. Reading a property gives another stub; calling one records the call and returns a
 * "pending" stub that is awaitable (it settles after the probe's latency) and still usable as a stub, so
 * `await repo.find(id)` and `createClient().get(key)` both work. Settled values are not thenable, or
 * `await` would never finish unwrapping them.
 *
 * Coercions are chosen so common code paths stay bounded: a stub iterates (and reports `length`) as
 * `items` child stubs, turns into `numberValue` as a number (a loop bound or a timeout) and into '' as a
 * string (so it adds no bytes to measured output). Array methods called with a callback (`ids.map(fn)`)
 * run over those items; without a callback they are recorded calls like any other (`repo.find({ ... })`).
 *
 * This file holds JavaScript source for the child, not code that runs in this process.
 */
export const STUB_RUNTIME_SOURCE = `
const stubState = { calls: 0, inFlight: 0, peak: 0, ioCalls: 0, serialized: 0, sites: new Map(), latencyMs: 0, latencies: null, numberValue: 1, items: 3, recordSites: false, harnessDir: '' };
const CALLBACK_METHODS = new Set(['map', 'forEach', 'filter', 'find', 'findIndex', 'some', 'every', 'reduce', 'flatMap']);
const ITERATOR_METHODS = new Set(['entries', 'keys', 'values']);

function userSite(stack) {
  // The first frame outside node internals and the harness's directory (this harness, the bundle's own
  // glue): with --enable-source-maps it names the original TypeScript file and line.
  for (const line of String(stack).split('\\n').slice(1)) {
    const match = /(?:\\(|at )((?:file:\\/\\/)?\\/[^()]*?):(\\d+):\\d+\\)?\\s*$/.exec(line);
    if (!match || match[1].replace(/^file:\\/\\//, '').startsWith(stubState.harnessDir)) continue;
    return match[1].replace(/^file:\\/\\//, '') + ':' + match[2];
  }
  return undefined;
}

function recordSite(map, limit) {
  if (!stubState.recordSites || map.size >= limit) return;
  const site = userSite(new Error().stack);
  if (site) map.set(site, (map.get(site) ?? 0) + 1);
}

/**
 * The latency of one stub call. With \`latencies\` (the calls the finding says do I/O, by member name or
 * full stub path), only those wait; every other stub call settles on the next turn, as in-process work.
 */
function latencyOf(path) {
  if (!stubState.latencies) return stubState.latencyMs;
  const bare = path.replace(/\\(\\)$/, '');
  const member = bare.slice(bare.lastIndexOf('.') + 1);
  return stubState.latencies[bare] ?? stubState.latencies[member] ?? 0;
}

/**
 * Queries on one connection (a pg \`Client\`, a mysql \`createConnection()\`) run one at a time, as their
 * drivers do: each waits for the previous one on the same object, so running them together gains nothing.
 */
const SINGLE_CONNECTION = /^(?:new (?:pg|pg-native)\\.Client\\.query|(?:mysql|mysql2|mysql2\\/promise)\\.createConnection\\(\\)\\.(?:query|execute))$/;
const connectionQueues = new Map();
let stubObjects = 0;

function stubCall(path, owner) {
  stubState.calls++;
  const latencyMs = latencyOf(path);
  if (latencyMs > 0) stubState.ioCalls++;
  stubState.inFlight++;
  stubState.peak = Math.max(stubState.peak, stubState.inFlight);
  recordSite(stubState.sites, 50);
  // Each call's result is its own object (a connection from createConnection(), say).
  const value = makeStub(path + '()', undefined, ++stubObjects);
  const serial = latencyMs > 0 && owner !== undefined && SINGLE_CONNECTION.test(path);
  if (serial) stubState.serialized++;
  const settled = new Promise((resolve) => {
    const done = () => {
      stubState.inFlight--;
      resolve(value);
    };
    if (serial) {
      const turn = (connectionQueues.get(owner) ?? Promise.resolve()).then(() => new Promise((next) => setTimeout(next, latencyMs)));
      connectionQueues.set(owner, turn);
      turn.then(done);
    } else if (latencyMs > 0) setTimeout(done, latencyMs);
    // Latency 0 settles on the next turn without a Timeout handle, so timer counts stay the user's own.
    else setImmediate(done);
  });
  return makeStub(path + '()', settled);
}

function isClass(value) {
  return typeof value === 'function' && /^class\\b/.test(Function.prototype.toString.call(value));
}

function isDecoratorApplication(args) {
  if (args.length === 1) return isClass(args[0]);
  // Standard (TC39) decorators: (value, context) with context.kind 'class', 'method', 'field', 'getter'...
  if (args.length === 2) return typeof args[1] === 'object' && args[1] !== null && typeof args[1].kind === 'string' && 'name' in args[1];
  if (args.length !== 3) return false;
  const [target, key, third] = args;
  const onClass = isClass(target) || (typeof target === 'object' && target !== null && isClass(target.constructor));
  const member = key === undefined || typeof key === 'string' || typeof key === 'symbol';
  const descriptor = third === undefined || typeof third === 'number' || (typeof third === 'object' && third !== null && ('value' in third || 'get' in third || 'set' in third));
  return onClass && member && descriptor;
}

/** \`owner\`: the object (a constructed or returned stub) this one is a member of, for per-connection queues. */
function makeStub(path, settled, owner) {
  const writes = new Map();
  const children = new Map();
  const items = () => Array.from({ length: stubState.items }, (_, i) => makeStub(path + '[' + i + ']', undefined, owner));
  const child = (key) => {
    if (!children.has(key)) children.set(key, makeStub(path + '.' + key, undefined, owner));
    return children.get(key);
  };
  return new Proxy(function () {}, {
    get(_target, key) {
      if (writes.has(key)) return writes.get(key);
      if (key === 'then') return settled ? (onValue, onError) => settled.then(onValue, onError) : undefined;
      if (key === 'catch' && settled) return (onError) => settled.catch(onError);
      if (key === 'finally' && settled) return (onFinally) => settled.finally(onFinally);
      if (key === Symbol.toPrimitive) return (hint) => (hint === 'number' ? stubState.numberValue : '');
      if (key === Symbol.iterator) return function* () { yield* items(); };
      if (key === Symbol.asyncIterator) return async function* () { yield* items(); };
      if (typeof key === 'symbol') return undefined;
      if (key === 'length') return stubState.items;
      if (key === 'toString' || key === 'toJSON') return () => '';
      if (/^\\d+$/.test(key)) return child(key);
      if (CALLBACK_METHODS.has(key) || ITERATOR_METHODS.has(key)) {
        return (...args) => (ITERATOR_METHODS.has(key) ? args.length === 0 : typeof args[0] === 'function') ? items()[key](...args) : stubCall(path + '.' + key, owner);
      }
      return child(key);
    },
    set(_target, key, value) {
      writes.set(key, value);
      return true;
    },
    apply(_target, _self, args) {
      // A decorator from a stubbed package (\`@Injectable()\`, \`@Get()\`, \`@Inject()\`) is applied to the
      // user's class or member: answering undefined keeps the class as written instead of a stub.
      if (isDecoratorApplication(args)) return undefined;
      return stubCall(path, owner);
    },
    construct() {
      return makeStub('new ' + path, undefined, ++stubObjects);
    },
  });
}

/** \`this\` for a class method: the class's own members, and a stub for every field it does not define. */
function stubThis(prototype, name) {
  const writes = new Map();
  const children = new Map();
  return new Proxy(Object.create(prototype), {
    get(target, key, receiver) {
      if (writes.has(key)) return writes.get(key);
      if (typeof key === 'symbol' || key in target) return Reflect.get(target, key, receiver);
      if (!children.has(key)) children.set(key, makeStub(name + '.' + key));
      return children.get(key);
    },
    set(_target, key, value) {
      writes.set(key, value);
      return true;
    },
  });
}

const packageStubs = new Map();
globalThis.__bottleneckStub = (name) => {
  if (!packageStubs.has(name)) packageStubs.set(name, makeStub(name));
  return packageStubs.get(name);
};
`;

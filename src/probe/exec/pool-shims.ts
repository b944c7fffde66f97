/**
 * What stands in for a pool package inside the `--exec` child (undersized-pool): ES module source the
 * bundler puts in place of `pg` / `pg-pool` / `generic-pool` (bundle.ts `shims`). The pool each exports
 * is the REAL library, bundled from this tool's own install, constructed with the options the user's code
 * passes. For pg, a pool the probe builds from the user's expression (while `state.database` is set) is
 * real end to end: node-postgres's own Client connecting to the real PostgreSQL the probe opened
 * (pool-database.ts), with only the connection target replaced (host, port, user, password, database,
 * ssl; sessions read-only); every other setting is the user's. A pool the module builds on its own at
 * load time gets a client that never connects (no database is touched by module top-level code). For
 * generic-pool, the user's factory is replaced by resources that settle at once. Every pool built is
 * recorded, and so is the most operations running at once, for the family's body (exec/undersized-pool.ts).
 *
 * This file holds JavaScript source for the child, not code that runs in this process.
 */
export type PoolLibrary = 'pg-pool' | 'generic-pool' | 'knex' | 'mysql2';

const STATE = `
const state = (globalThis.__bottleneckPoolState ??= {
  pools: [],
  /** Set by the body only while it evaluates your pool expression: the real server to connect to. */
  database: null,
  inFlight: 0,
  peak: 0,
  latencyMs: 20,
  /** Set by the body only while it evaluates your mysql2 pool expression: the loopback server's socket. */
  mysql: null,
  optionsOf(pool) {
    // mysql2: the core pool's config (a promise pool holds the core pool); connectionLimit 0 is unlimited.
    const core = pool && pool.pool && pool.pool.config ? pool.pool : pool;
    if (core && core.config && 'connectionLimit' in core.config) {
      const limit = core.config.connectionLimit;
      return { max: Number.isFinite(limit) && limit > 0 ? limit : null, waitTimeoutMs: null };
    }
    // knex: its tarn pool, as knex built it from your config.
    const tarn = typeof pool === 'function' && pool.client ? pool.client.pool : undefined;
    if (tarn) return { max: Number.isFinite(tarn.max) ? tarn.max : null, waitTimeoutMs: typeof tarn.acquireTimeoutMillis === 'number' ? tarn.acquireTimeoutMillis : null };
    const o = pool.options ?? pool._config ?? {};
    const max = Number.isFinite(o.max) ? o.max : null;
    const wait = o.connectionTimeoutMillis ?? o.acquireTimeoutMillis ?? null;
    return { max, waitTimeoutMs: typeof wait === 'number' ? wait : null };
  },
});
`;

const PG = `
import PgPool from 'pg-pool';
import pg from 'pg';
import { EventEmitter } from 'node:events';
${STATE}
state.RealClient = pg.Client;
/** Your options with the connection target replaced by the probe's server; sessions are read-only. */
function onProbeServer(options, db) {
  const own = options && typeof options.options === 'string' ? options.options + ' ' : '';
  return {
    ...(options ?? {}),
    connectionString: undefined,
    host: db.host, port: db.port, user: db.user, password: db.password, database: db.database, ssl: db.ssl,
    options: own + '-c default_transaction_read_only=on',
    Client: pg.Client,
  };
}
/** For pools your module builds at load time: connects at once, never to a server; queries answer empty after the latency. */
class Client extends EventEmitter {
  constructor() {
    super();
    this._queryable = true;
    this._ending = false;
  }
  connect(callback) {
    const done = new Promise((resolve) => setImmediate(resolve));
    if (typeof callback === 'function') { done.then(() => callback(null)); return undefined; }
    return done;
  }
  query(text, values, callback) {
    if (typeof values === 'function') { callback = values; values = undefined; }
    state.inFlight++;
    state.peak = Math.max(state.peak, state.inFlight);
    const answer = new Promise((resolve) => setTimeout(() => { state.inFlight--; resolve({ rows: [], rowCount: 0, command: 'SELECT', fields: [] }); }, state.latencyMs));
    if (typeof callback === 'function') { answer.then((result) => callback(null, result)); return undefined; }
    return answer;
  }
  end(callback) {
    this._ending = true;
    if (typeof callback === 'function') setImmediate(callback);
    return Promise.resolve();
  }
}
/** The real pg-pool, with the options your code passes: on the probe's real server, or (module load) the client above. */
class Pool extends PgPool {
  constructor(options) {
    const db = state.database;
    super(db ? onProbeServer(options, db) : { ...(options ?? {}), Client });
    state.pools.push(this);
  }
}
const types = { setTypeParser() {}, getTypeParser() { return (value) => value; } };
export { Pool, Client, types };
export default { Pool, Client, types };
`;

const GENERIC = `
import genericPool from 'generic-pool';
${STATE}
/** The real generic-pool with the options your code passes; your factory's resources replaced by plain objects. */
function createPool(_factory, options) {
  let next = 0;
  const pool = genericPool.createPool({ create: async () => ({ id: next++ }), destroy: async () => undefined }, options);
  state.pools.push(pool);
  return pool;
}
const Pool = genericPool.Pool;
export { createPool, Pool };
export default { ...genericPool, createPool };
`;

const KNEX = `
import realKnex from 'knex';
import pg from 'pg';
${STATE}
state.RealClient = pg.Client;
const PG_CLIENTS = new Set(['pg', 'postgres', 'postgresql']);
/**
 * The real knex (and its tarn pool) with your config. While the probe evaluates your expression, a pg
 * client's connection is the probe's real server (read-only sessions); any other knex your module builds
 * points at a socket that does not exist, so nothing it runs at load time reaches a database.
 */
function knex(config) {
  const db = state.database;
  const cfg = { ...(config ?? {}) };
  const client = typeof cfg.client === 'string' ? cfg.client : cfg.dialect;
  cfg.connection = db && PG_CLIENTS.has(client)
    ? { host: db.host, port: db.port, user: db.user, password: db.password, database: db.database, ssl: db.ssl, options: '-c default_transaction_read_only=on' }
    : { host: '/nonexistent/bottleneck-no-database', port: 1, user: 'none', database: 'none' };
  const instance = realKnex(cfg);
  state.pools.push(instance);
  return instance;
}
Object.assign(knex, realKnex);
export { knex };
export default knex;
`;

/**
 * mysql2 (the callback API from `mysql2`, the promise API from `mysql2/promise`): the real mysql2 pool
 * with your options, on the probe's loopback MySQL-protocol server (mysql-loopback.ts) while the probe
 * evaluates your expression: only the target is replaced (its Unix socket; host, port and ssl dropped).
 * A pool your module builds at load time, and everything else the package exports (createConnection,
 * format, ...), is the harness's ordinary stub: nothing your module runs at load time opens a connection.
 */
const mysqlShim = (real: 'mysql2' | 'mysql2/promise') => `
import realMysql from '${real}';
${STATE}
const stub = globalThis.__bottleneckStub('${real}');
function onProbeServer(options, server) {
  const own = typeof options === 'string' ? { uri: options } : { ...(options ?? {}) };
  return { ...own, host: undefined, port: undefined, ssl: undefined, socketPath: server.socketPath };
}
function createPool(options) {
  const server = state.mysql;
  if (!server) return stub.createPool(options);
  const pool = realMysql.createPool(onProbeServer(options, server));
  state.pools.push(pool);
  return pool;
}
const createConnection = (...args) => stub.createConnection(...args);
const createPoolCluster = (...args) => stub.createPoolCluster(...args);
const format = (...args) => stub.format(...args);
const escape = (...args) => stub.escape(...args);
const escapeId = (...args) => stub.escapeId(...args);
const raw = (...args) => stub.raw(...args);
const Types = realMysql.Types;
const mysql = new Proxy(stub, { get: (target, key) => (key === 'createPool' ? createPool : Reflect.get(target, key)) });
export { createPool, createConnection, createPoolCluster, format, escape, escapeId, raw, Types };
export default mysql;
`;

/** Package name (or subpath) -> the library its shim runs, and the shim's source. */
export const POOL_SHIMS: Record<string, { library: PoolLibrary; source: string }> = {
  pg: { library: 'pg-pool', source: PG },
  'pg-pool': { library: 'pg-pool', source: PG.replace('class Pool extends PgPool', 'class BottleneckPool extends PgPool').replace('export { Pool, Client, types };\nexport default { Pool, Client, types };', 'export { Client, types };\nexport default BottleneckPool;') },
  'generic-pool': { library: 'generic-pool', source: GENERIC },
  knex: { library: 'knex', source: KNEX },
  mysql2: { library: 'mysql2', source: mysqlShim('mysql2') },
  'mysql2/promise': { library: 'mysql2', source: mysqlShim('mysql2/promise') },
};

/**
 * undersized-pool with `--exec`: the user's own pool construction (`new Pool({ max: 3, ... })` from `pg`,
 * `knex({ client: 'pg', ... })`, `mysql.createPool({ connectionLimit: 4 })` from `mysql2`,
 * `genericPool.createPool(factory, opts)`) is copied verbatim into a factory appended to its module, beside
 * the same expression with the finding's fix in place, and both are evaluated in one child with the
 * module's real bindings. The package the constructor comes from is a shim (see pool-shims.ts) whose pool
 * IS the real library (pg-pool, knex and tarn, mysql2, generic-pool) receiving exactly the options the
 * user's code computed; only the target is replaced: pg and knex connect to a real PostgreSQL
 * (pool-database.ts), mysql2 to a loopback MySQL-protocol server that holds each SLEEP for its time
 * (mysql-loopback.ts), and a generic-pool resource is held for the latency. One such server serves all the
 * findings of a run (shared-server.ts).
 *
 * The load: N concurrent callers (N from the code when the finding carries it, e.g. a `Promise.all`
 * fan-out, otherwise the rule's `expectedConcurrency`, a stated default), each doing one query per round.
 * Rounds alternate ABAB after one warm-up round per side. The verdict rests on an exact count, the most
 * queries the real library let run at once (its `max` as the user configured it), and the timed rounds
 * beside it give throughput and latency medians and p99 with bootstrap intervals and an A-vs-A noise
 * band; timed figures that contradict the count (an interval under the noise band) make it inconclusive.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { undersizedPoolProbe, type UndersizedPoolParams } from '../probes/undersized-pool.js';
import { exact, measure, round } from '../stats.js';
import { bootstrapRatio, describeInterval, exactInterval, noiseBand } from '../verdicts.js';
import type { FindingParams, Measurement, Probe, ProbeContext, ProbeOutcome } from '../types.js';
import { constructionExpression } from './agent-expression.js';
import { limitedConcurrency } from './concurrency.js';
import { applyFix } from './apply-fix.js';
import { describeContainment, noResultReason, runUserModule } from './harness.js';
import type { CallTarget } from './locate.js';
import { execSkip, locationOf, skipBeforeRunning, stubbedNote, type ExecLocation } from './outcome.js';
import { checkDatabase, relayToPostgres, startEmbeddedPostgres, type PoolDatabase } from './pool-database.js';
import { startMysqlLoopback, type MysqlLoopback } from './mysql-loopback.js';
import { POOL_SHIMS, type PoolLibrary } from './pool-shims.js';
import { sharedServer, type SharedServer } from './shared-server.js';

const FACTORY = '__bottleneckPools';

/** Variants whose fix changes how many resources the pool may hold (the others run the replica, saying why). */
const SIZE_VARIANTS = new Set(['small-max', 'below-fan-out']);

/**
 * Driven by the child: one pool per side (for pg, on the real server: `state.database` is set only while
 * your expression is evaluated), warm-up, then ABAB rounds of N concurrent operations. A pg operation is
 * what your request does with a pool: acquire a client (timed: the acquire wait), run a query that holds
 * it for S on the server (`SELECT pg_sleep(S)`, tagged with this run's token), release. While a round
 * runs, a separate session counts the tagged queries active in `pg_stat_activity`: the server's own
 * count of how many ran at once.
 */
const POOL_BODY = `
const { library, concurrency, latencyMs, maxRounds, stopAfterMs, database, mysql, tag } = config.family;
const state = globalThis.__bottleneckPoolState;
state.latencyMs = latencyMs;
const started = performance.now();
const pools = {};
for (const side of ['before', 'after']) {
  state.database = database ?? null;
  state.mysql = mysql ?? null;
  try {
    pools[side] = holder[side]();
  } catch (error) {
    emit({ error: (side === 'before' ? 'your pool construction threw: ' : 'the fixed pool construction threw: ') + describeError(error) });
    process.exit(0);
  } finally {
    state.database = null;
    state.mysql = null;
  }
  if (!pools[side] || !state.pools.includes(pools[side])) {
    emit({ error: 'the expression did not build a ' + library + ' pool' });
    process.exit(0);
  }
}
const hold = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const SLEEP = 'SELECT pg_sleep($1) /* bottleneck-probe ' + tag + ' */';
/** mysql2: the loopback server holds SLEEP(s) for s and counts, per round, the queries tagged with its key. */
const mysqlSleep = (key) => 'SELECT SLEEP(' + latencyMs / 1000 + ') /* bottleneck-probe ' + tag + ' ' + key + ' */';
/** The promise pool holds the core (callback) pool: acquire and release go through the core one. */
const corePool = (pool) => (pool.pool && typeof pool.pool.getConnection === 'function' ? pool.pool : pool);
const COUNT = "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND query LIKE $1";
let sampler;
if (database) {
  sampler = new state.RealClient({ ...database, options: '-c default_transaction_read_only=on' });
  sampler.on('error', () => {});
  try { await sampler.connect(); }
  catch (error) { emit({ error: "could not connect to the probe's PostgreSQL: " + describeError(error) }); process.exit(0); }
  for (const pool of Object.values(pools)) if (library === 'pg-pool') pool.on('error', () => {});
}
/** One operation; resolves to the acquire wait in ms. */
async function operate(pool, key) {
  const s = performance.now();
  if (library === 'mysql2') {
    // mysql2's own getConnection from your pool, a real socket connection to the loopback server, release.
    const core = corePool(pool);
    const connection = await new Promise((resolve, reject) => core.getConnection((error, c) => (error ? reject(error) : resolve(c))));
    const wait = performance.now() - s;
    state.inFlight++;
    state.peak = Math.max(state.peak, state.inFlight);
    try { await new Promise((resolve, reject) => connection.query(mysqlSleep(key), (error) => (error ? reject(error) : resolve()))); }
    finally { state.inFlight--; connection.release(); }
    return wait;
  }
  if (library === 'knex') {
    // knex's own acquire from its tarn pool, the pg connection it hands out, and its release.
    const connection = await pool.client.acquireConnection();
    const wait = performance.now() - s;
    state.inFlight++;
    state.peak = Math.max(state.peak, state.inFlight);
    try { await connection.query(SLEEP, [latencyMs / 1000]); } finally { state.inFlight--; await pool.client.releaseConnection(connection); }
    return wait;
  }
  if (library === 'pg-pool') {
    const client = await pool.connect();
    const wait = performance.now() - s;
    state.inFlight++;
    state.peak = Math.max(state.peak, state.inFlight);
    try { await client.query(SLEEP, [latencyMs / 1000]); } finally { state.inFlight--; client.release(); }
    return wait;
  }
  const resource = await pool.acquire();
  const wait = performance.now() - s;
  state.inFlight++;
  state.peak = Math.max(state.peak, state.inFlight);
  try { await hold(latencyMs); } finally { state.inFlight--; await pool.release(resource); }
  return wait;
}
/** The most tagged queries the server showed active at once while the round ran, and how often it looked. */
async function watchServer(until) {
  let most = 0, samples = 0;
  while (!until.done) {
    try {
      const { rows } = await sampler.query(COUNT, ['%bottleneck-probe ' + tag + '%']);
      most = Math.max(most, rows[0].n);
      samples++;
    } catch { break; }
    await hold(2);
  }
  return { most, samples };
}
let roundNumber = 0;
async function runRound(side) {
  state.inFlight = 0; state.peak = 0;
  const key = side + '-' + roundNumber++;
  const pool = pools[side];
  const latencies = [], waits = [];
  let errors = 0, firstError;
  const until = { done: false };
  const watching = sampler ? watchServer(until) : null;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    const s = performance.now();
    try { waits.push(await operate(pool, key)); latencies.push(performance.now() - s); }
    catch (error) { errors++; firstError ??= describeError(error); }
  }));
  const ms = performance.now() - t0;
  until.done = true;
  const server = watching ? await watching : null;
  return { ms, latencies, waits, errors, firstError, peak: state.peak, server, key, options: state.optionsOf(pool) };
}
const rounds = { before: [], after: [] };
const warm = { before: await runRound('before'), after: await runRound('after') };
let longest = Math.max(warm.before.ms, warm.after.ms);
// ABAB: a round starts only when a whole pair still fits in the child's time; no round is cut short.
while (rounds.before.length < maxRounds && performance.now() - started + 2 * longest * 1.5 < stopAfterMs) {
  for (const side of ['before', 'after']) {
    const r = await runRound(side);
    longest = Math.max(longest, r.ms);
    rounds[side].push(r);
  }
}
const endPool = (pool) =>
  library === 'pg-pool' ? pool.end()
  : library === 'knex' ? pool.destroy()
  : library === 'mysql2' ? new Promise((resolve) => corePool(pool).end(() => resolve()))
  : pool.drain().then(() => pool.clear());
for (const pool of Object.values(pools)) await endPool(pool).catch(() => {});
if (sampler) await sampler.end().catch(() => {});
emit({ warm, rounds, reached: await findingReached() });
process.exit(0);
`;

interface Round {
  ms: number;
  latencies: number[];
  /** Acquire waits, one per completed operation (absent in results from before they were timed). */
  waits?: number[];
  errors: number;
  firstError?: string;
  /** Most operations in flight at once, counted in the child. */
  peak: number;
  /** pg: the most of this run's queries the server showed active at once (pg_stat_activity), and samples taken. */
  server?: { most: number; samples: number } | null;
  /** The round's tag in its queries (`before-3`): mysql2's loopback server counts per tag. */
  key?: string;
  /** mysql2: the most of the round's SLEEP queries the loopback server held at once, and how many it answered (exact, filled in by this process). */
  loopback?: { most: number; answered: number };
  options: { max: number | null; waitTimeoutMs: number | null };
}

interface PoolResult {
  error?: string;
  warm: { before: Round; after: Round };
  rounds: { before: Round[]; after: Round[] };
  reached?: { executed: boolean; count: number; positions: number };
}

export type ExecPoolParams =
  | { replica: UndersizedPoolParams; why: string }
  | { where: ExecLocation; library: PoolLibrary; concurrency: number; concurrencySource: string; latencyMs: number; latencySource: string; replica: UndersizedPoolParams };

/** The library a construction's package maps to, or why this probe cannot run it. */
function libraryOf(driver: unknown, database: unknown): PoolLibrary | undefined {
  if (driver === 'pg' || driver === 'pg-pool') return 'pg-pool';
  if (driver === 'generic-pool') return 'generic-pool';
  // mysql2 (callback or promise API) on the loopback MySQL-protocol server; not mysql or mariadb, other libraries.
  if (driver === 'mysql2' || driver === 'mysql2/promise') return 'mysql2';
  // knex runs only with its pg client: the only database the probe can start or reach is PostgreSQL.
  if (driver === 'knex' && database === 'postgres') return 'knex';
  return undefined;
}

/** Libraries whose pool holds real connections to PostgreSQL: measured on a real PostgreSQL, or not at all. */
const ON_POSTGRES: ReadonlySet<PoolLibrary> = new Set(['pg-pool', 'knex']);

/** Where the load's concurrency comes from: the code (a fan-out) or the rule's stated default. */
export function poolConcurrency(params: FindingParams): { value: number; source: string } {
  const fanOut = params.fanOut;
  if (typeof fanOut === 'number' && fanOut > 0) return { value: fanOut, source: `${fanOut} concurrent queries, read from the code (a Promise.all fan-out through this pool)` };
  const expected = params.expectedConcurrency;
  if (typeof expected === 'number' && expected > 0) return { value: expected, source: `${expected} concurrent requests: the rule's expectedConcurrency option, a DEFAULT, not read from your code (set it in the config)` };
  return { value: 50, source: '50 concurrent requests: a DEFAULT, not read from your code' };
}

/** Where a pg pool's queries go: the user's server (`--postgres-url`), else an embedded PostgreSQL. */
export interface PoolDatabaseOptions {
  postgresUrl?: string;
}

/** The servers the pool findings of one probe run share (started by the first finding that needs one). */
export interface PoolServers {
  postgres: SharedServer<PoolDatabase>;
  mysql: SharedServer<MysqlLoopback>;
}

/**
 * A pg pool runs against a real PostgreSQL or not at all: the server is opened once per run (started, or
 * the user's reached through a relay), checked with `SELECT 1`, and closed by the run's `close()`.
 */
export function poolServers(options: PoolDatabaseOptions = {}): PoolServers {
  return {
    postgres: sharedServer(async (context) => {
      // The server may take up to 60% of the first pg finding's share to start; its rounds get the rest.
      const startBy = Date.now() + Math.max(1_000, (context.deadline - Date.now()) * 0.6);
      const opened = options.postgresUrl ? await relayToPostgres(options.postgresUrl) : await startEmbeddedPostgres({ deadline: startBy, signal: context.signal });
      if ('unavailable' in opened) return { unavailable: `no real PostgreSQL to run your pg pool against: ${opened.unavailable}${options.postgresUrl ? '' : ' (or pass --postgres-url <url> to use yours)'}` };
      const checked = await checkDatabase(opened.connection, startBy);
      if ('error' in checked) {
        await opened.close();
        return { unavailable: `${options.postgresUrl ? 'your PostgreSQL (--postgres-url)' : 'the embedded PostgreSQL'} did not answer SELECT 1: ${checked.error}` };
      }
      return opened;
    }),
    mysql: sharedServer(async () => {
      const opened = await startMysqlLoopback();
      return 'unavailable' in opened ? { unavailable: `no MySQL-protocol server to run your mysql2 pool against: ${opened.unavailable}` } : opened;
    }),
  };
}

export function execPoolProbe(cwd: string, latencies: Record<string, number>, servers: PoolServers): Probe<ExecPoolParams> {
  return {
    family: 'undersized-pool',
    plan(params, variant) {
      const replica = undersizedPoolProbe.plan(params, variant);
      if ('skip' in replica) return replica;
      const where = locationOf(params);
      const library = libraryOf(params.driver, params.database);
      if (!variant || !SIZE_VARIANTS.has(variant) || !where) return { params: { replica: replica.params, why: "the finding's fix does not change the pool's size, which is what this probe measures on your code" } };
      if (!library) {
        const why = params.driver === 'knex' ? `knex with a ${String(params.database)} client: --exec runs knex only with its pg client, against PostgreSQL` : params.database === 'mysql' ? `${String(params.driver)}'s pool is not run by --exec (only mysql2's, on a loopback MySQL-protocol server)` : `${String(params.driver)}'s pool is not one of the real pool libraries --exec runs (pg-pool for pg, knex with pg, generic-pool)`;
        return { params: { replica: replica.params, why } };
      }
      const concurrency = poolConcurrency(params);
      const declared = latencies['pg.query'] ?? latencies['mysql2.query'] ?? latencies.query ?? latencies['knex.raw'] ?? latencies['generic-pool.acquire'];
      const latencyMs = declared ?? (typeof params.serviceTimeMs === 'number' && params.serviceTimeMs > 0 ? params.serviceTimeMs : 20);
      const latencySource = declared !== undefined ? `${latencyMs} ms per query, declared (--latency or the config's probe.latency)` : `${latencyMs} ms per query: a DEFAULT service time (declare yours with --latency ${library === 'mysql2' ? 'mysql2' : 'pg'}.query=<ms>)`;
      return { params: { where, library, concurrency: Math.min(200, Math.round(concurrency.value)), concurrencySource: concurrency.source, latencyMs, latencySource, replica: replica.params } };
    },
    run(params, context) {
      return runExecPool(cwd, params, context, servers);
    },
  };
}

async function replicaWithReason(replica: UndersizedPoolParams, why: string, context: ProbeContext): Promise<ProbeOutcome> {
  const outcome = await undersizedPoolProbe.run(replica, context);
  return { ...outcome, notes: [`--exec ran the replica, not your code: ${why}`, ...outcome.notes], mode: 'replica' };
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number);
};

export async function runExecPool(cwd: string, params: ExecPoolParams, context: ProbeContext, servers: PoolServers): Promise<ProbeOutcome> {
  if (!('where' in params)) return replicaWithReason(params.replica, params.why, context);
  return runOnYourCode(cwd, params, context, servers);
}

/** What sits behind the pool: the run's PostgreSQL, or its loopback MySQL-protocol server, or nothing (generic-pool). */
type Behind = { database?: PoolDatabase; mysql?: MysqlLoopback };

/** The run's shared server for a library that needs one (opened by the first finding), or none. */
async function withDatabase(servers: PoolServers, context: ProbeContext, measure: (behind: Behind) => Promise<ProbeOutcome>, library: PoolLibrary): Promise<ProbeOutcome> {
  if (library === 'mysql2') {
    const opened = await servers.mysql.open(context);
    if ('unavailable' in opened) return { ...skipBeforeRunning(`${opened.unavailable}. A mysql2 pool is measured on real connections only, never a fake client`), final: true };
    return measure({ mysql: opened });
  }
  if (!ON_POSTGRES.has(library)) return measure({});
  const opened = await servers.postgres.open(context);
  // Final: no replica with a fake client stands in for the database (the reason says what to do instead).
  if ('unavailable' in opened) return { ...skipBeforeRunning(`${opened.unavailable}. A pg pool is measured against a real PostgreSQL only, never a fake client`), final: true };
  return measure({ database: opened });
}

async function runOnYourCode(cwd: string, planned: Extract<ExecPoolParams, { where: ExecLocation }>, context: ProbeContext, servers: PoolServers): Promise<ProbeOutcome> {
  let params = planned;
  const { where } = params;
  const absolute = path.resolve(cwd, where.file);
  const text = readFileSync(absolute, 'utf8');
  const expression = constructionExpression(text, absolute, where, { calls: true, what: 'pool', example: '`new Pool({...})`, `createPool(...)`, `knex({...})`' });
  if ('skip' in expression) return replicaWithReason(params.replica, expression.skip, context);
  const shimmed = expression.constructorPackage;
  if (!shimmed || !Object.hasOwn(POOL_SHIMS, shimmed) || POOL_SHIMS[shimmed]?.library !== params.library) {
    return replicaWithReason(params.replica, `the construction does not come from a package whose real pool this probe runs (${Object.keys(POOL_SHIMS).join(', ')})`, context);
  }
  const applied = await applyFix(text, absolute, where, where.replacement, 'reported-range');
  if ('skip' in applied) return skipBeforeRunning(`the fix cannot be applied: ${applied.skip}`);
  if (applied.start < expression.start || applied.end > expression.end) return skipBeforeRunning('the fix rewrites more than the pool construction');
  const fixed = text.slice(expression.start, applied.start) + where.replacement + text.slice(applied.end, expression.end);
  // Callers the code itself bounds (every use behind pLimit(n), a worker's concurrency) beat the rule's default.
  const limited = expression.binding ? limitedConcurrency(text, absolute, expression.binding) : undefined;
  if (limited && limited.value < params.concurrency) params = { ...params, concurrency: limited.value, concurrencySource: limited.source };
  const chosen = params;
  return withDatabase(servers, context, (behind) => measureYourPool(chosen, { absolute, text, expression, fixed }, context, behind), params.library);
}

async function measureYourPool(
  params: Extract<ExecPoolParams, { where: ExecLocation }>,
  source: { absolute: string; text: string; expression: { text: string; line: number }; fixed: string },
  context: ProbeContext,
  behind: Behind,
): Promise<ProbeOutcome> {
  const { database, mysql } = behind;
  const { where } = params;
  const { absolute, text, expression, fixed } = source;
  const tag = randomBytes(6).toString('hex');
  const factory = `\n;const ${FACTORY} = { before: () => (${expression.text}), after: () => (${fixed}) };\n`;
  const target: CallTarget = { name: 'pool factory', binding: FACTORY, member: 'before', holder: 'object', line: expression.line, parameters: 0, firstParameter: 'object', ambient: [] };
  const stopAfterMs = Math.max(500, Math.min(15_000, (context.deadline - Date.now()) * 0.8 - 300));
  const run = await runUserModule<PoolResult>({
    file: absolute,
    text: text + factory,
    target,
    body: POOL_BODY,
    family: { library: params.library, concurrency: params.concurrency, latencyMs: params.latencyMs, maxRounds: 12, stopAfterMs, database: database?.connection ?? null, mysql: mysql ? { socketPath: mysql.socketPath } : null, tag },
    stub: { latencyMs: 0, numberValue: 1, items: 3, recordSites: false },
    shims: Object.fromEntries(Object.entries(POOL_SHIMS).map(([name, shim]) => [name, shim.source])),
    finding: { line: where.line },
    context,
  });
  if ('error' in run) return skipBeforeRunning(`${where.file} does not compile: ${run.error}`);
  const shown = expression.text.replace(/\s+/g, ' ');
  const notes = [
    `ran YOUR pool construction from ${where.file}:${expression.line}, \`${shown.length > 90 ? `${shown.slice(0, 87)}...` : shown}\`, copied verbatim into a factory at the end of its module (same imports and bindings), against the real ${params.library} library, in a child process: ${describeContainment(run.sandbox)}`,
    ...stubbedNote(run.stubbed),
    ...(database ? [`behind the pool: ${database.description}`] : []),
    ...(mysql ? [`behind the pool: ${mysql.description}`] : []),
  ];
  if (!run.result) return execSkip(noResultReason(run, 'the child'), notes);
  if (run.result.error) return execSkip(run.result.error, notes);
  if (mysql) {
    // The server's own count for each round, by the round's tag.
    const { warm, rounds } = run.result;
    for (const round of [warm.before, warm.after, ...rounds.before, ...rounds.after]) {
      if (round.key) round.loopback = { most: mysql.most(`${tag} ${round.key}`), answered: mysql.answered(`${tag} ${round.key}`) };
    }
  }
  return poolOutcome(params, run.result, notes);
}

/** Pure: the child's rounds to measurements, interval, noise band and evidence (tested on fixed inputs). */
export function poolOutcome(params: Extract<ExecPoolParams, { where: ExecLocation }>, result: PoolResult, notes: string[]): ProbeOutcome {
  const { where } = params;
  const { warm } = result;
  const before = result.rounds.before;
  const after = result.rounds.after.slice(0, before.length);
  const all = [warm.before, warm.after, ...before, ...after];
  const errors = all.reduce((sum, r) => sum + r.errors, 0);
  const firstError = all.find((r) => r.firstError)?.firstError;
  notes.push(
    `your pool as found: ${JSON.stringify(warm.before.options)}; with the fix: ${JSON.stringify(warm.after.options)} (read back from the ${params.library} instance)`,
    `load: ${params.concurrencySource}; ${params.latencySource}`,
    params.library === 'mysql2'
      ? `each operation: acquire a connection from your pool (mysql2's own getConnection, on a real socket connection), run SELECT SLEEP(${params.latencyMs / 1000}) on the loopback server, which answers it after that long, release; mysql2's own queue, connectionLimit and queueLimit are real, the server is not MySQL (no SQL engine, no data: it holds each connection for the query's time)`
      : params.library === 'pg-pool'
        ? `each operation: acquire a client from your pool (node-postgres's pg.Client on a real connection), run SELECT pg_sleep(${params.latencyMs / 1000}) on the server, release; pg-pool's own acquire queue, limits and timeouts, and the server, are real`
        : params.library === 'knex'
          ? `each operation: knex acquires a connection from its tarn pool (node-postgres's pg.Client on a real connection), runs SELECT pg_sleep(${params.latencyMs / 1000}) on the server, releases it; knex's and tarn's own queue, limits and timeouts, and the server, are real`
          : "your factory's create/destroy replaced by resources that settle at once, each held for that latency; generic-pool's own queue, limits and timeouts are real",
  );
  // Every round runs N operations at once: the most that ran together is the pool's limit as configured.
  const peakBefore = Math.max(...[warm.before, ...before].map((r) => r.peak));
  const peakAfter = Math.max(...[warm.after, ...after].map((r) => r.peak));
  // pg: the server's own count (pg_stat_activity) is the primary figure; the child's count must agree with it.
  const serverBefore = [warm.before, ...before].map((r) => r.server).filter((x): x is { most: number; samples: number } => Boolean(x));
  const serverAfter = [warm.after, ...after].map((r) => r.server).filter((x): x is { most: number; samples: number } => Boolean(x));
  // mysql2: the loopback server's exact count per round.
  const loopbackBefore = [warm.before, ...before].map((r) => r.loopback).filter((x): x is { most: number; answered: number } => Boolean(x));
  const loopbackAfter = [warm.after, ...after].map((r) => r.loopback).filter((x): x is { most: number; answered: number } => Boolean(x));
  const onLoopback = loopbackBefore.length > 0 && loopbackAfter.length > 0;
  const onServer = !onLoopback && serverBefore.length > 0 && serverAfter.length > 0;
  const countBefore = onLoopback ? Math.max(...loopbackBefore.map((x) => x.most)) : onServer ? Math.max(...serverBefore.map((x) => x.most)) : peakBefore;
  const countAfter = onLoopback ? Math.max(...loopbackAfter.map((x) => x.most)) : onServer ? Math.max(...serverAfter.map((x) => x.most)) : peakAfter;
  const primary = onLoopback
    ? exact(`queries the server held at once (the loopback MySQL server's own count, of ${params.concurrency} concurrent callers)`, 'queries', 'higher', countBefore, countAfter)
    : onServer
      ? exact(`queries the server ran at once (pg_stat_activity, of ${params.concurrency} concurrent callers)`, 'queries', 'higher', countBefore, countAfter)
      : exact(`queries running at once (of ${params.concurrency} concurrent callers)`, 'queries', 'higher', peakBefore, peakAfter);
  if (onLoopback) {
    const answered = [...loopbackBefore, ...loopbackAfter].reduce((sum, x) => sum + x.answered, 0);
    notes.push(
      `the server's count: the most of each round's SLEEP queries the loopback MySQL server held at once, counted exactly as they arrived and were answered (${answered} answered): ${countBefore} as found, ${countAfter} with the fix; the child counted ${peakBefore} and ${peakAfter} connections checked out`,
    );
  }
  if (onServer) {
    const samples = [...serverBefore, ...serverAfter].reduce((sum, x) => sum + x.samples, 0);
    notes.push(
      `the server's count: the most of this run's pg_sleep queries active at once in pg_stat_activity, from ${samples} samples taken by a separate session while the rounds ran: ${countBefore} as found, ${countAfter} with the fix; the child counted ${peakBefore} and ${peakAfter} clients checked out`,
    );
  }
  const measurements: Measurement[] = [primary];
  if (errors > 0) notes.push(`${errors} operations failed (first: ${firstError ?? 'unknown'})`);
  const perSide = (rounds: Round[]) => ({
    throughput: rounds.map((r) => (r.latencies.length / r.ms) * 1000),
    median: rounds.map((r) => percentile(r.latencies, 50)),
    p99: rounds.map((r) => percentile(r.latencies, 99)),
    waitMedian: rounds.map((r) => percentile(r.waits ?? [], 50)),
    waitP99: rounds.map((r) => percentile(r.waits ?? [], 99)),
  });
  const b = perSide(before);
  const a = perSide(after);
  let timedInterval;
  let noise;
  if (before.length > 0 && after.length > 0) {
    measurements.push(
      measure('throughput', 'ops/s', 'higher', b.throughput, a.throughput),
      measure('latency median per round', 'ms', 'lower', b.median, a.median),
      measure('latency p99 per round', 'ms', 'lower', b.p99, a.p99),
    );
    if (before.every((r) => r.waits) && after.every((r) => r.waits)) {
      measurements.push(measure('acquire wait median per round', 'ms', 'lower', b.waitMedian, a.waitMedian), measure('acquire wait p99 per round', 'ms', 'lower', b.waitP99, a.waitP99));
    }
    timedInterval = bootstrapRatio(b.throughput, a.throughput, 'higher');
    noise = noiseBand(b.throughput, 'higher');
    const p50Interval = bootstrapRatio(b.median, a.median, 'lower');
    const p99Interval = bootstrapRatio(b.p99, a.p99, 'lower');
    notes.push(
      `${before.length} rounds per side, interleaved ABAB after one warm-up round each; ` +
        (timedInterval ? `throughput ${describeInterval(timedInterval)}` : `fewer than 10 rounds a side: no interval for the timed figures`) +
        (p50Interval ? `; median latency ${describeInterval(p50Interval)}` : '') +
        (p99Interval ? `; p99 latency ${describeInterval(p99Interval)}` : ''),
      noise ? `noise band (as found vs as found, alternate rounds): ${noise.low}x-${noise.high}x` : 'noise band not measured (fewer than 8 rounds as found)',
    );
  } else {
    notes.push('no timed round fitted in the budget after the warm-up: the verdict rests on the count alone');
  }
  const waitBefore = Math.max(0, params.latencyMs * (Math.ceil(params.concurrency / Math.max(1, countBefore)) - 1));
  notes.push(`closed-loop prediction for one round: the last of ${params.concurrency} callers waits S x (ceil(N/c) - 1) = ${round(waitBefore)} ms with c=${countBefore}`);
  const interval = exactInterval(primary);
  const reached = result.reached ? { file: where.file, line: where.line, ...result.reached } : undefined;
  const evidence = { ...(reached ? { reached } : {}), ...(interval ? { interval } : {}), minEffect: 1.5, ...(noise ? { noise } : {}) };
  const base = {
    measurements,
    load: `${params.concurrency} concurrent ${ON_POSTGRES.has(params.library) ? `pg_sleep(${params.latencyMs / 1000}) queries on a real PostgreSQL` : params.library === 'mysql2' ? `SLEEP(${params.latencyMs / 1000}) queries on a loopback MySQL-protocol server` : 'acquisitions'} per round, ${params.latencyMs} ms each, your pool as found vs fixed`,
    notes,
    rounds: before.length,
    mode: 'exec' as const,
    evidence,
  };
  if (errors > all.reduce((sum, r) => sum + r.latencies.length + r.errors, 0) / 10) return execSkip(`${errors} operations failed: ${firstError ?? ''}`, notes);
  if (primary.ratio === null || primary.ratio < 1.5) {
    const who = onLoopback ? 'the loopback MySQL server held' : onServer ? 'the PostgreSQL server ran' : `the real ${params.library} ran`;
    return { ...base, status: 'not-reproduced', reason: `${who} ${countBefore} queries at once as found and ${countAfter} with the fix: the fix does not widen the pool under this load` };
  }
  // The timed rounds may not contradict the count: an interval wholly inside the noise band means no effect.
  if (timedInterval && noise && timedInterval.high <= Math.max(noise.high, 1)) {
    return { ...base, status: 'inconclusive', reason: `the pool admitted more queries at once, but the throughput ${describeInterval(timedInterval)} stays within the noise band ${noise.low}x-${noise.high}x` };
  }
  return { ...base, status: 'verified' };
}

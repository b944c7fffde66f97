import type { Access, IoKind } from './types.js';

/**
 * What the model knows of libraries without reading them: which modules do I/O (and of what kind), which
 * serialise work, and which of their members are plain in-memory helpers. A value a library module exports,
 * constructs or returns is a handle of that library (`axios.create()`, `new Pool()`, `knex({...})`), and a
 * method called on a handle is I/O unless its name is a known helper below.
 */

const MODULE_KINDS: Array<[RegExp, IoKind]> = [
  [/^(axios|got|node-fetch|undici|superagent|request|request-promise(-native)?|ky|cross-fetch|isomorphic-fetch|graphql-request|@apollo\/client|@nestjs\/axios|http|https|http2|needle|phin|@grpc\/grpc-js|stripe|twilio|@slack\/web-api|@octokit\/\w+|octokit|openai|@anthropic-ai\/sdk|@sendgrid\/mail|nodemailer|@aws-sdk\/client-(?!s3|sqs|sns|dynamodb)[\w-]+|aws-sdk|@google-cloud\/(?!pubsub|storage|firestore)[\w-]+|firebase-admin|googleapis|web3|ethers|viem|@solana\/web3\.js|jsonrpc-lite|json-rpc-2\.0)$/, 'network'],
  [/^(pg|pg-pool|pg-promise|postgres|mysql|mysql2|mysql2\/promise|mariadb|knex|sequelize|sequelize-typescript|typeorm|@nestjs\/typeorm|@prisma\/client|prisma|mongoose|@nestjs\/mongoose|mongodb|@mikro-orm\/[\w-]+|drizzle-orm(\/[\w-]+)*|kysely|sqlite|sqlite3|cassandra-driver|neo4j-driver|@elastic\/elasticsearch|@opensearch-project\/opensearch|typesense|@aws-sdk\/client-dynamodb|@aws-sdk\/lib-dynamodb|@google-cloud\/firestore|objection|slonik|@neondatabase\/serverless|@planetscale\/database|@supabase\/supabase-js|oracledb|mssql|tedious|leoric|@eggjs\/tegg-orm-plugin|bookshelf|waterline|@midwayjs\/typeorm|@midwayjs\/sequelize|@midwayjs\/mongoose|typegoose|@typegoose\/typegoose|dynamoose|redis-om)$/, 'database'],
  [/^(ioredis|redis|@redis\/client|memcached|memjs|cache-manager|@nestjs\/cache-manager|keyv|@keyv\/\w+|@upstash\/redis|lru-cache-redis)$/, 'cache'],
  [/^(bull|bullmq|@nestjs\/bull|@nestjs\/bullmq|amqplib|amqp-connection-manager|kafkajs|@google-cloud\/pubsub|@aws-sdk\/client-sqs|@aws-sdk\/client-sns|nats|mqtt|rhea|@azure\/service-bus|bee-queue|agenda|pg-boss)$/, 'queue'],
  [/^(fs|fs\/promises|fs-extra|graceful-fs|@aws-sdk\/client-s3|@google-cloud\/storage|@azure\/storage-blob|minio)$/, 'fs'],
];

/** In-memory stores and pure libraries: what they hold or compute never waits on I/O, whatever the method's name. */
const MEMORY_MODULES = /^(lru-cache|node-cache|quick-lru|mnemonist(\/[\w-]+)?|@isaacs\/ttlcache|ttlcache|memory-cache|flru|tiny-lru|lru_map|hashlru|map-age-cleaner|fp-ts(\/[\w-]+)*|effect(\/[\w-]+)*|@effect\/[\w-]+|io-ts(\/[\w-]+)*|purify-ts|true-myth|neverthrow|ramda|lodash(\/[\w-]+)?|lodash-es|immutable|immer|zod|yup|joi|ajv|superstruct|valibot|class-validator|class-transformer|dayjs|moment|date-fns|luxon|uuid|nanoid|i18next|handlebars|mustache|marked|semver)$/;
/** Global constructors of in-memory collections. */
export const MEMORY_GLOBALS = /^(Map|Set|WeakMap|WeakSet|WeakRef)$/;

export function isMemoryModule(module: string): boolean {
  return MEMORY_MODULES.test(module);
}

const LIMITER_MODULES = /^(p-limit|p-queue|p-throttle|bottleneck|async-sema|async-mutex|semaphore|await-semaphore|limiter|p-ratelimit|@shopify\/semaphore|async-lock|mutexify|rate-limiter-flexible)$/;

/** Members that build, configure or inspect, and never talk to the resource themselves. */
const HELPER_MEMBERS = new Set([
  'create', 'isAxiosError', 'isCancel', 'CancelToken', 'interceptors', 'defaults', 'getUri', 'mergeConfig', 'toFormData',
  'on', 'once', 'off', 'emit', 'addListener', 'removeListener', 'removeAllListeners', 'setMaxListeners', 'listenerCount', 'listeners',
  'use', 'getRepository', 'getCustomRepository', 'getTreeRepository', 'getMongoRepository', 'withRepository', 'createQueryBuilder',
  'createQueryRunner', 'raw', 'ref', 'fn', 'Schema', 'model', 'Types', 'escape', 'escapeId', 'format', 'toString', 'toJSON', 'merge',
  'build', 'hasId', 'getId', 'metadata', 'target', 'manager', 'extend', 'pipeline', 'multi', 'duplicate', 'defineCommand', 'status',
  'options', 'config', 'db', 'collection', 'table', 'schema', 'withSchema', 'queryBuilder', 'select', 'where', 'from', 'join',
  'leftJoin', 'innerJoin', 'orderBy', 'limit', 'offset', 'returning', 'Agent', 'STATUS_CODES', 'METHODS', 'globalAgent',
  'createReadStream', 'createWriteStream', 'existsSync', 'constants', 'watch', 'watchFile',
]);

/**
 * Exports of database libraries that only build queries: slonik's and kysely's `sql` tag and its helpers
 * (`sql.fragment`, `sql.join`), Prisma's `Prisma.sql` / `Prisma.join`, drizzle's operators and schema builders
 * (`eq`, `and`, `sql`, `pgTable`: all of drizzle but the `drizzle()` client factory). A query built with them runs
 * only when a client executes it; the call that does (`execute`, `query`) is still I/O.
 */
const QUERY_BUILDER_EXPORTS: Array<[RegExp, RegExp]> = [
  [/^slonik$/, /^(sql|createSqlTag)$/],
  [/^kysely$/, /^(sql|expressionBuilder)$/],
  [/^@prisma\/client$/, /^Prisma$/],
  [/^drizzle-orm(\/[\w-]+)*$/, /^(?!drizzle$|migrate$)\w+$/],
];
const EXECUTES = /^(execute\w*|query|run|all|get|first|then|stream|load|values|any|many|one|maybeOne|oneFirst|manyFirst)$/;

export function isQueryBuilderExport(module: string, path: readonly string[], op: string): boolean {
  const head = path[0];
  if (head === undefined || (path.length > 1 && EXECUTES.test(op))) return false;
  return QUERY_BUILDER_EXPORTS.some(([modules, names]) => modules.test(module) && names.test(head));
}

/** Members of the fs module that are synchronous (still I/O, but not awaited work). */
const SYNC_FS = /Sync$/;

export function ioKindOfModule(module: string): IoKind | undefined {
  for (const [pattern, kind] of MODULE_KINDS) if (pattern.test(module)) return kind;
  return undefined;
}

export function isLimiterModule(module: string): boolean {
  return LIMITER_MODULES.test(module);
}

export function isHelperMember(name: string): boolean {
  return HELPER_MEMBERS.has(name);
}

export function isSyncFsMember(name: string): boolean {
  return SYNC_FS.test(name);
}

/** Methods of a limiter handle that run work through it. */
export const LIMITER_METHODS = /^(schedule|wrap|add|addAll|acquire|runExclusive|run|consume|removeTokens|submit|limit|throttle|waitForUnlock|lock)$/;

// ------------------------------------------------------------------------------------------------------------
// Read or write, from the operation's name (a method name, an HTTP verb, an RPC method, SQL text)
// ------------------------------------------------------------------------------------------------------------

const READ_VERBS = new Set([
  'get', 'find', 'fetch', 'load', 'read', 'list', 'count', 'select', 'search', 'lookup', 'retrieve', 'describe',
  'exists', 'exist', 'has', 'is', 'stat', 'lstat', 'download', 'resolve', 'query', 'aggregate', 'first', 'peek',
  'mget', 'hget', 'hgetall', 'hmget', 'smembers', 'sismember', 'zrange', 'zrangebyscore', 'zscore', 'zcard',
  'lrange', 'llen', 'scard', 'ttl', 'pttl', 'paginate', 'readdir', 'realpath', 'access', 'head', 'scan', 'keys',
  'fetchall', 'findall', 'findone', 'sum', 'avg',
  'max', 'min', 'distinct', 'batchget', 'getitem', 'queryitems',
]);

const WRITE_VERBS = new Set([
  'create', 'insert', 'update', 'upsert', 'delete', 'del', 'remove', 'save', 'set', 'put', 'post', 'patch', 'send',
  'publish', 'emit', 'write', 'append', 'mkdir', 'rename', 'unlink', 'rm', 'rmdir', 'copy', 'move', 'add', 'push',
  'pop', 'shift', 'destroy', 'drop', 'truncate', 'increment', 'incr', 'decrement', 'decr', 'exec', 'execute', 'run',
  'commit', 'begin', 'rollback', 'lock', 'unlock', 'acquire', 'release', 'close', 'end', 'disconnect', 'connect',
  'init', 'initialize', 'start', 'stop', 'flush', 'expire', 'clear', 'reset', 'sync', 'refresh', 'invalidate',
  'evict', 'register', 'subscribe', 'unsubscribe', 'restore', 'migrate', 'seed', 'apply', 'mark', 'store', 'persist',
  'track', 'record', 'notify', 'schedule', 'cancel', 'kill', 'spawn', 'open', 'login', 'logout', 'upload', 'invite',
  'assign', 'attach', 'detach', 'archive', 'enable', 'disable', 'approve', 'reject', 'replace', 'merge', 'import',
  'export', 'generate', 'ensure', 'touch', 'bump', 'grant', 'revoke', 'process', 'handle', 'trigger', 'dispatch',
  'enqueue', 'dequeue', 'retry', 'claim', 'reserve', 'consume', 'ack', 'nack', 'transfer', 'pay', 'charge', 'refund',
  'sign', 'submit', 'mint', 'burn', 'deploy', 'hset', 'hdel', 'lpush', 'rpush', 'sadd', 'srem', 'zadd', 'zrem', 'setex',
  'mset', 'getset', 'getdel', 'sendmail', 'deliver', 'log', 'next', 'wait', 'sleep',
]);

/** Nouns that turn a read into taking something in order: `getConnection`, `getLock`, `getNextId`, `getNonce`. */
const ACQUIRE_WORDS = new Set(['connection', 'lock', 'lease', 'mutex', 'semaphore', 'permit', 'transaction', 'runner', 'next', 'sequence', 'nonce', 'or']);

export function words(name: string): string[] {
  return name
    .replace(/^[$_]+/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_$.:/-]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

const accessByName = new Map<string, Access | 'ordered'>();

/**
 * Read, write, or `ordered` (takes a position, a lock or a sequence number: successive calls must stay in order)
 * from an operation name. `unknown` when the name says neither.
 */
export function accessOfName(name: string): Access | 'ordered' {
  let access = accessByName.get(name);
  if (access === undefined) {
    access = accessOfNameUncached(name);
    accessByName.set(name, access);
  }
  return access;
}

function accessOfNameUncached(name: string): Access | 'ordered' {
  if (/^(read|next|readLine|readline|readBytes|readChunk|readExactly)$/.test(name)) return 'ordered';
  let parts = words(name);
  // JSON-RPC method names: `eth_getBalance`, `net_version`: the verb follows the namespace.
  // Their nouns name chain data (`eth_getTransactionCount`), not a lock or connection being taken.
  const rpcMethod = parts.length > 1 && /^(eth|net|web3|debug|trace|txpool|personal|admin|miner|engine|starknet|sui|solana|rpc)$/.test(parts[0] ?? '');
  if (rpcMethod) parts = parts.slice(1);
  while (parts.length > 1 && /^(batch|bulk|multi|try|safe|async|do|maybe|cached|raw|un)$/.test(parts[0] ?? '')) parts = parts.slice(1);
  const verb = parts[0];
  if (verb === undefined) return 'unknown';
  if (WRITE_VERBS.has(verb)) return 'write';
  // Namespaced RPC methods without a write verb read chain state (`eth_blockNumber`, `net_version`).
  if (!READ_VERBS.has(verb)) return rpcMethod ? 'read' : 'unknown';
  for (let i = 1; i < parts.length; i++) {
    const word = parts[i] ?? '';
    if (word === 'or' || word === 'and') {
      if (WRITE_VERBS.has(parts[i + 1] ?? '')) return 'write';
      continue;
    }
    if (ACQUIRE_WORDS.has(word) && !rpcMethod) return 'ordered';
  }
  return 'read';
}

export const SQL_READ = /^\s*\(?\s*(select|with|show|describe|explain)\b/i;
export const SQL_WRITE = /\b(insert|update|delete|merge|begin|commit|rollback|pragma|lock|set|create|drop|alter|truncate|for\s+update|nextval|setval)\b/i;

export function accessOfSql(sql: string): Access {
  if (SQL_READ.test(sql) && !SQL_WRITE.test(sql)) return 'read';
  return 'write';
}

/** HTTP verbs as method names (`http.get`, `client.post`). */
export function accessOfHttpVerb(name: string): Access | undefined {
  const lower = name.toLowerCase();
  if (lower === 'get' || lower === 'head' || lower === 'options') return 'read';
  if (lower === 'post' || lower === 'put' || lower === 'patch' || lower === 'delete') return 'write';
  return undefined;
}

/**
 * Verbs that run or move something whatever it does (`exec`, `send`, `run`, `post`, `connect`): an opaque call
 * named so may well be a read (`query.exec()`, an RPC `send`), so it is no evidence of a write.
 */
const GENERIC_VERBS = /^(exec|execute|run|send|post|call|invoke|request|query|connect|disconnect|init|initialize|start|stop|begin|commit|rollback|lock|unlock|acquire|release|close|end|sync|refresh|apply|subscribe|unsubscribe|register|pop|shift)([A-Z_$\d]|$)/;

/** An opaque call's name (`store.saveAccount`) that says it writes: not a generic verb, and not a member of another
 *  call's result (`model.findOne(q).exec`: the builder's first call said what it does). */
export function isAssumedWriteName(name: string): boolean {
  if (name.includes('(')) return false;
  const last = (name.split('.').pop() ?? name).replace(/[^\w$]/g, '');
  return !GENERIC_VERBS.test(last) && accessOfName(last) === 'write';
}

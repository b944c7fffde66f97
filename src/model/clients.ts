import { ts } from '../scanner/ts.js';
import type { ImportScope, ResolvedRef } from '../scanner/imports.js';
import { flowsToReturn, type Construction } from './constructions.js';

/**
 * Clients of libraries that own their connections: each instance opens its own socket(s) or pool, so one is
 * meant to be built once and shared. Built per request (directly, or by a factory helper whose caller runs per
 * request), every request pays a connect (TCP, TLS, authentication) and reuses nothing.
 *
 * `transport: 'http'` clients keep an HTTP agent of their own (keep-alive is what they lose); `'db'` clients
 * hold database or cache connections (what they lose is a warm pool).
 */
export interface ConnectionClient {
  /** What is built, as evidence and in messages: `MongoClient`, `ioredis client`, `ClickHouse client`. */
  what: string;
  module: string;
  transport: 'http' | 'db';
  /** A single connection (`new pg.Client()`): the fix is a pool, not a shared client. */
  single?: { poolCall: string };
}

interface Entry {
  modules: string[];
  /** Resolved paths, for `new` or for a call. */
  news?: string[][];
  calls?: string[][];
  what: string;
  transport: 'http' | 'db';
  single?: { poolCall: string };
}

const CLIENTS: Entry[] = [
  { modules: ['ioredis'], news: [[], ['Redis'], ['default'], ['default', 'Redis']], what: 'ioredis client', transport: 'db' },
  { modules: ['redis', '@redis/client'], calls: [['createClient'], ['default', 'createClient']], what: 'redis client', transport: 'db' },
  { modules: ['@prisma/client'], news: [['PrismaClient']], what: 'PrismaClient', transport: 'db' },
  { modules: ['mongodb'], news: [['MongoClient'], ['default', 'MongoClient']], what: 'MongoClient', transport: 'db' },
  { modules: ['pg'], news: [['Client'], ['default', 'Client']], what: 'pg connection', transport: 'db', single: { poolCall: 'Pool' } },
  { modules: ['mysql', 'mysql2', 'mysql2/promise', 'mariadb'], calls: [['createConnection'], ['default', 'createConnection']], what: 'mysql connection', transport: 'db', single: { poolCall: 'createPool' } },
  { modules: ['@clickhouse/client', '@clickhouse/client-web'], calls: [['createClient'], ['default', 'createClient']], news: [['ClickHouseClient']], what: 'ClickHouse client', transport: 'http' },
  { modules: ['@elastic/elasticsearch', '@opensearch-project/opensearch'], news: [['Client']], what: 'search client', transport: 'http' },
];

const samePath = (a: string[], b: string[]): boolean => a.length === b.length && a.every((part, i) => b[i] === part);

/** The connection-owning client `site` builds, from what its callee resolves to. */
export function connectionClientOf(site: ts.CallExpression | ts.NewExpression, ref: ResolvedRef | undefined): ConnectionClient | undefined {
  if (!ref) return undefined;
  for (const entry of CLIENTS) {
    if (!entry.modules.includes(ref.module)) continue;
    const paths = ts.isNewExpression(site) ? entry.news : entry.calls;
    if (paths?.some((p) => samePath(p, ref.path))) return { what: entry.what, module: ref.module, transport: entry.transport, ...(entry.single ? { single: entry.single } : {}) };
  }
  return undefined;
}

/** The construction fact for a client built inside `fn` (recorded like an agent's, so factories are followed). */
export function clientConstructionIn(site: ts.CallExpression | ts.NewExpression, fn: ts.SignatureDeclaration, scope: ImportScope, sourceFile: ts.SourceFile): Construction | undefined {
  const client = connectionClientOf(site, scope.resolve(site.expression));
  if (!client) return undefined;
  const line = sourceFile.getLineAndCharacterOfPosition(site.getStart(sourceFile)).line + 1;
  return { what: client.what, family: 'client', protocol: 'https', line, keepAlive: false, returned: flowsToReturn(site, fn), client: { module: client.module, transport: client.transport } };
}

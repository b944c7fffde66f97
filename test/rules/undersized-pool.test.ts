import { describe, expect, it } from 'vitest';
import { analyzeText } from '../helpers.js';
import { ALL_RULES } from '../../rules/index.js';

const run = (code: string, extra: Parameters<typeof analyzeText>[1] = {}) => analyzeText(code, { rules: ['undersized-pool'], ...extra });

const SEQUELIZE_API = `import express from 'express';
import { Sequelize } from 'sequelize';

export const app = express();
export const db = new Sequelize(process.env.DATABASE_URL ?? '', {
  dialect: 'postgres',
  pool: { max: 5, acquire: 120000 },
});
`;

describe('undersized-pool', () => {
  it('reports the motivating Sequelize pool with reasoning, fix and probe params', () => {
    const { findings, errors } = run(SEQUELIZE_API);
    expect(errors).toEqual([]);
    const small = findings.find((f) => f.ruleId === 'undersized-pool/small-max');
    // 5 connections for a server: light cost, per request (the file imports express): medium.
    expect(small?.severity).toBe('medium');
    expect(small?.confidence).toBe('high');
    expect(small?.line).toBe(7);
    expect(small?.evidence.join('\n')).toContain('imports express');
    expect(small?.fix.replacement).toBe('max: Number(process.env.DB_POOL_MAX ?? 20)');
    expect(small?.params).toMatchObject({ driver: 'sequelize', max: 5, acquireTimeoutMs: 120000, expectedConcurrency: 50, recommendedMax: 20 });
    expect(small?.impact).toContain("Little's law");
    const acquire = findings.find((f) => f.ruleId === 'undersized-pool/long-acquire-timeout');
    expect(acquire?.severity).toBe('medium');
    expect(acquire?.fix.replacement).toBe('acquire: Number(process.env.DB_POOL_ACQUIRE_TIMEOUT_MS ?? 5000)');
  });

  it('lowers severity when only the project (not the file) shows a server, and is silent without one', () => {
    const code = `import { Pool } from 'pg';\nexport const pool = new Pool({ max: 3 });\n`;
    expect(run(code, { dependencies: { fastify: '^4.0.0' } }).findings[0]?.severity).toBe('low');
    expect(run(code, { dependencies: { fastify: '^4.0.0' } }).findings[0]?.confidence).toBe('medium');
    expect(run(code, { dependencies: { fastify: '^4.0.0' } }).findings[0]?.evidence.join('\n')).toContain('depends on fastify');
    expect(run(code).findings).toEqual([]);
  });

  it('follows expectedConcurrency and minServerPoolSize options', () => {
    const code = `import express from 'express';\nimport { Pool } from 'pg';\nexport const app = express();\nexport const pool = new Pool({ max: 8 });\n`;
    expect(run(code).findings).toEqual([]);
    const strict = run(code, { options: { 'undersized-pool': { minServerPoolSize: 10, expectedConcurrency: 100 } } }).findings[0];
    expect(strict?.ruleId).toBe('undersized-pool/small-max');
    expect(strict?.params?.expectedConcurrency).toBe(100);
    expect(strict?.fix.replacement).toBe('max: Number(process.env.DB_POOL_MAX ?? 20)');
  });

  it('grades an env-driven max by its fallback, with medium confidence, naming it', () => {
    const code = `import express from 'express';\nimport { Pool } from 'pg';\nexport const app = express();\nexport const pool = new Pool({ max: parseInt(process.env.PG_MAX || '3', 10) });\n`;
    const [finding] = run(code).findings;
    expect(finding?.severity).toBe('medium');
    expect(finding?.confidence).toBe('medium');
    expect(finding?.message).toContain('falls back to 3');
    expect(finding?.fix.replacement).toBe("max: parseInt(process.env.PG_MAX || '20', 10)");
  });

  it('resolves options passed as a local const and does not double-report them as a config shape', () => {
    const code = `import express from 'express';
import { Sequelize } from 'sequelize';
export const app = express();
const options = { dialect: 'mysql' as const, pool: { max: 2 } };
export const db = new Sequelize('mysql://app@db/app', options);
`;
    const { findings } = run(code);
    expect(findings.map((f) => `${f.ruleId}@${f.line}`)).toEqual(['undersized-pool/small-max@4']);
  });

  it('rewrites the call when a driver default applies', () => {
    const code = `import express from 'express';\nimport { Sequelize } from 'sequelize';\nexport const app = express();\nexport const db = new Sequelize('postgres://app@db/app');\n`;
    const [finding] = run(code).findings;
    expect(finding?.severity).toBe('medium');
    expect(finding?.fix.replacement).toBe("new Sequelize('postgres://app@db/app', { pool: { max: Number(process.env.DB_POOL_MAX ?? 20) } })");
  });

  it('stays silent when the options are unknown (spread or config value)', () => {
    const code = `import express from 'express';
import { Sequelize } from 'sequelize';
import { Pool } from 'pg';
import config from './config';
export const app = express();
export const a = new Sequelize({ ...config.db });
export const b = new Pool(config.pg);
export const c = new Pool({ max: config.pg.max, connectionTimeoutMillis: config.pg.timeout });
`;
    expect(run(code).findings).toEqual([]);
  });

  it('caps the suggested size for the database and reports a max above max_connections', () => {
    const code = `import { Pool } from 'pg';\nexport const pool = new Pool({ max: 150 });\n`;
    const [finding] = run(code).findings;
    expect(finding?.ruleId).toBe('undersized-pool/exceeds-db-limit');
    // Against PostgreSQL's default of 100, which the code does not prove is the database's: at most low.
    expect(finding?.severity).toBe('low');
    expect(finding?.confidence).toBe('low');
    expect(finding?.evidence.join(' ')).toContain('assumed');
    expect(finding?.fix.replacement).toBe('max: Number(process.env.DB_POOL_MAX ?? 20)');
    // Equal to the assumed default proves nothing.
    expect(run(code.replace('150', '100')).findings).toEqual([]);
    // A limit the project states: above it is a moderate cost; nothing uses the pool, so how often is unknown.
    const stated = run(code, { options: { 'undersized-pool': { databaseMaxConnections: { postgres: 120 } } } });
    expect(stated.findings[0]?.severity).toBe('medium');
    const custom = run(code, { options: { 'undersized-pool': { databaseMaxConnections: { postgres: 500, mysql: 151 } } } });
    expect(custom.findings).toEqual([]);
  });

  it('sizes the pool for a fan-out that the code shows', () => {
    const code = `import { Pool } from 'pg';
const pool = new Pool({ max: 2 });
export async function load(ids: string[]) {
  return Promise.all(['a', 'b', 'c', 'd', 'e'].map((t) => pool.query(\`select * from \${t}\`)));
}
`;
    const [finding] = run(code).findings;
    expect(finding?.ruleId).toBe('undersized-pool/below-fan-out');
    expect(finding?.message).toContain('5 queries');
    expect(finding?.message).toContain('3 waves');
    expect(finding?.params?.fanOut).toBe(5);
  });

  it('turns a shared single connection into a pool in the fix', () => {
    const code = `import express from 'express';\nimport mysql from 'mysql2';\nconst app = express();\nconst db = mysql.createConnection({ host: 'db' });\napp.get('/', (req, res) => db.query('select 1', () => res.end()));\n`;
    const [finding] = run(code).findings;
    expect(finding?.ruleId).toBe('undersized-pool/single-connection');
    expect(finding?.fix.replacement).toBe("mysql.createPool({ host: 'db', connectionLimit: Number(process.env.DB_POOL_MAX ?? 20) })");
  });

  it('does not report a connection opened and closed inside start-up code', () => {
    const code = `import express from 'express';\nimport { Client } from 'pg';\nexport const app = express();\nexport async function migrate() {\n  const client = new Client();\n  await client.connect();\n  await client.end();\n}\n`;
    expect(run(code).findings).toEqual([]);
  });

  it('does not treat a pool handed to a cleanup callback and returned as per-call', () => {
    const code = `import { Pool } from 'pg';
export function makePool(releasers: Array<() => void>, url: string) {
  const pool = new Pool({ connectionString: url, max: 20 });
  releasers.push(() => { pool.end(); });
  return pool;
}
`;
    expect(run(code).findings).toEqual([]);
  });

  it('skips tests, scripts, migrations and SQLite', () => {
    const code = `import express from 'express';\nimport { Pool } from 'pg';\nexport const app = express();\nexport const pool = new Pool({ max: 1, connectionTimeoutMillis: 0 });\n`;
    expect(run(code, { file: 'src/db.spec.ts' }).findings).toEqual([]);
    expect(run(code, { file: 'scripts/backfill.ts' }).findings).toEqual([]);
    expect(run(code, { file: 'db/migrations/001.ts' }).findings).toEqual([]);
    const sqlite = `import express from 'express';\nimport { DataSource } from 'typeorm';\nexport const app = express();\nexport const ds = new DataSource({ type: 'sqlite', database: 'a.db', poolSize: 1 });\n`;
    expect(run(sqlite).findings).toEqual([]);
  });

  it('reports config objects by shape with lower confidence and no assumed defaults', () => {
    const code = `export default { type: 'postgres', url: process.env.DATABASE_URL, entities: [], extra: { max: 3 } };\n`;
    const [finding] = run(code, { file: 'src/ormconfig.ts', dependencies: { '@nestjs/core': '^10.0.0' } }).findings;
    expect(finding?.ruleId).toBe('undersized-pool/small-max');
    expect(finding?.confidence).toBe('medium');
    expect(finding?.severity).toBe('low');
    const noPool = `export default { type: 'postgres', url: process.env.DATABASE_URL, entities: [], extra: { ssl: true } };\n`;
    expect(run(noPool, { file: 'src/ormconfig.ts', dependencies: { '@nestjs/core': '^10.0.0' } }).findings).toEqual([]);
  });

  it('checks pools returned by a factory but not pools dropped inside an ordinary function', () => {
    const factory = `import express from 'express';
import { Sequelize } from 'sequelize';
export const app = express();
export function createDb(url: string) {
  let instance;
  instance = new Sequelize(url, { pool: { max: 20, acquire: 120000 } });
  return instance;
}
`;
    expect(run(factory).findings.map((f) => f.ruleId)).toEqual(['undersized-pool/long-acquire-timeout']);
    const job = `import express from 'express';
import { Sequelize } from 'sequelize';
export const app = express();
export async function backup(url: string) {
  let source: Sequelize | null = null;
  source = new Sequelize(url, { pool: { max: 1, acquire: 60000 } });
  await source.query('select 1');
}
`;
    expect(run(job).findings).toEqual([]);
  });
});

describe('undersized-pool: values and thresholds', () => {
  it('does not report a 30 s or 60 s acquire timeout (knex and Sequelize default to 60 s), reports above it', () => {
    const code = (ms: number) => `import express from 'express';\nimport knex from 'knex';\nexport const app = express();\nexport const db = knex({ client: 'pg', connection: process.env.DATABASE_URL, pool: { min: 2, max: 10 }, acquireConnectionTimeout: ${ms} });\n`;
    expect(run(code(30000)).findings).toEqual([]);
    expect(run(code(60000)).findings).toEqual([]);
    expect(run(code(90000)).findings.map((f) => f.ruleId)).toEqual(['undersized-pool/long-acquire-timeout']);
  });

  it('follows a ternary to its literal fallback', () => {
    const code = `import express from 'express';\nimport { Pool } from 'pg';\nexport const app = express();\nexport const pool = new Pool({ max: process.env.DB_MAX ? Number(process.env.DB_MAX) : 3 });\n`;
    const [finding] = run(code).findings;
    expect(finding?.ruleId).toBe('undersized-pool/small-max');
    expect(finding?.severity).toBe('medium');
    expect(finding?.message).toContain('falls back to 3');
  });
});

describe('undersized-pool: Prisma and MongoDB sizes', () => {
  it('reads connection_limit from a Prisma datasource URL, its env fallback and a template', () => {
    const code = `import express from 'express';
import { PrismaClient } from '@prisma/client';
export const app = express();
export const a = new PrismaClient({ datasourceUrl: 'postgresql://u@h/db?connection_limit=1' });
export const b = new PrismaClient({ datasourceUrl: process.env.DATABASE_URL ?? 'postgresql://u@h/db?schema=x&connection_limit=4' });
export const c = new PrismaClient({ datasources: { db: { url: \`\${process.env.URL}?connection_limit=\${process.env.POOL ?? 2}\` } } });
export const d = new PrismaClient({ datasourceUrl: process.env.DATABASE_URL });
export const e = new PrismaClient({ datasourceUrl: 'postgresql://u@h/db?connection_limit=40' });
`;
    const { findings } = run(code);
    expect(findings.map((f) => [f.line, f.severity])).toEqual([[4, 'high'], [5, 'medium'], [6, 'high']]);
    expect(findings[0]?.fix.replacement).toBe("datasourceUrl: 'postgresql://u@h/db?connection_limit=20'");
    expect(findings[1]?.message).toContain('falls back to 4');
  });

  it('reads mongoose and MongoClient maxPoolSize from options or the connection string, never the default', () => {
    const code = `import express from 'express';
import mongoose from 'mongoose';
import { MongoClient } from 'mongodb';
export const app = express();
export const a = mongoose.createConnection(process.env.URL ?? '', { maxPoolSize: 2 });
export const b = new MongoClient('mongodb://db/app?maxPoolSize=3');
export const c = mongoose.createConnection(process.env.URL ?? '');
export const d = new MongoClient('mongodb://db/app', { poolSize: 50 });
`;
    expect(run(code).findings.map((f) => [f.line, f.severity])).toEqual([[5, 'high'], [6, 'medium']]);
  });
});

describe('undersized-pool: per-call pools and clients of functions with no known caller', () => {
  it('reports a pool built and dropped on every call of a plugin method, one step below per request', () => {
    const code = `import { Pool, type PoolConfig } from 'pg';
export class PgSource {
  static rows = async (options: PoolConfig, sql: string) => {
    const pool = new Pool(options);
    const { rows } = await pool.query(sql);
    return rows;
  };
}
`;
    const [finding, ...rest] = run(code).findings;
    expect(rest).toEqual([]);
    expect(finding?.ruleId).toBe('undersized-pool/per-call');
    expect(finding?.line).toBe(4);
    // heavy (a handshake per call, connections never closed) x unknown role: high, never critical.
    expect(finding?.severity).toBe('high');
    expect(finding?.confidence).toBe('medium');
    expect(finding?.evidence.join('\n')).toContain('runs per call of PgSource.rows(); no caller in the project shows how often');
    expect(finding?.evidence.join('\n')).toContain('neither closed');
  });

  it('a per-request client closed per call: the shared-client fix says to delete the close, naming its line', () => {
    const code = `import express from 'express';
import { MongoClient } from 'mongodb';
export class ChatMemory {
  constructor(private readonly url: string) {}
  async messages(sessionId: string) {
    const client = new MongoClient(this.url);
    await client.connect();
    const rows = await client.db('chat').collection('messages').find({ sessionId }).toArray();
    await client.close();
    return rows;
  }
}
const memory = new ChatMemory(process.env.MONGO_URL ?? '');
export const app = express();
app.get('/chat/:id', async (req, res) => res.json(await memory.messages(req.params.id)));
`;
    const finding = run(code).findings.find((f) => f.ruleId === 'undersized-pool/per-call');
    expect(finding?.line).toBe(6);
    expect(finding?.fix.description).toContain('delete the per-call close');
    expect(finding?.fix.replacement).toContain('// line 9: await client.close();');
  });

  it('reports MongoClient, mysql2, knex, Sequelize and ioredis built per call and never closed', () => {
    const code = `import { MongoClient } from 'mongodb';
import mysql from 'mysql2/promise';
import knex from 'knex';
import { Sequelize } from 'sequelize';
import Redis from 'ioredis';
export async function a(url: string, id: string) { const client = new MongoClient(url); await client.connect(); return client.db('app').collection('users').findOne({ id }); }
export async function b(url: string) { const pool = mysql.createPool(url); const [rows] = await pool.query('select 1'); return rows; }
export async function c(url: string) { const db = knex({ client: 'pg', connection: url }); return await db('items').first(); }
export async function d(url: string) { const s = new Sequelize(url); return s.query('select 1'); }
export async function e(url: string) { const redis = new Redis(url); return redis.get('k'); }
`;
    const findings = run(code).findings;
    expect(findings.map((f) => [f.line, f.ruleId, f.severity])).toEqual([6, 7, 8, 9, 10].map((line) => [line, 'undersized-pool/per-call', 'high']));
  });

  it('is silent for a close in the same call, a memo, a constructor, a factory, start-up code and tests', () => {
    const code = `import { Pool } from 'pg';
import { createClient } from 'redis';
import { MongoClient } from 'mongodb';
let memo: Pool | undefined;
export class Source {
  private pool: Pool | undefined;
  private readonly shared: Pool;
  constructor(url: string) { this.shared = new Pool({ connectionString: url }); }
  lazy(url: string) { if (!this.pool) this.pool = new Pool({ connectionString: url }); return this.pool; }
  async vacuum(url: string) { const pool = new Pool({ connectionString: url }); try { await pool.query('vacuum'); } finally { await pool.end(); } }
}
export function memoised(url: string) { memo ??= new Pool({ connectionString: url }); return memo; }
export function factory(url: string) { const pool = new Pool({ connectionString: url }); return pool; }
export async function database(url: string) { const client = new MongoClient(url); await client.connect(); return client.db('app'); }
export async function cached(url: string) { const client = createClient({ url }); await client.connect(); const v = await client.get('k'); await client.quit(); return v; }
export async function main(url: string) { const pool = new Pool({ connectionString: url }); await pool.query('select 1'); }
`;
    expect(run(code).findings).toEqual([]);
    const dropped = `import { Pool } from 'pg';\nexport async function rows(url: string) { const pool = new Pool({ connectionString: url }); return (await pool.query('select 1')).rows; }\n`;
    expect(run(dropped).findings).toHaveLength(1);
    expect(run(dropped, { file: 'src/rows.test.ts' }).findings).toEqual([]);
  });

  it('grades from the role when the model knows it: per request is critical', () => {
    const code = `import express from 'express';
import { Pool } from 'pg';
const app = express();
async function rows(url: string) { const pool = new Pool({ connectionString: url }); return (await pool.query('select 1')).rows; }
app.get('/rows', async (_req, res) => { res.json(await rows(process.env.DATABASE_URL ?? '')); });
`;
    const [finding] = run(code).findings;
    expect(finding?.ruleId).toBe('undersized-pool/per-call');
    expect(finding?.severity).toBe('critical');
  });

  it('a postgres.js file that names no pool or client still passes the prefilter and is reported', () => {
    const text = "import postgres from 'postgres';\nexport const reports = postgres({ database: 'reports', max: 2 });\n";
    const rule = ALL_RULES.find((r) => r.meta.id === 'undersized-pool');
    expect(rule?.meta.triggers?.some((trigger) => text.includes(trigger))).toBe(true);
    expect(analyzeText(text, { rules: ['undersized-pool'], dependencies: { postgres: '3', express: '4' } }).findings.map((f) => f.ruleId)).toEqual(['undersized-pool/small-max']);
  });
});

import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scan } from '../../src/scanner/engine.js';
import { ALL_RULES } from '../../rules/index.js';
import { project, removeProjects, runCli } from './cli-project.js';

/**
 * A transaction is one connection: the awaits of a function every caller runs inside one queue on it, however
 * the function is written. These pin the model's fact (link.ts, propagateTransactions) through what
 * sequential-await reports and what `explain` prints.
 */
const root = path.resolve(import.meta.dirname, '../..');
const rules = ALL_RULES.filter((rule) => rule.meta.id === 'sequential-await').map((rule) => ({ rule, options: {} }));

async function findingsAt(cwd: string, paths: string[] = ['.']) {
  const result = await scan({ cwd, paths, include: [], exclude: [], maxFileSize: 1024 * 1024, rules });
  expect(result.errors).toEqual([]);
  return result.findings;
}

const PACKAGE = JSON.stringify({ name: 'tx', private: true, dependencies: { pg: '8', express: '4', knex: '3', kysely: '0.27', axios: '1', '@prisma/client': '5' } });
const POOL = "import { Pool } from 'pg';\nexport const pool = new Pool({ max: 20 });\n";
/** Three proven reads on the pool: per request they grade critical. */
const TOTALS = `import { pool } from './db';
export async function totals(id: string) {
  const orders = await pool.query('SELECT * FROM orders WHERE account_id = $1', [id]);
  const refunds = await pool.query('SELECT * FROM refunds WHERE account_id = $1', [id]);
  const credits = await pool.query('SELECT * FROM credits WHERE account_id = $1', [id]);
  return { orders, refunds, credits };
}
`;

afterAll(removeProjects);

describe('functions that run inside a caller-opened transaction', () => {
  it('reports a function called inside a transaction and from a plain route, says so, and does not grade it critical', async () => {
    const routes = `import express from 'express';
import knex from 'knex';
import { totals } from './totals';
const db = knex({ client: 'pg' });
const app = express();
app.get('/accounts/:id/totals', async (req, res) => { res.json(await totals(req.params.id)); });
app.get('/accounts/:id/close', async (req, res) => {
  await db.transaction(async () => { await totals(req.params.id); });
  res.end();
});
`;
    const mixed = project({ 'package.json': PACKAGE, 'src/db.ts': POOL, 'src/totals.ts': TOTALS, 'src/routes.ts': routes });
    const [finding, ...rest] = await findingsAt(mixed);
    expect(rest).toEqual([]);
    expect(finding?.severity).toBe('high');
    expect(finding?.evidence.join('\n')).toMatch(/called inside a transaction by \S+ \(src\/routes\.ts:8\) and outside one by \S+ \(src\/routes\.ts:6\).*\(graded high, not critical\)/);
    // The same function with only the plain route: critical, so the cap above is the transaction's doing.
    const plain = project({ 'package.json': PACKAGE, 'src/db.ts': POOL, 'src/totals.ts': TOTALS, 'src/routes.ts': routes.replace(/app\.get\('\/accounts\/:id\/close'[\s\S]*$/, '') });
    const [alone] = await findingsAt(plain);
    expect(alone?.severity).toBe('critical');
    expect(alone?.evidence.join('\n')).not.toMatch(/transaction by/);
  });

  it('is silent on database awaits when every caller is inside a transaction, through a chain of callers (kysely)', async () => {
    const routes = `import express from 'express';
import { Kysely } from 'kysely';
import { report } from './report';
declare const db: Kysely<any>;
const app = express();
app.post('/accounts/:id/close', async (req, res) => {
  await db.transaction().execute(async () => { await report(req.params.id); });
  res.end();
});
`;
    const report = "import { totals } from './totals';\nexport async function report(id: string) {\n  return totals(id);\n}\n";
    const dir = project({ 'package.json': PACKAGE, 'src/db.ts': POOL, 'src/totals.ts': TOTALS, 'src/report.ts': report, 'src/routes.ts': routes });
    expect(await findingsAt(dir)).toEqual([]);
    const explained = runCli(dir, 'explain', 'src/totals.ts:3');
    expect(explained.stdout).toMatch(/runs inside a transaction opened by \S+ \(src\/routes\.ts:7\) with transaction\(\)\.execute\(\.\.\.\), every call site inside it \(\S+ -> report -> totals\)/);
  });

  it('still reports calls that leave the database inside the transaction', async () => {
    const rates = `import axios from 'axios';
export async function rates(id: string) {
  const fx = await axios.get('https://fx.example.com/rates/' + id);
  const fees = await axios.get('https://fees.example.com/accounts/' + id);
  return { fx, fees };
}
`;
    const routes = `import express from 'express';
import knex from 'knex';
import { rates } from './rates';
const db = knex({ client: 'pg' });
const app = express();
app.post('/accounts/:id/close', async (req, res) => {
  await db.transaction(async () => { await rates(req.params.id); });
  res.end();
});
`;
    const dir = project({ 'package.json': PACKAGE, 'src/rates.ts': rates, 'src/routes.ts': routes });
    const [finding, ...rest] = await findingsAt(dir);
    expect(rest).toEqual([]);
    expect(finding?.line).toBe(3);
    expect(finding?.evidence.join('\n')).toMatch(/runs inside a transaction opened by .*but these calls leave the database/);
  });

  it('a caller that opens its transaction after the call leaves the callee outside it', async () => {
    const routes = `import express from 'express';
import knex from 'knex';
import { totals } from './totals';
const db = knex({ client: 'pg' });
const app = express();
app.get('/accounts/:id/close', async (req, res) => {
  const before = await totals(req.params.id);
  await db.transaction(async (trx) => { await trx('accounts').where({ id: req.params.id }).update({ closed: true }); });
  res.json(before);
});
`;
    const dir = project({ 'package.json': PACKAGE, 'src/db.ts': POOL, 'src/totals.ts': TOTALS, 'src/routes.ts': routes });
    const findings = await findingsAt(dir);
    expect(findings.map((f) => [f.file, f.line, f.severity])).toEqual([['src/totals.ts', 3, 'critical']]);
  });

  it('a callback that takes the transaction as a parameter carries it only to what it hands it', async () => {
    const routes = `import express from 'express';
import knex from 'knex';
import { totals } from './totals';
const db = knex({ client: 'pg' });
const app = express();
app.get('/accounts/:id/close', async (req, res) => {
  await db.transaction(async (trx) => {
    await trx('accounts').where({ id: req.params.id }).update({ closed: true });
    res.json(await totals(req.params.id));
  });
});
`;
    const dir = project({ 'package.json': PACKAGE, 'src/db.ts': POOL, 'src/totals.ts': TOTALS, 'src/routes.ts': routes });
    const findings = await findingsAt(dir);
    // `totals` reads through the pool, not `trx`: on other connections, so running its reads together helps.
    expect(findings.map((f) => [f.file, f.line])).toEqual([['src/totals.ts', 3]]);
    expect(findings[0]?.evidence.join('\n')).not.toMatch(/transaction (opened|by)/);
  });

  it('sees one connection in a parameter typed as a transaction client, whatever its name, with no caller known', async () => {
    const typed = (type: string) => `import type { Prisma, PrismaClient } from '@prisma/client';
export async function snapshot(db: ${type}, id: string) {
  const link = await db.link.findUnique({ where: { id } });
  const owner = await db.user.findUnique({ where: { id } });
  return { link, owner };
}
`;
    expect(await findingsAt(project({ 'package.json': PACKAGE, 'src/snapshot.ts': typed('Prisma.TransactionClient') }))).toEqual([]);
    expect((await findingsAt(project({ 'package.json': PACKAGE, 'src/snapshot.ts': typed('PrismaClient') }))).map((f) => f.line)).toEqual([3]);
  });

  it('pins the cross-file fixture: CLS client in a $transaction callback, @Transactional caller, tx handed in (links-tx)', async () => {
    const findings = await findingsAt(root, ['fixtures/sequential-await/links-tx']);
    expect(findings.map((f) => [f.file.split('/').pop(), f.line])).toEqual([
      ['history.service.ts', 19],
      ['link.service.ts', 21],
      ['link.service.ts', 30],
    ]);
    expect(findings[1]?.evidence.join('\n')).toMatch(/called inside a transaction by LinksController\.bulkRename \(\S+links\.controller\.ts:16\) and outside one by LinksController\.usage/);
    expect(findings[1]?.severity).not.toBe('critical');
    for (const finding of [findings[0], findings[2]]) expect(finding?.evidence.join('\n')).not.toMatch(/transaction (opened|by)/);
  });

  it('follows a project wrapper that runs its callback inside $transaction (PrismaService.$tx), not one that only retries it', async () => {
    const cwd = path.join(root, 'fixtures/sequential-await/links-tx');
    const wrapped = runCli(root, 'explain', 'fixtures/sequential-await/links-tx/src/billing/history.service.ts:10', '--root', cwd);
    expect(wrapped.stdout).toMatch(/runs inside a transaction opened by RefundService\.refund \(\S+refund\.service\.ts:14\) with PrismaService\.\$tx\(\.\.\.\), which runs it in a transaction \(\S+prisma\.service\.ts:15\)/);
    const retried = runCli(root, 'explain', 'fixtures/sequential-await/links-tx/src/billing/history.service.ts:18', '--root', cwd);
    expect(retried.code).toBe(0);
    expect(retried.stdout).not.toMatch(/transaction/);
  });
});

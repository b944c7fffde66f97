import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scan } from '../../src/scanner/engine.js';
import { ALL_RULES } from '../../rules/index.js';
import { analyzeText } from '../helpers.js';

/**
 * A sequential-await loop is critical only when its N is shown to be data-sized (src/model/collection-size.ts):
 * the rows of a query, a request's array. The fixture tree carries the annotations; this pins the grades and
 * the reason each grade gives for its N.
 */
const root = path.resolve(import.meta.dirname, '../..');

async function sizesApi() {
  const result = await scan({
    cwd: root,
    paths: ['fixtures/sequential-await/sizes-api'],
    include: [],
    exclude: [],
    maxFileSize: 1024 * 1024,
    rules: ALL_RULES.filter((rule) => rule.meta.id === 'sequential-await').map((rule) => ({ rule, options: {} })),
  });
  expect(result.errors).toEqual([]);
  return result.findings.map((f) => ({ file: f.file.split('/').pop(), line: f.line, severity: f.severity, evidence: f.evidence.join('\n') }));
}

describe('sequential-await/loop: N from where the collection comes from (sizes-api)', async () => {
  const findings = await sizesApi();
  const at = (file: string, line: number) => {
    const found = findings.find((f) => f.file === file && f.line === line);
    expect(found, `${file}:${line}`).toBeDefined();
    return found!;
  };

  it('is critical over the rows of a query in a route handler', () => {
    const f = at('reports.ts', 30);
    expect(f.severity).toBe('critical');
    expect(f.evidence).toMatch(/cost of one execution: heavy \(.*N data-sized: the result of `pool\.query\(.*database read via pool\.query \(pg\)/);
  });

  it("is critical over the request's array: req.body.ids, a DTO's field, ids one call away", () => {
    expect(at('reports.ts', 40).severity).toBe('critical');
    expect(at('reports.ts', 40).evidence).toMatch(/N data-sized: `req\.body\.ids` is request input/);
    expect(at('orders.controller.ts', 31).severity).toBe('critical');
    expect(at('orders.controller.ts', 31).evidence).toMatch(/N data-sized: `input\.ids` is request input/);
    expect(at('reports.ts', 96).severity).toBe('critical');
    expect(at('reports.ts', 96).evidence).toMatch(/`req\.query\.ids` is request input.*\(fixtures\/sequential-await\/sizes-api\/src\/reports\.ts:102\), passed as `invoiceIds`/);
    // Across files: the controller hands the service its @Query('ids') array.
    expect(at('orders.service.ts', 13).severity).toBe('critical');
    expect(at('orders.service.ts', 13).evidence).toMatch(/N data-sized: `ids` is request input.*\(fixtures\/sequential-await\/sizes-api\/src\/orders\.controller\.ts:17\), passed as `orderIds`/);
  });

  it("is at most high over an object's keys, and says the client's object has an unknown number of them", () => {
    const f = at('reports.ts', 51);
    expect(f.severity).toBe('high');
    expect(f.evidence).toMatch(/N unknown: the collection's source is not a query result or request input \(the keys of `filter\.links`/);
    expect(f.evidence).toMatch(/N unknown, so not shown to be large: at most high/);
  });

  it('is one step lighter over an enum, a config list or a split literal', () => {
    for (const [file, line, reason] of [
      ['reports.ts', 61, /cost of one execution: moderate \(.*N small: the values of `Region`: the members of the enum `Region`; one step lighter/],
      ['reports.ts', 71, /N small: `reportConfig\.sections` is configuration/],
      ['orders.controller.ts', 42, /N small: a split of the string/],
    ] as const) {
      expect(at(file, line).severity, `${file}:${line}`).toBe('high');
      expect(at(file, line).evidence).toMatch(reason);
    }
  });

  it('is high, not critical, over a parameter whose caller passes something of unknown source', () => {
    const f = at('reports.ts', 82);
    expect(f.severity).toBe('high');
    expect(f.evidence).toMatch(/cost of one execution: heavy/);
    expect(f.evidence).toMatch(/N unknown: .*`accountIds` is a parameter; its callers in this file pass collections of unknown source/);
    // Across files: the controller passes what a guard left on the request.
    expect(at('orders.service.ts', 23).severity).toBe('high');
    expect(at('orders.service.ts', 23).evidence).toMatch(/N unknown: .*`orderIds` is a parameter, and no caller is seen passing it a query result or request input/);
  });

  it('reports nothing else', () => {
    expect(findings.map((f) => `${f.file}:${f.line}`).sort()).toEqual(
      ['orders.controller.ts:31', 'orders.controller.ts:42', 'orders.service.ts:13', 'orders.service.ts:23', 'reports.ts:30', 'reports.ts:40', 'reports.ts:51', 'reports.ts:61', 'reports.ts:71', 'reports.ts:82', 'reports.ts:96'].sort(),
    );
  });
});

describe('sequential-await/loop: shapes of a data-sized or small N', () => {
  const pg = `
import { Pool } from 'pg';
import express from 'express';
const pool = new Pool();
const app = express();`;
  const run = (code: string) => {
    const result = analyzeText(`${pg}\n${code}`, { rules: ['sequential-await'] });
    expect(result.errors).toEqual([]);
    return result.findings;
  };

  it("follows a result's rows, an item's array field and a parsed cache read", () => {
    const rows = run(`
app.get('/a', async (req, res) => {
  for (const row of (await pool.query('SELECT id FROM a')).rows) res.write(await pool.query('SELECT * FROM b WHERE a = $1', [row.id]));
});`);
    expect(rows[0]?.severity).toBe('critical');
    expect(rows[0]?.evidence.join('\n')).toMatch(/N data-sized: the result of .*, its `rows`/);
    const nested = run(`
app.get('/b', async (req, res) => {
  const orders = await pool.query('SELECT * FROM orders');
  for (const order of orders.rows) {
    for (const line of order.lines as string[]) res.write(await pool.query('SELECT * FROM skus WHERE id = $1', [line]));
  }
});`);
    expect(nested[0]?.severity).toBe('critical');
    expect(nested[0]?.evidence.join('\n')).toMatch(/an item of it, its `lines`/);
  });

  it('keeps a literal of up to 4 items light and grades a longer literal as small', () => {
    const four = run(`
app.get('/c', async (req, res) => {
  for (const t of ['a', 'b', 'c', 'd']) res.write(await pool.query('SELECT count(*) FROM t WHERE k = $1', [t]));
});`);
    expect(four[0]?.severity).toBe('medium');
    expect(four[0]?.evidence.join('\n')).toMatch(/a literal list of 4 items/);
    const six = run(`
const KINDS = ['a', 'b', 'c', 'd', 'e', 'f'];
app.get('/d', async (req, res) => {
  for (const t of KINDS) res.write(await pool.query('SELECT count(*) FROM t WHERE k = $1', [t]));
});`);
    expect(six[0]?.severity).toBe('high');
    expect(six[0]?.evidence.join('\n')).toMatch(/N small: a literal list of 6 items; one step lighter/);
  });

  it('does not take an object built in the function, or its keys, as data-sized', () => {
    const built = run(`
app.get('/e', async (req, res) => {
  const byTable = new Map<string, string>();
  byTable.set('users', 'u');
  for (const [table] of byTable) res.write(await pool.query('SELECT count(*) FROM stats WHERE t = $1', [table]));
});`);
    expect(built[0]?.severity).toBe('high');
    expect(built[0]?.evidence.join('\n')).toMatch(/N small: a `new Map\(\)` built in the function/);
  });
});

describe('sequential-await/loop: request input by decorator, across files and in a split path parameter', () => {
  it('takes a split of a route parameter as request input', () => {
    const findings = analyzeText(`
import { Pool } from 'pg';
import express from 'express';
const pool = new Pool();
const app = express();
app.get('/skus/:ids', async (req, res) => {
  for (const sku of req.params.ids.split(',')) res.write(await pool.query('SELECT * FROM skus WHERE id = $1', [sku]));
});`, { rules: ['sequential-await'] }).findings;
    expect(findings[0]?.severity).toBe('critical');
    expect(findings[0]?.evidence.join('\n')).toMatch(/N data-sized: `req\.params\.ids` is request input/);
  });

  it("does not take an express request's own fields for what the client sent", () => {
    const findings = analyzeText(`
import { Pool } from 'pg';
import express, { type Request } from 'express';
const pool = new Pool();
const app = express();
app.get('/mine', async (req: Request & { user: { teamIds: string[] } }, res) => {
  for (const team of req.user.teamIds) res.write(await pool.query('SELECT * FROM teams WHERE id = $1', [team]));
});`, { rules: ['sequential-await'] }).findings;
    expect(findings[0]?.severity).toBe('high');
    expect(findings[0]?.evidence.join('\n')).toMatch(/N unknown: the collection's source is not a query result or request input/);
  });
});

import { describe, expect, it } from 'vitest';
import { analyzeText, type AnalyzeTextOptions } from '../helpers.js';

const run = (code: string, options: AnalyzeTextOptions = {}) => {
  const result = analyzeText(code, { rules: ['sequential-await'], ...options });
  expect(result.errors).toEqual([]);
  return result.findings;
};

const decls = `
declare const users: { findById(id: string): Promise<{ id: string; teamId: string }>; save(u: unknown): Promise<void> };
declare const orders: { findByUser(id: string): Promise<unknown[]> };
declare const prefs: { getPreferences(id: string): Promise<unknown> };
`;

describe('sequential-await/consecutive', () => {
  it('builds Promise.all from the actual calls and bindings, spanning first to last statement', () => {
    const findings = run(`${decls}
export async function page(id: string) {
  const user = await users.findById(id);
  const list = await orders.findByUser(id);
  const settings = await prefs.getPreferences(id);
  return { user, list, settings };
}`);
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f?.ruleId).toBe('sequential-await/consecutive');
    expect(f?.endLine).toBe((f?.line ?? 0) + 2);
    expect(f?.fix.replacement).toBe(
      'const [user, list, settings] = await Promise.all([users.findById(id), orders.findByUser(id), prefs.getPreferences(id)]);',
    );
    expect(f?.params).toEqual({ awaits: 3, calls: ['findById', 'findByUser', 'getPreferences'], evidence: 'assumed' });
    // 3 round trips (heavy), no caller found (unknown: high), I/O only assumed from names: one step lower.
    expect(f?.severity).toBe('medium');
    expect(f?.confidence).toBe('low');
    expect(f?.evidence.join('\n')).toMatch(/cost of one execution: heavy/);
    expect(f?.evidence.join('\n')).toMatch(/assumed from names, not proven/);
  });

  it('is critical with 3 proven awaits on a request path, high with 2, and never critical on names alone', () => {
    const pg = `
import { Pool } from 'pg';
const pool = new Pool();
import express from 'express';
const app = express();`;
    const proven = run(`${pg}
app.get('/x/:id', async (req, res) => {
  const user = await pool.query('SELECT * FROM users WHERE id = $1', [req.params.id]);
  const list = await pool.query('SELECT * FROM orders WHERE user_id = $1', [req.params.id]);
  const settings = await pool.query('SELECT * FROM prefs WHERE user_id = $1', [req.params.id]);
  res.json({ user, list, settings });
});`);
    expect(proven[0]?.severity).toBe('critical');
    expect(proven[0]?.confidence).toBe('high');
    expect(proven[0]?.evidence.join('\n')).toMatch(/database read via pool\.query \(pg\)/);
    const provenTwo = run(`${pg}
app.get('/x/:id', async (req, res) => {
  const user = await pool.query('SELECT * FROM users WHERE id = $1', [req.params.id]);
  const list = await pool.query('SELECT * FROM orders WHERE user_id = $1', [req.params.id]);
  res.json({ user, list });
});`);
    expect(provenTwo[0]?.severity).toBe('high');
    const three = run(`${decls}
import express from 'express';
const app = express();
app.get('/x/:id', async (req, res) => {
  const user = await users.findById(req.params.id);
  const list = await orders.findByUser(req.params.id);
  const settings = await prefs.getPreferences(req.params.id);
  res.json({ user, list, settings });
});`);
    expect(three[0]?.severity).toBe('high');
    expect(three[0]?.evidence.join('\n')).toMatch(/registered as a route handler \(app\.get '\/x\/:id'\)/);
    const two = run(`${decls}
import express from 'express';
const app = express();
app.get('/x/:id', async (req, res) => {
  const user = await users.findById(req.params.id);
  const list = await orders.findByUser(req.params.id);
  res.json({ user, list });
});`);
    expect(two[0]?.severity).toBe('medium');
  });

  it('skips scripts, tests and migrations (they run once), and reports them at low with includeOnce', () => {
    const code = `${decls}
export async function main2(id: string) {
  const user = await users.findById(id);
  const list = await orders.findByUser(id);
  return { user, list };
}`;
    expect(run(code, { file: 'scripts/report.ts' })).toEqual([]);
    expect(run(code, { file: 'scripts/report.ts', options: { 'sequential-await': { includeOnce: true } } })[0]?.severity).toBe('low');
    expect(run(code, { file: 'src/__tests__/page.test.ts' })).toEqual([]);
    expect(run(code, { file: 'src/migrations/001.ts' })).toEqual([]);
    expect(run(code, { file: 'src/__tests__/page.test.ts', options: { 'sequential-await': { includeTests: true } } })).toHaveLength(1);
  });

  it('splits a run at a dependency and reports the independent tail', () => {
    const findings = run(`${decls}
export async function f(id: string) {
  const user = await users.findById(id);
  const team = await orders.findByUser(user.teamId);
  const settings = await prefs.getPreferences(user.id);
  return { team, settings };
}`);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.fix.replacement).toBe(
      'const [team, settings] = await Promise.all([orders.findByUser(user.teamId), prefs.getPreferences(user.id)]);',
    );
  });

  it('keeps member paths with .then and handles assignments', () => {
    const findings = run(`
declare const cache: { get(k: string): Promise<{ value: string }> };
export async function f() {
  let a: string;
  let b: { value: string };
  a = (await cache.get('a')).value;
  b = await cache.get('b');
  return [a, b];
}`);
    expect(findings[0]?.fix.replacement).toBe("[a, b] = await Promise.all([cache.get('a').then((result) => result.value), cache.get('b')]);");
  });

  it('lowers local file reads one step', () => {
    const findings = run(`
import { readFile } from 'node:fs/promises';
export async function f() {
  const a = await readFile('a.json', 'utf8');
  const b = await readFile('b.json', 'utf8');
  return a + b;
}`);
    expect(findings[0]?.severity).toBe('low');
    expect(findings[0]?.evidence.join('\n')).toMatch(/local file-system calls/);
  });

  it('does not treat writes, acquisitions, unknown names or discarded results as reads', () => {
    for (const pair of [
      ['users.save(a)', 'orders.findByUser(id)'],
      ['repo.getOrCreate(id)', 'repo.getOrCreate(id2)'],
      ['pool.getConnection()', 'pool.getConnection()'],
      ['svc.prepare(id)', 'svc.prepare(id2)'],
      ["db.query('UPDATE t SET x = 1')", "db.query('SELECT 1')"],
      ["fetch('/a', { method: 'POST' })", "fetch('/b')"],
      ['users.batchDelete([id])', 'orders.findByUser(id)'],
    ]) {
      const code = `
declare const users: any, orders: any, repo: any, pool: any, svc: any, db: any;
export async function f(id: string, id2: string, a: unknown) {
  const x = await ${pair[0]};
  const y = await ${pair[1]};
  return [x, y];
}`;
      expect(run(code), pair.join(' / ')).toEqual([]);
    }
  });

  it('ends a run at a nested await or a name bound twice', () => {
    expect(
      run(`${decls}
export async function f(id: string) {
  const user = await users.findById(await prefs.getPreferences(id).then(String));
  const list = await orders.findByUser(id);
  return { user, list };
}`),
    ).toEqual([]);
    expect(
      run(`${decls}
export async function f(id: string) {
  let x = await orders.findByUser(id);
  x = await orders.findByUser(id + '2');
  return x;
}`),
    ).toEqual([]);
  });

  it('respects a comment explaining the order', () => {
    expect(
      run(`${decls}
export async function f(id: string) {
  // one at a time: the upstream API is rate limited
  const user = await users.findById(id);
  const list = await orders.findByUser(id);
  return { user, list };
}`),
    ).toEqual([]);
  });
});

describe('sequential-await/loop', () => {
  it('reports the await with an order-preserving prefetch fix', () => {
    const findings = run(`${decls}
export async function f(ids: string[]) {
  const out: unknown[] = [];
  for (const id of ids) {
    const user = await users.findById(id);
    out.push(user);
  }
  return out;
}`);
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f?.ruleId).toBe('sequential-await/loop');
    expect(f?.line).toBe(9);
    expect(f?.column).toBe(18);
    expect(f?.params).toEqual({ loopKind: 'for-of', call: 'findById', evidence: 'assumed' });
    expect(f?.severity).toBe('medium');
    expect(f?.fix.replacement).toBe(
      [
        'const userResults = await Promise.all(ids.map((id) => users.findById(id)));',
        // The rewritten body no longer reads `id`: binding it would fail `noUnusedLocals`.
        '  for (const [i] of ids.entries()) {',
        '    const user = userResults[i];',
        '    out.push(user);',
        '  }',
      ].join('\n'),
    );
  });

  it('keeps the item in the rewritten loop when the body still reads it, and of a destructuring only the parts read', () => {
    const findings = run(`${decls}
export async function f(ids: string[], rows: Array<{ id: string; tag: string }>) {
  const out: unknown[] = [];
  for (const id of ids) {
    const user = await users.findById(id);
    out.push({ id, user });
  }
  for (const { id, tag } of rows) {
    const user = await users.findById(id);
    out.push({ tag, user });
  }
  return out;
}`);
    // Only what each side still reads: the callback the id, the loop the tag (an unread binding fails noUnusedLocals).
    expect(findings.map((f) => f.fix.replacement.split('\n')[1]?.trim())).toEqual(['for (const [i, id] of ids.entries()) {', 'for (const [i, { tag }] of rows.entries()) {']);
    expect(findings[1]?.fix.replacement.split('\n')[0]).toContain('rows.map(({ id }) => users.findById(id))');
  });

  const applied = (code: string, f: { fix: { edits?: Array<{ start: number; end: number; text: string }> } } | undefined) => {
    let text = code;
    for (const e of [...(f?.fix.edits ?? [])].sort((a, b) => b.start - a.start)) text = text.slice(0, e.start) + e.text + text.slice(e.end);
    return text;
  };

  it('keeps a counting loop\'s start and an inclusive bound (<=) in the fix', () => {
    const code = `${decls}
export async function f(ids: string[], n: number) {
  const out: unknown[] = [];
  for (let i = 1; i <= n; i++) {
    const user = await users.findById(ids[i] ?? '');
    out.push(user);
  }
  return out;
}`;
    const [f] = run(code);
    expect(f?.ruleId).toBe('sequential-await/loop');
    // n - 1 + 1 items from 1: exactly the indexes the loop visits, results read back from 0.
    expect(f?.fix.replacement).toContain('Array.from({ length: n - 1 + 1 }, (_, index) => 1 + index).map((i) => users.findById(ids[i] ?? \'\'))');
    expect(f?.fix.replacement).toContain('const user = userResults[i - 1];');
    expect(applied(code, f)).toContain('for (let i = 1; i <= n; i++) {');
  });

  it('maps a known array with .map and any other iterable (a Map) through Array.from', () => {
    const map = run(`${decls}
export async function f(byId: Map<string, string>) {
  const out: unknown[] = [];
  for (const [id, name] of byId) {
    const user = await users.findById(id);
    out.push([name, user]);
  }
  return out;
}`);
    expect(map[0]?.fix.replacement).toContain('const items = [...byId];');
    expect(map[0]?.fix.replacement).not.toContain('byId.map(');
  });

  it('gives no per-item rewrite when the body pushes in item order and the calls cannot be started up front', () => {
    const code = `${decls}
export async function f(ids: string[]) {
  const out: unknown[] = [];
  for (const id of ids) {
    const key = id.trim();
    const user = await users.findById(key);
    out.push(user);
  }
  return out;
}`;
    const [f] = run(code);
    expect(f?.ruleId).toBe('sequential-await/loop');
    expect(f?.fix.replacement).toBe('');
    expect(f?.fix.edits).toBeUndefined();
    expect(f?.fix.description).toMatch(/appends to `out`, in item order/);
  });

  it('falls back to mapping the body (continue -> return) when the await is conditional', () => {
    const findings = run(`${decls}
export async function f(ids: string[]) {
  const byId: Record<string, unknown> = {};
  for (const id of ids) {
    if (!id) continue;
    byId[id] = await users.findById(id);
  }
  return byId;
}`);
    expect(findings[0]?.fix.replacement).toContain('await Promise.all(ids.map(async (id) => {');
    expect(findings[0]?.fix.replacement).toContain('if (!id) return;');
    // Assignments by the item's own key show no order: the per-item form keeps the result.
    expect(findings[0]?.fix.description).toMatch(/writes nothing whose order shows/);
  });

  it('is critical on a request path when the model proves the I/O, high when it only assumes it', () => {
    const findings = run(`
import axios from 'axios';
import express from 'express';
const app = express();
const api = axios.create({ baseURL: 'https://users.internal' });
app.get('/users', async (req, res) => {
  const out = [];
  for (const id of req.query.ids as string[]) out.push(await api.get(\`/users/\${id}\`));
  res.json(out);
});`);
    expect(findings[0]?.severity).toBe('critical');
    expect(findings[0]?.confidence).toBe('high');
    // The same loop behind a write endpoint, or an operator's one, is graded a step below read traffic.
    for (const route of ["app.post('/users/sync'", "app.get('/admin/users'"]) {
      const occasional = run(`
import axios from 'axios';
import express from 'express';
const app = express();
const api = axios.create({ baseURL: 'https://users.internal' });
${route}, async (req, res) => {
  const out = [];
  for (const id of req.query.ids as string[]) out.push(await api.get(\`/users/\${id}\`));
  res.json(out);
});`);
      expect(occasional[0]?.severity, `${route}: ${occasional[0]?.evidence.join(' | ')}`).toBe('high');
      expect(occasional[0]?.evidence.join('\n')).toMatch(/graded one step below read traffic/);
    }
    const assumed = run(`${decls}
import express from 'express';
const app = express();
app.post('/bulk', async (req, res) => {
  const out = [];
  for (const id of req.body.ids) out.push(await users.findById(id));
  res.json(out);
});`);
    // A write endpoint (one step below read traffic), I/O assumed from names (one step lower again).
    expect(assumed[0]?.severity).toBe('medium');
  });

  it('stays silent on loop-carried state, eslint suppressions and explicit Promise.all branches', () => {
    expect(
      run(`${decls}
export async function f(ids: string[]) {
  let last: unknown;
  for (const id of ids) {
    last = await users.findById(id + String(last));
  }
  return last;
}`),
    ).toEqual([]);
    expect(
      run(`${decls}
export async function f(ids: string[]) {
  const out = [];
  // eslint-disable-next-line no-await-in-loop
  for (const id of ids) out.push(await users.findById(id));
  return out;
}`),
    ).toEqual([]);
    expect(
      run(`${decls}
export async function f(ids: string[], serial: boolean) {
  if (serial) {
    const out = [];
    for (const id of ids) out.push(await users.findById(id));
    return out;
  }
  return Promise.all(ids.map((id) => users.findById(id)));
}`),
    ).toEqual([]);
  });
});

describe('sequential-await/async-foreach', () => {
  it('reports forEach(async) with a Promise.all fix built from the callback', () => {
    const findings = run(`
declare const mailer: { send(to: string): Promise<void> };
export async function f(list: string[]) {
  list.forEach(async (to) => {
    await mailer.send(to);
  });
}`);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.ruleId).toBe('sequential-await/async-foreach');
    expect(findings[0]?.fix.replacement).toBe('await Promise.all(list.map(async (to) => {\n    await mailer.send(to);\n  }));');
    expect(findings[0]?.params).toEqual({ loopKind: 'forEach', concurrency: 'unbounded' });
  });

  it('suggests return when the enclosing function is not async', () => {
    const findings = run(`
declare const mailer: { send(to: string): Promise<void> };
export function f(list: string[]) {
  list.forEach(async (to) => { await mailer.send(to); });
}`);
    expect(findings[0]?.fix.replacement.startsWith('return Promise.all(list.map(')).toBe(true);
  });
});

describe('sequential-await: awaits in conditional expressions and if conditions', () => {
  const pg = `
import { Pool } from 'pg';
import express from 'express';
const pool = new Pool();
const app = express();`;

  it('keeps a ternary in the Promise.all without its await, and an if condition after it under a fresh name', () => {
    const findings = run(`${pg}
app.get('/u/:id', async (req, res) => {
  const user = await pool.query('SELECT * FROM users WHERE id = $1', [req.params.id]);
  const teams = req.query.t ? await pool.query('SELECT * FROM teams WHERE user_id = $1', [req.params.id]) : null;
  if (!(await pool.query('SELECT 1 FROM bans WHERE user_id = $1', [req.params.id])).rowCount) {
    res.json({ user, teams });
  }
});`);
    expect(findings).toHaveLength(1);
    const fix = findings[0]?.fix.replacement ?? '';
    expect(fix).toContain("req.query.t ? pool.query('SELECT * FROM teams WHERE user_id = $1', [req.params.id]) : null");
    expect(fix).toContain(".then((result) => result.rowCount)");
    expect(fix).toMatch(/const \[user, teams, queryResult\] = await Promise\.all/);
    expect(fix).toMatch(/\n {2}if \(!queryResult\) \{/);
    expect(findings[0]?.params).toMatchObject({ awaits: 3 });
  });

  it('does not take an await in a condition that decides whether the other runs', () => {
    const findings = run(`${pg}
app.get('/u/:id', async (req, res) => {
  const cached = await pool.query('SELECT * FROM cache WHERE id = $1', [req.params.id]);
  const fresh = cached.rowCount ? cached : await pool.query('SELECT * FROM users WHERE id = $1', [req.params.id]);
  const other = (await pool.query('SELECT * FROM a')) ?? null;
  res.json({ fresh, other });
});`);
    expect(findings).toHaveLength(0);
  });
});

describe('sequential-await: loop reads that do not name the innermost item', () => {
  it('hoists a read that names nothing the loop changes, and leaves a cursor read alone', () => {
    const findings = run(`
import { Pool } from 'pg';
import express from 'express';
const pool = new Pool();
const app = express();
app.get('/t/:id', async (req, res) => {
  let total = 0;
  for (const line of req.body.lines as Array<{ amount: number }>) {
    const rate = await pool.query("SELECT rate FROM fx WHERE currency = 'EUR'");
    total += line.amount * rate.rows[0].rate;
  }
  let after = '';
  for (const _n of req.body.pages as number[]) {
    const page = await pool.query('SELECT * FROM events WHERE id > $1', [after]);
    after = page.rows[0].id;
  }
  res.json({ total, after });
});`);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.message).toMatch(/reads the same thing for every item/);
    expect(findings[0]?.fix.replacement).toBe(`const rate = await pool.query("SELECT rate FROM fx WHERE currency = 'EUR'");
  for (const line of req.body.lines as Array<{ amount: number }>) {
    total += line.amount * rate.rows[0].rate;
  }`);
  });
});

describe('sequential-await: fallback paths', () => {
  it('grades a loop inside a catch or a cache miss one step lighter and says why', () => {
    const findings = run(`
import { Pool } from 'pg';
import Redis from 'ioredis';
import express from 'express';
const pool = new Pool();
const redis = new Redis();
const app = express();
app.get('/a', async (req, res) => {
  const ids = req.body.ids as string[];
  const hit = await redis.get('a');
  if (!hit) {
    for (const id of ids) res.write(await pool.query('SELECT * FROM a WHERE id = $1', [id]));
  }
  try {
    res.json(await pool.query('SELECT * FROM b'));
  } catch {
    for (const id of ids) res.write(await pool.query('SELECT * FROM b WHERE id = $1', [id]));
  }
  for (const id of ids) res.write(await pool.query('SELECT * FROM c WHERE id = $1', [id]));
});`);
    expect(findings.map((f) => f.severity)).toEqual(['high', 'high', 'critical']);
    expect(findings[0]?.evidence.join('\n')).toMatch(/inside `if \(!hit\)`: runs only when the lookup of `hit` found nothing/);
    expect(findings[1]?.evidence.join('\n')).toMatch(/inside a catch block/);
  });
});

describe('file roles: tools directories', () => {
  it('treats tools/ inside an application source tree as application code, and a repository tools/ as a script', async () => {
    const { fileRoleOf } = await import('../../src/scanner/roles.js');
    expect(fileRoleOf('src/tools/weather.ts')).toBe('source');
    expect(fileRoleOf('packages/agent/src/ai/tools/search.ts')).toBe('source');
    expect(fileRoleOf('tools/release.ts')).toBe('script');
    expect(fileRoleOf('packages/agent/tools/gen.ts')).toBe('script');
    expect(fileRoleOf('src/scripts/tools/seed.ts')).toBe('script');
    expect(fileRoleOf('tooling/codegen.ts')).toBe('script');
  });

  it('treats a directory named for its tests as test code, and leaves names that only contain the word alone', async () => {
    const { fileRoleOf } = await import('../../src/scanner/roles.js');
    expect(fileRoleOf('packages/integration-tests/src/helpers/api.ts')).toBe('test');
    expect(fileRoleOf('apps/orders-e2e/src/support/app.ts')).toBe('test');
    expect(fileRoleOf('services/load_tests/run.ts')).toBe('test');
    expect(fileRoleOf('packages/test-helpers/src/db.ts')).toBe('test');
    expect(fileRoleOf('src/contests/scoreboard.ts')).toBe('source');
    expect(fileRoleOf('src/latest/feed.ts')).toBe('source');
    expect(fileRoleOf('src/ab-testing/variants.ts')).toBe('source');
    // Cucumber: what drives the service from outside is test code; a product's own features/ folder is not.
    expect(fileRoleOf('features/support/hooks.ts')).toBe('test');
    expect(fileRoleOf('features-legacy/support/hooks.ts')).toBe('test');
    expect(fileRoleOf('features/step_definitions/orders.steps.ts')).toBe('test');
    expect(fileRoleOf('src/features/billing/service.ts')).toBe('source');
    expect(fileRoleOf('src/features/support/tickets.ts')).toBe('source');
  });

  it('keeps schema migrations as migrations, and a migration feature under a request layer as source', async () => {
    const { fileRoleOf } = await import('../../src/scanner/roles.js');
    expect(fileRoleOf('src/migrations/1700000000000-AddUsers.ts')).toBe('migration');
    expect(fileRoleOf('src/migration/1700000000000-AddUsers.ts')).toBe('migration');
    expect(fileRoleOf('packages/db/migrations/0001_init.ts')).toBe('migration');
    expect(fileRoleOf('apps/web/lib/api/controllers/migration/importFromArchive.ts')).toBe('source');
    expect(fileRoleOf('src/routes/migrations/import.ts')).toBe('source');
  });
});

describe('sequential-await/loop rewrites', () => {
  const header = `
import express from 'express';
import axios from 'axios';
const http = axios.create({ baseURL: 'https://api.example' });
const app = express();
`;

  it('keeps a per-item try/catch per item with Promise.allSettled, and says so', () => {
    const [finding] = run(`${header}
app.get('/refresh', async (req, res) => {
  const ids = String(req.query.ids).split(',');
  let failed = 0;
  for (const id of ids) {
    try {
      const item = await http.get(\`/items/\${id}\`);
      console.info(item.status);
    } catch {
      failed++;
      continue;
    }
  }
  res.json({ failed });
});`);
    expect(finding?.ruleId).toBe('sequential-await/loop');
    expect(finding?.fix.replacement).toMatch(/^await Promise\.allSettled\(ids\.map\(async \(id\) => \{/);
    expect(finding?.fix.replacement).toContain('return;');
    expect(finding?.fix.replacement).not.toContain('continue');
    expect(finding?.evidence.join('\n')).toMatch(/its own try\/catch that carries on/);
  });

  it('turns continue into return inside a batched callback, and leaves no rewrite for a continue to an outer label', () => {
    const findings = run(`${header}
async function sendNotice(to: string) {
  return http.post('/notices', { to });
}
app.post('/announce', async (req, res) => {
  for (const member of req.body.members as Array<{ email: string; muted: boolean }>) {
    if (member.muted) continue;
    await sendNotice(member.email);
  }
  res.sendStatus(202);
});
app.get('/stock', async (req, res) => {
  outer: for (const group of req.body.groups as string[][]) {
    for (const id of group) {
      if (id === '') continue outer;
      const stock = await http.get(\`/stock/\${id}\`);
      console.info(stock.status);
    }
  }
  res.sendStatus(200);
});`);
    const batched = findings.find((f) => f.message.includes('sendNotice'));
    expect(batched?.fix.replacement).toContain('if (member.muted) return;');
    expect(batched?.fix.replacement).not.toContain('continue');
    const labelled = findings.find((f) => f.message.includes('/stock/'));
    expect(labelled).toBeDefined();
    expect(labelled?.fix.replacement ?? '').not.toContain('continue outer');
    expect(labelled?.fix.edits ?? []).toEqual([]);
  });

  it('makes the prefetch callback async when the call awaits inside its arguments, and bounds large payloads', () => {
    const findings = run(`${header}
app.get('/items', async (req, res) => {
  const ids = String(req.query.ids).split(',');
  for (const id of ids) {
    const item = await http.get(\`/items/\${id}\`, { headers: { token: (await http.get('/token')).data as string } });
    console.info(item.status);
  }
  res.sendStatus(200);
});
app.get('/recordings/:id', async (req, res) => {
  const segments = String(req.query.segments).split(',');
  for (const segment of segments) {
    const body = await http.get(\`/segments/\${segment}\`);
    console.info(body.status);
  }
  res.sendStatus(200);
});`);
    const prefetch = findings.find((f) => f.message.includes('/items/'));
    expect(prefetch?.fix.replacement).toMatch(/ids\.map\(async \(id\) => http\.get/);
    const large = findings.find((f) => f.message.includes('/segments/'));
    expect(large?.fix.replacement).toContain('.slice(i, i + 4)');
    expect(large?.fix.description).toMatch(/4 here: the items are segments/);
  });
});

describe('sequential-await in browser code', () => {
  it('takes a file that touches the DOM as front-end, but not a server file with a variable named document', () => {
    const browser = run(`
async function post(path: string, body: FormData) {
  return fetch(path, { method: 'POST', body });
}
export async function submit(form: HTMLFormElement) {
  const body = new FormData(form);
  await post('/api/cart/lock', body);
  await post('/api/payment/confirm', body);
  document.location.assign('/thanks');
}`, { file: 'src/web/checkout.ts' });
    expect(browser).toEqual([]);
    const server = run(`
import express from 'express';
import mongoose from 'mongoose';
const Doc = mongoose.model('Doc', new mongoose.Schema({ title: String }));
const Other = mongoose.model('Other', new mongoose.Schema({ title: String }));
const app = express();
app.get('/d/:id', async (req, res) => {
  const document = await Doc.findById(req.params.id);
  const other = await Other.findById(req.params.id);
  res.json({ title: document?.title, other });
});`, { file: 'src/routes/docs.ts' });
    expect(server).toHaveLength(1);
    expect(server[0]?.evidence.join('\n')).not.toMatch(/front-end|browser|DOM/);
  });
});

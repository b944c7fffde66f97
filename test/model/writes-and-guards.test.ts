import { afterAll, describe, expect, it } from 'vitest';
import { scan } from '../../src/scanner/engine.js';
import type { ProjectModel } from '../../src/model/link.js';
import { project, removeProjects, runCli } from './cli-project.js';

afterAll(removeProjects);

/**
 * Two facts of a function's summary: it writes (anywhere in its work, whatever it reads first), and it is a
 * guard (it reads, then throws on what it read, and returns nothing or that value).
 */
async function modelOf(files: Record<string, string>): Promise<ProjectModel> {
  const dir = project(files);
  let model: ProjectModel | undefined;
  const result = await scan({ cwd: dir, paths: ['.'], include: [], exclude: [], maxFileSize: 1024 * 1024, rules: [], onModel: (built) => (model = built) });
  expect(result.errors).toEqual([]);
  if (!model) throw new Error('no model');
  return model;
}

const db = `import { Pool } from 'pg';
export const pool = new Pool();
`;

describe('the write fact', () => {
  it('is set when the write comes after more reads than the bounded effects list keeps, with the chain to the write', async () => {
    const model = await modelOf({
      'src/db.ts': db,
      'src/repo.ts': `import { pool } from './db';
export async function snapshot(id: string) {
  return Promise.all(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((t) => pool.query(\`SELECT * FROM \${t} WHERE id = $1\`, [id])));
}
export async function loadAll(id: string) {
  const a = await pool.query('SELECT * FROM a WHERE id = $1', [id]);
  const b = await pool.query('SELECT * FROM b WHERE id = $1', [id]);
  const c = await pool.query('SELECT * FROM c WHERE id = $1', [id]);
  const d = await pool.query('SELECT * FROM d WHERE id = $1', [id]);
  const e = await pool.query('SELECT * FROM e WHERE id = $1', [id]);
  const f = await pool.query('SELECT * FROM f WHERE id = $1', [id]);
  return [a, b, c, d, e, f];
}
async function applyRename(id: string, name: string) {
  await pool.query('UPDATE items SET name = $2 WHERE id = $1', [id, name]);
}
export async function updateOne(id: string, name: string) {
  const before = await loadAll(id);
  await applyRename(id, name);
  return before;
}
export async function findOne(id: string) {
  return (await pool.query('SELECT * FROM items WHERE id = $1', [id])).rows[0];
}
`,
    });
    const update = model.linkedFunction('src/repo.ts', 'updateOne');
    expect(update?.effects.length).toBeGreaterThanOrEqual(6);
    expect(update?.effects.every((e) => e.access === 'read')).toBe(true);
    expect(update?.writes).toMatchObject({ via: 'pool.query (pg)', chain: ['applyRename'], file: 'src/repo.ts', line: 15, kind: 'database' });
    expect(update?.writes?.assumed).toBeUndefined();
    expect(model.linkedFunction('src/repo.ts', 'findOne')?.writes).toBeUndefined();
    expect(model.linkedFunction('src/repo.ts', 'loadAll')?.writes).toBeUndefined();
  });

  it('is assumed for an awaited call the model cannot follow whose name writes, never for a generic verb, a member of a call result or a call not awaited', async () => {
    const model = await modelOf({
      'src/db.ts': db,
      'src/repo.ts': `import { pool } from './db';
declare const store: { saveAccount(a: unknown): Promise<void> };
declare const bus: { send(m: unknown): Promise<void> };
declare const Model: { findOne(q: unknown): { exec(): Promise<unknown> } };
export async function rename(id: string, name: string) {
  const { rows } = await pool.query('SELECT * FROM accounts WHERE id = $1', [id]);
  await store.saveAccount({ ...rows[0], name });
}
export async function ping(id: string) {
  const { rows } = await pool.query('SELECT * FROM accounts WHERE id = $1', [id]);
  await bus.send(rows[0]);
}
export async function find(id: string) {
  await pool.query('SELECT 1');
  return Model.findOne({ id }).exec();
}
declare const stream: { setEncoding(e: string): void; saveState(): Promise<void> };
export async function decode(id: string) {
  const { rows } = await pool.query('SELECT * FROM blobs WHERE id = $1', [id]);
  stream.setEncoding('utf8');
  return rows;
}
`,
    });
    expect(model.linkedFunction('src/repo.ts', 'rename')?.writes).toMatchObject({ via: 'store.saveAccount', chain: [], assumed: true });
    expect(model.linkedFunction('src/repo.ts', 'ping')?.writes).toBeUndefined();
    expect(model.linkedFunction('src/repo.ts', 'find')?.writes).toBeUndefined();
    // Not awaited: a setting on an object, not work the function waits for.
    expect(model.linkedFunction('src/repo.ts', 'decode')?.writes).toBeUndefined();
  });

  it("follows the call's own SQL through a helper that runs what it is given", async () => {
    const model = await modelOf({
      'src/db.ts': db,
      'src/repo.ts': `import { pool } from './db';
async function run(sql: string, params: unknown[]) {
  return pool.query(sql, params);
}
export async function archive(id: string) {
  await run('UPDATE items SET archived = true WHERE id = $1', [id]);
}
export async function list(id: string) {
  return run('SELECT * FROM items WHERE owner = $1', [id]);
}
`,
    });
    expect(model.linkedFunction('src/repo.ts', 'archive')?.writes).toMatchObject({ chain: ['run'], via: 'pool.query (pg)' });
    expect(model.linkedFunction('src/repo.ts', 'list')?.writes).toBeUndefined();
  });
});

describe('the guard fact', () => {
  const files = {
    'src/db.ts': db,
    'src/checks.ts': `import { pool } from './db';
class NotFound extends Error {}
export async function requireItem(id: string) {
  const { rows } = await pool.query('SELECT * FROM items WHERE id = $1', [id]);
  if (!rows[0]) throw new NotFound(id);
  return rows[0];
}
export async function memberOf(team: string, user: string) {
  const member = (await pool.query('SELECT * FROM members WHERE team = $1 AND user_id = $2', [team, user])).rows[0];
  if (member?.role !== 'admin') {
    throw new Error('forbidden');
  }
}
export async function requireSettings(id: string) {
  return (await pool.query('SELECT * FROM settings WHERE id = $1', [id])).rows[0];
}
export function checkName(name: string) {
  if (!name) throw new Error('empty name');
}
export async function claimItem(id: string) {
  const { rows } = await pool.query('SELECT * FROM items WHERE id = $1', [id]);
  if (rows[0].owner) throw new Error('taken');
  await pool.query('UPDATE items SET owner = $2 WHERE id = $1', [id, 'me']);
}
export async function quotaLeft(id: string) {
  const { rows } = await pool.query('SELECT * FROM quotas WHERE id = $1', [id]);
  if (!rows[0]) throw new NotFound(id);
  return rows[0].limit - rows[0].used;
}
let disabled = false;
export async function assertOpen(id: string) {
  await pool.query('SELECT 1 FROM items WHERE id = $1', [id]);
  if (disabled) throw new Error('closed');
}
export async function touchOpen(id: string) {
  await pool.query('SELECT 1 FROM items WHERE id = $1', [id]);
  if (disabled) throw new Error('closed');
}
export async function parseBody(body: string) {
  const parsed = await Promise.resolve(JSON.parse(body));
  if (!parsed.id) throw new Error('no id');
  return parsed;
}
export async function requireOrNull(id: string) {
  try {
    const { rows } = await pool.query('SELECT * FROM items WHERE id = $1', [id]);
    if (!rows[0]) throw new NotFound(id);
    return rows[0];
  } catch {
    return null;
  }
}
`,
  };

  it('is set from the body: a read, a throw on what it read, and nothing or the read value returned', async () => {
    const model = await modelOf(files);
    const guard = (key: string) => model.linkedFunction('src/checks.ts', key)?.guard;
    expect(guard('requireItem')).toBe("reads (requireItem -> pool.query (pg)), then throws at src/checks.ts:5 on what `pool.query` returned");
    // A neutral name: the body decides.
    expect(guard('memberOf')).toContain('then throws at src/checks.ts:11');
    // A guard's name without a throw, a throw with no I/O, a check that writes, a computed result: not guards.
    expect(guard('requireSettings')).toBeUndefined();
    expect(guard('checkName')).toBeUndefined();
    expect(model.linkedFunction('src/checks.ts', 'checkName')?.validatorOnly).toBe(true);
    expect(guard('claimItem')).toBeUndefined();
    expect(model.linkedFunction('src/checks.ts', 'claimItem')?.writes).toBeDefined();
    expect(guard('quotaLeft')).toBeUndefined();
    expect(guard('parseBody')).toBeUndefined();
    // The throw is caught in the function itself, and the catch answers null: the caller never sees it.
    expect(guard('requireOrNull')).toBeUndefined();
  });

  it('takes a throw that does not test the read value only when the name says the function is a check', async () => {
    const model = await modelOf(files);
    expect(model.linkedFunction('src/checks.ts', 'assertOpen')?.guard).toBe('reads (assertOpen -> pool.query (pg)), then throws at src/checks.ts:33; its name says it is a check');
    expect(model.linkedFunction('src/checks.ts', 'touchOpen')?.guard).toBeUndefined();
  });

  it('shows in bottleneck explain, with the write of a read-then-write function', () => {
    const dir = project({
      ...files,
      'src/repo.ts': `import { pool } from './db';
export async function updateOne(id: string, name: string) {
  const current = (await pool.query('SELECT * FROM items WHERE id = $1', [id])).rows[0];
  await pool.query('UPDATE items SET name = $2 WHERE id = $1', [id, name ?? current.name]);
}
`,
    });
    const guard = runCli(dir, 'explain', 'src/checks.ts:4');
    expect(guard.code).toBe(0);
    expect(guard.stdout).toContain("a guard: reads (requireItem -> pool.query (pg)), then throws at src/checks.ts:5 on what `pool.query` returned; what is awaited after it stays after it");
    const write = runCli(dir, 'explain', 'src/repo.ts:3');
    expect(write.stdout).toContain('writes: updateOne -> pool.query (pg)  (src/repo.ts:4): a write for independence, whatever it reads first');
    const json = JSON.parse(runCli(dir, 'explain', 'src/repo.ts:3', '--format', 'json').stdout);
    expect(json.function.writes).toEqual({ chain: 'updateOne -> pool.query (pg)', at: 'src/repo.ts:4' });
  });
});

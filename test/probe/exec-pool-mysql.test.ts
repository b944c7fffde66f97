/**
 * undersized-pool --exec on mysql2 pools: the user's `createPool({ connectionLimit })` (promise or callback
 * API), evaluated with its module in the contained child, runs the real mysql2 pool on real socket
 * connections to a loopback MySQL-protocol server (mysql2's own server side) that holds each
 * `SELECT SLEEP(s)` for s. The server's own count of the queries it held at once is the primary figure.
 * Assertions are on counts, labels and where the queries went, never on how fast the machine is.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings.js';
import { execProbes } from '../../src/probe/exec.js';
import { startMysqlLoopback } from '../../src/probe/exec/mysql-loopback.js';
import { runProbes } from '../../src/probe/run.js';
import type { Verification } from '../../src/probe/types.js';
import { analyzeText } from '../helpers.js';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'bottleneck-mysqlpool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The callback API's pool, a fan-out of 4 through its promise wrapper: the load's concurrency is read from the code. */
const FAN_OUT = `import mysql from 'mysql2';

const pool = mysql.createPool({ host: 'db', user: 'app', connectionLimit: 2 });

export const loadFour = () => Promise.all([1, 2, 3, 4].map((id) => pool.promise().query('select ?', [id])));
`;
/** A pool of 10 behind pLimit(10): a wider pool admits no more callers. */
const RIGHT_SIZED = `import pLimit from 'p-limit';
import mysql from 'mysql2/promise';

const pool = mysql.createPool({ host: 'db', user: 'app', connectionLimit: 10 });
const limit = pLimit(10);
export const loadAll = (ids: string[]) => Promise.all(ids.map((id) => limit(() => pool.query('select ?', [id]))));
`;
mkdirSync(path.join(dir, 'src'));
writeFileSync(path.join(dir, 'src/fan-out.ts'), FAN_OUT);
writeFileSync(path.join(dir, 'src/right-sized.ts'), RIGHT_SIZED);

function fixtureFinding(file: string, line: number): Finding {
  const { findings } = analyzeText(readFileSync(path.join(root, file), 'utf8'), { file, rules: ['undersized-pool'] });
  const finding = findings.find((f) => f.line === line);
  if (!finding) throw new Error(`no undersized-pool finding at ${file}:${line}`);
  return finding;
}

/** A finding planted on the right-sized pool, claiming 50 callers the code does not have. */
function plantedOnRightSized(): Finding {
  const lines = RIGHT_SIZED.split('\n');
  const line = lines.findIndex((l) => l.includes('connectionLimit: 10')) + 1;
  const column = (lines[line - 1] ?? '').indexOf('connectionLimit: 10') + 1;
  return {
    ruleId: 'undersized-pool/small-max', severity: 'high', confidence: 'high', file: 'src/right-sized.ts', line, column, endLine: line, endColumn: column + 'connectionLimit: 10'.length,
    message: 'planted', evidence: [], impact: '', fix: { description: 'planted', replacement: 'connectionLimit: 40' }, effort: 'small', category: 'Async/Concurrency',
    fingerprint: `src/right-sized.ts:${line}`, params: { driver: 'mysql2/promise', database: 'mysql', max: 10, expectedConcurrency: 50 },
  };
}

async function probe(findings: Finding[], cwd: string, latencies: Record<string, number> = {}) {
  const io = { stdout: () => undefined, stderr: () => undefined, cwd, env: {}, isTTY: false };
  const exec = execProbes(io, cwd, { latencies });
  try {
    const { findings: probed } = await runProbes(exec.prepare(findings), { budgetMs: 60_000, signal: new AbortController().signal, probes: exec.probes, mode: exec.mode });
    const starts = exec.servers.mysql.starts;
    // The run's server (already started: open() hands back the same one) and the connections it accepted.
    const server = starts > 0 ? await exec.servers.mysql.open({ deadline: Date.now() + 1_000, signal: new AbortController().signal }) : undefined;
    const connections = server && !('unavailable' in server) ? server.connections() : undefined;
    return { verifications: probed.map((f) => f.verification as Verification), starts, connections };
  } finally {
    await exec.close();
  }
}

describe('undersized-pool --exec on mysql2 pools (loopback MySQL-protocol server)', () => {
  it('your `connectionLimit: 4` (mysql2/promise): the server held 4 of your queries at once, the fixed pool 20: verified', async () => {
    const { verifications, starts, connections } = await probe([fixtureFinding('fixtures/undersized-pool/server/mysql.ts', 12)], root);
    const v = verifications[0] as Verification;
    expect(starts).toBe(1);
    expect(v.mode).toBe('exec');
    expect(v.measurements[0]).toMatchObject({ metric: "queries the server held at once (the loopback MySQL server's own count, of 50 concurrent callers)", before: 4, after: 20 });
    expect(v.evidence?.interval).toMatchObject({ method: 'exact', low: 5, high: 5 });
    expect(v.evidence?.reached).toMatchObject({ file: 'fixtures/undersized-pool/server/mysql.ts', line: 12, executed: true });
    expect(v.measurements.map((m) => m.metric)).toEqual(expect.arrayContaining(['throughput', 'acquire wait median per round', 'acquire wait p99 per round']));
    expect(v.status).toBe('verified');
    const notes = v.notes.join('\n');
    expect(notes).toContain('your pool as found: {"max":4,"waitTimeoutMs":null}; with the fix: {"max":20,"waitTimeoutMs":null} (read back from the mysql2 instance)');
    expect(notes).toMatch(/behind the pool: a loopback MySQL-protocol server \(mysql2's own server side\)/);
    expect(notes).toMatch(/run SELECT SLEEP\(0\.02\) on the loopback server/);
    expect(notes).toMatch(/the child counted 4 and 20 connections checked out/);
    // Every round's 50 queries reached the server, over the 4 + 20 connections of your two pools only: the
    // module's other pools (built at load time) and its createConnection were stubs and never connected.
    const answered = Number(/\((\d+) answered\)/.exec(notes)?.[1]);
    expect(answered).toBe(50 * (2 + 2 * (v.rounds ?? 0)));
    expect(connections).toBe(4 + 20);
    expect(v.load).toBe('50 concurrent SLEEP(0.02) queries on a loopback MySQL-protocol server per round, 20 ms each, your pool as found vs fixed');
  }, 180_000);

  it('two findings in one run share one server: the callback API at its fan-out of 4 is verified, a pool of 10 behind pLimit(10) is not', async () => {
    const { findings } = analyzeText(FAN_OUT, { file: 'src/fan-out.ts', rules: ['undersized-pool'] });
    const fanOut = findings.find((f) => f.ruleId === 'undersized-pool/below-fan-out');
    expect(fanOut?.params).toMatchObject({ driver: 'mysql2', max: 2, fanOut: 4 });
    // 100 ms per query (declared): a round of 4 on 2 connections takes two holds, whatever the machine adds to each round.
    const { verifications, starts } = await probe([fanOut as Finding, plantedOnRightSized()], dir, { 'mysql2.query': 100 });
    expect(starts).toBe(1);
    const [verified, planted] = verifications;
    expect(verified?.mode).toBe('exec');
    expect(verified?.measurements[0]).toMatchObject({ metric: "queries the server held at once (the loopback MySQL server's own count, of 4 concurrent callers)", before: 2, after: 4 });
    expect(verified?.notes.join('\n')).toMatch(/4 concurrent queries, read from the code \(a Promise.all fan-out through this pool\); 100 ms per query, declared \(--latency or the config's probe\.latency\)/);
    expect(verified?.status).toBe('verified');
    expect(planted?.mode).toBe('exec');
    expect(planted?.measurements[0]).toMatchObject({ before: 10, after: 10 });
    expect(planted?.status).toBe('not-reproduced');
    expect(planted?.reason).toMatch(/the loopback MySQL server held 10 queries at once as found and 10 with the fix/);
    expect(planted?.notes.join('\n')).toMatch(/read from the code/);
  }, 240_000);
});

describe('the loopback MySQL-protocol server', () => {
  it('holds SLEEP(s) for s, counts per tag the queries it held at once, answers other queries at once, and leaves nothing behind', async () => {
    const server = await startMysqlLoopback();
    if ('unavailable' in server) throw new Error(server.unavailable);
    const mysql = (await import('mysql2/promise')).default;
    const pool = mysql.createPool({ socketPath: server.socketPath, user: 'anyone', password: 'anything', connectionLimit: 3 });
    try {
      const sleeps = Array.from({ length: 5 }, () => pool.query('SELECT SLEEP(0.05) /* bottleneck-probe t1 */'));
      const [plain] = await pool.query('SELECT 1');
      expect(plain).toMatchObject({ affectedRows: 0 });
      await Promise.all(sleeps);
      // Three connections: the server never held more than three of the five at once.
      expect(server.most('t1')).toBe(3);
      expect(server.answered('t1')).toBe(5);
      expect(server.most('other')).toBe(0);
      expect(server.connections()).toBe(3);
      await expect(pool.execute('SELECT ?', [1])).rejects.toThrow(/answers text queries only/);
    } finally {
      await pool.end();
      await server.close();
    }
    expect(existsSync(server.socketPath)).toBe(false);
    expect(existsSync(path.dirname(server.socketPath))).toBe(false);
  }, 60_000);
});

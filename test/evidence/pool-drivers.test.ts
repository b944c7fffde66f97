/**
 * The preload's pool patches against the real drivers: mysql2 on a loopback MySQL-protocol server (mysql2's
 * own server side, answering SLEEP after the delay), knex (tarn) and Sequelize (sequelize-pool) with the pg
 * client on an embedded PostgreSQL (one server for this file). Each service runs three queries at once
 * per request through a pool of one (the finding), then of three (the fix), sequential requests.
 *
 * The waiting counts are exact: per request the first caller takes (or creates) the one connection, the
 * second finds it busy with nobody queued, the third finds one queued. Acquire waits are asserted only
 * from below (the third caller cannot get the one connection before two held queries ended on the
 * server), never against a clock: a loaded machine only makes them longer.
 */
import { copyFileSync, mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMysqlLoopback, type MysqlLoopback } from '../../src/probe/exec/mysql-loopback.js';
import { embeddedBinaries, startEmbeddedPostgres, type PoolDatabase } from '../../src/probe/exec/pool-database.js';
import { copyFixture, drive, findingsOf, readEvidence, removeDir, repoRoot, scanProject, startService } from './harness.js';

const REQUESTS = 4;
/** Each query holds its connection this long on the server. */
const SLEEP_S = 0.05;
const binaries = await embeddedBinaries();
const noPostgres = 'unavailable' in binaries ? binaries.unavailable : undefined;
if (noPostgres) console.warn(`skipping the knex and Sequelize preload tests: ${noPostgres}`);

let postgres: PoolDatabase | undefined;
let mysql: MysqlLoopback | undefined;
const dirs: string[] = [];

beforeAll(async () => {
  const loopback = await startMysqlLoopback();
  if ('unavailable' in loopback) throw new Error(loopback.unavailable);
  mysql = loopback;
  if (noPostgres) return;
  const opened = await startEmbeddedPostgres({ deadline: Date.now() + 90_000, signal: new AbortController().signal });
  if ('unavailable' in opened) throw new Error(opened.unavailable);
  postgres = opened;
}, 120_000);

afterAll(async () => {
  await mysql?.close();
  await postgres?.close();
  for (const dir of dirs) removeDir(dir);
}, 30_000);

/** The driver resolves from the service's own project: link the repository's copies into it. */
function linkPackages(dir: string, names: string[]): void {
  mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  for (const name of names) symlinkSync(realpathSync(path.join(repoRoot, 'node_modules', name)), path.join(dir, 'node_modules', name), 'dir');
}

function databaseEnv(): Record<string, string> {
  const db = postgres as PoolDatabase;
  return { PGHOST: db.connection.host, PGPORT: String(db.connection.port), PGUSER: db.connection.user, PGPASSWORD: db.connection.password, PGDATABASE: db.connection.database };
}

/** Scans the copy, runs `entry` then `entry`.after in its place under the preload, and returns each run's site. */
async function beforeAndAfter(entry: string, packages: string[], env: Record<string, string>) {
  const dir = copyFixture('pool-drivers');
  dirs.push(dir);
  linkPackages(dir, packages);
  scanProject(dir);
  const finding = findingsOf(path.join(dir, 'findings.json')).find((f) => f.file === entry && f.ruleId.startsWith('undersized-pool/'));
  expect(finding?.ruleId).toBe('undersized-pool/below-fan-out');
  const run = async () => {
    const service = await startService({ dir, entry, via: 'import', env: { SLEEP_S: String(SLEEP_S), ...env } });
    await drive(service.port, REQUESTS);
    const ended = await service.stop('SIGTERM');
    expect(service.stderr()).not.toMatch(/Error/);
    expect(ended.signal ?? ended.code).not.toBe(1);
    const evidence = readEvidence(path.join(dir, 'evidence.json'));
    expect(evidence.requests.served).toBe(REQUESTS);
    const site = evidence.sites.find((s) => s.file === entry && s.ruleId === finding?.ruleId);
    if (!site) throw new Error(`no site for ${entry} in ${JSON.stringify(evidence.sites.map((s) => `${s.file}:${s.ruleId}`))}`);
    return site;
  };
  const before = await run();
  copyFileSync(path.join(dir, entry.replace(/\.mjs$/, '.after.mjs')), path.join(dir, entry));
  const after = await run();
  return { before, after };
}

type Site = Awaited<ReturnType<typeof beforeAndAfter>>['before'];

function expectQueuedBehindOne(before: Site, after: Site): void {
  const acquires = 3 * REQUESTS;
  expect(before).toMatchObject({ state: 'instrumented', hits: acquires });
  expect(before.metrics['pool.waiting']).toMatchObject({ count: acquires, min: 0, max: 1, sum: REQUESTS });
  const waits = before.metrics['acquire.ms']!;
  expect(waits.count).toBe(acquires);
  // Per request the third caller waits for two queries that each held the one connection for SLEEP_S.
  expect(waits.max).toBeGreaterThanOrEqual(2 * SLEEP_S * 1000 - 1);
  expect(waits.sum).toBeGreaterThanOrEqual(REQUESTS * 3 * SLEEP_S * 1000 - REQUESTS * 2);
  // With three connections nobody queues.
  expect(after).toMatchObject({ state: 'instrumented', hits: acquires });
  expect(after.metrics['pool.waiting']).toMatchObject({ count: acquires, min: 0, max: 0, sum: 0 });
  expect(after.metrics['acquire.ms']!.count).toBe(acquires);
}

describe('preload: pool drivers', () => {
  it('mysql2 (promise API) on a loopback MySQL-protocol server: a pool of one queues the third query of each request; a pool of three none', async () => {
    const server = mysql as MysqlLoopback;
    const answeredBefore = server.answered();
    const connectionsBefore = server.connections();
    const { before, after } = await beforeAndAfter('mysql.mjs', ['mysql2'], { MYSQL_SOCKET: server.socketPath });
    expectQueuedBehindOne(before, after);
    // The queries reached the server: one connection for the pool of one, three for the fix; it never held more at once.
    expect(server.answered() - answeredBefore).toBe(2 * 3 * REQUESTS);
    expect(server.connections() - connectionsBefore).toBe(1 + 3);
    expect(server.most()).toBeLessThanOrEqual(3);
  }, 120_000);

  it.skipIf(noPostgres !== undefined)('knex (tarn) with pg on an embedded PostgreSQL: the tarn pool of one queues the third query; creations under way are not counted as waiting', async () => {
    const { before, after } = await beforeAndAfter('knex.mjs', ['knex'], databaseEnv());
    expectQueuedBehindOne(before, after);
  }, 120_000);

  it.skipIf(noPostgres !== undefined)("Sequelize with pg on an embedded PostgreSQL: sequelize-pool's queue as the pool sees it, not as getConnection is called", async () => {
    const { before, after } = await beforeAndAfter('sequelize.mjs', ['sequelize'], databaseEnv());
    expectQueuedBehindOne(before, after);
  }, 120_000);
});

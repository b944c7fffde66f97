/**
 * One real service per family under the preload, before and after its fix (the same findings file for
 * both runs, as a user would measure a deploy): the counts the recorder gives are deterministic here
 * (sequential requests, fixed work per request), so the tests assert them exactly.
 */
import { copyFileSync, mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture, drive, findingsOf, readEvidence, removeDir, repoRoot, scanProject, siteOf, startService, startUpstream } from './harness.js';

const REQUESTS = 8;
let upstream: Awaited<ReturnType<typeof startUpstream>>;
const dirs: string[] = [];

beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(async () => {
  await upstream.close();
  for (const dir of dirs) removeDir(dir);
});

/** Scans the fixture, runs `entry` (then, when given, `after` copied over it) and returns each run's site for `ruleId`. */
async function beforeAndAfter(fixture: string, entry: string, ruleId: string, options: { after?: string; setup?: (dir: string) => void; via?: 'import' | 'require' } = {}) {
  const dir = copyFixture(fixture);
  dirs.push(dir);
  options.setup?.(dir);
  scanProject(dir);
  expect(findingsOf(path.join(dir, 'findings.json')).some((finding) => finding.ruleId === ruleId && finding.file === entry)).toBe(true);
  const run = async () => {
    const service = await startService({ dir, entry, via: options.via ?? 'import', env: { UPSTREAM_URL: upstream.url } });
    await drive(service.port, REQUESTS);
    await service.stop('SIGTERM');
    const evidence = readEvidence(path.join(dir, 'evidence.json'));
    expect(evidence.requests.served).toBe(REQUESTS);
    return evidence.sites.find((site) => site.ruleId === ruleId && site.file === entry) ?? siteOf(evidence, ruleId);
  };
  const before = await run();
  if (!options.after) return { before, after: undefined };
  copyFileSync(path.join(dir, options.after), path.join(dir, entry));
  return { before, after: await run() };
}

/** The pool library resolves from the user's project: link the repository's copy into the fixture's node_modules. */
function linkPackage(dir: string, name: string): void {
  mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  symlinkSync(realpathSync(path.join(repoRoot, 'node_modules', name)), path.join(dir, 'node_modules', name), 'dir');
}

describe('preload: families', () => {
  it('fake-compression: base64 output is 4/3 of its input; gzip of repetitive text is smaller than it', async () => {
    const { before, after } = await beforeAndAfter('fake-compression', 'codec.mjs', 'fake-compression/encoding-only', { after: 'codec.after.mjs' });
    expect(before).toMatchObject({ state: 'instrumented', hits: REQUESTS });
    expect(before.metrics['bytes.ratio']).toMatchObject({ count: REQUESTS });
    // base64 of n bytes (n a multiple of 3 here or not) is 4 * ceil(n / 3) bytes: above 1.33.
    expect(before.metrics['bytes.ratio']!.min).toBeGreaterThanOrEqual(4 / 3);
    expect(before.metrics['bytes.out']!.min).toBeGreaterThan(300);
    expect(after!.metrics['bytes.ratio']!.max).toBeLessThan(1);
  });

  it('uncleared-timer: live timers created at the site grow by one per request, and stay at zero once cleared', async () => {
    const { before, after } = await beforeAndAfter('uncleared-timer', 'guard.mjs', 'uncleared-timer/abort-timeout', { after: 'guard.after.mjs' });
    expect(before).toMatchObject({ state: 'instrumented', hits: REQUESTS });
    // Sampled as each request starts, before its own timer: 0, 1, ..., REQUESTS - 1.
    expect(before.metrics['timers.live']).toMatchObject({ count: REQUESTS, min: 0, max: REQUESTS - 1, sum: (REQUESTS * (REQUESTS - 1)) / 2 });
    // clearTimeout still clears the timer the site created.
    expect(after).toMatchObject({ state: 'instrumented', hits: REQUESTS });
    expect(after!.metrics['timers.live']).toMatchObject({ count: REQUESTS, min: 0, max: 0 });
  });

  it('missing-keep-alive: one new socket per outbound request without keep-alive, one for the whole run with it', async () => {
    const connectionsBefore = upstream.connections();
    const { before, after } = await beforeAndAfter('missing-keep-alive', 'partner.mjs', 'missing-keep-alive/keepalive-false', { after: 'partner.after.mjs' });
    expect(before).toMatchObject({ state: 'instrumented', hits: REQUESTS });
    expect(before.metrics['sockets.per-request']).toMatchObject({ count: REQUESTS, sum: REQUESTS, min: 1, max: 1 });
    expect(before.metrics['connect.ms']!.count).toBe(REQUESTS);
    expect(after).toMatchObject({ state: 'instrumented', hits: REQUESTS });
    expect(after!.metrics['sockets.per-request']).toMatchObject({ count: REQUESTS, sum: 1 });
    // The upstream saw exactly the sockets the preload counted.
    expect(upstream.connections() - connectionsBefore).toBe(REQUESTS + 1);
  });

  it('missing-keep-alive through fetch (undici): Connection: close opens a socket per request; without it one serves them all', async () => {
    const { before, after } = await beforeAndAfter('missing-keep-alive', 'quote.mjs', 'missing-keep-alive/connection-close', { after: 'quote.after.mjs' });
    expect(before).toMatchObject({ state: 'instrumented', hits: REQUESTS });
    expect(before.metrics['sockets.per-request']).toMatchObject({ count: REQUESTS, sum: REQUESTS });
    expect(after).toMatchObject({ state: 'instrumented', hits: REQUESTS });
    expect(after!.metrics['sockets.per-request']).toMatchObject({ count: REQUESTS, sum: 1 });
  });

  it('missing-keep-alive through a client made at the site (axios.create() in a factory): a client per request opens a socket per request; the shared one reuses its socket', async () => {
    const connectionsBefore = upstream.connections();
    // The finding is the factory's call in the handler; the sockets are opened later, by client.get(), through the agent the client holds.
    const { before, after } = await beforeAndAfter('missing-keep-alive-clients', 'factory.mjs', 'missing-keep-alive/per-request-client', { after: 'factory.after.mjs', setup: (dir) => linkPackage(dir, 'axios') });
    expect(before).toMatchObject({ state: 'instrumented', hits: REQUESTS });
    expect(before.metrics['sockets.per-request']).toMatchObject({ count: REQUESTS, sum: REQUESTS, min: 1, max: 1 });
    expect(after).toMatchObject({ state: 'instrumented', hits: REQUESTS });
    expect(after!.metrics['sockets.per-request']).toMatchObject({ count: REQUESTS, sum: 1 });
    expect(upstream.connections() - connectionsBefore).toBe(REQUESTS + 1);
  });

  it('missing-keep-alive through a client made at the site (axios.create() with Connection: close, through the global agent): its later calls count for the site', async () => {
    // No agent of the client's own to tag: its calls run in the site's context instead.
    const { before, after } = await beforeAndAfter('missing-keep-alive-clients', 'headers.mjs', 'missing-keep-alive/connection-close', { after: 'headers.after.mjs', setup: (dir) => linkPackage(dir, 'axios') });
    expect(before).toMatchObject({ state: 'instrumented', hits: REQUESTS });
    expect(before.metrics['sockets.per-request']).toMatchObject({ count: REQUESTS, sum: REQUESTS });
    expect(after).toMatchObject({ state: 'instrumented', hits: REQUESTS });
    expect(after!.metrics['sockets.per-request']).toMatchObject({ count: REQUESTS, sum: 1 });
  });

  it('undersized-pool (pg-pool): three parallel acquires on a pool of one queue behind each other; on a pool of three none waits', async () => {
    const { before, after } = await beforeAndAfter('undersized-pool', 'orders.mjs', 'undersized-pool/small-max', { after: 'orders.after.mjs', setup: (dir) => linkPackage(dir, 'pg-pool') });
    expect(before).toMatchObject({ state: 'instrumented', hits: 3 * REQUESTS });
    // Per request: the first creates the one client, the second finds the pool full with nobody queued, the third finds one queued.
    expect(before.metrics['pool.waiting']).toMatchObject({ count: 3 * REQUESTS, min: 0, max: 1, sum: REQUESTS });
    expect(before.metrics['acquire.ms']!.count).toBe(3 * REQUESTS);
    expect(after!.metrics['pool.waiting']).toMatchObject({ count: 3 * REQUESTS, max: 0 });
  });
});

/** missing-keep-alive over TLS: sockets and full handshakes per outbound request to a loopback HTTPS upstream. */
import { copyFileSync, mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCertificate } from '../../src/probe/loopback.js';
import { copyFixture, drive, readEvidence, removeDir, repoRoot, scanProject, startService } from './harness.js';

const REQUESTS = 8;
const certificate = testCertificate();
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) removeDir(dir);
});

describe.skipIf(certificate === null)('preload: missing-keep-alive over TLS (needs openssl)', () => {
  let server: https.Server;
  let url: string;
  beforeAll(async () => {
    server = https.createServer({ key: certificate!.key, cert: certificate!.cert }, (_request, response) => response.end('{"ok":true}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** Scans a copy of the fixture, runs `entry`, then `after` copied over it; returns each run's site in `entry`. */
  async function beforeAndAfter(entry: string, after: string) {
    const dir = copyFixture('missing-keep-alive-tls');
    dirs.push(dir);
    mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
    symlinkSync(realpathSync(path.join(repoRoot, 'node_modules/axios')), path.join(dir, 'node_modules/axios'), 'dir');
    scanProject(dir);
    const run = async () => {
      const service = await startService({ dir, entry, via: 'import', env: { UPSTREAM_URL: url, UPSTREAM_CA: certificate!.cert } });
      await drive(service.port, REQUESTS);
      await service.stop('SIGTERM');
      return readEvidence(path.join(dir, 'evidence.json')).sites.find((site) => site.file === entry)!;
    };
    const first = await run();
    copyFileSync(path.join(dir, after), path.join(dir, entry));
    return { before: first, after: await run() };
  }

  it('opens a socket per request without keep-alive, with a full handshake at least for the first; one socket and one handshake with it', async () => {
    const { before, after } = await beforeAndAfter('partner.mjs', 'partner.after.mjs');
    expect(before).toMatchObject({ state: 'instrumented', hits: REQUESTS });
    expect(before.metrics['sockets.per-request']).toMatchObject({ count: REQUESTS, sum: REQUESTS });
    // Every new socket shakes hands; later ones may resume the agent's cached TLS session (not a full handshake).
    expect(before.metrics['tls.handshakes']!.count).toBe(REQUESTS);
    expect(before.metrics['tls.handshakes']!.max).toBe(1);
    expect(after.metrics['sockets.per-request']).toMatchObject({ count: REQUESTS, sum: 1 });
    expect(after.metrics['tls.handshakes']).toMatchObject({ count: REQUESTS, sum: 1 });
  });

  it('follows a client made at the site (axios.create() per call, its own agent): a socket and a full handshake per request; the shared client one of each', async () => {
    const { before, after } = await beforeAndAfter('client.mjs', 'client.after.mjs');
    expect(before).toMatchObject({ state: 'instrumented', hits: REQUESTS });
    expect(before.metrics['sockets.per-request']).toMatchObject({ count: REQUESTS, sum: REQUESTS });
    // A new agent has no TLS session to resume: every request shakes hands in full.
    expect(before.metrics['tls.handshakes']).toMatchObject({ count: REQUESTS, sum: REQUESTS });
    expect(after.metrics['sockets.per-request']).toMatchObject({ count: REQUESTS, sum: 1 });
    expect(after.metrics['tls.handshakes']).toMatchObject({ count: REQUESTS, sum: 1 });
  });
});

/** missing-keep-alive over TLS: sockets and full handshakes per outbound request to a loopback HTTPS upstream. */
import { copyFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testCertificate } from '../../src/probe/loopback.js';
import { copyFixture, drive, readEvidence, removeDir, scanProject, startService } from './harness.js';

const REQUESTS = 8;
const certificate = testCertificate();
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) removeDir(dir);
});

describe.skipIf(certificate === null)('preload: missing-keep-alive over TLS (needs openssl)', () => {
  it('opens a socket per request without keep-alive, with a full handshake at least for the first; one socket and one handshake with it', async () => {
    const server = https.createServer({ key: certificate!.key, cert: certificate!.cert }, (_request, response) => response.end('{"ok":true}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const dir = copyFixture('missing-keep-alive-tls');
      dirs.push(dir);
      scanProject(dir);
      const run = async () => {
        const service = await startService({ dir, entry: 'partner.mjs', via: 'import', env: { UPSTREAM_URL: url, UPSTREAM_CA: certificate!.cert } });
        await drive(service.port, REQUESTS);
        await service.stop('SIGTERM');
        return readEvidence(path.join(dir, 'evidence.json')).sites.find((site) => site.file === 'partner.mjs')!;
      };
      const before = await run();
      expect(before).toMatchObject({ state: 'instrumented', hits: REQUESTS });
      expect(before.metrics['sockets.per-request']).toMatchObject({ count: REQUESTS, sum: REQUESTS });
      // Every new socket shakes hands; later ones may resume the agent's cached TLS session (not a full handshake).
      expect(before.metrics['tls.handshakes']!.count).toBe(REQUESTS);
      expect(before.metrics['tls.handshakes']!.max).toBe(1);
      copyFileSync(path.join(dir, 'partner.after.mjs'), path.join(dir, 'partner.mjs'));
      const after = await run();
      expect(after.metrics['sockets.per-request']).toMatchObject({ count: REQUESTS, sum: 1 });
      expect(after.metrics['tls.handshakes']).toMatchObject({ count: REQUESTS, sum: 1 });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

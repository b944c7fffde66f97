import { describe, expect, it } from 'vitest';
import { keepAliveProbe, runClient, type KeepAliveParams } from '../../src/probe/probes/keep-alive.js';
import { startServer, testCertificate } from '../../src/probe/loopback.js';

const context = () => ({ deadline: Date.now() + 20_000, signal: new AbortController().signal });

function params(mode: KeepAliveParams['mode'], protocol: 'http' | 'https' = 'http'): KeepAliveParams {
  return { protocol, mode, maxSockets: Number.POSITIVE_INFINITY, foundKeepAlive: false, client: 'node', requests: 40, concurrency: 4, defaults: [] };
}

describe('missing-keep-alive probe', () => {
  it('opens one connection per request without keep-alive and about C with it', async () => {
    const server = await startServer({ protocol: 'http' });
    try {
      for (const mode of ['agent', 'no-agent', 'connection-close', 'agent-per-request'] as const) {
        const before = await runClient(server, null, params(mode), 'before', 40, context());
        expect(before.requests).toBe(40);
        expect(before.connections).toBe(40);
      }
      const after = await runClient(server, null, params('agent'), 'after', 40, context());
      expect(after.requests).toBe(40);
      expect(after.connections).toBe(4);
    } finally {
      await server.close();
    }
  });

  it('counts TLS connections over HTTPS with a generated test certificate', async () => {
    const certificate = testCertificate();
    if (!certificate) return; // no openssl on this machine: the HTTP case above covers the counting
    const server = await startServer({ protocol: 'https', certificate });
    try {
      const before = await runClient(server, certificate, params('agent', 'https'), 'before', 12, context());
      const after = await runClient(server, certificate, params('agent', 'https'), 'after', 12, context());
      expect([before.connections, before.errors]).toEqual([12, 0]);
      expect([after.connections, after.errors]).toEqual([4, 0]);
    } finally {
      await server.close();
    }
  });

  it('plans from the finding params with stated defaults', () => {
    expect(keepAliveProbe.plan({ keepAlive: false, protocol: 'http:', maxSockets: 50 }, 'agent-without-keepalive')).toEqual({
      params: { protocol: 'http', mode: 'agent', maxSockets: 50, foundKeepAlive: false, client: 'node', requests: 3000, concurrency: 10, defaults: ['concurrency (10)'] },
    });
    const plan = keepAliveProbe.plan({}, 'connection-close');
    expect('params' in plan && plan.params.mode).toBe('connection-close');
    expect('params' in plan && plan.params.protocol).toBe('https');
  });

  it('verifies the finding on connections opened', async () => {
    const outcome = await keepAliveProbe.run({ ...params('agent'), requests: 60 }, context());
    expect(outcome.status).toBe('verified');
    expect(outcome.measurements[0]).toMatchObject({ metric: 'connections opened per round', before: 40, after: 4, ratio: 10 });
  });
});

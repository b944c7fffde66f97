import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/probe/loopback.js';
import { runOperations, sequentialAwaitProbe } from '../../src/probe/probes/sequential-await.js';
import { runTimerChild, runUnclearedTimer, unclearedTimerProbe } from '../../src/probe/probes/uncleared-timer.js';

const context = () => ({ deadline: Date.now() + 20_000, signal: new AbortController().signal });

describe('sequential-await probe', () => {
  it('runs the found calls one at a time, and all at once with Promise.all', async () => {
    const server = await startServer({ protocol: 'http', latencyMs: 5 });
    const agent = new http.Agent({ keepAlive: true });
    try {
      const before = await runOperations(server, agent, 3, 'before', 4, context());
      const after = await runOperations(server, agent, 3, 'after', 4, context());
      expect([before.operations, before.requests, before.peakInFlight]).toEqual([4, 12, 1]);
      expect([after.operations, after.requests, after.peakInFlight]).toEqual([4, 12, 3]);
    } finally {
      agent.destroy();
      await server.close();
    }
  });

  it('plans awaits from params, the loop variant with a stated default', () => {
    expect(sequentialAwaitProbe.plan({ awaits: 4 }, undefined)).toEqual({ params: { calls: 4, latencyMs: 20, loop: false, defaults: [] } });
    const loop = sequentialAwaitProbe.plan({ loopKind: 'for-of' }, 'loop');
    expect('params' in loop && [loop.params.calls, loop.params.loop]).toEqual([5, true]);
  });
});

describe('uncleared-timer probe', () => {
  const params = { timeoutMs: 60_000, unref: false, calls: 200, defaults: [] };

  it('leaves one live Timeout per call as found and none when cleared', async () => {
    const before = await runTimerChild(params, false, 0, context());
    const after = await runTimerChild(params, true, 0, context());
    expect(before).toMatchObject({ calls: 200, liveTimeouts: 200 });
    expect(after).toMatchObject({ calls: 200, liveTimeouts: 0 });
  });

  it('keeps the process alive after the work only as found', async () => {
    const outcome = await runUnclearedTimer({ ...params, timeoutMs: 5_000 }, context(), { rounds: 1, exitWaitMs: 300 });
    expect(outcome.status).toBe('verified');
    expect(outcome.measurements[0]).toMatchObject({ metric: 'live Timeout handles after the work', before: 200, after: 0 });
    expect(outcome.notes.some((n) => n.includes('was still alive 300 ms after its work and was killed'))).toBe(true);
  });

  it('unref timers do not count as active resources', async () => {
    const before = await runTimerChild({ ...params, unref: true }, false, 0, context());
    expect(before?.liveTimeouts).toBe(0);
  });

  it('skips intervals and non-per-call timers', () => {
    expect(unclearedTimerProbe.plan({}, 'interval')).toHaveProperty('skip');
    expect(unclearedTimerProbe.plan({ timeoutMs: 5000, perCall: false }, 'race-timeout')).toHaveProperty('skip');
    expect(unclearedTimerProbe.plan({ timeoutMs: 5000, perCall: true, unref: true }, undefined)).toEqual({ params: { timeoutMs: 5000, unref: true, calls: 20_000, defaults: [] } });
  });
});

describe('sequential-await variants', () => {
  it('skips forEach(async ...), which is not sequential', () => {
    expect(sequentialAwaitProbe.plan({ loopKind: 'forEach', concurrency: 'unbounded' }, 'async-foreach')).toHaveProperty('skip');
  });
});

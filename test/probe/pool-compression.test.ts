import { describe, expect, it } from 'vitest';
import { COMPRESSORS, fakeCompress, fakeCompressionProbe, jsonPayload, runFakeCompression } from '../../src/probe/probes/fake-compression.js';
import { closedLoopWaitMs, completePairs, erlangCWaitMs, runPool, runUndersizedPool, undersizedPoolProbe, type PoolRun, type UndersizedPoolParams } from '../../src/probe/probes/undersized-pool.js';

const context = () => ({ deadline: Date.now() + 20_000, signal: new AbortController().signal });

describe('undersized-pool probe', () => {
  const params: UndersizedPoolParams = { library: 'generic-pool', driver: 'knex', max: 2, afterMax: 6, acquireTimeoutMs: 30_000, concurrency: 6, serviceTimeMs: 5, defaults: [] };

  for (const library of ['generic-pool', 'pg-pool'] as const) {
    it(`${library}: never holds more than the pool size, and waiters queue only when N > c`, async () => {
      const limits = { durationMs: 10_000, maxOperations: 24 };
      const before = await runPool({ ...params, library }, 2, limits, context());
      const after = await runPool({ ...params, library }, 6, limits, context());
      expect([before.operations, before.peakInUse, before.timeouts]).toEqual([24, 2, 0]);
      expect(before.waited).toBeGreaterThanOrEqual(12);
      expect([after.operations, after.peakInUse, after.timeouts]).toEqual([24, 6, 0]);
    });
  }

  it('counts acquire timeouts when the wait exceeds the found timeout', async () => {
    const run = await runPool({ ...params, serviceTimeMs: 50, acquireTimeoutMs: 10 }, 1, { durationMs: 10_000, maxOperations: 6 }, context());
    expect(run.timeouts).toBeGreaterThan(0);
    expect(run.peakInUse).toBe(1);
  });

  it('marks a round the budget cut short as incomplete, and drops it with its pair instead of scoring zero', async () => {
    // The deadline (50 ms) comes long before the window's end (10 s): the round cannot be complete.
    const cut = await runPool(params, 2, { durationMs: 10_000, maxOperations: 100_000 }, { deadline: Date.now() + 50, signal: new AbortController().signal });
    expect(cut.complete).toBe(false);
    const whole = await runPool(params, 2, { durationMs: 10_000, maxOperations: 12 }, context());
    expect(whole.complete).toBe(true);
    const zero: PoolRun = { ...cut, throughput: 0 };
    const pairs = completePairs([whole, whole, zero], [whole, whole]);
    expect([pairs.before.length, pairs.after.length, pairs.dropped]).toEqual([2, 2, 1]);
    expect(pairs.before.every((r) => r.complete)).toBe(true);
    // With no complete round the probe says "not measured", never "not reproduced".
    const outcome = await runUndersizedPool(params, { deadline: Date.now() + 30, signal: new AbortController().signal }, { rounds: 3, roundMs: 10_000, warmupMs: 0 });
    expect(outcome.status).toBe('skipped');
    expect(outcome.reason).toMatch(/^not measured: no round ran its whole window within the budget/);
  });

  it('predicts closed-loop and Erlang C waits', () => {
    expect(closedLoopWaitMs(20, 50, 10)).toBe(80);
    expect(closedLoopWaitMs(20, 10, 50)).toBe(0);
    expect(erlangCWaitMs(1 / 20, 20, 1)).toBe(Number.POSITIVE_INFINITY);
    // M/M/1 at 50% utilisation: Wq = rho/(1-rho) * S = S.
    expect(erlangCWaitMs(0.5 / 20, 20, 1)).toBeCloseTo(20, 6);
  });

  it('plans from params with Little-law sizing, skips variants it cannot reproduce, shares across drivers', () => {
    const plan = undersizedPoolProbe.plan({ driver: 'pg', max: 10, acquireTimeoutMs: 60_000, expectedConcurrency: 50, recommendedMax: 20 }, 'small-max');
    expect(plan).toMatchObject({ params: { library: 'pg-pool', max: 10, afterMax: 50, concurrency: 50, recommendedMax: 20, serviceTimeMs: 20 } });
    expect(undersizedPoolProbe.plan({ max: 500 }, 'exceeds-db-limit')).toHaveProperty('skip');
    expect(undersizedPoolProbe.plan({ max: 80, expectedConcurrency: 50 }, 'small-max')).toHaveProperty('skip');
    const a = undersizedPoolProbe.plan({ driver: 'knex', max: 5, acquireTimeoutMs: 60_000 }, 'small-max');
    const b = undersizedPoolProbe.plan({ driver: 'sequelize', max: 5, acquireTimeoutMs: 120_000 }, 'small-max');
    if (!('params' in a) || !('params' in b)) throw new Error('expected plans');
    expect(undersizedPoolProbe.shareKey?.(a.params)).toEqual(undersizedPoolProbe.shareKey?.(b.params));
  });
});

describe('fake-compression probe', () => {
  it('builds deterministic JSON payloads of the asked size', () => {
    const payload = jsonPayload(64 * 1024);
    expect(payload).toBe(jsonPayload(64 * 1024));
    expect(payload.length).toBeGreaterThanOrEqual(64 * 1024);
    expect(payload.length).toBeLessThan(64 * 1024 + 400);
    expect(() => JSON.parse(payload)).not.toThrow();
  });

  it('replicates each encoding byte for byte', () => {
    const input = jsonPayload(3000);
    const n = Buffer.byteLength(input);
    expect(fakeCompress(input, 'base64').length).toBe(4 * Math.ceil(n / 3));
    expect(fakeCompress(input, 'hex').length).toBe(2 * n);
    expect(fakeCompress(input, 'json').length).toBe(n);
    expect(fakeCompress(input, 'none').length).toBe(n);
    expect(COMPRESSORS.gzip(Buffer.from(input)).length).toBeLessThan(n / 2);
  });

  it('verifies on bytes out at small sizes', async () => {
    const outcome = await runFakeCompression({ encoding: 'base64', sizes: [1024, 8192], defaults: [] }, context(), { rounds: 1 });
    expect(outcome.status).toBe('verified');
    const primary = outcome.measurements[0];
    expect(primary?.metric).toBe('bytes out, 8 KB JSON (as found vs gzip)');
    expect(primary?.before).toBe(4 * Math.ceil(Buffer.byteLength(jsonPayload(8192)) / 3));
    expect(primary?.after).toBe(COMPRESSORS.gzip(Buffer.from(jsonPayload(8192))).length);
  });

  it('plans the encoding, with base64 as the stated default', () => {
    expect(fakeCompressionProbe.plan({ encoding: 'hex', sizeRatio: 2 }, 'encoding-only')).toMatchObject({ params: { encoding: 'hex', defaults: [] } });
    expect(fakeCompressionProbe.plan({}, undefined)).toMatchObject({ params: { encoding: 'base64', defaults: ['encoding (base64)'] } });
    expect(fakeCompressionProbe.plan({ encoding: 'rot13' }, undefined)).toHaveProperty('skip');
  });
});

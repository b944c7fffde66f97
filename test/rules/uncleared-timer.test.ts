import { describe, expect, it } from 'vitest';
import { applyEdits } from '../../src/fixes/edits.js';
import { analyzeText } from '../helpers.js';

const run = (code: string, options: Parameters<typeof analyzeText>[1] = {}) => {
  const result = analyzeText(code, { rules: ['uncleared-timer'], ...options });
  expect(result.errors).toEqual([]);
  return result.findings;
};

const raceInMethod = `
export class Gateway {
  async call(work: Promise<string>): Promise<string> {
    return Promise.race([
      work,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 30_000)),
    ]);
  }
}`;

describe('uncleared-timer: race-timeout', () => {
  it('reports a discarded race timer with the probe params and a finally-based fix built from the site', () => {
    const [finding, ...rest] = run(raceInMethod);
    expect(rest).toEqual([]);
    expect(finding?.ruleId).toBe('uncleared-timer/race-timeout');
    // 30 s per call is a moderate cost; no caller of Gateway.call is known, so how often is unknown: medium.
    expect(finding?.severity).toBe('medium');
    expect(finding?.confidence).toBe('medium');
    expect(finding?.params).toEqual({ timeoutMs: 30000, perCall: true, unref: false, timer: 'setTimeout', shape: 'race' });
    expect(finding?.message).toContain('~30,000 live timers');
    expect(finding?.fix.replacement).toContain('let timer: ReturnType<typeof setTimeout> | undefined;');
    expect(finding?.fix.replacement).toContain('timer = setTimeout(() => reject(new Error');
    expect(finding?.fix.replacement).toContain('return Promise.race([');
    expect(finding?.fix.replacement).toContain(']).finally(() => clearTimeout(timer));');
    expect(finding?.evidence.some((e) => e.includes('method of Gateway'))).toBe(true);
  });

  it('is high per request (a timer costs rate x delay, never critical) and says why', () => {
    const [finding] = run(`
import express from 'express';
const app = express();
app.get('/x', async (req, res) => {
  const timeout = new Promise((_, reject) => { setTimeout(() => reject(new Error('slow')), 10_000); });
  res.json(await Promise.race([fetch('http://upstream'), timeout]));
});`);
    expect(finding?.severity).toBe('high');
    expect(finding?.confidence).toBe('high');
    expect(finding?.evidence.join('\n')).toMatch(/per request/);
  });

  it('lowers severity one step for .unref() and states it', () => {
    const [finding] = run(raceInMethod.replace("30_000)),", '30_000).unref()),'));
    expect(finding?.severity).toBe('low');
    expect(finding?.params?.['unref']).toBe(true);
    expect(finding?.evidence.join('\n')).toMatch(/unref/);
  });

  it('is silent when the handle is cleared in finally, in .finally, or in .then', () => {
    expect(
      run(`
export async function a(work: Promise<void>) {
  let t: NodeJS.Timeout | undefined;
  try {
    await Promise.race([work, new Promise((_, reject) => { t = setTimeout(reject, 1000); })]);
  } finally {
    clearTimeout(t);
  }
}
export function b(work: Promise<void>) {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([work, new Promise((_, reject) => { t = setTimeout(reject, 1000); })]).finally(() => t && clearTimeout(t));
}
export function c(work: Promise<void>) {
  let t: NodeJS.Timeout | undefined;
  work.then(() => clearTimeout(t));
  return Promise.race([work, new Promise((_, reject) => { t = setTimeout(reject, 1000); })]);
}`),
    ).toEqual([]);
  });

  it('does not count a clearTimeout inside the timer callback', () => {
    const findings = run(`
export function a(work: Promise<void>) {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([work, new Promise((_, reject) => { t = setTimeout(() => { clearTimeout(t); reject(); }, 1000); })]);
}`);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.evidence.join('\n')).toMatch(/inside the timer callback/);
  });

  it('ignores sleeps, races of timers only, shadowed setTimeout and start-up races', () => {
    expect(
      run(`
import { setTimeout as wait } from 'timers/promises';
export async function sleep(ms: number) { await new Promise((r) => setTimeout(r, ms)); }
export async function sleepRace(a: number) { await Promise.race([wait(a), wait(1000)]); }
export function shadowed(setTimeout: (f: () => void, ms: number) => void, work: Promise<void>) {
  return Promise.race([work, new Promise((_, reject) => setTimeout(() => reject(), 5))]);
}
export async function bootstrap(connect: () => Promise<void>) {
  await Promise.race([connect(), new Promise((_, reject) => setTimeout(() => reject(new Error('boot')), 30_000))]);
}`),
    ).toEqual([]);
  });

  it('reports a reject-only timeout helper with medium confidence and a helper rewrite', () => {
    const [finding] = run(`
export const timeoutAfter = (ms: number) => new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms));`);
    expect(finding?.ruleId).toBe('uncleared-timer/race-timeout');
    expect(finding?.confidence).toBe('medium');
    expect(finding?.params?.['shape']).toBe('reject-helper');
    expect(finding?.params?.['timeoutMs']).toBeNull();
    expect(finding?.fix.replacement).toContain('function timeoutAfter<T>(work: Promise<T>, ms: number)');
    expect(finding?.fix.replacement).toContain('return Promise.race([work, timeout]).finally(() => clearTimeout(timer));');
  });

  it('writes a JavaScript fix without type annotations in .js files', () => {
    const [finding] = run(
      `
export function call(work) {
  return Promise.race([work, new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000))]);
}`,
      { file: 'src/gateway.js' },
    );
    expect(finding?.fix.replacement.startsWith('let timer;\n')).toBe(true);
  });

  it('skips test files', () => {
    expect(run(raceInMethod, { file: 'src/__tests__/gateway.test.ts' })).toEqual([]);
  });
});

describe('uncleared-timer: abort-timeout', () => {
  const abortAfter15s = `
export async function load(url: string) {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 15_000);
  const res = await fetch(url, { signal: ac.signal });
  return res.json();
}`;

  it('suggests AbortSignal.timeout() using the actual delay when Node allows it', () => {
    const [finding] = run(abortAfter15s, { nodeMajor: 18 });
    expect(finding?.ruleId).toBe('uncleared-timer/abort-timeout');
    // A timer and a controller for 15 s: light; no caller known: low.
    expect(finding?.severity).toBe('low');
    expect(finding?.fix.replacement).toBe('const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });');
  });

  it('falls back to clearing in .finally on old Node', () => {
    const [finding] = run(abortAfter15s, { nodeMajor: 16 });
    expect(finding?.fix.replacement).toContain('const timer = setTimeout(() => ac.abort(), 15_000);');
    expect(finding?.fix.replacement).toContain('const res = await fetch(url, { signal: ac.signal }).finally(() => clearTimeout(timer));');
  });

  it('is silent when the abort timer is cleared', () => {
    expect(
      run(`
export async function load(url: string) {
  const ac = new AbortController();
  const t = setTimeout(() => ac.abort(), 15_000);
  try { return await fetch(url, { signal: ac.signal }); } finally { clearTimeout(t); }
}`),
    ).toEqual([]);
  });
});

describe('uncleared-timer: interval', () => {
  it('accepts clears in any method of the class, forEach(clearInterval) and self-clearing callbacks', () => {
    expect(
      run(`
export class Poller {
  private t?: NodeJS.Timeout;
  private list: NodeJS.Timeout[] = [];
  begin() { this.t = setInterval(() => undefined, 1000); }
  add() { this.list.push(setInterval(() => undefined, 1000)); }
  stopPolling() { clearInterval(this.t); this.list.forEach(clearInterval); }
}
export function once(done: () => boolean) {
  const h = setInterval(() => { if (done()) clearInterval(h); }, 50);
}
export function withThis(done: () => boolean) {
  setInterval(function (this: NodeJS.Timeout) { if (done()) clearInterval(this); }, 50);
}`),
    ).toEqual([]);
  });

  it('reports a per-request interval as critical', () => {
    const [finding] = run(`
export function handler(req: { id: string }, res: { write(s: string): void }) {
  setInterval(() => res.write(req.id), 1000);
}`);
    expect(finding?.ruleId).toBe('uncleared-timer/interval');
    expect(finding?.severity).toBe('critical');
    expect(finding?.params).toEqual({ timeoutMs: 1000, perCall: true, unref: false, timer: 'setInterval' });
  });

  it('skips a start-up interval (one per process) unless asked, reports a CLI that can never exit as high', () => {
    const code = `setInterval(() => console.log('tick'), 1000);`;
    expect(run(code)).toEqual([]);
    const asked = { options: { 'uncleared-timer': { reportStartupIntervals: true } } };
    expect(run(code, asked)[0]?.severity).toBe('low');
    expect(run(code, { options: { 'uncleared-timer': { includeOnce: true } } })[0]?.severity).toBe('low');
    expect(run(`setInterval(() => console.log('tick'), 1000).unref();`, asked)).toEqual([]);
    expect(run(code, { file: 'scripts/watch.ts' })[0]?.severity).toBe('high');
    expect(run(`${code}\nprocess.exit(0);`, { file: 'scripts/watch.ts' })).toEqual([]);
    expect(run(`${code}\nprocess.exit(0);`, { file: 'scripts/watch.ts', ...asked })[0]?.severity).toBe('low');
  });

  it('takes an interval started by a function the module calls once at the top level as one per process', () => {
    const code = `
async function poll() {}
export function startPolling() {
  setInterval(() => void poll(), 5_000);
}
startPolling();`;
    expect(run(code)).toEqual([]);
    const reported = run(code, { options: { 'uncleared-timer': { reportStartupIntervals: true } } });
    expect(reported[0]?.evidence.join('\n')).toMatch(/called at the top level of its module: runs once at load/);
    // Called per request instead: a new interval per request.
    const perRequest = run(`
import express from 'express';
const app = express();
export function startPolling() {
  setInterval(() => undefined, 5_000);
}
app.get('/x', (req, res) => { startPolling(); res.end(); });`);
    expect(perRequest[0]?.severity).toBe('critical');
    expect(perRequest[0]?.evidence.join('\n')).toMatch(/called from <anonymous>/);
  });

  it('takes an interval guarded by its own holder as one per instance, and never fixes it by clearing it right away', () => {
    const [finding] = run(`
export class Heartbeat {
  private timer?: NodeJS.Timeout;
  start() {
    if (this.timer) return;
    this.timer = setInterval(() => undefined, 1_000);
  }
}`);
    expect(finding?.severity).toBe('medium');
    expect(finding?.evidence.join('\n')).toMatch(/one interval per instance/);
    const [free] = run(`
export function watch() {
  setInterval(() => undefined, 1_000);
}`);
    expect(free?.fix.replacement).toBe('const interval = setInterval(() => undefined, 1_000);\nreturn () => clearInterval(interval);');
  });

  it('stays silent for module-level intervals in browser code', () => {
    expect(run(`import { useState } from 'react';\nsetInterval(() => useState, 1000);`, { file: 'src/hooks/clock.ts' })).toEqual([]);
  });

  it('respects checkIntervals: false', () => {
    expect(run(`export function f() { setInterval(() => undefined, 10); }`, { options: { 'uncleared-timer': { checkIntervals: false } } })).toEqual([]);
  });

  it('is silent for handles returned, passed on or disposed with using', () => {
    expect(
      run(`
declare function track(t: NodeJS.Timeout): void;
export function a() { return setInterval(() => undefined, 10); }
export function b() { track(setInterval(() => undefined, 10)); }
export function c() { const t = setInterval(() => undefined, 10); return { t }; }
`),
    ).toEqual([]);
  });
});

describe('uncleared-timer: guard-timeout and delays', () => {
  const guard = (ms: string, clear = '') => `
import express from 'express';
const app = express();
app.get('/r/:id', async (req, res) => {
  const timer = setTimeout(() => {
    if (!res.headersSent) res.status(504).end();
  }, ${ms});${clear}
  res.json(await fetch('http://upstream/' + req.params.id).then((r) => r.json()));
});`;

  it('reports a per-request guard timer holding req/res, high for 30 s, with a close-listener fix', () => {
    const [finding, ...rest] = run(guard('30_000'));
    expect(rest).toEqual([]);
    expect(finding?.ruleId).toBe('uncleared-timer/guard-timeout');
    expect(finding?.severity).toBe('high');
    expect(finding?.params?.['shape']).toBe('guard');
    expect(finding?.fix.replacement).toContain("res.once('close', () => clearTimeout(timer));");
  });

  it('is light below 10 s and silent below a second or when cleared', () => {
    expect(run(guard('5000'))[0]?.severity).toBe('medium');
    expect(run(guard('500'))).toEqual([]);
    expect(run(guard('30_000', "\n  res.once('close', () => clearTimeout(timer));"))).toEqual([]);
  });

  it('does not take a deferred job or a check of state the function never sets for a guard', () => {
    expect(run(`export function later(id: string) { setTimeout(() => { void fetch('http://x/' + id); }, 60_000); }`)).toEqual([]);
    expect(run(`export class C { connected = false; ping(id: string) { setTimeout(() => { if (!this.connected) console.log(id); }, 30_000); } }`)).toEqual([]);
  });

  it('does not report a one-shot abort timer in browser code: one user waits, no server capacity is spent', () => {
    const code = `export async function search(q: string) {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 8000);
  const response = await fetch('/api?q=' + q, { signal: controller.signal });
  document.title = q;
  return response.json();
}`;
    expect(run(code, { nodeMajor: 16 })).toEqual([]);
    // The same function on a server (no DOM) is reported.
    expect(run(code.replace('document.title = q;\n', ''), { nodeMajor: 16 }).map((f) => f.ruleId)).toEqual(['uncleared-timer/abort-timeout']);
  });
});

describe('uncleared-timer: timers/promises raced against work', () => {
  const routeRace = (extra = '') => `import express from 'express';
import { setTimeout as sleep } from 'node:timers/promises';
const app = express();
app.get('/rate', async (_req, res) => {
  const rate = await Promise.race([fetch('https://rates.internal').then((r) => r.json()), sleep(30_000).then(() => { throw new Error('timeout'); })]);${extra}
  res.json(rate);
});
`;

  it('reports a promise timer that stays pending after the race, graded like race-timeout, with a fix that aborts it', () => {
    const [finding, ...rest] = run(routeRace());
    expect(rest).toEqual([]);
    expect(finding?.ruleId).toBe('uncleared-timer/race-timeout');
    // 30 s per request: moderate cost, per request: high (never critical, as for callback race timers).
    expect(finding?.severity).toBe('high');
    expect(finding?.evidence.join('\n')).toContain('setTimeout from timers/promises');
    expect(finding?.evidence.join('\n')).toContain('no AbortSignal');
    const edits = finding?.fix.edits ?? [];
    const fixed = applyEdits(routeRace(), edits);
    expect(fixed).toContain('const timerController = new AbortController();\n  const rate = await Promise.race(');
    expect(fixed).toContain("sleep(30_000, undefined, { signal: timerController.signal })");
    expect(fixed).toContain('.finally(() => timerController.abort());');
    // Applied, the fix is a cancelled timer: the rule is silent on it.
    expect(run(fixed)).toEqual([]);
  });

  it('accepts every import style of timers/promises and an unknown caller one step lower', () => {
    const code = (spec: string, name: string) => `import { setTimeout as ${name} } from '${spec}';
export async function lookup(work: Promise<number>): Promise<number | 'late'> {
  return Promise.race([work, ${name}(15_000, 'late' as const)]);
}
`;
    for (const [spec, name] of [['timers/promises', 'delay'], ['node:timers/promises', 'sleep'], ['timers/promises', 'wait']] as const) {
      const [finding] = run(code(spec, name));
      expect(finding?.ruleId).toBe('uncleared-timer/race-timeout');
      // No caller: how often is unknown, so medium (per request it would be high).
      expect(finding?.severity).toBe('medium');
      expect(finding?.confidence).toBe('medium');
    }
  });

  it('is silent when the signal is aborted, comes from the caller, or the delay is under a second; reports a signal never aborted', () => {
    const aborted = `import { setTimeout as sleep } from 'node:timers/promises';
export async function lookup(work: Promise<number>): Promise<number | undefined> {
  const controller = new AbortController();
  try {
    return await Promise.race([work, sleep(30_000, undefined, { signal: controller.signal })]);
  } finally {
    controller.abort();
  }
}
export async function owned(work: Promise<number>, signal: AbortSignal) {
  return Promise.race([work, sleep(30_000, undefined, { signal })]);
}
export async function quick(work: Promise<number>) {
  return Promise.race([work, sleep(200)]);
}
`;
    expect(run(aborted)).toEqual([]);
    const never = `import { setTimeout as sleep } from 'node:timers/promises';
export async function lookup(work: Promise<number>): Promise<number | undefined> {
  const controller = new AbortController();
  const timeout = sleep(30_000, undefined, { signal: controller.signal });
  return Promise.race([work, timeout]);
}
`;
    const [finding] = run(never);
    expect(finding?.evidence.join('\n')).toContain('never aborts');
    expect(applyEdits(never, finding?.fix.edits ?? [])).toContain('return Promise.race([work, timeout]).finally(() => controller.abort());');
  });
});

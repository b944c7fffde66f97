/** The recorder and the transform on their own (no child process): timers, thenables, sizes, the file's schema, the transform's text. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evidenceSchema } from '../../src/evidence/format.js';
import { instrumentModule, SiteIndex } from '../../src/evidence/instrument.js';
import { byteSize, Recorder } from '../../src/evidence/recorder.js';
import type { WatchedSite } from '../../src/evidence/sites.js';
import { loadTypeScript, ts } from '../../src/scanner/ts.js';

function site(family: WatchedSite['family'], line: number, extra: Partial<WatchedSite> = {}): WatchedSite {
  return { index: 0, fingerprint: 'f0', ruleId: `${family}/x`, family, file: 'app.js', absFile: path.resolve('/project/app.js'), line, column: 1, endLine: line, endColumn: 200, ...extra };
}

function recorderFor(sites: WatchedSite[]): Recorder {
  const recorder = new Recorder(sites, [], { entry: 'app.js', toolVersion: '0.0.0' });
  recorder.loaded(sites.map((s) => ({ index: s.index, state: 'instrumented' as const })));
  return recorder;
}

describe('recorder', () => {
  it('counts a timer down when it fires, is cleared or closed, and keeps clearing working', async () => {
    const recorder = recorderFor([site('uncleared-timer', 1)]);
    const live = () => (recorder as unknown as { records: Array<{ liveTimers: number }> }).records[0]!.liveTimers;
    let fired = 0;
    const fires = recorder.timer(0, setTimeout(() => (fired += 1), 1));
    const cleared = recorder.timer(0, setTimeout(() => (fired += 100), 1));
    const closed = recorder.timer(0, setInterval(() => (fired += 1000), 1));
    const interval = recorder.timer(0, setInterval(() => (fired += 10_000), 1));
    expect(live()).toBe(4);
    clearTimeout(cleared);
    closed.close();
    expect(live()).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The interval fired and goes on: it stays live until cleared.
    expect(fired % 10_000).toBe(1);
    expect(fired).toBeGreaterThanOrEqual(10_001);
    expect(live()).toBe(1);
    clearInterval(interval);
    expect(live()).toBe(0);
    // Clearing twice, or clearing a fired timer, counts nothing more.
    clearTimeout(cleared);
    clearTimeout(fires);
    expect(live()).toBe(0);
  });

  it('counts a timeout cleared in its own callback once, and passes its arguments and this', async () => {
    const recorder = recorderFor([site('uncleared-timer', 1)]);
    const live = () => (recorder as unknown as { records: Array<{ liveTimers: number }> }).records[0]!.liveTimers;
    const seen: unknown[] = [];
    const selfClearing: NodeJS.Timeout = recorder.timer(0, setTimeout(function (this: unknown, a: number, b: string) {
      seen.push(this === selfClearing, a, b);
      clearTimeout(selfClearing);
    }, 1, 7, 'x'));
    const args = [() => seen.push('spread'), 1] as const;
    recorder.timer(0, setTimeout(...args));
    const intervalClearing: NodeJS.Timeout = recorder.timer(0, setInterval(() => {
      seen.push('interval');
      clearInterval(intervalClearing);
    }, 1));
    expect(live()).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual(expect.arrayContaining([true, 7, 'x', 'spread', 'interval']));
    expect(seen.filter((value) => value === 'interval')).toHaveLength(1);
    expect(live()).toBe(0);
    // A timer created outside a site is not counted, and clearing it changes nothing.
    clearTimeout(setTimeout(() => undefined, 1));
    expect(live()).toBe(0);
  });

  it('settles a foreign thenable once, as await would', async () => {
    const recorder = recorderFor([site('sequential-await', 1)]);
    let calls = 0;
    const thenable = { then: (resolve: (value: number) => void) => (calls += 1, resolve(42)) };
    const execution = recorder.enter(0);
    const value = await recorder.op(execution, thenable);
    recorder.leave(execution);
    expect(value).toBe(42);
    expect(calls).toBe(1);
  });

  it('hands on a client instance made at a keep-alive site unchanged but for its calls, the same value for the same instance', async () => {
    const axios = (await import('axios')).default;
    const http = await import('node:http');
    const recorder = recorderFor([site('missing-keep-alive', 1)]);
    const agent = new http.Agent({ keepAlive: false });
    const instance = axios.create({ baseURL: 'http://127.0.0.1:1', httpAgent: agent });
    const followed = recorder.outbound(0, () => instance);
    expect(followed).not.toBe(instance);
    expect(recorder.outbound(0, () => instance)).toBe(followed);
    expect(typeof followed).toBe('function');
    // Data goes through as it is; methods keep working and keep their identity from one read to the next.
    expect(followed.defaults).toBe(instance.defaults);
    expect(followed.interceptors).toBe(instance.interceptors);
    expect(followed.get).toBe(followed.get);
    expect(followed.getUri({ url: '/a' })).toBe('http://127.0.0.1:1/a');
    // The agent the client holds is the site's: a request through it anywhere counts for it.
    expect((recorder as unknown as { agents: WeakMap<object, unknown> }).agents.has(agent)).toBe(true);
    // A read-only, non-configurable property is reported as it is (a Proxy must).
    const frozen = Object.defineProperty(() => undefined, 'helper', { value: () => 'h', writable: false, configurable: false });
    const client = Object.assign(frozen, { defaults: {} });
    expect(recorder.outbound(0, () => client).helper).toBe(client.helper);
    // Anything that is not a client, an agent or a promise is handed on as it is.
    const plain = { defaults: {} };
    expect(recorder.outbound(0, () => plain)).toBe(plain);
  });

  it('measures strings as UTF-8 and buffers by their length; other values have no size', () => {
    expect(byteSize('é')).toBe(2);
    expect(byteSize(Buffer.alloc(7))).toBe(7);
    expect(byteSize({ a: 1 })).toBeUndefined();
  });

  it('writes a file the schema accepts, with no figure for a site that never ran', () => {
    const recorder = new Recorder([site('fake-compression', 1)], ['a warning'], { label: 'before', entry: 'app.js', toolVersion: '0.0.0' });
    const file = evidenceSchema.parse(recorder.snapshot('exit'));
    expect(file.sites[0]).toMatchObject({ state: 'not-loaded', hits: 0, metrics: {} });
    expect(file.warnings).toEqual(['a warning']);
  });
});

describe('transform', () => {
  const index = (sites: WatchedSite[]) => new SiteIndex(sites);
  const parses = (code: string) => {
    loadTypeScript();
    const sf = ts.createSourceFile('x.js', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
    return (sf as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics.length === 0;
  };

  it('keeps every line where it was, the "use strict" directive first, and the code parsing', () => {
    const code = ['"use strict";', 'async function f(a) {', '  "use strict";', '  const x = await a.one();', '  const y = await a.two();', '  return [x, y];', '}', 'module.exports = f;', ''].join('\n');
    const result = instrumentModule(path.resolve('/project/app.js'), code, index([site('sequential-await', 4, { endLine: 5 })]))!;
    expect(result.outcomes).toEqual([{ index: 0, state: 'instrumented' }]);
    expect(result.code.split('\n')).toHaveLength(code.split('\n').length);
    expect(result.code.startsWith('"use strict";')).toBe(true);
    expect(result.code.split('\n')[1]).toMatch(/^async function f\(a\) \{$/);
    expect(result.code.split('\n')[2]).toMatch(/^ {2}"use strict";\s*const __bottleneckExec0\$ = /);
    expect(parses(result.code)).toBe(true);
  });

  it('counts a loop\'s awaits per call of its function, and an async forEach callback\'s per call of the function that runs forEach', () => {
    const code = [
      'export async function loadAll(ids) {',
      '  for (const id of ids) {',
      '    const answer = await fetch(`/item/${id}`);',
      '  }',
      '}',
      'export function saveAll(items) {',
      '  items.forEach(async (item) => {',
      '    await fetch(`/save/${item}`);',
      '  });',
      '}',
      '',
    ].join('\n');
    const sites = [site('sequential-await', 3, { column: 26, endColumn: 46, calls: ['fetch'] }), site('sequential-await', 7, { index: 1, column: 3, endLine: 9, endColumn: 5 })];
    const result = instrumentModule(path.resolve('/project/app.js'), code, index(sites))!;
    expect(result.outcomes.map((outcome) => outcome.state)).toEqual(['instrumented', 'instrumented']);
    const lines = result.code.split('\n');
    expect(lines[0]).toContain('export async function loadAll(ids) {const __bottleneckExec0$ = __bottleneckEvidence$.enter(0); try {');
    expect(lines[2]).toBe('    const answer = await __bottleneckEvidence$.op(__bottleneckExec0$, fetch(`/item/${id}`));');
    expect(lines[5]).toContain('export function saveAll(items) {const __bottleneckExec1$ = __bottleneckEvidence$.enter(1); try {');
    expect(lines[7]).toBe('    await __bottleneckEvidence$.op(__bottleneckExec1$, fetch(`/save/${item}`));');
    expect(parses(result.code)).toBe(true);
  });

  it('leaves a shebang first', () => {
    const code = '#!/usr/bin/env node\nsetTimeout(() => {}, 5000);\n';
    const result = instrumentModule(path.resolve('/project/app.js'), code, index([site('uncleared-timer', 2)]))!;
    expect(result.code.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(parses(result.code.replace(/^#!.*\n/, ''))).toBe(true);
  });

  it('tags an agent where it is built, and runs any other keep-alive call inside the site\'s context', () => {
    const code = ['const agent = new http.Agent({ keepAlive: false });', 'const answer = fetch(url, { headers: { connection: "close" } });', ''].join('\n');
    const sites = [site('missing-keep-alive', 1, { column: 32, endColumn: 48 }), site('missing-keep-alive', 2, { index: 1, column: 40, endColumn: 59 })];
    const result = instrumentModule(path.resolve('/project/app.js'), code, index(sites))!;
    const [agentLine, fetchLine] = result.code.split('\n');
    expect(agentLine).toContain('const agent = __bottleneckEvidence$.agent(0, new http.Agent({ keepAlive: false }));');
    expect(fetchLine).toBe('const answer = __bottleneckEvidence$.outbound(1, () => fetch(url, { headers: { connection: "close" } }));');
  });

  it('does not touch a file that holds no site', () => {
    expect(instrumentModule(path.resolve('/project/other.js'), 'setTimeout(() => {}, 5000);\n', index([site('uncleared-timer', 1)]))).toBeUndefined();
  });
});

/**
 * missing-keep-alive client variants with --exec: the user's `axios.create(...)` from the fixtures, built by
 * the real axios inside the child, sends its requests to a loopback server that counts connections.
 * Assertions are on connection counts, coverage of the finding's line and the interval's structure.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings.js';
import { clientFix } from '../../src/probe/exec/keep-alive.js';
import { execProbes } from '../../src/probe/exec.js';
import { runProbes } from '../../src/probe/run.js';
import type { Verification } from '../../src/probe/types.js';
import { analyzeText } from '../helpers.js';

const root = path.resolve(import.meta.dirname, '../..');
const io = { stdout: () => undefined, stderr: () => undefined, cwd: root, env: {}, isTTY: false };

function fixtureFinding(file: string, line: number, nodeMajor?: number): Finding {
  const { findings } = analyzeText(readFileSync(path.join(root, file), 'utf8'), { file, rules: ['missing-keep-alive'], ...(nodeMajor ? { nodeMajor } : {}) });
  const finding = findings.find((f) => f.line === line);
  if (!finding) throw new Error(`no missing-keep-alive finding at ${file}:${line}`);
  return finding;
}

async function verify(finding: Finding, budgetMs = 30_000): Promise<Verification> {
  const exec = execProbes(io, root);
  const { findings } = await runProbes(exec.prepare([finding]), { budgetMs, signal: new AbortController().signal, probes: exec.probes, mode: exec.mode });
  return findings[0]?.verification as Verification;
}

describe('missing-keep-alive clients --exec on the fixtures', () => {
  it('connection-close: your axios client with `Connection: close` opens a connection per request; without the header it reuses them', async () => {
    const v = await verify(fixtureFinding('fixtures/missing-keep-alive/connection-close.ts', 10));
    expect(v.mode).toBe('exec');
    expect(v.measurements[0]).toMatchObject({ metric: 'connections opened for 200 requests', before: 200, after: 10 });
    expect(v.evidence?.reached).toMatchObject({ file: 'fixtures/missing-keep-alive/connection-close.ts', line: 10, executed: true });
    expect(v.evidence?.interval).toMatchObject({ method: 'exact', low: 20, high: 20 });
    expect(v.status).toBe('verified');
    expect(v.notes.join('\n')).toContain('as found: {"connectionHeader":"close","agent":"none: the global agent"}; with the fix: {"connectionHeader":null,');
  }, 60_000);

  it("no-agent-old-node: your axios.create without an agent, on Node 18's global agent (stated), vs the fix's keep-alive agents", async () => {
    const v = await verify(fixtureFinding('fixtures/missing-keep-alive/node18/service.ts', 12, 18));
    expect(v.mode).toBe('exec');
    expect(v.measurements[0]).toMatchObject({ before: 200, after: 10 });
    expect(v.evidence?.reached).toMatchObject({ line: 12, executed: true });
    expect(v.evidence?.interval).toMatchObject({ method: 'exact', low: 20 });
    expect(v.status).toBe('verified');
    const notes = v.notes.join('\n');
    expect(notes).toMatch(/Node 18's global agents emulated \(keepAlive: false\)/);
    expect(notes).toContain('with the fix: {"connectionHeader":null,"agent":{"keepAlive":true}}');
  }, 60_000);

  it('a call of the default axios instance inside a handler runs the replica and says why', async () => {
    const v = await verify(fixtureFinding('fixtures/missing-keep-alive/node18/default-axios.ts', 6, 18), 5_000);
    expect(v.mode).toBe('replica');
    expect(v.notes[0]).toMatch(/^--exec ran the replica, not your code: /);
    expect(v.status).not.toBe('verified');
  }, 60_000);
});

describe('the fix as a client factory', () => {
  const text = "const api = axios.create({ baseURL: 'x', headers: { Connection: 'close' } });\n";
  const expression = { start: text.indexOf('axios'), end: text.indexOf(');') + 1 };

  it('splices a fix that rewrites part of the options into the copy', () => {
    const headers = text.indexOf('{ Connection');
    const fix = clientFix(text, expression, { start: headers, end: text.indexOf('}') + 1 }, '{}', 'a.ts');
    expect(fix).toEqual({ imports: '', body: "return (axios.create({ baseURL: 'x', headers: {} }));" });
  });

  it('runs a fix that adds imports and agents in its own block, with its imports bound under fresh names', () => {
    const snippet = "import http from 'node:http';\nimport * as https from 'https';\n\nconst agent = new http.Agent({ keepAlive: true });\nconst client = axios.create({ httpAgent: agent });\n// then use client";
    const fix = clientFix(text, expression, undefined, snippet, 'a.ts');
    expect(fix).toMatchObject({ imports: "import * as __bottleneckFixImport0 from \"node:http\";\nimport * as __bottleneckFixImport1 from \"https\";" });
    if ('skip' in fix) return;
    expect(fix.body.split('\n')).toEqual([
      'const http = __bottleneckFixImport0.default ?? __bottleneckFixImport0;',
      'const https = __bottleneckFixImport1;',
      'const agent = new http.Agent({ keepAlive: true });',
      'const client = axios.create({ httpAgent: agent });',
      'return client;',
    ]);
    expect(clientFix(text, expression, undefined, "import got from 'got';\ngot.extend({})", 'a.ts')).toEqual({ skip: 'the fix imports got, which this probe does not load' });
  });
});

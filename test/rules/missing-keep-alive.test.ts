import { describe, expect, it } from 'vitest';
import { analyzeText } from '../helpers.js';

const run = (code: string, options: { file?: string; nodeMajor?: number; ruleOptions?: Record<string, unknown> } = {}) => {
  const result = analyzeText(code, {
    rules: ['missing-keep-alive'],
    file: options.file,
    nodeMajor: options.nodeMajor,
    options: options.ruleOptions ? { 'missing-keep-alive': options.ruleOptions } : undefined,
  });
  expect(result.errors).toEqual([]);
  return result.findings;
};

describe('missing-keep-alive: explicit agents', () => {
  it('reports an https.Agent that only changes TLS settings, with a fix keeping its options', () => {
    const [finding, ...rest] = run(`import https from 'node:https';\nimport axios from 'axios';\nexport const api = axios.create({ httpsAgent: new https.Agent({ rejectUnauthorized: false, ca: CA }) });`);
    expect(rest).toEqual([]);
    expect(finding?.ruleId).toBe('missing-keep-alive/agent-without-keepalive');
    // An https agent is a heavy cost per request; nothing in the project uses `api`, so how often is unknown.
    expect(finding?.severity).toBe('high');
    expect(finding?.confidence).toBe('medium');
    expect(finding?.fix.replacement).toBe('new https.Agent({ keepAlive: true, maxSockets: 50, maxFreeSockets: 10, rejectUnauthorized: false, ca: CA })');
    expect(finding?.params).toMatchObject({ agentFamily: 'node', protocol: 'https', keepAlive: false, maxSockets: null, createdPer: 'startup' });
    expect(finding?.evidence.join(' ')).toContain('defaults to keepAlive: false on every Node version');
  });

  it('reports keepAlive: false at the property and suggests keepAlive: true', () => {
    const [finding] = run(`const http = require('http');\nconst agent = new http.Agent({\n  maxSockets: 5,\n  keepAlive: false,\n});`);
    expect(finding?.ruleId).toBe('missing-keep-alive/keepalive-false');
    expect(finding?.line).toBe(4);
    expect(finding?.fix.replacement).toBe('keepAlive: true');
    expect(finding?.params).toMatchObject({ protocol: 'http', keepAlive: false, maxSockets: 5 });
  });

  it('follows an options const one hop and respects a suggested pool size option', () => {
    const [finding] = run(`import { Agent } from 'https';\nconst opts = { timeout: 1000 };\nexport const a = new Agent(opts);`, { ruleOptions: { suggestedMaxSockets: 8 } });
    expect(finding?.ruleId).toBe('missing-keep-alive/agent-without-keepalive');
    expect(finding?.fix.replacement).toBe('new Agent({ ...opts, keepAlive: true, maxSockets: 8, maxFreeSockets: 10 })');
  });

  it('stays silent when keepAlive may come from somewhere it cannot see', () => {
    expect(run(`import https from 'https';\nexport function make(o: https.AgentOptions) { return new https.Agent({ ...o, timeout: 1 }); }`)).toEqual([]);
    expect(run(`import https from 'https';\nexport function make(o: https.AgentOptions) { return new https.Agent(o); }`)).toEqual([]);
    expect(run(`import https from 'https';\nexport const a = new https.Agent({ keepAlive: process.env.KA === '1' });`)).toEqual([]);
    expect(run(`import https from 'https';\nlet opts = { timeout: 1 };\nexport const a = new https.Agent(opts);`)).toEqual([]);
  });

  it('ignores agentkeepalive, undici and a local class named Agent', () => {
    expect(run(`import Agent from 'agentkeepalive';\nexport const a = new Agent();`)).toEqual([]);
    expect(run(`import { Pool } from 'undici';\nexport const p = new Pool('https://x');`)).toEqual([]);
    expect(run(`class Agent { constructor(o?: object) {} }\nexport const a = new Agent({});`)).toEqual([]);
  });

  it('treats an explanatory comment or maxCachedSessions: 0 as deliberate, but not any mention of keep-alive', () => {
    expect(run(`import https from 'https';\n// disable keep-alive: the LB drops idle sockets\nexport const a = new https.Agent({ keepAlive: false });`)).toEqual([]);
    expect(run(`import https from 'https';\nexport const a = new https.Agent({ maxCachedSessions: 0 });`)).toEqual([]);
    expect(run(`import https from 'https';\nexport function healthCheckAgent() { return new https.Agent({}); }`)).toEqual([]);
    expect(run(`import https from 'https';\n// TODO: enable keepAlive later\nexport const a = new https.Agent({});`)).toHaveLength(1);
  });

  it('lowers an agent built in a function whose lifetime is not visible', () => {
    const [finding] = run(`import https from 'https';\nexport function makeAgent(ca: string) { return new https.Agent({ ca }); }`);
    expect(finding?.ruleId).toBe('missing-keep-alive/agent-without-keepalive');
    expect(finding?.severity).toBe('medium');
  });

  it('is silent in tests and scripts unless asked', () => {
    const code = `import https from 'https';\nexport const a = new https.Agent({ rejectUnauthorized: false });`;
    expect(run(code, { file: 'src/__tests__/client.test.ts' })).toEqual([]);
    expect(run(code, { file: 'scripts/seed.ts' })).toEqual([]);
    const [finding] = run(code, { file: 'scripts/seed.ts', ruleOptions: { includeTestsAndScripts: true } });
    expect(finding?.severity).toBe('medium');
  });
});

describe('missing-keep-alive: per-request agents', () => {
  it('reports an https agent built inside a request handler as critical (proven per-request handshake), with a hoisting fix', () => {
    const [finding] = run(
      `import https from 'https';\nimport axios from 'axios';\nexport async function handler(req: any, res: any) {\n  const r = await axios.get('https://x', { httpsAgent: new https.Agent({ keepAlive: true }) });\n  res.json(r.data);\n}`,
    );
    expect(finding?.ruleId).toBe('missing-keep-alive/per-request-client');
    expect(finding?.severity).toBe('critical');
    expect(finding?.confidence).toBe('high');
    expect(finding?.message).toContain('handler()');
    expect(finding?.fix.replacement).toContain('const sharedHttpsAgent = new https.Agent({ keepAlive: true, maxSockets: 50, maxFreeSockets: 10 });');
    expect(finding?.params).toMatchObject({ createdPer: 'request', keepAlive: true });
  });

  it('reports a per-call agent with no known caller as high (unknown frequency) and suggests a keyed cache when its options use call-local values', () => {
    const [finding] = run(
      `import https from 'https';\nimport axios from 'axios';\nexport async function fetchProfile(id: string, caCert: string) {\n  const agent = new https.Agent({ ca: caCert });\n  const { data } = await axios.get('https://p/' + id, { httpsAgent: agent });\n  agent.destroy();\n  return data;\n}`,
    );
    expect(finding?.ruleId).toBe('missing-keep-alive/per-request-client');
    expect(finding?.severity).toBe('high');
    expect(finding?.confidence).toBe('medium');
    expect(finding?.evidence.join(' ')).toContain('no caller of fetchProfile found in the project');
    expect(finding?.evidence.join(' ')).toContain('no keepAlive: true');
    expect(finding?.fix.replacement).toContain('function agentFor(caCert: string)');
    expect(finding?.effort).toBe('small');
  });

  it('follows a per-call client built with axios.create and used right away', () => {
    const [finding] = run(`import https from 'https';\nimport axios from 'axios';\nexport async function send(url: string) {\n  return axios.create({ httpsAgent: new https.Agent({ keepAlive: true }) }).post(url, {});\n}`);
    expect(finding?.ruleId).toBe('missing-keep-alive/per-request-client');
  });

  it('does not report an agent that is returned, cached or stored on the instance', () => {
    expect(run(`import https from 'https';\nimport axios from 'axios';\nexport function client(baseURL: string) {\n  const httpsAgent = new https.Agent({ keepAlive: true });\n  return axios.create({ baseURL, httpsAgent });\n}`)).toEqual([]);
    expect(run(`import https from 'https';\nconst cache = new Map();\nexport function agentFor(h: string) {\n  const a = new https.Agent({ keepAlive: true });\n  cache.set(h, a);\n  return a;\n}`)).toEqual([]);
    expect(run(`import https from 'https';\nexport class C {\n  agent?: https.Agent;\n  get() { this.agent = new https.Agent({ keepAlive: true }); }\n}`)).toEqual([]);
  });

  it('treats server.listen callbacks and example directories as run-once code', () => {
    const code = `import https from 'https';\nimport axios from 'axios';\nserver.listen(3000, async () => {\n  await axios.get('https://x', { httpsAgent: new https.Agent({ keepAlive: true }) });\n});`;
    expect(run(code)).toEqual([]);
    expect(run(`import https from 'https';\nexport const a = new https.Agent({});`, { file: 'examples/client.ts' })).toEqual([]);
  });

  it('reports undici dispatchers created per call', () => {
    const [finding] = run(`import { Agent } from 'undici';\nexport function go(url: string) { return fetch(url, { dispatcher: new Agent() }); }`);
    expect(finding?.ruleId).toBe('missing-keep-alive/per-request-client');
    expect(finding?.params).toMatchObject({ agentFamily: 'undici', protocol: null });
  });
});

describe('missing-keep-alive: clients without an agent', () => {
  const client = `import axios from 'axios';\nexport const api = axios.create({ baseURL: 'https://x' });`;

  it('reports only when the oldest supported Node is below 19', () => {
    const [finding] = run(client, { nodeMajor: 18 });
    expect(finding?.ruleId).toBe('missing-keep-alive/no-agent-old-node');
    // Supported, not pinned, and no user of the client known: moderate, unknown, lowered once.
    expect(finding?.severity).toBe('low');
    expect(finding?.confidence).toBe('medium');
    expect(finding?.evidence.join(' ')).toContain('engines.node ">=18"');
    expect(finding?.fix.replacement).toContain("axios.create({ baseURL: 'https://x', httpAgent, httpsAgent })");
    expect(finding?.params).toMatchObject({ client: 'axios.create()', minNodeMajor: 18, keepAlive: false });
    expect(run(client, { nodeMajor: 20 })).toEqual([]);
    expect(run(client)).toEqual([]);
    expect(run(client, { nodeMajor: 18, ruleOptions: { checkOldNodeClients: false } })).toEqual([]);
  });

  it('accepts configured agents and stays silent on unknown spreads', () => {
    expect(run(`import axios from 'axios';\nimport { agent } from './agent';\nexport const api = axios.create({ httpsAgent: agent });`, { nodeMajor: 16 })).toEqual([]);
    expect(run(`import axios from 'axios';\nexport const make = (c: object) => axios.create({ ...c });`, { nodeMajor: 16 })).toEqual([]);
  });

  it('reports default-instance calls once per file at the hottest call', () => {
    const findings = run(
      `import got from 'got';\nexport async function a() { return got('https://a'); }\nexport async function b(req: any, res: any) { res.send(await got.get('https://b', { timeout: { request: 1 } })); }\nexport async function c() { return got.post('https://c', { agent: { https: shared } }); }`,
      { nodeMajor: 16 },
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]?.line).toBe(3);
    expect(findings[0]?.severity).toBe('medium');
    expect(findings[0]?.message).toContain('and 1 more call');
  });

  it('stays silent for a lone call or a per-call client not on a proven hot path, reports them in loops', () => {
    expect(run(`import fetch from 'node-fetch';\nexport async function refreshKeys() { return fetch('https://keys'); }`, { nodeMajor: 18 })).toEqual([]);
    expect(run(`import axios from 'axios';\nexport async function notify(url: string) { return axios.create().post(url, {}); }`, { nodeMajor: 18 })).toEqual([]);
    const [finding] = run(`import axios from 'axios';\nexport async function notifyAll(urls: string[]) {\n  for (const url of urls) await axios.post(url, {});\n}`, { nodeMajor: 18 });
    expect(finding?.ruleId).toBe('missing-keep-alive/no-agent-old-node');
    expect(finding?.evidence).toContain('runs once per loop iteration');
  });

  it('reports a client created in a constructor (a service built once)', () => {
    const [finding] = run(`import axios from 'axios';\nexport class PaymentsService {\n  private http;\n  constructor() { this.http = axios.create({ baseURL: 'https://p' }); }\n}`, { nodeMajor: 18 });
    expect(finding?.ruleId).toBe('missing-keep-alive/no-agent-old-node');
  });

  it('ignores global fetch, browser files and files that replace the global agent', () => {
    expect(run(`export const get = (u: string) => fetch(u);`, { nodeMajor: 18 })).toEqual([]);
    expect(run(`import axios from 'axios';\nimport React from 'react';\nexport const api = axios.create({});`, { nodeMajor: 18 })).toEqual([]);
    expect(run(`import axios from 'axios';\nimport https from 'https';\nhttps.globalAgent = new https.Agent({ keepAlive: true });\nexport const api = axios.create({});`, { nodeMajor: 18 })).toEqual([]);
  });

  it('reports Nest HttpModule.register without agents', () => {
    const [finding] = run(`import { HttpModule } from '@nestjs/axios';\nexport const m = HttpModule.register({ timeout: 1000 });`, { nodeMajor: 16 });
    expect(finding?.ruleId).toBe('missing-keep-alive/no-agent-old-node');
  });
});

describe('missing-keep-alive: Connection: close', () => {
  it('reports the header on a client and proposes the headers without it', () => {
    const [finding] = run(`import axios from 'axios';\nexport const api = axios.create({ headers: { Accept: 'application/json', Connection: 'close' } });`);
    expect(finding?.ruleId).toBe('missing-keep-alive/connection-close');
    expect(finding?.fix.replacement).toBe("{ Accept: 'application/json' }");
    expect(finding?.params).toMatchObject({ header: 'Connection: close', client: 'axios.create()' });
  });

  it('ignores server responses and unrelated objects', () => {
    expect(run(`export function f(res: any) { res.writeHead(200, { Connection: 'close' }); }`)).toEqual([]);
    expect(run(`export const r = { statusCode: 200, headers: { Connection: 'close' } };`)).toEqual([]);
  });
});

describe('missing-keep-alive: on the project model', () => {
  it('reads an intent comment that wraps over two // lines as intent', () => {
    const code = `import https from 'node:https';\n// requests to the status page are rare, so disabling\n// keep-alive here avoids stale-socket reuse\nexport const statusAgent = new https.Agent({ keepAlive: false });`;
    expect(run(code)).toEqual([]);
    expect(run(`import https from 'node:https';\nexport const statusAgent = new https.Agent({ keepAlive: false });`)[0]?.ruleId).toBe('missing-keep-alive/keepalive-false');
  });

  it('reports a factory returning a new subclass of https.Agent when a request handler calls it, with the chain', () => {
    const code = `import https from 'node:https';\nimport axios from 'axios';\nclass PartnerAgent extends https.Agent {}\nexport function partnerAgent() {\n  return new PartnerAgent({ keepAlive: true });\n}\nexport async function handler(req: any, res: any) {\n  const r = await axios.get('https://x', { httpsAgent: partnerAgent() });\n  res.json(r.data);\n}`;
    const findings = run(code);
    expect(findings.map((f) => [f.ruleId, f.line, f.severity])).toEqual([['missing-keep-alive/per-request-client', 8, 'critical']]);
    expect(findings[0]?.evidence.join(' ')).toContain('handler() -> partnerAgent() -> new PartnerAgent (extends https.Agent)');
    expect(findings[0]?.params).toMatchObject({ agentFamily: 'node-agent', keepAlive: true, factory: 'partnerAgent' });
  });

  it('reports a proxy agent built inline per request', () => {
    const code = `import { HttpsProxyAgent } from 'https-proxy-agent';\nimport axios from 'axios';\nexport async function handler(req: any, res: any) {\n  const r = await axios.get('https://x', { httpsAgent: new HttpsProxyAgent(process.env.PROXY!) });\n  res.json(r.data);\n}`;
    const [finding, ...rest] = run(code);
    expect(rest).toEqual([]);
    expect(finding?.ruleId).toBe('missing-keep-alive/per-request-client');
    expect(finding?.severity).toBe('critical');
  });

  it('does not report a factory called once at module level unless includeOnce is set', () => {
    const code = `import https from 'node:https';\nclass PartnerAgent extends https.Agent {}\nfunction partnerAgent() {\n  return new PartnerAgent({ keepAlive: true });\n}\nexport const agent = partnerAgent();\nexport function startup() {\n  partnerAgent().destroy();\n}\nstartup();`;
    expect(run(code)).toEqual([]);
    const reported = run(code, { ruleOptions: { includeOnce: true } });
    expect(reported.map((f) => [f.line, f.severity])).toEqual([[8, 'low']]);
  });

  it('judges a factory calling a factory at its callers, not inside the outer factory', () => {
    const code = `import https from 'node:https';\nimport axios from 'axios';\nfunction agent() {\n  return new https.Agent({ keepAlive: true });\n}\nfunction client() {\n  return axios.create({ httpsAgent: agent() });\n}\nexport async function handler(req: any, res: any) {\n  res.json((await client().get('https://x')).data);\n}`;
    const findings = run(code);
    expect(findings.map((f) => [f.ruleId, f.line, f.severity])).toEqual([['missing-keep-alive/per-request-client', 10, 'critical']]);
    expect(findings[0]?.evidence.join(' ')).toContain('handler() -> client() -> agent() -> new https.Agent');
  });

  it('does not report a memoised factory', () => {
    const code = `import https from 'node:https';\nimport axios from 'axios';\nlet cached: https.Agent | undefined;\nfunction shared() {\n  if (cached) return cached;\n  cached = new https.Agent({ keepAlive: true });\n  return cached;\n}\nexport async function handler(req: any, res: any) {\n  res.json(await axios.get('https://x', { httpsAgent: shared() }));\n}`;
    expect(run(code)).toEqual([]);
  });
});

describe('missing-keep-alive: the runtime a Dockerfile runs', async () => {
  const { dockerRuntime } = await import('../../rules/missing-keep-alive.js');
  it('reads the last stage, through stage names and distroless images', () => {
    expect(dockerRuntime('FROM node:18-bullseye AS build\nRUN npm ci\nFROM node:20-slim\nCMD ["node", "dist/server.js"]')?.major).toBe(20);
    expect(dockerRuntime('FROM node:20 AS build\nFROM gcr.io/distroless/nodejs18-debian12\nCOPY --from=build /app /app')?.major).toBe(18);
    expect(dockerRuntime('FROM --platform=linux/amd64 node:16-alpine AS base\nFROM base AS runner\nCMD ["node", "index.js"]')?.major).toBe(16);
    // The running image names no Node version: nothing is known.
    expect(dockerRuntime('FROM node:18 AS build\nFROM alpine:3.20\nCOPY --from=build /app/bin /bin')).toBeUndefined();
  });
});

/**
 * missing-keep-alive with `--exec`: where the finding is the user's own agent construction and that
 * expression reads only module-scope names (see agent-expression.ts), it is copied verbatim into a factory
 * appended to its module, beside the same expression with the finding's fix in place. Both are evaluated
 * in one child process with the module's real bindings (Node's http/https are real; a bare package the
 * constructor comes from is bundled for real from the user's project), and each agent carries N requests
 * at concurrency C to a server inside the same child that counts TCP connections. The child's network
 * namespace has loopback up and nothing else.
 *
 * A per-request finding (an agent built inside the function, per call) measures the same expression
 * built per request (as found) and built once and shared (what the fix's module-level agent does).
 * Everything else (clients such as axios.create without an agent, Connection: close headers, options that
 * read function locals, undici dispatchers) runs the replica, and the verification says why.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { testCertificate } from '../loopback.js';
import { keepAliveProbe, type KeepAliveParams } from '../probes/keep-alive.js';
import { exact, verdict } from '../stats.js';
import { exactInterval } from '../verdicts.js';
import type { Measurement, Probe, ProbeContext, ProbeOutcome } from '../types.js';
import { ts } from '../../scanner/ts.js';
import { agentExpression, constructionExpression } from './agent-expression.js';
import { applyFix } from './apply-fix.js';
import { compileCheck, describeContainment, runUserModule, noResultReason } from './harness.js';
import { parseSource, type CallTarget } from './locate.js';
import { fixFailed, locationOf, skipBeforeRunning, execSkip, stubbedNote, type ExecLocation } from './outcome.js';

const FACTORY = '__bottleneckAgents';

/** A server inside the child that counts TCP connections; both bodies below drive one per side. */
const COUNTING_SERVER = `
const http = await import('node:http');
const https = await import('node:https');
async function countingServer(secure, certificate) {
  let connections = 0;
  const handler = (req, res) => { req.resume(); res.writeHead(200, { 'content-length': 2 }); res.end('ok'); };
  const server = secure ? https.createServer({ key: certificate.key, cert: certificate.cert }, handler) : http.createServer(handler);
  server.on('connection', () => { connections++; });
  server.keepAliveTimeout = 10_000;
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve); });
  return {
    port: server.address().port,
    connections: () => connections,
    close: async () => { server.closeAllConnections(); await new Promise((resolve) => server.close(resolve)); },
  };
}
/** \`requests\` calls of \`send\` by \`concurrency\` workers; failures counted, not thrown. */
async function load(requests, concurrency, send) {
  let issued = 0, completed = 0, errors = 0, firstError;
  const worker = async () => {
    while (issued < requests) {
      issued++;
      try { await send(); completed++; } catch (error) { errors++; firstError ??= describeError(error); }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { completed, errors, firstError, ms: performance.now() - t0 };
}
/** One side's counts, the server closed. */
async function sideResult(server, run, secure, options) {
  const connections = server.connections();
  await server.close();
  return { requests: run.completed, errors: run.errors, firstError: run.firstError, connections, msPerRequest: run.ms / Math.max(1, run.completed), secure, options };
}
/** As found, then (unless that failed) with the fix; the result goes to the parent and the child ends. */
async function driveBothSides(drive) {
  const before = await drive('before');
  const after = before.error ? undefined : await drive('after');
  emit({ before, after, reached: await findingReached() });
  process.exit(0);
}
`;

/** Builds each side's agent, drives it against a local connection-counting server, reports counts. */
const KEEP_ALIVE_BODY = `${COUNTING_SERVER}
const factories = holder;
const { requests, concurrency, perRequest, certificate } = config.family;
async function drive(side) {
  const sample = factories[side]();
  if (!(sample instanceof http.Agent)) return { error: 'the expression did not build a node http(s).Agent' };
  const secure = sample.protocol === 'https:';
  const options = { keepAlive: sample.keepAlive === true, maxSockets: Number.isFinite(sample.maxSockets) ? sample.maxSockets : 'Infinity' };
  // Per request as found: a fresh agent from the expression for every request; otherwise this one agent.
  const shared = perRequest && side === 'before' ? undefined : sample;
  if (!shared) sample.destroy();
  if (secure && !certificate) return { error: 'an https agent, and no test certificate (openssl missing)' };
  const server = await countingServer(secure, certificate);
  const client = secure ? https : http;
  const one = (agent) => new Promise((resolve, reject) => {
    const req = client.request({ host: '127.0.0.1', port: server.port, path: '/', agent, ...(secure ? { ca: certificate.cert } : {}) }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.setTimeout(5_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
  const run = await load(requests, concurrency, async () => {
    const agent = shared ?? factories[side]();
    try { await one(agent); } finally { if (!shared) agent.destroy(); }
  });
  shared?.destroy();
  return sideResult(server, run, secure, options);
}
await driveBothSides(drive);
`;

/**
 * Builds each side's axios instance from your expression (real axios, from your project) and sends its
 * requests, with every option it was built with, to the counting server: an absolute URL replaces only
 * the base URL's host (the scheme stays the one your base URL names).
 */
const CLIENT_BODY = `${COUNTING_SERVER}
const { requests, concurrency, oldNodeAgents, certificate } = config.family;
if (oldNodeAgents) {
  // Node 18 and older: the global agents (used when a client names none) close every connection.
  http.default.globalAgent = new http.Agent({ keepAlive: false });
  https.default.globalAgent = new https.Agent({ keepAlive: false });
}
async function drive(side) {
  let client;
  try { client = holder[side](); } catch (error) { return { error: (side === 'before' ? 'your client construction threw: ' : 'the fixed client construction threw: ') + describeError(error) }; }
  if (!client || typeof client.request !== 'function' || !client.defaults) return { error: 'the expression did not build an axios instance' };
  const secure = String(client.defaults.baseURL ?? '').startsWith('https:');
  if (secure && !certificate) return { error: 'an https base URL, and no test certificate (openssl missing)' };
  const headers = client.defaults.headers ?? {};
  const agent = secure ? client.defaults.httpsAgent : client.defaults.httpAgent;
  const options = {
    connectionHeader: headers.Connection ?? headers.connection ?? headers.common?.Connection ?? null,
    agent: agent ? { keepAlive: agent.keepAlive === true } : 'none: the global agent',
  };
  const server = await countingServer(secure, certificate);
  const url = (secure ? 'https' : 'http') + '://127.0.0.1:' + server.port + '/';
  const run = await load(requests, concurrency, () => client.request({ url, method: 'get' }));
  return sideResult(server, run, secure, options);
}
await driveBothSides(drive);
`;

interface SideResult {
  error?: string;
  requests: number;
  errors: number;
  firstError?: string;
  connections: number;
  msPerRequest: number;
  secure: boolean;
  options: { keepAlive: boolean; maxSockets: number | string } | { connectionHeader: string | null; agent: unknown };
}

type ExecKeepAliveParams =
  | { replica: KeepAliveParams; why: string }
  | { where: ExecLocation; perRequest: boolean; requests: number; concurrency: number; replica: KeepAliveParams }
  | { where: ExecLocation; client: true; oldNode: number | null; requests: number; concurrency: number; replica: KeepAliveParams };

/** Variants whose finding is a client construction (its headers, or no agent on an old Node). */
const CLIENT_VARIANTS = new Set(['connection-close', 'no-agent-old-node']);

/** Variants whose finding is an agent construction the probe can evaluate. */
const AGENT_VARIANTS = new Set(['agent-without-keepalive', 'keepalive-false', 'per-request-client', 'per-request-agent', 'agent-per-request']);

export function execKeepAliveProbe(cwd: string): Probe<ExecKeepAliveParams> {
  return {
    family: 'missing-keep-alive',
    plan(params, variant) {
      const replica = keepAliveProbe.plan(params, variant);
      if ('skip' in replica) return replica;
      const where = locationOf(params);
      if (variant && CLIENT_VARIANTS.has(variant) && where) {
        const major = typeof params.minNodeMajor === 'number' ? params.minNodeMajor : null;
        return { params: { where, client: true, oldNode: variant === 'no-agent-old-node' ? major : null, requests: 200, concurrency: Math.min(10, replica.params.concurrency), replica: replica.params } };
      }
      if (!variant || !AGENT_VARIANTS.has(variant) || !where) {
        return { params: { replica: replica.params, why: 'the finding is a client call or header, not an agent construction this probe can evaluate' } };
      }
      return { params: { where, perRequest: replica.params.mode === 'agent-per-request', requests: 200, concurrency: Math.min(10, replica.params.concurrency), replica: replica.params } };
    },
    run(params, context) {
      return runExecKeepAlive(cwd, params, context);
    },
  };
}

async function replicaWithReason(replica: KeepAliveParams, why: string, context: ProbeContext): Promise<ProbeOutcome> {
  const outcome = await keepAliveProbe.run(replica, context);
  return { ...outcome, notes: [`--exec ran the replica, not your code: ${why}`, ...outcome.notes], mode: 'replica' };
}

/**
 * Fewer requests when the budget is short: the connection count stays exact (N vs the concurrency), and a
 * child that cannot finish 2 x 200 TLS handshakes in its share would measure nothing at all.
 */
export function requestsFor<P extends { requests: number; concurrency: number }>(params: P, context: ProbeContext): P {
  const short = context.deadline - Date.now() < SHORT_SHARE_MS;
  return short ? { ...params, requests: Math.min(params.requests, Math.max(50, 5 * params.concurrency)) } : params;
}
const SHORT_SHARE_MS = 8_000;

export async function runExecKeepAlive(cwd: string, planned: ExecKeepAliveParams, context: ProbeContext): Promise<ProbeOutcome> {
  if (!('where' in planned)) return replicaWithReason(planned.replica, planned.why, context);
  const params = requestsFor(planned, context);
  if ('client' in params) return runExecClient(cwd, params, context);
  const { where } = params;
  const absolute = path.resolve(cwd, where.file);
  const text = readFileSync(absolute, 'utf8');
  const expression = agentExpression(text, absolute, where);
  if ('skip' in expression) return replicaWithReason(params.replica, expression.skip, context);
  if (expression.constructorPackage === 'undici') return replicaWithReason(params.replica, 'an undici dispatcher is not an http.Agent, and this probe drives node:http(s) requests', context);
  let fixed = expression.text;
  if (!params.perRequest) {
    // The rule reports exactly the node its fix replaces (the construction, or its `keepAlive: false`).
    const applied = await applyFix(text, absolute, where, where.replacement, 'reported-range');
    if ('skip' in applied) return skipBeforeRunning(`the fix cannot be applied: ${applied.skip}`);
    // The fix rewrites the expression itself or a part of it (`keepAlive: false` -> `keepAlive: true`).
    if (applied.start < expression.start || applied.end > expression.end) return skipBeforeRunning('the fix rewrites more than the agent expression');
    fixed = text.slice(expression.start, applied.start) + where.replacement + text.slice(applied.end, expression.end);
  }
  const factory = `\n;const ${FACTORY} = { before: () => (${expression.text}), after: () => (${fixed}) };\n`;
  const target: CallTarget = { name: 'agent factory', binding: FACTORY, member: 'before', holder: 'object', line: expression.line, parameters: 0, firstParameter: 'object', ambient: [] };
  const certificate = testCertificate();
  const run = await runUserModule<{ error?: string; before: SideResult; after?: SideResult; reached?: { executed: boolean; count: number; positions: number } }>({
    file: absolute,
    text: text + factory,
    target,
    body: KEEP_ALIVE_BODY,
    family: { requests: params.requests, concurrency: params.concurrency, perRequest: params.perRequest, certificate },
    stub: { latencyMs: 0, numberValue: 1, items: 3, recordSites: false },
    ...(expression.constructorPackage ? { realPackages: [expression.constructorPackage] } : {}),
    needsLoopback: true,
    // The measurement runs a verbatim copy of the expression; coverage says whether your own line ran too
    // (a module-level agent is built at import; one built inside a function only when it is called).
    finding: { line: where.line },
    // An agent with its own `ca` option ignores the request's; trusting the test certificate process-wide
    // lets such an agent connect as it would to its real server.
    ...(certificate ? { trustCertificate: certificate.cert } : {}),
    context,
  });
  if ('error' in run) return skipBeforeRunning(`${where.file} does not compile: ${run.error}`);
  const shown = expression.text.replace(/\s+/g, ' ');
  const notes = [
    `ran YOUR agent expression from ${where.file}:${expression.line}, \`${shown.length > 90 ? `${shown.slice(0, 87)}...` : shown}\`, copied verbatim into a factory at the end of its module (same imports and bindings), in a child process: ${describeContainment(run.sandbox)}`,
    ...stubbedNote(run.stubbed),
  ];
  return connectionCountOutcome(params, where, run, notes, (before, after) => [
    params.perRequest
      ? 'as found: your expression builds a new agent for every request; after: the same expression built once and shared (what the fix\'s module-level agent does)'
      : `as found: ${JSON.stringify(before.options)}; with the fix: ${JSON.stringify(after.options)}`,
    `the server runs in the same child and counts TCP connections${before.secure ? ' (HTTPS with a test certificate generated for this run)' : ''}; the verdict rests on that count`,
  ]);
}

/**
 * The fix as a factory body: a fix that rewrites part of the client's options is spliced into the copy of
 * the expression; one that adds statements (imports of node:http/https, agents, then the new client) runs
 * them in the factory's own block, its imports bound at module level under fresh names.
 */
export function clientFix(text: string, expression: { start: number; end: number }, applied: { start: number; end: number } | undefined, replacement: string, fileName: string): { imports: string; body: string } | { skip: string } {
  if (applied && applied.start >= expression.start && applied.end <= expression.end) {
    return { imports: '', body: `return (${text.slice(expression.start, applied.start)}${replacement}${text.slice(applied.end, expression.end)});` };
  }
  const snippet = parseSource(replacement, fileName);
  const statements = [...snippet.statements];
  const last = statements.pop();
  if (!last) return { skip: 'the fix has no code' };
  const imports: string[] = [];
  const body: string[] = [];
  for (const [i, statement] of statements.entries()) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const from = statement.moduleSpecifier.text;
      if (!/^(node:)?https?$/.test(from)) return { skip: `the fix imports ${from}, which this probe does not load` };
      const alias = `__bottleneckFixImport${i}`;
      imports.push(`import * as ${alias} from ${JSON.stringify(from)};`);
      const clause = statement.importClause;
      if (clause?.name) body.push(`const ${clause.name.text} = ${alias}.default ?? ${alias};`);
      const named = clause?.namedBindings;
      if (named && ts.isNamespaceImport(named)) body.push(`const ${named.name.text} = ${alias};`);
      if (named && ts.isNamedImports(named)) body.push(`const { ${named.elements.map((e) => (e.propertyName ? `${e.propertyName.text}: ${e.name.text}` : e.name.text)).join(', ')} } = ${alias};`);
    } else {
      body.push(statement.getText(snippet));
    }
  }
  if (ts.isExpressionStatement(last)) body.push(`return (${last.expression.getText(snippet)});`);
  else if (ts.isVariableStatement(last) && last.declarationList.declarations.length === 1 && ts.isIdentifier(last.declarationList.declarations[0]!.name)) {
    body.push(last.getText(snippet), `return ${(last.declarationList.declarations[0]!.name as ts.Identifier).text};`);
  } else return { skip: 'the fix does not end in the client it builds' };
  return { imports: imports.join('\n'), body: body.join('\n') };
}

async function runExecClient(cwd: string, params: Extract<ExecKeepAliveParams, { client: true }>, context: ProbeContext): Promise<ProbeOutcome> {
  const { where } = params;
  const absolute = path.resolve(cwd, where.file);
  const text = readFileSync(absolute, 'utf8');
  const expression = constructionExpression(text, absolute, where, { calls: true, what: 'client', example: '`axios.create({...})`' });
  if ('skip' in expression) return replicaWithReason(params.replica, expression.skip, context);
  if (expression.constructorPackage !== 'axios' || !/^[\w$]+\s*\.\s*create\s*\(/.test(expression.text)) {
    return replicaWithReason(params.replica, 'the finding is not an `axios.create(...)` client your module builds (other clients, and calls of the default axios instance, run the replica)', context);
  }
  if (where.noFix && !where.replacement) return skipBeforeRunning(where.noFix);
  // A fix that rewrites part of the options lands inside the expression; one that adds statements cannot.
  const applied = await applyFix(text, absolute, where, where.replacement);
  const fix = clientFix(text, expression, applied && !('skip' in applied) ? applied : undefined, where.replacement, absolute);
  if ('skip' in fix) return skipBeforeRunning(`the fix cannot be applied: ${fix.skip}`);
  const factory = `\n;${fix.imports}\nconst ${FACTORY} = { before: () => (${expression.text}), after: () => {\n${fix.body}\n} };\n`;
  const target: CallTarget = { name: 'client factory', binding: FACTORY, member: 'before', holder: 'object', line: expression.line, parameters: 0, firstParameter: 'object', ambient: [] };
  const certificate = testCertificate();
  const oldNodeAgents = params.oldNode !== null && params.oldNode < 19;
  const run = await runUserModule<{ error?: string; before: SideResult; after?: SideResult; reached?: { executed: boolean; count: number; positions: number } }>({
    file: absolute,
    text: text + factory,
    target,
    body: CLIENT_BODY,
    family: { requests: params.requests, concurrency: params.concurrency, oldNodeAgents, certificate },
    stub: { latencyMs: 0, numberValue: 1, items: 3, recordSites: false },
    realPackages: ['axios'],
    needsLoopback: true,
    finding: { line: where.line },
    ...(certificate ? { trustCertificate: certificate.cert } : {}),
    context,
  });
  if ('error' in run) {
    if (/is not installed/.test(run.error)) return replicaWithReason(params.replica, `${run.error}: the client must be your real axios`, context);
    // Only a module that compiles with the as-found copy alone has a fix to blame.
    const asFound = await compileCheck({ file: absolute, text: `${text}\n;const ${FACTORY} = { before: () => (${expression.text}) };\n`, target, realPackages: ['axios'] });
    return 'error' in asFound ? skipBeforeRunning(`${where.file} does not compile: ${asFound.error}`) : fixFailed(`the file does not compile with the fix in the client factory: ${run.error}`, [], 'replica');
  }
  const shown = expression.text.replace(/\s+/g, ' ');
  const notes = [
    `ran YOUR client construction from ${where.file}:${expression.line}, \`${shown.length > 90 ? `${shown.slice(0, 87)}...` : shown}\`, with your real axios, copied verbatim into a factory at the end of its module (same imports and bindings), in a child process: ${describeContainment(run.sandbox)}`,
    ...stubbedNote(run.stubbed),
  ];
  if (oldNodeAgents) {
    notes.push(`Node ${params.oldNode}'s global agents emulated (keepAlive: false): your package supports Node ${params.oldNode}, where a client without an agent opens a connection per request; this process runs Node ${process.versions.node.split('.')[0]}, whose global agent keeps connections alive, so on this Node alone the finding would not reproduce`);
  }
  return clientOutcome(params, run, notes);
}

/** What a connection-counting child reports: both sides' counts, or why it has none. */
type ChildRun = { result: { error?: string; before: SideResult; after?: SideResult; reached?: { executed: boolean; count: number; positions: number } } | null; stderr: string; outOfMemory: boolean; killedBy?: string };

function clientOutcome(params: Extract<ExecKeepAliveParams, { client: true }>, run: ChildRun, notes: string[]): ProbeOutcome {
  const { where } = params;
  return connectionCountOutcome(params, where, run, notes, (before, after) => [
    `as found: ${JSON.stringify(before.options)}; with the fix: ${JSON.stringify(after.options)} (read back from the axios instances)`,
    `each client sent ${params.requests} GET requests at concurrency ${params.concurrency} to a server in the same child that counts TCP connections${before.secure ? ' (HTTPS, as your base URL, with a test certificate generated for this run)' : ''}; the verdict rests on that count`,
  ]);
}

/** The verdict of a connection-counting run (your agent or your client), on the exact count of connections. */
function connectionCountOutcome(
  params: { requests: number; concurrency: number },
  where: { file: string; line: number },
  run: ChildRun,
  notes: string[],
  whatRan: (before: SideResult, after: SideResult) => string[],
): ProbeOutcome {
  if (!run.result) return execSkip(noResultReason(run, 'the child'), notes);
  if (run.result.error) return execSkip(run.result.error, notes);
  const { before, after, reached } = run.result;
  if (before.error || !after) return execSkip(`as found: ${before.error ?? 'no result'}`, notes);
  if (after.error) return execSkip(`with the fix: ${after.error}`, notes);
  const measurements: Measurement[] = [
    exact(`connections opened for ${params.requests} requests`, 'connections', 'lower', before.connections, after.connections),
    exact('time per request', 'ms', 'lower', before.msPerRequest, after.msPerRequest),
  ];
  notes.push(...whatRan(before, after));
  const errors = before.errors + after.errors;
  // Failed requests open connections too; with many of them the count says nothing about keep-alive.
  if (errors > params.requests / 10) return execSkip(`${errors} of ${2 * params.requests} requests failed: ${before.firstError ?? after.firstError ?? ''}`, notes);
  if (errors > 0) notes.push(`${errors} requests failed (first: ${before.firstError ?? after.firstError ?? ''})`);
  const interval = exactInterval(measurements[0] as Measurement);
  return {
    ...verdict(measurements[0] as Measurement, 2),
    evidence: { ...(reached ? { reached: { file: where.file, line: where.line, ...reached } } : {}), ...(interval ? { interval } : {}), minEffect: 2 },
    measurements,
    load: `${params.requests} requests at concurrency ${params.concurrency} per side over ${before.secure ? 'HTTPS' : 'HTTP'} inside the child's own loopback`,
    notes,
    rounds: 1,
    mode: 'exec',
  };
}

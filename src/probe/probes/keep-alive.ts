/**
 * missing-keep-alive: N requests at concurrency C through an agent configured exactly as found, then
 * through the same agent with keep-alive. The verdict rests on TCP connections opened (N vs about C):
 * that count does not depend on machine speed. Latency and throughput are reported beside it.
 * Our own client loop drives the real `http.Agent`, because load generators such as autocannon always keep
 * connections alive and cannot reproduce the "before" case.
 */
import http from 'node:http';
import https from 'node:https';
import { LatencyHistogram, expired, measure, numberParam, verdict } from '../stats.js';
import { request, startServer, testCertificate, type LoopbackServer, type TestCertificate } from '../loopback.js';
import type { FindingParams, Measurement, Probe, ProbeContext, ProbeOutcome } from '../types.js';

/** How the "before" client opens connections. */
export type BeforeMode =
  /** An explicit agent built with the found options (keepAlive false or missing). */
  | 'agent'
  /** `agent: false`: a fresh connection per request, no pooling at all. */
  | 'no-agent'
  /** A keep-alive agent defeated by a `Connection: close` header. */
  | 'connection-close'
  /** A new agent (or client) per request. */
  | 'agent-per-request';

export interface KeepAliveParams {
  protocol: 'http' | 'https';
  mode: BeforeMode;
  /** `maxSockets` as found (Infinity when unset, as in Node). */
  maxSockets: number;
  /** keepAlive as found: only matters for an agent created per request (it opens a connection anyway). */
  foundKeepAlive: boolean;
  /** Which client library the finding names (node, undici, axios...); the replica drives node's Agent. */
  client: string;
  requests: number;
  concurrency: number;
  defaults: string[];
}

export interface ClientRun {
  requests: number;
  errors: number;
  connections: number;
  durationMs: number;
  p50: number;
  p99: number;
  throughput: number;
}

export function agentOptions(params: KeepAliveParams, keepAlive: boolean): http.AgentOptions {
  return { keepAlive, ...(Number.isFinite(params.maxSockets) ? { maxSockets: params.maxSockets } : {}) };
}

function newAgent(protocol: 'http' | 'https', options: http.AgentOptions): http.Agent {
  return protocol === 'https' ? new https.Agent(options) : new http.Agent(options);
}

/**
 * Runs `count` requests with `concurrency` workers. Each worker is bounded by the count and the deadline;
 * connections are counted by the server, so the figure is what the agent really did.
 */
export async function runClient(
  server: LoopbackServer,
  certificate: TestCertificate | null,
  params: KeepAliveParams,
  side: 'before' | 'after',
  count: number,
  context: ProbeContext,
): Promise<ClientRun> {
  server.dropConnections();
  const connectionsAtStart = server.connections;
  const shared =
    side === 'after'
      ? newAgent(server.protocol, agentOptions(params, true))
      : params.mode === 'agent'
        ? newAgent(server.protocol, agentOptions(params, false))
        : params.mode === 'connection-close'
          ? newAgent(server.protocol, agentOptions(params, true))
          : undefined;
  const histogram = new LatencyHistogram();
  let issued = 0;
  let errors = 0;
  const started = performance.now();
  const worker = async () => {
    while (issued < count && !expired(context)) {
      issued++;
      const perRequest = side === 'before' && params.mode === 'agent-per-request' ? newAgent(server.protocol, agentOptions(params, params.foundKeepAlive)) : undefined;
      const agent: http.Agent | false = perRequest ?? shared ?? false;
      try {
        const ms = await request({
          server,
          agent,
          certificate,
          ...(side === 'before' && params.mode === 'connection-close' ? { headers: { connection: 'close' } } : {}),
        });
        histogram.recordMs(ms);
      } catch {
        errors++;
      } finally {
        perRequest?.destroy();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, params.concurrency) }, worker));
  const durationMs = performance.now() - started;
  shared?.destroy();
  const result: ClientRun = {
    requests: histogram.count,
    errors,
    connections: server.connections - connectionsAtStart,
    durationMs,
    p50: histogram.percentileMs(50),
    p99: histogram.percentileMs(99),
    throughput: histogram.count / (durationMs / 1000),
  };
  histogram.destroy();
  return result;
}

const VARIANT_MODES: Record<string, BeforeMode> = {
  'agent-without-keepalive': 'agent',
  'keepalive-false': 'agent',
  // Node < 19's global agent is an Agent without keepAlive: the same replica as an explicit one.
  'no-agent-old-node': 'agent',
  'connection-close': 'connection-close',
  'per-request-client': 'agent-per-request',
  'per-request-agent': 'agent-per-request',
  'agent-per-request': 'agent-per-request',
  'no-agent': 'no-agent',
  'agent-false': 'no-agent',
};

function beforeMode(params: FindingParams, variant: string | undefined): BeforeMode {
  if (params.agent === false || params.agent === 'false') return 'no-agent';
  if (params.connectionClose === true || (typeof params.header === 'string' && /connection:\s*close/i.test(params.header))) return 'connection-close';
  if (params.perRequest === true || params.createdPer === 'request' || params.createdPer === 'call') return 'agent-per-request';
  return (variant ? VARIANT_MODES[variant] : undefined) ?? 'agent';
}

export const keepAliveProbe: Probe<KeepAliveParams> = {
  family: 'missing-keep-alive',
  plan(params, variant) {
    const defaults: string[] = [];
    const protocolParam = typeof params.protocol === 'string' ? params.protocol.replace(/:$/, '') : undefined;
    const protocol = protocolParam === 'http' ? 'http' : 'https';
    if (protocolParam !== 'http' && protocolParam !== 'https') defaults.push('protocol (https)');
    const maxSockets = numberParam(params, ['maxSockets'], Number.POSITIVE_INFINITY);
    const concurrency = numberParam(params, ['concurrency', 'expectedConcurrency'], 10);
    if (concurrency.defaulted) defaults.push('concurrency (10)');
    const client = typeof params.agentFamily === 'string' ? params.agentFamily : typeof params.client === 'string' ? params.client : 'node';
    return {
      params: {
        protocol,
        mode: beforeMode(params, variant),
        maxSockets: maxSockets.value,
        foundKeepAlive: params.keepAlive === true,
        client,
        requests: 3000,
        concurrency: Math.min(64, concurrency.value),
        defaults,
      },
    };
  },
  shareKey(params) {
    // maxSockets at or above the concurrency never limits anything, and the client library is replicated
    // by node's Agent either way: findings differing only there share one measurement.
    return {
      protocol: params.protocol,
      mode: params.mode,
      concurrency: params.concurrency,
      maxSockets: params.maxSockets < params.concurrency ? params.maxSockets : 'unbounded',
      keepAlive: params.mode === 'agent-per-request' ? params.foundKeepAlive : false,
    };
  },
  async run(params, context) {
    return runKeepAlive(params, context, { rounds: 3, warmup: 30 });
  },
};

/** Rounds of `requests / rounds` each, sized down to the time left after a warm-up measured the slow side. */
export async function runKeepAlive(params: KeepAliveParams, context: ProbeContext, shape: { rounds: number; warmup: number }): Promise<ProbeOutcome> {
  const notes: string[] = [];
  const certificate = params.protocol === 'https' ? testCertificate() : null;
  if (params.protocol === 'https' && !certificate) notes.push('openssl not found: ran over plain HTTP, so TLS handshake cost is not included');
  const server = await startServer({ protocol: params.protocol, certificate });
  try {
    const warm = await runClient(server, certificate, params, 'before', shape.warmup, context);
    await runClient(server, certificate, { ...params }, 'after', shape.warmup, context);
    const perRound = Math.floor(params.requests / shape.rounds);
    // The slow side decides: leave room for both sides of every round (after is at most as slow as before).
    const secondsLeft = Math.max(0, (context.deadline - Date.now()) / 1000);
    const affordable = Math.floor((warm.throughput * secondsLeft * 0.8) / (2 * shape.rounds));
    // At least 10 requests per connection the fix keeps open, so the connection count can tell them apart.
    const size = Math.max(params.concurrency * 10, Math.min(perRound, affordable));
    if (size < perRound) notes.push(`load scaled down from ${params.requests} to ${size * shape.rounds} requests per side to fit the time budget`);
    const before: ClientRun[] = [];
    const after: ClientRun[] = [];
    for (let round = 0; round < shape.rounds && !expired(context); round++) {
      before.push(await runClient(server, certificate, params, 'before', size, context));
      if (expired(context)) break;
      after.push(await runClient(server, certificate, params, 'after', size, context));
    }
    const rounds = Math.min(before.length, after.length);
    if (rounds === 0) return { status: 'skipped', reason: 'no complete round within the budget', measurements: [], load: '', notes, rounds: 0 };
    const b = before.slice(0, rounds);
    const a = after.slice(0, rounds);
    const measurements: Measurement[] = [
      measure('connections opened per round', 'connections', 'lower', b.map((r) => r.connections), a.map((r) => r.connections)),
      measure('latency p50', 'ms', 'lower', b.map((r) => r.p50), a.map((r) => r.p50)),
      measure('latency p99', 'ms', 'lower', b.map((r) => r.p99), a.map((r) => r.p99)),
      measure('throughput', 'req/s', 'higher', b.map((r) => r.throughput), a.map((r) => r.throughput)),
    ];
    const errors = [...b, ...a].reduce((sum, r) => sum + r.errors, 0);
    if (errors > 0) notes.push(`${errors} requests failed`);
    const inEffect = agentOptions(params, false);
    notes.push(
      `before: ${describeMode(params.mode)} with ${JSON.stringify(params.mode === 'agent' ? inEffect : agentOptions(params, true))}; after: the same options with keepAlive: true`,
      `Node ${process.versions.node}: the global agent ${globalAgentKeepsAlive() ? 'keeps connections alive (Node >= 19)' : 'does not keep connections alive'}, so only an explicit agent without keepAlive, agent: false or Connection: close reproduces the finding here`,
    );
    // Client and server share this process and its event loop, so each handshake's CPU is paid on both ends
    // in one place: latency ratios run higher than between two machines; the connection count does not.
    notes.push('client and server share one process on loopback: latency includes both ends of each handshake; the verdict rests on the connection count');
    if (params.client !== 'node') notes.push(`the finding's client (${params.client}) is replicated with node:${server.protocol}'s Agent, which opens connections the same way`);
    if (params.defaults.length > 0) notes.push(`defaults used for missing params: ${params.defaults.join(', ')}`);
    const primary = measurements[0] as Measurement;
    const result = verdict(primary, 2);
    return {
      ...result,
      measurements,
      load: `${rounds} rounds of ${size} requests at concurrency ${params.concurrency} over ${server.protocol.toUpperCase()} on loopback (warm-up ${shape.warmup})`,
      notes,
      rounds,
    };
  } finally {
    await server.close();
  }
}

/** Node >= 19 builds its global agent with keepAlive: true. */
function globalAgentKeepsAlive(): boolean {
  const agent = http.globalAgent;
  return 'keepAlive' in agent && agent.keepAlive === true;
}

function describeMode(mode: BeforeMode): string {
  switch (mode) {
    case 'agent':
      return 'an explicit agent as found';
    case 'no-agent':
      return 'agent: false';
    case 'connection-close':
      return 'a keep-alive agent with a Connection: close header';
    case 'agent-per-request':
      return 'a new agent per request';
  }
}

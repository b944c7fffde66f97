import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Every probe server binds here: probes never send traffic beyond loopback. */
export const LOOPBACK = '127.0.0.1';

export interface TestCertificate {
  key: string;
  cert: string;
}

let cached: TestCertificate | null | undefined;

/**
 * A throwaway self-signed certificate for 127.0.0.1, generated with `openssl` at run time (test-only key,
 * never written outside a temp dir that is removed at once). Null when openssl is missing: callers fall back
 * to plain HTTP and say so.
 */
export function testCertificate(): TestCertificate | null {
  if (cached !== undefined) return cached;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bottleneck-probe-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
      { cwd: dir, stdio: 'ignore', timeout: 10_000 },
    );
    cached = { key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  } catch {
    cached = null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return cached;
}

export interface LoopbackServer {
  port: number;
  protocol: 'http' | 'https';
  /** TCP connections accepted so far. */
  connections: number;
  requests: number;
  /** Highest number of requests in progress at once. */
  peakInFlight: number;
  close(): Promise<void>;
  /** Drops idle and active sockets so the next phase starts from zero. */
  dropConnections(): void;
}

export interface ServerOptions {
  protocol: 'http' | 'https';
  /** Injected latency per request, ms (0: answer at once). */
  latencyMs?: number;
  /** Response body size in bytes. */
  bodyBytes?: number;
  certificate?: TestCertificate | null;
}

/** A local server that counts `connection` events and in-flight requests. */
export async function startServer(options: ServerOptions): Promise<LoopbackServer> {
  const body = Buffer.alloc(options.bodyBytes ?? 512, 'x');
  let inFlight = 0;
  const stats = { connections: 0, requests: 0, peakInFlight: 0 };
  const handler: http.RequestListener = (req, res) => {
    stats.requests++;
    inFlight++;
    stats.peakInFlight = Math.max(stats.peakInFlight, inFlight);
    const respond = () => {
      inFlight--;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      res.end(body);
    };
    req.resume();
    if (options.latencyMs && options.latencyMs > 0) setTimeout(respond, options.latencyMs);
    else respond();
  };
  const server: http.Server =
    options.protocol === 'https' && options.certificate
      ? https.createServer({ key: options.certificate.key, cert: options.certificate.cert }, handler)
      : http.createServer(handler);
  // 'connection' fires for every accepted TCP socket, before any TLS handshake.
  server.on('connection', () => {
    stats.connections++;
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    protocol: options.protocol === 'https' && options.certificate ? 'https' : 'http',
    get connections() {
      return stats.connections;
    },
    get requests() {
      return stats.requests;
    },
    get peakInFlight() {
      return stats.peakInFlight;
    },
    dropConnections() {
      server.closeAllConnections();
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export interface RequestOptions {
  server: LoopbackServer;
  agent: http.Agent | false;
  certificate?: TestCertificate | null;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** One GET to the loopback server; resolves with the latency in ms, rejects on error or timeout. */
export function request(options: RequestOptions): Promise<number> {
  const started = performance.now();
  const module = options.server.protocol === 'https' ? https : http;
  return new Promise((resolve, reject) => {
    const req = module.request(
      {
        host: LOOPBACK,
        port: options.server.port,
        path: '/',
        method: 'GET',
        agent: options.agent,
        ...(options.server.protocol === 'https' && options.certificate ? { ca: options.certificate.cert } : {}),
        ...(options.headers ? { headers: options.headers } : {}),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(performance.now() - started));
        res.on('error', reject);
      },
    );
    req.setTimeout(options.timeoutMs ?? 5_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

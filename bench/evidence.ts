/**
 * The preload's overhead (`node --import bottleneck-cli/register`) on a small loopback HTTP service whose
 * every request runs four finding sites (two sequential pool queries, a pool acquire per query, an
 * uncleared abort timer, a base64 "compression"), with an in-process pg-pool client so the service's own
 * work is small and the preload's share is not hidden behind a database. The same service runs without and
 * with the preload: per pair both are started, warmed up, and sent the same batches of requests in turn
 * (A B, B A, ...) from this process over keep-alive connections at a fixed concurrency. The figures
 * are medians over pairs of (requests/s without) / (requests/s with) - 1 and, on Linux, of the service's
 * CPU time per request (with) / (without) - 1, which a busy machine disturbs less.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const SERVICE = `import http from 'node:http';
import { EventEmitter } from 'node:events';
import Pool from 'pg-pool';

// An in-process stand-in for pg.Client, so the benchmark measures the service and the preload, not a database.
class LoopbackClient extends EventEmitter {
  connect(callback) {
    setImmediate(() => callback(null));
  }
  query(text, values, callback) {
    const done = typeof values === 'function' ? values : callback;
    setImmediate(() => done(null, { rows: [{ text }] }));
  }
  end(callback) {
    if (callback) setImmediate(callback);
  }
}

const pool = new Pool({ Client: LoopbackClient, max: 4 });

export function compressBody(text) {
  return Buffer.from(text, 'utf8').toString('base64');
}

export async function loadAccount(id) {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 2_000);
  const user = await pool.query('select * from users where id = $1', [id]);
  const orders = await pool.query('select * from orders where user_id = $1', [id]);
  return { user: user.rows, orders: orders.rows, signal: controller.signal.aborted };
}

const server = http.createServer(async (req, res) => {
  const account = await loadAccount(req.url.length);
  res.end(compressBody(JSON.stringify(account)));
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
`;

export interface EvidenceBenchOptions {
  pairs: number;
  requests: number;
  concurrency: number;
  /** The preload entry to run (default the package's `./register` export, dist/bundle/register.js, as users run it). */
  register?: string;
}

interface Run {
  requestsPerSecond: number;
  /** CPU time (user + system) the service process spent per measured request, in microseconds; undefined without /proc. */
  cpuMicrosPerRequest?: number;
  /** From spawn to the service listening (the preload reads the findings and parses the instrumented file at start-up). */
  startMs: number;
}

function median(values: number[]): { median: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median: value, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/**
 * The CPU time a process has used, in microseconds, from /proc (Linux); undefined elsewhere. CPU per request
 * is steadier than requests/s on a shared machine: time the service waits for a core is not in it.
 */
function cpuMicros(pid: number): number | undefined {
  const file = `/proc/${pid}/stat`;
  if (!existsSync(file)) return undefined;
  const fields = readFileSync(file, 'utf8').slice(readFileSync(file, 'utf8').lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const hz = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return (ticks * 1e6) / hz;
}

/** `total` GETs over `concurrency` keep-alive connections; resolves with the wall milliseconds. */
async function load(port: number, total: number, concurrency: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (sent < total) {
      sent += 1;
      await new Promise<void>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: `/account/${sent % 97}`, agent }, (response) => {
            response.resume();
            response.on('end', resolve);
          })
          .on('error', reject);
      });
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - started;
  agent.destroy();
  return elapsed;
}

interface Side {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

async function startSide(dir: string, register: string | undefined, evidenceFile: string): Promise<Side & { startMs: number }> {
  const spawned = performance.now();
  const child = spawn(process.execPath, [...(register ? ['--import', register] : []), 'service.mjs'], {
    cwd: dir,
    env: { ...process.env, BOTTLENECK_FINDINGS: 'findings.json', BOTTLENECK_EVIDENCE: evidenceFile },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`service exited (${code})`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]!) as { port: number }).port);
    });
  });
  return {
    port,
    pid: child.pid!,
    startMs: performance.now() - spawned,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * One pair: both services run at once and get the same batches of requests in turn (A B A B ..., the order
 * flipped every round), so whatever else the machine does hits both sides of a pair alike.
 */
async function runPair(dir: string, register: string, options: EvidenceBenchOptions): Promise<{ a: Run; b: Run; sites: string[] }> {
  const evidenceFile = path.join(dir, 'evidence.json');
  const a = await startSide(dir, undefined, path.join(dir, 'unused-evidence.json'));
  const b = await startSide(dir, register, evidenceFile);
  const warmUp = Math.min(2000, options.requests);
  await load(a.port, warmUp, options.concurrency); // JIT, pool, sockets
  await load(b.port, warmUp, options.concurrency);
  const rounds = 10;
  const batch = Math.max(1, Math.floor(options.requests / rounds));
  const totals = { a: { ms: 0, cpu: 0 as number | undefined }, b: { ms: 0, cpu: 0 as number | undefined } };
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const);
    for (const key of order) {
      const side = key === 'a' ? a : b;
      const cpuBefore = cpuMicros(side.pid);
      totals[key].ms += await load(side.port, batch, options.concurrency);
      const cpuAfter = cpuMicros(side.pid);
      const total = totals[key];
      total.cpu = cpuBefore === undefined || cpuAfter === undefined || total.cpu === undefined ? undefined : total.cpu + cpuAfter - cpuBefore;
    }
  }
  await a.stop();
  await b.stop();
  const measured = batch * rounds;
  const run = (key: 'a' | 'b', startMs: number): Run => ({
    requestsPerSecond: (measured * 1000) / totals[key].ms,
    startMs,
    ...(totals[key].cpu !== undefined ? { cpuMicrosPerRequest: totals[key].cpu! / measured } : {}),
  });
  const evidence = JSON.parse(readFileSync(evidenceFile, 'utf8')) as { sites: Array<{ ruleId: string; state: string; hits: number }> };
  return { a: run('a', a.startMs), b: run('b', b.startMs), sites: evidence.sites.map((site) => `${site.ruleId} ${site.state} ${site.hits}`) };
}

/** Runs the paired benchmark and returns a markdown report of it. */
export async function benchEvidence(root: string, options: EvidenceBenchOptions): Promise<string> {
  const dir = path.join(root, '.bench', 'evidence');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'service.mjs'), SERVICE);
  const scan = spawnSync(process.execPath, [path.join(root, 'bin/bottleneck.js'), 'scan', '.', '--format', 'json', '-o', 'findings.json', '--fail-on', 'none', '--no-cache'], { cwd: dir, encoding: 'utf8' });
  if (scan.status !== 0) throw new Error(`scan failed: ${scan.stderr}`);
  const register = options.register ?? path.join(root, 'dist/bundle/register.js');
  const without: number[] = [];
  const withPreload: number[] = [];
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  const cpuWithout: number[] = [];
  const cpuWith: number[] = [];
  const startWithout: number[] = [];
  const startWith: number[] = [];
  let sites: string[] = [];
  for (let pair = 0; pair < options.pairs; pair += 1) {
    const { a, b, sites: seen } = await runPair(dir, register, options);
    sites = seen;
    without.push(a.requestsPerSecond);
    withPreload.push(b.requestsPerSecond);
    ratios.push(a.requestsPerSecond / b.requestsPerSecond - 1);
    if (a.cpuMicrosPerRequest !== undefined && b.cpuMicrosPerRequest !== undefined) {
      cpuWithout.push(a.cpuMicrosPerRequest);
      cpuWith.push(b.cpuMicrosPerRequest);
      cpuRatios.push((b.cpuMicrosPerRequest / a.cpuMicrosPerRequest - 1) * 100);
    }
    startWithout.push(a.startMs);
    startWith.push(b.startMs);
  }
  const fmt = (s: { median: number; min: number; max: number }, digits = 0) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
  const overhead = median(ratios.map((r) => r * 100));
  return [
    `Preload overhead (${path.relative(root, register)}): ${options.pairs} pairs; per pair both services run at once, get a ${Math.min(2000, options.requests)}-request warm-up each, then ${options.requests} requests each in 10 alternating batches (A B, B A, ...) at concurrency ${options.concurrency}; Node ${process.version}`,
    '',
    '| requests/s without, median (min–max) | requests/s with the preload | throughput overhead, median of per-pair ratios (min–max) | start-up to listening ms, without | with the preload |',
    '|---|---|---|---|---|',
    `| ${fmt(median(without))} | ${fmt(median(withPreload))} | ${fmt(overhead, 1)} % | ${fmt(median(startWithout))} | ${fmt(median(startWith))} |`,
    '',
    ...(cpuRatios.length > 0
      ? [
          '| service CPU µs per request without, median (min–max) | with the preload | CPU overhead, median of per-pair ratios (min–max) |',
          '|---|---|---|',
          `| ${fmt(median(cpuWithout), 1)} | ${fmt(median(cpuWith), 1)} | ${fmt(median(cpuRatios), 1)} % |`,
          '',
          `CPU overhead per pair, in order (%): ${cpuRatios.map((ratio) => ratio.toFixed(1)).join(', ')}`,
        ]
      : ['(no /proc: service CPU per request not measured)']),
    '',
    `Sites in the last run with the preload (rule, state, hits): ${sites.join('; ')}`,
    '',
  ].join('\n');
}

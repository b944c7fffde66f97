/**
 * The client side of a before/after run: what the load generator saw. Reads k6's `--summary-export` file,
 * the data object k6 passes to `handleSummary` (written with `JSON.stringify(data)`), and autocannon's
 * `--json` output, into one shape. Pure: parsed JSON in, figures out; the kind is detected from the shape.
 */
import { z } from 'zod';
import { readK6Summary, type K6Metrics } from '../probe/k6-summary.js';

export type ClientKind = 'k6-summary-export' | 'k6-handle-summary' | 'autocannon';

export interface ClientSummary {
  kind: ClientKind;
  /** Milliseconds; null when the file does not carry the percentile (k6 exports p(90) and p(95) by default). */
  p50Ms: number | null;
  p99Ms: number | null;
  /** Requests per second over the run. */
  throughput: number | null;
  requests: number | null;
  /** Failed requests: k6 `http_req_failed` true values; autocannon errors + timeouts + non-2xx responses. */
  errors: number | null;
  notes: string[];
}

const num = z.number();
const autocannonJson = z
  .object({
    latency: z.object({ p50: num, p99: num }).loose(),
    requests: z.object({ average: num, total: num }).loose(),
    errors: num,
    timeouts: num.optional(),
    non2xx: num.optional(),
  })
  .loose();

const record = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Which tool wrote the file, from its shape; undefined when it looks like none of them. */
export function detectClientKind(raw: unknown): ClientKind | undefined {
  if (!record(raw)) return undefined;
  if (record(raw.latency) && record(raw.requests) && ('throughput' in raw || 'errors' in raw)) return 'autocannon';
  const metrics = raw.metrics;
  if (record(metrics) && record(metrics.http_req_duration)) return record(metrics.http_req_duration.values) ? 'k6-handle-summary' : 'k6-summary-export';
  return undefined;
}

const P99_NOTE = 'k6 records no p(99) by default: run it with --summary-trend-stats "med,p(95),p(99)"';

/** The numbers compare shows, from k6's metrics as the threshold evaluator reads them (one reader of both k6 shapes). */
function fromK6(kind: ClientKind, metrics: K6Metrics): ClientSummary {
  const trend = metrics.http_req_duration ?? {};
  const reqs = metrics.http_reqs;
  const failed = metrics.http_req_failed;
  const p99 = trend['p(99)'] ?? null;
  return {
    kind,
    p50Ms: trend.med ?? trend['p(50)'] ?? null,
    p99Ms: p99,
    throughput: reqs?.rate ?? null,
    requests: reqs?.count ?? null,
    // A k6 Rate counts "passes" as values that were true: for http_req_failed, the failed requests.
    errors: failed?.passes ?? null,
    notes: p99 === null ? [P99_NOTE] : [],
  };
}

/** Reads a parsed client file; throws the zod error (for a message naming the key) when the shape is wrong. */
export function readClientSummary(raw: unknown): ClientSummary | { unknown: true } {
  const kind = detectClientKind(raw);
  if (kind === 'autocannon') {
    const data = autocannonJson.parse(raw);
    return {
      kind,
      p50Ms: data.latency.p50,
      p99Ms: data.latency.p99,
      throughput: data.requests.average,
      requests: data.requests.total,
      errors: data.errors + (data.timeouts ?? 0) + (data.non2xx ?? 0),
      notes: [],
    };
  }
  if (kind === 'k6-summary-export' || kind === 'k6-handle-summary') {
    const read = readK6Summary(raw);
    return 'error' in read ? { unknown: true } : fromK6(kind, read.metrics);
  }
  return { unknown: true };
}

export interface ClientRow {
  metric: string;
  unit: string;
  better: 'lower' | 'higher';
  before: number | null;
  after: number | null;
  /** Oriented: > 1 means the fix is better; null when a side is missing or the ratio is undefined. */
  ratio: number | null;
}

export interface ClientComparison {
  before: { file: string; kind: ClientKind };
  after: { file: string; kind: ClientKind };
  rows: ClientRow[];
  notes: string[];
}

function ratioOf(before: number | null, after: number | null, better: 'lower' | 'higher'): number | null {
  if (before === null || after === null) return null;
  const [num, den] = better === 'lower' ? [before, after] : [after, before];
  if (den === 0) return null;
  return Number((num / den).toFixed(2));
}

export function compareClients(before: { file: string; summary: ClientSummary }, after: { file: string; summary: ClientSummary }): ClientComparison {
  const b = before.summary;
  const a = after.summary;
  const row = (metric: string, unit: string, better: 'lower' | 'higher', x: number | null, y: number | null): ClientRow => ({ metric, unit, better, before: x, after: y, ratio: ratioOf(x, y, better) });
  const notes = [...new Set([...b.notes, ...a.notes])];
  const tool = (kind: ClientKind) => (kind === 'autocannon' ? 'autocannon' : 'k6');
  if (tool(b.kind) !== tool(a.kind)) notes.push(`the two files come from different tools (${tool(b.kind)}, ${tool(a.kind)}): their figures are measured differently`);
  return {
    before: { file: before.file, kind: b.kind },
    after: { file: after.file, kind: a.kind },
    rows: [
      row('latency p50', 'ms', 'lower', b.p50Ms, a.p50Ms),
      row('latency p99', 'ms', 'lower', b.p99Ms, a.p99Ms),
      row('throughput', 'req/s', 'higher', b.throughput, a.throughput),
      row('requests', 'requests', 'higher', b.requests, a.requests),
      row('errors', 'requests', 'lower', b.errors, a.errors),
    ],
    notes,
  };
}

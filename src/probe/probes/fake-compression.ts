/**
 * fake-compression: the found "compression" (base64, hex or a JSON re-serialisation) against gzip and
 * brotli on representative JSON payloads of 1 KB, 64 KB and 1 MB. Sizes are exact and deterministic (the
 * payloads come from a seeded generator); time per call is the median over rounds.
 */
import zlib from 'node:zlib';
import { exact, expired, measure, median, round, verdict } from '../stats.js';
import type { Measurement, Probe, ProbeContext, ProbeOutcome } from '../types.js';

export type Encoding = 'base64' | 'base64url' | 'hex' | 'json' | 'latin1' | 'utf8' | 'uri' | 'none';

export interface FakeCompressionParams {
  encoding: Encoding;
  sizes: number[];
  defaults: string[];
}

export const PAYLOAD_SIZES = [1024, 64 * 1024, 1024 * 1024];

/** A deterministic JSON document of about `bytes` bytes: records like an API or cache would hold. */
export function jsonPayload(bytes: number): string {
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const words = ['order', 'shipped', 'pending', 'customer', 'premium', 'invoice', 'refund', 'warehouse', 'express', 'standard'];
  const pick = () => words[Math.floor(random() * words.length)] as string;
  const records: string[] = [];
  let length = 2;
  for (let id = 1; length < bytes; id++) {
    const record = JSON.stringify({
      id,
      sku: `SKU-${Math.floor(random() * 100000)}`,
      status: pick(),
      customer: { name: `${pick()} ${pick()}`, email: `user${Math.floor(random() * 10000)}@example.com`, tier: pick() },
      total: Math.round(random() * 100000) / 100,
      tags: [pick(), pick()],
      createdAt: new Date(1_700_000_000_000 + Math.floor(random() * 1e10)).toISOString(),
    });
    records.push(record);
    length += record.length + 1;
  }
  const text = `[${records.join(',')}]`;
  return text;
}

/** The found pattern, faithfully: a Buffer round trip to the string encoding, or a re-serialisation. */
export function fakeCompress(input: string, encoding: Encoding): Buffer {
  if (encoding === 'json') return Buffer.from(JSON.stringify(JSON.parse(input)));
  if (encoding === 'uri') return Buffer.from(encodeURIComponent(input));
  if (encoding === 'none') return Buffer.from(input);
  return Buffer.from(Buffer.from(input).toString(encoding));
}

export const COMPRESSORS = {
  // Level 6 is zlib's default; brotli quality 4 is the usual setting for data compressed per request
  // (quality 11, the default, costs ~50x more CPU for a few % smaller output).
  gzip: (input: Buffer) => zlib.gzipSync(input),
  brotli: (input: Buffer) => zlib.brotliCompressSync(input, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: input.length } }),
};

export interface SizeRun {
  inputBytes: number;
  foundBytes: number;
  gzipBytes: number;
  brotliBytes: number;
  foundMs: number;
  gzipMs: number;
  brotliMs: number;
}

function timePerCall(fn: () => unknown, budgetMs: number, maxCalls: number): number {
  fn(); // warm-up
  const samples: number[] = [];
  const stopAt = performance.now() + budgetMs;
  for (let i = 0; i < maxCalls && (i < 3 || performance.now() < stopAt); i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

export function measureSize(bytes: number, encoding: Encoding, timeBudgetMs: number): SizeRun {
  const text = jsonPayload(bytes);
  const input = Buffer.from(text);
  const maxCalls = Math.max(5, Math.floor((64 * 1024 * 1024) / bytes));
  const each = timeBudgetMs / 3;
  return {
    inputBytes: input.length,
    foundBytes: fakeCompress(text, encoding).length,
    gzipBytes: COMPRESSORS.gzip(input).length,
    brotliBytes: COMPRESSORS.brotli(input).length,
    foundMs: timePerCall(() => fakeCompress(text, encoding), each, maxCalls),
    gzipMs: timePerCall(() => COMPRESSORS.gzip(input), each, maxCalls),
    brotliMs: timePerCall(() => COMPRESSORS.brotli(input), each, maxCalls),
  };
}

const ENCODINGS: Encoding[] = ['base64', 'base64url', 'hex', 'json', 'latin1', 'utf8', 'uri', 'none'];

export const fakeCompressionProbe: Probe<FakeCompressionParams> = {
  family: 'fake-compression',
  plan(params) {
    const raw = typeof params.encoding === 'string' ? params.encoding.toLowerCase() : undefined;
    const alias: Record<string, Encoding> = { stringify: 'json', 'json.stringify': 'json', reserialize: 'json', binary: 'latin1', 'utf-8': 'utf8', identity: 'none' };
    const encoding = raw ? (ENCODINGS.find((e) => e === raw) ?? alias[raw]) : 'base64';
    if (!encoding) return { skip: `encoding "${raw}" has no replica` };
    return { params: { encoding, sizes: PAYLOAD_SIZES, defaults: raw ? [] : ['encoding (base64)'] } };
  },
  run(params, context) {
    return runFakeCompression(params, context, { rounds: 3 });
  },
};

function label(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MB` : `${bytes / 1024} KB`;
}

export async function runFakeCompression(params: FakeCompressionParams, context: ProbeContext, shape: { rounds: number }): Promise<ProbeOutcome> {
  const notes: string[] = [];
  const runs = new Map<number, SizeRun[]>();
  // Sizes are exact after one round; timings need no more than ~1.5 s in all to settle.
  const perSizeMs = Math.max(20, Math.min(1_500, (context.deadline - Date.now()) * 0.8) / (shape.rounds * params.sizes.length));
  for (let round = 0; round < shape.rounds && !expired(context); round++) {
    for (const size of params.sizes) {
      if (expired(context)) break;
      runs.set(size, [...(runs.get(size) ?? []), measureSize(size, params.encoding, perSizeMs)]);
      // Yield so Ctrl-C (a signal event) can be seen between synchronous measurements.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const measurements: Measurement[] = [];
  // The primary figure: output bytes at 64 KB (or the largest size measured), found vs gzip.
  const primarySize = runs.has(64 * 1024) ? 64 * 1024 : Math.max(...runs.keys());
  for (const size of [primarySize, ...params.sizes.filter((s) => s !== primarySize)]) {
    const list = runs.get(size);
    if (!list || list.length === 0) continue;
    const first = list[0] as SizeRun;
    measurements.push(exact(`bytes out, ${label(size)} JSON (as found vs gzip)`, 'bytes', 'lower', first.foundBytes, first.gzipBytes));
    // Brotli and timings for the primary size only, to keep the table short; the notes hold the rest.
    if (size === primarySize) {
      measurements.push(
        exact(`bytes out, ${label(size)} JSON (as found vs brotli q4)`, 'bytes', 'lower', first.foundBytes, first.brotliBytes),
        measure(`time per call, ${label(size)} JSON (as found vs gzip)`, 'ms', 'lower', list.map((r) => r.foundMs), list.map((r) => r.gzipMs)),
      );
    }
    notes.push(
      `${label(size)} (${first.inputBytes} bytes in): size ratio out/in ${round(first.foundBytes / first.inputBytes)} as found (${params.encoding}), ${round(first.gzipBytes / first.inputBytes)} gzip, ${round(first.brotliBytes / first.inputBytes)} brotli; ms per call ${round(median(list.map((r) => r.foundMs)))} / ${round(median(list.map((r) => r.gzipMs)))} / ${round(median(list.map((r) => r.brotliMs)))}`,
    );
  }
  if (measurements.length === 0) return { status: 'skipped', reason: 'no payload measured within the budget', measurements: [], load: '', notes, rounds: 0 };
  notes.push('a time ratio below 1 means gzip costs more CPU than the found encoding: the gain is bytes stored and sent');
  if (params.defaults.length > 0) notes.push(`defaults used for missing params: ${params.defaults.join(', ')}`);
  const rounds = Math.min(...[...runs.values()].map((l) => l.length));
  return {
    ...verdict(measurements[0] as Measurement, 1.5),
    measurements,
    load: `seeded JSON payloads of ${params.sizes.filter((s) => runs.has(s)).map(label).join(', ')}; ${params.encoding} vs gzip (level 6) and brotli (quality 4); ${rounds} timing rounds`,
    notes,
    rounds,
  };
}

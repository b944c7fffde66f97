import { describe, expect, it } from 'vitest';
import { analyzeText } from '../helpers.js';

const run = (code: string, file = 'src/example.ts', options?: Record<string, unknown>) => {
  const { findings, errors } = analyzeText(code, { file, rules: ['fake-compression'], options: options ? { 'fake-compression': options } : undefined });
  expect(errors).toEqual([]);
  return findings;
};

describe('fake-compression', () => {
  it('reports a base64-only compress with size ratio, evidence and a zlib fix that keeps the encoding', () => {
    const [finding, ...rest] = run(`export function compress(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64');
}`);
    expect(rest).toEqual([]);
    expect(finding?.ruleId).toBe('fake-compression/encoding-only');
    // Grows every value (moderate); no caller known, so how often is unknown: medium, medium confidence.
    expect(finding?.severity).toBe('medium');
    expect(finding?.confidence).toBe('medium');
    expect(finding?.message).toContain('1.33x');
    expect(finding?.params).toMatchObject({ encoding: 'base64', sizeRatio: 1.33, functionName: 'compress', async: false, writePath: false });
    expect(finding?.fix.replacement).toContain("return gzipSync(JSON.stringify(value)).toString('base64');");
    expect(finding?.fix.description).toContain("import { gzipSync } from 'node:zlib';");
    expect(finding?.evidence.join('\n')).toMatch(/no compressor is reached/);
  });

  it('is critical on a cache write path that runs per request, and rewrites the matching decompress too', () => {
    const [finding] = run(`import Redis from 'ioredis';
const redis = new Redis();
export function compress(v: object) { return Buffer.from(JSON.stringify(v)).toString('base64'); }
export function decompress(s: string) { return JSON.parse(Buffer.from(s, 'base64').toString()); }
export async function put(k: string, v: object) { await redis.setex(k, 60, compress(v)); }
export async function handler(req: any, res: any) { await put(req.params.k, req.body); res.end(); }`);
    expect(finding?.severity).toBe('critical');
    expect(finding?.confidence).toBe('high');
    expect(finding?.evidence.join('\n')).toContain('redis.setex');
    expect(finding?.evidence.join('\n')).toContain('matching `decompress`');
    expect(finding?.fix.replacement).toContain("gunzipSync(Buffer.from(s, 'base64'))");
    expect(finding?.params).toMatchObject({ decompressFunction: 'decompress', writePath: true });
  });

  it('uses promisified gzip in async functions', () => {
    const [finding] = run(`export async function compressBody(body: string) { return Buffer.from(body).toString('base64'); }`);
    expect(finding?.fix.replacement).toContain('(await gzipAsync(body))');
    expect(finding?.fix.description).toContain('promisify(gzip)');
    expect(finding?.params?.async).toBe(true);
  });

  it('hex doubles the size', () => {
    const [finding] = run(`export const gzipToken = (t: string) => Buffer.from(t).toString('hex');`);
    expect(finding?.params).toMatchObject({ encoding: 'hex', sizeRatio: 2 });
    expect(finding?.impact).toContain('100% larger');
  });

  it('serialize-only and identity are light (low with no caller known) and can be turned off', () => {
    const code = `export function compressState(s: object) { return JSON.stringify(s); }
export function compressBody<T>(b: T): T { return b; }`;
    const findings = run(code);
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([
      ['fake-compression/serialize-only', 'low'],
      ['fake-compression/identity', 'low'],
    ]);
    expect(run(code, 'src/example.ts', { reportSerializeOnly: false })).toEqual([]);
  });

  it('is word-aware about names', () => {
    const silent = [
      'zipCode', 'unzip', 'unpack', 'decompress', 'isCompressed', 'compressionLevel', 'getPackageName', 'backpack',
      'toBase64', 'encodeCursor', 'readCompressed', 'NoopCompress', 'zipWith',
    ];
    for (const name of silent) expect(run(`export function ${name}(s: string) { return Buffer.from(s).toString('base64'); }`), name).toEqual([]);
    for (const name of ['compress', 'compressPayload', 'gzipLike', 'deflateRaw', 'COMPRESS_VALUE', 'applyCompression', 'toCompressed']) {
      expect(run(`export function ${name}(s: string) { return Buffer.from(s).toString('base64'); }`), name).toHaveLength(1);
    }
  });

  it('needs corroboration for weak words like pack and shrink', () => {
    expect(run(`export function pack(s: string) { return Buffer.from(s).toString('base64'); }`)).toEqual([]);
    const [finding] = run(`/** Packs the value so it takes less space. */
export function pack(s: string) { return Buffer.from(s).toString('base64'); }`);
    expect(finding?.confidence).toBe('low');
    expect(finding?.severity).toBe('low');
  });

  it('stays silent for real compressors in every import style', () => {
    const cases = [
      `import { gzipSync } from 'zlib'; export const compress = (s: string) => gzipSync(s).toString('base64');`,
      `import * as zlib from 'node:zlib'; export const compress = (s: string) => zlib.deflateSync(s).toString('base64');`,
      `const zlib = require('zlib'); export function compress(s: string) { return zlib.brotliCompressSync(s).toString('base64'); }`,
      `import { promisify } from 'util'; import { gzip } from 'zlib'; const gz = promisify(gzip); export async function compress(s: string) { return (await gz(s)).toString('base64'); }`,
      `export async function compress(s: string) { const z = await import('node:zlib'); return z.gzipSync(s).toString('base64'); }`,
      `import pako from 'pako'; export const compress = (s: string) => Buffer.from(pako.deflate(s)).toString('base64');`,
      `import { encode } from '@msgpack/msgpack'; export const compress = (v: object) => Buffer.from(encode(v)).toString('base64');`,
      `export const compress = (r: ReadableStream) => r.pipeThrough(new CompressionStream('gzip'));`,
      `import LZString from 'lz-string'; export const compress = (s: string) => LZString.compressToBase64(s);`,
    ];
    for (const code of cases) expect(run(code), code).toEqual([]);
  });

  it('follows same-file helpers, further hops through the model\'s codec facts', () => {
    expect(run(`function enc(v: unknown) { return Buffer.from(JSON.stringify(v)).toString('base64'); }
export function compress(v: unknown) { return enc(v); }`)).toHaveLength(1);
    expect(run(`import { gzipSync } from 'zlib';
function gz(s: string) { return gzipSync(s).toString('base64'); }
export function compress(v: unknown) { return gz(JSON.stringify(v)); }`)).toEqual([]);
    // compress -> enc -> b64: only encodes, and the evidence names the chain.
    const [twoHops, ...more] = run(`function b64(s: string) { return Buffer.from(s).toString('base64'); }
function enc(v: unknown) { return b64(JSON.stringify(v)); }
export function compress(v: unknown) { return enc(v); }`);
    expect(more).toEqual([]);
    expect(twoHops?.evidence.join(' ')).toContain('followed through b64()');
    // The second hop compresses: silent.
    expect(run(`import { deflateSync } from 'zlib';
function squeeze(s: string) { return deflateSync(s).toString('base64'); }
function enc(v: unknown) { return squeeze(JSON.stringify(v)); }
export function compress(v: unknown) { return enc(v); }`)).toEqual([]);
    // The second hop does something the model cannot summarise as a codec: not proven, silent.
    expect(run(`function store(s: string) { console.log(s.length); return Buffer.from(s).toString('base64'); }
function enc(v: unknown) { return store(JSON.stringify(v)); }
export function compress(v: unknown) { return enc(v); }`)).toEqual([]);
  });

  it('ignores dead code after return in both directions', () => {
    expect(run(`import zlib from 'zlib';
export function compress(s: string) { return Buffer.from(s).toString('base64'); return zlib.gzipSync(s); }`)).toHaveLength(1);
    expect(run(`import zlib from 'zlib';
export function compress(s: string) { return zlib.gzipSync(s); return Buffer.from(s).toString('base64'); }`)).toEqual([]);
  });

  it('reports a compress option branch that only encodes: heavy, high with no caller known', () => {
    const [finding] = run(`export function write(cache: Map<string, string>, k: string, v: string, opts: { compress: boolean }) {
  cache.set(k, opts.compress ? Buffer.from(v).toString('base64') : v);
}`);
    expect(finding?.ruleId).toBe('fake-compression/option-branch');
    expect(finding?.severity).toBe('high');
    expect(finding?.fix.replacement).toBe('gzipSync(v).toString(\'base64\')');
    expect(finding?.params).toMatchObject({ flag: 'opts.compress', sizeRatio: 1.33 });
  });

  it('does not report decode branches or "none" comparisons', () => {
    expect(run(`export function read(raw: string, opts: { compress: boolean }) { return opts.compress ? Buffer.from(raw, 'base64').toString() : raw; }`)).toEqual([]);
    expect(run(`export function write(v: string, opts: { compression: string }) { return opts.compression === 'none' ? Buffer.from(v).toString('base64') : v; }`)).toEqual([]);
  });

  it('uses fflate in browser code', () => {
    const [finding] = run(`export function compressDraft(d: object) { return btoa(JSON.stringify(d)); }
export function save(d: object) { localStorage.setItem('d', compressDraft(d)); }`);
    expect(finding?.fix.replacement).toContain('btoa(strFromU8(gzipSync(strToU8(JSON.stringify(d))), true))');
    expect(finding?.fix.description).toContain("from 'fflate'");
    expect(finding?.severity).toBe('high');
  });

  it('skips test files, and scripts (code that runs once) unless includeOnce', () => {
    const code = `export function compress(s: string) { return Buffer.from(s).toString('base64'); }`;
    expect(run(code, 'src/__tests__/codec.ts')).toEqual([]);
    expect(run(code, 'scripts/export.ts')).toEqual([]);
    expect(run(code, 'scripts/export.ts', { includeOnce: true })[0]?.severity).toBe('low');
  });

  it('treats hex-to-base64 and radix conversion as real packing', () => {
    expect(run(`export const compressHex = (h: string) => Buffer.from(h, 'hex').toString('base64');`)).toEqual([]);
    expect(run(`export const compressId = (id: string) => BigInt(id).toString(36);`)).toEqual([]);
  });
});

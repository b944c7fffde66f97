import { ts } from '../scanner/ts.js';
import { skipOuter, type ImportScope, type ResolvedRef } from '../scanner/imports.js';
import type { CalleeRef } from './types.js';

/**
 * What a small transform function does to its input, for a "compress" function in another file that calls it:
 * it reaches a real compressor, or it only encodes (base64, hex, JSON, UTF-8 copies). Recorded only when every
 * call in it is known; a function with anything else in it (I/O, a loop, a call the model cannot see) has no
 * fact, and a rule asking about it must stay unsure.
 */

export interface CodecFact {
  /** A compressor it calls (`zlib.gzipSync`, `new CompressionStream()`). */
  compressor?: string;
  /** Encodings it applies when it only encodes: `base64`, `base64url`, `hex`, `json`, `utf8`. */
  encodings: string[];
  /** In a file summary: project functions it calls (`toBase64(json)`), whose own facts the linker folds in
   *  (link.ts); a hop without a fact leaves the whole function without one. Never in a linked fact. */
  via?: CalleeRef[];
  /** In a linked fact: the helpers it reached through, `toBase64() (src/lib/base64.ts:1)`, for evidence. */
  chain?: string[];
}

/** Project helpers a codec may pass through before its fact is unknown. */
const MAX_VIA = 4;

export const COMPRESSOR_MODULES = new Set([
  'zlib',
  'pako',
  'fflate',
  'lz-string',
  'lz4',
  'lz4js',
  'lz4-napi',
  'lz4-wasm',
  'lzutf8',
  'lzma',
  'lzma-native',
  'snappy',
  'snappyjs',
  'zstd-codec',
  'zstd-napi',
  '@mongodb-js/zstd',
  '@bokuweb/zstd-wasm',
  'jsoncrush',
  'cbor',
  'cbor-x',
  'cborg',
  '@msgpack/msgpack',
  'msgpack-lite',
  'msgpackr',
  'msgpack5',
  'notepack.io',
  'brotli',
  'iltorb',
  'node-gzip',
  'compressing',
  'compressjs',
  'wasm-flate',
  'jszip',
  'adm-zip',
  'archiver',
  'yazl',
]);
const COMPRESSOR_MODULE_PATTERN = /(^|[/@-])(zlib|gzip|deflate|brotli|zstd|lz4|lzma|lz-?string|snappy|msgpack|cbor|compress|pako|fflate|flate)/i;
const GLOBAL_COMPRESSORS = new Set(['CompressionStream', 'Bun.gzipSync', 'Bun.deflateSync']);

export function isCompressorRef(ref: ResolvedRef, extra: readonly string[]): boolean {
  if (ref.module === 'global') return GLOBAL_COMPRESSORS.has(ref.path.join('.'));
  if (ref.module.startsWith('.') || ref.module.startsWith('/')) return false;
  return COMPRESSOR_MODULES.has(ref.module) || extra.includes(ref.module) || COMPRESSOR_MODULE_PATTERN.test(ref.module);
}


/** Calls that move bytes and characters around without changing how many there are. */
const PLUMBING_GLOBALS = new Set(['Buffer.from', 'Buffer.concat', 'Buffer.isBuffer', 'Buffer.byteLength', 'String', 'String.fromCharCode', 'String.fromCodePoint', 'Uint8Array.from', 'Array.isArray', 'encodeURIComponent', 'unescape', 'atob', 'Promise.resolve']);
const PLUMBING_METHODS = new Set(['set', 'fill', 'subarray', 'slice', 'charCodeAt', 'codePointAt', 'encode', 'concat', 'replace', 'replaceAll']);
const ENCODINGS = new Set(['base64', 'base64url', 'hex']);

/** Files worth looking at: they mention an encoding or a compressor at all. */
export const CODEC_TEXT = /toString\(\s*['"](base64|base64url|hex)['"]|btoa\(|zlib|gzip|deflate|brotli|compress|pako|fflate|lz-?string|snappy|zstd|msgpack|cbor/i;

export function codecOf(fn: ts.SignatureDeclaration, scope: ImportScope): CodecFact | undefined {
  const body = (fn as ts.FunctionLikeDeclaration).body;
  if (!body || body.end - body.pos > 1500) return undefined;
  const fact: CodecFact = { encodings: [] };
  let blocked = false;
  const visit = (node: ts.Node): void => {
    if (blocked) return;
    if (node !== body && ts.isFunctionLike(node)) {
      blocked = true;
      return;
    }
    if (ts.isForStatement(node) || ts.isForOfStatement(node) || ts.isForInStatement(node) || ts.isWhileStatement(node) || ts.isDoStatement(node)) {
      blocked = true;
      return;
    }
    if (ts.isNewExpression(node)) {
      const ref = scope.resolve(node.expression);
      if (ref && isCompressorRef(ref, [])) fact.compressor ??= `new ${ref.path.join('.') || ref.module}()`;
      else if (!(ref?.module === 'global' && ['TextEncoder', 'Uint8Array', 'TextDecoder'].includes(ref.path.join('.')))) blocked = true;
    }
    if (ts.isCallExpression(node)) {
      const callee = skipOuter(node.expression);
      const ref = scope.resolve(callee);
      if (ref && isCompressorRef(ref, [])) fact.compressor ??= `${ref.module === 'global' ? '' : `${ref.module}.`}${ref.path.join('.')}`;
      else if (ref?.module === 'global') {
        const path = ref.path.join('.').replace(/^(globalThis|window|self)\./, '');
        if (path === 'btoa') fact.encodings.push('base64');
        else if (path === 'JSON.stringify' && node.arguments.length <= 1) fact.encodings.push('json');
        else if (!PLUMBING_GLOBALS.has(path)) blocked = true;
      } else if (ref) {
        // A project helper (`toBase64(json)` from './base64'): the linker folds its fact in. A library the
        // resolver cannot find in the project leaves the fact unknown there.
        if (ref.path.length === 1 && (fact.via?.length ?? 0) < MAX_VIA) (fact.via ??= []).push({ kind: 'import', module: ref.module, path: ref.path });
        else blocked = true;
      } else if (ts.isIdentifier(callee)) {
        // A function of this file, same treatment.
        if ((fact.via?.length ?? 0) < MAX_VIA) (fact.via ??= []).push({ kind: 'local', name: callee.text });
        else blocked = true;
      } else if (ts.isPropertyAccessExpression(callee)) {
        const method = callee.name.text;
        const first = node.arguments[0];
        if (method === 'toString') {
          if (first && ts.isStringLiteralLike(first) && ENCODINGS.has(first.text)) fact.encodings.push(first.text);
          else if (first && !(ts.isStringLiteralLike(first) && /^(utf-?8|latin1|binary|ascii)$/i.test(first.text))) blocked = true;
        } else if (!PLUMBING_METHODS.has(method)) blocked = true;
      } else {
        blocked = true;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
  if (blocked || (!fact.compressor && fact.encodings.length === 0 && !fact.via)) return undefined;
  fact.encodings = [...new Set(fact.encodings)];
  return fact;
}


/**
 * The results cache's entries checked by hand, without zod: the same contract as `cachedFileSchema`
 * (src/result-schema.ts), which a warm scan would otherwise load zod to apply. The answer is the schema's: an
 * entry it accepts comes back as the schema would return it (known keys only, in the schema's order, fresh
 * arrays and objects), and anything it rejects is a miss. Where the two could differ this check is the stricter
 * (a key named `__proto__`), which costs only a re-analysis. test/scanner/cached-entry.test.ts holds the two side
 * by side on written entries and on corrupted ones.
 */
import { CATEGORIES, CONFIDENCES, EFFORTS, SEVERITIES } from '../findings.js';
import type { CachedFile } from './cache.js';

type Json = Record<string, unknown>;

/** Thrown inside the check only; never leaves this module. */
const INVALID = Symbol('invalid');

function fail(): never {
  // eslint-disable-next-line @typescript-eslint/only-throw-error
  throw INVALID;
}

function object(value: unknown): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail();
  return value as Json;
}

function string(value: unknown): string {
  return typeof value === 'string' ? value : fail();
}

function number(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fail();
}

function int(value: unknown): number {
  return Number.isSafeInteger(value) ? (value as number) : fail();
}

function boolean(value: unknown): boolean {
  return typeof value === 'boolean' ? value : fail();
}

function oneOf<T extends string>(values: readonly T[], value: unknown): T {
  return values.includes(value as T) ? (value as T) : fail();
}

function array<T>(value: unknown, item: (value: unknown) => T): T[] {
  if (!Array.isArray(value)) fail();
  const out: T[] = [];
  for (const element of value) out.push(item(element));
  return out;
}

/** Sets `key` when the input has it (an optional key of the schema); `undefined` is left out, as zod leaves it. */
function optional<T>(out: Json, input: Json, key: string, check: (value: unknown) => T): void {
  if (!Object.hasOwn(input, key) || input[key] === undefined) return;
  out[key] = check(input[key]);
}

function jsonValue(value: unknown): unknown {
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return value;
  if (typeof value === 'number') return number(value);
  return array(value, (item) => (typeof item === 'string' ? item : number(item)));
}

function params(value: unknown): Json {
  const input = object(value);
  const out: Json = {};
  for (const key of Object.keys(input)) {
    if (key === '__proto__') fail();
    out[key] = jsonValue(input[key]);
  }
  return out;
}

function edit(value: unknown): Json {
  const e = object(value);
  return { file: string(e.file), start: int(e.start), end: int(e.end), line: int(e.line), column: int(e.column), endLine: int(e.endLine), endColumn: int(e.endColumn), text: string(e.text) };
}

function fix(value: unknown): Json {
  const f = object(value);
  const out: Json = { description: string(f.description), replacement: string(f.replacement) };
  optional(out, f, 'edits', (edits) => array(edits, edit));
  optional(out, f, 'mechanical', boolean);
  return out;
}

function route(value: unknown): Json {
  const r = object(value);
  return { method: string(r.method), path: string(r.path), file: string(r.file), line: int(r.line), framework: string(r.framework), handler: string(r.handler) };
}

function finding(value: unknown): Json {
  const f = object(value);
  const out: Json = {
    ruleId: string(f.ruleId),
    severity: oneOf(SEVERITIES, f.severity),
    confidence: oneOf(CONFIDENCES, f.confidence),
    file: string(f.file),
    line: int(f.line),
    column: int(f.column),
    endLine: int(f.endLine),
    endColumn: int(f.endColumn),
    message: string(f.message),
    evidence: array(f.evidence, string),
    impact: string(f.impact),
    fix: fix(f.fix),
    effort: oneOf(EFFORTS, f.effort),
    category: oneOf(CATEGORIES, f.category),
  };
  optional(out, f, 'params', params);
  optional(out, f, 'snippet', string);
  optional(out, f, 'reach', (reach) => ({ routes: array(object(reach).routes, route) }));
  out.fingerprintText = string(f.fingerprintText);
  return out;
}

function error(value: unknown): Json {
  const e = object(value);
  const out: Json = { message: string(e.message) };
  optional(out, e, 'ruleId', string);
  optional(out, e, 'line', int);
  return out;
}

/** The entry as `cachedFileSchema.safeParse` returns it when it succeeds; undefined where it fails. */
export function checkCachedFile(value: unknown): CachedFile | undefined {
  try {
    const entry = object(value);
    const key = string(entry.key);
    const lines = int(entry.lines);
    if (lines < 0) fail();
    const analysis = object(entry.analysis);
    return { key, lines, analysis: { findings: array(analysis.findings, finding), errors: array(analysis.errors, error) } } as unknown as CachedFile;
  } catch (thrown) {
    if (thrown === INVALID) return undefined;
    throw thrown;
  }
}

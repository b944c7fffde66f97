import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedFileSchema } from '../../src/result-schema.js';
import { AnalysisCache } from '../../src/scanner/cache.js';
import { checkCachedFile } from '../../src/scanner/cached-entry.js';
import { scan } from '../../src/scanner/engine.js';
import { ALL_RULES } from '../../rules/index.js';

/**
 * The hand-written check of cached entries (a warm scan does not load zod) against the schema it stands for:
 * on the entries a scan of the fixtures writes, and on every one-place corruption of them, it must accept what
 * the schema accepts, return what the schema returns (same keys, same order), and reject what it rejects.
 */
let dir: string;
let entries: unknown[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'bottleneck-cached-entry-'));
  const cache = new AnalysisCache(dir);
  await scan({ cwd: path.resolve('.'), paths: ['fixtures'], include: [], exclude: [], maxFileSize: 1024 * 1024, rules: ALL_RULES.map((rule) => ({ rule, options: {} })), cache, concurrency: 1 });
  cache.save();
  const written = JSON.parse(readFileSync(path.join(dir, 'scan-cache.json'), 'utf8')) as { files: Record<string, unknown> };
  entries = Object.values(written.files);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function schemaAnswer(value: unknown): string | undefined {
  const parsed = cachedFileSchema.safeParse(value);
  return parsed.success ? JSON.stringify(parsed.data) : undefined;
}

function mineAnswer(value: unknown): string | undefined {
  const checked = checkCachedFile(value);
  return checked === undefined ? undefined : JSON.stringify(checked);
}

type Path = Array<string | number>;

/** Every place in a value: objects' keys and arrays' elements, depth first. */
function places(value: unknown, at: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [];
  const out: Path[] = [];
  for (const [key, inner] of Object.entries(value)) {
    const here = [...at, Array.isArray(value) ? Number(key) : key];
    out.push(here, ...places(inner, here));
  }
  return out;
}

/** A deep copy with the value at `at` replaced (or deleted, for `DELETE`). */
const DELETE = Symbol('delete');
function withValue(value: unknown, at: Path, replacement: unknown): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of at.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = at[at.length - 1] as string | number;
  if (replacement === DELETE) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else parent[last] = replacement;
  return copy;
}

const REPLACEMENTS: unknown[] = [DELETE, null, 'x', '', 0, -1, 1.5, true, [], {}, ['x'], [1], 'critical', 'Database', 'small', 'high'];

describe('checkCachedFile gives the cached-file schema\'s answer', () => {
  it('accepts every entry a scan of the fixtures writes, as the schema returns it', () => {
    const withFindings = entries.filter((entry) => (entry as { analysis: { findings: unknown[] } }).analysis.findings.length > 0);
    expect(withFindings.length).toBeGreaterThan(50);
    // The fixtures' findings carry every optional part the schema knows.
    const text = JSON.stringify(withFindings);
    for (const part of ['"params"', '"edits"', '"mechanical"', '"reach"', '"snippet"']) expect(text).toContain(part);
    for (const entry of entries) {
      const answer = mineAnswer(entry);
      expect(answer).toBeDefined();
      expect(answer).toBe(schemaAnswer(entry));
    }
  });

  it('answers as the schema does for every one-place corruption of written entries', () => {
    // Entries with findings that differ in shape: with edits, with params, with reach, with errors.
    const picked = new Map<string, unknown>();
    for (const entry of entries) {
      const text = JSON.stringify(entry);
      const shape = ['"edits"', '"params"', '"reach"', '"snippet"', '"mechanical"', '"ruleId":'].filter((part) => text.includes(part)).join(',');
      if (!picked.has(shape)) picked.set(shape, entry);
    }
    expect(picked.size).toBeGreaterThan(3);
    let compared = 0;
    let rejected = 0;
    for (const entry of picked.values()) {
      for (const at of places(entry)) {
        for (const replacement of REPLACEMENTS) {
          const variant = withValue(entry, at, replacement);
          const expected = schemaAnswer(variant);
          expect(mineAnswer(variant), `${at.join('.')} = ${String(replacement === DELETE ? 'deleted' : JSON.stringify(replacement))}`).toBe(expected);
          compared += 1;
          if (expected === undefined) rejected += 1;
        }
        // An unknown key is dropped by both.
        const extra = withValue(entry, [...at.slice(0, -1), 'unknownKey'], 1);
        expect(mineAnswer(extra)).toBe(schemaAnswer(extra));
      }
    }
    expect(compared).toBeGreaterThan(1000);
    expect(rejected).toBeGreaterThan(compared / 4);
  });

  it('rejects what is not an entry at all', () => {
    for (const value of [null, undefined, 1, 'x', [], {}, { key: 'k', lines: 1 }, { key: 'k', lines: 1, analysis: null }, { key: 'k', lines: -1, analysis: { findings: [], errors: [] } }]) {
      expect(checkCachedFile(value)).toBeUndefined();
      expect(schemaAnswer(value)).toBeUndefined();
    }
  });
});

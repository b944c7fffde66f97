import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCorpus } from '../bench/corpus.js';
import type { ScanResult } from '../src/findings.js';
import { mergeResults } from '../src/merge.js';
import { AnalysisCache } from '../src/scanner/cache.js';
import { scan, type ScanRequest } from '../src/scanner/engine.js';
import { ALL_RULES } from '../rules/index.js';

const root = path.resolve(import.meta.dirname, '..');
const temp = mkdtempSync(path.join(tmpdir(), 'bottleneck-equivalence-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** Everything a reporter prints except timing. */
function comparable(result: ScanResult) {
  return { ...result, summary: { ...result.summary, durationMs: 0 } };
}

function request(paths: string[], extra: Partial<ScanRequest> = {}): ScanRequest {
  return { cwd: root, paths, include: [], exclude: [], maxFileSize: 1024 * 1024, rules: ALL_RULES.map((rule) => ({ rule, options: {} })), ...extra };
}

describe.each([
  ['fixtures', () => 'fixtures'],
  ['a generated corpus', () => path.relative(root, generateCorpus(path.join(temp, 'corpus'), 300, 7))],
])('results on %s are identical with and without every optimisation', (_, target) => {
  it('cache cold, cache warm, one file touched, no cache, no prefilter, two worker threads, sharded and merged', async () => {
    const dir = target();
    const baseline = comparable(await scan(request([dir], { prefilter: false })));
    expect(baseline.findings.length).toBeGreaterThan(0);

    expect(comparable(await scan(request([dir])))).toEqual(baseline);

    const cacheDir = path.join(temp, `cache-${dir.replace(/\W/g, '_')}`);
    const cold = await scan(request([dir], { cache: new AnalysisCache(cacheDir), toolVersion: 'test' }));
    const warm = await scan(request([dir], { cache: new AnalysisCache(cacheDir), toolVersion: 'test' }));
    expect(comparable(cold)).toEqual(baseline);
    expect(comparable(warm)).toEqual(baseline);

    // One file touched (its stamp moves, its bytes do not): read again, judged from the cache, same results; its
    // times are put back afterwards (the change time still moved, so the next run reads it once more).
    const touchedFile = path.join(root, dir, (readdirSync(path.join(root, dir), { recursive: true }) as string[]).find((name) => name.endsWith('.ts')) ?? '');
    const times = statSync(touchedFile);
    const later = new Date(Date.now() + 5000);
    utimesSync(touchedFile, later, later);
    try {
      const touched = await scan(request([dir], { cache: new AnalysisCache(cacheDir), toolVersion: 'test' }));
      expect(comparable(touched)).toEqual(baseline);
    } finally {
      utimesSync(touchedFile, times.atime, times.mtime);
    }
    const afterTouch = await scan(request([dir], { cache: new AnalysisCache(cacheDir), toolVersion: 'test' }));
    expect(comparable(afterTouch)).toEqual(baseline);

    const threaded = await scan(request([dir], { concurrency: 2 }));
    expect(comparable(threaded)).toEqual(baseline);

    const shards = await Promise.all([1, 2, 3].map((index) => scan(request([dir], { shard: { index, count: 3 } }))));
    expect(shards.every((shard) => shard.summary.files > 0)).toBe(true);
    expect(comparable(mergeResults(shards))).toEqual(baseline);
  });
});

describe('the cache', () => {
  it('re-analyses a file whose content, tool version or rule options changed', async () => {
    const cacheDir = path.join(temp, 'cache-keys');
    const timings = () => ({ discover: 0, read: 0, prefilter: 0, parse: 0, rules: 0, cache: 0, filesParsed: 0, cacheHits: 0 });
    const first = timings();
    const result = await scan(request(['fixtures'], { cache: new AnalysisCache(cacheDir), toolVersion: 'a', timings: first }));
    expect(first.filesParsed).toBeGreaterThan(0);
    const again = timings();
    await scan(request(['fixtures'], { cache: new AnalysisCache(cacheDir), toolVersion: 'a', timings: again }));
    expect(again.filesParsed).toBe(0);
    expect(again.cacheHits).toBe(result.summary.files);
    const upgraded = timings();
    await scan(request(['fixtures'], { cache: new AnalysisCache(cacheDir), toolVersion: 'b', timings: upgraded }));
    expect(upgraded.cacheHits).toBe(0);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execCompressionProbe, extractFunction } from '../../src/probe/exec.js';
import { COMPRESSORS, jsonPayload } from '../../src/probe/probes/fake-compression.js';

const dir = mkdtempSync(path.join(tmpdir(), 'bottleneck-exec-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const context = () => ({ deadline: Date.now() + 15_000, signal: new AbortController().signal });

const SOURCE = `import { createClient } from 'redis';
const redis = createClient();

export function compress(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64');
}

export const pack = (text: string): string => redis.prefix + Buffer.from(text).toString('hex');
`;
writeFileSync(path.join(dir, 'cache.ts'), SOURCE);

describe('--exec for fake-compression', () => {
  it('cuts the named function out of its file, keeping its line', () => {
    const extracted = extractFunction(SOURCE, 'cache.ts', 5);
    expect(extracted).toMatchObject({ name: 'compress', line: 4, argument: 'object' });
    expect('source' in extracted && extracted.source.split('\n')[3]).toContain('function compress(value: unknown)');
  });

  it("calls the user's function in a child process and measures its real output", async () => {
    const probe = execCompressionProbe(dir);
    const plan = probe.plan({ __file: 'cache.ts', __line: 5 }, 'encoding-only');
    if (!('params' in plan)) throw new Error(plan.skip);
    const outcome = await probe.run(plan.params, context());
    expect(outcome.mode).toBe('exec');
    expect(outcome.status).toBe('verified');
    const text = JSON.stringify(JSON.parse(jsonPayload(64 * 1024)));
    expect(outcome.measurements[0]).toMatchObject({
      before: 4 * Math.ceil(Buffer.byteLength(text) / 3),
      after: COMPRESSORS.gzip(Buffer.from(jsonPayload(64 * 1024))).length,
    });
    expect(outcome.notes).toContain('source map: the called function starts at cache.ts:4');
  });

  it('skips a function that needs its module, naming the missing binding', async () => {
    const probe = execCompressionProbe(dir);
    const plan = probe.plan({ __file: 'cache.ts', __line: 8 }, 'encoding-only');
    if (!('params' in plan)) throw new Error(plan.skip);
    const outcome = await probe.run(plan.params, context());
    expect(outcome.status).toBe('skipped');
    expect(outcome.reason).toMatch(/redis is not defined/);
  });
});

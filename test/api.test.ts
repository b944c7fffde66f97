import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exitCode, probe, scan } from '../src/api.js';

// The API in-process, from source (test/package.test.ts runs it from the packed package).
const temps: string[] = [];
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bottleneck-api-'));
  temps.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

const FAKE_COMPRESSION = `export function compress(value: string): string {
  return Buffer.from(value).toString('base64');
}
`;

describe('scan()', () => {
  it('searches for the config, or takes an object, or none; overrides apply relative to cwd for an object', async () => {
    const dir = project({ 'src/legacy/a.ts': FAKE_COMPRESSION, 'src/b.ts': FAKE_COMPRESSION, '.bottleneckrc.json': JSON.stringify({ rules: { 'fake-compression': 'low' } }) });
    const searched = await scan({ cwd: dir });
    expect(searched.findings.map((f) => `${f.file} ${f.severity}`).sort()).toEqual(['src/b.ts low', 'src/legacy/a.ts low']);
    const object = await scan({ cwd: dir, config: { overrides: [{ files: ['src/legacy/**'], rules: { 'fake-compression': 'off' } }] } });
    expect(object.findings.map((f) => `${f.file} ${f.severity}`)).toEqual(['src/b.ts medium']);
    const none = await scan({ cwd: dir, config: false, paths: ['src/legacy'] });
    expect(none.findings.map((f) => f.file)).toEqual(['src/legacy/a.ts']);
    expect(exitCode(none)).toBe(0);
    expect(exitCode(none, 'medium')).toBe(1);
    expect(none.tool.name).toBe('bottleneck');
  });

  it('rejects a bad config with the message the CLI prints', async () => {
    const dir = project({ 'a.ts': FAKE_COMPRESSION });
    await expect(scan({ cwd: dir, config: { rules: { 'fake-compresion': 'off' } } })).rejects.toThrow(/unknown rule "fake-compresion" \(did you mean "fake-compression"\?\)/);
    await expect(scan({ cwd: dir, rules: ['nope'] })).rejects.toThrow(/Unknown rule "nope"/);
  });
});

describe('probe()', () => {
  it('returns the scan report with a verification per finding and the probe summary', { timeout: 120_000 }, async () => {
    const dir = project({ 'cache.ts': FAKE_COMPRESSION });
    const lines: string[] = [];
    const report = await probe({ cwd: dir, budgetSeconds: 3, log: (text) => lines.push(text) });
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]?.verification?.status).toBeDefined();
    expect(report.probe.counts).toBeDefined();
    expect(typeof report.probe.verdicts).toBe('string');
    expect(lines.join('')).toMatch(/probe 1\/1: fake-compression/);
    await expect(probe({ cwd: dir, budgetSeconds: 0 })).rejects.toThrow(/budgetSeconds/);
  });
});

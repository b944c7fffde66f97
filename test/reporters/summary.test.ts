import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATEGORIES, SEVERITIES, type Finding, type ScanResult } from '../../src/findings.js';
import { markdownReporter, shorten, SUMMARY_MAX_BYTES } from '../../src/reporters/markdown.js';
import { FINDINGS, sampleInput } from './sample-result.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/bottleneck.js');
const summaryTemplate = readFileSync(path.join(root, 'templates/summary.md.hbs'), 'utf8');

/** `count` findings with long paths and messages: far more than a PR comment can hold. */
function manyFindings(count: number): ScanResult {
  const findings: Finding[] = [];
  for (let i = 0; i < count; i += 1) {
    const base = FINDINGS[i % FINDINGS.length] as Finding;
    findings.push({
      ...base,
      severity: SEVERITIES[i % 4] ?? 'high',
      category: CATEGORIES[i % CATEGORIES.length] ?? 'Database',
      file: `packages/service-${i % 50}/src/${'very-long-directory-name/'.repeat(40)}file-${i}.ts`,
      line: i + 1,
      endLine: i + 1,
      message: `finding ${i}: ${'a long message with many words that goes on and on '.repeat(30)}`,
      fingerprint: `fp${i}`,
    });
  }
  const bySeverity = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const f of findings) bySeverity[f.severity] += 1;
  return { findings, errors: [], skipped: [], summary: { files: count, lines: count * 40, durationMs: 1000, bySeverity } };
}

describe('markdown --summary', () => {
  it('stays under 60 KB however many findings there are, and says how many it left out', () => {
    for (const count of [5, 2000, 20000]) {
      const text = markdownReporter(sampleInput({ template: summaryTemplate, summary: true, result: manyFindings(count) }));
      expect(Buffer.byteLength(text), `${count} findings`).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
      expect(text).toContain(`grade`);
      if (count > 10) expect(text).toMatch(/more findings in the full report/);
    }
  });

  it('names fewer findings when ten would pass the limit', () => {
    const huge = manyFindings(30);
    // Paths of ~8 KB each: ten rows would be ~80 KB.
    huge.findings = huge.findings.map((f) => ({ ...f, file: `${'d/'.repeat(4000)}f.ts` }));
    const text = markdownReporter(sampleInput({ template: summaryTemplate, summary: true, result: huge }));
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
    const rows = text.split('\n').filter((line) => /^\| F\d+ \|/.test(line));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(10);
  });

  it('on the bundled fixtures: grade, counts, charts and the top ten with their rule ids, in a few KB', () => {
    const run = spawnSync(process.execPath, [bin, 'scan', 'fixtures', '--format', 'markdown', '--summary', '--no-cache', '--fail-on', 'none'], { cwd: root, encoding: 'utf8' });
    expect(run.status).toBe(0);
    const text = run.stdout;
    expect(Buffer.byteLength(text)).toBeLessThan(SUMMARY_MAX_BYTES);
    expect(text).toMatch(/^## bottleneck: grade [A-F], \d+ findings/);
    expect(text).toContain('pie showData title Findings by severity');
    expect(text).toContain('xychart-beta');
    expect(text.split('\n').filter((line) => /^\| F\d+ \|/.test(line))).toHaveLength(10);
    expect(text).not.toContain('## Findings by severity');
  });

  it('shortens at a word boundary', () => {
    expect(shorten('one two three four', 12)).toBe('one two…');
    expect(shorten('short', 12)).toBe('short');
  });
});

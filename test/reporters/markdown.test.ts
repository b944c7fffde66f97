import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { escapeCell, fencedCode, inlineCode, markdownReporter } from '../../src/reporters/markdown.js';
import { buildReportContext } from '../../src/reporters/markdown-context.js';
import { gradeFindings } from '../../src/reporters/grade.js';
import { FINDINGS, RESULT, sampleInput } from './sample-result.js';

const template = readFileSync(path.resolve(import.meta.dirname, '../../templates/report.md.hbs'), 'utf8');

describe('markdown report', () => {
  it('matches the snapshot for a fixed list of findings', async () => {
    const report = markdownReporter(sampleInput({ template }));
    await expect(report).toMatchFileSnapshot('./__snapshots__/audit-report.md');
  });

  it('has every section, links locations and keeps code unescaped', () => {
    const report = markdownReporter(sampleInput({ template }));
    for (const heading of ['## Executive summary', '### Top critical items', '## Findings by severity', '## Quick wins', '## Findings by category', '## Action plan', '### Runtime metrics to watch', '## Runtime verification', '## Suppressed findings']) {
      expect(report).toContain(heading);
    }
    for (const category of ['Database', 'Caching', 'Network/API', 'Memory', 'Async/Concurrency']) expect(report).toContain(`### ${category} (`);
    expect(report).toContain('[`src/orders/service.ts:12-14`](https://github.com/acme/shop/blob/abc123/src/orders/service.ts#L12-L14)');
    expect(report).toContain("return gzipSync(v).toString('base64');");
    expect(report).not.toMatch(/&#x27;|&quot;/);
    // A pipe inside a table cell is escaped, so the row keeps its columns.
    expect(report).toContain('output is 1.33x \\| larger');
    expect(report).toContain('- [ ] **F1** Start the three calls together with Promise.all.');
    expect(report).toContain('| [F2](#f2) | demonstrated (replica) | 87,384 → 9,120 bytes | 9.58× |');
    expect(report).toContain('- **F2** [`src/cache.ts:3`](https://github.com/acme/shop/blob/abc123/src/cache.ts#L3) · load: 64 KB JSON payload, 200 calls, 5 rounds (replica) · output size (bytes) 87,384 → 9,120 (9.58×); time per call (ms) 0.04 → 0.61 (0.07×) · gzip level 6');
  });

  it('keeps the probe table to four short columns, long text moved below it', () => {
    const report = markdownReporter(sampleInput({ template }));
    const section = report.slice(report.indexOf('## Runtime verification'));
    const rows = section.split('\n').filter((line) => line.startsWith('| ['));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.split(' | ')).toHaveLength(4);
      expect(row.length).toBeLessThan(100);
    }
  });

  it('draws severity, categories and the probe results as GitHub Mermaid charts', () => {
    const context = buildReportContext(sampleInput({ template }));
    expect(context.charts.severity).toContain('pie showData title Findings by severity');
    expect(context.charts.severity).toContain('"Critical" : 1');
    expect(context.charts.categories).toContain('x-axis ["Database", "Caching", "Network/API", "Memory", "Async/Concurrency"]');
    // Every finding is counted in its category; critical and high drawn over the whole bar.
    expect(context.charts.categories).toContain('bar [1, 1, 1, 1, 1]');
    expect(context.charts.categories).toContain('bar [1, 1, 0, 0, 1]');
    // F2: 9.58x better -> the cost after the fix is 10.44% of before.
    expect(context.charts.probe).toContain('x-axis ["F2"]');
    expect(context.charts.probe).toContain('bar [10.44]');
    expect(context.charts.probe).toContain('line [100]');
    const report = markdownReporter(sampleInput({ template }));
    expect(report.match(/```mermaid\n/g)).toHaveLength(3);
    const empty = buildReportContext(sampleInput({ template, result: { ...RESULT, findings: [], summary: { ...RESULT.summary, bySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 } } } }));
    expect(empty.charts).toEqual({ severity: '', categories: '', probe: '' });
  });

  it('omits the runtime verification section when no finding carries one', () => {
    const findings = FINDINGS.map(({ ...f }) => {
      const copy: Record<string, unknown> = { ...f };
      delete copy.verification;
      return copy as typeof f;
    });
    const report = markdownReporter(sampleInput({ template, result: { ...RESULT, findings } }));
    expect(report).not.toContain('Runtime verification');
  });

  it('renders a user template with the documented context', () => {
    const report = markdownReporter(sampleInput({ template: '# {{grade.letter}} {{summary.total}}\n{{#each findings}}- {{id}} {{cell message}}\n{{/each}}' }));
    expect(report).toBe('# C 5\n- F1 Three independent awaits run one after another in `getOrder` (a request handler)\n- F2 compress() only base64-encodes: output is 1.33x \\| larger\n- F3 Pool max 5 for ~200 concurrent requests\n- F4 new https.Agent() without keepAlive\n- F5 setTimeout in Promise.race is never cleared\n');
  });

  it('builds a context without a repository and says when there are no findings', () => {
    const context = buildReportContext(sampleInput({ repository: undefined }));
    expect(context.findings[0]?.url).toBeUndefined();
    const empty = markdownReporter(sampleInput({ template, result: { findings: [], errors: [], skipped: [], summary: { files: 3, lines: 10, durationMs: 5, bySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 } } } }));
    expect(empty).toContain('**Grade: A**');
    expect(empty).toContain('No findings.');
    expect(empty).not.toContain('## Runtime verification');
  });
});

describe('grade', () => {
  it('weighs findings per thousand lines with a floor, and caps on critical and high', () => {
    expect(gradeFindings([], 100).letter).toBe('A');
    const one = FINDINGS.filter((f) => f.severity === 'medium');
    expect(gradeFindings(one, 200)).toMatchObject({ letter: 'B', points: 2, density: 2 });
    const critical = FINDINGS.filter((f) => f.severity === 'critical');
    expect(gradeFindings(critical, 1_000_000)).toMatchObject({ letter: 'C', cappedBy: 'critical' });
    expect(gradeFindings(FINDINGS, 1000).letter).toBe('F');
  });
});

describe('markdown escaping helpers', () => {
  it('escapes pipes and newlines in cells, and picks fences longer than the code', () => {
    expect(escapeCell('a | b\nc')).toBe('a \\| b<br>c');
    expect(inlineCode('a`b')).toBe('``a`b``');
    expect(fencedCode('x = ```y```', 'ts')).toBe('````ts\nx = ```y```\n````');
  });
});

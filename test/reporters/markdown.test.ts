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
    expect(report).toContain('| [F2](#f2) | [`src/cache.ts:3`]');
    expect(report).toContain('| demonstrated (replica) | output size (bytes) | 87,384 | 9,120 | 9.58× |');
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

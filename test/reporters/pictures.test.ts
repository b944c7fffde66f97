import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script, shared with scripts/screenshots.mjs
import { ansiToHtml, findChromium, markdownPage, pngSize, screenshot, terminalPage } from '../../scripts/pictures.mjs';
import { markdownReporter } from '../../src/reporters/markdown.js';
import { terminalReporter } from '../../src/reporters/terminal.js';
import { sampleInput } from './sample-result.js';

const root = path.resolve(import.meta.dirname, '../..');
const template = readFileSync(path.join(root, 'templates/report.md.hbs'), 'utf8');
const summaryTemplate = readFileSync(path.join(root, 'templates/summary.md.hbs'), 'utf8');
const chromium: string | undefined = findChromium();
const ESC = '\u001b';

describe('report pictures: HTML', () => {
  it('turns ANSI colours into spans and escapes the text', () => {
    expect(ansiToHtml(`${ESC}[31m${ESC}[1m- a < b${ESC}[22m${ESC}[39m plain`)).toBe('<span style="color:#f14c4c;font-weight:bold">- a &lt; b</span> plain');
    const coloured = terminalReporter({ ...sampleInput(), color: true, width: 80 });
    // eslint-disable-next-line no-control-regex
    expect(terminalPage(coloured, 80)).not.toMatch(/\u001b/);
  });

  it('renders the markdown report with its tables and charts (GitHub-flavoured)', () => {
    const html = markdownPage(markdownReporter(sampleInput({ template })));
    expect(html).toContain('<table>');
    expect(html).toContain('<th>Severity</th>');
    expect(html).toContain('class="language-mermaid"');
    expect(html).not.toContain('| --- |');
  });
});

// A browser is never installed by the tests: where there is none, say so and skip.
describe.skipIf(!chromium)(`report pictures: Chromium screenshots${chromium ? '' : ' (skipped: no Chromium at /usr/bin/chromium or $CHROMIUM)'}`, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bottleneck-pictures-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('screenshots the rendered markdown report and the summary, and they are not blank', () => {
    const blank = screenshot(chromium, markdownPage(''), path.join(dir, 'blank.png'), { width: 924, waitMs: 500 });
    const audit = screenshot(chromium, markdownPage(markdownReporter(sampleInput({ template }))), path.join(dir, 'audit.png'), { width: 924, waitMs: 500 });
    const summary = screenshot(chromium, markdownPage(markdownReporter(sampleInput({ template: summaryTemplate, summary: true }))), path.join(dir, 'summary.png'), { width: 924, waitMs: 500 });
    expect(audit.width).toBe(924);
    // The page is measured first, so the picture is as tall as the report (the audit is several screens).
    expect(audit.height).toBeGreaterThan(2000);
    expect(summary.height).toBeLessThan(audit.height);
    const bytes = (file: string) => statSync(file).size;
    expect(bytes(audit.file)).toBeGreaterThan(5 * bytes(blank.file));
    expect(bytes(summary.file)).toBeGreaterThan(3 * bytes(blank.file));
  });

  it('screenshots the coloured terminal report', () => {
    const ansi = terminalReporter({ ...sampleInput(), color: true, width: 80 });
    const shot = screenshot(chromium, terminalPage(ansi, 80), path.join(dir, 'terminal.png'), { width: 760, waitMs: 500 });
    expect(pngSize(readFileSync(shot.file))).toEqual({ width: 760, height: shot.height });
    // 14px * 1.35 per line, plus padding: the whole report is in the picture.
    expect(shot.height).toBeGreaterThanOrEqual(Math.floor(ansi.split('\n').length * 14 * 1.35));
  });
}, 600_000);

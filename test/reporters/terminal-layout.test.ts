import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Finding, ScanResult } from '../../src/findings.js';
import { compactReporter } from '../../src/reporters/compact.js';
import { fixDiff } from '../../src/reporters/fix-diff.js';
import { terminalReporter } from '../../src/reporters/terminal.js';
import type { ReportInput } from '../../src/reporters/types.js';
import { wrapWords } from '../../src/reporters/wrap.js';
import { RESULT } from './sample-result.js';

const bin = path.resolve(import.meta.dirname, '../../bin/bottleneck.js');
const root = path.resolve(import.meta.dirname, '../..');
const tool = { name: 'bottleneck', version: '0' };

function base(overrides: Partial<Finding>): Finding {
  return {
    ruleId: 'fake-compression/encoding-only',
    severity: 'high',
    confidence: 'high',
    file: 'src/cache.ts',
    line: 7,
    column: 10,
    endLine: 7,
    endColumn: 43,
    message: 'compress() only base64-encodes',
    evidence: ['named `compress`', 'no compressor is reached', 'severity high: the output grows'],
    impact: 'values 33% larger',
    fix: { description: 'Gzip before encoding.', replacement: "gzipSync(v).toString('base64')" },
    effort: 'trivial',
    category: 'Caching',
    fingerprint: 'f',
    snippet: "  return Buffer.from(v).toString('base64');",
    ...overrides,
  };
}

function resultOf(findings: Finding[]): ScanResult {
  return { findings, errors: [], skipped: [], summary: { files: 1, lines: 20, durationMs: 5, bySeverity: { critical: 0, high: findings.length, medium: 0, low: 0, info: 0 } } };
}

function render(findings: Finding[], extra: Partial<ReportInput> = {}): string {
  return terminalReporter({ result: resultOf(findings), tool, color: false, failOn: 'none', quiet: false, ...extra });
}

const columns = (line: string) => [...line].length;

describe('terminal diagnostics', () => {
  it('prints a header with severity, rule and location, then the message and the span underlined', () => {
    const lines = render([base({})]).split('\n');
    expect(lines[0]).toBe('HIGH fake-compression/encoding-only src/cache.ts:7:10');
    expect(lines[1]).toBe('  compress() only base64-encodes');
    const code = lines.findIndex((line) => line.startsWith('7 │ '));
    expect(lines[code]).toBe("7 │   return Buffer.from(v).toString('base64');");
    // Carets under `Buffer.from(v).toString('base64')`: columns 10 to 42 of the line.
    expect(lines[code + 1]).toBe(`  │ ${' '.repeat(9)}${'^'.repeat(33)}`);
  });

  it('puts one caret under an empty span', () => {
    const lines = render([base({ column: 3, endColumn: 3 })]).split('\n');
    expect(lines[lines.findIndex((line) => line.startsWith('7 │ ')) + 1]).toBe('  │   ^');
  });

  it('marks a span over several lines in the margin and points at its end', () => {
    const text = render([base({ line: 3, column: 1, endLine: 5, endColumn: 2, snippet: 'function compress(v) {\n  return btoa(v);\n}' })]);
    expect(text).toContain('3 │ ┌ function compress(v) {\n4 │ │   return btoa(v);\n5 │ │ }\n  │ └─^');
  });

  it('gives at most three notes (why, impact, fix) by default and the whole evidence with --verbose', () => {
    const short = render([base({})]);
    expect(short.match(/^ += /gm)).toHaveLength(3);
    expect(short).toContain('= why: severity high: the output grows');
    expect(short).not.toContain('no compressor is reached');
    const verbose = render([base({})], { verbose: true });
    for (const item of base({}).evidence) expect(verbose).toContain(item);
    expect(verbose).toContain('= confidence: high');
    // "why" is the evidence that explains the severity, wherever it stands, else the last line.
    const reasoned = render([base({ evidence: ['runs per request: high', 'the pool is shared'] })]);
    expect(reasoned).toContain('= why: runs per request: high');
    expect(render([base({ evidence: ['named `compress`', 'the handle is discarded'] })])).toContain('= why: the handle is discarded');
  });

  it('shows the fix as a diff against the snippet', () => {
    const text = render([base({})]);
    expect(text).toContain("7 │ -   return Buffer.from(v).toString('base64');\n  │ +   return gzipSync(v).toString('base64');");
  });

  it('wraps everything to the width, breaking prose only between words', () => {
    const long = base({
      message: `${'a very long message about the compression of cached values '.repeat(4)}end`,
      file: `src/${'deeply/'.repeat(8)}nested/cache.ts`,
      snippet: `  return Buffer.from(${'value, '.repeat(20)}v).toString('base64');`,
      endColumn: 160,
      impact: 'x '.repeat(90),
    });
    for (const width of [40, 60, 80, 100]) {
      const text = render([long, ...RESULT.findings], { width });
      for (const line of text.split('\n')) expect(columns(line), `${width}: ${line}`).toBeLessThanOrEqual(width);
    }
    const message = render([long], { width: 50 }).split('\n').filter((line) => /^ {2}[a-z]/.test(line));
    expect(message.map((line) => line.trim()).join(' ')).toBe(long.message);
  });

  it('wrapWords never cuts a word that fits on a line', () => {
    const text = 'Compress for real with zlib: add `import { gzipSync } from "node:zlib";` and gzip the data before the base64 step.';
    for (const width of [20, 33, 50]) {
      const lines = wrapWords(text, width);
      expect(lines.join(' ')).toBe(text);
      for (const line of lines) expect(columns(line)).toBeLessThanOrEqual(width);
    }
    expect(wrapWords('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
  });

  it('keeps a one-line report of the sample result readable in colour and without', () => {
    const plain = terminalReporter({ result: RESULT, tool, color: false, failOn: 'none', quiet: false });
    const coloured = terminalReporter({ result: RESULT, tool, color: true, failOn: 'none', quiet: false });
    // eslint-disable-next-line no-control-regex
    expect(coloured.replace(/\u001b\[[0-9;]*m/g, '')).toBe(plain);
    expect(plain).toMatch(/✖ 5 findings \(1 critical, 2 high, 1 medium, 1 low\)/);
  });
});

describe('fixDiff', () => {
  it('replaces a range inside its line', () => {
    expect(fixDiff(base({}))).toEqual([
      { kind: '-', text: "  return Buffer.from(v).toString('base64');", line: 7 },
      { kind: '+', text: "  return gzipSync(v).toString('base64');" },
    ]);
  });

  it('keeps unchanged lines as context and indents a block written from column 0', () => {
    const finding = base({ line: 5, column: 3, endLine: 6, endColumn: 14, snippet: '  const a = await x();\n  await y(a);', fix: { description: '', replacement: 'const a = await x();\nawait Promise.all([y(a)]);' } });
    expect(fixDiff(finding)).toEqual([
      { kind: ' ', text: '  const a = await x();', line: 5 },
      { kind: '-', text: '  await y(a);', line: 6 },
      { kind: '+', text: '  await Promise.all([y(a)]);' },
    ]);
  });

  it('shows a block meant to replace part of a line after the removed line, and nothing without a replacement', () => {
    const finding = base({ column: 26, endColumn: 40, snippet: '  const { data } = await axios.get(url);', fix: { description: '', replacement: "import https from 'node:https';\nconst client = axios.create();" } });
    expect(fixDiff(finding).map((line) => `${line.kind}${line.text}`)).toEqual(['-  const { data } = await axios.get(url);', "+  import https from 'node:https';", '+  const client = axios.create();']);
    expect(fixDiff(base({ fix: { description: 'use gzip', replacement: '' } }))).toEqual([]);
  });
});

describe('compact format', () => {
  it('prints one line per finding: file:line:col: severity rule-id message', () => {
    const text = compactReporter({ result: RESULT, tool, color: false, failOn: 'none', quiet: false });
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('src/orders/service.ts:12:5: critical sequential-await Three independent awaits run one after another in `getOrder` (a request handler)');
    expect(lines.filter((line) => /^\S+:\d+:\d+: (critical|high|medium|low|info) /.test(line))).toHaveLength(RESULT.findings.length);
  });

  it('keeps a finding on one line whatever its message holds', () => {
    const text = compactReporter({ result: resultOf([base({ message: 'two\nlines \u001b[2J' })]), tool, color: false, failOn: 'none', quiet: false });
    expect(text).toBe('src/cache.ts:7:10: high fake-compression/encoding-only two lines \\x1b[2J\n');
  });
});

describe('on the bundled fixtures', () => {
  let json: ScanResult;
  beforeAll(() => {
    const run = spawnSync(process.execPath, [bin, 'scan', 'fixtures', '--format', 'json', '--no-cache', '--fail-on', 'none'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    json = JSON.parse(run.stdout) as ScanResult;
  });

  it('fits every line of every finding in 80 and in 60 columns', () => {
    expect(json.findings.length).toBeGreaterThan(50);
    for (const width of [60, 80]) {
      const text = terminalReporter({ result: json, tool, color: false, failOn: 'none', quiet: false, width, verbose: true });
      const wide = text.split('\n').filter((line) => columns(line) > width);
      expect(wide, `width ${width}`).toEqual([]);
    }
  });

  it('selects compact by name and COLUMNS/--width set the terminal width', () => {
    const compact = spawnSync(process.execPath, [bin, 'scan', 'fixtures/uncleared-timer', '--format', 'compact', '--no-cache', '--fail-on', 'none'], { cwd: root, encoding: 'utf8' });
    expect(compact.stdout.trimEnd().split('\n').every((line) => /^fixtures\/uncleared-timer\/\S+:\d+:\d+: (critical|high|medium|low|info) uncleared-timer/.test(line))).toBe(true);
    const narrow = spawnSync(process.execPath, [bin, 'scan', 'fixtures/uncleared-timer', '--no-cache', '--fail-on', 'none', '--width', '50'], { cwd: root, encoding: 'utf8', env: { ...process.env, COLUMNS: '120' } });
    expect(Math.max(...narrow.stdout.split('\n').map(columns))).toBeLessThanOrEqual(50);
    const env = spawnSync(process.execPath, [bin, 'scan', 'fixtures/uncleared-timer', '--no-cache', '--fail-on', 'none'], { cwd: root, encoding: 'utf8', env: { ...process.env, COLUMNS: '120' } });
    expect(Math.max(...env.stdout.split('\n').map(columns))).toBeGreaterThan(80);
    const bad = spawnSync(process.execPath, [bin, 'scan', 'fixtures/uncleared-timer', '--width', 'wide'], { cwd: root, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('Invalid --width "wide"');
  });
});

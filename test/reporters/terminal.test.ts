import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { wantsColor } from '../../src/commands/color.js';
import type { Finding, ScanResult } from '../../src/findings.js';
import { escapeControls } from '../../src/reporters/escape.js';
import { terminalReporter } from '../../src/reporters/terminal.js';

const ESC = '\u001b';
const bin = path.resolve(import.meta.dirname, '../../bin/bottleneck.js');

function resultWith(finding: Partial<Finding>): ScanResult {
  const base: Finding = {
    ruleId: 'fake-compression',
    file: 'src/cache.ts',
    line: 2,
    column: 3,
    endLine: 2,
    endColumn: 9,
    fingerprint: 'f',
    severity: 'high',
    confidence: 'high',
    category: 'Caching',
    message: 'base64 is not compression',
    evidence: [],
    impact: '',
    effort: 'low',
    fix: { description: 'use gzip' },
  };
  return {
    findings: [{ ...base, ...finding }],
    errors: [],
    skipped: [],
    summary: { files: 1, lines: 3, durationMs: 1, bySeverity: { critical: 0, high: 1, medium: 0, low: 0, info: 0 } },
  };
}

describe('terminal output of untrusted code', () => {
  it('prints an ESC or another control character from a snippet as a visible escape, never raw', () => {
    const result = resultWith({ snippet: `const title = "${ESC}]0;owned\u0007";\nconst c1 = "\u009b2J";`, message: `bad ${ESC}[2J message` });
    const text = terminalReporter({ result, tool: { name: 'bottleneck', version: '0' }, color: false, failOn: 'none', quiet: false });
    expect(text).not.toContain(ESC);
    expect(text).not.toContain('\u0007');
    expect(text).not.toContain('\u009b');
    expect(text).toContain('const title = "\\x1b]0;owned\\x07";');
    expect(text).toContain('const c1 = "\\x9b2J";');
    expect(text).toContain('bad \\x1b[2J message');
  });

  it('keeps tabs and newlines, and escapes DEL', () => {
    expect(escapeControls('a\tb\nc\u007f')).toBe('a\tb\nc\\x7f');
  });
});

describe('colour', () => {
  it('colours a piped scan under FORCE_COLOR (CI logs) and not under a non-empty NO_COLOR', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bottleneck-color-'));
    try {
      writeFileSync(path.join(dir, 'cache.ts'), "export function compress(v: string): string {\n  return Buffer.from(v).toString('base64');\n}\n");
      const scan = (env: NodeJS.ProcessEnv, ...args: string[]) => {
        const clean = { ...process.env };
        delete clean.NO_COLOR;
        delete clean.FORCE_COLOR;
        return spawnSync(process.execPath, [bin, 'scan', '--no-cache', '--fail-on', 'none', ...args], { cwd: dir, env: { ...clean, ...env }, encoding: 'utf8' }).stdout;
      };
      expect(scan({ FORCE_COLOR: '1' })).toContain(ESC);
      expect(scan({ FORCE_COLOR: '1', NO_COLOR: '1' })).not.toContain(ESC);
      expect(scan({ NO_COLOR: '' }, '--color')).toContain(ESC);
      expect(scan({ FORCE_COLOR: '1' }, '--no-color')).not.toContain(ESC);
      expect(scan({})).not.toContain(ESC);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('follows --color/--no-color, then a non-empty NO_COLOR, then FORCE_COLOR, then the terminal', () => {
    expect(wantsColor(true, false, { NO_COLOR: '1' })).toBe(true);
    expect(wantsColor(false, true, { FORCE_COLOR: '1' })).toBe(false);
    expect(wantsColor(undefined, true, { NO_COLOR: '1' })).toBe(false);
    // An empty NO_COLOR does not count (no-color.org).
    expect(wantsColor(undefined, true, { NO_COLOR: '' })).toBe(true);
    expect(wantsColor(undefined, false, { FORCE_COLOR: '1' })).toBe(true);
    expect(wantsColor(undefined, false, { FORCE_COLOR: '' })).toBe(true);
    expect(wantsColor(undefined, true, { FORCE_COLOR: '0' })).toBe(false);
    expect(wantsColor(undefined, true, { FORCE_COLOR: 'false' })).toBe(false);
    expect(wantsColor(undefined, true, {})).toBe(true);
    expect(wantsColor(undefined, false, {})).toBe(false);
  });
});

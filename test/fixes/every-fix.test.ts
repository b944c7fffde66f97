import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings.js';
import { applyEdits } from '../../src/fixes/edits.js';
import { duplicateDeclarations, IsolatedTypeChecker, parseErrors } from '../../src/fixes/verify.js';
import { sarifReporter } from '../../src/reporters/sarif.js';
import { scan } from '../../src/scanner/engine.js';
import { ALL_RULES } from '../../rules/index.js';

/**
 * Every fix on every fixture, applied to its file exactly as SARIF publishes it: the file must parse,
 * declare no name twice and gain no type error when compiled on its own (imports it cannot resolve are
 * `any`, see src/fixes/verify.ts). Issue 17, and issue 12's "every fix compiles in place".
 */
const root = path.resolve(import.meta.dirname, '../..');

interface SarifReplacement {
  deletedRegion: { startLine: number; startColumn: number; endLine: number; endColumn: number; charOffset: number; charLength: number };
  insertedContent: { text: string };
}

function offsetOf(text: string, line: number, column: number): number {
  let at = 0;
  for (let l = 1; l < line; l++) at = text.indexOf('\n', at) + 1;
  return at + column - 1;
}

describe('every fix on the fixtures', async () => {
  const result = await scan({ cwd: root, paths: ['fixtures'], include: [], exclude: [], maxFileSize: 1024 * 1024, rules: ALL_RULES.map((rule) => ({ rule, options: {} })) });
  const log = JSON.parse(sarifReporter({ result, tool: { name: 'bottleneck', version: 'test' }, failOn: 'critical', quiet: false, color: false, date: '1970-01-01T00:00:00.000Z' })) as {
    runs: Array<{ results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { region: { startLine: number } } }>; fixes?: Array<{ artifactChanges: Array<{ artifactLocation: { uri: string }; replacements: SarifReplacement[] }> }> }> }>;
  };
  const sarifResults = log.runs[0]?.results ?? [];
  const withEdits = result.findings.filter((f) => (f.fix.edits?.length ?? 0) > 0);
  // Type-checked as under `noUnusedLocals`: a fix that binds a name it never reads, or leaves a helper with
  // no caller, breaks such builds.
  const checker = new IsolatedTypeChecker({ noUnusedLocals: true });
  const original = new Map<string, { text: string; diagnostics: string[] }>();
  const source = (file: string) => {
    let entry = original.get(file);
    if (!entry) {
      const text = readFileSync(path.join(root, file), 'utf8');
      entry = { text, diagnostics: checker.diagnostics(text, file) };
      original.set(file, entry);
    }
    return entry;
  };

  it('publishes exactly the fixes that have edits, as SARIF artifact changes', () => {
    expect(sarifResults.filter((r) => r.fixes).length).toBe(withEdits.length);
    // Every family writes edits for at least one of its fixture findings.
    expect(new Set(withEdits.map((f) => f.ruleId.split('/')[0])).size).toBe(ALL_RULES.length);
  });

  it('SARIF line/column and character offsets name the same range', () => {
    for (const r of sarifResults) {
      for (const change of r.fixes?.[0]?.artifactChanges ?? []) {
        const text = source(decodeURI(change.artifactLocation.uri)).text;
        for (const { deletedRegion: d } of change.replacements) {
          expect([offsetOf(text, d.startLine, d.startColumn), offsetOf(text, d.endLine, d.endColumn)]).toEqual([d.charOffset, d.charOffset + d.charLength]);
        }
      }
    }
  });

  const label = (f: Finding) => `${f.ruleId} ${f.file}:${f.line}`;
  it.each(withEdits.map((f) => [label(f), f] as const))('%s: applies, parses, declares nothing twice, type-checks', (_name, finding) => {
    for (const file of new Set((finding.fix.edits ?? []).map((e) => e.file))) {
      const { text, diagnostics } = source(file);
      const fixed = applyEdits(text, (finding.fix.edits ?? []).filter((e) => e.file === file));
      expect(fixed).not.toBe(text);
      expect(parseErrors(fixed, file)).toEqual(parseErrors(text, file));
      expect(duplicateDeclarations(fixed, file)).toEqual([]);
      expect(checker.introduced(text, fixed, file, diagnostics)).toEqual([]);
    }
  }, 60_000);
});

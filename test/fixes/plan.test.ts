import { describe, expect, it } from 'vitest';
import type { Finding, FixEdit } from '../../src/findings.js';
import { planFilePass } from '../../src/fixes/plan.js';
import { IsolatedTypeChecker } from '../../src/fixes/verify.js';
import { unifiedDiff } from '../../src/fixes/diff.js';
import { loadTypeScript } from '../../src/scanner/ts.js';

loadTypeScript();

const file = 'src/example.ts';
const text = ['export async function f(a: () => Promise<number>, b: () => Promise<number>) {', '  const x = await a();', '  const y = await b();', '  return x + y;', '}', ''].join('\n');

function at(offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}

function edit(start: number, end: number, newText: string): FixEdit {
  const s = at(start);
  const e = at(end);
  return { file, start, end, line: s.line, column: s.column, endLine: e.line, endColumn: e.column, text: newText };
}

function finding(id: string, range: [number, number], edits: FixEdit[], extra: Partial<Finding> = {}): Finding {
  const s = at(range[0]);
  const e = at(range[1]);
  return {
    ruleId: id, severity: 'high', confidence: 'high', file, line: s.line, column: s.column, endLine: e.line, endColumn: e.column,
    message: id, evidence: [], impact: '', effort: 'trivial', category: 'Async/Concurrency', fingerprint: id,
    fix: { description: id, replacement: '', edits, mechanical: true }, ...extra,
  };
}

const first = text.indexOf('const x');
const lastEnd = text.indexOf('const y') + 'const y = await b();'.length;
const together = 'const [x, y] = await Promise.all([a(), b()]);';

describe('planFilePass', () => {
  const checker = new IsolatedTypeChecker();

  it('applies a fix that parses and type-checks', () => {
    const pass = planFilePass(file, text, [finding('good', [first, lastEnd], [edit(first, lastEnd, together)])], checker, new Set());
    expect(pass.applied.map((f) => f.ruleId)).toEqual(['good']);
    expect(pass.text).toContain(together);
  });

  it('refuses a fix whose result does not parse, declares a name twice or adds a type error', () => {
    const broken = finding('broken', [first, lastEnd], [edit(first, lastEnd, 'const [x, y] = await Promise.all([a(), b()]')]);
    const twice = finding('twice', [first, lastEnd], [edit(first, lastEnd, `${together}\n  const x = 1;`)]);
    const typed = finding('typed', [first, lastEnd], [edit(first, lastEnd, 'const [x, y] = await Promise.all([a(), b(1)]);')]);
    for (const [f, reason] of [[broken, /does not parse/], [twice, /declares a name twice/], [typed, /does not type-check/]] as const) {
      const pass = planFilePass(file, text, [f], checker, new Set());
      expect(pass.applied).toEqual([]);
      expect(pass.refused[0]?.reason).toMatch(reason);
      expect(pass.text).toBe(text);
    }
  });

  it('refuses a fix that rewrites the code another (unfixed) finding reports, and skips suggestions and lower confidence', () => {
    const other = finding('other', [text.indexOf('a()'), text.indexOf('a()') + 3], [], { fix: { description: '', replacement: '' } });
    const pass = planFilePass(file, text, [finding('good', [first, lastEnd], [edit(first, lastEnd, together)]), other], checker, new Set());
    expect(pass.refused[0]?.reason).toMatch(/another finding \(other at line 2\)/);
    const suggestion = finding('suggestion', [first, lastEnd], [edit(first, lastEnd, together)], { fix: { description: '', replacement: '', edits: [edit(first, lastEnd, together)] } });
    const medium = finding('medium', [first, lastEnd], [edit(first, lastEnd, together)], { confidence: 'medium' });
    expect(planFilePass(file, text, [suggestion, medium], checker, new Set()).applied).toEqual([]);
  });

  it('defers a fix that touches one applied in the same pass', () => {
    const a = finding('a', [first, lastEnd], [edit(first, lastEnd, together)]);
    const b = finding('b', [first, lastEnd], [edit(first, first, '// note\n  ')]);
    const pass = planFilePass(file, text, [a, b], checker, new Set());
    expect(pass.applied.map((f) => f.ruleId)).toEqual(['a']);
    expect(pass.deferred.map((f) => f.ruleId)).toEqual(['b']);
  });
});

describe('unifiedDiff', () => {
  it('writes hunks with context and line counts', () => {
    const after = text.replace('  const x = await a();\n  const y = await b();\n', `  ${together}\n`);
    expect(unifiedDiff(file, text, after)).toBe(
      [`--- a/${file}`, `+++ b/${file}`, '@@ -1,5 +1,4 @@', ` ${text.split('\n')[0]}`, '-  const x = await a();', '-  const y = await b();', `+  ${together}`, '   return x + y;', ' }', ''].join('\n'),
    );
  });
});

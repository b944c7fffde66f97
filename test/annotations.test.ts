import { describe, expect, it } from 'vitest';
import { checkFixture, parseAnnotations } from '../src/testing/annotations.js';

const known = new Set(['sequential-await']);

describe('fixture annotations', () => {
  const text = ['// ruleid: sequential-await', 'a();', '// ok: sequential-await', 'b();', '// todoruleid: sequential-await', 'c();'].join('\n');

  it('binds each annotation to the next code line', () => {
    expect(parseAnnotations(text).map((a) => [a.kind, a.targetLine])).toEqual([
      ['ruleid', 2],
      ['ok', 4],
      ['todoruleid', 6],
    ]);
  });

  it('accepts exactly the expected findings, variants included', () => {
    expect(checkFixture('f.ts', text, [{ ruleId: 'sequential-await/loop', line: 2 }], known)).toEqual([]);
  });

  it('fails on a missing expected finding', () => {
    expect(checkFixture('f.ts', text, [], known)).toHaveLength(1);
  });

  it('fails on a finding under ok and on an unannotated line', () => {
    const problems = checkFixture('f.ts', text, [
      { ruleId: 'sequential-await', line: 2 },
      { ruleId: 'sequential-await', line: 4 },
      { ruleId: 'sequential-await', line: 1 },
    ], known);
    expect(problems.map((p) => p.line)).toEqual([4, 1]);
  });

  it('fails on an annotation naming an unknown rule', () => {
    expect(checkFixture('f.ts', '// ruleid: no-such-rule\nx();', [], known)[0]?.problem).toMatch(/unknown rule/);
  });
});

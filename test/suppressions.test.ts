import { describe, expect, it } from 'vitest';
import { parseDirective, parseSuppressions } from '../src/scanner/suppressions.js';

describe('suppression directives', () => {
  it('parses rule lists and reasons', () => {
    expect(parseDirective(' bottleneck-disable-next-line sequential-await -- calls share a transaction')).toEqual({
      kind: 'next-line',
      ruleIds: ['sequential-await'],
      reason: 'calls share a transaction',
    });
    expect(parseDirective('bottleneck-disable-file uncleared-timer, fake-compression/encoding-only -- one-shot script')).toEqual({
      kind: 'file',
      ruleIds: ['uncleared-timer', 'fake-compression/encoding-only'],
      reason: 'one-shot script',
    });
    expect(parseDirective('bottleneck-disable-next-line sequential-await')).toEqual({ kind: 'next-line', ruleIds: ['sequential-await'] });
    expect(parseDirective('bottleneck-disable-next-line -- everything here')).toEqual({ kind: 'next-line', ruleIds: [], reason: 'everything here' });
    expect(parseDirective('eslint-disable-next-line')).toBeUndefined();
  });

  it('reads directives from comments only, with their lines', () => {
    const text = [
      "const a = '// bottleneck-disable-next-line fake-compression -- in a string';", // 1
      'const b = `${a} // bottleneck-disable-file x -- in a template`;', // 2
      'const r = /\\/\\/ bottleneck-disable-file y/;', // 3
      '// bottleneck-disable-next-line fake-compression -- a real one', // 4
      'const c = 1;', // 5
      '/* bottleneck-disable-file uncleared-timer -- block comment */', // 6
      '/**', // 7
      ' * bottleneck-disable-next-line sequential-await -- in JSDoc', // 8
      ' */', // 9
      'const d = `x${`nested ${ {a: 1}.a }`}y` // bottleneck-disable-next-line missing-keep-alive -- after a template', // 10
      'function f(x: string) { return /\\/\\/ bottleneck-disable-file z/.test(x) }', // 11
      'const q = (a) / 2 / b; // bottleneck-disable-next-line uncleared-timer -- after a division', // 12
      "const s = 'it\\'s // bottleneck-disable-file w';", // 13
    ].join('\n');
    expect(parseSuppressions(text, 'src/a.ts')).toEqual([
      { kind: 'next-line', ruleIds: ['fake-compression'], reason: 'a real one', file: 'src/a.ts', line: 4 },
      { kind: 'file', ruleIds: ['uncleared-timer'], reason: 'block comment', file: 'src/a.ts', line: 6 },
      { kind: 'next-line', ruleIds: ['sequential-await'], reason: 'in JSDoc', file: 'src/a.ts', line: 9 },
      { kind: 'next-line', ruleIds: ['missing-keep-alive'], reason: 'after a template', file: 'src/a.ts', line: 10 },
      { kind: 'next-line', ruleIds: ['uncleared-timer'], reason: 'after a division', file: 'src/a.ts', line: 12 },
    ]);
  });
});

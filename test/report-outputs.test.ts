import { describe, expect, it } from 'vitest';
import { normaliseRepositoryUrl, planOutputs } from '../src/commands/report-outputs.js';

describe('planning outputs', () => {
  it('sends one format to stdout and named ones to files', () => {
    expect(planOutputs([], [])).toEqual([{ format: 'terminal' }]);
    expect(planOutputs(['json'], ['x.json'])).toEqual([{ format: 'json', file: 'x.json' }]);
    expect(planOutputs([], ['sarif=out/a.sarif'])).toEqual([{ format: 'terminal' }, { format: 'sarif', file: 'out/a.sarif' }]);
    expect(planOutputs(['terminal', 'sarif'], ['sarif=a.sarif'])).toEqual([{ format: 'terminal' }, { format: 'sarif', file: 'a.sarif' }]);
    expect(planOutputs(['github'], ['sarif=a.sarif', 'markdown=r.md'])).toEqual([
      { format: 'github' },
      { format: 'sarif', file: 'a.sarif' },
      { format: 'markdown', file: 'r.md' },
    ]);
    // Paths with "=" elsewhere stay plain files; `word=` is read as a format (a typo is an error, not a file).
    expect(planOutputs(['json'], ['out/a=b.json'])).toEqual([{ format: 'json', file: 'out/a=b.json' }]);
    expect(() => planOutputs([], ['sarf=x.sarif'])).toThrow(/Unknown format "sarf"/);
  });

  it('refuses ambiguous plans', () => {
    expect(() => planOutputs(['json', 'sarif'], [])).toThrow(/Only one format can print to stdout/);
    expect(() => planOutputs(['json', 'sarif'], ['x'])).toThrow(/ambiguous/);
    expect(() => planOutputs(['json'], ['x', 'y'])).toThrow(/Only one --output may be a plain file/);
    expect(() => planOutputs(['yaml'], [])).toThrow(/Unknown format "yaml"/);
  });
});

describe('repository URLs', () => {
  it('normalises the forms package.json allows', () => {
    expect(normaliseRepositoryUrl('git+https://github.com/acme/shop.git')).toBe('https://github.com/acme/shop');
    expect(normaliseRepositoryUrl('github:acme/shop')).toBe('https://github.com/acme/shop');
    expect(normaliseRepositoryUrl('acme/shop')).toBe('https://github.com/acme/shop');
    expect(normaliseRepositoryUrl('git@github.com:acme/shop.git')).toBe('https://github.com/acme/shop');
    expect(normaliseRepositoryUrl('https://user@gitlab.example.com/group/app/')).toBe('https://gitlab.example.com/group/app');
  });
});

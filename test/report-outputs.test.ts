import { describe, expect, it } from 'vitest';
import { singleReportFormat } from '../src/commands/output-format.js';
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

describe('the --output extension names the format', () => {
  it('infers the format of a plain file from its extension', () => {
    expect(planOutputs([], ['bottleneck.sarif'])).toEqual([{ format: 'sarif', file: 'bottleneck.sarif' }]);
    expect(planOutputs([], ['out/results.sarif.json'])).toEqual([{ format: 'sarif', file: 'out/results.sarif.json' }]);
    expect(planOutputs([], ['x.json'])).toEqual([{ format: 'json', file: 'x.json' }]);
    expect(planOutputs([], ['audit.md'])).toEqual([{ format: 'markdown', file: 'audit.md' }]);
    expect(planOutputs([], ['junit.XML'])).toEqual([{ format: 'junit', file: 'junit.XML' }]);
    // No extension that names a format: the terminal text, as before.
    expect(planOutputs([], ['report'])).toEqual([{ format: 'terminal', file: 'report' }]);
    // With several formats listed, the extension says which one goes to the file.
    expect(planOutputs(['github', 'sarif'], ['a.sarif'])).toEqual([{ format: 'github' }, { format: 'sarif', file: 'a.sarif' }]);
    // SARIF is JSON: a .json name is accepted for it.
    expect(planOutputs(['sarif'], ['a.json'])).toEqual([{ format: 'sarif', file: 'a.json' }]);
  });

  it('picks the one report of probe and merge the same way', () => {
    expect(singleReportFormat(undefined, undefined)).toBe('terminal');
    expect(singleReportFormat(undefined, 'probe.json')).toBe('json');
    expect(singleReportFormat('markdown', 'audit.md')).toBe('markdown');
    expect(() => singleReportFormat('terminal', 'probe.sarif')).toThrow(/sarif file name/);
  });

  it('refuses a file whose extension contradicts its format', () => {
    expect(() => planOutputs(['json'], ['bottleneck.sarif'])).toThrow(/bottleneck.sarif is a sarif file name but the report format is json/);
    expect(() => planOutputs(['terminal'], ['x.json'])).toThrow(/use --format json/);
    expect(() => planOutputs([], ['json=x.md'])).toThrow(/x.md is a markdown file name but the report format is json/);
    expect(() => planOutputs([], ['markdown=x.xml'])).toThrow(/junit file name/);
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

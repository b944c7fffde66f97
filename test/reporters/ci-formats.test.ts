import { describe, expect, it } from 'vitest';
import { escapeData, escapeProperty, githubReporter } from '../../src/reporters/github.js';
import { escapeXml, junitReporter } from '../../src/reporters/junit.js';
import { sampleInput } from './sample-result.js';

describe('GitHub Actions annotations', () => {
  it('escapes data and properties per the workflow command rules', () => {
    expect(escapeData('50% done\r\nnext')).toBe('50%25 done%0D%0Anext');
    expect(escapeProperty('a:b,c%')).toBe('a%3Ab%2Cc%25');
  });

  it('prints one command per finding with its level and location', () => {
    const lines = githubReporter(sampleInput()).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^::error file=src\/orders\/service\.ts,line=12,endLine=14,title=bottleneck%3A sequential-await \(critical\)::Three independent awaits/);
    expect(lines.find((l) => l.includes('src/http.ts'))).toMatch(/^::warning file=src\/http\.ts,line=4,endLine=4,col=3,endColumn=40,/);
    expect(lines.find((l) => l.includes('scripts/migrate.js'))).toMatch(/^::notice /);
    // Multi-line bodies stay on one line.
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
    expect(lines[0]).toContain('%0A');
    expect(lines.at(-1)).toBe('bottleneck: 5 findings, 1 suppressed in 42 files (baseline: 0 still present, 0 fixed); probe: 0 verified on your code, 1 demonstrated (replica)');
  });

  it('carries the verification in the annotation, and never calls a replica verified', () => {
    const lines = githubReporter(sampleInput()).trimEnd().split('\n');
    expect(lines.find((l) => l.includes('src/cache.ts'))).toContain('%0AProbe: DEMONSTRATED (replica): output size 87,384 -> 9,120 bytes (9.58x)');
    // A report from elsewhere that calls a replica run "verified" is still shown as a demonstration.
    const input = sampleInput();
    const cache = input.result.findings.find((f) => f.file === 'src/cache.ts') as unknown as { verification: { status: string } };
    cache.verification = { ...cache.verification, status: 'verified' };
    const relabelled = githubReporter(input);
    expect(relabelled).toContain('Probe: DEMONSTRATED (replica)');
    expect(relabelled).not.toContain('VERIFIED');
    expect(junitReporter(input)).toContain('Probe: DEMONSTRATED (replica): output size 87,384 -&gt; 9,120 bytes (9.58x)');
  });
});

describe('JUnit XML', () => {
  it('escapes XML and drops characters XML cannot hold', () => {
    expect(escapeXml(`a<b & "c" 'd'\u0001`)).toBe('a&lt;b &amp; &quot;c&quot; &apos;d&apos;');
  });

  it('fails cases at or above --fail-on, skips suppressed ones, and counts them', () => {
    const xml = junitReporter(sampleInput({ failOn: 'high' }));
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="bottleneck 9.9.9" tests="7" failures="3" errors="1" skipped="1"/);
    expect(xml).toContain('<testsuite name="bottleneck.sequential-await" tests="2" failures="1" errors="0" skipped="1">');
    expect(xml).toContain('<testsuite name="bottleneck.missing-keep-alive" tests="1" failures="0"');
    expect(xml).toContain('<skipped message="suppressed by bottleneck-disable-next-line: order matters: each step reads the previous one"/>');
    expect(xml).toContain('compress() only base64-encodes: output is 1.33x | larger');
  });
});

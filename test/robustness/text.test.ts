import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clean, goodFindings, type JsonFinding, report, root, runCli, treesForEachTest } from './harness.js';

/** Odd text and odd trees: huge, deep, invalid UTF-8, BOMs, CRLF, U+2028. Nothing crashes, nothing is lost. */
const tree = treesForEachTest();
const codec = readFileSync(path.join(root, 'fixtures/fake-compression/cache-codec.ts'), 'utf8');
const scan = (dir: string) => {
  const run = runCli(['scan', '--format', 'json', '--no-cache'], { cwd: dir });
  expect(run.hung, 'the scan hung (killed at the time bound)').toBe(false);
  return { run, result: report(run) };
};
/** Where the findings of `file` are, as `line:column rule`. */
const places = (findings: JsonFinding[], file: string) => findings.filter((f) => f.file === file).map((f) => `${f.line}:${f.column} ${f.ruleId}`).sort();

describe('odd files never cost a finding', () => {
  it('a 50 MB source file is skipped with its size, never read whole, and the other findings stay', () => {
    const dir = tree('huge');
    writeFileSync(path.join(dir, 'huge.ts'), Buffer.alloc(50 * 1024 * 1024, 'const a = 1;\n'));
    const { run, result } = scan(dir);
    expect(result.skipped).toContainEqual({ file: 'huge.ts', reason: `larger than the size limit (${50 * 1024 * 1024} > 1048576 bytes)` });
    expect(goodFindings(result)).toEqual(clean().keys);
    expect(run.status).toBe(clean().status);
  });

  it('a file 120 directories deep is found', () => {
    const dir = tree('deep-dirs');
    const deep = path.join(dir, 'good', ...Array.from({ length: 120 }, (_, i) => `d${i}`));
    mkdirSync(deep, { recursive: true });
    writeFileSync(path.join(deep, 'codec.ts'), codec);
    const { result } = scan(dir);
    const relative = path.relative(dir, path.join(deep, 'codec.ts'));
    expect(places(result.findings, relative)).toEqual(places(result.findings, 'good/cache-codec.ts'));
  });

  it('code nested 20,000 levels deep is an error for that file only (no crash); every other finding stays', () => {
    const dir = tree('deep-code');
    writeFileSync(path.join(dir, 'good/nested.ts'), `export const compress = (x: string) => ${'['.repeat(20_000)}x${']'.repeat(20_000)};\n`);
    const { run, result } = scan(dir);
    expect(run.stderr).not.toContain('internal error:');
    expect(goodFindings(result).filter((key) => !key.includes('good/nested.ts'))).toEqual(clean().keys);
    expect(result.errors).toContainEqual(expect.objectContaining({ file: 'good/nested.ts', message: expect.stringContaining('Maximum call stack') }));
    expect([0, 1]).toContain(run.status);
  });

  it('invalid UTF-8 in a file does not stop its findings', () => {
    const dir = tree('utf8');
    writeFileSync(path.join(dir, 'good/latin1.ts'), Buffer.concat([Buffer.from('// caf\xe9 \xff\xfe\n', 'latin1'), Buffer.from(codec)]));
    const { result } = scan(dir);
    const shifted = places(result.findings, "good/cache-codec.ts").map((p) => p.replace(/^(\d+)/, (line) => String(Number(line) + 1))).sort();
    expect(places(result.findings, 'good/latin1.ts')).toEqual(shifted);
  });

  it('a BOM and CRLF line ends give the same lines and columns as the plain file', () => {
    const dir = tree('bom-crlf');
    writeFileSync(path.join(dir, 'good/bom.ts'), `\ufeff${codec}`);
    writeFileSync(path.join(dir, 'good/crlf.ts'), codec.replace(/\n/g, '\r\n'));
    const { result } = scan(dir);
    const plain = places(result.findings, 'good/cache-codec.ts');
    expect(plain.length).toBeGreaterThan(0);
    expect(places(result.findings, 'good/bom.ts')).toEqual(plain);
    expect(places(result.findings, 'good/crlf.ts')).toEqual(plain);
    for (const finding of result.findings.filter((f) => f.file === 'good/crlf.ts')) expect(finding.snippet).not.toContain('\r');
  });

  for (const [name, separator] of [['U+2028', '\u2028'], ['U+2029', '\u2029'], ['a lone CR', '\r']] as const) {
    it(`${name} in a comment: the reported line and the snippet agree`, () => {
      const dir = tree('separator');
      writeFileSync(path.join(dir, 'good/separator.ts'), `// one${separator}two\n${codec}`);
      const { result } = scan(dir);
      const findings = result.findings.filter((f) => f.file === 'good/separator.ts');
      expect(findings.length).toBeGreaterThan(0);
      // The compiler counts the separator as a line break, so every finding sits two lines lower than in the plain file.
      const expected = places(result.findings, "good/cache-codec.ts").map((p) => p.replace(/^(\d+)/, (line) => String(Number(line) + 2))).sort();
      expect(places(result.findings, 'good/separator.ts')).toEqual(expected);
      const plainLines = codec.split('\n');
      for (const finding of findings) expect(finding.snippet?.split('\n')[0]).toBe(plainLines[finding.line - 3]);
    });
  }
});

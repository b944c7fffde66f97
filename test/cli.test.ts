import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const bin = path.resolve(import.meta.dirname, '../bin/bottleneck.js');
const temps: string[] = [];

function project(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bottleneck-cli-'));
  temps.push(dir);
  for (const [name, content] of Object.entries(files)) {
    const target = path.join(dir, name);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  return dir;
}

function run(cwd: string, ...args: string[]) {
  const child = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

// A cache write path whose "compression" only base64-encodes: reported by fake-compression.
const FAKE_COMPRESSION = `export function compress(value: string): string {
  return Buffer.from(value).toString('base64');
}
`;
const CLEAN = `export function add(a: number, b: number): number {
  return a + b;
}
`;

describe('bottleneck CLI', () => {
  it('prints help with examples and the version', () => {
    const help = run(process.cwd(), '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Examples:/);
    expect(help.stdout).toMatch(/scan \[options\] \[paths\.\.\.\]/);
    const version = run(process.cwd(), '--version');
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits 0 on a clean tree and 0 on an empty directory', () => {
    const clean = run(project({ 'src/math.ts': CLEAN }), 'scan');
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/No performance findings in 1 file/);
    const empty = run(project({ 'README.md': '# nothing' }), 'scan', '--format', 'json');
    expect(empty.code).toBe(0);
    expect(JSON.parse(empty.stdout).summary.files).toBe(0);
  });

  it('exits 1 only for findings at or above --fail-on', () => {
    const dir = project({ 'src/cache.ts': FAKE_COMPRESSION });
    const json = JSON.parse(run(dir, 'scan', '--format', 'json').stdout);
    expect(json.findings.length).toBeGreaterThan(0);
    expect(run(dir, 'scan', '--fail-on', 'info').code).toBe(1);
    expect(run(dir, 'scan', '--fail-on', 'none').code).toBe(0);
  });

  it('prints JSON in the documented shape', () => {
    const dir = project({ 'src/cache.ts': FAKE_COMPRESSION });
    const { stdout, code } = run(dir, 'scan', 'src', '--format', 'json', '--fail-on', 'none');
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json.tool).toEqual({ name: 'bottleneck', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    const finding = json.findings[0];
    expect(Object.keys(finding)).toEqual(expect.arrayContaining([
      'ruleId', 'severity', 'confidence', 'file', 'line', 'column', 'endLine', 'endColumn', 'message', 'evidence', 'impact', 'fix', 'effort', 'category', 'fingerprint',
    ]));
    expect(finding.file).toBe('src/cache.ts');
    expect(finding.line).toBeGreaterThanOrEqual(1);
    expect(finding.column).toBeGreaterThanOrEqual(1);
    // The readable fix, and the exact edits beside it (keys are only ever added to the contract).
    expect(finding.fix).toEqual({ description: expect.any(String), replacement: expect.any(String), edits: expect.any(Array) });
    expect(finding.fix.edits[0]).toEqual({ file: 'src/cache.ts', start: expect.any(Number), end: expect.any(Number), line: expect.any(Number), column: expect.any(Number), endLine: expect.any(Number), endColumn: expect.any(Number), text: expect.any(String) });
    expect(Object.keys(json.summary.bySeverity)).toEqual(['critical', 'high', 'medium', 'low', 'info']);
    expect(json.summary.files).toBe(1);
    expect(json.errors).toEqual([]);
  });

  it('writes the report to --output and keeps stdout empty', () => {
    const dir = project({ 'src/cache.ts': FAKE_COMPRESSION });
    const { stdout, code } = run(dir, 'scan', '--format', 'json', '--output', 'out/report.json', '--fail-on', 'none');
    expect(code).toBe(0);
    expect(stdout).toBe('');
  });

  it('reports an unparsable file in errors and scans the rest', () => {
    // The file holds a trigger word (await), so the prefilter hands it to the parser.
    const dir = project({ 'src/broken.ts': 'export const x = ;\nasync function f() { await (\n', 'src/cache.ts': FAKE_COMPRESSION });
    const { stdout, code } = run(dir, 'scan', '--format', 'json', '--fail-on', 'none');
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json.errors).toEqual([{ file: 'src/broken.ts', message: expect.stringMatching(/^Parse error at 1:18/), line: 1 }]);
    expect(json.findings.map((f: { file: string }) => f.file)).toContain('src/cache.ts');
  });

  it('skips binary and oversized files with a note', () => {
    const dir = project({
      'src/blob.js': Buffer.from([0x63, 0x6f, 0x00, 0x01, 0x02]),
      'src/huge.ts': `// ${'x'.repeat(2048)}\n`,
      '.bottleneckrc.json': JSON.stringify({ maxFileSize: 1024 }),
    });
    const json = JSON.parse(run(dir, 'scan', '--format', 'json').stdout);
    expect(json.skipped).toEqual([
      { file: 'src/blob.js', reason: 'binary file (contains NUL bytes)' },
      { file: 'src/huge.ts', reason: expect.stringMatching(/larger than the size limit/) },
    ]);
  });

  it('exits 2 naming a missing path', () => {
    const { code, stderr, stdout } = run(project({}), 'scan', 'does-not-exist');
    expect(code).toBe(2);
    expect(stderr).toMatch(/Path not found: does-not-exist/);
    expect(stdout).toBe('');
  });

  it('exits 2 on usage errors: unknown option, format, rule, severity', () => {
    const dir = project({ 'a.ts': CLEAN });
    expect(run(dir, 'scan', '--bogus').code).toBe(2);
    expect(run(dir, 'scan', '--format', 'xml').stderr).toMatch(/Unknown format "xml"/);
    expect(run(dir, 'scan', '--rule', 'nope').stderr).toMatch(/Unknown rule "nope"/);
    expect(run(dir, 'scan', '--fail-on', 'sometimes').code).toBe(2);
  });

  it('exits 2 on a bad config, naming the key path and what was expected', () => {
    const badType = run(project({ 'a.ts': CLEAN, '.bottleneckrc.json': JSON.stringify({ failOn: 'sometimes' }) }), 'scan');
    expect(badType.code).toBe(2);
    expect(badType.stderr).toContain('failOn: got "sometimes"; expected one of "critical", "high", "medium", "low", "info", "none"');
    const unknownKey = run(project({ 'a.ts': CLEAN, '.bottleneckrc.json': JSON.stringify({ rulez: {} }) }), 'scan');
    expect(unknownKey.code).toBe(2);
    expect(unknownKey.stderr).toContain('(root): unknown key "rulez" (did you mean "rules"?); allowed: $schema, include, exclude, failOn, maxFileSize, rules, overrides, template');
    const unknownRule = run(project({ 'a.ts': CLEAN, '.bottleneckrc.json': JSON.stringify({ rules: { 'no-such-rule': 'off' } }) }), 'scan');
    expect(unknownRule.stderr).toContain('rules: unknown rule "no-such-rule"; run "bottleneck rules" to list the rule ids');
    const misspeltRule = run(project({ 'a.ts': CLEAN, '.bottleneckrc.json': JSON.stringify({ rules: { 'sequental-await': 'off' } }) }), 'scan');
    expect(misspeltRule.stderr).toContain('rules: unknown rule "sequental-await" (did you mean "sequential-await"?)');
    // Inside a rule's options: the option path, the value and what is allowed, not zod's "Invalid input".
    const badOption = run(project({ 'a.ts': CLEAN, '.bottleneckrc.json': JSON.stringify({ rules: { 'sequential-await': { options: { minAwaits: 'two' } } } }) }), 'scan');
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain('rules.sequential-await.options.minAwaits: got "two"; expected a number');
    expect(badOption.stderr).not.toMatch(/Invalid input/);
    const lowOption = run(project({ 'a.ts': CLEAN, '.bottleneckrc.json': JSON.stringify({ rules: { 'sequential-await': { options: { minAwaits: 1 } } } }) }), 'scan');
    expect(lowOption.stderr).toContain('rules.sequential-await.options.minAwaits: got 1; expected a number >= 2');
    const misspeltOption = run(project({ 'a.ts': CLEAN, '.bottleneckrc.json': JSON.stringify({ rules: { 'sequential-await': { options: { minAwait: 3 } } } }) }), 'scan');
    expect(misspeltOption.stderr).toMatch(/rules\.sequential-await\.options: unknown key "minAwait" \(did you mean "minAwaits"\?\); allowed: minAwaits, /);
    const badSeverity = run(project({ 'a.ts': CLEAN, '.bottleneckrc.json': JSON.stringify({ rules: { 'sequential-await': 'loud' } }) }), 'scan');
    expect(badSeverity.code).toBe(2);
    expect(badSeverity.stderr).toContain('rules.sequential-await: got "loud"; expected one of "off", "critical", "high", "medium", "low", "info" or an object');
    const misspeltSeverity = run(project({ 'a.ts': CLEAN, '.bottleneckrc.json': JSON.stringify({ rules: { 'sequential-await': 'hihg' } }) }), 'scan');
    expect(misspeltSeverity.stderr).toMatch(/\(did you mean "high"\?\)/);
    const broken = run(project({ 'a.ts': CLEAN, '.bottleneckrc.json': '{ "failOn": ' }), 'scan');
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/Cannot load/);
    expect(broken.stderr).not.toMatch(/\n\s+at /);
  });

  it('reads config from package.json, YAML rc files and bottleneck.config.ts', () => {
    const fromPackage = project({ 'src/cache.ts': FAKE_COMPRESSION, 'package.json': JSON.stringify({ name: 'x', bottleneck: { failOn: 'info' } }) });
    expect(run(fromPackage, 'scan').code).toBe(1);
    const fromYaml = project({ 'src/cache.ts': FAKE_COMPRESSION, '.bottleneckrc.yaml': 'failOn: info\n' });
    expect(run(fromYaml, 'scan').code).toBe(1);
    const fromTs = project({
      'src/cache.ts': FAKE_COMPRESSION,
      'bottleneck.config.ts': "const config: { failOn: string; rules: Record<string, string> } = { failOn: 'info', rules: { 'fake-compression': 'off' } };\nexport default config;\n",
    });
    const result = run(fromTs, 'scan', '--format', 'json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).findings).toEqual([]);
  });

  it('lets config override a rule severity and the CLI override failOn', () => {
    const dir = project({ 'src/cache.ts': FAKE_COMPRESSION, '.bottleneckrc.json': JSON.stringify({ rules: { 'fake-compression': 'low' } }) });
    const json = JSON.parse(run(dir, 'scan', '--format', 'json').stdout);
    expect(json.findings.every((f: { severity: string }) => f.severity === 'low')).toBe(true);
    expect(run(dir, 'scan', '--fail-on', 'low').code).toBe(1);
    expect(run(dir, 'scan', '--fail-on', 'medium').code).toBe(0);
  });

  it('honours --include, --exclude and .gitignore', () => {
    const dir = project({
      'src/cache.ts': FAKE_COMPRESSION,
      'src/gen/cache.ts': FAKE_COMPRESSION,
      'vendor/cache.ts': FAKE_COMPRESSION,
      'node_modules/pkg/cache.js': FAKE_COMPRESSION,
      '.gitignore': 'vendor/\n',
    });
    const files = (args: string[]) => [...new Set(JSON.parse(run(dir, 'scan', '--format', 'json', ...args).stdout).findings.map((f: { file: string }) => f.file))];
    expect(files([])).toEqual(['src/cache.ts', 'src/gen/cache.ts']);
    expect(files(['--exclude', 'src/gen/**'])).toEqual(['src/cache.ts']);
    expect(files(['--include', 'src/gen/**'])).toEqual(['src/gen/cache.ts']);
  });

  it('scans a directory named explicitly even when an outer .gitignore ignores it', () => {
    const dir = project({ 'generated/cache.ts': FAKE_COMPRESSION, 'generated/skip/cache.ts': FAKE_COMPRESSION, 'generated/.gitignore': 'skip/\n', '.gitignore': 'generated/\n' });
    const scanned = (args: string[]) => JSON.parse(run(dir, 'scan', '--format', 'json', ...args).stdout).summary.files;
    expect(scanned([])).toBe(0);
    expect(scanned(['generated'])).toBe(1);
  });

  it('does not follow symbolic links, so a link loop cannot hang the scan', () => {
    const dir = project({ 'src/math.ts': CLEAN });
    symlinkSync(path.join(dir, 'src'), path.join(dir, 'src', 'loop'));
    const { code, stdout } = run(dir, 'scan', '--format', 'json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).summary.files).toBe(1);
  });

  it('merges sharded JSON reports into the unsharded result', () => {
    const dir = project({ 'src/a/cache.ts': FAKE_COMPRESSION, 'src/b/cache.ts': FAKE_COMPRESSION, 'src/c/cache.ts': FAKE_COMPRESSION, 'src/d/cache.ts': FAKE_COMPRESSION });
    for (const shard of [1, 2]) expect(run(dir, 'scan', '--shard', `${shard}/2`, '--format', 'json', '--output', `shard-${shard}.json`, '--fail-on', 'none', '--no-cache').code).toBe(0);
    const merged = run(dir, 'merge', 'shard-1.json', 'shard-2.json', '--format', 'json', '--fail-on', 'none');
    expect(merged.code).toBe(0);
    const whole = JSON.parse(run(dir, 'scan', '--format', 'json', '--fail-on', 'none', '--no-cache').stdout);
    const mergedJson = JSON.parse(merged.stdout);
    expect(mergedJson.findings.map((f: { fingerprint: string }) => f.fingerprint)).toEqual(whole.findings.map((f: { fingerprint: string }) => f.fingerprint));
    expect(mergedJson.summary.files).toBe(4);
    expect(run(dir, 'merge', 'shard-1.json', 'shard-2.json', '--fail-on', 'info').code).toBe(1);
    expect(run(dir, 'merge', 'missing.json').code).toBe(2);
    expect(run(dir, 'scan', '--shard', '3/2').stderr).toMatch(/Invalid --shard "3\/2"/);
  });

  it('keeps suppressed findings and warnings when merging JSON reports', () => {
    const dir = project({
      'src/cache.ts': `${FAKE_COMPRESSION}// bottleneck-disable-next-line fake-compression -- legacy format\n${FAKE_COMPRESSION.replace('compress(', 'compressLegacy(')}// bottleneck-disable-next-line sequential-await\nexport const unused = 1;\n`,
    });
    expect(run(dir, 'scan', '--format', 'json', '--output', 'scan.json', '--fail-on', 'none', '--no-cache').code).toBe(0);
    const original = JSON.parse(run(dir, 'scan', '--format', 'json', '--fail-on', 'none', '--no-cache').stdout);
    const merged = JSON.parse(run(dir, 'merge', 'scan.json', '--format', 'json', '--fail-on', 'none').stdout);
    expect(merged.suppressed).toEqual(original.suppressed);
    expect(merged.suppressed).toHaveLength(1);
    expect(merged.warnings).toEqual(original.warnings);
    expect(merged.warnings.length).toBeGreaterThan(0);
  });

  it('renders probe results in the markdown report', () => {
    const dir = project({ 'src/cache.ts': FAKE_COMPRESSION });
    const { code, stdout } = run(dir, 'probe', 'src', '--format', 'markdown', '--budget', '10');
    expect(code).toBe(0);
    const section = stdout.slice(stdout.indexOf('## Runtime verification'));
    expect(section).toMatch(/^## Runtime verification/);
    // Base64 of the probe's seeded 64 KB JSON payload is always 87,480 bytes; gzip of it 10,689.
    expect(section).toMatch(/\| \[F1\]\(#f1\) \| demonstrated \(replica\) \| 87,480 → 10,689 bytes \| 8\.18× \|/);
    expect(section).toMatch(/- \*\*F1\*\* `src\/cache\.ts:\d+(-\d+)?` · load: .* · your file did not run/);
    expect(section).toContain('Probe results (`bottleneck probe`): 0 verified on your code, 1 demonstrated (replica).');
  });

  it('caches results and clears the cache on request', () => {
    const dir = project({ 'src/cache.ts': FAKE_COMPRESSION });
    const first = run(dir, 'scan', '--format', 'json', '--cache-location', '.cache', '--timing', '--fail-on', 'none');
    expect(first.stderr).toMatch(/1 files read, 1 parsed, 0 from cache/);
    const second = run(dir, 'scan', '--format', 'json', '--cache-location', '.cache', '--timing', '--fail-on', 'none');
    // Unchanged by its stamp (size, times, inode): not even read.
    expect(second.stderr).toMatch(/0 files read, 0 parsed, 1 from cache/);
    expect(JSON.parse(second.stdout).findings).toEqual(JSON.parse(first.stdout).findings);
    expect(run(dir, 'cache', 'clear', '--cache-location', '.cache').stdout).toMatch(/Cleared the cache/);
    expect(run(dir, 'scan', '--cache-location', '.cache', '--timing', '--fail-on', 'none').stderr).toMatch(/1 files read, 1 parsed, 0 from cache/);
  });

  it('lists rules and shows one rule doc', () => {
    const list = run(process.cwd(), 'rules');
    expect(list.code).toBe(0);
    for (const id of ['fake-compression', 'sequential-await', 'uncleared-timer', 'missing-keep-alive', 'undersized-pool']) expect(list.stdout).toContain(id);
    const doc = run(process.cwd(), 'rules', 'uncleared-timer');
    expect(doc.code).toBe(0);
    expect(doc.stdout).toMatch(/^# uncleared-timer/);
    expect(run(process.cwd(), 'rules', 'nope').code).toBe(2);
  });

  it('prints no colour codes when NO_COLOR is set', () => {
    const { stdout } = run(project({ 'src/cache.ts': FAKE_COMPRESSION }), 'scan', '--fail-on', 'none');
    expect(stdout).not.toMatch(/\u001b\[/);
    expect(stdout).toMatch(/src\/cache\.ts/);
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'bin/bottleneck.js');
const temps: string[] = [];

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bottleneck-ci-'));
  temps.push(dir);
  write(dir, files);
  return dir;
}

function write(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    const target = path.join(dir, name);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
}

function run(cwd: string, ...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const key of ['GITHUB_SERVER_URL', 'GITHUB_REPOSITORY', 'GITHUB_SHA']) delete env[key];
  const child = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

function json(cwd: string, ...args: string[]) {
  const result = run(cwd, ...args, '--format', 'json');
  return { ...result, json: JSON.parse(result.stdout) };
}

function git(cwd: string, ...args: string[]): void {
  const child = spawnSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`git ${args.join(' ')}: ${child.stderr}`);
}

afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

// Reported by fake-compression: a cache "compression" that only base64-encodes.
const FAKE = `export function compress(value: string): string {
  return Buffer.from(value).toString('base64');
}
`;
const FAKE_2 = `export function compressToken(token: string): string {
  return Buffer.from(token).toString('hex');
}
`;

describe('several formats in one run', () => {
  it('prints the terminal report and writes SARIF, JSON, JUnit and markdown files', () => {
    const dir = project({ 'src/cache.ts': FAKE });
    const { code, stdout, stderr } = run(dir, 'scan', '--output', 'sarif=out/r.sarif', '--output', 'json=out/r.json', '--output', 'junit=out/r.xml', '--output', 'markdown=out/r.md', '--fail-on', 'none');
    expect(code).toBe(0);
    expect(stdout).toMatch(/src\/cache\.ts/);
    expect(stdout).toMatch(/finding/);
    expect(stderr).toMatch(/Report written to out\/r\.sarif/);
    expect(JSON.parse(readFileSync(path.join(dir, 'out/r.sarif'), 'utf8')).version).toBe('2.1.0');
    expect(JSON.parse(readFileSync(path.join(dir, 'out/r.json'), 'utf8')).findings.length).toBeGreaterThan(0);
    expect(readFileSync(path.join(dir, 'out/r.xml'), 'utf8')).toMatch(/<testsuites /);
    expect(readFileSync(path.join(dir, 'out/r.md'), 'utf8')).toMatch(/^# Performance audit/);
  });

  it('keeps --format json --output file working and refuses two formats on stdout', () => {
    const dir = project({ 'src/cache.ts': FAKE });
    expect(run(dir, 'scan', '--format', 'json', '--output', 'x.json', '--fail-on', 'none').stdout).toBe('');
    expect(existsSync(path.join(dir, 'x.json'))).toBe(true);
    const both = run(dir, 'scan', '--format', 'json', '--format', 'sarif');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/Only one format can print to stdout/);
    expect(run(dir, 'scan', '--output', 'xml=a.xml').stderr).toMatch(/Unknown format "xml"/);
  });

  it('writes the format a plain -o file name stands for, and refuses one that contradicts --format (exit 2)', () => {
    const dir = project({ 'src/cache.ts': FAKE, 'a.json': '' });
    const sarif = run(dir, 'scan', '-o', 'bottleneck.sarif', '--fail-on', 'none');
    expect(sarif.code).toBe(0);
    expect(sarif.stdout).toBe('');
    expect(JSON.parse(readFileSync(path.join(dir, 'bottleneck.sarif'), 'utf8')).version).toBe('2.1.0');
    const mismatch = run(dir, 'scan', '--format', 'json', '-o', 'wrong.sarif');
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/wrong\.sarif is a sarif file name but the report format is json/);
    expect(existsSync(path.join(dir, 'wrong.sarif'))).toBe(false);
    // merge and probe, with their one report, follow the same rule.
    run(dir, 'scan', '--format', 'json', '-o', 'a.json', '--fail-on', 'none');
    expect(run(dir, 'merge', 'a.json', '-o', 'merged.md', '--fail-on', 'none').code).toBe(0);
    expect(readFileSync(path.join(dir, 'merged.md'), 'utf8')).toMatch(/^# Performance audit/);
    expect(run(dir, 'merge', 'a.json', '--format', 'terminal', '-o', 'merged.sarif').code).toBe(2);
    expect(run(dir, 'probe', '--from', 'a.json', '--format', 'json', '-o', 'probe.md').code).toBe(2);
  });

  it('prints GitHub annotations', () => {
    const { stdout } = run(project({ 'src/cache.ts': FAKE }), 'scan', '--format', 'github', '--fail-on', 'none');
    expect(stdout).toMatch(/^::(error|warning|notice) file=src\/cache\.ts,line=\d+/m);
  });
});

describe('baselines', () => {
  it('fails only on new findings, survives moved code and counts fixed ones', () => {
    const dir = project({ 'src/cache.ts': FAKE });
    const written = run(dir, 'scan', '--write-baseline', 'baseline.json', '--fail-on', 'info');
    expect(written.code).toBe(0);
    expect(written.stderr).toMatch(/Baseline written to baseline\.json \(1 finding\)/);
    const recorded = JSON.parse(readFileSync(path.join(dir, 'baseline.json'), 'utf8'));
    expect(recorded).toMatchObject({ tool: 'bottleneck', version: 1, findings: [{ file: 'src/cache.ts', fingerprint: expect.any(String) }] });

    const same = json(dir, 'scan', '--baseline', 'baseline.json', '--fail-on', 'info');
    expect(same.code).toBe(0);
    expect(same.json.findings).toEqual([]);
    expect(same.json.baseline).toMatchObject({ file: 'baseline.json', new: 0, present: 1, fixed: 0 });

    // The same finding, moved down by unrelated edits: still known.
    write(dir, { 'src/cache.ts': `// a header comment\nimport { x } from './x';\n\nexport const y = x;\n\n${FAKE}` });
    expect(run(dir, 'scan', '--baseline', 'baseline.json', '--fail-on', 'info').code).toBe(0);

    // A new finding fails; the terminal says how the baseline compares.
    write(dir, { 'src/token.ts': FAKE_2 });
    const added = run(dir, 'scan', '--baseline', 'baseline.json', '--fail-on', 'info');
    expect(added.code).toBe(1);
    expect(added.stdout).toMatch(/src\/token\.ts/);
    expect(added.stdout).not.toMatch(/src\/cache\.ts\n/);
    expect(added.stdout).toMatch(/Baseline baseline\.json: 1 new finding, 1 still present, 0 fixed/);

    // The baselined finding is fixed.
    write(dir, { 'src/cache.ts': 'export const y = 1;\n' });
    const fixed = json(dir, 'scan', '--baseline', 'baseline.json', '--fail-on', 'info');
    expect(fixed.json.baseline).toMatchObject({ new: 1, present: 0, fixed: 1 });
  });

  it('exits 2 on a missing or malformed baseline', () => {
    const dir = project({ 'src/cache.ts': FAKE, 'bad.json': '{"findings": 3}' });
    const missing = run(dir, 'scan', '--baseline', 'nope.json');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Baseline file not found: nope\.json/);
    expect(run(dir, 'scan', '--baseline', 'bad.json').stderr).toMatch(/not a bottleneck baseline/);
    expect(run(dir, 'scan', '--write-baseline', 'b.json', '--shard', '1/2').stderr).toMatch(/--write-baseline records every finding: run it without --shard/);
  });
});

describe('inline suppressions', () => {
  it('suppresses the next line with a reason, counts it and keeps it in JSON', () => {
    const dir = project({
      'src/cache.ts': `// bottleneck-disable-next-line fake-compression -- the consumer expects base64, not gzip\n${FAKE}`,
    });
    const { code, json: out } = json(dir, 'scan', '--fail-on', 'info');
    expect(code).toBe(0);
    expect(out.findings).toEqual([]);
    expect(out.summary.suppressed).toBe(1);
    expect(out.suppressed[0]).toMatchObject({ ruleId: expect.stringMatching(/^fake-compression/), suppression: { kind: 'next-line', line: 1, reason: 'the consumer expects base64, not gzip' } });
    expect(out.warnings).toEqual([]);
    expect(run(dir, 'scan', '--fail-on', 'info').stdout).toMatch(/1 suppressed/);
  });

  it('warns about a directive without a reason but still applies it', () => {
    const dir = project({ 'src/cache.ts': `// bottleneck-disable-file fake-compression\n${FAKE}` });
    const { code, json: out } = json(dir, 'scan', '--fail-on', 'info');
    expect(code).toBe(0);
    expect(out.summary.suppressed).toBe(1);
    expect(out.warnings).toEqual([{ kind: 'suppression-without-reason', file: 'src/cache.ts', line: 1, message: expect.stringMatching(/has no reason/) }]);
    expect(run(dir, 'scan', '--fail-on', 'info').stdout).toMatch(/Warnings\n {2}src\/cache\.ts:1 {2}bottleneck-disable-file fake-compression has no reason/);
  });

  it('reports a directive that suppresses nothing, and one naming an unknown rule', () => {
    const dir = project({
      'src/math.ts': '// bottleneck-disable-next-line uncleared-timer -- left over from a refactor\nexport const add = (a: number, b: number) => a + b;\n// bottleneck-disable-next-line no-such-rule -- typo\nexport const one = 1;\n',
    });
    const { json: out } = json(dir, 'scan');
    expect(out.warnings.map((w: { kind: string; line: number }) => [w.kind, w.line])).toEqual([
      ['unused-suppression', 1],
      ['unknown-rule-in-suppression', 3],
    ]);
    // A directive for a rule that did not run proves nothing: no warning.
    expect(json(dir, 'scan', '--rule', 'fake-compression').json.warnings.map((w: { kind: string }) => w.kind)).toEqual(['unknown-rule-in-suppression']);
  });
});

describe('--changed-since', () => {
  it('scans only files changed since a git ref', () => {
    const dir = project({ 'src/cache.ts': FAKE });
    git(dir, 'init', '-q');
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', 'first');
    write(dir, { 'src/token.ts': FAKE_2 });
    const { json: out, code } = json(dir, 'scan', '--changed-since', 'HEAD', '--fail-on', 'none');
    expect(code).toBe(0);
    expect(out.summary.files).toBe(1);
    expect([...new Set(out.findings.map((f: { file: string }) => f.file))]).toEqual(['src/token.ts']);
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', 'second');
    expect(json(dir, 'scan', '--changed-since', 'HEAD~1', '--fail-on', 'none').json.summary.files).toBe(1);
    expect(json(dir, 'scan', '--changed-since', 'HEAD', '--fail-on', 'none').json.summary.files).toBe(0);
  });

  it('exits 2 with an unknown ref or outside a git repository', () => {
    const repo = project({ 'src/cache.ts': FAKE });
    git(repo, 'init', '-q');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'first');
    const unknown = run(repo, 'scan', '--changed-since', 'no-such-branch');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown git ref "no-such-branch"/);
    const outside = run(project({ 'src/cache.ts': FAKE }), 'scan', '--changed-since', 'main');
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/needs a git repository/);
  });
});

describe('markdown report', () => {
  it('has every section when run on the bundled fixtures', () => {
    const { code, stdout } = run(root, 'scan', 'fixtures', '--format', 'markdown', '--fail-on', 'none', '--no-cache');
    expect(code).toBe(0);
    for (const heading of ['# Performance audit', '## Executive summary', '**Grade: ', '## Findings by severity', '## Quick wins', '## Findings by category', '### Database (', '### Caching (', '### Network/API (', '### Memory (', '### Async/Concurrency (', '## Action plan', '### Runtime metrics to watch']) {
      expect(stdout).toContain(heading);
    }
    expect(stdout).not.toContain('## Runtime verification');
  });

  it('uses --template, then the config template, and links with --repo-url', () => {
    const dir = project({
      'src/cache.ts': FAKE,
      'tpl/custom.hbs': 'Grade {{grade.letter}}: {{#each findings}}{{link location url}} {{/each}}\n',
      '.bottleneckrc.json': JSON.stringify({ template: 'tpl/custom.hbs' }),
    });
    const fromConfig = run(dir, 'scan', '--format', 'markdown', '--fail-on', 'none', '--repo-url', 'git+https://github.com/acme/shop.git');
    expect(fromConfig.stdout).toMatch(/^Grade [A-F]: \[`src\/cache\.ts:\d+(-\d+)?`\]\(https:\/\/github\.com\/acme\/shop\/blob\/HEAD\/src\/cache\.ts#L\d+/);
    write(dir, { 'other.hbs': 'other {{summary.total}}' });
    expect(run(dir, 'scan', '--format', 'markdown', '--template', 'other.hbs', '--fail-on', 'none').stdout).toMatch(/^other \d+/);
    expect(run(dir, 'scan', '--format', 'markdown', '--template', 'missing.hbs').code).toBe(2);
    write(dir, { 'broken.hbs': '{{#each findings}}unclosed' });
    const broken = run(dir, 'scan', '--format', 'markdown', '--template', 'broken.hbs');
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/Template broken\.hbs does not parse/);
  });

  it('renders the markdown report from merged JSON reports', () => {
    const dir = project({ 'src/cache.ts': FAKE });
    run(dir, 'scan', '--format', 'json', '--output', 'a.json', '--fail-on', 'none');
    const merged = run(dir, 'merge', 'a.json', '--format', 'markdown', '--fail-on', 'none');
    expect(merged.code).toBe(0);
    expect(merged.stdout).toMatch(/^# Performance audit/);
    expect(merged.stdout).toContain('src/cache.ts');
    const summary = run(dir, 'merge', 'a.json', '--format', 'markdown', '--summary', '--fail-on', 'none');
    expect(summary.stdout).toMatch(/^## bottleneck: grade [A-F], 1 finding\n/);
    expect(summary.stdout).toContain('| F1 |');
    // --summary also wins over a configured template, and the terminal report takes --width and --verbose.
    write(dir, { '.bottleneckrc.json': JSON.stringify({ template: 'nope.hbs' }) });
    expect(run(dir, 'scan', '--format', 'markdown', '--summary', '--fail-on', 'none').stdout).toMatch(/^## bottleneck: grade/);
    const terminal = run(dir, 'merge', 'a.json', '--width', '50', '--verbose', '--fail-on', 'none').stdout;
    expect(Math.max(...terminal.split('\n').map((line) => [...line].length))).toBeLessThanOrEqual(50);
    expect(terminal).toContain('= evidence:');
  });

  it('keeps docs/sample-report.md fresh (regenerate with npm run sample-report)', () => {
    const { stdout } = run(root, 'scan', 'fixtures', '--format', 'markdown', '--fail-on', 'none', '--no-cache');
    const normalise = (text: string) =>
      text
        .replace(/\d{4}-\d{2}-\d{2}/g, 'YYYY-MM-DD')
        .replace(/\| Duration \| [\d.]+ s \|/, '| Duration | N s |')
        .replace(/bottleneck \d+\.\d+\.\d+\S*/g, 'bottleneck X.Y.Z');
    const committed = readFileSync(path.join(root, 'docs/sample-report.md'), 'utf8');
    expect(normalise(stdout), 'docs/sample-report.md is stale (fixtures or rules changed): run "npm run sample-report" and commit it').toBe(normalise(committed));
  });

  it('keeps docs/sample-summary.md fresh (regenerate with npm run sample-report)', () => {
    const { stdout } = run(root, 'scan', 'fixtures', '--format', 'markdown', '--summary', '--fail-on', 'none', '--no-cache');
    const normalise = (text: string) =>
      text
        .replace(/\d{4}-\d{2}-\d{2}/g, 'YYYY-MM-DD')
        .replace(/bottleneck \d+\.\d+\.\d+\S*/g, 'bottleneck X.Y.Z');
    const committed = readFileSync(path.join(root, 'docs/sample-summary.md'), 'utf8');
    expect(normalise(stdout), 'docs/sample-summary.md is stale: run "npm run sample-report" and commit it').toBe(normalise(committed));
  });
});

import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTree, root, runCli, tempDir } from '../robustness/harness.js';

/**
 * `scan --fix` on a copy of every fixture: the tree it leaves rescans with the fixed findings gone and no
 * new ones, and its exit code is about what remains. `--fix-dry-run` changes nothing.
 */
interface Finding {
  ruleId: string;
  file: string;
  line: number;
  severity: string;
  confidence: string;
  fingerprint: string;
  fix: { mechanical?: boolean; edits?: unknown[] };
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) removeTree(dir);
});

function copyOfFixtures(name: string): string {
  const dir = tempDir(name);
  dirs.push(dir);
  cpSync(path.join(root, 'fixtures'), path.join(dir, 'fixtures'), { recursive: true });
  return dir;
}

function scanJson(cwd: string): Finding[] {
  const run = runCli(['scan', 'fixtures', '--format', 'json', '--fail-on', 'none', '--no-cache'], { cwd });
  expect(run.status).toBe(0);
  return (JSON.parse(run.stdout) as { findings: Finding[] }).findings;
}

describe('scan --fix', () => {
  it('leaves a tree that rescans with the fixed findings gone and no new ones', () => {
    const dir = copyOfFixtures('fix');
    const before = scanJson(dir);
    const fixable = before.filter((f) => f.fix.mechanical && f.confidence === 'high' && (f.fix.edits?.length ?? 0) > 0);
    expect(fixable.length).toBeGreaterThan(0);

    const run = runCli(['scan', 'fixtures', '--fix', '--no-cache', '--format', 'json', '--output', 'after.json'], { cwd: dir });
    expect(run.hung).toBe(false);
    const applied = [...run.stderr.matchAll(/^bottleneck: fixed (\S+):(\d+):\d+ (\S+)/gm)].map((m) => ({ file: m[1], line: Number(m[2]), ruleId: m[3] }));
    expect(applied.length).toBeGreaterThan(0);
    expect(run.stderr).toMatch(new RegExp(`${applied.length} fix(es)? applied`));
    // Only fixable findings were touched.
    for (const a of applied) expect(fixable.some((f) => f.file === a.file && f.line === a.line && f.ruleId === a.ruleId)).toBe(true);

    const reported = (JSON.parse(readFileSync(path.join(dir, 'after.json'), 'utf8')) as { findings: Finding[] }).findings;
    const after = scanJson(dir);
    expect(after.map((f) => f.fingerprint).sort()).toEqual(reported.map((f) => f.fingerprint).sort());
    const known = new Set(before.map((f) => f.fingerprint));
    expect(after.filter((f) => !known.has(f.fingerprint)).map((f) => `${f.ruleId} ${f.file}:${f.line}`)).toEqual([]);
    const fixedPrints = new Set(fixable.filter((f) => applied.some((a) => a.file === f.file && a.line === f.line && a.ruleId === f.ruleId)).map((f) => f.fingerprint));
    expect(after.filter((f) => fixedPrints.has(f.fingerprint))).toEqual([]);
    expect(after.length).toBe(before.length - applied.length);
    // The exit code is the contract, about the findings that remain (default gate: critical).
    expect(run.status).toBe(after.some((f) => f.severity === 'critical') ? 1 : 0);
  });

  it('--fix-dry-run prints a unified diff of every fix with edits and changes nothing', () => {
    const dir = copyOfFixtures('dry');
    const before = scanJson(dir);
    const file = path.join(dir, 'fixtures/uncleared-timer/src/services/race-timeouts.ts');
    const text = readFileSync(file, 'utf8');
    const run = runCli(['scan', 'fixtures', '--fix-dry-run', '--no-cache'], { cwd: dir });
    expect(run.hung).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(run.stdout.match(/^# \S+:\d+:\d+ /gm)?.length).toBe(before.filter((f) => (f.fix.edits?.length ?? 0) > 0).length);
    expect(run.stdout).toContain('--- a/fixtures/uncleared-timer/src/services/race-timeouts.ts');
    expect(run.stdout).toMatch(/^\+.*\.finally\(\(\) => clearTimeout\(timeoutTimer\)\)/m);
    expect(run.stdout).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@$/m);
    // The terminal report does not go to stdout with the diffs; the exit code is the scan's.
    expect(run.stdout).not.toMatch(/Fix \(/);
  });

  it('refuses --fix with --fix-dry-run', () => {
    const dir = copyOfFixtures('both');
    const run = runCli(['scan', 'fixtures', '--fix', '--fix-dry-run'], { cwd: dir });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/exclude each other/);
  });
});

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goodTree, removeTree, report, runCli } from './harness.js';

/** `merge` given shards that are not one scan: duplicated, missing, overlapping, mixed versions or counts. */
let dir = '';
const shard = (i: number, n: number) => `shard-${i}-of-${n}.json`;
beforeAll(() => {
  dir = goodTree('merge');
  for (const [i, n] of [[1, 3], [2, 3], [3, 3], [1, 2]] as const) {
    const run = runCli(['scan', 'good', '--no-cache', '--format', 'json', '--fail-on', 'none', '--shard', `${i}/${n}`, '--output', shard(i, n)], { cwd: dir });
    expect(run.status).toBe(0);
  }
  expect(runCli(['scan', 'good', '--no-cache', '--format', 'json', '--fail-on', 'none', '--output', 'whole.json'], { cwd: dir }).status).toBe(0);
});
afterAll(() => removeTree(dir));

const merge = (...files: string[]) => runCli(['merge', ...files, '--format', 'json', '--fail-on', 'none'], { cwd: dir });
const keys = (json: string) =>
  report({ status: 0, stdout: json, stderr: '', hung: false })
    .findings.map((f) => `${f.ruleId} ${f.file}:${f.line}:${f.column}`)
    .sort();

describe('merge checks that its inputs are every shard of one scan, once', () => {
  it('all shards once: the same findings as the unsharded scan', () => {
    const run = merge(shard(1, 3), shard(2, 3), shard(3, 3));
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(keys(run.stdout)).toEqual(keys(readFileSync(path.join(dir, 'whole.json'), 'utf8')));
  });

  it('a shard given twice: refused, exit 2, one line naming it', () => {
    const run = merge(shard(1, 3), shard(2, 3), shard(3, 3), shard(2, 3));
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^bottleneck: cannot merge: shard 2\/3 is given 2 times/);
  });

  it('a missing shard: refused, exit 2', () => {
    const run = merge(shard(1, 3), shard(3, 3));
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('shard 2/3 is missing');
  });

  it('shards of different counts: refused, exit 2', () => {
    const run = merge(shard(1, 3), shard(2, 3), shard(3, 3), shard(1, 2));
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('the shard counts differ');
  });

  it('reports from different tool versions: refused, exit 2', () => {
    const other = JSON.parse(readFileSync(path.join(dir, shard(3, 3)), 'utf8')) as { tool: { version: string } };
    other.tool.version = '0.0.1-other';
    writeFileSync(path.join(dir, 'other-version.json'), JSON.stringify(other));
    const run = merge(shard(1, 3), shard(2, 3), 'other-version.json');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('different tool versions');
  });

  it('an unsharded report beside shards (overlapping files): refused, exit 2', () => {
    const run = merge(shard(1, 3), shard(2, 3), shard(3, 3), 'whole.json');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('not a shard');
  });

  it('the same unsharded report twice: refused as overlapping', () => {
    const run = merge('whole.json', 'whole.json');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('the reports overlap');
  });

  it('one unsharded report: merged as is, no warning', () => {
    const run = merge('whole.json');
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
  });
});

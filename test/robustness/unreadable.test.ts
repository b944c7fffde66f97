import { chmodSync, cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { canDropPrivileges, clean, goodFindings, report, root, runCli, treesForEachTest } from './harness.js';

/**
 * Unreadable paths: root reads everything, so these runs drop to `nobody` with setpriv. Where that is not
 * possible (not root, no setpriv) they are skipped, and the reason is the test's name.
 */
const goodTreeForTest = treesForEachTest();

function tree(name: string): string {
  const dir = goodTreeForTest(name);
  // A second copy of findings, which the locked variants make unreadable.
  cpSync(path.join(root, 'fixtures/fake-compression/cache-codec.ts'), path.join(dir, 'locked.ts'));
  chmodSync(path.join(dir, 'locked.ts'), 0o644);
  return dir;
}

const asNobody = (dir: string) => runCli(['scan', '--format', 'json', '--no-cache'], { cwd: dir, asNobody: true });

describe.skipIf(!canDropPrivileges)('unreadable paths (run as nobody through setpriv; skipped when this process is not root or has no setpriv)', () => {
  it('an unreadable directory is listed under errors with its path and the scan exits 2 (incomplete), keeping every readable finding', () => {
    const dir = tree('dir');
    cpSync(path.join(dir, 'good'), path.join(dir, 'secret'), { recursive: true });
    chmodSync(path.join(dir, 'secret'), 0o000);
    const run = asNobody(dir);
    const result = report(run);
    expect(result.errors).toContainEqual({ file: 'secret/', message: 'Cannot read directory: EACCES', kind: 'unreadable' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('scan incomplete (exit code 2): could not read secret/');
    expect(goodFindings(result)).toEqual(clean().keys);
  });

  it('an unreadable directory inside one .gitignore excludes is never entered: the scan is complete', () => {
    const dir = tree('ignored-dir');
    writeFileSync(path.join(dir, '.gitignore'), 'volumes/\n');
    cpSync(path.join(dir, 'good'), path.join(dir, 'volumes/db'), { recursive: true });
    chmodSync(path.join(dir, 'volumes/db'), 0o000);
    const run = asNobody(dir);
    const result = report(run);
    expect(result.errors).toEqual([]);
    expect(run.status).toBe(1);
    expect(goodFindings(result)).toEqual(clean().keys);
  });

  it('an unreadable file is listed under errors and the scan exits 2', () => {
    const dir = tree('file');
    chmodSync(path.join(dir, 'locked.ts'), 0o000);
    const run = asNobody(dir);
    const result = report(run);
    expect(result.errors).toEqual([expect.objectContaining({ file: 'locked.ts', kind: 'unreadable', message: expect.stringContaining('EACCES') })]);
    expect(run.status).toBe(2);
    expect(goodFindings(result)).toEqual(clean().keys);
  });

  it('an unreadable .gitignore is listed under errors and the scan exits 2', () => {
    const dir = tree('gitignore');
    writeFileSync(path.join(dir, '.gitignore'), 'nothing-here/\n', { mode: 0o000 });
    chmodSync(path.join(dir, '.gitignore'), 0o000);
    const run = asNobody(dir);
    const result = report(run);
    expect(result.errors).toContainEqual(expect.objectContaining({ file: '.gitignore', kind: 'unreadable' }));
    expect(run.status).toBe(2);
  });

  it('with everything readable, nobody gets the clean result and exit code (the check above is about the lock, not the user)', () => {
    const dir = tree('control');
    const run = asNobody(dir);
    expect(run.status).toBe(clean().status);
    expect(goodFindings(report(run))).toEqual(clean().keys);
  });
});

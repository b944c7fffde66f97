import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Finding, FixEdit } from '../../src/findings.js';
import { planFilePass } from '../../src/fixes/plan.js';
import { optionsKey, ProjectOptions } from '../../src/fixes/project-options.js';
import { IsolatedTypeChecker } from '../../src/fixes/verify.js';
import { loadTypeScript } from '../../src/scanner/ts.js';

loadTypeScript();

const root = mkdtempSync(path.join(tmpdir(), 'bottleneck-project-options-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(relative: string, text: string): void {
  mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
  writeFileSync(path.join(root, relative), text);
}

describe('ProjectOptions: the unused-name options of the nearest config', () => {
  write('tsconfig.base.json', '{ "compilerOptions": { "noUnusedLocals": true, /* comment */ "noUnusedParameters": true, } }');
  write('tsconfig.json', '{ "extends": "./tsconfig.base.json", "compilerOptions": { "noUnusedParameters": false } }');
  write('packages/api/tsconfig.json', '{ "extends": ["../../tsconfig.json"], "compilerOptions": { "strict": true } }');
  write('packages/loose/tsconfig.json', '{ "extends": "@tsconfig/strictest/tsconfig.json" }');
  write('packages/web/jsconfig.json', '{ "compilerOptions": { "noUnusedLocals": false } }');
  write('packages/broken/tsconfig.json', '{ not json');
  const options = new ProjectOptions(root);

  it('follows relative extends (a string or an array), the file overriding what it extends', () => {
    expect(options.for('src/a.ts')).toEqual({ noUnusedLocals: true, noUnusedParameters: false });
    expect(options.for('packages/api/src/deep/b.ts')).toEqual({ noUnusedLocals: true, noUnusedParameters: false });
  });

  it('reads jsconfig.json, does not resolve package configs, and falls back to a parent past a broken config', () => {
    expect(options.for('packages/web/c.js')).toEqual({ noUnusedLocals: false });
    expect(options.for('packages/loose/d.ts')).toEqual({});
    expect(options.for('packages/broken/e.ts')).toEqual({ noUnusedLocals: true, noUnusedParameters: false });
  });

  it('keys checkers by the options that are on', () => {
    expect(optionsKey({})).toBe('');
    expect(optionsKey({ noUnusedLocals: true, noUnusedParameters: false })).toBe('L');
    expect(optionsKey({ noUnusedLocals: true, noUnusedParameters: true })).toBe('LP');
  });
});

describe('a fix that leaves a name unused', () => {
  const file = 'src/example.ts';
  const text = ['export async function f(a: () => Promise<number>, b: () => Promise<number>) {', '  const x = await a();', '  const y = await b();', '  return x + y;', '}', ''].join('\n');
  const start = text.indexOf('return x + y;');
  const end = start + 'return x + y;'.length;
  const edit: FixEdit = { file, start, end, line: 4, column: 3, endLine: 4, endColumn: 16, text: 'return x;' };
  const finding: Finding = {
    ruleId: 'demo', severity: 'high', confidence: 'high', file, line: 4, column: 3, endLine: 4, endColumn: 16,
    message: 'demo', evidence: [], impact: '', effort: 'trivial', category: 'Async/Concurrency', fingerprint: 'demo',
    fix: { description: 'demo', replacement: '', edits: [edit], mechanical: true },
  };

  it('is applied for a project without noUnusedLocals and refused for one with it', () => {
    expect(planFilePass(file, text, [finding], new IsolatedTypeChecker(), new Set()).applied).toHaveLength(1);
    const strict = planFilePass(file, text, [finding], new IsolatedTypeChecker({ noUnusedLocals: true }), new Set());
    expect(strict.applied).toEqual([]);
    expect(strict.refused[0]?.reason).toMatch(/TS6133/);
  });
});

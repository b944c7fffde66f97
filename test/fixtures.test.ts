import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scan } from '../src/scanner/engine.js';
import { checkFixture, parseAnnotations } from '../src/testing/annotations.js';
import { ALL_RULES } from '../rules/index.js';

const root = path.resolve(import.meta.dirname, '..');
const knownRuleIds = new Set(ALL_RULES.map((rule) => rule.meta.id));

describe('fixtures', async () => {
  const result = await scan({
    cwd: root,
    paths: ['fixtures'],
    include: [],
    exclude: [],
    maxFileSize: 1024 * 1024,
    rules: ALL_RULES.map((rule) => ({ rule, options: {} })),
  });
  const { default: fg } = await import('fast-glob');
  const fixtureFiles = (await fg('fixtures/**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}', { cwd: root })).sort();

  it('parse without errors', () => {
    expect(result.errors).toEqual([]);
  });

  it('cover every rule with at least one expected finding', () => {
    const annotated = new Set<string>();
    for (const file of fixtureFiles) {
      for (const a of parseAnnotations(readFileSync(path.join(root, file), 'utf8'))) if (a.kind === 'ruleid') annotated.add(a.ruleId.split('/')[0] ?? '');
    }
    expect([...knownRuleIds].filter((id) => !annotated.has(id))).toEqual([]);
  });

  for (const file of fixtureFiles) {
    it(`${file} matches its annotations`, () => {
      const text = readFileSync(path.join(root, file), 'utf8');
      const findings = result.findings.filter((f) => f.file === file);
      expect(checkFixture(file, text, findings, knownRuleIds)).toEqual([]);
    });
  }
});

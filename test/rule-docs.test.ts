import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_RULES } from '../rules/index.js';
import { parseRuleDoc, REQUIRED_HEADINGS } from '../src/testing/rule-docs.js';
import { analyzeText } from './helpers.js';

const rulesDir = path.resolve(import.meta.dirname, '../rules');

describe('rule modules', () => {
  it('are named after their id and all registered', () => {
    const files = readdirSync(rulesDir).filter((f) => f.endsWith('.ts') && f !== 'index.ts').map((f) => f.replace(/\.ts$/, ''));
    expect(ALL_RULES.map((rule) => rule.meta.id).sort()).toEqual(files.sort());
  });
});

for (const rule of ALL_RULES) {
  const { id } = rule.meta;
  describe(`rules/${id}.md`, () => {
    const docPath = path.join(rulesDir, `${id}.md`);
    it('exists with the fixed headings', () => {
      expect(existsSync(docPath)).toBe(true);
      const doc = parseRuleDoc(readFileSync(docPath, 'utf8'));
      expect(doc.title).toBe(id);
      expect(doc.headings.filter((h) => (REQUIRED_HEADINGS as readonly string[]).includes(h))).toEqual([...REQUIRED_HEADINGS]);
    });

    const doc = existsSync(docPath) ? parseRuleDoc(readFileSync(docPath, 'utf8')) : { examples: [] };
    it('has incorrect and correct examples', () => {
      expect(doc.examples.some((e) => e.kind === 'incorrect')).toBe(true);
      expect(doc.examples.some((e) => e.kind === 'correct')).toBe(true);
    });
    for (const example of doc.examples) {
      it(`${example.kind} example at line ${example.line} ${example.kind === 'incorrect' ? 'is reported' : 'is not reported'}`, () => {
        const { findings, errors } = analyzeText(example.code, { file: example.file, nodeMajor: example.nodeMajor, rules: [id] });
        expect(errors).toEqual([]);
        if (example.kind === 'incorrect') expect(findings.length).toBeGreaterThan(0);
        else expect(findings).toEqual([]);
      });
    }
  });
}

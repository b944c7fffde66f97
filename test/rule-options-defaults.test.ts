import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ALL_RULES } from '../rules/index.js';

/** Rules declare their default options as plain data (a scan without options does not load zod): the schema's. */
describe('rule option defaults', () => {
  for (const rule of ALL_RULES) {
    it(`${rule.meta.id}: defaults are what its schema gives for {}, and no options mean the defaults`, () => {
      expect(rule.meta.defaults).toEqual(rule.meta.options(z).parse({}));
      expect(rule.parseOptions(undefined)).toEqual(rule.meta.defaults);
      expect(rule.parseOptions({})).toEqual(rule.meta.defaults);
      // Options given are still the schema's to check.
      expect(() => rule.parseOptions({ notAnOption: 1 })).toThrow();
      const key = Object.keys(rule.meta.defaults as object)[0] ?? '';
      expect(() => rule.parseOptions({ [key]: 'not a valid value' })).toThrow();
    });
  }
});

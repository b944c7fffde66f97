import { describe, expect, it } from 'vitest';
import { plainConfig } from '../src/config/plain.js';
import { validateConfig } from '../src/config/validate.js';
import { ALL_RULES } from '../rules/index.js';

/**
 * The configs checked without zod (a scan with none, or with a plain one, does not load it) against the zod
 * schema: what the hand check accepts, the schema accepts and returns the same (same keys, same order); every
 * mistake is left to the schema, whose messages name the key path.
 */
const zodAnswer = (raw: unknown): string | undefined => {
  try {
    return JSON.stringify(validateConfig(raw, ALL_RULES));
  } catch {
    return undefined;
  }
};

const PLAIN: unknown[] = [
  {},
  { $schema: './node_modules/bottleneck-cli/schema/bottleneck.schema.json' },
  { include: ['src/**'], exclude: [] },
  { failOn: 'none', maxFileSize: 5 },
  { failOn: 'high', maxFileSize: 2_000_000, template: 'report.hbs' },
  { rules: { 'uncleared-timer': 'off', 'sequential-await': 'low', 'fake-compression': { severity: 'high' }, 'undersized-pool': {} } },
  { rules: { 'sequential-await': { severity: 'off' } }, overrides: [{ files: ['scripts/**'], ignores: ['scripts/keep.ts'], rules: { 'sequential-await': 'off' } }, { files: ['a.ts'], rules: {} }] },
  { rules: { 'missing-keep-alive': 'critical', 'sequential-await': 'info' }, overrides: [] },
];

const OTHER: unknown[] = [
  null,
  [],
  'x',
  { rulez: {} },
  { include: 'src' },
  { include: [1] },
  { failOn: 'sometimes' },
  { maxFileSize: 0 },
  { maxFileSize: 1.5 },
  { maxFileSize: -3 },
  { maxFileSize: '5' },
  { template: 3 },
  { $schema: 1 },
  { rules: null },
  { rules: [] },
  { rules: { 'sequental-await': 'off' } },
  { rules: { 'sequential-await': 'hgh' } },
  { rules: { 'sequential-await': { severity: 'hgh' } } },
  { rules: { 'sequential-await': { level: 'low' } } },
  { rules: { 'sequential-await': { options: { minAwaits: 3 } } } },
  { rules: { 'sequential-await': { options: { minAwaits: 1 } } } },
  { rules: { 'sequential-await': { options: {} } } },
  { rules: { 'sequential-await': 3 } },
  { overrides: {} },
  { overrides: [{ files: [], rules: {} }] },
  { overrides: [{ files: ['a'] }] },
  { overrides: [{ files: ['a'], rules: {}, extra: 1 }] },
  { overrides: [{ files: ['a'], ignores: 'b', rules: {} }] },
  { overrides: [null] },
  { probe: { latency: { 'pg.query': 25 } } },
  { probe: { latency: { 'pg query': 25 } } },
];

describe('plainConfig gives the config schema\'s answer or none', () => {
  it('checks the common configs by hand, as the schema returns them', () => {
    for (const raw of PLAIN) {
      const plain = plainConfig(raw, ALL_RULES);
      expect(plain, JSON.stringify(raw)).toBeDefined();
      expect(JSON.stringify(plain)).toBe(zodAnswer(raw));
    }
  });

  it('leaves rule options, probe settings and every mistake to the schema, and never accepts what it rejects', () => {
    for (const raw of OTHER) {
      expect(plainConfig(raw, ALL_RULES), JSON.stringify(raw)).toBeUndefined();
    }
    // Each of the plain configs with one value swapped: accepted by hand only where the schema accepts it the same way.
    const swaps: unknown[] = [undefined, null, 0, 1.5, 'x', 'off', 'low', [], {}, ['x'], [1]];
    for (const raw of PLAIN) {
      const paths: Array<string[]> = [];
      const walk = (value: unknown, at: string[]) => {
        if (typeof value !== 'object' || value === null) return;
        for (const [key, inner] of Object.entries(value)) {
          paths.push([...at, key]);
          walk(inner, [...at, key]);
        }
      };
      walk(raw, []);
      for (const at of paths) {
        for (const swap of swaps) {
          const variant = structuredClone(raw) as Record<string, unknown>;
          let parent: Record<string, unknown> = variant;
          for (const key of at.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
          parent[at[at.length - 1] ?? ''] = swap;
          const plain = plainConfig(variant, ALL_RULES);
          if (plain !== undefined) expect(JSON.stringify(plain), `${at.join('.')} = ${JSON.stringify(swap)}`).toBe(zodAnswer(variant));
        }
      }
    }
  });
});

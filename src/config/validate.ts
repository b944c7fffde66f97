import path from 'node:path';
import { ZodError } from 'zod';
import { ConfigError } from '../errors.js';
import type { RegisteredRule } from '../rule.js';
import { buildConfigSchema, formatConfigIssues, type BottleneckConfig } from './schema.js';

/** The config checked by the zod schema; a mistake is a ConfigError naming each key path and what it expects. */
export function validateConfig(raw: unknown, rules: RegisteredRule[], filepath?: string): BottleneckConfig {
  const schema = buildConfigSchema(rules);
  try {
    return schema.parse(raw);
  } catch (error) {
    if (error instanceof ZodError) {
      const where = filepath ? path.relative(process.cwd(), filepath) || filepath : 'configuration';
      throw new ConfigError(`Invalid config in ${where}:\n${formatConfigIssues(error, raw, schema).map((line) => `  - ${line}`).join('\n')}`);
    }
    throw error;
  }
}

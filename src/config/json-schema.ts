import { z } from 'zod';
import type { RegisteredRule } from '../rule.js';
import { buildConfigSchema } from './schema.js';

/** Where the published schema lives (unpkg serves every file of every published version). */
export function publishedSchemaUrl(version: string): string {
  return `https://unpkg.com/bottleneck-cli@${version}/schema/bottleneck.schema.json`;
}

/** The path of the schema inside the package, and so inside `node_modules/bottleneck-cli/`. */
export const SCHEMA_FILE = 'schema/bottleneck.schema.json';

/**
 * The JSON schema of the config file, generated from the zod schema the loader validates with, so editors
 * complete and check exactly what the tool accepts (the input side: defaults are not required).
 * `scripts/generate-schema.mjs` writes it to SCHEMA_FILE; a test checks the file is fresh.
 */
export function configJsonSchema(rules: RegisteredRule[]): Record<string, unknown> {
  const schema = z.toJSONSchema(buildConfigSchema(rules), { io: 'input', unrepresentable: 'throw' }) as Record<string, unknown>;
  const { $schema, ...rest } = schema;
  return { $schema, title: 'bottleneck configuration', description: 'Config for bottleneck (npm bottleneck-cli): .bottleneckrc.json, .bottleneckrc.yaml, bottleneck.config.ts or "bottleneck" in package.json', ...rest };
}

/** The schema file's text: what the script writes and the test compares. */
export function configJsonSchemaText(rules: RegisteredRule[]): string {
  return `${JSON.stringify(configJsonSchema(rules), null, 2)}\n`;
}

import { z } from 'zod';
import { SEVERITIES } from '../findings.js';
import type { RegisteredRule } from '../rule.js';

export const severitySchema = z.enum(SEVERITIES);
export const failOnSchema = z.enum([...SEVERITIES, 'none']);
export type FailOn = z.infer<typeof failOnSchema>;

const DEFAULT_MAX_FILE_SIZE = 1024 * 1024;

/** The config schema, with one entry per known rule so unknown ids and bad options are named exactly. */
export function buildConfigSchema(rules: RegisteredRule[]) {
  const ruleEntries: Record<string, z.ZodType> = {};
  for (const rule of rules) {
    const level = z.union([z.literal('off'), severitySchema]);
    ruleEntries[rule.meta.id] = z
      .union([
        level,
        z.strictObject({
          severity: level.optional(),
          options: rule.meta.options.optional(),
        }),
      ])
      .optional();
  }
  return z.strictObject({
    $schema: z.string().optional(),
    include: z.array(z.string()).optional(),
    exclude: z.array(z.string()).optional(),
    failOn: failOnSchema.optional(),
    maxFileSize: z.number().int().positive().default(DEFAULT_MAX_FILE_SIZE),
    rules: z.strictObject(ruleEntries).default({}),
    template: z.string().optional(),
  });
}

export type BottleneckConfig = z.infer<ReturnType<typeof buildConfigSchema>>;

/** One rule's setting as written: `'off'`, a severity, or `{ severity, options }`. */
export type RuleSetting = 'off' | z.infer<typeof severitySchema> | { severity?: 'off' | z.infer<typeof severitySchema>; options?: unknown };

/** Flattens zod issues to `message (at a.b.c)` lines, as knip does. */
export function formatConfigIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') message = `Unknown key${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
    return `${where}: ${message}`;
  });
}

import { z } from 'zod';
import { CATEGORIES, CONFIDENCES, EFFORTS, SEVERITIES } from './findings.js';

/** The JSON report read back (for `bottleneck merge` and `probe --from`): the contract, checked. */
const jsonValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.union([z.string(), z.number()]))]);

export const findingSchema = z.object({
  ruleId: z.string(),
  severity: z.enum(SEVERITIES),
  confidence: z.enum(CONFIDENCES),
  file: z.string(),
  line: z.number().int(),
  column: z.number().int(),
  endLine: z.number().int(),
  endColumn: z.number().int(),
  message: z.string(),
  evidence: z.array(z.string()),
  impact: z.string(),
  fix: z.object({ description: z.string(), replacement: z.string() }),
  effort: z.enum(EFFORTS),
  category: z.enum(CATEGORIES),
  fingerprint: z.string(),
  params: z.record(z.string(), jsonValue).optional(),
  snippet: z.string().optional(),
});

export const jsonReportSchema = z.object({
  tool: z.object({ name: z.string(), version: z.string() }),
  findings: z.array(findingSchema),
  errors: z.array(z.object({ file: z.string(), message: z.string(), ruleId: z.string().optional(), line: z.number().optional() })),
  skipped: z.array(z.object({ file: z.string(), reason: z.string() })).default([]),
  summary: z.object({
    files: z.number(),
    lines: z.number().default(0),
    durationMs: z.number(),
    bySeverity: z.record(z.enum(SEVERITIES), z.number()),
  }),
});

export type JsonReport = z.infer<typeof jsonReportSchema>;

import { z } from 'zod';
import { CATEGORIES, CONFIDENCES, EFFORTS, SEVERITIES } from './findings.js';
import { VERIFICATION_STATUSES, type Verification } from './probe/types.js';

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
  fix: z.object({
    description: z.string(),
    replacement: z.string(),
    edits: z
      .array(z.object({ file: z.string(), start: z.number().int(), end: z.number().int(), line: z.number().int(), column: z.number().int(), endLine: z.number().int(), endColumn: z.number().int(), text: z.string() }))
      .optional(),
    mechanical: z.boolean().optional(),
  }),
  effort: z.enum(EFFORTS),
  category: z.enum(CATEGORIES),
  fingerprint: z.string(),
  params: z.record(z.string(), jsonValue).optional(),
  snippet: z.string().optional(),
  reach: z
    .object({
      routes: z.array(z.object({ method: z.string(), path: z.string(), file: z.string(), line: z.number().int(), framework: z.string(), handler: z.string() })),
    })
    .optional(),
  // Written by `bottleneck probe`; kept so its JSON can be merged into any report format.
  verification: z
    .custom<Verification>((value) => typeof value === 'object' && value !== null && 'status' in value && VERIFICATION_STATUSES.some((s) => s === value.status))
    .optional(),
});

const suppressedSchema = findingSchema.extend({
  suppression: z.object({ kind: z.enum(['next-line', 'file']), line: z.number().int(), reason: z.string().optional() }),
});

const warningSchema = z.object({
  kind: z.enum(['suppression-without-reason', 'unused-suppression', 'unknown-rule-in-suppression']),
  file: z.string(),
  line: z.number().int().optional(),
  message: z.string(),
});

export const jsonReportSchema = z.object({
  tool: z.object({ name: z.string(), version: z.string() }),
  findings: z.array(findingSchema),
  suppressed: z.array(suppressedSchema).default([]),
  warnings: z.array(warningSchema).default([]),
  errors: z.array(z.object({ file: z.string(), message: z.string(), ruleId: z.string().optional(), line: z.number().optional(), kind: z.enum(['unreadable']).optional() })),
  skipped: z.array(z.object({ file: z.string(), reason: z.string() })).default([]),
  shard: z.object({ index: z.number().int().positive(), count: z.number().int().positive() }).optional(),
  summary: z.object({
    files: z.number(),
    lines: z.number().default(0),
    durationMs: z.number(),
    bySeverity: z.record(z.enum(SEVERITIES), z.number()),
  }),
});

export type JsonReport = z.infer<typeof jsonReportSchema>;

/**
 * One file's entry in the results cache (`src/scanner/cache.ts`): findings as the JSON report states them,
 * before the collector gives them a fingerprint. The cache is read back through this schema, so a corrupt
 * entry (a null analysis, a bogus severity) is a miss instead of a crash or a silently empty result.
 */
export const cachedFileSchema = z.object({
  key: z.string(),
  lines: z.number().int().nonnegative(),
  analysis: z.object({
    findings: z.array(findingSchema.omit({ fingerprint: true, verification: true }).extend({ fingerprintText: z.string() })),
    errors: z.array(z.object({ message: z.string(), ruleId: z.string().optional(), line: z.number().int().optional() })),
  }),
});

/**
 * The evidence file: what the preload (`node --import bottleneck-cli/register`) measured in the user's own
 * process, per finding site, and what `bottleneck compare before.json after.json` reads. It is the one
 * contract between the two, so both sides import this module; the schema validates a file before compare
 * trusts a number in it (a file from another version, or edited by hand, gets a message naming the key).
 *
 * Every figure is a measurement of the running process, attributed to a finding by the site's fingerprint:
 * the preload never estimates or copies a figure from the scan.
 */
import { z } from 'zod';
import { EVIDENCE_FAMILIES, EVIDENCE_FORMAT, RESERVOIR_SIZE, type EvidenceFamily } from './format-constants.js';

export { EVIDENCE_FAMILIES, EVIDENCE_FORMAT, FAMILY_METRICS, RESERVOIR_SIZE, type EvidenceFamily } from './format-constants.js';

export const metricSchema = z.object({
  unit: z.string(),
  better: z.enum(['lower', 'higher']),
  /** How many values were recorded (not only the ones kept in `samples`). */
  count: z.number().int().nonnegative(),
  sum: z.number(),
  min: z.number(),
  max: z.number(),
  samples: z.array(z.number()).max(RESERVOIR_SIZE),
});
export type MetricEvidence = z.infer<typeof metricSchema>;

export const siteSchema = z.object({
  /** The finding's fingerprint from the scan the preload was given: the join key for compare. */
  fingerprint: z.string().min(1),
  ruleId: z.string(),
  family: z.enum(EVIDENCE_FAMILIES as [EvidenceFamily, ...EvidenceFamily[]]),
  /** The finding's file relative to the scan root, with `/` separators, and its 1-based line. */
  file: z.string(),
  line: z.number().int().positive(),
  /**
   * `instrumented`: the site's code loaded and the preload is watching it; `not-loaded`: its file never
   * loaded in this process; `not-found`: the file loaded but the finding's line did not hold the code the
   * finding names (the file changed since the scan); `unsupported`: the preload has no way to watch this
   * variant, `reason` says why.
   */
  state: z.enum(['instrumented', 'not-loaded', 'not-found', 'unsupported']),
  reason: z.string().optional(),
  /** How many times the site's code executed while watched. */
  hits: z.number().int().nonnegative(),
  metrics: z.record(z.string(), metricSchema),
});
export type SiteEvidence = z.infer<typeof siteSchema>;

export const evidenceSchema = z.object({
  format: z.literal(EVIDENCE_FORMAT),
  tool: z.object({ name: z.string(), version: z.string() }),
  run: z.object({
    /** A name the user gave (`BOTTLENECK_EVIDENCE_LABEL`), e.g. "before" or a commit. */
    label: z.string().optional(),
    pid: z.number().int(),
    node: z.string(),
    /** The entry script, as the process was started. */
    entry: z.string(),
    startedAt: z.string(),
    endedAt: z.string(),
    wallMs: z.number().nonnegative(),
    /** What made the file be written: process exit, a signal, or an explicit flush. */
    endedBy: z.enum(['exit', 'signal', 'flush']),
  }),
  /** Inbound HTTP requests the process served while watched (node:http server diagnostics channel). */
  requests: z.object({ served: z.number().int().nonnegative() }),
  sites: z.array(siteSchema),
  /** Things the reader must know, in words: sites the preload could not watch, hooks that failed. */
  warnings: z.array(z.string()),
});
export type EvidenceFile = z.infer<typeof evidenceSchema>;

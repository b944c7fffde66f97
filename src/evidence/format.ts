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

export const EVIDENCE_FORMAT = 'bottleneck-evidence/1';

/**
 * A distribution of one metric at one site. `samples` is a uniform reservoir of at most `RESERVOIR_SIZE`
 * values (all of them when fewer), so compare can bootstrap an interval; the aggregates cover every value.
 */
export const RESERVOIR_SIZE = 1000;

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

/**
 * The metrics each family records, by name. A site records only the ones it observed; compare picks the
 * first name of its family's list that both files have as the primary figure.
 *
 * - sequential-await: `span.ms` wall time of one execution of the awaited sequence (first await started to
 *   last settled); `overlap` the most of the site's awaits in flight at once in that execution (1: serial).
 * - missing-keep-alive: `sockets.per-request` outbound sockets opened per outbound request made from the
 *   site; `tls.handshakes` full handshakes per outbound request; `connect.ms` time to connect.
 * - undersized-pool: `acquire.ms` wait for a connection from the pool; `pool.waiting` requests queued
 *   for a connection when one asked.
 * - uncleared-timer: `timers.live` timers created at the site and still pending, sampled per request
 *   served; `timers.retained-bytes` heap retained by them (estimate from heap growth per live timer).
 * - fake-compression: `bytes.ratio` output bytes over input bytes per call; `bytes.out` output bytes.
 */
export const FAMILY_METRICS = {
  'sequential-await': ['span.ms', 'overlap'],
  'missing-keep-alive': ['sockets.per-request', 'tls.handshakes', 'connect.ms'],
  'undersized-pool': ['acquire.ms', 'pool.waiting'],
  'uncleared-timer': ['timers.live', 'timers.retained-bytes'],
  'fake-compression': ['bytes.ratio', 'bytes.out'],
} as const;
export type EvidenceFamily = keyof typeof FAMILY_METRICS;
export const EVIDENCE_FAMILIES = Object.keys(FAMILY_METRICS) as EvidenceFamily[];

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

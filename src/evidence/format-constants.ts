/**
 * The evidence file's names and limits (its format id, the reservoir size, each family's metrics), apart
 * from its schema (format.ts) so the preload, which writes the file in the user's process, does not load
 * the schema library there: only `compare` validates a file.
 */
export const EVIDENCE_FORMAT = 'bottleneck-evidence/1';

/**
 * A distribution of one metric at one site. `samples` is a uniform reservoir of at most `RESERVOIR_SIZE`
 * values (all of them when fewer), so compare can bootstrap an interval; the aggregates cover every value.
 */
export const RESERVOIR_SIZE = 1000;

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

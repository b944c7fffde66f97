import type { PhaseTimings } from '../scanner/engine.js';

/** `--timing`: where a scan's wall time went, so a slow run can explain itself. */
export function formatTimings(timings: PhaseTimings, totalMs: number): string {
  const rows: Array<[string, number]> = [
    ['discover', timings.discover],
    ['read', timings.read],
    ['cache lookup', timings.cache],
    ['prefilter', timings.prefilter],
    ['parse', timings.parse],
    ['model (summaries and linking)', timings.model],
    ['rules', timings.rules],
  ];
  const accounted = rows.reduce((sum, [, ms]) => sum + ms, 0);
  rows.push(['other (report, config, startup inside scan)', Math.max(0, totalMs - accounted)]);
  const lines = rows.map(([name, ms]) => `  ${name.padEnd(44)} ${ms.toFixed(1).padStart(9)} ms  ${totalMs > 0 ? ((100 * ms) / totalMs).toFixed(1).padStart(5) : '  0.0'}%`);
  return `Timing (scan ${totalMs} ms; ${timings.filesRead} files read, ${timings.filesParsed} parsed, ${timings.cacheHits} from cache):\n${lines.join('\n')}\n`;
}

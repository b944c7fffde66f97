import { compareFindings, emptySeverityCounts, type ScanResult } from './findings.js';

/**
 * Combines the results of shards of one scan (`--shard i/n`) into the result an unsharded scan gives:
 * shards hold disjoint files, so lists concatenate and counts add; wall time is the slowest shard's.
 */
export function mergeResults(parts: ScanResult[]): ScanResult {
  const findings = parts.flatMap((part) => part.findings).sort(compareFindings);
  const bySeverity = emptySeverityCounts();
  for (const finding of findings) bySeverity[finding.severity] += 1;
  const byFile = <T extends { file: string }>(a: T, b: T) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);
  const merged: ScanResult = {
    findings,
    errors: parts.flatMap((part) => part.errors).sort((a, b) => byFile(a, b) || (a.line ?? 0) - (b.line ?? 0)),
    skipped: parts.flatMap((part) => part.skipped).sort(byFile),
    summary: {
      files: parts.reduce((sum, part) => sum + part.summary.files, 0),
      lines: parts.reduce((sum, part) => sum + part.summary.lines, 0),
      durationMs: Math.max(0, ...parts.map((part) => part.summary.durationMs)),
      bySeverity,
    },
  };
  if (parts.some((part) => part.suppressed)) {
    merged.suppressed = parts.flatMap((part) => part.suppressed ?? []).sort((a, b) => compareFindings(a.finding, b.finding));
  }
  if (parts.some((part) => part.warnings)) {
    merged.warnings = parts.flatMap((part) => part.warnings ?? []).sort((a, b) => byFile(a, b) || (a.line ?? 0) - (b.line ?? 0));
  }
  const baselines = parts.flatMap((part) => (part.baseline ? [part.baseline] : []));
  const first = baselines[0];
  if (first) {
    merged.baseline = {
      source: first.source,
      newCount: baselines.reduce((sum, b) => sum + b.newCount, 0),
      present: baselines.flatMap((b) => b.present).sort(compareFindings),
      fixed: baselines.flatMap((b) => b.fixed),
    };
  }
  return merged;
}

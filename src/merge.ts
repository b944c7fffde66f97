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

/** One report given to `merge`: its name on the command line, the tool version that wrote it, its result. */
export interface MergePart {
  source: string;
  toolVersion: string;
  result: ScanResult;
}

/** Every file a report speaks for (findings, suppressed findings, errors, skipped files). */
function filesOf(result: ScanResult): Set<string> {
  return new Set([
    ...result.findings.map((f) => f.file),
    ...(result.suppressed ?? []).map((s) => s.finding.file),
    ...result.errors.map((e) => e.file),
    ...result.skipped.map((s) => s.file),
  ]);
}

/**
 * What stands between these reports and one scan's result. `refusals` make `merge` exit 2 without output:
 * mixed tool versions (different rules), sharded beside unsharded reports, shard counts that differ, a shard
 * given twice or missing, a file reported by two reports (overlapping or duplicated input). `warnings` are
 * printed and the merge goes on: reports without shard information cannot be checked for completeness.
 */
export function checkMergeParts(parts: MergePart[]): { refusals: string[]; warnings: string[] } {
  const refusals: string[] = [];
  const warnings: string[] = [];
  const versions = [...new Set(parts.map((p) => p.toolVersion))];
  if (versions.length > 1) refusals.push(`the reports come from different tool versions (${parts.map((p) => `${p.source}: ${p.toolVersion}`).join(', ')}); re-run every shard with one version`);
  const sharded = parts.filter((p) => p.result.shard);
  if (sharded.length > 0 && sharded.length < parts.length) {
    refusals.push(`${parts.filter((p) => !p.result.shard).map((p) => p.source).join(', ')} ${sharded.length === parts.length - 1 ? 'is' : 'are'} not a shard (no --shard), beside sharded reports`);
  } else if (sharded.length === 0 && parts.length > 1) {
    warnings.push('the reports carry no shard information (scan --shard i/n), so nothing shows whether they cover the project once: merged as given');
  }
  const counts = [...new Set(sharded.map((p) => p.result.shard?.count))];
  if (counts.length > 1) refusals.push(`the shard counts differ (${sharded.map((p) => `${p.source}: ${p.result.shard?.index}/${p.result.shard?.count}`).join(', ')})`);
  else if (counts.length === 1 && counts[0] !== undefined) {
    const count = counts[0];
    const byIndex = new Map<number, string[]>();
    for (const part of sharded) {
      const index = part.result.shard?.index ?? 0;
      byIndex.set(index, [...(byIndex.get(index) ?? []), part.source]);
    }
    for (const [index, sources] of byIndex) if (sources.length > 1) refusals.push(`shard ${index}/${count} is given ${sources.length} times (${sources.join(', ')})`);
    const missing = Array.from({ length: count }, (_, i) => i + 1).filter((index) => !byIndex.has(index));
    if (missing.length > 0) refusals.push(`shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing: the merged report would lack ${missing.length > 1 ? 'their' : 'its'} findings`);
  }
  const owner = new Map<string, number>();
  const overlaps = new Map<string, string>();
  parts.forEach((part, index) => {
    for (const file of filesOf(part.result)) {
      const first = owner.get(file);
      if (first === undefined) owner.set(file, index);
      else if (first !== index && !overlaps.has(`${first}\0${index}`)) overlaps.set(`${first}\0${index}`, `${file} is in both ${parts[first]?.source} and ${part.source}`);
    }
  });
  if (overlaps.size > 0) refusals.push(`the reports overlap: ${[...overlaps.values()].slice(0, 3).join('; ')}${overlaps.size > 3 ? ` (and ${overlaps.size - 3} more pairs)` : ''}`);
  return { refusals, warnings };
}

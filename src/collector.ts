import { createHash } from 'node:crypto';
import {
  compareFindings,
  emptySeverityCounts,
  type BaselineComparison,
  type BaselineEntry,
  type Finding,
  type ScanError,
  type ScanResult,
  type ScanWarning,
  type SkippedFile,
  type SuppressedFinding,
  type Suppression,
} from './findings.js';

export interface CollectorOptions {
  /** Rule family ids that ran: an unused directive is reported only for rules that had a chance to report. */
  enabledRuleIds?: string[];
  /** Every rule id the tool knows, to flag a directive naming a rule that does not exist. */
  knownRuleIds?: string[];
  /** Findings recorded earlier: matching ones are counted as present, not reported. */
  baseline?: { source: string; entries: BaselineEntry[] };
}

/** `sequential-await/loop` -> `sequential-await`. */
function familyOf(ruleId: string): string {
  return ruleId.split('/')[0] ?? ruleId;
}

/** A directive covers a finding when it names the finding's rule, its family, or no rule at all. */
function coversRule(suppression: Suppression, ruleId: string): boolean {
  if (suppression.ruleIds.length === 0) return true;
  return suppression.ruleIds.some((id) => id === ruleId || id === familyOf(ruleId));
}

/** A finding before it has a fingerprint: the collector owns identity. */
export type RawFinding = Omit<Finding, 'fingerprint'> & { fingerprintText: string };

/**
 * The only place findings, errors and skipped files are added and counted (after knip's IssueCollector).
 */
export class FindingsCollector {
  private readonly findings: Finding[] = [];
  private readonly errors: ScanError[] = [];
  private readonly skipped: SkippedFile[] = [];
  private readonly suppressions: Suppression[] = [];
  private readonly scannedFiles = new Set<string>();
  private files = 0;
  private lines = 0;

  constructor(private readonly options: CollectorOptions = {}) {}

  /** Adds one file's findings. Fingerprints hash rule, file and the normalized code, never line numbers. */
  addFileFindings(raw: RawFinding[]): void {
    const seen = new Map<string, number>();
    for (const { fingerprintText, ...finding } of [...raw].sort((a, b) => a.line - b.line || a.column - b.column)) {
      const key = `${finding.ruleId}\0${finding.file}\0${fingerprintText.replace(/\s+/g, ' ').trim()}`;
      const occurrence = seen.get(key) ?? 0;
      seen.set(key, occurrence + 1);
      const fingerprint = createHash('sha256').update(`${key}\0${occurrence}`).digest('hex').slice(0, 16);
      this.findings.push({ ...finding, fingerprint });
    }
  }

  addError(error: ScanError): void {
    this.errors.push(error);
  }

  addSkipped(file: SkippedFile): void {
    this.skipped.push(file);
  }

  /** `file` is optional so older callers keep working; a baseline only counts scanned files' entries as fixed. */
  countFile(lines: number, file?: string): void {
    this.files += 1;
    this.lines += lines;
    if (file !== undefined) this.scannedFiles.add(file);
  }

  /** Adds one file's inline directives; they are matched against findings in `result()`. */
  addSuppressions(suppressions: Suppression[]): void {
    this.suppressions.push(...suppressions);
  }

  /** Splits findings into reported and suppressed, and reports directives that are wrong or unused. */
  private applySuppressions(findings: Finding[]): { kept: Finding[]; suppressed: SuppressedFinding[]; warnings: ScanWarning[] } {
    const warnings: ScanWarning[] = [];
    const used = new Set<Suppression>();
    const kept: Finding[] = [];
    const suppressed: SuppressedFinding[] = [];
    const byFile = new Map<string, Suppression[]>();
    for (const suppression of this.suppressions) {
      const list = byFile.get(suppression.file) ?? [];
      list.push(suppression);
      byFile.set(suppression.file, list);
    }
    for (const finding of findings) {
      const match = (byFile.get(finding.file) ?? []).find(
        (s) => coversRule(s, finding.ruleId) && (s.kind === 'file' || s.line + 1 === finding.line),
      );
      if (match) {
        used.add(match);
        suppressed.push({ finding, suppression: match });
      } else {
        kept.push(finding);
      }
    }
    const enabled = this.options.enabledRuleIds;
    const known = this.options.knownRuleIds;
    for (const suppression of this.suppressions) {
      const where = { file: suppression.file, line: suppression.line };
      const directive = `bottleneck-disable-${suppression.kind}${suppression.ruleIds.length > 0 ? ` ${suppression.ruleIds.join(', ')}` : ''}`;
      if (!suppression.reason) {
        warnings.push({ kind: 'suppression-without-reason', ...where, message: `${directive} has no reason: add one after " -- "` });
      }
      const unknown = known ? suppression.ruleIds.filter((id) => !known.includes(familyOf(id))) : [];
      if (unknown.length > 0) {
        warnings.push({ kind: 'unknown-rule-in-suppression', ...where, message: `${directive} names unknown rule ${unknown.map((id) => `"${id}"`).join(', ')}` });
        continue;
      }
      // A directive for a rule that did not run this time (e.g. `--rule other`) proves nothing either way.
      const ran =
        enabled === undefined ||
        (suppression.ruleIds.length === 0 ? enabled.length > 0 : suppression.ruleIds.some((id) => enabled.includes(familyOf(id))));
      if (ran && !used.has(suppression)) {
        warnings.push({ kind: 'unused-suppression', ...where, message: `${directive} suppresses nothing: remove it` });
      }
    }
    warnings.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0)));
    return { kept, suppressed, warnings };
  }

  /** Reports only findings the baseline does not know; never matches on line numbers (fingerprints ignore them). */
  private applyBaseline(findings: Finding[], suppressed: SuppressedFinding[]): { reported: Finding[]; baseline?: BaselineComparison } {
    const recorded = this.options.baseline;
    if (!recorded) return { reported: findings };
    const known = new Set(recorded.entries.map((entry) => entry.fingerprint));
    const reported: Finding[] = [];
    const present: Finding[] = [];
    for (const finding of findings) (known.has(finding.fingerprint) ? present : reported).push(finding);
    // A baselined finding that is now suppressed inline is not fixed: it is still in the code.
    const current = new Set([...findings, ...suppressed.map((s) => s.finding)].map((f) => f.fingerprint));
    const fixed = recorded.entries.filter((entry) => this.scannedFiles.has(entry.file) && !current.has(entry.fingerprint));
    return { reported, baseline: { source: recorded.source, newCount: reported.length, present, fixed } };
  }

  result(durationMs: number): ScanResult {
    const { kept, suppressed, warnings } = this.applySuppressions([...this.findings].sort(compareFindings));
    const { reported: findings, baseline } = this.applyBaseline(kept, suppressed);
    const bySeverity = emptySeverityCounts();
    for (const finding of findings) bySeverity[finding.severity] += 1;
    return {
      findings,
      suppressed,
      warnings,
      ...(baseline ? { baseline } : {}),
      errors: [...this.errors].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0))),
      skipped: [...this.skipped].sort((a, b) => (a.file < b.file ? -1 : 1)),
      summary: { files: this.files, lines: this.lines, durationMs: Math.round(durationMs), bySeverity },
    };
  }
}

import { createHash } from 'node:crypto';
import {
  compareFindings,
  emptySeverityCounts,
  type Finding,
  type ScanError,
  type ScanResult,
  type SkippedFile,
} from './findings.js';

/** A finding before it has a fingerprint: the collector owns identity. */
export type RawFinding = Omit<Finding, 'fingerprint'> & { fingerprintText: string };

/**
 * The only place findings, errors and skipped files are added and counted (after knip's IssueCollector).
 */
export class FindingsCollector {
  private readonly findings: Finding[] = [];
  private readonly errors: ScanError[] = [];
  private readonly skipped: SkippedFile[] = [];
  private files = 0;
  private lines = 0;

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

  countFile(lines: number): void {
    this.files += 1;
    this.lines += lines;
  }

  result(durationMs: number): ScanResult {
    const findings = [...this.findings].sort(compareFindings);
    const bySeverity = emptySeverityCounts();
    for (const finding of findings) bySeverity[finding.severity] += 1;
    return {
      findings,
      errors: [...this.errors].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0))),
      skipped: [...this.skipped].sort((a, b) => (a.file < b.file ? -1 : 1)),
      summary: { files: this.files, lines: this.lines, durationMs: Math.round(durationMs), bySeverity },
    };
  }
}

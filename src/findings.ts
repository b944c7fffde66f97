/** The one plain shape every reporter reads. Nothing here refers to the parser. */
import type { Verification } from './probe/types.js';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const CONFIDENCES = ['high', 'medium', 'low'] as const;
export type Confidence = (typeof CONFIDENCES)[number];

export const CATEGORIES = ['Database', 'Caching', 'Network/API', 'Memory', 'Async/Concurrency'] as const;
export type Category = (typeof CATEGORIES)[number];

export const EFFORTS = ['trivial', 'small', 'medium', 'large'] as const;
export type Effort = (typeof EFFORTS)[number];

export interface Fix {
  description: string;
  /** Replacement code for the reported range (or a snippet to insert), never a generic tip. */
  replacement: string;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  confidence: Confidence;
  /** Relative to the working directory, `/` separators. */
  file: string;
  /** 1-based. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
  evidence: string[];
  impact: string;
  fix: Fix;
  effort: Effort;
  category: Category;
  fingerprint: string;
  /** Values a runtime probe needs (timeouts, pool sizes, number of awaits...). Plain JSON. */
  params?: Record<string, string | number | boolean | null | Array<string | number>>;
  /** The source lines of the reported range, for reports. */
  snippet?: string;
  /** Set by `bottleneck probe`: the finding measured under load, before and after the fix. */
  verification?: Verification;
}

export interface ScanError {
  file: string;
  message: string;
  ruleId?: string;
  line?: number;
}

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface ScanSummary {
  files: number;
  lines: number;
  durationMs: number;
  bySeverity: Record<Severity, number>;
}

export interface ScanResult {
  findings: Finding[];
  errors: ScanError[];
  skipped: SkippedFile[];
  summary: ScanSummary;
}

/** Lower is more severe: critical = 0. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function isAtOrAbove(severity: Severity, threshold: Severity): boolean {
  return severityRank(severity) <= severityRank(threshold);
}

export function emptySeverityCounts(): Record<Severity, number> {
  return { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
}

/** Move a severity up (negative) or down (positive) the scale, clamped. */
export function shiftSeverity(severity: Severity, steps: number): Severity {
  const index = Math.min(SEVERITIES.length - 1, Math.max(0, severityRank(severity) + steps));
  return SEVERITIES[index] as Severity;
}

export function compareFindings(a: Finding, b: Finding): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.line !== b.line) return a.line - b.line;
  if (a.column !== b.column) return a.column - b.column;
  return a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0;
}

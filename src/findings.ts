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

/** One exact change to a file: replace `[start, end)` of its scanned text with `text` (an insertion when empty). */
export interface FixEdit {
  /** Relative to the working directory, `/` separators (today always the finding's own file). */
  file: string;
  /** 0-based UTF-16 offsets into the file's text as scanned. */
  start: number;
  end: number;
  /** 1-based, the same range as line and column (for SARIF and editors). */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  text: string;
}

export interface Fix {
  description: string;
  /** Readable code for reports: the rewritten code, or a snippet to put in place. Never a generic tip. */
  replacement: string;
  /**
   * The exact edits that carry the fix out, over the original file(s), none overlapping: applied as given
   * they give a file that parses. Absent when the fix cannot be written as edits (a suggestion to read).
   */
  edits?: FixEdit[];
  /**
   * Safe to apply without review (`scan --fix`, with high confidence only): the edits keep the code's
   * behaviour apart from the cost the finding names. The rest are suggestions (`--fix-dry-run`, SARIF).
   */
  mechanical?: boolean;
}

/** A route declared in the scanned code whose handler's calls reach a finding (see `reach`). */
export interface FindingRoute {
  /** Upper case (GET, POST, ...), ALL for `router.all`. */
  method: string;
  /** With the prefixes of the mounts found in the code (`app.use('/api', router)`, `setGlobalPrefix`); not one computed at run time. */
  path: string;
  /** Where the route is declared. */
  file: string;
  line: number;
  /** express, koa-router, fastify, hono, nest, routing-controllers, tegg, tsoa, or `router` when the file does not say. */
  framework: string;
  /** The handler the route starts (its key in its file: `getOrder`, `OrdersController.show`). */
  handler: string;
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
  /** What reaches the finding's code: the declared routes whose handlers call into it, across files (absent when none is known). */
  reach?: { routes: FindingRoute[] };
  /** Set by `bottleneck probe`: the finding measured under load, before and after the fix. */
  verification?: Verification;
}

export interface ScanError {
  file: string;
  message: string;
  ruleId?: string;
  line?: number;
  /** `unreadable`: a file or directory could not be read, so the scan is incomplete (exit code 2). */
  kind?: 'unreadable';
}

/** Whether some path could not be read: the result may lack findings, so no gate may pass on it. */
export function isIncomplete(result: Pick<ScanResult, 'errors'>): boolean {
  return result.errors.some((error) => error.kind === 'unreadable');
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
  /** Findings silenced by inline directives (not in `findings`, not in `summary.bySeverity`). */
  suppressed?: SuppressedFinding[];
  warnings?: ScanWarning[];
  /** Set when the scan ran against a baseline: `findings` then holds only the new findings. */
  baseline?: BaselineComparison;
  /** Set by `scan --shard i/n`, so `merge` can check it has every shard of one scan exactly once. */
  shard?: { index: number; count: number };
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

/** How an inline directive scopes itself: the line after the comment, or the whole file. */
export type SuppressionKind = 'next-line' | 'file';

/** One `bottleneck-disable-*` comment, as plain data. */
export interface Suppression {
  kind: SuppressionKind;
  file: string;
  /** 1-based line of the comment. */
  line: number;
  /** Rule ids (a family id also covers its `<id>/<variant>`s); empty means every rule. */
  ruleIds: string[];
  /** The text after ` -- `; undefined when the author gave none (a warning). */
  reason?: string;
}

/** A finding an inline directive silenced: kept and counted, never dropped (ESLint's suppressedMessages). */
export interface SuppressedFinding {
  finding: Finding;
  suppression: Suppression;
}

export type ScanWarningKind = 'suppression-without-reason' | 'unused-suppression' | 'unknown-rule-in-suppression';

/** Something the user should fix in how they use the tool; does not change the exit code. */
export interface ScanWarning {
  kind: ScanWarningKind;
  file: string;
  line?: number;
  message: string;
}

/** One recorded finding in a baseline file; `fingerprint` is the identity, the rest is for humans. */
export interface BaselineEntry {
  fingerprint: string;
  ruleId: string;
  file: string;
  line: number;
  severity: Severity;
  message: string;
}

/** How the current findings compare with a baseline: only `new` ones are reported and gated on. */
export interface BaselineComparison {
  /** The baseline file as given on the command line. */
  source: string;
  newCount: number;
  /** Findings already in the baseline, still present (not reported). */
  present: Finding[];
  /** Baseline entries whose file was scanned and whose finding is gone. */
  fixed: BaselineEntry[];
}

import { SEVERITIES, type Effort, type Finding, type Severity } from '../findings.js';

/**
 * The audit grade and effort arithmetic, in one place so the README, the report footer and the code
 * cannot drift apart (the footer prints these constants).
 *
 * Grade: each finding weighs by severity (critical 10, high 5, medium 2, low 1, info 0). The weights are
 * summed and divided by the thousands of lines scanned, with a floor of 1,000 lines so a single finding
 * in a tiny project is not an automatic F. Density <= 1 is A, <= 3 B, <= 6 C, <= 10 D, above F. A
 * critical finding caps the grade at C and a high one at B: one request-path bottleneck matters however
 * large the codebase around it.
 */

export const SEVERITY_WEIGHTS: Record<Severity, number> = { critical: 10, high: 5, medium: 2, low: 1, info: 0 };

export const GRADE_SCALE = [
  { letter: 'A', maxDensity: 1, verdict: 'healthy: nothing here should hurt under load' },
  { letter: 'B', maxDensity: 3, verdict: 'minor issues: fix them when you touch the code' },
  { letter: 'C', maxDensity: 6, verdict: 'needs attention: plan the fixes this cycle' },
  { letter: 'D', maxDensity: 10, verdict: 'serious: expect latency or capacity problems under load' },
  { letter: 'F', maxDensity: Infinity, verdict: 'critical: fix before the next traffic peak' },
] as const;

export type GradeLetter = (typeof GRADE_SCALE)[number]['letter'];

/** The best grade a project with a finding of this severity can get. */
export const GRADE_CAPS: Partial<Record<Severity, GradeLetter>> = { critical: 'C', high: 'B' };

export const LINES_FLOOR = 1000;

/** Hours per effort level, used for every total in the report. */
export const EFFORT_HOURS: Record<Effort, number> = { trivial: 0.25, small: 1, medium: 4, large: 16 };

export interface Grade {
  letter: GradeLetter;
  verdict: string;
  /** Sum of severity weights. */
  points: number;
  /** Points per 1,000 lines (with the floor). */
  density: number;
  /** Set when a severity cap lowered the grade, e.g. "capped at C by a critical finding". */
  cappedBy?: Severity;
}

export function gradeFindings(findings: Finding[], lines: number): Grade {
  const points = findings.reduce((sum, f) => sum + SEVERITY_WEIGHTS[f.severity], 0);
  const density = (points * 1000) / Math.max(lines, LINES_FLOOR);
  let index = GRADE_SCALE.findIndex((step) => density <= step.maxDensity);
  let cappedBy: Severity | undefined;
  for (const severity of SEVERITIES) {
    const cap = GRADE_CAPS[severity];
    if (!cap || !findings.some((f) => f.severity === severity)) continue;
    const capIndex = GRADE_SCALE.findIndex((step) => step.letter === cap);
    if (capIndex > index) {
      index = capIndex;
      cappedBy = severity;
    }
    break;
  }
  const step = GRADE_SCALE[index] ?? GRADE_SCALE[4];
  return { letter: step.letter, verdict: step.verdict, points, density: Math.round(density * 100) / 100, ...(cappedBy ? { cappedBy } : {}) };
}

export function effortHours(findings: Finding[]): number {
  return findings.reduce((sum, f) => sum + EFFORT_HOURS[f.effort], 0);
}

/** `0.25` -> `15 min`, `1` -> `1 h`, `12.5` -> `12.5 h, about 2 days`. Days are 6 focused hours. */
export function formatHours(hours: number): string {
  if (hours < 1) return `${Math.round(hours * 60)} min`;
  const rounded = Math.round(hours * 4) / 4;
  const text = `${rounded.toLocaleString('en-US')} h`;
  return rounded >= 12 ? `${text}, about ${Math.round(rounded / 6)} days` : text;
}

import { shiftSeverity, type Confidence, type Severity } from '../findings.js';
import type { Role } from './types.js';

/**
 * One severity model for every family (README, "How severity is decided"). A finding's cost is the rule's
 * judgement of one execution; how often it runs comes from the model's role of the code; how sure the model
 * is that the code does I/O, and how sure the rule is of its match, decide whether the top grade is possible.
 *
 * | cost \ runs | per request | write/admin endpoint, background | unknown | once (start-up, scripts, tests) |
 * |-------------|-------------|----------------------------------|---------|----------------------------------|
 * | heavy       | critical    | high                             | high    | not reported                     |
 * | moderate    | high        | medium                           | medium  | not reported                     |
 * | light       | medium      | low                              | low     | not reported                     |
 *
 * Evidence that is only assumed (a call the model cannot follow, taken as I/O by its name) lowers the grade
 * one step and never allows `critical`. Code inside a loop of its own caller raises it one step, up to high.
 * A rule's own adjustments (front-end code, `.unref()`, a weak name claim) each lower it one step, with their
 * reason; what bounds the cost caps it (`cap`: front-end code at low, a loop whose N the model cannot show to be
 * data-sized at high, see collection-size.ts). `critical` needs high confidence: proven I/O, a per-request role and a match the rule is sure of.
 * With `includeOnce`, code that runs once is reported at `low`; a cost the single run itself pays (a CLI that
 * can never exit) is reported without it, graded like background code.
 */

export type Cost = 'heavy' | 'moderate' | 'light';

const TABLE: Record<Cost, Record<Exclude<Role, 'once'>, Severity>> = {
  heavy: { request: 'critical', occasional: 'high', background: 'high', unknown: 'high' },
  moderate: { request: 'high', occasional: 'medium', background: 'medium', unknown: 'medium' },
  light: { request: 'medium', occasional: 'low', background: 'low', unknown: 'low' },
};

const RUNS: Record<Role, string> = {
  request: 'runs per request',
  occasional: 'runs per request of a write, admin or debug endpoint (graded one step below read traffic)',
  background: 'runs in the background (one step below per request)',
  unknown: 'no caller found in the project, so how often it runs is unknown (graded below per request)',
  once: 'runs once',
};

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

const CONFIDENCE_RANK: Record<Confidence, number> = { high: 2, medium: 1, low: 0 };

export interface Grade {
  /** Undefined: the code runs once and is not reported. */
  severity: Severity | undefined;
  confidence: Confidence;
  reasons: string[];
}

export interface GradeInput {
  cost: Cost;
  costReason: string;
  role: Role;
  evidence: 'proven' | 'assumed';
  inLoop?: boolean;
  includeOnce?: boolean;
  /** How sure the rule is of its match (an object recognised by shape only, a weak name claim): caps the confidence. */
  match?: Confidence;
  /** Each lowers the grade one step, with its reason (front-end code, `.unref()`, a configurable value). */
  lower?: string[];
  /** Code that runs once but whose single run pays the cost (a CLI kept alive forever): graded like background. */
  onceCost?: string;
  /** The highest grade the code's setting allows (front-end code: one user's session), with its reason. */
  cap?: { severity: Severity; reason: string };
}

export function grade(input: GradeInput): Grade {
  const reasons = [`cost of one execution: ${input.cost} (${input.costReason})`];
  let role = input.role;
  if (role === 'once') {
    if (input.onceCost) {
      role = 'background';
      reasons.push(`runs once, but that run pays the cost (${input.onceCost}): graded like background code`);
    } else if (!input.includeOnce) {
      return { severity: undefined, confidence: 'high', reasons: [...reasons, 'runs once: not reported'] };
    } else {
      return { severity: 'low', confidence: 'medium', reasons: [...reasons, 'runs once (reported because includeOnce is set): low'] };
    }
  }
  let severity = TABLE[input.cost][role];
  if (role === input.role) reasons.push(`${RUNS[role]}: ${severity}`);
  if (input.evidence === 'assumed') {
    severity = shiftSeverity(severity, 1);
    reasons.push(`the I/O is assumed from names, not proven by the model: lowered to ${severity}`);
  }
  for (const reason of input.lower ?? []) {
    severity = shiftSeverity(severity, 1);
    reasons.push(`${reason}: lowered to ${severity}`);
  }
  const modelConfidence: Confidence = input.evidence === 'assumed' ? 'low' : role === 'unknown' ? 'medium' : 'high';
  const match = input.match ?? 'high';
  const confidence: Confidence = CONFIDENCE_RANK[match] < CONFIDENCE_RANK[modelConfidence] ? match : modelConfidence;
  if (input.inLoop) {
    const raised = shiftSeverity(severity, -1);
    const capped = raised === 'critical' && !(role === 'request' && input.evidence === 'proven') ? 'high' : raised;
    if (capped !== severity) reasons.push(`repeated for every item of an enclosing loop: raised to ${capped}`);
    severity = capped;
  }
  if (input.cap && SEVERITY_RANK[severity] < SEVERITY_RANK[input.cap.severity]) {
    severity = input.cap.severity;
    reasons.push(`${input.cap.reason}: at most ${severity}`);
  }
  // The default CI gate fails on critical: only a per-request cost the model and the rule are both sure of.
  if (severity === 'critical' && confidence !== 'high') {
    severity = 'high';
    reasons.push(`confidence ${confidence}: critical needs high confidence, so high`);
  }
  return { severity, confidence, reasons };
}

/** The most frequent of several roles (per request first, once last). */
export const ROLE_RANK: Record<Role, number> = { request: 0, occasional: 1, background: 2, unknown: 3, once: 4 };

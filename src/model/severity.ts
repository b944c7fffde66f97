import { shiftSeverity, type Confidence, type Severity } from '../findings.js';
import type { Role } from './types.js';

/**
 * One severity model for every family (README, "How severity is decided"). A finding's cost is the rule's
 * judgement of one execution; how often it runs comes from the model's role of the code; how sure the model
 * is that the code does I/O decides whether the top grade is possible at all.
 *
 * | cost \ runs | per request | write/admin endpoint, background | unknown | once (start-up, scripts, tests) |
 * |-------------|-------------|----------------------------------|---------|----------------------------------|
 * | heavy       | critical    | high                             | high    | not reported                     |
 * | moderate    | high        | medium                           | medium  | not reported                     |
 * | light       | medium      | low                              | low     | not reported                     |
 *
 * Evidence that is only assumed (a call the model cannot follow, taken as I/O by its name) lowers the grade
 * one step and never allows `critical`. Code inside a loop of its own caller raises it one step, up to high.
 * With `includeOnce`, code that runs once is reported at `low`.
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

export interface Grade {
  /** Undefined: the code runs once and is not reported. */
  severity: Severity | undefined;
  confidence: Confidence;
  reasons: string[];
}

export function grade(input: { cost: Cost; costReason: string; role: Role; evidence: 'proven' | 'assumed'; inLoop?: boolean; includeOnce?: boolean }): Grade {
  const reasons = [`cost of one execution: ${input.cost} (${input.costReason})`];
  if (input.role === 'once') {
    if (!input.includeOnce) return { severity: undefined, confidence: 'high', reasons: [...reasons, 'runs once: not reported'] };
    return { severity: 'low', confidence: 'medium', reasons: [...reasons, 'runs once (reported because includeOnce is set): low'] };
  }
  let severity = TABLE[input.cost][input.role];
  reasons.push(`${RUNS[input.role]}: ${severity}`);
  if (input.evidence === 'assumed') {
    severity = shiftSeverity(severity, 1);
    reasons.push(`the I/O is assumed from names, not proven by the model: lowered to ${severity}`);
  }
  if (input.inLoop) {
    const raised = shiftSeverity(severity, -1);
    const capped = raised === 'critical' && !(input.role === 'request' && input.evidence === 'proven') ? 'high' : raised;
    if (capped !== severity) reasons.push(`repeated for every item of an enclosing loop: raised to ${capped}`);
    severity = capped;
  }
  const confidence: Confidence = input.evidence === 'assumed' ? 'low' : input.role === 'unknown' ? 'medium' : 'high';
  return { severity, confidence, reasons };
}

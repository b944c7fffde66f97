/**
 * Which fixes `scan --fix` applies to one file in one pass, and why the others are not (ESLint's model:
 * fixable vs suggestions, overlapping fixes in later passes). Pure: texts and findings in, text out.
 *
 * A fix is a candidate when its variant is mechanical, its finding has high confidence and every edit is
 * in this file. It is refused when, applied alone to the file, the result does not parse, declares a name
 * twice, adds a type error (compiled in isolation, see verify.ts) or rewrites the code another finding
 * that will not be fixed points at (its anchor). Two candidates whose edits touch are not applied in the
 * same pass: the later one waits for the next pass, re-found on the fixed file.
 */
import type { Finding } from '../findings.js';
import { applyEdits, editsOverlap } from './edits.js';
import { duplicateDeclarations, parseErrors, type IsolatedTypeChecker } from './verify.js';

export interface Refusal {
  finding: Finding;
  reason: string;
}

export interface FilePass {
  text: string;
  applied: Finding[];
  refused: Refusal[];
  /** Candidates that touch an applied fix: tried again on the next pass. */
  deferred: Finding[];
}

/** Whether `scan --fix` may apply this finding's fix at all. */
export function isFixable(finding: Finding): boolean {
  return finding.fix.mechanical === true && finding.confidence === 'high' && (finding.fix.edits?.length ?? 0) > 0 && (finding.fix.edits ?? []).every((edit) => edit.file === finding.file);
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/** The offsets of a finding's reported range in `text`. */
function anchorOf(finding: Finding, starts: number[]): { start: number; end: number } {
  const at = (line: number, column: number) => (starts[line - 1] ?? 0) + column - 1;
  return { start: at(finding.line, finding.column), end: at(finding.endLine, finding.endColumn) };
}

function where(finding: Finding): string {
  return `${finding.ruleId} at line ${finding.line}`;
}

/** What is wrong with `after` that was not wrong with `before`, or undefined. */
export function verifyFixed(before: string, after: string, fileName: string, checker: IsolatedTypeChecker, beforeDiagnostics?: string[]): string | undefined {
  const parse = parseErrors(after, fileName);
  if (parse.length > parseErrors(before, fileName).length) return `the fixed file does not parse (line ${parse[0]})`;
  const duplicates = duplicateDeclarations(after, fileName);
  if (duplicates.length > duplicateDeclarations(before, fileName).length) return `the fixed file declares a name twice (line ${duplicates[0]})`;
  const introduced = checker.introduced(before, after, fileName, beforeDiagnostics);
  if (introduced.length > 0) return `the fixed file does not type-check in isolation (${introduced[0]})`;
  return undefined;
}

/** `keptAnchors`: findings that are never fixed here but whose code must stay (suppressed ones). */
export function planFilePass(file: string, text: string, findings: Finding[], checker: IsolatedTypeChecker, refusedBefore: ReadonlySet<string>, keptAnchors: Finding[] = []): FilePass {
  const starts = lineStarts(text);
  const candidates = findings.filter((f) => isFixable(f) && !refusedBefore.has(f.fingerprint)).sort((a, b) => (a.fix.edits?.[0]?.start ?? 0) - (b.fix.edits?.[0]?.start ?? 0));
  const candidateSet = new Set(candidates);
  const refused: Refusal[] = [];
  const deferred: Finding[] = [];
  const accepted: Finding[] = [];
  const beforeDiagnostics = candidates.length > 0 ? checker.diagnostics(text, file) : [];
  for (const finding of candidates) {
    const edits = finding.fix.edits ?? [];
    if (edits.some((edit) => edit.end > text.length)) {
      refused.push({ finding, reason: 'the file changed since it was scanned' });
      continue;
    }
    // Another finding that stays: the fix must not rewrite the code it reports.
    const moved = [...findings, ...keptAnchors].find((other) => other !== finding && !candidateSet.has(other) && editsOverlap(edits, [anchorOf(other, starts)]) && !isInsertionAtEdge(edits, anchorOf(other, starts)));
    if (moved) {
      refused.push({ finding, reason: `it would rewrite the code of another finding (${where(moved)})` });
      continue;
    }
    if (accepted.some((done) => editsOverlap(done.fix.edits ?? [], edits))) {
      deferred.push(finding);
      continue;
    }
    const problem = verifyFixed(text, applyEdits(text, edits), file, checker, beforeDiagnostics);
    if (problem) {
      refused.push({ finding, reason: problem });
      continue;
    }
    accepted.push(finding);
  }
  if (accepted.length === 0) return { text, applied: [], refused, deferred };
  const combined = applyEdits(text, accepted.flatMap((f) => f.fix.edits ?? []));
  // Each fix was checked alone; together they must pass too, or only the first goes in this pass.
  if (accepted.length > 1 && verifyFixed(text, combined, file, checker, beforeDiagnostics)) {
    const [first, ...rest] = accepted as [Finding, ...Finding[]];
    return { text: applyEdits(text, first.fix.edits ?? []), applied: [first], refused, deferred: [...deferred, ...rest] };
  }
  return { text: combined, applied: accepted, refused, deferred };
}

/** An insertion right at the edge of a range (a line added above a statement) does not rewrite it. */
function isInsertionAtEdge(edits: ReadonlyArray<{ start: number; end: number }>, anchor: { start: number; end: number }): boolean {
  return edits.every((edit) => edit.end <= anchor.start || edit.start >= anchor.end || (edit.start === edit.end && (edit.start === anchor.start || edit.start === anchor.end)));
}

/**
 * Semgrep-style fixture annotations: `// ruleid: <id>` on the line above code that must be reported,
 * `// ok: <id>` above a near miss that must not be, `// todoruleid:` / `// todook:` for known gaps.
 * Several annotations may stack; each applies to the next line that is not itself an annotation.
 */
export type AnnotationKind = 'ruleid' | 'ok' | 'todoruleid' | 'todook';

export interface Annotation {
  kind: AnnotationKind;
  ruleId: string;
  /** 1-based line of the annotation comment. */
  annotationLine: number;
  /** 1-based line of the code it applies to. */
  targetLine: number;
}

const ANNOTATION = /^\s*(?:\/\/|\/\*|\*)\s*(ruleid|ok|todoruleid|todook)\s*:\s*([\w\-/]+(?:\s*,\s*[\w\-/]+)*)/;

export function parseAnnotations(text: string): Annotation[] {
  const lines = text.split('\n');
  const annotations: Annotation[] = [];
  let pending: Array<Omit<Annotation, 'targetLine'>> = [];
  lines.forEach((line, index) => {
    const match = ANNOTATION.exec(line);
    if (match) {
      for (const ruleId of (match[2] ?? '').split(',')) {
        pending.push({ kind: match[1] as AnnotationKind, ruleId: ruleId.trim(), annotationLine: index + 1 });
      }
      return;
    }
    if (pending.length > 0) {
      for (const annotation of pending) annotations.push({ ...annotation, targetLine: index + 1 });
      pending = [];
    }
  });
  return annotations;
}

/** A reported rule id matches an annotation for its family (`sequential-await` matches `sequential-await/loop`). */
export function ruleMatches(annotated: string, reported: string): boolean {
  return reported === annotated || reported.startsWith(`${annotated}/`);
}

export interface FixtureProblem {
  file: string;
  line: number;
  problem: string;
}

export function checkFixture(
  file: string,
  text: string,
  findings: Array<{ ruleId: string; line: number }>,
  knownRuleIds: Set<string>,
): FixtureProblem[] {
  const problems: FixtureProblem[] = [];
  const annotations = parseAnnotations(text);
  for (const annotation of annotations) {
    const family = annotation.ruleId.split('/')[0] ?? annotation.ruleId;
    if (!knownRuleIds.has(family)) {
      problems.push({ file, line: annotation.annotationLine, problem: `annotation names unknown rule "${annotation.ruleId}"` });
    }
  }
  const expected = annotations.filter((a) => a.kind === 'ruleid');
  for (const annotation of expected) {
    const hit = findings.some((f) => f.line === annotation.targetLine && ruleMatches(annotation.ruleId, f.ruleId));
    if (!hit) problems.push({ file, line: annotation.targetLine, problem: `expected ${annotation.ruleId} here, got none` });
  }
  for (const finding of findings) {
    const onLine = annotations.filter((a) => a.targetLine === finding.line && ruleMatches(a.ruleId, finding.ruleId));
    if (onLine.some((a) => a.kind === 'ok')) {
      problems.push({ file, line: finding.line, problem: `${finding.ruleId} reported on a line annotated ok` });
    } else if (onLine.length === 0) {
      problems.push({ file, line: finding.line, problem: `unexpected ${finding.ruleId} (no annotation expects it)` });
    }
  }
  return problems;
}

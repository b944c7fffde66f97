/**
 * `scan --fix` and `scan --fix-dry-run`. Dry run: a unified diff of every fix that has exact edits,
 * mechanical or not, each against the file as scanned. Fix: the mechanical fixes of high-confidence
 * findings, verified one by one (fixes/plan.ts), written atomically, then the tree is scanned again; a file
 * whose rescan shows a finding that was not there before is put back as it was and its fixes refused.
 * Up to MAX_PASSES passes, as ESLint does: fixes that touched another fix are tried again on the result.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Finding, ScanResult } from '../findings.js';
import { applyEdits } from '../fixes/edits.js';
import { unifiedDiff } from '../fixes/diff.js';
import { isFixable, planFilePass, type Refusal } from '../fixes/plan.js';
import { optionsKey, ProjectOptions } from '../fixes/project-options.js';
import { IsolatedTypeChecker } from '../fixes/verify.js';
import { writeFileAtomic } from '../safe-fs.js';
import { TOOL_NAME } from '../version.js';
import type { Io } from './io.js';

export const MAX_PASSES = 10;

function label(finding: Finding): string {
  return `${finding.file}:${finding.line}:${finding.column} ${finding.ruleId}`;
}

function readText(io: Io, file: string): string {
  return readFileSync(path.resolve(io.cwd, file), 'utf8');
}

/** Every fix with edits as a unified diff against the file as it is now, one after another. */
export function fixDiffs(result: ScanResult, io: Io): string {
  const parts: string[] = [];
  const texts = new Map<string, string>();
  for (const finding of result.findings) {
    const edits = finding.fix.edits ?? [];
    if (edits.length === 0) continue;
    const files = [...new Set(edits.map((edit) => edit.file))];
    const kind = isFixable(finding) ? 'applied by --fix' : finding.fix.mechanical ? `mechanical, but ${finding.confidence} confidence: a suggestion` : 'a suggestion, not applied by --fix';
    parts.push(`# ${label(finding)} (${kind})\n# ${finding.fix.description.split('\n')[0] ?? ''}\n`);
    for (const file of files) {
      let before = texts.get(file);
      if (before === undefined) {
        before = readText(io, file);
        texts.set(file, before);
      }
      try {
        parts.push(unifiedDiff(file, before, applyEdits(before, edits.filter((edit) => edit.file === file))));
      } catch {
        parts.push(`# ${file} changed since it was scanned: no diff\n`);
      }
    }
  }
  return parts.join('\n');
}

export interface FixRun {
  result: ScanResult;
  applied: Array<{ finding: Finding; pass: number }>;
  refused: Refusal[];
  passes: number;
}

/**
 * Applies the fixable fixes of `first` and rescans with `rescan` until nothing more applies. Returns the
 * last scan (the findings that remain) and what happened to each fix.
 */
export async function applyFixes(first: ScanResult, rescan: () => Promise<ScanResult>, io: Io): Promise<FixRun> {
  // One checker per set of the project's unused-name options: a fix that leaves a name unused only fails
  // a build that turns them on.
  const projectOptions = new ProjectOptions(io.cwd);
  const checkers = new Map<string, IsolatedTypeChecker>();
  const checkerFor = (file: string): IsolatedTypeChecker => {
    const options = projectOptions.for(file);
    const key = optionsKey(options);
    let checker = checkers.get(key);
    if (!checker) checkers.set(key, (checker = new IsolatedTypeChecker({ ...options })));
    return checker;
  };
  const refusedFingerprints = new Set<string>();
  const refused: Refusal[] = [];
  const applied: Array<{ finding: Finding; pass: number }> = [];
  let current = first;
  let passes = 0;
  for (let pass = 1; pass <= MAX_PASSES; pass++) {
    const byFile = new Map<string, Finding[]>();
    for (const finding of current.findings) byFile.set(finding.file, [...(byFile.get(finding.file) ?? []), finding]);
    const written = new Map<string, { before: string; applied: Finding[] }>();
    for (const [file, findings] of byFile) {
      if (!findings.some((f) => isFixable(f) && !refusedFingerprints.has(f.fingerprint))) continue;
      const absolute = path.resolve(io.cwd, file);
      const before = readText(io, file);
      const suppressed = (current.suppressed ?? []).map((entry) => entry.finding).filter((f) => f.file === file);
      const outcome = planFilePass(file, before, findings, checkerFor(file), refusedFingerprints, suppressed);
      for (const refusal of outcome.refused) {
        refusedFingerprints.add(refusal.finding.fingerprint);
        refused.push(refusal);
      }
      if (outcome.applied.length === 0) continue;
      writeFileAtomic(absolute, outcome.text, statSync(absolute).mode & 0o7777);
      written.set(file, { before, applied: outcome.applied });
    }
    if (written.size === 0) break;
    passes = pass;
    let next = await rescan();
    // A fix must not bring a finding that was not there: such a file goes back as it was.
    const known = new Set(current.findings.map((f) => f.fingerprint));
    const reverted = [...written].filter(([file]) => next.findings.some((f) => f.file === file && !known.has(f.fingerprint)));
    for (const [file, { before, applied: undone }] of reverted) {
      const introduced = next.findings.find((f) => f.file === file && !known.has(f.fingerprint));
      const absolute = path.resolve(io.cwd, file);
      writeFileAtomic(absolute, before, statSync(absolute).mode & 0o7777);
      for (const finding of undone) {
        refusedFingerprints.add(finding.fingerprint);
        refused.push({ finding, reason: `the fixed file had a new finding (${introduced ? `${introduced.ruleId} at line ${introduced.line}` : 'unknown'}); the file was put back` });
      }
      written.delete(file);
    }
    if (reverted.length > 0) next = await rescan();
    const remaining = new Set(next.findings.map((f) => f.fingerprint));
    for (const { applied: done } of written.values()) {
      for (const finding of done) {
        applied.push({ finding, pass });
        // Its code was rewritten yet the same finding is still there: never apply it a second time.
        if (remaining.has(finding.fingerprint)) refusedFingerprints.add(finding.fingerprint);
      }
    }
    current = next;
  }
  return { result: current, applied, refused, passes };
}

/** What --fix did, for stderr: one line per fix applied or refused, then the count. */
export function fixSummary(run: FixRun): string {
  const lines: string[] = [];
  for (const { finding, pass } of run.applied) lines.push(`${TOOL_NAME}: fixed ${label(finding)}${run.passes > 1 ? ` (pass ${pass})` : ''}`);
  for (const { finding, reason } of run.refused) lines.push(`${TOOL_NAME}: not fixed ${label(finding)}: ${reason}`);
  const remaining = run.result.findings;
  const diffs = remaining.filter((f) => (f.fix.edits?.length ?? 0) > 0).length;
  lines.push(
    `${TOOL_NAME}: ${run.applied.length} fix${run.applied.length === 1 ? '' : 'es'} applied${run.passes > 1 ? ` in ${run.passes} passes` : ''}, ${run.refused.length} refused; ${remaining.length} finding${remaining.length === 1 ? '' : 's'} remain (${diffs} with a suggested change: see --fix-dry-run)`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * The two modules a before/after `--exec` family runs: the user's file as found, and the same file with
 * the finding's fix in place. Both must reach the same function: found by its position in the original,
 * then by how it is reached (binding and member) in the fixed text, since the fix may move lines.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ts } from '../../scanner/ts.js';
import type { ProbeOutcome } from '../types.js';
import { applyFix } from './apply-fix.js';
import { compileCheck, describeContainment, runUserModule, type UserModuleRequest, type UserModuleRun } from './harness.js';
import { locateFunction, locateSame, type CallTarget } from './locate.js';
import { execSkip, fixFailed, skipBeforeRunning, stubbedNote, type ExecLocation } from './outcome.js';

export interface Sides {
  absolute: string;
  before: { text: string; target: CallTarget };
  after: { text: string; target: CallTarget };
}

export async function prepareSides(cwd: string, where: ExecLocation, rewrites?: (node: ts.Node) => boolean): Promise<Sides | { skip: string; fixFailed?: true }> {
  const absolute = path.resolve(cwd, where.file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    return { skip: `cannot read ${where.file}: ${error instanceof Error ? error.message : String(error)}` };
  }
  const target = locateFunction(text, absolute, where.line);
  if ('skip' in target) return target;
  if (where.noFix && !where.replacement) return { skip: where.noFix };
  const fixed = await applyFix(text, absolute, where, where.replacement, rewrites);
  if ('skip' in fixed) return { skip: `the fix cannot be applied: ${fixed.skip}`, ...(fixed.fixFailed ? { fixFailed: true as const } : {}) };
  const afterTarget = locateSame(fixed.text, absolute, target);
  if (!afterTarget) return { skip: `the fixed file has no ${target.name}() reachable the way the original's is` };
  return { absolute, before: { text, target }, after: { text: fixed.text, target: afterTarget } };
}

export interface BothSides<T, R> {
  sides: Sides;
  before: UserModuleRun<T>;
  after: UserModuleRun<T>;
  /** What `read` made of each side's result. */
  found: R;
  fixed: R;
  /** Where and how the user's code ran, for the verification's notes. */
  notes: string[];
}

/**
 * Runs the user's function as found, then with the fix, each in its own child, and reads each side's
 * result. Stops at the first failure with the right kind of skip: before anything ran (`replica` mode, so
 * `--exec` falls back to the replica) or after the user's code ran (`exec` mode).
 */
export async function runBothSides<T, R>(options: {
  cwd: string;
  where: ExecLocation;
  /** Node kinds the fix rewrites whole (a loop finding's fix replaces the loop, not just the await). */
  rewrites?: (node: ts.Node) => boolean;
  request: Omit<UserModuleRequest, 'file' | 'text' | 'target' | 'finding'>;
  read: (run: UserModuleRun<T>, side: string) => R | { skip: string };
}): Promise<BothSides<T, R> | { outcome: ProbeOutcome }> {
  const { where } = options;
  const sides = await prepareSides(options.cwd, where, options.rewrites);
  if ('skip' in sides) return { outcome: sides.fixFailed ? fixFailed(sides.skip, [], 'replica') : skipBeforeRunning(sides.skip) };
  // The fixed module must bundle before anything is measured: a fix that does not compile is refused.
  const fixedCompiles = await compileCheck({ file: sides.absolute, text: sides.after.text, target: sides.after.target, ...(options.request.realPackages ? { realPackages: options.request.realPackages } : {}) });
  if ('error' in fixedCompiles) {
    const original = await compileCheck({ file: sides.absolute, text: sides.before.text, target: sides.before.target, ...(options.request.realPackages ? { realPackages: options.request.realPackages } : {}) });
    if ('error' in original) return { outcome: skipBeforeRunning(`${where.file} does not compile: ${original.error}`) };
    return { outcome: fixFailed(`the file does not compile with the fix applied: ${fixedCompiles.error}`, [], 'replica') };
  }
  const run = (side: 'before' | 'after') =>
    runUserModule<T>({ ...options.request, file: sides.absolute, text: sides[side].text, target: sides[side].target, ...(side === 'before' ? { finding: { line: where.line } } : {}) });
  const before = await run('before');
  if ('error' in before) return { outcome: skipBeforeRunning(`${where.file} does not compile: ${before.error}`) };
  const name = `${where.file}:${sides.before.target.line} ${sides.before.target.name}()`;
  const notes = [`ran YOUR function ${name} as found and with the fix applied, each in a child process: ${describeContainment(before.sandbox)}`, ...stubbedNote(before.stubbed)];
  const found = options.read(before, 'as found');
  if (isSkip(found)) return { outcome: execSkip(found.skip, notes) };
  const after = await run('after');
  if ('error' in after) return { outcome: fixFailed(`the file does not compile with the fix applied: ${after.error}`, notes) };
  const fixed = options.read(after, 'with the fix');
  // The code as found ran; if the fixed code throws, the fix is what failed.
  if (isSkip(fixed)) return { outcome: after.result && hasError(after.result) ? fixFailed(fixed.skip, notes) : execSkip(fixed.skip, notes) };
  return { sides, before, after, found, fixed, notes };
}

function hasError(result: unknown): boolean {
  return typeof result === 'object' && result !== null && typeof (result as { error?: unknown }).error === 'string';
}

function isSkip<R>(value: R | { skip: string }): value is { skip: string } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'skip' in value;
}

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
import { describeContainment, prepareUserModule, type UserModuleRequest, type UserModuleRun } from './harness.js';
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
  /**
   * Sides interleaved A B A B: after the first pair, `blocks - 1` more pairs, each side a fresh child from
   * the same bundle, their readings joined by `merge`. A pair the budget has no room for is not started.
   */
  interleave?: { blocks: number; merge: (a: R, b: R) => R };
}): Promise<BothSides<T, R> | { outcome: ProbeOutcome }> {
  const { where } = options;
  const sides = await prepareSides(options.cwd, where, options.rewrites);
  if ('skip' in sides) return { outcome: sides.fixFailed ? fixFailed(sides.skip, [], 'replica') : skipBeforeRunning(sides.skip) };
  const prepare = (side: 'before' | 'after') =>
    prepareUserModule({ ...options.request, file: sides.absolute, text: sides[side].text, target: sides[side].target, ...(side === 'before' ? { finding: { line: where.line } } : {}) });
  // Both modules must bundle before anything is measured: a fix that does not compile is refused.
  const beforeModule = await prepare('before');
  if ('error' in beforeModule) return { outcome: skipBeforeRunning(`${where.file} does not compile: ${beforeModule.error}`) };
  const afterModule = await prepare('after');
  if ('error' in afterModule) return { outcome: fixFailed(`the file does not compile with the fix applied: ${afterModule.error}`, [], 'replica') };
  const firstPairStarted = Date.now();
  const before = await beforeModule.run<T>();
  const name = `${where.file}:${sides.before.target.line} ${sides.before.target.name}()`;
  const blocks = options.interleave?.blocks ?? 1;
  const notes = [`ran YOUR function ${name} as found and with the fix applied, ${blocks > 1 ? `alternating sides (A B A B), each block in a fresh child process` : 'each in a child process'}: ${describeContainment(before.sandbox)}`, ...stubbedNote(before.stubbed)];
  let found = options.read(before, 'as found');
  if (isSkip(found)) return { outcome: execSkip(found.skip, notes) };
  const after = await afterModule.run<T>();
  let fixed = options.read(after, 'with the fix');
  // The code as found ran; if the fixed code throws, the fix is what failed.
  if (isSkip(fixed)) return { outcome: after.result && hasError(after.result) ? fixFailed(fixed.skip, notes) : execSkip(fixed.skip, notes) };
  const { context } = options.request;
  const pairMs = Date.now() - firstPairStarted;
  let pairs = 1;
  for (let block = 1; block < blocks && options.interleave; block++) {
    if (context.signal.aborted || context.deadline - Date.now() < 1.5 * pairMs) break;
    const moreBefore = options.read(await beforeModule.run<T>(), 'as found');
    const moreAfter = options.read(await afterModule.run<T>(), 'with the fix');
    // A block that failed or was cut short is dropped with its pair, not counted.
    if (isSkip(moreBefore) || isSkip(moreAfter)) {
      notes.push(`block ${block + 1} dropped with its pair: ${isSkip(moreBefore) ? moreBefore.skip : (moreAfter as { skip: string }).skip}`);
      break;
    }
    found = options.interleave.merge(found, moreBefore);
    fixed = options.interleave.merge(fixed, moreAfter);
    pairs++;
  }
  if (blocks > 1) notes.push(`${pairs} of ${blocks} blocks per side ran (A B A B${pairs < blocks ? '; the budget had no room for the rest' : ''})`);
  return { sides, before, after, found, fixed, notes };
}

function hasError(result: unknown): boolean {
  return typeof result === 'object' && result !== null && typeof (result as { error?: unknown }).error === 'string';
}

function isSkip<R>(value: R | { skip: string }): value is { skip: string } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'skip' in value;
}

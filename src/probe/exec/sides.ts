/**
 * The two modules a before/after `--exec` family runs: the user's file as found, and the same file with
 * the finding's fix in place. Both must reach the same function: found by its position in the original,
 * then by how it is reached (binding and member) in the fixed text, since the fix may move lines.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ts } from '../../scanner/ts.js';
import { applyFix } from './apply-fix.js';
import { locateFunction, locateSame, type CallTarget } from './locate.js';
import type { ExecLocation } from './outcome.js';

export interface Sides {
  absolute: string;
  before: { text: string; target: CallTarget };
  after: { text: string; target: CallTarget };
}

export async function prepareSides(cwd: string, where: ExecLocation, rewrites?: (node: ts.Node) => boolean): Promise<Sides | { skip: string }> {
  const absolute = path.resolve(cwd, where.file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    return { skip: `cannot read ${where.file}: ${error instanceof Error ? error.message : String(error)}` };
  }
  const target = locateFunction(text, absolute, where.line);
  if ('skip' in target) return target;
  const fixed = await applyFix(text, absolute, where, where.replacement, rewrites);
  if ('skip' in fixed) return { skip: `the fix cannot be applied: ${fixed.skip}` };
  const afterTarget = locateSame(fixed.text, absolute, target);
  if (!afterTarget) return { skip: `the fixed file has no ${target.name}() reachable the way the original's is` };
  return { absolute, before: { text, target }, after: { text: fixed.text, target: afterTarget } };
}

import { ts } from '../scanner/ts.js';
import type { CallLike } from './syntax.js';
import { unwrap } from './syntax.js';
import type { LinkedFunction } from './types.js';
import type { IoEvidence } from './view.js';

/**
 * Two calls of one memo keyed by its arguments (`findDefault(user, 'theme')`, `findDefault(user, 'locale')`,
 * the memo's key built from both parameters, see FunctionSummary.memoKey) that pass different literals where the
 * key is built use different entries: running them together fetches nothing twice.
 */
export function distinctMemoEntries(memo: string, earlierCallees: LinkedFunction[], earlier: CallLike, laterCallees: LinkedFunction[], later: CallLike): boolean {
  const callee = earlierCallees.find((c) => c.id === memo);
  if (!callee?.memoKey || !laterCallees.some((c) => c.id === memo) || !ts.isCallExpression(earlier) || !ts.isCallExpression(later)) return false;
  return callee.memoKey.some((index) => {
    const left = earlier.arguments[index];
    const right = later.arguments[index];
    return left !== undefined && right !== undefined && isLiteral(left) && isLiteral(right) && left.getText() !== right.getText();
  });
}

/** Evidence for a run whose calls all go through one memo keyed by the arguments, each with its own literal key. */
export function keyedMemoNote(run: IoEvidence[]): string | undefined {
  const memo = run[0]?.memos.find((m) => run.every((evidence) => evidence.memos.includes(m)));
  const callee = memo ? run[0]?.callees.find((c) => c.id === memo) : undefined;
  if (!memo || !callee?.memoKey) return undefined;
  return `all reads: ${callee.name} memoises by its arguments and each call passes its own literal key, so no entry is fetched twice; no limiter, single connection or transaction between them`;
}

function isLiteral(node: ts.Expression): boolean {
  const inner = unwrap(node);
  return ts.isStringLiteralLike(inner) || ts.isNumericLiteral(inner);
}

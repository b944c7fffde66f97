import { ts } from '../scanner/ts.js';
import { skipOuter } from '../scanner/imports.js';
import type { ModelView } from './view.js';

/**
 * Code on a fallback path runs only when the usual path fails: inside a `catch`, or inside `if (!cached)` after
 * a cache or memo lookup missed. How often that is, the code does not say; the usual reason to write such a
 * path is that it is the exception. Rules grade it one step lighter and say so.
 */
export function fallbackBranchOf(node: ts.Node, view: ModelView): string | undefined {
  for (let current: ts.Node = node; current.parent; current = current.parent) {
    const parent = current.parent;
    if (ts.isFunctionLike(parent) || ts.isClassLike(parent)) return undefined;
    if (ts.isCatchClause(parent)) return 'inside a catch block: runs only when the call above it failed';
    if (ts.isIfStatement(parent) && parent.thenStatement === current) {
      const missed = missedLookup(parent.expression, view);
      if (missed) return `inside \`if (${missed})\`: runs only when the lookup of \`${missed.replace(/^!/, '')}\` found nothing`;
    }
  }
  return undefined;
}

const CACHE_WORDS = /cache|cached|memo|hit|stored|saved|known/i;

/** `!cached`, `cached == null`, `cached === undefined` where `cached` came from a cache or memo lookup. */
function missedLookup(condition: ts.Expression, view: ModelView): string | undefined {
  const inner = skipOuter(condition);
  let name: ts.Identifier | undefined;
  if (ts.isPrefixUnaryExpression(inner) && inner.operator === ts.SyntaxKind.ExclamationToken) {
    const operand = skipOuter(inner.operand);
    if (ts.isIdentifier(operand)) name = operand;
  }
  if (ts.isBinaryExpression(inner) && [ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.EqualsEqualsEqualsToken].includes(inner.operatorToken.kind)) {
    const right = skipOuter(inner.right);
    const left = skipOuter(inner.left);
    const empty = right.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(right) && right.text === 'undefined');
    if (empty && ts.isIdentifier(left)) name = left;
  }
  if (!name) return undefined;
  const declaration = declarationOf(name);
  const initializer = declaration?.initializer;
  if (!initializer) return undefined;
  const fromCache = CACHE_WORDS.test(name.text) || view.effectsOf(initializer).effects.some((effect) => effect.kind === 'cache');
  return fromCache ? `!${name.text}` : undefined;
}

function declarationOf(name: ts.Identifier): ts.VariableDeclaration | undefined {
  for (let scope: ts.Node | undefined = name.parent; scope && !ts.isSourceFile(scope); scope = scope.parent) {
    if (!ts.isBlock(scope)) continue;
    for (const statement of scope.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      for (const declaration of statement.declarationList.declarations) if (ts.isIdentifier(declaration.name) && declaration.name.text === name.text) return declaration;
    }
    if (ts.isFunctionLike(scope.parent)) return undefined;
  }
  return undefined;
}

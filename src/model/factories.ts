import { ts } from '../scanner/ts.js';
import { skipOuter } from '../scanner/imports.js';
import { heldValueOfHandle, type ClassifyContext } from './classify.js';
import type { HeldValue } from './types.js';

/**
 * What a function returns, when it is something the model can follow: a client a library makes
 * (`return axios.create(...)`, `return new Pool()`), a class instance, a field's handle (`return this.client`),
 * another factory's result, or a module variable a memoised factory fills (`if (!pool) pool = new Pool();
 * return pool`). Callers that keep the result (`const api = createApiClient()`) hold what it returns.
 */
export function returnedValue(expression: ts.Expression, fn: ts.SignatureDeclaration, context: ClassifyContext): HeldValue | undefined {
  let inner = skipOuter(expression);
  if (ts.isAwaitExpression(inner)) inner = skipOuter(inner.expression);
  const held = heldValueOfHandle(inner as ts.Expression, context);
  if (held) return held;
  // `let client; ... client = new Pool(); return client`: the value assigned to the name in this function.
  if (!ts.isIdentifier(inner)) return undefined;
  const name = inner.text;
  const body = (fn as ts.FunctionLikeDeclaration).body;
  let assigned: HeldValue | undefined;
  const visit = (node: ts.Node): void => {
    if (assigned) return;
    if (ts.isBinaryExpression(node) && (node.operatorToken.kind === ts.SyntaxKind.EqualsToken || node.operatorToken.kind === ts.SyntaxKind.QuestionQuestionEqualsToken || node.operatorToken.kind === ts.SyntaxKind.BarBarEqualsToken)) {
      const left = skipOuter(node.left);
      if (ts.isIdentifier(left) && left.text === name) assigned = heldValueOfHandle(node.right, context);
    }
    if (!ts.isFunctionLike(node) || node === fn) ts.forEachChild(node, visit);
  };
  if (body) visit(body);
  return assigned;
}

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
  // `return async (key) => ...`, `(db) => async () => ...`: a function its callers call later.
  if (ts.isArrowFunction(inner) || ts.isFunctionExpression(inner)) return { kind: 'function', pos: inner.getStart(context.sourceFile) };
  const held = heldValueOfHandle(inner as ts.Expression, context);
  if (held) return held;
  // `let client; ... client = new Pool(); return client`: the value assigned to the name in this function.
  if (!ts.isIdentifier(inner)) return undefined;
  const name = inner.text;
  const body = (fn as ts.FunctionLikeDeclaration).body;
  // `const read = async () => ...; return read;`: the function held in a const of this function.
  const local = body && ts.isBlock(body) ? localFunction(body, name) : undefined;
  if (local) return { kind: 'function', pos: local.getStart(context.sourceFile) };
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

/** The arrow or function expression a `const name = ...` directly in `body` holds. */
function localFunction(body: ts.Block, name: string): ts.ArrowFunction | ts.FunctionExpression | undefined {
  for (const statement of body.statements) {
    if (!ts.isVariableStatement(statement) || (statement.declarationList.flags & ts.NodeFlags.Const) === 0) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (!ts.isIdentifier(declaration.name) || declaration.name.text !== name || !declaration.initializer) continue;
      const init = skipOuter(declaration.initializer);
      if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) return init;
    }
  }
  return undefined;
}

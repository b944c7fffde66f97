import { ts } from '../scanner/ts.js';
import { bindingIdentifiers } from '../scanner/imports.js';

/**
 * Small syntax facts the rules and the model share: what a call is named, what an expression reads, where
 * awaits and loops are. Plain questions about one file's tree; no I/O knowledge here.
 */

export type CallLike = ts.CallExpression | ts.TaggedTemplateExpression;

export function calleeName(expression: ts.Expression): string | undefined {
  if (ts.isIdentifier(expression)) return expression.text;
  if (ts.isPropertyAccessExpression(expression)) return expression.name.text;
  if (ts.isElementAccessExpression(expression) && ts.isStringLiteralLike(expression.argumentExpression)) return expression.argumentExpression.text;
  // `pipe(...)()`, `limit(fn)()`: the function that built the callee names it.
  if (ts.isParenthesizedExpression(expression) || ts.isNonNullExpression(expression) || ts.isCallExpression(expression)) return calleeName(expression.expression);
  return undefined;
}

export function unwrap(node: ts.Expression): ts.Expression {
  let current = node;
  while (ts.isParenthesizedExpression(current) || ts.isAsExpression(current) || ts.isNonNullExpression(current) || ts.isTypeAssertionExpression(current) || ts.isSatisfiesExpression(current)) {
    current = current.expression;
  }
  return current;
}

export function nameOf(call: CallLike): string | undefined {
  return calleeName(ts.isCallExpression(call) ? call.expression : call.tag);
}

export function isFunctionBoundary(node: ts.Node): boolean {
  return ts.isFunctionLike(node) || ts.isClassLike(node);
}

/** Every identifier read inside `node` (property names after a dot and object keys excluded). */
export function identifiersRead(node: ts.Node, into = new Set<string>()): Set<string> {
  const visit = (current: ts.Node): void => {
    if (ts.isIdentifier(current)) {
      const parent = current.parent;
      if (parent && ts.isPropertyAccessExpression(parent) && parent.name === current) return;
      if (parent && (ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent)) && parent.name === current) return;
      into.add(current.text);
      return;
    }
    if (current.kind === ts.SyntaxKind.ThisKeyword) into.add('this');
    ts.forEachChild(current, visit);
  };
  visit(node);
  return into;
}

export function receiverRoot(expression: ts.Expression): string | undefined {
  let current = unwrap(expression);
  for (;;) {
    if (ts.isPropertyAccessExpression(current) || ts.isElementAccessExpression(current)) current = unwrap(current.expression);
    else if (ts.isCallExpression(current)) current = unwrap(current.expression);
    else break;
  }
  if (ts.isIdentifier(current)) return current.text;
  if (current.kind === ts.SyntaxKind.ThisKeyword) return 'this';
  return undefined;
}

export function enclosingFunctionOf(node: ts.Node): ts.SignatureDeclaration | undefined {
  for (let current = node.parent; current; current = current.parent) if (ts.isFunctionLike(current)) return current;
  return undefined;
}

export function functionNameOf(fn: ts.SignatureDeclaration | undefined): string | undefined {
  if (!fn) return undefined;
  if (fn.name && (ts.isIdentifier(fn.name) || ts.isStringLiteral(fn.name))) return fn.name.text;
  const parent = fn.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && ts.isIdentifier(parent.name)) return parent.name.text;
  return undefined;
}

export function isAsyncFunction(fn: ts.Node): boolean {
  return ts.canHaveModifiers(fn) && (ts.getModifiers(fn) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
}

export function declaredInFunction(name: string, from: ts.Node): boolean {
  const fn = enclosingFunctionOf(from);
  if (!fn) return false;
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isVariableDeclaration(node) || ts.isParameter(node)) {
      if (bindingIdentifiers(node.name).includes(name)) found = true;
    }
    if (node !== fn && isFunctionBoundary(node)) return;
    ts.forEachChild(node, visit);
  };
  visit(fn);
  return found;
}

export function declaredNames(node: ts.Node): Set<string> {
  const names = new Set<string>();
  const visit = (current: ts.Node): void => {
    if (ts.isVariableDeclaration(current) || ts.isParameter(current) || ts.isBindingElement(current)) {
      for (const n of bindingIdentifiers(current.name)) names.add(n);
    }
    if (ts.isCatchClause(current) && current.variableDeclaration) for (const n of bindingIdentifiers(current.variableDeclaration.name)) names.add(n);
    if ((ts.isFunctionDeclaration(current) || ts.isClassDeclaration(current)) && current.name) names.add(current.name.text);
    ts.forEachChild(current, visit);
  };
  visit(node);
  return names;
}

export function isAssignmentOperator(kind: ts.SyntaxKind): boolean {
  return kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment;
}

export type LoopNode = ts.ForStatement | ts.ForOfStatement | ts.ForInStatement | ts.WhileStatement | ts.DoStatement;

export function loopKindOf(loop: LoopNode): string {
  if (ts.isForOfStatement(loop)) return 'for-of';
  if (ts.isForInStatement(loop)) return 'for-in';
  if (ts.isForStatement(loop)) return 'for';
  if (ts.isWhileStatement(loop)) return 'while';
  return 'do-while';
}

export function isLoop(node: ts.Node): node is LoopNode {
  return ts.isForStatement(node) || ts.isForOfStatement(node) || ts.isForInStatement(node) || ts.isWhileStatement(node) || ts.isDoStatement(node);
}

// Where the word `await` occurs in each file's text, in order. An await expression needs the keyword inside its
// node's text, so a node whose range holds none has no await under it: blocks and loops without one are skipped
// without walking them (an escaped `\u0061wait` keyword is a parse error, and such files are never analysed).
export const awaitWordsOfFile = new WeakMap<ts.SourceFile, number[]>();

export function mayHoldAwait(node: ts.Node, sourceFile: ts.SourceFile): boolean {
  let positions = awaitWordsOfFile.get(sourceFile);
  if (positions === undefined) {
    positions = [];
    const text = sourceFile.text;
    for (let at = text.indexOf('await'); at !== -1; at = text.indexOf('await', at + 1)) positions.push(at);
    awaitWordsOfFile.set(sourceFile, positions);
  }
  // First occurrence at or after node.pos.
  let low = 0;
  let high = positions.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((positions[mid] ?? 0) < node.pos) low = mid + 1;
    else high = mid;
  }
  const first = positions[low];
  return first !== undefined && first + 5 <= node.end;
}

/** Awaits in a loop body, nested loops included, nested functions excluded. */
export function awaitsIn(body: ts.Node): ts.AwaitExpression[] {
  const found: ts.AwaitExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (isFunctionBoundary(node)) return;
    if (ts.isAwaitExpression(node)) found.push(node);
    ts.forEachChild(node, visit);
  };
  visit(body);
  return found;
}

export function awaitOperandCall(node: ts.AwaitExpression): CallLike | undefined {
  const operand = unwrap(node.expression);
  return ts.isCallExpression(operand) || ts.isTaggedTemplateExpression(operand) ? operand : undefined;
}

export function innermostLoop(node: ts.Node): LoopNode | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (isFunctionBoundary(current)) return undefined;
    if (isLoop(current)) {
      // The await must be in the body, not the header.
      if (current.statement.pos <= node.pos && node.end <= current.statement.end) return current;
      return undefined;
    }
  }
  return undefined;
}

/** True when the await runs for every item: not under an if, ternary, &&/||/??, switch, or after a `continue`. */
export function runsForEveryItem(awaitNode: ts.AwaitExpression, body: ts.Statement): boolean {
  for (let current: ts.Node = awaitNode; current !== body; current = current.parent) {
    const parent = current.parent;
    if (!parent) return false;
    if (ts.isIfStatement(parent) || ts.isConditionalExpression(parent) || ts.isCaseClause(parent) || ts.isDefaultClause(parent) || isLoop(parent) || ts.isTryStatement(parent) || ts.isCatchClause(parent)) return false;
    if (ts.isBinaryExpression(parent) && parent.right === current && [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(parent.operatorToken.kind)) return false;
  }
  let earlyExit = false;
  const visit = (node: ts.Node): void => {
    if (earlyExit || isFunctionBoundary(node) || node.pos >= awaitNode.pos) return;
    if (ts.isContinueStatement(node) || ts.isThrowStatement(node)) earlyExit = true;
    ts.forEachChild(node, visit);
  };
  visit(body);
  return !earlyExit;
}

export function shorten(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

/** `settings.theme` where `settings` is a `const` object literal of this function: its name. */
export function memberOfLocal(left: ts.Expression, statement: ts.Statement): string | undefined {
  if (!ts.isPropertyAccessExpression(left) || !ts.isIdentifier(left.expression)) return undefined;
  const root = left.expression.text;
  const fn = enclosingFunctionOf(statement);
  if (!fn || !declaredInFunction(root, statement)) return undefined;
  let literal = false;
  const visit = (node: ts.Node): void => {
    if (literal || (isFunctionBoundary(node) && node !== fn)) return;
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === root && node.initializer && ts.isObjectLiteralExpression(unwrap(node.initializer)) && (node.parent.flags & ts.NodeFlags.Const) !== 0) literal = true;
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(fn, visit);
  return literal ? root : undefined;
}


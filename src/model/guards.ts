import { ts } from '../scanner/ts.js';
import type { GuardShape } from './types.js';
import { unwrap } from './syntax.js';

/**
 * Existence and permission checks, from the body: a function that awaits a value, throws when a condition on
 * that value holds, and returns nothing or that value (`const p = await this.repo.findOne(id); if (!p) throw new
 * NotFound(); return p`). Whether the awaited call is I/O is the linker's question (link.ts); this module only
 * finds the shape, with one walk of the bodies of functions that throw.
 *
 * The name never decides alone: `requireX`/`assertX`/`ensureX`/`xOrFail`/`xOrThrow` only lets a throw that
 * follows an await without visibly testing its value (`const p = await find(id); this.check(p)` is not that;
 * `await find(id); if (this.denied) throw ...` is) count as the check the name says it is.
 */

const CHECK_NAME = /^(require|assert|ensure)[A-Z_$]|(OrFail|OrThrow)$/;

/** What a declaration binds when its value is an await: `const { rows } = await pool.query(...)`, `const p = (await find()).rows[0]`. */
function awaitedCallOf(initializer: ts.Expression): string | undefined {
  let current = unwrap(initializer);
  for (;;) {
    if (ts.isPropertyAccessExpression(current) || ts.isElementAccessExpression(current)) current = unwrap(current.expression);
    else break;
  }
  if (!ts.isAwaitExpression(current)) return undefined;
  const operand = unwrap(current.expression);
  if (!ts.isCallExpression(operand)) return undefined;
  return operand.expression.getText().replace(/\s+/g, ' ').slice(0, 60);
}

function bindingNames(name: ts.BindingName, into: string[]): void {
  if (ts.isIdentifier(name)) into.push(name.text);
  else for (const element of name.elements) if (!ts.isOmittedExpression(element)) bindingNames(element.name, into);
}

function isBoundary(node: ts.Node): boolean {
  return ts.isFunctionLike(node) || ts.isClassLike(node);
}

/** The identifier a returned value is rooted in: `project`, `rows[0]`, `user!.profile` -> its root name. */
function rootName(expression: ts.Expression): string | undefined {
  let current = unwrap(expression);
  while (ts.isPropertyAccessExpression(current) || ts.isElementAccessExpression(current) || ts.isNonNullExpression(current)) current = unwrap(current.expression);
  return ts.isIdentifier(current) ? current.text : undefined;
}

function readsAny(node: ts.Node, names: Map<string, string>): string | undefined {
  let found: string | undefined;
  const visit = (n: ts.Node): void => {
    if (found !== undefined) return;
    if (ts.isIdentifier(n) && names.has(n.text) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) {
      found = names.get(n.text);
      return;
    }
    if (ts.isAwaitExpression(n)) {
      const operand = unwrap(n.expression);
      if (ts.isCallExpression(operand)) {
        found = operand.expression.getText().replace(/\s+/g, ' ').slice(0, 60);
        return;
      }
    }
    if (!isBoundary(n)) ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

/**
 * The guard shape of `fn`, or undefined. `lineOf` maps a node to its 1-based line. Only called for functions
 * that throw outside a catch (the summary walk knows), so most functions never get this second look.
 */
export function guardShapeOf(fn: ts.SignatureDeclaration, lineOf: (node: ts.Node) => number): GuardShape | undefined {
  const body = (fn as ts.FunctionLikeDeclaration).body;
  if (!body || !ts.isBlock(body) || ts.isConstructorDeclaration(fn)) return undefined;
  const awaited = new Map<string, string>();
  let firstAwait: number | undefined;
  let firstAwaitCall: string | undefined;
  const throws: ts.ThrowStatement[] = [];
  let returnsOther = false;
  const returns: ts.Expression[] = [];
  // A throw in a catch clause rethrows what failed; one in a `try` with a catch may be swallowed: neither counts.
  // A return in a catch clause (`catch { return null }`) is a return like any other.
  let caught = 0;
  const visit = (node: ts.Node): void => {
    if (isBoundary(node)) return;
    if (ts.isTryStatement(node) && node.catchClause) {
      caught += 1;
      visit(node.tryBlock);
      visit(node.catchClause);
      caught -= 1;
      if (node.finallyBlock) visit(node.finallyBlock);
      return;
    }
    if (ts.isAwaitExpression(node) && firstAwait === undefined) {
      firstAwait = node.getStart();
      const operand = unwrap(node.expression);
      if (ts.isCallExpression(operand)) firstAwaitCall = operand.expression.getText().replace(/\s+/g, ' ').slice(0, 60);
    }
    if (ts.isVariableDeclaration(node) && node.initializer) {
      const call = awaitedCallOf(node.initializer);
      if (call) {
        const names: string[] = [];
        bindingNames(node.name, names);
        for (const name of names) awaited.set(name, call);
      }
    }
    if (ts.isThrowStatement(node) && caught === 0) throws.push(node);
    if (ts.isReturnStatement(node) && node.expression) returns.push(node.expression);
    ts.forEachChild(node, visit);
  };
  visit(body);
  if (throws.length === 0 || firstAwait === undefined) return undefined;
  // It hands back nothing, or what it read: a caller that ignores the result loses nothing but the check.
  for (const value of returns) {
    const inner = unwrap(value);
    const root = rootName(value);
    if (inner.kind === ts.SyntaxKind.UndefinedKeyword || (ts.isIdentifier(inner) && inner.text === 'undefined') || ts.isVoidExpression(inner)) continue;
    if (root === undefined || !awaited.has(root)) returnsOther = true;
  }
  if (returnsOther) return undefined;
  const name = fn.name && ts.isIdentifier(fn.name) ? fn.name.text : fn.parent && ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name) ? fn.parent.name.text : undefined;
  const named = name !== undefined && CHECK_NAME.test(name);
  for (const statement of throws) {
    if (statement.getStart() < (firstAwait ?? Infinity)) continue;
    // The conditions the throw sits under, up to the body: one that tests an awaited value makes it a check.
    for (let current: ts.Node = statement; current !== body && current.parent; current = current.parent) {
      const parent: ts.Node = current.parent;
      if (ts.isIfStatement(parent) && parent.expression !== current) {
        const read = readsAny(parent.expression, awaited);
        if (read) return { line: lineOf(statement), read, ...(named ? { named: true } : {}) };
      }
    }
  }
  // A throw after an await whose condition the walk cannot tie to the awaited value: a check only by name too.
  const after = throws.find((t) => t.getStart() > (firstAwait ?? Infinity));
  if (named && after && firstAwaitCall) return { line: lineOf(after), read: firstAwaitCall, named: true, loose: true };
  return undefined;
}

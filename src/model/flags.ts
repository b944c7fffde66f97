import { ts } from '../scanner/ts.js';
import { skipOuter } from '../scanner/imports.js';
import type { FlaggedCaller, Role } from './types.js';

/**
 * Reachability through flag arguments. `refresh(id, { viaJob: true })` from a job and `refresh(id)` from a route
 * reach the same function, but code under `if (options.viaJob)` runs only for the job. A call site records the
 * boolean literals it passes (argument `1`, or property `1.viaJob` of an object argument); the code at a node
 * takes its role from the callers whose literals can satisfy the `if` conditions around it.
 */

/** Boolean literals a call passes: `{ '1': false }`, `{ '1.viaJob': true }`, and how many arguments it passes. */
export function flagArguments(call: ts.CallExpression): { flags: Record<string, boolean>; argc: number } | undefined {
  const flags: Record<string, boolean> = {};
  call.arguments.forEach((argument, index) => {
    const inner = skipOuter(argument);
    const literal = booleanLiteral(inner);
    if (literal !== undefined) flags[`${index}`] = literal;
    if (ts.isObjectLiteralExpression(inner)) {
      for (const property of inner.properties) {
        if (ts.isPropertyAssignment(property) && ts.isIdentifier(property.name)) {
          const value = booleanLiteral(skipOuter(property.initializer));
          if (value !== undefined) flags[`${index}.${property.name.text}`] = value;
        }
      }
    }
  });
  return Object.keys(flags).length > 0 ? { flags, argc: call.arguments.length } : undefined;
}

/** Numeric literals a call passes by argument index (`30_000`, `5 * 1000`), or undefined when none. */
export function numberArguments(call: ts.CallExpression | ts.NewExpression): Record<string, number> | undefined {
  const numbers: Record<string, number> = {};
  (call.arguments ?? []).forEach((argument, index) => {
    const value = numericLiteral(skipOuter(argument));
    if (value !== undefined && index < 8) numbers[`${index}`] = value;
  });
  return Object.keys(numbers).length > 0 ? numbers : undefined;
}

function numericLiteral(node: ts.Node): number | undefined {
  if (ts.isNumericLiteral(node)) return Number(node.text.replace(/_/g, ''));
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.AsteriskToken) {
    const left = numericLiteral(skipOuter(node.left));
    const right = numericLiteral(skipOuter(node.right));
    return left !== undefined && right !== undefined ? left * right : undefined;
  }
  return undefined;
}

function booleanLiteral(node: ts.Node): boolean | undefined {
  if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
  return undefined;
}

interface Guard {
  key: string;
  value: boolean;
  text: string;
  /** What a caller that passes fewer arguments gets: the parameter's default, else undefined (false). */
  missing: boolean;
  index: number;
}

/** `if (viaJob)` / `if (!options.viaJob)` / `if (force === true)` around `node`, on parameters of `fn`. */
export function flagGuards(node: ts.Node, fn: ts.SignatureDeclaration): Guard[] {
  const guards: Guard[] = [];
  for (let current: ts.Node = node; current.parent && current !== fn; current = current.parent) {
    const parent = current.parent;
    if (ts.isIfStatement(parent) && (parent.thenStatement === current || parent.elseStatement === current)) {
      const guard = guardOf(parent.expression, fn, parent.thenStatement === current);
      if (guard) guards.push(guard);
    }
    // `if (!options.detailed) return ids;` earlier in the block: what follows runs only when it is false.
    if (ts.isBlock(parent)) {
      for (const statement of parent.statements) {
        if (statement === current) break;
        if (!ts.isIfStatement(statement) || statement.elseStatement || !exits(statement.thenStatement)) continue;
        const guard = guardOf(statement.expression, fn, false);
        if (guard) guards.push(guard);
      }
    }
  }
  return guards;
}

function exits(statement: ts.Statement): boolean {
  const last = ts.isBlock(statement) ? statement.statements.at(-1) : statement;
  return last !== undefined && (ts.isReturnStatement(last) || ts.isThrowStatement(last));
}

function guardOf(condition: ts.Expression, fn: ts.SignatureDeclaration, value: boolean): Guard | undefined {
  const inner = skipOuter(condition);
  if (ts.isPrefixUnaryExpression(inner) && inner.operator === ts.SyntaxKind.ExclamationToken) return guardOf(inner.operand, fn, !value);
  if (ts.isBinaryExpression(inner) && [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken].includes(inner.operatorToken.kind)) {
    const literal = booleanLiteral(skipOuter(inner.right));
    return literal === undefined ? undefined : guardOf(inner.left, fn, literal === value);
  }
  for (const [index, parameter] of fn.parameters.entries()) {
    const name = parameter.name;
    const defaultValue = parameter.initializer ? booleanLiteral(skipOuter(parameter.initializer)) ?? false : false;
    if (ts.isIdentifier(name) && ts.isIdentifier(inner) && name.text === inner.text) return { key: `${index}`, value, text: inner.text, missing: defaultValue, index };
    // `options.viaJob` on a parameter, or `{ viaJob }` destructured from one.
    if (ts.isIdentifier(name) && ts.isPropertyAccessExpression(inner) && ts.isIdentifier(inner.expression) && inner.expression.text === name.text) {
      return { key: `${index}.${inner.name.text}`, value, text: `${name.text}.${inner.name.text}`, missing: false, index };
    }
    if (ts.isObjectBindingPattern(name) && ts.isIdentifier(inner)) {
      for (const element of name.elements) {
        const property = element.propertyName && ts.isIdentifier(element.propertyName) ? element.propertyName.text : ts.isIdentifier(element.name) ? element.name.text : undefined;
        if (ts.isIdentifier(element.name) && element.name.text === inner.text && property) {
          const fallback = element.initializer ? booleanLiteral(skipOuter(element.initializer)) ?? false : false;
          return { key: `${index}.${property}`, value, text: inner.text, missing: fallback, index };
        }
      }
    }
  }
  return undefined;
}

const RANK: Record<Role, number> = { request: 5, occasional: 4, background: 3, unknown: 2, once: 1 };

/**
 * The callers that can reach code under `guards`: those whose literals do not contradict a guard. A caller that
 * passes a non-literal there may pass anything, so it counts. The most frequent of them, or undefined when
 * the guards exclude none (the function's own role stands).
 */
export function roleUnderGuards(guards: Guard[], callers: FlaggedCaller[]): FlaggedCaller | undefined {
  if (guards.length === 0 || callers.length === 0) return undefined;
  const reaching = callers.filter((caller) =>
    guards.every((guard) => {
      const passed = caller.flags?.[guard.key];
      if (passed !== undefined) return passed === guard.value;
      // Not passed at all: the default (or undefined, falsy) applies when the argument is missing.
      const objectArgument = guard.key.includes('.');
      if (caller.argc !== undefined && caller.argc <= guard.index) return guard.missing === guard.value;
      return objectArgument && caller.flags !== undefined && caller.argc !== undefined && Object.keys(caller.flags).some((k) => k.startsWith(`${guard.index}.`)) ? guard.missing === guard.value : true;
    }),
  );
  if (reaching.length === callers.length) return undefined;
  if (reaching.length === 0) return { role: 'unknown', reason: `no caller found that passes what the surrounding \`if\` needs`, flags: {} };
  return reaching.reduce((best, caller) => (RANK[caller.role] > RANK[best.role] ? caller : best));
}

/**
 * How many callers can reach a value at once, read from its module: when every use of the binding sits in
 * work handed to a limiter, the limiter's bound is the concurrency, not the rule's default. Recognised:
 * `const limit = pLimit(n)` then `limit(() => ...)`; `new PQueue({ concurrency: n })` then `queue.add(...)`;
 * a worker's processor, `new Worker(name, processor, { concurrency: n })` (BullMQ) or
 * `queue.process(n, processor)` (Bull). Limiters add up (two `pLimit(3)` admit six). Undefined when any use
 * is outside a limiter, or the module does not use the binding at all (its callers are elsewhere).
 */
import { ts } from '../../scanner/ts.js';
import { parseSource } from './locate.js';

export interface CodeConcurrency {
  value: number;
  /** In words, for the notes: "pLimit(3) at line 4". */
  source: string;
}

function numberOf(node: ts.Expression | undefined): number | undefined {
  return node && ts.isNumericLiteral(node) ? Number(node.text.replace(/_/g, '')) : undefined;
}

function concurrencyOption(node: ts.Expression | undefined): number | undefined {
  if (!node || !ts.isObjectLiteralExpression(node)) return undefined;
  for (const property of node.properties) {
    if (ts.isPropertyAssignment(property) && ts.isIdentifier(property.name) && property.name.text === 'concurrency') return numberOf(property.initializer);
  }
  return undefined;
}

function calleeName(call: ts.CallExpression | ts.NewExpression): string | undefined {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return undefined;
}

export function limitedConcurrency(text: string, fileName: string, binding: string): CodeConcurrency | undefined {
  const sourceFile = parseSource(text, fileName);
  const line = (node: ts.Node) => sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1;
  // Limiter bindings: `const limit = pLimit(3)`, `const queue = new PQueue({ concurrency: 2 })`.
  const limiters = new Map<string, { n: number; kind: 'call' | 'add'; where: string }>();
  const visitDeclarations = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
      const init = node.initializer;
      if (ts.isCallExpression(init) && /^p-?limit$/i.test(calleeName(init) ?? '')) {
        const n = numberOf(init.arguments[0]) ?? concurrencyOption(init.arguments[0]);
        if (n !== undefined) limiters.set(node.name.text, { n, kind: 'call', where: `${calleeName(init)}(${n}) at line ${line(init)}` });
      }
      if (ts.isNewExpression(init) && calleeName(init) === 'PQueue') {
        const n = concurrencyOption(init.arguments?.[0]);
        if (n !== undefined) limiters.set(node.name.text, { n, kind: 'add', where: `new PQueue({ concurrency: ${n} }) at line ${line(init)}` });
      }
    }
    ts.forEachChild(node, visitDeclarations);
  };
  visitDeclarations(sourceFile);
  /** The limiter bound of the work `fn` is handed to, when it is one. */
  const boundOf = (fn: ts.Node): { n: number; where: string; key: string } | undefined => {
    const call = fn.parent;
    if (!call || !(ts.isCallExpression(call) || ts.isNewExpression(call)) || !call.arguments?.includes(fn as ts.Expression)) return undefined;
    const callee = call.expression;
    if (ts.isCallExpression(call) && ts.isIdentifier(callee)) {
      const limiter = limiters.get(callee.text);
      if (limiter?.kind === 'call') return { n: limiter.n, where: limiter.where, key: callee.text };
    }
    if (ts.isCallExpression(call) && ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
      const limiter = limiters.get(callee.expression.text);
      if (limiter?.kind === 'add' && callee.name.text === 'add') return { n: limiter.n, where: limiter.where, key: callee.expression.text };
      // Bull: `queue.process(5, processor)`.
      const n = numberOf(call.arguments[0]);
      if (callee.name.text === 'process' && n !== undefined && call.arguments[1] === fn) return { n, where: `.process(${n}, ...) at line ${line(call)}`, key: `process:${line(call)}` };
    }
    if (ts.isNewExpression(call) && calleeName(call) === 'Worker' && call.arguments?.[1] === fn) {
      const n = concurrencyOption(call.arguments[2]) ?? 1;
      return { n, where: `new Worker(..., { concurrency: ${n} }) at line ${line(call)}${concurrencyOption(call.arguments[2]) === undefined ? " (BullMQ's default of 1)" : ''}`, key: `worker:${line(call)}` };
    }
    return undefined;
  };
  const used = new Map<string, { n: number; where: string }>();
  let uses = 0;
  let unlimited = false;
  const visitUses = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && node.text === binding) {
      const parent = node.parent;
      const declaration = (ts.isVariableDeclaration(parent) && parent.name === node) || ts.isExportSpecifier(parent) || (ts.isPropertyAccessExpression(parent) && parent.name === node) || (ts.isPropertyAssignment(parent) && parent.name === node);
      if (!declaration) {
        uses++;
        let bound: ReturnType<typeof boundOf>;
        for (let current: ts.Node | undefined = parent; current && !bound; current = current.parent) {
          if (ts.isArrowFunction(current) || ts.isFunctionExpression(current)) bound = boundOf(current);
        }
        if (bound) used.set(bound.key, bound);
        else unlimited = true;
      }
    }
    ts.forEachChild(node, visitUses);
  };
  visitUses(sourceFile);
  if (uses === 0 || unlimited || used.size === 0) return undefined;
  const value = [...used.values()].reduce((sum, b) => sum + b.n, 0);
  return { value, source: `${value} at once, read from the code: every use of \`${binding}\` in its module runs inside ${[...used.values()].map((b) => b.where).join(' and ')}` };
}

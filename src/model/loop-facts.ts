import { ts } from '../scanner/ts.js';
import { bindingIdentifiers } from '../scanner/imports.js';
import { words } from './io-catalog.js';
import { declaredNames, identifiersRead, isAssignmentOperator, isFunctionBoundary, isLoop, runsForEveryItem, shorten, unwrap, type CallLike, type LoopNode } from './syntax.js';

/**
 * What a loop's items are and what ties its iterations together: the item names and what derives from them,
 * loop-carried state, early exits, literal item lists, reads that name no item (the same read each time).
 */

/** Collection words whose items are steps to run in order, or chunks already batched. */
export const ORDERED_COLLECTION = new Set([
  'migration', 'migrations', 'step', 'steps', 'stage', 'stages', 'middleware', 'middlewares', 'plugin', 'plugins', 'hook', 'hooks',
  'handler', 'handlers', 'task', 'tasks', 'job', 'jobs', 'command', 'commands', 'script', 'scripts', 'seed', 'seeds', 'seeder',
  'seeders', 'phase', 'phases', 'listener', 'listeners', 'callback', 'callbacks', 'fns', 'functions', 'pipeline', 'transform',
  'transforms', 'transformer', 'transformers', 'version', 'versions', 'patch', 'patches', 'upgrade', 'upgrades', 'provider',
  'providers', 'module', 'modules', 'service', 'services', 'initializer', 'initializers', 'subscriber', 'subscribers', 'worker',
  'workers', 'server', 'servers', 'connection', 'connections', 'client', 'clients', 'pool', 'pools', 'processor', 'processors',
  'action', 'actions', 'operation', 'operations', 'ops', 'batch', 'batches', 'chunk', 'chunks', 'page', 'pages', 'attempt',
  'attempts', 'retry', 'retries', 'queue', 'queues', 'interceptor', 'interceptors', 'guard', 'guards', 'validator', 'validators',
  'rule', 'rules', 'check', 'checks', 'level', 'levels', 'fixture', 'fixtures', 'query', 'queries', 'statement', 'statements',
]);

export const SHUTDOWN_VERBS = /^(close|stop|shutdown|disconnect|destroy|dispose|end|terminate|quit|kill|unsubscribe|drain|teardown|cleanup|unregister|remove)$/;

export const SLEEP_NAMES = /^(sleep|delay|wait|pause|setTimeout|setImmediate|nextTick|backoff|waitFor\w*|yield|timeout)$/i;

export const LIMITER_TEXT = /limit|throttl|schedul|queue|semaphore|mutex|\block|acquire|bottleneck|ratelimit/i;

export const RETRY_WORDS = new Set(['attempt', 'attempts', 'retry', 'retries', 'tries', 'try', 'backoff']);

/** Names that say "retry loop", word by word: `Object.entries(x)` and `countries` hold no retry. */
export function saysRetry(text: string): boolean {
  return (text.match(/[A-Za-z_$][\w$]*/g) ?? []).some((identifier) => words(identifier).some((w) => RETRY_WORDS.has(w)));
}

export interface LoopFacts {
  itemNames: Set<string>;
  collectionText: string | undefined;
}

export function loopItems(loop: LoopNode, sourceFile: ts.SourceFile): LoopFacts | undefined {
  if (ts.isForOfStatement(loop) || ts.isForInStatement(loop)) {
    const init = loop.initializer;
    const names = ts.isVariableDeclarationList(init) ? init.declarations.flatMap((d) => bindingIdentifiers(d.name)) : [...identifiersRead(init)];
    return { itemNames: new Set(names), collectionText: loop.expression.getText(sourceFile) };
  }
  if (ts.isForStatement(loop)) {
    const init = loop.initializer;
    if (!init || !ts.isVariableDeclarationList(init)) return undefined;
    const names = init.declarations.flatMap((d) => bindingIdentifiers(d.name));
    // `i < xs.length` / `i < n`: an indexed walk; anything else is a state machine.
    const condition = loop.condition;
    if (!condition || !ts.isBinaryExpression(condition) || !ts.isIdentifier(condition.left) || !names.includes(condition.left.text)) return undefined;
    if (![ts.SyntaxKind.LessThanToken, ts.SyntaxKind.LessThanEqualsToken].includes(condition.operatorToken.kind)) return undefined;
    const incrementor = loop.incrementor;
    if (!incrementor || !/^\s*(\+\+\w+|\w+\+\+|\w+\s*\+=\s*1)\s*$/.test(incrementor.getText(sourceFile))) return undefined;
    const bound = unwrap(condition.right);
    const collectionText = ts.isPropertyAccessExpression(bound) && bound.name.text === 'length' ? bound.expression.getText(sourceFile) : undefined;
    return { itemNames: new Set(names), collectionText };
  }
  return undefined; // while / do-while: cursors, queues and polling; not judged as independent items
}

/** Names derived from the loop item inside the body (`const id = item.id`), transitively in source order. */
export function derivedNames(body: ts.Node, items: Set<string>): Set<string> {
  const names = new Set(items);
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && node.initializer) {
      const reads = identifiersRead(node.initializer);
      if ([...reads].some((r) => names.has(r))) for (const n of bindingIdentifiers(node.name)) names.add(n);
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
  return names;
}

export const MUTATING_METHODS = /^(push|unshift|add|set|delete|splice|pop|shift|clear|append|addAll|put|remove|insert)$/;

/**
 * A value written by one iteration and read by another: a cursor, a page token, `prev = cur`, a dedup set
 * (`if (seen.has(id)) continue; ... seen.add(id)`). Writes that nothing else in the loop reads (`count++`,
 * `results.push(await f(x))`, `byId[x.id] = v`) are order-free and do not count.
 */
export function loopCarried(loop: LoopNode, body: ts.Statement, sourceFile: ts.SourceFile): string | undefined {
  const local = declaredNames(body);
  if (ts.isForOfStatement(loop) || ts.isForInStatement(loop)) {
    const init = loop.initializer;
    if (ts.isVariableDeclarationList(init)) for (const d of init.declarations) for (const n of bindingIdentifiers(d.name)) local.add(n);
  }
  /** Root key (`name` or `this.prop`) -> the write, for evidence. */
  const written = new Map<string, string>();
  /** Identifier / this-member nodes that are the write itself. */
  const writeSites = new Set<ts.Node>();
  const rootKey = (expression: ts.Expression): { key: string; site: ts.Node } | undefined => {
    let current = unwrap(expression);
    let thisMember: ts.PropertyAccessExpression | undefined;
    for (;;) {
      if (ts.isPropertyAccessExpression(current) || ts.isElementAccessExpression(current)) {
        if (ts.isPropertyAccessExpression(current) && current.expression.kind === ts.SyntaxKind.ThisKeyword) thisMember = current;
        current = unwrap(current.expression);
        continue;
      }
      break;
    }
    if (ts.isIdentifier(current)) return local.has(current.text) ? undefined : { key: current.text, site: current };
    if (current.kind === ts.SyntaxKind.ThisKeyword && thisMember) return { key: thisMember.getText(sourceFile), site: thisMember };
    return undefined;
  };
  const visit = (node: ts.Node): void => {
    const targets: ts.Expression[] = [];
    if (ts.isBinaryExpression(node) && isAssignmentOperator(node.operatorToken.kind)) {
      const left = unwrap(node.left);
      if (ts.isObjectLiteralExpression(left) || ts.isArrayLiteralExpression(left)) {
        const collect = (n: ts.Node): void => {
          if (ts.isIdentifier(n) && !(n.parent && ts.isPropertyAssignment(n.parent) && n.parent.name === n)) targets.push(n);
          else ts.forEachChild(n, collect);
        };
        collect(left);
      } else {
        targets.push(left);
      }
    } else if ((ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) && (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)) {
      targets.push(node.operand);
    } else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && MUTATING_METHODS.test(node.expression.name.text)) {
      targets.push(node.expression.expression);
    } else if (ts.isDeleteExpression(node)) {
      targets.push(node.expression);
    }
    for (const target of targets) {
      const root = rootKey(target);
      if (!root) continue;
      written.set(root.key, shorten(node.getText(sourceFile), 50));
      writeSites.add(root.site);
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
  if (written.size === 0) return undefined;
  const places: ts.Node[] = [body];
  if (ts.isForStatement(loop)) {
    if (loop.condition) places.push(loop.condition);
    if (loop.incrementor) places.push(loop.incrementor);
  }
  let found: string | undefined;
  const collect = (node: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(node) && !writeSites.has(node)) {
      const parent = node.parent;
      const isName = parent && ((ts.isPropertyAccessExpression(parent) && parent.name === node) || (ts.isPropertyAssignment(parent) && parent.name === node));
      if (!isName && written.has(node.text)) found = node.text;
    }
    if (ts.isPropertyAccessExpression(node) && node.expression.kind === ts.SyntaxKind.ThisKeyword && !writeSites.has(node)) {
      const key = node.getText(sourceFile);
      if (written.has(key)) found = key;
    }
    ts.forEachChild(node, collect);
  };
  for (const place of places) collect(place);
  return found ? `\`${written.get(found)}\` is read again by other iterations (loop-carried state: \`${found}\`)` : undefined;
}

export function insideCatch(node: ts.Node, body: ts.Node): boolean {
  for (let current = node.parent; current && current !== body; current = current.parent) if (ts.isCatchClause(current)) return true;
  return false;
}

/** `break`/`return`/`throw` that leaves this loop: find-first, early exit or a fail-fast check. */
export function exitsEarly(loop: LoopNode, body: ts.Statement): string | undefined {
  let found: string | undefined;
  const label = ts.isLabeledStatement(loop.parent) ? loop.parent.label.text : undefined;
  const visit = (node: ts.Node, nestedBreakable: boolean): void => {
    if (found || isFunctionBoundary(node)) return;
    if (ts.isReturnStatement(node)) {
      found = 'returns from inside the loop (find-first / early exit): later items must not start';
      return;
    }
    if (ts.isThrowStatement(node) && !insideCatch(node, body)) {
      found = 'throws from inside the loop (a fail-fast check): the first failing item stops the rest';
      return;
    }
    if (ts.isBreakStatement(node)) {
      if ((node.label && node.label.text === label) || (!node.label && !nestedBreakable) || (node.label && node.label.text !== label)) {
        found = 'breaks out of the loop (find-first / early exit): later items must not start';
        return;
      }
    }
    const breakable = nestedBreakable || isLoop(node) || ts.isSwitchStatement(node);
    ts.forEachChild(node, (child) => visit(child, breakable));
  };
  visit(body, false);
  return found;
}

/**
 * `for (const x of [a, b, c])`, or over a `const` holding a literal list or object (`Object.entries(sites)`):
 * a literal of a few items bounds the cost.
 */
export function literalItemCount(loop: LoopNode): number | undefined {
  if (!ts.isForOfStatement(loop) && !ts.isForInStatement(loop)) return undefined;
  let collection = unwrap(loop.expression);
  if (ts.isCallExpression(collection) && /^Object\.(entries|keys|values)$/.test(collection.expression.getText()) && collection.arguments[0]) collection = unwrap(collection.arguments[0]);
  if (ts.isIdentifier(collection)) {
    const name = collection.text;
    let literal: ts.Expression | undefined;
    for (let scope: ts.Node | undefined = loop.parent; scope && !literal; scope = scope.parent) {
      if (!ts.isBlock(scope) && !ts.isSourceFile(scope)) continue;
      for (const statement of scope.statements) {
        if (!ts.isVariableStatement(statement) || !(statement.declarationList.flags & ts.NodeFlags.Const)) continue;
        for (const declaration of statement.declarationList.declarations) {
          if (ts.isIdentifier(declaration.name) && declaration.name.text === name && declaration.initializer) literal = unwrap(declaration.initializer);
        }
      }
    }
    if (!literal) return undefined;
    collection = literal;
  }
  if (ts.isArrayLiteralExpression(collection)) return collection.elements.some((e) => ts.isSpreadElement(e)) ? undefined : collection.elements.length;
  if (ts.isObjectLiteralExpression(collection)) return collection.properties.some((p) => ts.isSpreadAssignment(p)) ? undefined : collection.properties.length;
  return undefined;
}

/** The call reads the item of `loop` (or a name derived from it). */
export function readsLoopItem(awaitNode: ts.AwaitExpression, loop: LoopNode, sourceFile: ts.SourceFile): boolean {
  const facts = loopItems(loop, sourceFile);
  if (!facts) return true;
  const derived = derivedNames(loop.statement, facts.itemNames);
  return [...identifiersRead(awaitNode)].some((r) => derived.has(r));
}

export function readsEnclosingLoopItem(awaitNode: ts.AwaitExpression, loop: LoopNode, sourceFile: ts.SourceFile): boolean {
  for (let current = loop.parent; current && !isFunctionBoundary(current); current = current.parent) {
    if (isLoop(current) && readsLoopItem(awaitNode, current, sourceFile)) return true;
  }
  return false;
}

/**
 * `const rate = await fx.getRate('EUR')` directly in the loop's body, before any `continue`, reading nothing the
 * body declares or any iteration assigns: the statement can move above the loop.
 */
export function hoistableStatement(awaitNode: ts.AwaitExpression, call: CallLike, loop: LoopNode, sourceFile: ts.SourceFile): ts.VariableStatement | undefined {
  const body = loop.statement;
  const declaration = awaitNode.parent;
  if (!ts.isBlock(body) || !declaration || !ts.isVariableDeclaration(declaration) || declaration.initializer !== awaitNode) return undefined;
  const statement = declaration.parent.parent;
  if (!ts.isVariableStatement(statement) || statement.parent !== body || !(statement.declarationList.flags & ts.NodeFlags.Const)) return undefined;
  if (!runsForEveryItem(awaitNode, body)) return undefined;
  const changing = declaredNames(body);
  for (const name of loopItems(loop, sourceFile)?.itemNames ?? []) changing.add(name);
  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node) && isAssignmentOperator(node.operatorToken.kind)) for (const name of identifiersRead(node.left)) changing.add(name);
    if ((ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) && (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)) for (const name of identifiersRead(node.operand)) changing.add(name);
    ts.forEachChild(node, visit);
  };
  visit(body);
  return [...identifiersRead(call)].some((name) => changing.has(name)) ? undefined : statement;
}

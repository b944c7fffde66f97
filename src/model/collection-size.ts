import { ts } from '../scanner/ts.js';
import { bindingIdentifiers } from '../scanner/imports.js';
import { words } from './io-catalog.js';
import { nameOf, shorten, unwrap, type CallLike, type LoopNode } from './syntax.js';
import { chainText, type ModelView } from './view.js';

/**
 * How many items a loop's collection can hold, judged from where the collection comes from: a query result or a
 * request's array can be large (`data`); an object's keys, a config's entries, an enum's values, a literal or a
 * split string are a handful (`small`); anything else is `unknown`. Rules map it to a cost: one round trip per
 * item is only shown to be expensive when N is data-sized.
 */
export type CollectionSize = 'data' | 'small' | 'unknown';

export interface CollectionSource {
  size: CollectionSize;
  /** What the model saw, for evidence: `the rows of pool.query (database read via pool.query (pg))`. */
  reason: string;
  /** For `data`: a read's result (`io`) or what the client sent (`request`). */
  origin?: 'io' | 'request';
}

/** A data-sized collection a caller passes (CallSite.collections, LinkedFunction.passedCollections). */
export interface PassedCollection {
  reason: string;
  origin: 'io' | 'request';
}

/**
 * What the collection source needs from the model: whether awaiting a call waits on I/O (`proven` with the
 * effect's description, `assumed` from its name only), and what callers in other files pass a parameter.
 */
export interface IoOracle {
  ioOf(call: CallLike): { level: 'proven' | 'assumed' | 'none'; via?: string };
  /** Sources already judged, by declaration, in this file (summarize.ts keeps one per file). */
  memo?: Map<ts.Node, CollectionSource>;
  /** A data-sized collection some caller passes as argument `index` of the function `fn` (link.ts), if any. */
  passedCollection?(fn: ts.Node, index: number): PassedCollection | undefined;
}

/** The project model as an oracle: the linked effects of a call, and the collections callers pass. */
export function modelOracle(model: ModelView): IoOracle {
  return {
    ioOf(call) {
      const evidence = model.ioEvidence(call, nameOf(call) ?? 'call');
      const effect = evidence.effects[0];
      return { level: evidence.level, ...(effect ? { via: `${effect.kind} ${effect.access} via ${chainText(effect)}` } : {}) };
    },
    passedCollection(fn, index) {
      return model.functionOf(fn)?.passedCollections?.[String(index)];
    },
  };
}

export const UNKNOWN_SOURCE = "N unknown: the collection's source is not a query result or request input";

/** Array methods whose result has about as many items as their receiver (or fewer). */
const SIZE_PRESERVING = /^(map|filter|slice|flatMap|flat|sort|toSorted|reverse|toReversed|concat|entries|keys|values|splice|with|reduce)$/;

/** Names that say "settings": a config's entries are a handful the code's author chose. */
const CONFIG_WORDS = new Set(['config', 'configs', 'configuration', 'options', 'opts', 'settings', 'env', 'constants', 'defaults']);

/**
 * Decorators that bind a parameter to request input (or a message's payload): NestJS, routing-controllers,
 * inversify-express-utils (`@queryParam('ids')`, `@requestBody()`).
 */
const INPUT_DECORATORS = /^(Body|Query|Param|Args|Payload|QueryParams|BodyParam|QueryParam|queryParam|requestBody|requestParam)$/;

/** A parameter typed as a request DTO (`dto: CreateOrdersDto`): what a controller hands on from the request body.
 *  Not `…Request`: an express or Fastify request object carries much that the client did not send. */
const INPUT_TYPE = /(Dto|DTO|Input|Body)$/;

/** Parts of a request a handler reads (`req.body`, `ctx.request.query`, `req.params.ids` split): what the client sent. */
const REQUEST_PARTS = new Set(['body', 'query', 'params']);

const MAX_DEPTH = 6;

const data = (reason: string, origin: 'io' | 'request'): CollectionSource => ({ size: 'data', reason: `N data-sized: ${reason}`, origin });
const small = (reason: string): CollectionSource => ({ size: 'small', reason: `N small: ${reason}` });
const unknown = (detail?: string): CollectionSource => ({ size: 'unknown', reason: detail ? `${UNKNOWN_SOURCE} (${detail})` : UNKNOWN_SOURCE });

/** The expression a loop walks: `for (x of xs)` -> xs; `for (i = 0; i < xs.length; i++)` -> xs; `i < n` -> n. */
export function loopCollection(loop: LoopNode): ts.Expression | undefined {
  if (ts.isForOfStatement(loop) || ts.isForInStatement(loop)) return loop.expression;
  if (ts.isForStatement(loop) && loop.condition && ts.isBinaryExpression(loop.condition)) {
    const bound = unwrap(loop.condition.right);
    return ts.isPropertyAccessExpression(bound) && bound.name.text === 'length' ? bound.expression : bound;
  }
  return undefined;
}

/**
 * The data-sized collections a call passes, by argument index, for the summary of the calling function: what the
 * called function's loops walk when they walk that parameter. Judged within the caller's file only (one hop).
 */
export function passedCollections(call: ts.CallExpression | ts.NewExpression, model: IoOracle, sourceFile: ts.SourceFile, file: string): Record<string, PassedCollection> | undefined {
  let found: Record<string, PassedCollection> | undefined;
  (call.arguments ?? []).forEach((argument, index) => {
    const inner = unwrap(argument);
    // Only what can hold a collection: a name, a member (not of `this`: a field is never shown data-sized), a
    // call on something (`ids.split(',')`), an await, a spread into an array.
    const member = ts.isPropertyAccessExpression(inner) || ts.isElementAccessExpression(inner);
    if (member && memberRoot(inner).kind === ts.SyntaxKind.ThisKeyword) return;
    if (!(ts.isIdentifier(inner) || member || ts.isAwaitExpression(inner) || (ts.isCallExpression(inner) && inner.arguments.length < 3) || ts.isArrayLiteralExpression(inner))) return;
    const source = sourceOf(inner, { model, sourceFile, depth: 0, seen: new Set(), hopped: true });
    if (source.size === 'data' && source.origin) {
      const line = sourceFile.getLineAndCharacterOfPosition(call.getStart(sourceFile)).line + 1;
      (found ??= {})[String(index)] = { reason: `${source.reason.replace(/^N data-sized: /, '')} (${file}:${line})`, origin: source.origin };
    }
  });
  return found;
}

/** Where the collection a loop walks comes from, and so whether N can be large. */
export function loopCollectionSource(loop: LoopNode, model: IoOracle, sourceFile: ts.SourceFile): CollectionSource {
  const collection = loopCollection(loop);
  if (!collection) return unknown();
  return sourceOf(collection, { model, sourceFile, depth: 0, seen: new Set() });
}

interface Walk {
  model: IoOracle;
  sourceFile: ts.SourceFile;
  depth: number;
  seen: Set<ts.Node>;
  /** Already following a parameter to its callers: one hop only. */
  hopped?: boolean;
}

function deeper(walk: Walk): Walk {
  return { ...walk, depth: walk.depth + 1 };
}

function text(node: ts.Node, walk: Walk): string {
  return shorten(node.getText(walk.sourceFile).replace(/\s+/g, ' '), 40);
}

export function sourceOf(expression: ts.Expression, walk: Walk): CollectionSource {
  if (walk.depth > MAX_DEPTH) return unknown();
  const node = unwrap(expression);
  if (ts.isAwaitExpression(node)) {
    const operand = unwrap(node.expression);
    if (ts.isCallExpression(operand) || ts.isTaggedTemplateExpression(operand)) return awaitedCall(operand, walk) ?? sourceOf(operand, deeper(walk));
    return sourceOf(operand, deeper(walk));
  }
  if (ts.isArrayLiteralExpression(node)) {
    const spreads = node.elements.filter(ts.isSpreadElement);
    if (spreads.length === 0) return small(`a literal list of ${node.elements.length} items`);
    return largest(spreads.map((s) => sourceOf(s.expression, deeper(walk))));
  }
  if (ts.isObjectLiteralExpression(node)) return small('an object literal');
  if (ts.isNumericLiteral(node)) return small(`a literal bound of ${node.text}`);
  if (ts.isStringLiteralLike(node)) return small('a literal string');
  if (ts.isBinaryExpression(node) && (node.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || node.operatorToken.kind === ts.SyntaxKind.BarBarToken)) return sourceOf(node.left, deeper(walk));
  if (ts.isConditionalExpression(node)) return largest([sourceOf(node.whenTrue, deeper(walk)), sourceOf(node.whenFalse, deeper(walk))]);
  if (ts.isNewExpression(node)) {
    const built = ts.isIdentifier(node.expression) ? node.expression.text : '';
    if (/^(Map|Set|WeakMap|WeakSet|Array)$/.test(built)) {
      const argument = node.arguments?.[0];
      return argument ? sourceOf(argument, deeper(walk)) : small(`a \`new ${built}()\` built in the function`);
    }
    return unknown();
  }
  if (ts.isCallExpression(node)) return callSource(node, walk);
  if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) return memberSource(node, walk);
  if (ts.isIdentifier(node)) return identifierSource(node, walk);
  return unknown();
}

/** The largest of several possible sources: data if any is, unknown before small. */
function largest(sources: CollectionSource[]): CollectionSource {
  return sources.find((s) => s.size === 'data') ?? sources.find((s) => s.size === 'unknown') ?? sources[0] ?? unknown();
}

/** `await pool.query(...)`, `await this.repo.find()`: a result the model proves comes from I/O is data-sized. */
function awaitedCall(call: CallLike, walk: Walk): CollectionSource | undefined {
  const io = walk.model.ioOf(call);
  if (io.level === 'proven') return data(`the result of \`${text(call, walk)}\`${io.via ? ` (${io.via})` : ''}`, 'io');
  if (io.level === 'assumed') return unknown(`\`${text(call, walk)}\` reads I/O by its name only`);
  return undefined;
}

function callSource(call: ts.CallExpression, walk: Walk): CollectionSource {
  const callee = unwrap(call.expression);
  // `Object.keys`, `JSON.parse`, `String`: named without reading the source text (this runs for every argument
  // of every project call when files are summarised).
  const calleeText = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) ? `${callee.expression.text}.${callee.name.text}` : '';
  const first = call.arguments[0];
  if (/^Object\.(keys|values|entries)$/.test(calleeText) && first) {
    const of = sourceOf(first, deeper(walk));
    // An object's fields: an options bag, an enum, a record's JSON column (the tables a saved filter links to)
    // are a handful the code names, even when the record came from a query. An object the client sent may hold
    // any number of keys: unknown. (A hash read whole, `Object.keys(await redis.hgetall(k))`, is missed here.)
    if (of.origin === 'request' || isRequestObject(unwrap(first), walk)) return unknown(`the keys of \`${text(first, walk)}\`, an object the client sends`);
    const what = of.size === 'small' ? of.reason.replace(/^N small: /, '') : "an object's fields";
    return small(`the ${calleeText.slice(7)} of \`${text(first, walk)}\`: ${what}`);
  }
  // What a read returned, parsed: `JSON.parse(await redis.get(key))`, `await (await fetch(url)).json()`.
  if ((calleeText === 'JSON.parse' || calleeText === 'String') && first) return sourceOf(first, deeper(walk));
  if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'json' && call.arguments.length === 0) return sourceOf(callee.expression, deeper(walk));
  if (/^Array\.(from|of)$/.test(calleeText)) {
    if (calleeText === 'Array.of') return small('a literal list');
    return first ? sourceOf(first, deeper(walk)) : unknown();
  }
  if (ts.isPropertyAccessExpression(callee)) {
    const method = callee.name.text;
    if (method === 'split') {
      const of = sourceOf(callee.expression, deeper(walk));
      return of.size === 'data' ? of : small(`a split of the string \`${text(callee.expression, walk)}\``);
    }
    if (SIZE_PRESERVING.test(method)) return sourceOf(callee.expression, deeper(walk));
  }
  // A call that is not awaited: a promise, or a synchronous helper whose result the model does not size.
  return unknown();
}

function memberSource(node: ts.PropertyAccessExpression | ts.ElementAccessExpression, walk: Walk): CollectionSource {
  const path: string[] = [];
  let root: ts.Expression = node;
  for (;;) {
    const current = unwrap(root);
    if (ts.isPropertyAccessExpression(current)) {
      path.unshift(current.name.text);
      root = current.expression;
    } else if (ts.isElementAccessExpression(current)) {
      path.unshift(ts.isStringLiteralLike(current.argumentExpression) ? current.argumentExpression.text : '[]');
      root = current.expression;
    } else {
      root = current;
      break;
    }
  }
  if (isRequestInput(root, path, walk)) return data(`\`${text(node, walk)}\` is request input: the client decides how many items it sends`, 'request');
  if (path.some((segment) => words(segment).some((w) => CONFIG_WORDS.has(w))) || (ts.isIdentifier(root) && words(root.text).some((w) => CONFIG_WORDS.has(w)))) {
    return small(`\`${text(node, walk)}\` is configuration: a handful of entries`);
  }
  if (root.kind === ts.SyntaxKind.ThisKeyword) return unknown(`\`${text(node, walk)}\` is a field of the object`);
  const of = sourceOf(root, deeper(walk));
  if (of.size === 'data') return { ...of, reason: `${of.reason}, its \`${path.join('.')}\`` };
  // A field of an enum or a small literal is small too; of anything else, unknown.
  return of.size === 'small' ? of : unknown();
}

/** `req.body.ids`, `ctx.request.body.items`, `request.query.tags`, `req.params.ids`, `dto.ids` with `@Body() dto`. */
function isRequestInput(root: ts.Expression, path: string[], walk: Walk): boolean {
  if (!ts.isIdentifier(root)) return false;
  const declaration = resolve(root);
  if (!declaration || !ts.isParameter(declaration.node)) return false;
  if (isInputParameter(declaration.node)) return path.length > 0;
  if (!isRequestParameter(declaration.node)) return false;
  const rest = path[0] === 'request' ? path.slice(1) : path;
  return REQUEST_PARTS.has(rest[0] ?? '') && rest.length > 1;
}

/** `req.body` / `ctx.request.body` itself: an object the client sends. */
function isRequestObject(node: ts.Expression, walk: Walk): boolean {
  const path: string[] = [];
  let root = node;
  while (ts.isPropertyAccessExpression(root)) {
    path.unshift(root.name.text);
    root = unwrap(root.expression);
  }
  if (!ts.isIdentifier(root)) return false;
  const declaration = resolve(root);
  if (!declaration || !ts.isParameter(declaration.node)) return false;
  if (isInputParameter(declaration.node)) return true;
  if (!isRequestParameter(declaration.node)) return false;
  const rest = path[0] === 'request' ? path.slice(1) : path;
  return REQUEST_PARTS.has(rest[0] ?? '');
}

/** A handler's request or context (`req`, `ctx`, `request: FastifyRequest`): `opts.params` of a helper is not one. */
function isRequestParameter(parameter: ts.ParameterDeclaration): boolean {
  if (ts.isIdentifier(parameter.name) && /^(req|request|ctx|context|c|event|message|msg)$/i.test(parameter.name.text)) return true;
  const type = parameter.type;
  return type !== undefined && ts.isTypeReferenceNode(type) && /Request|Context/.test(entityText(type.typeName));
}

/** `@Body() dto`, `@Query('ids') ids`, `input: CreateOrdersDto`: the parameter is what the client sent. */
function isInputParameter(parameter: ts.ParameterDeclaration): boolean {
  const decorators = ts.canHaveDecorators(parameter) ? (ts.getDecorators(parameter) ?? []) : [];
  if (decorators.some((d) => {
    const expression = ts.isCallExpression(d.expression) ? d.expression.expression : d.expression;
    return ts.isIdentifier(expression) && INPUT_DECORATORS.test(expression.text);
  })) return true;
  const type = parameter.type;
  if (type && ts.isTypeReferenceNode(type)) return INPUT_TYPE.test(entityText(type.typeName));
  if (type && ts.isArrayTypeNode(type) && ts.isTypeReferenceNode(type.elementType)) return INPUT_TYPE.test(entityText(type.elementType.typeName));
  return false;
}

function memberRoot(node: ts.Expression): ts.Expression {
  let current = node;
  while (ts.isPropertyAccessExpression(current) || ts.isElementAccessExpression(current) || ts.isCallExpression(current)) current = unwrap(current.expression);
  return current;
}

function entityText(name: ts.EntityName): string {
  return ts.isIdentifier(name) ? name.text : name.right.text;
}

function identifierSource(identifier: ts.Identifier, walk: Walk): CollectionSource {
  const declaration = resolve(identifier);
  if (!declaration) return unknown(`\`${identifier.text}\` is not declared in this file`);
  if (walk.seen.has(declaration.node)) return unknown();
  walk.seen.add(declaration.node);
  const memo = walk.model.memo;
  const known = memo?.get(declaration.node);
  if (known) return known;
  const judged = declarationSource(identifier, declaration, walk);
  memo?.set(declaration.node, judged);
  return judged;
}

function declarationSource(identifier: ts.Identifier, declaration: Declaration, walk: Walk): CollectionSource {
  const { node, loop } = declaration;
  if (ts.isEnumDeclaration(node)) return small(`the members of the enum \`${identifier.text}\``);
  if (ts.isParameter(node)) {
    if (isInputParameter(node)) return data(`\`${identifier.text}\` is request input: the client decides how many items it sends`, 'request');
    return walk.hopped ? unknown() : parameterSource(node, identifier.text, walk);
  }
  if (loop) {
    // An item's array field of a data-sized collection (`order.lines` for each order of a query) is data too.
    const outer = sourceOf(loop, deeper(walk));
    return outer.size === 'data' ? { ...outer, reason: `${outer.reason}, an item of it` } : unknown();
  }
  if (ts.isVariableDeclaration(node) && node.initializer) {
    const fromInitializer = sourceOf(node.initializer, deeper(walk));
    // `const { rows } = await pool.query(...)`, `const { ids } = req.body`: a field of the initializer.
    if (!ts.isIdentifier(node.name) && fromInitializer.size !== 'data' && isRequestObject(unwrap(node.initializer), walk)) {
      return data(`\`${identifier.text}\` is a field of \`${text(node.initializer, walk)}\`, request input: the client decides how many items it sends`, 'request');
    }
    const declaredEmpty = ts.isArrayLiteralExpression(unwrap(node.initializer)) && (unwrap(node.initializer) as ts.ArrayLiteralExpression).elements.length === 0;
    // An array declared empty is filled later: how many items it gets is not known here.
    if (declaredEmpty) return unknown(`\`${identifier.text}\` is filled in the function`);
    return fromInitializer;
  }
  return unknown();
}

/** Calls to one function followed for a parameter's collection, at most. */
const MAX_CALLERS = 20;

/**
 * A parameter's collection is what the function's callers in this file pass (one hop): data-sized when some
 * caller passes a query result or request input, small when every caller passes a handful. Callers in other
 * files are not followed, so a function only they call has an unknown N.
 */
function parameterSource(parameter: ts.ParameterDeclaration, name: string, walk: Walk): CollectionSource {
  const fn = parameter.parent;
  const index = fn.parameters.indexOf(parameter);
  const fnName = functionName(fn);
  const elsewhere = walk.model.passedCollection?.(fn, index);
  if (elsewhere) return { size: 'data', reason: `N data-sized: ${elsewhere.reason}, passed as \`${name}\``, origin: elsewhere.origin };
  const notFollowed = unknown(`\`${name}\` is a parameter, and no caller is seen passing it a query result or request input`);
  if (!fnName || !ts.isIdentifier(parameter.name) || fn.parameters.slice(0, index + 1).some((p) => p.dotDotDotToken)) return notFollowed;
  const method = ts.isMethodDeclaration(fn);
  const calls: ts.CallExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (calls.length > MAX_CALLERS) return;
    if (ts.isCallExpression(node)) {
      const callee = unwrap(node.expression);
      const named = method
        ? ts.isPropertyAccessExpression(callee) && callee.expression.kind === ts.SyntaxKind.ThisKeyword && callee.name.text === fnName
        : ts.isIdentifier(callee) && callee.text === fnName;
      if (named) calls.push(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(walk.sourceFile);
  if (calls.length === 0 || calls.length > MAX_CALLERS) return notFollowed;
  const passed = calls.map((call) => {
    const argument = call.arguments[index];
    const line = walk.sourceFile.getLineAndCharacterOfPosition(call.getStart(walk.sourceFile)).line + 1;
    return { line, source: argument && !ts.isSpreadElement(argument) ? sourceOf(argument, { ...walk, depth: walk.depth + 1, hopped: true }) : unknown() };
  });
  const large = passed.find((p) => p.source.size === 'data');
  if (large) return { ...large.source, reason: `${large.source.reason}, passed as \`${name}\` by the call at line ${large.line}` };
  if (passed.every((p) => p.source.size === 'small')) return small(`every caller in this file passes a handful as \`${name}\` (${passed[0]?.source.reason.replace(/^N small: /, '')}${passed.length > 1 ? ', ...' : ''})`);
  return unknown(`\`${name}\` is a parameter; its callers in this file pass collections of unknown source`);
}

/** The name callers use: a function declaration's, a method's (called on `this`), or the const holding it. */
function functionName(fn: ts.SignatureDeclaration): string | undefined {
  if ((ts.isFunctionDeclaration(fn) || ts.isMethodDeclaration(fn)) && fn.name && ts.isIdentifier(fn.name)) return fn.name.text;
  if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name)) return fn.parent.name.text;
  return undefined;
}

interface Declaration {
  node: ts.VariableDeclaration | ts.ParameterDeclaration | ts.EnumDeclaration | ts.Node;
  /** For a name bound by an enclosing `for...of`: the collection that loop walks. */
  loop?: ts.Expression;
}

/** The declaration of `identifier` in this file: a variable, parameter, enum or loop binding in an enclosing scope. */
function resolve(identifier: ts.Identifier): Declaration | undefined {
  const name = identifier.text;
  const declares = (binding: ts.BindingName): boolean => (ts.isIdentifier(binding) ? binding.text === name : bindingIdentifiers(binding).includes(name));
  for (let scope: ts.Node | undefined = identifier.parent; scope; scope = scope.parent) {
    if ((ts.isForOfStatement(scope) || ts.isForInStatement(scope)) && ts.isVariableDeclarationList(scope.initializer) && scope.initializer.declarations.some((d) => declares(d.name)) && !(identifier.pos >= scope.expression.pos && identifier.end <= scope.expression.end)) {
      return { node: scope.initializer.declarations[0] ?? scope, loop: scope.expression };
    }
    if (ts.isFunctionLike(scope)) {
      const parameter = scope.parameters.find((p) => declares(p.name));
      if (parameter) return { node: parameter };
    }
    const statements = ts.isBlock(scope) || ts.isSourceFile(scope) || ts.isModuleBlock(scope) ? scope.statements : ts.isCaseClause(scope) || ts.isDefaultClause(scope) ? scope.statements : undefined;
    if (!statements) continue;
    for (const statement of statements) {
      if (ts.isEnumDeclaration(statement) && statement.name.text === name) return { node: statement };
      if (!ts.isVariableStatement(statement)) continue;
      for (const declaration of statement.declarationList.declarations) if (declares(declaration.name)) return { node: declaration };
    }
  }
  return undefined;
}

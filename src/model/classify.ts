import { ts } from '../scanner/ts.js';
import { bindingIdentifiers, type ImportScope, skipOuter } from '../scanner/imports.js';
import { accessOfHttpVerb, accessOfName, accessOfSql, ioKindOfModule, isHelperMember, isQueryBuilderExport, isLimiterModule, isMemoryModule, isSyncFsMember, LIMITER_METHODS, MEMORY_GLOBALS } from './io-catalog.js';
import type { Access, CalleeRef, ClassSummary, DirectEffect, HeldValue } from './types.js';
import { heldValueOfCallbackParameter } from './callbacks.js';
import { cacheThroughCall, memoizerCall } from './memoize.js';
import { TreeMemo } from './tree-memo.js';

/**
 * What one call does, as far as its file shows: I/O through a library (directly or through a handle a
 * library made), work through a limiter, or a call into project code that the linker resolves.
 */

export interface ClassifyContext {
  scope: ImportScope;
  sourceFile: ts.SourceFile;
  classes: Record<string, ClassSummary>;
  values: Record<string, HeldValue>;
  locals: Record<string, string>;
}

export type CallOutcome =
  | { kind: 'io'; effect: Omit<DirectEffect, 'line'> }
  /** Answered in memory (a Map, an LRU cache, a pure library such as fp-ts): known, and no I/O. */
  | { kind: 'memory' }
  | { kind: 'limiter'; via: string }
  | { kind: 'call'; ref: CalleeRef };

const NODE_BUILTINS = new Set(['assert', 'async_hooks', 'buffer', 'child_process', 'cluster', 'console', 'constants', 'crypto', 'dgram', 'diagnostics_channel', 'dns', 'domain', 'events', 'inspector', 'module', 'net', 'os', 'path', 'path/posix', 'path/win32', 'perf_hooks', 'process', 'punycode', 'querystring', 'readline', 'repl', 'stream', 'stream/promises', 'string_decoder', 'timers', 'timers/promises', 'tls', 'trace_events', 'tty', 'url', 'util', 'v8', 'vm', 'wasi', 'worker_threads', 'zlib', 'global']);
const QUERY_NAMES = /^(query|execute|exec|raw|sql|queryRaw|\$queryRaw|\$executeRaw|\$queryRawUnsafe|\$executeRawUnsafe|executeRaw|unsafe|many|one|oneOrNone|manyOrNone|any|none|all|get|run)$/;
const SQL_START = /^\s*\(?\s*(select|insert|update|delete|with|pragma|create|drop|alter|truncate|begin|start|commit|rollback|savepoint|set|show|describe|explain|merge|upsert|replace|lock|call|exec|execute|grant|revoke|vacuum|analyze|copy|listen|notify|refresh|reindex|values)\b/i;
const RPC_CALLS = /^(call|send|request|invoke|rpc|execute|sendRequest|jsonRpc)$/;

/** A project module (relative, alias or workspace package) rather than Node's or a library's: the linker decides. */
function mayBeProjectModule(module: string): boolean {
  return !NODE_BUILTINS.has(module) && ioKindOfModule(module) === undefined && !isLimiterModule(module) && !isMemoryModule(module);
}

export function heldValueOfModuleRef(module: string, path: string[]): HeldValue | undefined {
  // Prisma generates its client where the schema says (`output = "../src/generated/prisma"`): the class names it.
  if (path[0] === 'PrismaClient') return { kind: 'io', io: 'database', module: '@prisma/client' };
  const io = ioKindOfModule(module);
  if (io) return { kind: 'io', io, module };
  if (isLimiterModule(module)) return { kind: 'limiter', module };
  if (isMemoryModule(module)) return { kind: 'memory', module };
  if (mayBeProjectModule(module) && path.length > 0) return { kind: 'class', ref: { kind: 'import', module, name: path[0] ?? 'default' } };
  if (mayBeProjectModule(module)) return { kind: 'class', ref: { kind: 'import', module, name: 'default' } };
  return undefined;
}

/** What a declared type says a value holds: `Pool`, `Repository<User>`, `UsersService` (imported), a local class. */
export function heldValueOfType(type: ts.TypeNode, scope: ImportScope): HeldValue | undefined {
  if (ts.isUnionTypeNode(type)) {
    for (const member of type.types) {
      const held = heldValueOfType(member, scope);
      if (held) return held;
    }
    return undefined;
  }
  // `typeof UserModel` (Egg/tegg, Midway inject the model class itself): the class, whose statics query.
  if (ts.isTypeQueryNode(type)) {
    const root = ts.isIdentifier(type.exprName) ? type.exprName : leftmost(type.exprName);
    const ref = scope.resolve(root);
    if (ref && ref.module !== 'global') return heldValueOfModuleRef(ref.module, ts.isIdentifier(type.exprName) ? ref.path : [...ref.path, ...qualifiedRest(type.exprName)]);
    return ts.isIdentifier(type.exprName) ? { kind: 'class', ref: { kind: 'local', name: type.exprName.text } } : undefined;
  }
  if (!ts.isTypeReferenceNode(type)) return undefined;
  const name = type.typeName;
  const root = ts.isIdentifier(name) ? name : leftmost(name);
  const ref = scope.resolve(root);
  if (ref && ref.module !== 'global') {
    const path = ts.isIdentifier(name) ? ref.path : [...ref.path, ...qualifiedRest(name)];
    const held = heldValueOfModuleRef(ref.module, path);
    // `client: PoolClient`, `conn: Connection`, `runner: QueryRunner`: one connection, its calls queue.
    if (held?.kind === 'io' && SINGLE_CONNECTION_TYPE.test(path.at(-1) ?? '')) return { ...held, single: true };
    return held;
  }
  if (ts.isIdentifier(name)) return { kind: 'class', ref: { kind: 'local', name: name.text } };
  return undefined;
}

function leftmost(name: ts.QualifiedName): ts.Identifier {
  let current: ts.EntityName = name;
  while (ts.isQualifiedName(current)) current = current.left;
  return current;
}

function qualifiedRest(name: ts.QualifiedName): string[] {
  const parts: string[] = [];
  let current: ts.EntityName = name;
  while (ts.isQualifiedName(current)) {
    parts.unshift(current.right.text);
    current = current.left;
  }
  return parts;
}

/**
 * What an initialiser makes: `new Pool()`, `axios.create()`, `knex({...})`, `pLimit(3)` (library handles),
 * `await pool.connect()` (one connection), `new UsersService()` (a project class).
 */
export function heldValueOfExpression(expression: ts.Expression, scope: ImportScope, classes: Record<string, ClassSummary>, values: Record<string, HeldValue> = {}): HeldValue | undefined {
  let inner = skipOuter(expression);
  const awaited = ts.isAwaitExpression(expression) || (ts.isParenthesizedExpression(expression) && ts.isAwaitExpression(expression.expression));
  // `globalForPrisma.prisma ?? new PrismaClient()`: a cached client or a new one, the same kind either way.
  if (ts.isBinaryExpression(inner) && (inner.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || inner.operatorToken.kind === ts.SyntaxKind.BarBarToken) && ts.isPropertyAccessExpression(skipOuter(inner.left))) {
    return heldValueOfExpression(inner.right, scope, classes, values);
  }
  if (ts.isNewExpression(inner)) {
    const ref = scope.resolve(inner.expression);
    if (ref && ref.module !== 'global') return heldValueOfModuleRef(ref.module, ref.path);
    if (ts.isIdentifier(inner.expression) && MEMORY_GLOBALS.test(inner.expression.text) && !localDeclaration(inner, inner.expression.text)) return { kind: 'memory', module: inner.expression.text };
    if (ts.isIdentifier(inner.expression)) return { kind: 'class', ref: { kind: 'local', name: inner.expression.text } };
    return undefined;
  }
  if (ts.isCallExpression(inner)) {
    // `memoize(load)`: a memoised function, answered from memory after its first call (memoize.ts).
    const memoizer = memoizerCall(inner);
    if (memoizer) return { kind: 'memory', module: memoizer };
    // `createCookieSessionStorage({ cookie })` (Remix, React Router): the session lives in the cookie the request
    // carries; reading or committing it parses or serialises a header, and waits on nothing.
    const made = skipOuter(inner.expression);
    const maker = ts.isIdentifier(made) ? made.text : ts.isPropertyAccessExpression(made) ? made.name.text : undefined;
    if (maker && IN_MEMORY_SESSION_MAKERS.test(maker)) return { kind: 'memory', module: maker };
    // A call makes a handle only as a factory (`axios.create()`, `knex({...})`, `pool.connect()`); an awaited
    // query or request returns data (`const { rows } = await pool.query(...)`), which is no handle.
    const ref = scope.resolve(inner.expression);
    const method = ts.isPropertyAccessExpression(inner.expression) ? inner.expression.name.text : undefined;
    // A project function's result, awaited or not: the linker looks at what it returns (factories.ts).
    const factory = projectFactoryRef(inner, ref);
    if (factory) return { kind: 'returned', ref: factory };
    // `db.selectFrom('users').selectAll().where(...)` on a library whose builders run nothing until a terminal
    // call: the value is still a builder of that library, so `.execute()` on it later is the I/O.
    if (method && ts.isPropertyAccessExpression(inner.expression)) {
      const receiver = skipOuter(inner.expression.expression) as ts.Expression;
      const receiverHeld = ts.isCallExpression(receiver) ? heldValueOfExpression(receiver, scope, classes, values) : heldValueOfReceiver(receiver, scope, classes, values);
      const terminal = receiverHeld?.kind === 'io' ? TERMINAL_ONLY[receiverHeld.module] : undefined;
      if (receiverHeld?.kind === 'io' && terminal && !terminal.test(method)) {
        const access = builderAccess(method);
        return access ? { ...receiverHeld, access } : receiverHeld;
      }
    }
    if (!isFactoryCall(method, awaited)) return undefined;
    if (ref && ref.module !== 'global') {
      const io = ioKindOfModule(ref.module);
      if (io) return { kind: 'io', io, module: ref.module, ...singleIf(ref.path.at(-1)) };
      if (isLimiterModule(ref.module)) return { kind: 'limiter', module: ref.module };
      return undefined;
    }
    if (ts.isPropertyAccessExpression(inner.expression)) {
      const receiverHeld = heldValueOfReceiver(inner.expression.expression, scope, classes, values);
      if (receiverHeld?.kind === 'io') return { ...receiverHeld, ...singleIf(method) };
    }
    return undefined;
  }
  inner = skipOuter(inner);
  if (ts.isIdentifier(inner)) {
    const ref = scope.resolve(inner);
    if (ref && ref.module !== 'global') return heldValueOfModuleRef(ref.module, ref.path);
  }
  return undefined;
}

const IN_MEMORY_SESSION_MAKERS = /^(createCookieSessionStorage|createMemorySessionStorage|createCookie)$/;

/** `createApiClient()` (imported or local), `this.makeClient()`: a call into project code whose result the linker can follow. */
function projectFactoryRef(call: ts.CallExpression, ref: { module: string; path: string[] } | undefined): CalleeRef | undefined {
  const callee = skipOuter(call.expression);
  if (ref && ref.module !== 'global') return mayBeProjectModule(ref.module) && ref.path.length <= 2 ? { kind: 'import', module: ref.module, path: ref.path } : undefined;
  if (ts.isIdentifier(callee)) return localDeclaration(callee, callee.text) || ref ? undefined : { kind: 'local', name: callee.text };
  if (ts.isPropertyAccessExpression(callee) && callee.expression.kind === ts.SyntaxKind.ThisKeyword) {
    const className = classNameOf(callee);
    return className ? { kind: 'this', className, method: callee.name.text } : undefined;
  }
  return undefined;
}

const SINGLE_CONNECTION_TYPE = /^(DatabaseTransactionConnection|DatabasePoolConnection|PoolClient|PoolConnection|Connection|QueryRunner|ClientSession|Transaction|Knex\.Transaction|Trx|Session|ClientBase|TransactionClient|EntityManager)$/;
const CONNECT_METHODS = /^(connect|createConnection|getConnection|acquire|createQueryRunner|startSession|getClient|reserve|beginTransaction)$/;
const FACTORY_METHODS = /^(create\w*|producer|consumer|admin|connect|getConnection|acquire|getClient|duplicate|startSession|createQueryRunner|db|collection|getRepository|getCustomRepository|model|table|withSchema|client|init|instance|extend|child|defaults|pool|promise)$/;

/** `undefined` method: the module or handle itself is called (`knex(config)`, `pLimit(3)`). */
function isFactoryCall(method: string | undefined, awaited: boolean): boolean {
  if (awaited) return method !== undefined && CONNECT_METHODS.test(method);
  return method === undefined || FACTORY_METHODS.test(method);
}

function singleIf(method: string | undefined): { single?: boolean } {
  return method && /^(connect|createConnection|acquire|getConnection|createQueryRunner|startSession|getClient|reserve|transaction|beginTransaction)$/.test(method) ? { single: true } : {};
}

function heldValueOfReceiver(expression: ts.Expression, scope: ImportScope, classes: Record<string, ClassSummary>, values: Record<string, HeldValue>): HeldValue | undefined {
  const inner = skipOuter(expression);
  const ref = scope.resolve(inner);
  if (ref && ref.module !== 'global') return heldValueOfModuleRef(ref.module, ref.path);
  // `const client = await pool.connect()` with `const pool = new Pool()` at module level.
  if (ts.isIdentifier(inner) && !localDeclaration(inner, inner.text)) return values[inner.text];
  if (ts.isPropertyAccessExpression(inner) && inner.expression.kind === ts.SyntaxKind.ThisKeyword) {
    const className = classNameOf(inner);
    return className ? classes[className]?.fields[inner.name.text] : undefined;
  }
  return undefined;
}

function classNameOf(node: ts.Node): string | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (ts.isClassLike(current)) return current.name?.text;
  }
  return undefined;
}

/** `this.a.b.c` with no call inside: every link is a property read. */
function propertyChain(callee: ts.Expression): boolean {
  let current: ts.Node = skipOuter(callee);
  while (ts.isPropertyAccessExpression(current)) current = skipOuter(current.expression);
  return current.kind === ts.SyntaxKind.ThisKeyword;
}

/** A chain `root.m1(...).m2.m3(...)` split into its root expression and member names, outermost last. */
export function memberChain(callee: ts.Expression): { root: ts.Expression; members: string[] } {
  const members: string[] = [];
  let current: ts.Node = skipOuter(callee);
  for (;;) {
    if (ts.isPropertyAccessExpression(current)) {
      members.unshift(current.name.text);
      current = skipOuter(current.expression);
      continue;
    }
    if (ts.isElementAccessExpression(current)) {
      members.unshift(ts.isStringLiteralLike(current.argumentExpression) ? current.argumentExpression.text : '[]');
      current = skipOuter(current.expression);
      continue;
    }
    if (ts.isCallExpression(current)) {
      current = skipOuter(current.expression);
      continue;
    }
    return { root: current as ts.Expression, members };
  }
}

type LocalDeclaration = ts.ParameterDeclaration | ts.VariableDeclaration;
// Per tree, not a WeakMap over every tree: see tree-memo.ts.
const declarationsByTree = new TreeMemo<Map<string, LocalDeclaration>>();

/** Names a function, block or for-loop declares directly: built once per scope, asked for every receiver. */
function declarationsOf(scope: ts.Node, declarationsByScope: Map<ts.Node, Map<string, LocalDeclaration>>): Map<string, LocalDeclaration> | undefined {
  const isScope = ts.isFunctionLike(scope) || ts.isBlock(scope) || ts.isCaseClause(scope) || ts.isDefaultClause(scope) || ts.isForOfStatement(scope) || ts.isForStatement(scope) || ts.isForInStatement(scope);
  if (!isScope) return undefined;
  let names = declarationsByScope.get(scope);
  if (names) return names;
  names = new Map();
  const add = (name: ts.BindingName, declaration: LocalDeclaration) => {
    for (const id of bindingIdentifiers(name)) if (!names?.has(id)) names?.set(id, declaration);
  };
  if (ts.isFunctionLike(scope)) for (const parameter of scope.parameters) add(parameter.name, parameter);
  const statements = ts.isBlock(scope) || ts.isCaseClause(scope) || ts.isDefaultClause(scope) ? scope.statements : undefined;
  for (const statement of statements ?? []) {
    if (ts.isVariableStatement(statement)) for (const declaration of statement.declarationList.declarations) add(declaration.name, declaration);
  }
  if ((ts.isForOfStatement(scope) || ts.isForStatement(scope) || ts.isForInStatement(scope)) && scope.initializer && ts.isVariableDeclarationList(scope.initializer)) {
    for (const declaration of scope.initializer.declarations) add(declaration.name, declaration);
  }
  declarationsByScope.set(scope, names);
  return names;
}

/**
 * The call's receiver is an instance the enclosing function builds itself (`const ctx = new RequestContext(req);
 * await ctx.user()`): anything it memoises in its fields starts empty, so its first call here is a load.
 */
export function freshLocalInstance(call: ts.Node): boolean {
  if (!ts.isCallExpression(call)) return false;
  const callee = skipOuter(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return false;
  const receiver = skipOuter(callee.expression);
  if (!ts.isIdentifier(receiver)) return false;
  const declaration = localDeclaration(receiver, receiver.text);
  const init = declaration && ts.isVariableDeclaration(declaration) && declaration.initializer ? skipOuter(declaration.initializer) : undefined;
  return init !== undefined && ts.isNewExpression(init);
}

/** The declaration of `name` visible at `at` inside functions (parameters, variables); undefined at module level. */
function localDeclaration(at: ts.Node, name: string): LocalDeclaration | undefined {
  const declarationsByScope = declarationsByTree.of(at);
  for (let scope: ts.Node | undefined = at.parent; scope && !ts.isSourceFile(scope); scope = scope.parent) {
    const found = declarationsOf(scope, declarationsByScope)?.get(name);
    if (found) return found;
  }
  return undefined;
}

/**
 * The key under which a function assigned to a local const (`const load = async () => ...` inside a function)
 * is listed among the file's locals: its start position, which no identifier can collide with.
 */
export function closureKey(declaration: ts.Node, sourceFile: ts.SourceFile): string | undefined {
  if (!ts.isVariableDeclaration(declaration) || !declaration.initializer || !ts.isVariableDeclarationList(declaration.parent)) return undefined;
  if ((declaration.parent.flags & ts.NodeFlags.Const) === 0) return undefined;
  const init = skipOuter(declaration.initializer);
  if (!ts.isArrowFunction(init) && !ts.isFunctionExpression(init)) return undefined;
  return `@${init.getStart(sourceFile)}`;
}

function thisFieldBinding(declaration: ts.VariableDeclaration, name: string, context: ClassifyContext): HeldValue | undefined {
  if (!ts.isObjectBindingPattern(declaration.name) || !declaration.initializer || skipOuter(declaration.initializer).kind !== ts.SyntaxKind.ThisKeyword) return undefined;
  const className = classNameOf(declaration);
  for (const element of declaration.name.elements) {
    if (!ts.isIdentifier(element.name) || element.name.text !== name || element.dotDotDotToken) continue;
    const field = element.propertyName ? (ts.isIdentifier(element.propertyName) ? element.propertyName.text : undefined) : name;
    return className && field ? context.classes[className]?.fields[field] : undefined;
  }
  return undefined;
}

/** What a local name holds, from its declaration in the enclosing functions or at module level. */
export function heldValueOfName(identifier: ts.Identifier, context: ClassifyContext): HeldValue | undefined {
  const declaration = localDeclaration(identifier, identifier.text);
  if (declaration) {
    if (ts.isParameter(declaration)) {
      if (!ts.isIdentifier(declaration.name)) return undefined;
      return declaration.type ? heldValueOfType(declaration.type, context.scope) : heldValueOfCallbackParameter(declaration, context);
    }
    // `const { rows } = await pool.query(...)`, `const [job] = await bq.createQueryJob()`: parts of a result.
    // `const { catalog } = this`: a field of the class, under its own name or renamed.
    if (!ts.isIdentifier(declaration.name)) return thisFieldBinding(declaration, identifier.text, context);
    if (declaration.initializer) {
      const init = skipOuter(declaration.initializer);
      if (ts.isPropertyAccessExpression(init) && init.expression.kind === ts.SyntaxKind.ThisKeyword) {
        const className = classNameOf(init);
        return className ? context.classes[className]?.fields[init.name.text] : undefined;
      }
      return heldValueOfExpression(declaration.initializer, context.scope, context.classes, context.values) ?? (declaration.type ? heldValueOfType(declaration.type, context.scope) : undefined);
    }
    return declaration.type ? heldValueOfType(declaration.type, context.scope) : undefined;
  }
  return context.values[identifier.text];
}

/** What a receiver or argument holds: a name, `this.field`, or an expression that makes a handle. */
export function heldValueOfHandle(expression: ts.Expression, context: ClassifyContext): HeldValue | undefined {
  const inner = skipOuter(expression);
  if (ts.isIdentifier(inner)) return heldValueOfName(inner, context);
  if (ts.isPropertyAccessExpression(inner) && inner.expression.kind === ts.SyntaxKind.ThisKeyword) {
    const className = classNameOf(inner);
    return className ? context.classes[className]?.fields[inner.name.text] : undefined;
  }
  return heldValueOfExpression(inner as ts.Expression, context.scope, context.classes, context.values);
}

function firstStringArgument(call: ts.CallExpression | ts.TaggedTemplateExpression): string | undefined {
  if (ts.isTaggedTemplateExpression(call)) {
    const template = call.template;
    return ts.isNoSubstitutionTemplateLiteral(template) ? template.text : template.head.text;
  }
  const first = call.arguments[0];
  if (!first) return undefined;
  if (ts.isStringLiteralLike(first)) return first.text;
  if (ts.isTemplateExpression(first)) return first.head.text;
  // `query({ text: 'SELECT ...', values })` (pg), `query({ sql: '...' })` (mysql2)
  if (ts.isObjectLiteralExpression(first)) {
    for (const property of first.properties) {
      if (!ts.isPropertyAssignment(property) || !ts.isIdentifier(property.name) || !/^(text|sql|query)$/.test(property.name.text)) continue;
      const value = property.initializer;
      if (ts.isStringLiteralLike(value)) return value.text;
      if (ts.isTemplateExpression(value)) return value.head.text;
    }
  }
  return undefined;
}

/** `{ method: 'eth_getBalance' }` in a request body, or `{ method: 'POST' }` in fetch options. */
function methodProperty(call: ts.CallExpression): string | undefined {
  for (const argument of call.arguments) {
    const object = skipOuter(argument);
    if (!ts.isObjectLiteralExpression(object)) continue;
    for (const property of object.properties) {
      if (ts.isPropertyAssignment(property) && property.name && ts.isIdentifier(property.name) && property.name.text === 'method' && ts.isStringLiteralLike(property.initializer)) return property.initializer.text;
    }
  }
  return undefined;
}

/** Read or write for a call the model cannot follow, from its SQL text, RPC method, HTTP verb or name. */
export function accessOfCall(call: ts.CallExpression | ts.TaggedTemplateExpression): AccessFinding {
  const callee = ts.isCallExpression(call) ? call.expression : call.tag;
  const { root, members } = memberChain(callee);
  const op = members.at(-1) ?? (ts.isIdentifier(root) ? root.text : '');
  return accessOf(call, op, /^(get|post|put|patch|delete|head|fetch|request|call|send)$/.test(op) ? 'network' : 'database');
}

/** Read or write for an operation on a resource of this kind, from SQL text, HTTP verb, RPC method or name. */
/** Read or write, and whether the call's own arguments said so (SQL text, an RPC method) or only its name. */
export interface AccessFinding {
  access: Access;
  ordered?: boolean;
  idempotent?: boolean;
  source: 'sql' | 'rpc' | 'http' | 'name';
}

function accessOf(call: ts.CallExpression | ts.TaggedTemplateExpression, op: string, io: DirectEffect['kind']): AccessFinding {
  // `mkdir(dir, { recursive: true })`, fs-extra's `ensureDir`: makes the folder only when it is missing. A write
  // where it is made (what reads the folder stays after it), but no write fact for its callers (link.ts).
  if (io === 'fs' && ts.isCallExpression(call) && (/^(ensureDir|mkdirp|mkdirs)$/.test(op) || (op === 'mkdir' && recursiveOption(call)))) return { access: 'write', idempotent: true, source: 'name' };
  if (QUERY_NAMES.test(op) || ts.isTaggedTemplateExpression(call)) {
    const sql = firstStringArgument(call);
    if (sql !== undefined && SQL_START.test(sql)) return { access: accessOfSql(sql), source: 'sql' };
  }
  if (io === 'network' && ts.isCallExpression(call)) {
    const method = methodProperty(call);
    if (method !== undefined && !/^(get|head|options|post|put|patch|delete)$/i.test(method)) return { ...fromName(method), source: 'rpc' };
    if (RPC_CALLS.test(op)) {
      const name = firstStringArgument(call);
      if (name !== undefined && !/^(\/|https?:)/.test(name) && /^[\w.:-]+$/.test(name)) return { ...fromName(name), source: 'rpc' };
    }
    if (method !== undefined) return { access: accessOfHttpVerb(method) ?? 'unknown', source: 'http' };
    const verb = accessOfHttpVerb(op);
    if (verb) return { access: verb, source: 'http' };
    if (op === 'fetch' || op === '' || op === 'request') return { access: 'read', source: 'http' };
  }
  // AWS SDK v3 and its kin: `client.send(new GetItemCommand(...))` does what the command's name says.
  const command = /^(send|execute)$/.test(op) && ts.isCallExpression(call) ? commandName(call.arguments[0]) : undefined;
  if (command) return { ...fromName(command), source: 'name' };
  return { ...fromName(op), source: 'name' };
}

function recursiveOption(call: ts.CallExpression): boolean {
  const options = call.arguments[1] ? skipOuter(call.arguments[1]) : undefined;
  return options !== undefined && ts.isObjectLiteralExpression(options) && options.properties.some((p) => ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === 'recursive' && p.initializer.kind === ts.SyntaxKind.TrueKeyword);
}

/** `new GetItemCommand(...)`, or a const in the same function holding one: `GetItem`. */
function commandName(argument: ts.Expression | undefined): string | undefined {
  let value = argument ? skipOuter(argument) : undefined;
  if (value && ts.isIdentifier(value)) {
    const name = value.text;
    let found: ts.Node | undefined;
    for (let scope: ts.Node | undefined = value.parent; scope && !found; scope = scope.parent) {
      if (!ts.isBlock(scope) && !ts.isSourceFile(scope)) continue;
      for (const statement of scope.statements) {
        if (!ts.isVariableStatement(statement) || !(statement.declarationList.flags & ts.NodeFlags.Const)) continue;
        const declaration = statement.declarationList.declarations.find((d) => ts.isIdentifier(d.name) && d.name.text === name);
        if (declaration?.initializer) found = skipOuter(declaration.initializer);
      }
    }
    value = found;
  }
  if (!value || !ts.isNewExpression(value) || !ts.isIdentifier(value.expression)) return undefined;
  const match = /^([A-Z]\w*?)Command$/.exec(value.expression.text);
  return match?.[1];
}

function fromName(name: string): { access: Access; ordered?: boolean } {
  const access = accessOfName(name);
  return access === 'ordered' ? { access: 'unknown', ordered: true } : { access };
}

function shortText(node: ts.Node, sourceFile: ts.SourceFile): string {
  const text = node.getText(sourceFile).replace(/\s+/g, ' ');
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/**
 * Libraries whose query builders are not thenable: only the terminal call runs the query (`db.selectFrom('users')
 * .selectAll().where(...)` does nothing until `.execute()`). Any other member of their handles builds.
 */
const TERMINAL_ONLY: Record<string, RegExp> = { kysely: /^(execute\w*|stream|explain|transaction|connection|destroy)$/ };

/**
 * Members of a library's handles that work on what is already in memory: a Sequelize instance's `get('title')`,
 * `setDataValue`, `changed()` (its attributes, until `save()`), and its `sequelize.col/literal/fn/where` builders.
 */
const SEQUELIZE_IN_MEMORY = /^(get|set|getDataValue|setDataValue|changed|previous|isSoftDeleted|toJSON|col|literal|fn|where|cast|json|getDialect|getQueryInterface|getDatabaseName|isDefined|getAttributes|rawAttributes)$/;
const IN_MEMORY_MEMBERS: Record<string, RegExp> = { sequelize: SEQUELIZE_IN_MEMORY, 'sequelize-typescript': SEQUELIZE_IN_MEMORY };

/** Terminal calls that run whatever query the chain before them built. */
const BUILDER_TERMINAL = /^(execute|run|all|get|values|then)$/;

/** What the query a builder chain starts does: `selectFrom` reads; `insertInto`, `updateTable`, `deleteFrom` write. */
function builderAccess(method: string): Access | undefined {
  if (/^(selectFrom|selectNoFrom|select|selectDistinct|selectDistinctOn|\$count)$/.test(method)) return 'read';
  if (/^(insertInto|updateTable|deleteFrom|replaceInto|mergeInto|insert|update|delete)$/.test(method)) return 'write';
  return undefined;
}

/** The first builder method of a chain that says read or write (`db.selectFrom('x').where(...).execute()`). */
function chainAccess(call: ts.CallExpression | ts.TaggedTemplateExpression): Access | undefined {
  const { members } = memberChain(ts.isCallExpression(call) ? call.expression : call.tag);
  for (const member of members) {
    const access = builderAccess(member);
    if (access) return access;
  }
  return undefined;
}

function ioOutcome(call: ts.CallExpression | ts.TaggedTemplateExpression, held: Extract<HeldValue, { kind: 'io' }>, op: string, via: string, resource: string | undefined): CallOutcome | undefined {
  const terminal = TERMINAL_ONLY[held.module];
  if (terminal && !terminal.test(op)) return { kind: 'memory' };
  const inMemory = IN_MEMORY_MEMBERS[held.module];
  if (inMemory?.test(op)) return { kind: 'memory' };
  if (isHelperMember(op)) return undefined;
  // `readFileSync` blocks the thread: it is no awaited I/O that could overlap with other work.
  if (held.io === 'fs' && isSyncFsMember(op)) return undefined;
  const said = accessOf(call, op, held.io);
  // A terminal call of a builder runs the query the chain (or the builder it was handed) describes.
  // Drizzle, knex and other thenable builders run by a generic terminal (`db.select().from(t).execute()`): the
  // chain's first verb says what the query does, not the terminal's name (`execute` reads as a write).
  const built = terminal ? (chainAccess(call) ?? held.access) : held.io === 'database' && BUILDER_TERMINAL.test(op) ? chainAccess(call) : undefined;
  const { access, ordered, idempotent } = built ? { access: built, ordered: undefined, idempotent: undefined } : said;
  return {
    kind: 'io',
    effect: { kind: held.io, access, via: `${via} (${held.module})`, ...(resource ? { resource } : {}), ...(held.single ? { single: true } : {}), ...(ordered ? { ordered: true } : {}), ...(idempotent ? { idempotent: true } : {}) },
  };
}

/** Members of arrays, strings, promises, responses and loggers: never I/O whatever their receiver holds. */
const NEVER_IO_MEMBERS = new Set([
  'map', 'filter', 'forEach', 'reduce', 'reduceRight', 'some', 'every', 'push', 'pop', 'shift', 'unshift', 'splice', 'slice', 'concat',
  'join', 'includes', 'indexOf', 'lastIndexOf', 'flat', 'flatMap', 'sort', 'reverse', 'keys', 'values', 'entries', 'toString',
  'toJSON', 'toLowerCase', 'toUpperCase', 'trim', 'trimStart', 'trimEnd', 'split', 'replace', 'replaceAll', 'match', 'matchAll',
  'startsWith', 'endsWith', 'padStart', 'padEnd', 'charAt', 'charCodeAt', 'substring', 'substr', 'then', 'catch', 'finally', 'bind',
  'apply', 'json', 'status', 'setHeader', 'header', 'toISOString', 'getTime', 'toFixed', 'hasOwnProperty', 'log', 'info', 'warn',
  'error', 'debug', 'trace', 'fatal', 'isArray', 'parse', 'stringify', 'assign', 'freeze', 'floor', 'ceil', 'round', 'abs', 'random',
  'now', 'fill', 'at', 'findIndex', 'localeCompare', 'toLocaleString', 'valueOf', 'test', 'exec', 'cookie', 'redirect', 'render',
  'type', 'locals', 'next', 'length', 'resolve', 'reject', 'all', 'allSettled', 'race', 'any', 'from', 'of',
]);

/** `getCatalog().fetchPrice`: a member read straight off a call of a project function (local, imported or `this.make()`). */
function factoryResultMember(callee: ts.Expression, context: ClassifyContext): CallOutcome | undefined {
  const access = skipOuter(callee);
  if (!ts.isPropertyAccessExpression(access)) return undefined;
  const inner = skipOuter(access.expression);
  if (!ts.isCallExpression(inner)) return undefined;
  const target = skipOuter(inner.expression);
  const rootName = ts.isIdentifier(target) ? target.text : undefined;
  const thisCall = ts.isPropertyAccessExpression(target) && target.expression.kind === ts.SyntaxKind.ThisKeyword;
  if (!thisCall && (rootName === undefined || (!context.scope.hasModuleBinding(rootName) && context.locals[rootName] === undefined))) return undefined;
  const ref = rootName !== undefined && context.scope.hasModuleBinding(rootName) ? context.scope.resolve(target) : undefined;
  const factory = projectFactoryRef(inner, ref);
  return factory ? { kind: 'call', ref: { kind: 'returned', factory, members: [access.name.text] } } : undefined;
}

/** Names a request or context object goes by, and what it carries that a middleware filled before the handler. */
const REQUEST_HOLDER = /^(req|request|ctx|context|c|event|evt|socket|res|response|reply|raw)$/;
const SESSION_MEMBER = /^(session|cookies|signedCookies|cookie|headers|query|params|searchParams)$/;

/** `req.session.get('x')`, `ctx.cookies.get('y')`, `request.headers.get('cookie')`: a read of what the request carries. */
function sessionRead(root: ts.Expression, members: string[]): boolean {
  const op = members.at(-1) ?? '';
  const access = accessOfName(op);
  if (access !== 'read' && !/^(get|has)$/.test(op)) return false;
  const names = [ts.isIdentifier(root) ? root.text : root.kind === ts.SyntaxKind.ThisKeyword ? 'this' : '', ...members.slice(0, -1)];
  for (let i = 1; i < names.length; i++) {
    if (SESSION_MEMBER.test(names[i] ?? '') && REQUEST_HOLDER.test(names[i - 1] ?? '')) return true;
  }
  return false;
}

export function classifyCall(call: ts.CallExpression | ts.NewExpression | ts.TaggedTemplateExpression, context: ClassifyContext): CallOutcome | undefined {
  if (ts.isNewExpression(call)) return undefined;
  // `cache.wrap(key, () => load())`, `memoize(load)`: a cache read (or building a memo), not the load (memoize.ts).
  if (ts.isCallExpression(call) && (cacheThroughCall(call) || memoizerCall(call))) return { kind: 'memory' };
  const callee = ts.isCallExpression(call) ? call.expression : call.tag;
  if (callee.kind === ts.SyntaxKind.ImportKeyword || callee.kind === ts.SyntaxKind.SuperKeyword) return undefined;
  const { root, members } = memberChain(callee);
  const op = members.at(-1) ?? (ts.isIdentifier(root) ? root.text : '');
  // Most member calls are on arrays, strings and promises: answered before any lookup.
  if (members.length > 0 && NEVER_IO_MEMBERS.has(op) && !(members.length === 1 && root.kind === ts.SyntaxKind.ThisKeyword)) return undefined;
  // Evidence text only for calls that turn out to be I/O: most calls are not.
  const via = () => shortText(callee, context.sourceFile);

  // `getCatalog().fetchPrice(id)`, `this.makeClient().get(url)`: a member of what a project function returns.
  const factoryMember = factoryResultMember(callee, context);
  if (factoryMember) return factoryMember;
  // `req.session.get('user')`, `ctx.cookies.get('theme')`: a session or cookie a middleware loaded before the
  // handler ran; reading it is a property lookup. Saving or destroying a session is not (and falls through).
  if (members.length >= 2 && sessionRead(root, members)) return { kind: 'memory' };

  // Resolved through imports: a library function, a library handle's member, or a project export. Only a name
  // bound at module level (or a global like `fetch`) can resolve to a module; locals are asked about below.
  const rootName = ts.isIdentifier(root) ? root.text : undefined;
  const mayResolve = rootName !== undefined && (context.scope.hasModuleBinding(rootName) || rootName === 'fetch' || rootName === 'require' || rootName === 'globalThis' || rootName === 'global');
  const ref = mayResolve ? context.scope.resolve(callee) : undefined;
  if (ref) {
    if (ref.module === 'global') {
      if (ref.path[0] === 'fetch' && ref.path.length === 1) return ioOutcome(call, { kind: 'io', io: 'network', module: 'fetch' }, 'fetch', 'fetch', undefined);
      // `limit(() => ...)` with a module-level `const limit = pLimit(3)` is not an import: falls through.
    } else {
      const io = ioKindOfModule(ref.module);
      if (io) {
        if (isQueryBuilderExport(ref.module, ref.path, op)) return { kind: 'memory' };
        if (ref.path.some((p) => isHelperMember(p)) && ref.path.at(-1) !== 'request') return undefined;
        return ioOutcome(call, { kind: 'io', io, module: ref.module }, ref.path.at(-1) ?? '', via(), ts.isIdentifier(root) ? root.text : undefined);
      }
      if (isLimiterModule(ref.module)) return ref.path.length === 0 || LIMITER_METHODS.test(op) ? { kind: 'limiter', via: ref.module } : undefined;
      if (isMemoryModule(ref.module)) return { kind: 'memory' };
      if (mayBeProjectModule(ref.module)) return { kind: 'call', ref: { kind: 'import', module: ref.module, path: ref.path } };
      return undefined;
    }
  }

  if (root.kind === ts.SyntaxKind.ThisKeyword) {
    const className = classNameOf(call);
    if (!className || members.length === 0) return undefined;
    if (members.length === 1) {
      // `private getRates = memoize(...)`: a memoised function held in a field.
      if (context.classes[className]?.fields[op]?.kind === 'memory') return { kind: 'memory' };
      return { kind: 'call', ref: { kind: 'this', className, method: op } };
    }
    const field = members[0] ?? '';
    const held = context.classes[className]?.fields[field];
    if (held?.kind === 'io') return ioOutcome(call, held, op, via(), `this.${field}`);
    if (held?.kind === 'limiter') return LIMITER_METHODS.test(op) ? { kind: 'limiter', via: `this.${field} (${held.module})` } : undefined;
    if (held?.kind === 'memory') return { kind: 'memory' };
    // `this.repo.model.findMany()` where `this.repo = new PrismaRepository(prisma.user)`: the wrapped handle.
    if (held?.kind === 'class' && held.wraps && members.length >= 3 && propertyChain(callee)) {
      const wrapped = held.wraps;
      if (wrapped.kind === 'io') return ioOutcome(call, wrapped, op, via(), `this.${field}`);
      if (wrapped.kind === 'returned') return { kind: 'call', ref: { kind: 'returned', factory: wrapped.ref, members: [op] } };
      if (wrapped.kind === 'class' && wrapped.ref.kind === 'local') return { kind: 'call', ref: { kind: 'local', name: wrapped.ref.name, member: op } };
      if (wrapped.kind === 'class' && wrapped.ref.kind === 'import') return { kind: 'call', ref: { kind: 'import', module: wrapped.ref.module, path: [wrapped.ref.name, op] } };
    }
    return { kind: 'call', ref: { kind: 'field', className, field, method: members[1] ?? op } };
  }

  if (ts.isIdentifier(root)) {
    const held = heldValueOfName(root, context);
    if (members.length === 0) {
      // postgres.js and its kin: the client is a tag, `await sql\`select ...\`` runs the query.
      if (held?.kind === 'io' && ts.isTaggedTemplateExpression(call)) return ioOutcome(call, held, 'query', via(), root.text);
      // `limit(() => work())` where `limit = pLimit(3)`.
      if (held?.kind === 'limiter') return { kind: 'limiter', via: `${root.text} (${held.module})` };
      if (held?.kind === 'memory') return { kind: 'memory' };
      // `const flags = makeFlags(db); await flags()`: the function the factory returns (factories.ts).
      if (held?.kind === 'returned') return { kind: 'call', ref: { kind: 'returned', factory: held.ref, members: [] } };
      const declared = localDeclaration(root, root.text);
      if (declared) {
        // `const parse = async (raw) => ...` inside the function: followed like any function (summarize.ts).
        const closure = closureKey(declared, context.sourceFile);
        return closure !== undefined && context.locals[closure] !== undefined ? { kind: 'call', ref: { kind: 'local', name: closure } } : undefined;
      }
      return context.locals[root.text] !== undefined ? { kind: 'call', ref: { kind: 'local', name: root.text } } : undefined;
    }
    if (held?.kind === 'io') return ioOutcome(call, held, op, via(), root.text);
    if (held?.kind === 'limiter') return LIMITER_METHODS.test(op) ? { kind: 'limiter', via: `${root.text} (${held.module})` } : undefined;
    if (held?.kind === 'memory') return { kind: 'memory' };
    if (held?.kind === 'returned') return { kind: 'call', ref: { kind: 'returned', factory: held.ref, members, ...(held.single ? { single: true } : {}) } };
    if (held?.kind === 'passed') return { kind: 'call', ref: { kind: 'passed', callee: held.callee, argument: held.argument, parameter: held.parameter, members } };
    if (held?.kind === 'class') {
      const classRef = held.ref;
      const method = members[0] ?? op;
      if (classRef.kind === 'named') return undefined; // only fields are injected by name
      return classRef.kind === 'local'
        ? { kind: 'call', ref: { kind: 'local', name: classRef.name, member: method } }
        : { kind: 'call', ref: { kind: 'import', module: classRef.module, path: [classRef.name, method] } };
    }
    if (!localDeclaration(root, root.text) && context.locals[`${root.text}.${members[0]}`] !== undefined) {
      return { kind: 'call', ref: { kind: 'local', name: root.text, member: members[0] ?? op } };
    }
  }
  return undefined;
}

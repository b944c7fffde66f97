import { z } from 'zod';
import type { Confidence, Severity } from '../src/findings.js';
import { shiftSeverity } from '../src/findings.js';
import type { RuleContext } from '../src/rule.js';
import { defineRule } from '../src/rule.js';
import { bindingIdentifiers } from '../src/scanner/imports.js';
import type { SiteRole } from '../src/scanner/roles.js';
import { ts } from '../src/scanner/ts.js';

/*
 * sequential-await: independent async work awaited one call at a time.
 *
 * Three shapes:
 *  - consecutive: a run of `const x = await readLike(...)` statements in one block where no call reads a
 *    value an earlier one produced;
 *  - loop: `await readLike(item)` inside a for / for...of / for...in loop over independent items;
 *  - async-foreach: `items.forEach(async (x) => { await ... })`, which does not wait at all.
 *
 * Precision first: only calls whose names say they read (get/find/fetch/list/count/SELECT...) take part,
 * anything that may write, lock, wait, log, or run on one transaction/connection ends a run or exempts a loop.
 */

const options = z.strictObject({
  minAwaits: z.number().int().min(2).default(2),
  includeTests: z.boolean().default(false),
  checkLoops: z.boolean().default(true),
  checkAsyncForEach: z.boolean().default(true),
});
type Options = z.infer<typeof options>;

// ---------------------------------------------------------------------------------------------------------
// Call classification by name
// ---------------------------------------------------------------------------------------------------------

/** First camelCase word of a name that says "this only reads". */
const READ_VERBS = new Set([
  'get', 'find', 'fetch', 'load', 'read', 'list', 'count', 'select', 'search', 'lookup', 'retrieve', 'describe',
  'exists', 'exist', 'has', 'is', 'stat', 'lstat', 'download', 'resolve', 'query', 'aggregate', 'first', 'peek',
  'mget', 'hget', 'hgetall', 'hmget', 'smembers', 'sismember', 'zrange', 'zrangebyscore', 'zscore', 'zcard',
  'lrange', 'llen', 'scard', 'ttl', 'pttl', 'paginate', 'readdir', 'realpath', 'access',
]);

/** Words that, anywhere after a read verb, make it a write or an ordered operation (`getOrCreate`). */
const WRITE_VERBS = new Set([
  'create', 'insert', 'update', 'upsert', 'delete', 'del', 'remove', 'save', 'set', 'put', 'post', 'patch', 'send',
  'publish', 'emit', 'write', 'append', 'mkdir', 'rename', 'unlink', 'rm', 'rmdir', 'copy', 'move', 'add', 'push',
  'pop', 'shift', 'destroy', 'drop', 'truncate', 'increment', 'incr', 'decrement', 'decr', 'exec', 'execute', 'run',
  'commit', 'begin', 'rollback', 'lock', 'unlock', 'acquire', 'release', 'close', 'end', 'disconnect', 'connect',
  'init', 'initialize', 'start', 'stop', 'flush', 'click', 'fill', 'type', 'press', 'goto', 'navigate', 'wait',
  'next', 'sleep', 'delay', 'log', 'modify', 'claim', 'reserve', 'dequeue', 'enqueue', 'consume', 'ack', 'nack',
  'expire', 'clear', 'reset', 'sync', 'refresh', 'invalidate', 'evict', 'register', 'subscribe', 'unsubscribe',
  'restore', 'migrate', 'seed', 'apply', 'mark', 'store', 'persist', 'track', 'record', 'notify', 'schedule',
  'cancel', 'kill', 'spawn', 'open', 'login', 'logout', 'upload', 'invite', 'assign', 'attach', 'detach', 'archive',
  'enable', 'disable', 'approve', 'reject', 'replace', 'merge', 'import', 'export', 'generate', 'ensure', 'touch',
  'bump', 'grant', 'revoke', 'process', 'handle', 'trigger', 'dispatch', 'enqueue', 'retry', 'ping', 'prepare',
]);

/** Nouns that turn a read into acquiring something ordered: `getConnection`, `getLock`, `getNextId`. */
const ACQUIRE_WORDS = new Set(['connection', 'lock', 'lease', 'mutex', 'semaphore', 'permit', 'transaction', 'runner', 'next', 'sequence', 'nonce']);

/** Exact names that read a stream position: successive calls are ordered. */
const ORDERED_READ_NAMES = /^(read|next|readLine|readline|readBytes|readChunk|readExactly|read(U?Int|Float|Double|Byte|BigInt)\w*)$/;

/** Chain links that neither read nor write (`.lean()`, `.where()`); the chain's other names decide. */
const NEUTRAL_CHAIN = /Builder$|^(then|catch|finally|lean|populate|where|andWhere|orWhere|orderBy|limit|offset|skip|take|sort|project|select|from|leftJoin|innerJoin|leftJoinAndSelect|innerJoinAndSelect|toArray|exec|execute|getMany|getOne|getRawMany|getRawOne|getCount|first|json|text)$/;

const SQL_READ = /^\s*\(?\s*(select|with|show|describe|explain)\b/i;
const SQL_WRITE = /\b(insert|update|delete|merge|begin|commit|rollback|pragma|lock|set|create|drop|alter|truncate|for\s+update)\b/i;

const TX_NAME = /^(tx|trx|txn|t|transaction|transactionManager|transactionalEntityManager|queryRunner|session|dbTx|transactionClient|trxOrKnex)$/;
const TX_CALLEE = /transaction|^\$transaction$|^transact$|^withTransaction$|^serializable$|^tx$/i;
const SINGLE_CONNECTION_INIT = /^(connect|getConnection|acquire|createQueryRunner|startSession|getClient|reserve)$/;

type CallClass = 'read' | 'write' | 'ordered' | 'unknown';

function words(name: string): string[] {
  return name
    .replace(/^[$_]+/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_$]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** classifyName is pure and the same callee names recur across a project's files: computed once per name. */
const nameClasses = new Map<string, CallClass>();

function classifyName(name: string): CallClass {
  let kind = nameClasses.get(name);
  if (kind === undefined) {
    kind = classifyNameUncached(name);
    nameClasses.set(name, kind);
  }
  return kind;
}

function classifyNameUncached(name: string): CallClass {
  if (ORDERED_READ_NAMES.test(name)) return 'ordered';
  let parts = words(name);
  // `batchGet`, `bulkDelete`, `tryFind`: the verb is the next word.
  while (parts.length > 1 && /^(batch|bulk|multi|try|safe|async|do|maybe|cached|raw)$/.test(parts[0] ?? '')) parts = parts.slice(1);
  const verb = parts[0];
  if (verb === undefined) return 'unknown';
  if (WRITE_VERBS.has(verb)) return 'write';
  if (!READ_VERBS.has(verb)) return 'unknown';
  for (let i = 1; i < parts.length; i++) {
    const word = parts[i] ?? '';
    if (ACQUIRE_WORDS.has(word)) return 'ordered';
    if ((word === 'or' || word === 'and') && WRITE_VERBS.has(parts[i + 1] ?? '')) return 'write';
  }
  return 'read';
}

function calleeName(expression: ts.Expression): string | undefined {
  if (ts.isIdentifier(expression)) return expression.text;
  if (ts.isPropertyAccessExpression(expression)) return expression.name.text;
  if (ts.isElementAccessExpression(expression) && ts.isStringLiteralLike(expression.argumentExpression)) return expression.argumentExpression.text;
  if (ts.isParenthesizedExpression(expression) || ts.isNonNullExpression(expression)) return calleeName(expression.expression);
  return undefined;
}

type CallLike = ts.CallExpression | ts.TaggedTemplateExpression;

function unwrap(node: ts.Expression): ts.Expression {
  let current = node;
  while (ts.isParenthesizedExpression(current) || ts.isAsExpression(current) || ts.isNonNullExpression(current) || ts.isTypeAssertionExpression(current) || ts.isSatisfiesExpression(current)) {
    current = current.expression;
  }
  return current;
}

/** The calls of a chain from the outermost inwards: `a.b().c()` gives `[c(), b()]`. */
function callChain(call: CallLike): CallLike[] {
  const chain: CallLike[] = [call];
  let current: ts.Expression = ts.isCallExpression(call) ? call.expression : call.tag;
  for (;;) {
    current = unwrap(current);
    if (ts.isPropertyAccessExpression(current) || ts.isElementAccessExpression(current)) {
      current = current.expression;
      continue;
    }
    if (ts.isCallExpression(current) || ts.isTaggedTemplateExpression(current)) {
      chain.push(current);
      current = ts.isCallExpression(current) ? current.expression : current.tag;
      continue;
    }
    return chain;
  }
}

function nameOf(call: CallLike): string | undefined {
  return calleeName(ts.isCallExpression(call) ? call.expression : call.tag);
}

function sqlText(call: CallLike): string | undefined {
  if (ts.isTaggedTemplateExpression(call)) {
    const template = call.template;
    return ts.isNoSubstitutionTemplateLiteral(template) ? template.text : template.head.text;
  }
  const first = call.arguments[0];
  if (!first) return undefined;
  if (ts.isStringLiteralLike(first)) return first.text;
  if (ts.isTemplateExpression(first)) return first.head.text;
  return undefined;
}

/** `fetch(url, { method: 'POST' })`, `axios({ method: 'put' })`: an HTTP method other than GET/HEAD writes. */
function httpMethodWrite(call: CallLike): CallClass | undefined {
  if (!ts.isCallExpression(call)) return undefined;
  for (const argument of call.arguments) {
    if (!ts.isObjectLiteralExpression(argument)) continue;
    for (const property of argument.properties) {
      if (!property.name || !ts.isIdentifier(property.name) || property.name.text !== 'method') continue;
      if (ts.isPropertyAssignment(property) && ts.isStringLiteralLike(property.initializer)) {
        return /^(get|head|options)$/i.test(property.initializer.text) ? undefined : 'write';
      }
      return 'unknown';
    }
  }
  return undefined;
}

interface Classified {
  kind: CallClass;
  /** The name that decided, for evidence. */
  name: string;
}

function classifyCall(call: CallLike): Classified {
  const chain = callChain(call);
  const outer = nameOf(call) ?? '';
  const method = httpMethodWrite(call);
  if (method) return { kind: method, name: outer };
  let read: string | undefined;
  for (const link of chain) {
    const name = nameOf(link);
    if (name === undefined) continue;
    if (/^(query|execute|exec|raw|sql|queryRaw|\$queryRaw|\$executeRaw|executeRaw|unsafe|many|one|oneOrNone|manyOrNone|any|none)$/.test(name)) {
      const sql = sqlText(link);
      if (sql !== undefined) {
        if (SQL_READ.test(sql) && !SQL_WRITE.test(sql)) {
          read ??= name;
          continue;
        }
        return { kind: 'write', name };
      }
      if (link === call && chain.length === 1) return { kind: 'unknown', name };
      continue;
    }
    if (NEUTRAL_CHAIN.test(name) && link !== call) continue;
    const kind = classifyName(name);
    if (kind === 'write' || kind === 'ordered') return { kind, name };
    if (kind === 'read') read ??= name;
    else if (link === call && !NEUTRAL_CHAIN.test(name)) return { kind: 'unknown', name };
  }
  return read !== undefined ? { kind: 'read', name: read } : { kind: 'unknown', name: outer };
}

// ---------------------------------------------------------------------------------------------------------
// Small AST helpers
// ---------------------------------------------------------------------------------------------------------

function isFunctionBoundary(node: ts.Node): boolean {
  return ts.isFunctionLike(node) || ts.isClassLike(node);
}

/** Every identifier read inside `node` (property names after a dot and object keys excluded). */
function identifiersRead(node: ts.Node, into = new Set<string>()): Set<string> {
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

function receiverRoot(expression: ts.Expression): string | undefined {
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

/** `this.repo.find` -> `this.repo`; `getUser` -> undefined. */
function receiverText(call: CallLike, context: RuleContext<Options>): string | undefined {
  const callee = unwrap(ts.isCallExpression(call) ? call.expression : call.tag);
  if (ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee)) return context.text(callee.expression);
  return undefined;
}

function enclosingFunctionOf(node: ts.Node): ts.SignatureDeclaration | undefined {
  for (let current = node.parent; current; current = current.parent) if (ts.isFunctionLike(current)) return current;
  return undefined;
}

function functionNameOf(fn: ts.SignatureDeclaration | undefined): string | undefined {
  if (!fn) return undefined;
  if (fn.name && (ts.isIdentifier(fn.name) || ts.isStringLiteral(fn.name))) return fn.name.text;
  const parent = fn.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && ts.isIdentifier(parent.name)) return parent.name.text;
  return undefined;
}

function isAsyncFunction(fn: ts.Node): boolean {
  return ts.canHaveModifiers(fn) && (ts.getModifiers(fn) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
}

/** Inside a callback given to `transaction(...)`, `$transaction(...)`, `withTransaction(...)`, or a function taking a `tx`. */
function inTransaction(node: ts.Node): string | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (!ts.isFunctionLike(current)) continue;
    for (const parameter of current.parameters) {
      for (const name of bindingIdentifiers(parameter.name)) if (TX_NAME.test(name) && name !== 't') return `runs with a transaction parameter \`${name}\``;
    }
    const call = current.parent;
    if (call && ts.isCallExpression(call) && call.arguments.some((a) => a === current)) {
      const name = calleeName(call.expression);
      if (name && TX_CALLEE.test(name)) return `inside a ${name}(...) callback: one connection, statements run in order`;
    }
  }
  return undefined;
}

/** The call uses a transaction or session handle: `{ transaction }`, `manager.find` with `tx`, `queryRunner.query`. */
function usesTransactionHandle(call: CallLike, context: RuleContext<Options>): string | undefined {
  const root = receiverRoot(ts.isCallExpression(call) ? call.expression : call.tag);
  if (root && TX_NAME.test(root)) return `called on the transaction/session handle \`${root}\``;
  if (root && root !== 'this' && singleConnection(call, root)) return `\`${root}\` is one acquired connection: its queries run one at a time anyway`;
  if (!ts.isCallExpression(call)) return undefined;
  for (const argument of call.arguments) {
    let found: string | undefined;
    const visit = (node: ts.Node): void => {
      if (found) return;
      if ((ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node)) && ts.isIdentifier(node.name) && /^(transaction|session|trx|tx|queryRunner|transactionManager)$/.test(node.name.text)) {
        found = `passes the ${node.name.text} \`${context.text(node)}\``;
        return;
      }
      if (ts.isIdentifier(node) && TX_NAME.test(node.text) && node.text !== 't') {
        found = `passes the transaction/session handle \`${node.text}\``;
        return;
      }
      if (!isFunctionBoundary(node)) ts.forEachChild(node, visit);
    };
    visit(argument);
    if (found) return found;
  }
  return undefined;
}

/** `const client = await pool.connect()` earlier in the same function: one connection. */
function singleConnection(call: CallLike, root: string): boolean {
  const fn = enclosingFunctionOf(call);
  if (!fn || !('body' in fn) || !fn.body) return false;
  // Asked for every awaited read of a function, mostly about the same receivers: one walk per function and name.
  let known = singleConnectionsOf.get(fn);
  if (known === undefined) {
    known = new Map();
    singleConnectionsOf.set(fn, known);
  }
  let answer = known.get(root);
  if (answer === undefined) {
    answer = declaresSingleConnection(fn.body, root);
    known.set(root, answer);
  }
  return answer;
}

const singleConnectionsOf = new WeakMap<ts.Node, Map<string, boolean>>();

function declaresSingleConnection(body: ts.Node, root: string): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === root && node.initializer) {
      const init = unwrap(ts.isAwaitExpression(unwrap(node.initializer)) ? (unwrap(node.initializer) as ts.AwaitExpression).expression : node.initializer);
      if (ts.isCallExpression(init)) {
        const name = calleeName(init.expression);
        if (name && SINGLE_CONNECTION_INIT.test(name)) found = true;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
  return found;
}

const UI_AUTOMATION = /^(playwright|playwright-core|@playwright\/test|puppeteer|puppeteer-core|selenium-webdriver|webdriverio|@wdio\/.*|cypress|testcafe|nightwatch)$/;

const SINGLE_CONNECTION_CLASS = /(QueryRunner|Connection|Transaction|Session|Cursor|Reader|Driver)$/;

/** `this.query(...)` inside a class that is one connection (`PostgresQueryRunner`): its calls queue anyway. */
function singleConnectionClass(call: CallLike): string | undefined {
  const root = receiverRoot(ts.isCallExpression(call) ? call.expression : call.tag);
  if (root !== 'this') return undefined;
  for (let current = call.parent; current; current = current.parent) {
    if (ts.isClassLike(current)) {
      const name = current.name?.text;
      return name && SINGLE_CONNECTION_CLASS.test(name) ? `method of ${name}: one connection, its queries run one at a time anyway` : undefined;
    }
  }
  return undefined;
}

const DELIBERATE_COMMENT = /sequential|serial(ly|ise|ize)?\b|one (at a time|by one|after another)|in order|order matters|concurren|parallel|rate.?limit|throttl|deadlock|race condition|avoid .*(load|overload|flood)|same (pg )?client|single connection/i;

/** A comment right above the statement (or an enclosing statement in the same function) says why it is sequential. */
function deliberateComment(node: ts.Node, context: RuleContext<Options>): string | undefined {
  const text = context.sourceFile.text;
  for (let current: ts.Node | undefined = node; current && !isFunctionBoundary(current); current = current.parent) {
    if (!ts.isStatement(current) && !ts.isVariableDeclarationList(current)) continue;
    for (const range of ts.getLeadingCommentRanges(text, current.pos) ?? []) {
      // This rule's own id (fixture annotations, suppression comments) is not an explanation.
      const comment = text.slice(range.pos, range.end).replace(/sequential-await(\/[\w-]+)?/g, '');
      if (/no-await-in-loop/.test(comment)) return 'an eslint no-await-in-loop suppression marks the loop as deliberately sequential';
      if (DELIBERATE_COMMENT.test(comment)) return `a comment says the order is deliberate: "${shorten(comment.replace(/^\/[/*]+\s*|\s*\*\/$/g, ''), 70)}"`;
    }
  }
  return undefined;
}

/** The same function also runs this collection with Promise.all: the sequential branch is a deliberate choice. */
function parallelElsewhere(loop: LoopNode, collectionText: string | undefined, context: RuleContext<Options>): string | undefined {
  const fn = enclosingFunctionOf(loop);
  if (!fn || !collectionText) return undefined;
  let found: string | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(node) && /^Promise\.(all|allSettled)$/.test(context.text(node.expression)) && context.text(node).includes(collectionText)) {
      found = `the same function runs \`${shorten(collectionText, 40)}\` with Promise.all elsewhere: the sequential branch is a deliberate choice`;
    }
    ts.forEachChild(node, visit);
  };
  visit(fn);
  return found;
}

function shorten(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

function indentOf(node: ts.Node, sourceFile: ts.SourceFile): string {
  const start = node.getStart(sourceFile);
  const lineStart = sourceFile.text.lastIndexOf('\n', start - 1) + 1;
  const prefix = sourceFile.text.slice(lineStart, start);
  return /^\s*$/.test(prefix) ? prefix : '';
}

function siteSeverity(base: Severity, role: SiteRole, fileRole: string): { severity: Severity; reasons: string[] } {
  const reasons: string[] = [];
  let severity = base;
  if (fileRole === 'script') {
    reasons.push('file is a script: runs once per invocation, so severity is low');
    return { severity: 'low', reasons };
  }
  if (fileRole === 'config') {
    reasons.push('file is configuration: runs once, so severity is low');
    return { severity: 'low', reasons };
  }
  if (role.kind === 'startup') {
    reasons.push('start-up code: runs once, so severity is low');
    return { severity: 'low', reasons };
  }
  if (role.inLoop) {
    severity = shiftSeverity(severity, -1);
    reasons.push('repeated for every item of an enclosing loop: severity raised one step');
  }
  return { severity, reasons };
}

// ---------------------------------------------------------------------------------------------------------
// Consecutive awaits
// ---------------------------------------------------------------------------------------------------------

interface AwaitStep {
  statement: ts.Statement;
  awaitNode: ts.AwaitExpression;
  call: CallLike;
  /** Text of the promise expression for Promise.all: the call, plus `.then(...)` for `(await x()).y`. */
  promiseText: string;
  /** What the result is bound to. */
  target: { kind: 'declare'; keyword: 'const' | 'let' | 'var'; name: string; type?: string } | { kind: 'assign'; text: string };
  /** Names this step binds. */
  writes: Set<string>;
  /** Names the awaited expression reads. */
  reads: Set<string>;
  /** Wrote something callees could see (a member or an outer variable). */
  visibleWrite: boolean;
  classified: Classified;
  receiver: string | undefined;
}

/** `x.y!.z` over an awaited call: the member path to re-apply with `.then`. */
function peelAwait(expression: ts.Expression): { awaitNode: ts.AwaitExpression; path: string } | undefined {
  let current = unwrap(expression);
  const path: string[] = [];
  for (;;) {
    if (ts.isAwaitExpression(current)) return { awaitNode: current, path: path.reverse().join('') };
    if (ts.isPropertyAccessExpression(current) && !current.questionDotToken) {
      path.push(`.${current.name.text}`);
      current = unwrap(current.expression);
      continue;
    }
    return undefined;
  }
}

function declaredInFunction(name: string, from: ts.Node): boolean {
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

/** The step a statement adds to a run of independent reads, or undefined when it is not an awaited read. */
function awaitStep(statement: ts.Statement, context: RuleContext<Options>): AwaitStep | undefined {
  // Shape checks come first and the text, scope walks and name sets only for a statement that awaits a call:
  // most statements of a block are not awaits, and this runs for every statement of every block.
  let expression: ts.Expression;
  let declaration: ts.VariableDeclaration | undefined;
  let assignment: ts.BinaryExpression | undefined;
  if (ts.isVariableStatement(statement)) {
    const list = statement.declarationList;
    declaration = list.declarations[0];
    if (list.declarations.length !== 1 || !declaration?.initializer) return undefined;
    if (list.flags & ts.NodeFlags.Using) return undefined; // `using` / `await using` (AwaitUsing = Const | Using)
    expression = declaration.initializer;
  } else if (ts.isExpressionStatement(statement)) {
    const inner = unwrap(statement.expression);
    if (!ts.isBinaryExpression(inner) || inner.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return undefined;
    assignment = inner;
    expression = inner.right;
  } else {
    return undefined;
  }
  const peeled = peelAwait(expression);
  if (!peeled) return undefined;
  const operand = unwrap(peeled.awaitNode.expression);
  if (!ts.isCallExpression(operand) && !ts.isTaggedTemplateExpression(operand)) return undefined;
  // `await getA(await getId())`: the inner await already orders things; moving it into an array changes little.
  if (mayHoldAwait(operand, context.sourceFile) && awaitsIn(operand).length > 0) return undefined;
  // Only reads can join a run (checkStatements ends the run on anything else), so nothing more is built for others.
  const classified = classifyCall(operand);
  if (classified.kind !== 'read') return undefined;

  let target: AwaitStep['target'];
  const writes = new Set<string>();
  let visibleWrite = false;
  if (declaration) {
    const list = declaration.parent;
    const keyword = list.flags & ts.NodeFlags.Const ? 'const' : list.flags & ts.NodeFlags.Let ? 'let' : 'var';
    target = { kind: 'declare', keyword, name: context.text(declaration.name), ...(declaration.type ? { type: context.text(declaration.type) } : {}) };
    for (const name of bindingIdentifiers(declaration.name)) writes.add(name);
  } else {
    const inner = assignment as ts.BinaryExpression;
    target = { kind: 'assign', text: context.text(inner.left) };
    const left = unwrap(inner.left);
    if (ts.isIdentifier(left)) {
      writes.add(left.text);
      if (!declaredInFunction(left.text, statement)) visibleWrite = true;
    } else {
      visibleWrite = true;
      for (const name of identifiersRead(left)) writes.add(name);
    }
  }
  const callText = reindent(operand, context, lineIndentAt(statement.getStart(context.sourceFile), context.sourceFile) + 2);
  const promiseText = peeled.path ? `${callText}.then((result) => result${peeled.path})` : callText;
  return {
    statement,
    awaitNode: peeled.awaitNode,
    call: operand,
    promiseText,
    target,
    writes,
    reads: identifiersRead(operand),
    visibleWrite,
    classified,
    receiver: receiverText(operand, context),
  };
}

function lineIndentAt(position: number, sourceFile: ts.SourceFile): number {
  const text = sourceFile.text;
  const lineStart = text.lastIndexOf('\n', position - 1) + 1;
  // Spaces and tabs from the line start up to `position`, counted in place (runs for every awaited read).
  let end = lineStart;
  while (end < position && (text.charCodeAt(end) === 32 || text.charCodeAt(end) === 9)) end += 1;
  return Math.max(0, end - lineStart);
}

/** Source text of `node` re-indented for a new position: continuation lines keep their shape relative to `target`. */
function reindent(node: ts.Node, context: RuleContext<Options>, target: number): string {
  const text = context.text(node);
  if (!text.includes('\n')) return text;
  let multiline = false;
  const visit = (n: ts.Node): void => {
    if ((ts.isTemplateExpression(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isStringLiteral(n)) && context.text(n).includes('\n')) multiline = true;
    if (!multiline) ts.forEachChild(n, visit);
  };
  visit(node);
  if (multiline) return text;
  const delta = target - lineIndentAt(node.getStart(context.sourceFile), context.sourceFile);
  return text
    .split('\n')
    .map((line, i) => {
      if (i === 0 || delta === 0) return line;
      if (delta > 0) return ' '.repeat(delta) + line;
      const leading = /^ */.exec(line)?.[0].length ?? 0;
      return line.slice(Math.min(leading, -delta));
    })
    .join('\n');
}

function buildConsecutiveFix(steps: AwaitStep[], indent: string, useAllSettled: boolean): string {
  const calls = steps.map((s) => s.promiseText);
  const oneLine = calls.join(', ');
  const combinator = useAllSettled ? 'Promise.allSettled' : 'Promise.all';
  const list = oneLine.length + indent.length < 80 && !oneLine.includes('\n') ? `[${oneLine}]` : `[\n${calls.map((c) => `${indent}  ${c},`).join('\n')}\n${indent}]`;
  const declares = steps.every((s) => s.target.kind === 'declare');
  const assigns = steps.every((s) => s.target.kind === 'assign');
  if (declares) {
    const keywords = new Set(steps.map((s) => (s.target.kind === 'declare' ? s.target.keyword : 'const')));
    const keyword = keywords.size === 1 ? [...keywords][0] ?? 'const' : 'let';
    const names = steps.map((s) => (s.target.kind === 'declare' ? s.target.name : ''));
    const types = steps.map((s) => (s.target.kind === 'declare' ? s.target.type : undefined));
    const typeText = types.every((t) => t !== undefined) ? `: [${types.join(', ')}]` : '';
    return `${keyword} [${names.join(', ')}]${typeText} = await ${combinator}(${list});`;
  }
  if (assigns) {
    return `[${steps.map((s) => (s.target.kind === 'assign' ? s.target.text : '')).join(', ')}] = await ${combinator}(${list});`;
  }
  const names = steps.map((s, i) => (s.target.kind === 'declare' ? s.target.name : `result${i + 1}`));
  const tail = steps
    .map((s, i) => (s.target.kind === 'assign' ? `\n${indent}${s.target.text} = result${i + 1};` : ''))
    .join('');
  return `const [${names.join(', ')}] = await ${combinator}(${list});${tail}`;
}

function checkStatements(statements: readonly ts.Statement[], context: RuleContext<Options>): void {
  let run: AwaitStep[] = [];
  const flush = () => {
    if (run.length >= context.options.minAwaits) reportRun(run, context);
    run = [];
  };
  for (const statement of statements) {
    const step = awaitStep(statement, context);
    if (!step || step.classified.kind !== 'read' || usesTransactionHandle(step.call, context) || singleConnectionClass(step.call)) {
      flush();
      continue;
    }
    // Read-after-write (a later call uses an earlier result), write-after-write (the same name bound twice),
    // or an earlier write a callee could observe (`this.x = await ...`, an outer variable).
    const dependsOnRun = run.some((earlier) => [...earlier.writes].some((w) => step.reads.has(w) || step.writes.has(w)) || earlier.visibleWrite);
    if (dependsOnRun) flush();
    run.push(step);
  }
  flush();
}

function reportRun(run: AwaitStep[], context: RuleContext<Options>): void {
  const first = run[0];
  const last = run[run.length - 1];
  if (!first || !last) return;
  if (inTransaction(first.statement) || deliberateComment(first.statement, context)) return;
  const role = context.siteRole(first.statement);
  const count = run.length;
  const names = run.map((s) => s.classified.name);
  const receivers = new Set(run.map((s) => s.receiver ?? '(function)'));
  const fsOnly = run.every((s) => {
    const ref = context.imports.resolve(ts.isCallExpression(s.call) ? s.call.expression : s.call.tag);
    return ref !== undefined && (ref.module === 'fs' || ref.module === 'fs/promises');
  });

  let base: Severity;
  const severityReasons: string[] = [];
  if (role.kind === 'request') {
    base = count >= 3 ? 'critical' : 'high';
    severityReasons.push(`${count} sequential round trips on a request path: ${base}`);
  } else {
    base = count >= 3 ? 'high' : 'medium';
    severityReasons.push(`${count} sequential round trips per call: ${base}`);
  }
  let { severity, reasons } = siteSeverity(base, role, context.fileRole);
  if (fsOnly) {
    severity = shiftSeverity(severity, 1);
    reasons = [...reasons, 'all calls are local file-system reads (sub-millisecond each): severity lowered one step'];
  }
  const strongVerbs = run.every((s) => /^(get|find|fetch|list|count|select|search|lookup|retrieve|query|first|hget|hgetall|mget|smembers|lrange|zrange|download)$/.test(words(s.classified.name)[0] ?? ''));
  // With two calls, one of them being served from memory (a config getter behind an async facade) erases the
  // gain, and the callee's body is not visible here: high confidence needs three plain fetches.
  const confidence: Confidence = strongVerbs && count >= 3 ? 'high' : 'medium';

  const fixText = buildConsecutiveFix(run, indentOf(first.statement, context.sourceFile), false);
  const callList = run.map((s) => `\`${shorten(context.text(s.call), 50)}\``).join(', ');
  const bound = run.flatMap((s) => [...s.writes]);
  context.report({
    node: first.statement,
    endNode: last.statement,
    variant: 'consecutive',
    messageId: 'consecutive',
    data: { count, calls: names.join(', ') },
    severity,
    confidence,
    evidence: [
      `${count} awaits in a row: ${callList}`,
      ...(count === 2 ? ['assumes both calls do I/O: if one is answered from memory, running them together gains nothing'] : []),
      `every call reads by its name (${[...new Set(names)].join(', ')}): no write, lock, wait or log in the run`,
      bound.length > 0
        ? `no call's arguments read a value an earlier await produced (${bound.map((b) => `\`${b}\``).join(', ')})`
        : 'no call\'s arguments read a value an earlier await produced',
      receivers.size > 1 ? `${receivers.size} different receivers` : `all on ${[...receivers][0] === '(function)' ? 'plain functions' : `\`${[...receivers][0]}\``}`,
      ...role.reasons,
      ...severityReasons,
      ...reasons,
    ],
    impact: `${count} calls of ~L ms each run back to back: ~${count}L -> ~L (the slowest one) ${role.kind === 'request' ? 'per request' : 'per call'}, assuming they are independent I/O`,
    fix: {
      description: `Start the ${count} calls together and await them once with Promise.all (use Promise.allSettled if one failure must not abort the others).`,
      replacement: fixText,
    },
    effort: 'trivial',
    params: { awaits: count, calls: names },
  });
}

// ---------------------------------------------------------------------------------------------------------
// Awaits in loops
// ---------------------------------------------------------------------------------------------------------

type LoopNode = ts.ForStatement | ts.ForOfStatement | ts.ForInStatement | ts.WhileStatement | ts.DoStatement;

function loopKindOf(loop: LoopNode): string {
  if (ts.isForOfStatement(loop)) return 'for-of';
  if (ts.isForInStatement(loop)) return 'for-in';
  if (ts.isForStatement(loop)) return 'for';
  if (ts.isWhileStatement(loop)) return 'while';
  return 'do-while';
}

function isLoop(node: ts.Node): node is LoopNode {
  return ts.isForStatement(node) || ts.isForOfStatement(node) || ts.isForInStatement(node) || ts.isWhileStatement(node) || ts.isDoStatement(node);
}

/** Collection words whose items are steps to run in order, or chunks already batched. */
const ORDERED_COLLECTION = new Set([
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

const SHUTDOWN_VERBS = /^(close|stop|shutdown|disconnect|destroy|dispose|end|terminate|quit|kill|unsubscribe|drain|teardown|cleanup|unregister|remove)$/;
const SLEEP_NAMES = /^(sleep|delay|wait|pause|setTimeout|setImmediate|nextTick|backoff|waitFor\w*|yield|timeout)$/i;
const LIMITER_TEXT = /limit|throttl|schedul|queue|semaphore|mutex|\block|acquire|bottleneck|ratelimit/i;
const RETRY_TEXT = /attempt|retr(y|ies)|tries\b|backoff/i;

interface LoopFacts {
  itemNames: Set<string>;
  collectionText: string | undefined;
}

function loopItems(loop: LoopNode, context: RuleContext<Options>): LoopFacts | undefined {
  if (ts.isForOfStatement(loop) || ts.isForInStatement(loop)) {
    const init = loop.initializer;
    const names = ts.isVariableDeclarationList(init) ? init.declarations.flatMap((d) => bindingIdentifiers(d.name)) : [...identifiersRead(init)];
    return { itemNames: new Set(names), collectionText: context.text(loop.expression) };
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
    if (!incrementor || !/^\s*(\+\+\w+|\w+\+\+|\w+\s*\+=\s*1)\s*$/.test(context.text(incrementor))) return undefined;
    const bound = unwrap(condition.right);
    const collectionText = ts.isPropertyAccessExpression(bound) && bound.name.text === 'length' ? context.text(bound.expression) : undefined;
    return { itemNames: new Set(names), collectionText };
  }
  return undefined; // while / do-while: cursors, queues and polling; not judged as independent items
}

/** Names derived from the loop item inside the body (`const id = item.id`), transitively in source order. */
function derivedNames(body: ts.Node, items: Set<string>): Set<string> {
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

function declaredNames(node: ts.Node): Set<string> {
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

function isAssignmentOperator(kind: ts.SyntaxKind): boolean {
  return kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment;
}

const MUTATING_METHODS = /^(push|unshift|add|set|delete|splice|pop|shift|clear|append|addAll|put|remove|insert)$/;

/**
 * A value written by one iteration and read by another: a cursor, a page token, `prev = cur`, a dedup set
 * (`if (seen.has(id)) continue; ... seen.add(id)`). Writes that nothing else in the loop reads (`count++`,
 * `results.push(await f(x))`, `byId[x.id] = v`) are order-free and do not count.
 */
function loopCarried(loop: LoopNode, body: ts.Statement, context: RuleContext<Options>): string | undefined {
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
    if (current.kind === ts.SyntaxKind.ThisKeyword && thisMember) return { key: context.text(thisMember), site: thisMember };
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
      written.set(root.key, shorten(context.text(node), 50));
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
      const key = context.text(node);
      if (written.has(key)) found = key;
    }
    ts.forEachChild(node, collect);
  };
  for (const place of places) collect(place);
  return found ? `\`${written.get(found)}\` is read again by other iterations (loop-carried state: \`${found}\`)` : undefined;
}

/** `break`/`return` that leaves this loop: find-first or early exit. */
function exitsEarly(loop: LoopNode, body: ts.Statement): string | undefined {
  let found: string | undefined;
  const label = ts.isLabeledStatement(loop.parent) ? loop.parent.label.text : undefined;
  const visit = (node: ts.Node, nestedBreakable: boolean): void => {
    if (found || isFunctionBoundary(node)) return;
    if (ts.isReturnStatement(node)) {
      found = 'returns from inside the loop (find-first / early exit): later items must not start';
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

function loopExemption(loop: LoopNode, body: ts.Statement, awaitNode: ts.AwaitExpression, context: RuleContext<Options>, facts: LoopFacts): string | undefined {
  if (ts.isForOfStatement(loop) && loop.awaitModifier) return '`for await` consumes an async iterator in order';
  const header = ts.isForStatement(loop) ? context.text(loop).slice(0, context.text(loop).length - context.text(body).length) : facts.collectionText ?? '';
  const fn = enclosingFunctionOf(loop);
  const fnName = functionNameOf(fn) ?? '';
  if (RETRY_TEXT.test(header) || RETRY_TEXT.test(fnName) || [...facts.itemNames].some((n) => RETRY_TEXT.test(n))) return 'retry loop: attempts must run one after another';
  const tx = inTransaction(loop);
  if (tx) return tx;
  const early = exitsEarly(loop, body);
  if (early) return early;
  if (/(close|shutdown|stop|dispose|destroy|teardown|cleanup|terminate|disconnect|drain|unload|unmount)/i.test(fnName)) return `inside ${fnName}(): shutdown runs in order`;
  const collectionWords = facts.collectionText ? (facts.collectionText.match(/[A-Za-z_$][\w$]*/g) ?? []).flatMap((w) => words(w)) : [];
  const itemWords = [...facts.itemNames].flatMap((n) => words(n));
  const ordered = [...collectionWords.slice(-3), ...itemWords].find((w) => ORDERED_COLLECTION.has(w));
  if (ordered) return `iterates ${ordered}: an ordered pipeline or pre-batched work`;
  let reason: string | undefined;
  const visit = (node: ts.Node): void => {
    if (reason) return;
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const name = calleeName(node.expression) ?? '';
      const calleeText = context.text(node.expression);
      if (SLEEP_NAMES.test(name)) reason = `\`${shorten(context.text(node), 40)}\` paces the iterations on purpose`;
      else if (LIMITER_TEXT.test(calleeText)) reason = `\`${shorten(calleeText, 40)}\` limits or serialises the work on purpose`;
      else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && ts.isIdentifier(node.expression.expression) && node.expression.expression.text === 'Promise' && /^(all|allSettled|race|any)$/.test(name)) {
        reason = 'each iteration already runs a Promise.all batch: bounded concurrency on purpose';
      }
    }
    if (ts.isTryStatement(node) && node.catchClause && node.tryBlock.pos <= awaitNode.pos && awaitNode.end <= node.tryBlock.end) {
      const rethrows = node.catchClause.block.statements.some((s) => ts.isThrowStatement(s));
      if (!rethrows) reason = 'each item has its own try/catch that carries on: failures are handled one by one';
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
  if (reason) return reason;
  return loopCarried(loop, body, context);
}

// Where the word `await` occurs in each file's text, in order. An await expression needs the keyword inside its
// node's text, so a node whose range holds none has no await under it: blocks and loops without one are skipped
// without walking them (an escaped `\u0061wait` keyword is a parse error, and such files are never analysed).
const awaitWordsOfFile = new WeakMap<ts.SourceFile, number[]>();

function mayHoldAwait(node: ts.Node, sourceFile: ts.SourceFile): boolean {
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
function awaitsIn(body: ts.Node): ts.AwaitExpression[] {
  const found: ts.AwaitExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (isFunctionBoundary(node)) return;
    if (ts.isAwaitExpression(node)) found.push(node);
    ts.forEachChild(node, visit);
  };
  visit(body);
  return found;
}

function awaitOperandCall(node: ts.AwaitExpression): CallLike | undefined {
  const operand = unwrap(node.expression);
  return ts.isCallExpression(operand) || ts.isTaggedTemplateExpression(operand) ? operand : undefined;
}

function innermostLoop(node: ts.Node): LoopNode | undefined {
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
function runsForEveryItem(awaitNode: ts.AwaitExpression, body: ts.Statement): boolean {
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

/**
 * Order-preserving fix: start every item's call up front, then keep the loop as it is, reading the results by
 * index. Only when the call needs nothing computed inside the body and runs for every item.
 */
function buildPrefetchFix(loop: LoopNode, facts: LoopFacts, awaitNode: ts.AwaitExpression, call: CallLike, context: RuleContext<Options>): string | undefined {
  if (!ts.isForOfStatement(loop) && !ts.isForStatement(loop)) return undefined;
  const body = loop.statement;
  const bodyLocals = declaredNames(body);
  if ([...identifiersRead(call)].some((name) => bodyLocals.has(name))) return undefined;
  if (!runsForEveryItem(awaitNode, body)) return undefined;
  const sf = context.sourceFile;
  const indent = ' '.repeat(lineIndentAt(loop.getStart(sf), sf));
  const declared = awaitNode.parent && ts.isVariableDeclaration(awaitNode.parent) && ts.isIdentifier(awaitNode.parent.name) ? awaitNode.parent.name.text : undefined;
  const used = identifiersRead(enclosingFunctionOf(loop) ?? loop);
  let results = `${declared ?? nameOf(call) ?? 'item'}Results`;
  while (used.has(results)) results = `${results}_`;
  const index = ['i', 'index', 'idx', 'itemIndex'].find((n) => !used.has(n) && !facts.itemNames.has(n)) ?? 'itemIndex';
  const callText = context.text(call);
  const loopText = context.text(loop);
  const loopStart = loop.getStart(sf);
  const awaitStart = awaitNode.getStart(sf) - loopStart;
  const awaitEnd = awaitNode.getEnd() - loopStart;
  if (ts.isForOfStatement(loop)) {
    const init = loop.initializer;
    const param = ts.isVariableDeclarationList(init) ? context.text(init.declarations[0]?.name ?? init) : context.text(init);
    const keyword = ts.isVariableDeclarationList(init) && init.flags & ts.NodeFlags.Let ? 'let' : 'const';
    const collection = context.text(loop.expression);
    const simple = /^[\w$.]+$/.test(collection) && !/(Set|Map|set|map|Iterator|iterator|entries|keys|values)$/.test(collection) && ts.isIdentifier(ts.isVariableDeclarationList(init) ? init.declarations[0]?.name ?? init : init);
    const inScope = identifiersRead(enclosingFunctionOf(loop) ?? loop);
    const fresh = ['items', 'allItems', 'itemList'].find((n) => !inScope.has(n)) ?? 'itemsCopy';
    const items = simple ? collection : fresh;
    const prelude = simple ? '' : `const ${fresh} = Array.from(${collection});\n${indent}`;
    const bodyText = context.text(body);
    const bodyStart = body.getStart(sf) - loopStart;
    const newBody = `${bodyText.slice(0, awaitStart - bodyStart)}${results}[${index}]${bodyText.slice(awaitEnd - bodyStart)}`;
    return `${prelude}const ${results} = await Promise.all(${items}.map((${param}) => ${callText}));\n${indent}for (${keyword} [${index}, ${param}] of ${items}.entries()) ${newBody}`;
  }
  const counter = [...facts.itemNames][0];
  if (!counter) return undefined;
  const condition = loop.condition && ts.isBinaryExpression(loop.condition) ? loop.condition : undefined;
  if (!condition) return undefined;
  const inclusive = condition.operatorToken.kind === ts.SyntaxKind.LessThanEqualsToken;
  const starts = loop.initializer && ts.isVariableDeclarationList(loop.initializer) ? loop.initializer.declarations[0]?.initializer : undefined;
  if (!starts || context.text(starts) !== '0' || inclusive) return undefined;
  const source = facts.collectionText ? `${facts.collectionText}.map((_item, ${counter}) => ${callText})` : `Array.from({ length: ${context.text(condition.right)} }, (_, ${counter}) => ${callText})`;
  const newLoop = `${loopText.slice(0, awaitStart)}${results}[${counter}]${loopText.slice(awaitEnd)}`;
  return `const ${results} = await Promise.all(${source});\n${indent}${newLoop}`;
}

function buildLoopFix(loop: LoopNode, facts: LoopFacts, context: RuleContext<Options>): string {
  const body = loop.statement;
  let bodyText = context.text(body);
  // `continue` of this loop becomes `return` in the per-item callback.
  const continues: ts.ContinueStatement[] = [];
  const visit = (node: ts.Node, nested: boolean): void => {
    if (isFunctionBoundary(node)) return;
    if (ts.isContinueStatement(node) && !nested && !node.label) continues.push(node);
    ts.forEachChild(node, (child) => visit(child, nested || isLoop(child)));
  };
  visit(body, false);
  const bodyStart = body.getStart(context.sourceFile);
  for (const statement of continues.sort((a, b) => b.getStart(context.sourceFile) - a.getStart(context.sourceFile))) {
    const start = statement.getStart(context.sourceFile) - bodyStart;
    const end = statement.getEnd() - bodyStart;
    bodyText = `${bodyText.slice(0, start)}return;${bodyText.slice(end)}`;
  }
  if (!ts.isBlock(body)) bodyText = `{ ${bodyText} }`;
  if (ts.isForOfStatement(loop) || ts.isForInStatement(loop)) {
    const init = loop.initializer;
    const param = ts.isVariableDeclarationList(init) ? context.text(init.declarations[0]?.name ?? init) : context.text(init);
    const collection = ts.isForInStatement(loop) ? `Object.keys(${context.text(loop.expression)})` : facts.collectionText ?? '';
    const source = ts.isForOfStatement(loop) && !/^[\w$.]+$/.test(collection) ? `Array.from(${collection})` : collection;
    return `await Promise.all(${source}.map(async (${param}) => ${bodyText}));`;
  }
  const index = [...facts.itemNames][0] ?? 'i';
  if (facts.collectionText) return `await Promise.all(${facts.collectionText}.map(async (_item, ${index}) => ${bodyText}));`;
  const condition = ts.isForStatement(loop) && loop.condition && ts.isBinaryExpression(loop.condition) ? context.text(loop.condition.right) : 'n';
  return `await Promise.all(Array.from({ length: ${condition} }, async (_, ${index}) => ${bodyText}));`;
}

function checkLoop(loop: LoopNode, context: RuleContext<Options>): void {
  if (!mayHoldAwait(loop.statement, context.sourceFile)) return;
  const facts = loopItems(loop, context);
  if (!facts) return;
  const body = loop.statement;
  const allAwaits = awaitsIn(body);
  const awaits = allAwaits.filter((a) => innermostLoop(a) === loop);
  if (awaits.length === 0) return;
  const derived = derivedNames(body, facts.itemNames);
  // Find the first read-like await over the item.
  let target: { awaitNode: ts.AwaitExpression; call: CallLike; classified: Classified } | undefined;
  for (const a of awaits) {
    const c = awaitOperandCall(a);
    if (!c) continue;
    const classified = classifyCall(c);
    if (classified.kind !== 'read') continue;
    if (![...identifiersRead(c)].some((r) => derived.has(r))) continue;
    if (usesTransactionHandle(c, context) || singleConnectionClass(c)) return;
    target = { awaitNode: a, call: c, classified };
    break;
  }
  if (!target) return;
  // The item itself is called: a list of steps.
  const calleeRoot = receiverRoot(ts.isCallExpression(target.call) ? target.call.expression : target.call.tag);
  if (calleeRoot && facts.itemNames.has(calleeRoot) && ts.isIdentifier(unwrap(ts.isCallExpression(target.call) ? target.call.expression : target.call.tag))) return;
  if (awaits.some((a) => {
    const c = awaitOperandCall(a);
    return c !== undefined && SHUTDOWN_VERBS.test(nameOf(c) ?? '');
  })) return;
  // Read, then write to the store per item (get-or-create, read-modify-write): a later item may read what an
  // earlier one wrote, so the items are not provably independent.
  if (allAwaits.some((a) => {
    const c = awaitOperandCall(a);
    return c !== undefined && ['write', 'ordered'].includes(classifyCall(c).kind);
  })) return;
  const exemption = loopExemption(loop, body, target.awaitNode, context, facts) ?? deliberateComment(loop, context) ?? parallelElsewhere(loop, facts.collectionText, context);
  if (exemption) return;

  const loopKind = loopKindOf(loop);
  const role = context.siteRole(loop);
  const writesToo = awaits.some((a) => {
    const c = awaitOperandCall(a);
    return c !== undefined && classifyCall(c).kind !== 'read';
  });
  let base: Severity = role.kind === 'request' ? 'critical' : 'high';
  const severityReasons = [`one round trip per item, N items back to back ${role.kind === 'request' ? 'on a request path' : 'per call'}: ${base}`];
  if (writesToo) {
    base = shiftSeverity(base, 1);
    severityReasons.push('the loop body also writes or calls unclassified functions: severity lowered one step (per-item ordering cannot be ruled out)');
  }
  const { severity, reasons } = siteSeverity(base, role, context.fileRole);
  const confidence: Confidence = writesToo ? 'low' : role.kind === 'request' ? 'high' : 'medium';
  const callText = shorten(context.text(target.call), 50);
  const prefetch = buildPrefetchFix(loop, facts, target.awaitNode, target.call, context);
  context.report({
    node: target.awaitNode,
    variant: 'loop',
    messageId: 'loop',
    data: { loopKind, call: callText },
    severity,
    confidence,
    evidence: [
      `\`await ${callText}\` inside a ${loopKind} loop${facts.collectionText ? ` over \`${shorten(facts.collectionText, 40)}\`` : ''}`,
      `\`${target.classified.name}\` reads by its name, and its arguments use the loop item (${[...facts.itemNames].map((n) => `\`${n}\``).join(', ')})`,
      'no loop-carried value, no sleep or rate limiter, no break/return, no per-item try/catch, no transaction',
      ...role.reasons,
      ...severityReasons,
      ...reasons,
    ],
    impact: `N items x ~L ms each: ~N*L -> ~L with Promise.all, or ~N*L/C with a concurrency limit C (for example 10 items of 20 ms: ~200 ms -> ~20 ms), assuming the items are independent`,
    fix: prefetch
      ? {
          description: `Start \`${target.classified.name}\` for every item first and keep the loop, reading each result by index: the loop's own order and side effects stay as they were. If the collection can be large, bound the concurrency (p-map with { concurrency: 10 }) instead of an unbounded Promise.all.`,
          replacement: prefetch,
        }
      : {
          description: 'Run the loop body per item with Promise.all over a map. The body\'s side effects (push, assignments) then happen in completion order, so return values from the callback instead if order matters; if the collection can be large, bound the concurrency (p-map with { concurrency: 10 }).',
          replacement: buildLoopFix(loop, facts, context),
        },
    effort: writesToo ? 'small' : 'trivial',
    params: { loopKind, call: target.classified.name },
  });
}

// ---------------------------------------------------------------------------------------------------------
// forEach(async ...)
// ---------------------------------------------------------------------------------------------------------

function checkAsyncForEach(call: ts.CallExpression, context: RuleContext<Options>): void {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 'forEach') return;
  const callback = call.arguments[0];
  if (!callback || !(ts.isArrowFunction(callback) || ts.isFunctionExpression(callback)) || !isAsyncFunction(callback)) return;
  // `await stream.forEach(async ...)` / `return x.forEach(...)`: an async-aware forEach (Readable, IxJS).
  const parent = call.parent;
  if (parent && (ts.isAwaitExpression(parent) || ts.isReturnStatement(parent) || ts.isVariableDeclaration(parent) || ts.isArrowFunction(parent))) return;
  if (call.arguments.length > 1) return;
  const awaits = awaitsIn(callback.body);
  const firstAwait = awaits.find((a) => awaitOperandCall(a) !== undefined);
  if (!firstAwait) return;
  // `queue.forEach(async ({ fn, resolve }) => resolve(await fn()))`: each result is delivered through a callback
  // the item carries, so nothing is meant to await the forEach.
  const params = new Set(callback.parameters.flatMap((p) => bindingIdentifiers(p.name)));
  let handsOff = false;
  const visit = (node: ts.Node): void => {
    if (handsOff) return;
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && params.has(node.expression.text) && /^(resolve|reject|callback|cb|done|next|respond|reply)$/i.test(node.expression.text)) handsOff = true;
    ts.forEachChild(node, visit);
  };
  visit(callback.body);
  if (handsOff) return;
  const role = context.siteRole(call);
  const base: Severity = 'high';
  const { severity, reasons } = siteSeverity(base, role, context.fileRole);
  const receiver = context.text(callee.expression);
  const fn = enclosingFunctionOf(call);
  const enclosingAsync = fn !== undefined && isAsyncFunction(fn);
  const awaited = awaitOperandCall(firstAwait);
  const awaitedText = awaited ? shorten(context.text(awaited), 50) : 'the callback';
  context.report({
    node: call,
    variant: 'async-foreach',
    messageId: 'asyncForEach',
    data: { call: awaitedText },
    severity,
    confidence: 'high',
    evidence: [
      `\`${shorten(receiver, 40)}.forEach\` is given an async callback that awaits \`${awaitedText}\``,
      'forEach ignores the promises the callback returns: every item starts at once (unbounded concurrency), the caller continues before any finishes, and a rejection becomes an unhandled rejection',
      ...role.reasons,
      'fire-and-forget work with unbounded fan-out: high',
      ...reasons,
    ],
    impact: 'N concurrent calls with no limit and no completion signal: the caller reports success before the work is done, and a large N floods the downstream service or pool',
    fix: {
      description: enclosingAsync
        ? 'Collect the promises and await them (bound the concurrency with p-map if the list can be large); use for...of if the items must run one at a time.'
        : 'Collect the promises and return or await them from an async caller (bound the concurrency with p-map if the list can be large).',
      replacement: `${enclosingAsync ? 'await' : 'return'} Promise.all(${receiver}.map(${context.text(callback)}));`,
    },
    effort: 'small',
    params: { loopKind: 'forEach', concurrency: 'unbounded' },
  });
}

// ---------------------------------------------------------------------------------------------------------

export default defineRule<Options>({
  meta: {
    id: 'sequential-await',
    category: 'Async/Concurrency',
    defaultSeverity: 'high',
    description: 'Independent reads awaited one after another, in a row or in a loop, and forEach with an async callback.',
    messages: {
      consecutive: '{{count}} independent reads are awaited one after another ({{calls}}); start them together with Promise.all',
      loop: '`await {{call}}` inside a {{loopKind}} loop fetches the items one at a time; run them concurrently',
      asyncForEach: 'forEach with an async callback does not wait for `{{call}}`: all items start at once and nothing awaits them',
    },
    triggers: ['await'],
    requiresTypeInfo: false,
    options,
  },
  appliesTo: (file, options) => file.role !== 'migration' && (file.role !== 'test' || options.includeTests),
  create(context) {
    // Browser automation: every call acts on one shared page, so `click` / `fill` / reads are ordered steps.
    const modules = context.imports.importedModules();
    if ([...modules].some((m) => UI_AUTOMATION.test(m))) return { kinds: {} };
    const statements = (node: ts.Node): void => {
      if ((ts.isBlock(node) || ts.isCaseClause(node) || ts.isDefaultClause(node)) && mayHoldAwait(node, context.sourceFile)) checkStatements(node.statements, context);
    };
    const loops = (node: ts.Node): void => {
      if (context.options.checkLoops && isLoop(node)) checkLoop(node, context);
    };
    return {
      kinds: {
        [ts.SyntaxKind.Block]: statements,
        [ts.SyntaxKind.CaseClause]: statements,
        [ts.SyntaxKind.DefaultClause]: statements,
        [ts.SyntaxKind.ForOfStatement]: loops,
        [ts.SyntaxKind.ForInStatement]: loops,
        [ts.SyntaxKind.ForStatement]: loops,
        [ts.SyntaxKind.CallExpression]: (node) => {
          if (context.options.checkAsyncForEach && ts.isCallExpression(node)) checkAsyncForEach(node, context);
        },
      },
    };
  },
});

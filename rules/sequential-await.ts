import type { z } from 'zod';
import type { Zod } from '../src/lazy-zod.js';
import type { Confidence } from '../src/findings.js';
import type { RuleContext } from '../src/rule.js';
import { defineRule } from '../src/rule.js';
import { bindingIdentifiers } from '../src/scanner/imports.js';
import { frontEndReason } from '../src/model/front-end.js';
import { fallbackBranchOf } from '../src/model/branches.js';
import { ioKindOfModule, words } from '../src/model/io-catalog.js';
import { grade, type Cost } from '../src/model/severity.js';
import type { Role } from '../src/model/types.js';
import { chainText, offTransaction, type IoEvidence } from '../src/model/view.js';
import { ts } from '../src/scanner/ts.js';
import { awaitOperandCall, awaitsIn, memberOfLocal, calleeName, declaredInFunction, declaredNames, enclosingFunctionOf, functionNameOf, identifiersRead, innermostLoop, isAsyncFunction, isFunctionBoundary, isLoop, loopKindOf, mayHoldAwait, nameOf, receiverRoot, runsForEveryItem, shorten, unwrap, type CallLike, type LoopNode } from '../src/model/syntax.js';
import { inTransaction, singleConnectionClass, usesTransactionHandle } from '../src/model/serial.js';
import { distinctMemoEntries, keyedMemoNote } from '../src/model/memo-entries.js';
import { prunedBinding } from '../src/fixes/bindings.js';
import { deliberateComment } from '../src/model/intent.js';
import { derivedNames, exitsEarly, hoistableStatement, LIMITER_TEXT, literalItemCount, loopCarried, loopItems, ORDERED_COLLECTION, readsEnclosingLoopItem, readsLoopItem, saysRetry, SHUTDOWN_VERBS, SLEEP_NAMES, type LoopFacts } from '../src/model/loop-facts.js';
import { loopCollectionSource, modelOracle, type CollectionSource } from '../src/model/collection-size.js';
import { collectionKind } from '../src/fixes/collection.js';
import { replaceNode, type EditSpec } from '../src/fixes/edits.js';

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

/** Built on first use (`RuleMeta.options`): a scan without options for this rule never loads zod. */
const optionsSchema = (z: Zod) =>
  z.strictObject({
  minAwaits: z.number().int().min(2).default(2),
  includeTests: z.boolean().default(false),
  checkLoops: z.boolean().default(true),
  checkAsyncForEach: z.boolean().default(true),
  /** Also report code that runs once (start-up, scripts, migrations, module top level), at low. */
  includeOnce: z.boolean().default(false),
});
type Options = z.infer<ReturnType<typeof optionsSchema>>;

/** `optionsSchema(z).parse({})`, as plain data (checked by test/rule-options-defaults.test.ts). */
const defaults: Options = { minAwaits: 2, includeTests: false, checkLoops: true, checkAsyncForEach: true, includeOnce: false };

// ---------------------------------------------------------------------------------------------------------
// Call classification by name
// ---------------------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------------------
// Small AST helpers
// ---------------------------------------------------------------------------------------------------------

/** `this.repo.find` -> `this.repo`; `getUser` -> undefined. */
function receiverText(call: CallLike, context: RuleContext<Options>): string | undefined {
  const callee = unwrap(ts.isCallExpression(call) ? call.expression : call.tag);
  if (ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee)) return context.text(callee.expression);
  return undefined;
}

/**
 * Workflow code replayed deterministically (Temporal's `@temporalio/workflow`: `proxyActivities`, `sleep`,
 * `condition`): each await is a recorded step of a durable history, sequential on purpose, and a step may sit
 * after an hour-long `sleep`. Its order is the workflow's contract.
 */
const WORKFLOW_RUNTIME = /^@temporalio\/workflow$/;

const SERVER_SIDE = /^(express|koa|fastify|hono|restify|egg|@nestjs\/[\w-]+|@hapi\/hapi|@trpc\/server|@apollo\/server|apollo-server(-\w+)?|@temporalio\/(worker|client))$/;

const UI_AUTOMATION = /^(playwright|playwright-core|@playwright\/test|puppeteer|puppeteer-core|selenium-webdriver|webdriverio|@wdio\/.*|cypress|testcafe|nightwatch)$/;

/** The same function also runs this collection with Promise.all: the sequential branch is a deliberate choice. */
function parallelElsewhere(loop: LoopNode, collectionText: string | undefined, context: RuleContext<Options>): string | undefined {
  const fn = enclosingFunctionOf(loop);
  if (!fn || !collectionText) return undefined;
  let found: string | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(node) && /^Promise\.(all|allSettled)$/.test(context.text(node.expression)) && node.arguments.some((argument) => mentions(argument, collectionText, context))) {
      found = `the same function runs \`${shorten(collectionText, 40)}\` with Promise.all elsewhere: the sequential branch is a deliberate choice`;
    }
    ts.forEachChild(node, visit);
  };
  visit(fn);
  return found;
}

/** `expression` names the collection as code (`items.map(...)`, `[...items]`), not inside a string or a comment. */
function mentions(expression: ts.Node, collectionText: string, context: RuleContext<Options>): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found || ts.isStringLiteralLike(node) || ts.isTemplateExpression(node)) return;
    if ((ts.isIdentifier(node) || ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node) || ts.isCallExpression(node)) && context.text(node) === collectionText) {
      found = true;
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(expression);
  return found;
}

function indentOf(node: ts.Node, sourceFile: ts.SourceFile): string {
  const start = node.getStart(sourceFile);
  const lineStart = sourceFile.text.lastIndexOf('\n', start - 1) + 1;
  const prefix = sourceFile.text.slice(lineStart, start);
  return /^\s*$/.test(prefix) ? prefix : '';
}

/** The model's role for the code at `node`, and whether it repeats inside an enclosing loop of its function. */
function frequencyAt(node: ts.Node, context: RuleContext<Options>): { role: Role; reasons: string[]; inLoop: boolean } {
  const frequency = context.model.frequencyOf(node);
  const site = context.siteRole(node);
  return { role: frequency.role, reasons: [frequency.reason], inLoop: site.inLoop };
}

function frontEndOf(context: RuleContext<Options>): string | undefined {
  // A plain .ts file that touches the DOM is browser code too, unless it imports a server framework or a database,
  // queue or cache client, or names a variable `document`/`window` itself (a Mongoose `document`, say).
  const modules = [...context.imports.importedModules()];
  const server = modules.some((m) => SERVER_SIDE.test(m) || ['database', 'queue', 'cache'].includes(ioKindOfModule(m) ?? ''));
  const shadowed = /\b(const|let|var|function)\s+(document|window|navigator)\b|[(,]\s*(document|window|navigator)\s*[:,)]/.test(context.sourceFile.text);
  return frontEndReason(context.file, context.imports, context.project, server || shadowed ? undefined : context.sourceFile.text);
}

function lighter(cost: Cost): Cost {
  return cost === 'heavy' ? 'moderate' : 'light';
}

/**
 * One step lighter in front-end code, again on a fallback path (a catch, a cache miss), and again when a much
 * larger sequential cost sits in the same function (what the caller mostly waits on is elsewhere). `rank`: the
 * size of this cost (0 a few awaits, 1 a loop over a short literal, 2 a loop, 3 a loop of loops).
 */
function lightenedCost(cost: Cost, reason: string, node: ts.Node, rank: number, frontEnd: string | undefined, context: RuleContext<Options>): { cost: Cost; costReason: string } {
  const fallback = fallbackBranchOf(node, context.model);
  const dominant = dominantLoop(node, Math.max(2, rank + 1), context);
  let result = frontEnd ? lighter(cost) : cost;
  if (fallback) result = lighter(result);
  if (dominant) result = lighter(result);
  const notes = [fallback ? `${fallback}, assumed the exception (one step lighter)` : '', dominant ? `${dominant} (one step lighter)` : ''].filter(Boolean);
  return { cost: result, costReason: [reason, ...notes].join('; ') };
}

/** Size of a loop's sequential I/O: 0 none, 1 a literal of a few items, 2 one await per item, 3 a loop inside. */
function loopRank(loop: LoopNode, context: RuleContext<Options>): number {
  const io = awaitsIn(loop.statement).filter((a) => {
    const call = awaitOperandCall(a);
    return call !== undefined && context.model.ioEvidence(call, calleeLabel(call)).level !== 'none';
  });
  if (io.length === 0) return 0;
  if (io.some((a) => innermostLoop(a) !== loop)) return 3;
  const literal = literalItemCount(loop);
  return (literal !== undefined && literal <= 4) || loopSize(loop, context).size === 'small' ? 1 : 2;
}

/**
 * How many items the loop walks, from where its collection comes from (src/model/collection-size.ts): a query
 * result or request input can be large; an object's keys, a config's entries, an enum are a handful.
 */
function loopSize(loop: LoopNode, context: RuleContext<Options>): CollectionSource {
  return loopCollectionSource(loop, modelOracle(context.model), context.sourceFile);
}

/**
 * The cost of one pass over the loop: a literal of up to 4 items is light; a small collection one step below
 * `base`; a data-sized or unknown one `base`, but only a data-sized one may reach critical.
 */
function loopCost(loop: LoopNode, base: Cost, context: RuleContext<Options>): { cost: Cost; size: string; cap?: { severity: 'high'; reason: string } } {
  const literal = literalItemCount(loop);
  if (literal !== undefined && literal <= 4) return { cost: 'light', size: `a literal list of ${literal} items` };
  const source = loopSize(loop, context);
  if (source.size === 'small') return { cost: lighter(base), size: `${source.reason}; one step lighter` };
  if (source.size === 'unknown') return { cost: base, size: source.reason, cap: { severity: 'high', reason: 'N unknown, so not shown to be large' } };
  return { cost: base, size: source.reason };
}

/** Another loop in the same function whose sequential I/O is at least `atLeast` in size (see loopRank). */
function dominantLoop(node: ts.Node, atLeast: number, context: RuleContext<Options>): string | undefined {
  const fn = enclosingFunctionOf(node);
  const body = fn && (fn as ts.FunctionLikeDeclaration).body;
  if (!body) return undefined;
  let found: string | undefined;
  const visit = (current: ts.Node): void => {
    if (found || isFunctionBoundary(current)) return;
    const related = (current.pos <= node.pos && node.end <= current.end) || (node.pos <= current.pos && current.end <= node.end);
    if (isLoop(current) && !related && mayHoldAwait(current, context.sourceFile) && loopRank(current, context) >= atLeast) {
      const line = context.sourceFile.getLineAndCharacterOfPosition(current.getStart(context.sourceFile)).line + 1;
      found = `a larger sequential cost sits on the same path (the ${loopKindOf(current)} loop at line ${line}): the caller mostly waits on that`;
      return;
    }
    ts.forEachChild(current, visit);
  };
  ts.forEachChild(body, visit);
  return found;
}

/** Code that runs once is reported (at low) when asked: `includeOnce`, or `includeTests` inside a test file. */
function reportsOnce(context: RuleContext<Options>): boolean {
  return context.options.includeOnce || (context.options.includeTests && context.fileRole === 'test');
}

/** `this.repo.find` -> `this.repo` as written; plain calls have no receiver. */
function calleeLabel(call: CallLike): string {
  return nameOf(call) ?? 'call';
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
  /** What the result is bound to; `none` for a bare `await f()` statement. */
  target:
    | { kind: 'declare'; keyword: 'const' | 'let' | 'var'; name: string; type?: string }
    | { kind: 'assign'; text: string }
    | { kind: 'none' }
    /** `if (await isAllowed(id)) ...` ends a run: its result gets a name, the `if` follows the Promise.all. */
    | { kind: 'condition'; name: string; statementText: string };
  /** Names this step binds. */
  writes: Set<string>;
  /** Local objects a member of which this step assigns (`settings.theme = await ...`). */
  objectWrites: Set<string>;
  /** Names the awaited expression reads. */
  reads: Set<string>;
  /** Wrote something callees could see (a member or an outer variable). */
  visibleWrite: boolean;
  name: string;
  evidence: IoEvidence;
  receiver: string | undefined;
  /** A local object the call acts on (`job.getResults()`): calls on one such object complete in order. */
  statefulReceiver: string | undefined;
}

/** `x.y!.z` over an awaited call: the member path to re-apply with `.then`. */
function peelAwait(expression: ts.Expression): { awaitNode: ts.AwaitExpression; path: string; conditional?: ts.Expression } | undefined {
  let current = unwrap(expression);
  const path: string[] = [];
  for (;;) {
    if (ts.isAwaitExpression(current)) return { awaitNode: current, path: path.reverse().join('') };
    if (ts.isPropertyAccessExpression(current) && !current.questionDotToken) {
      path.push(`.${current.name.text}`);
      current = unwrap(current.expression);
      continue;
    }
    return resultPositionAwait(expression);
  }
}

/**
 * `flag ? await getA() : null`, `cached ?? (await load())`, `ok && (await fetchB())`: one await whose value is
 * the expression's result. Without the `await` the expression yields the promise (or the other branch), which
 * Promise.all accepts as it is. An await in a condition or a left operand decides the result: not taken.
 */
function resultPositionAwait(expression: ts.Expression): { awaitNode: ts.AwaitExpression; path: string; conditional: ts.Expression } | undefined {
  const found = awaitsIn(expression);
  const only = found[0];
  if (found.length !== 1 || !only) return undefined;
  for (let current: ts.Node = only; current !== expression; current = current.parent) {
    const parent = current.parent;
    if (!parent) return undefined;
    if (ts.isParenthesizedExpression(parent) || ts.isAsExpression(parent) || ts.isNonNullExpression(parent)) continue;
    if (ts.isConditionalExpression(parent) && parent.condition !== current) continue;
    if (ts.isBinaryExpression(parent) && parent.right === current && [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(parent.operatorToken.kind)) continue;
    return undefined;
  }
  return only === unwrap(expression) ? undefined : { awaitNode: only, path: '', conditional: expression };
}

/** `job` in `job.getMetadata()` when `job` is a local holding an object from a call (not a client the model knows). */
function statefulReceiverOf(call: CallLike, evidence: IoEvidence, context: RuleContext<Options>): string | undefined {
  // The call goes straight to a library handle (`db.query` with `db = getPool()`): a client, not a job's state.
  if (evidence.level === 'proven' && evidence.callees.every((c) => !c.hasBody)) return undefined;
  const callee = unwrap(ts.isCallExpression(call) ? call.expression : call.tag);
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const receiver = unwrap(callee.expression);
  if (!ts.isIdentifier(receiver)) return undefined;
  const fn = enclosingFunctionOf(call);
  if (!fn) return undefined;
  let stateful = false;
  const visit = (node: ts.Node): void => {
    if (stateful) return;
    if (ts.isVariableDeclaration(node) && bindingIdentifiers(node.name).includes(receiver.text) && node.initializer) {
      const init = unwrap(ts.isAwaitExpression(unwrap(node.initializer)) ? (unwrap(node.initializer) as ts.AwaitExpression).expression : node.initializer);
      if ((ts.isCallExpression(init) || ts.isNewExpression(init)) && context.model.ioEvidence(receiver, receiver.text).level !== 'proven') stateful = true;
    }
    if (node !== fn && isFunctionBoundary(node)) return;
    ts.forEachChild(node, visit);
  };
  visit(fn);
  return stateful ? receiver.text : undefined;
}

function name0(call: CallLike): string {
  const name = nameOf(call) ?? 'check';
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : 'check';
}

/** The step a statement adds to a run of independent awaits, or undefined when it awaits no I/O. */
function awaitStep(statement: ts.Statement, context: RuleContext<Options>): AwaitStep | undefined {
  // Shape checks come first and the model only for a statement that awaits a call: most statements of a block
  // are not awaits, and this runs for every statement of every block.
  let expression: ts.Expression;
  let declaration: ts.VariableDeclaration | undefined;
  let assignment: ts.BinaryExpression | undefined;
  if (ts.isVariableStatement(statement)) {
    const list = statement.declarationList;
    declaration = list.declarations[0];
    if (list.declarations.length !== 1 || !declaration?.initializer) return undefined;
    if (list.flags & ts.NodeFlags.Using) return undefined; // `using` / `await using` (AwaitUsing = Const | Using)
    expression = declaration.initializer;
  } else if (ts.isIfStatement(statement)) {
    const condition = unwrap(statement.expression);
    expression = ts.isPrefixUnaryExpression(condition) && condition.operator === ts.SyntaxKind.ExclamationToken ? condition.operand : condition;
    const peeledCondition = peelAwait(expression);
    if (!peeledCondition || peeledCondition.conditional) return undefined;
  } else if (ts.isExpressionStatement(statement)) {
    const inner = unwrap(statement.expression);
    if (ts.isBinaryExpression(inner) && inner.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      assignment = inner;
      expression = inner.right;
    } else if (ts.isAwaitExpression(inner)) {
      expression = inner;
    } else {
      return undefined;
    }
  } else {
    return undefined;
  }
  const peeled = peelAwait(expression);
  if (!peeled) return undefined;
  const operand = unwrap(peeled.awaitNode.expression);
  if (!ts.isCallExpression(operand) && !ts.isTaggedTemplateExpression(operand)) return undefined;
  // `await getA(await getId())`: the inner await already orders things; moving it into an array changes little.
  if (mayHoldAwait(operand, context.sourceFile) && awaitsIn(operand).length > 0) return undefined;
  const name = calleeLabel(operand);
  const evidence = context.model.ioEvidence(operand, name);
  if (evidence.level === 'none') return undefined;

  let target: AwaitStep['target'];
  const writes = new Set<string>();
  const objectWrites = new Set<string>();
  let visibleWrite = false;
  if (declaration) {
    const list = declaration.parent;
    const keyword = list.flags & ts.NodeFlags.Const ? 'const' : list.flags & ts.NodeFlags.Let ? 'let' : 'var';
    target = { kind: 'declare', keyword, name: context.text(declaration.name), ...(declaration.type ? { type: context.text(declaration.type) } : {}) };
    for (const bound of bindingIdentifiers(declaration.name)) writes.add(bound);
  } else if (assignment) {
    target = { kind: 'assign', text: context.text(assignment.left) };
    const left = unwrap(assignment.left);
    const objectRoot = memberOfLocal(left, statement);
    if (ts.isIdentifier(left)) {
      writes.add(left.text);
      if (!declaredInFunction(left.text, statement)) visibleWrite = true;
    } else if (objectRoot) {
      // `settings.theme = await ...` on an object this function made: no callee sees it unless handed it, and a
      // later call that reads the object depends on it (objectWrites).
      writes.add(context.text(left));
      objectWrites.add(objectRoot);
    } else {
      visibleWrite = true;
      for (const read of identifiersRead(left)) writes.add(read);
    }
  } else if (ts.isIfStatement(statement)) {
    const used = identifiersRead(enclosingFunctionOf(statement) ?? statement);
    let name = `${name0(operand)}Result`;
    while (used.has(name)) name = `${name}_`;
    const start = statement.getStart(context.sourceFile);
    const text = context.text(statement);
    const awaited = unwrap(expression);
    target = { kind: 'condition', name, statementText: `${text.slice(0, awaited.getStart(context.sourceFile) - start)}${name}${text.slice(awaited.getEnd() - start)}` };
    writes.add(name);
  } else {
    target = { kind: 'none' };
    // `await doc.loadInfo()`: awaited for what it does to a local object, so what reads that object after it
    // depends on it (`doc.sheetsByTitle[x]` must not move above it).
    const root = receiverRoot(ts.isCallExpression(operand) ? operand.expression : operand.tag);
    const client = evidence.level === 'proven' && evidence.callees.every((c) => !c.hasBody);
    if (root && root !== 'this' && !client && declaredInFunction(root, statement)) writes.add(root);
  }
  const conditional = peeled.conditional;
  const callText = reindent(conditional ?? operand, context, lineIndentAt(statement.getStart(context.sourceFile), context.sourceFile) + 2);
  // A conditional keeps its shape with the await taken out: `flag ? getA() : null`. Re-indenting moves offsets,
  // so the await is found again by how many `await` words come before it.
  const before = conditional ? (context.sourceFile.text.slice(conditional.getStart(context.sourceFile), peeled.awaitNode.getStart(context.sourceFile)).match(/\bawait\b/g) ?? []).length : 0;
  let seen = 0;
  const stripped = conditional ? callText.replace(/\bawait\s+/g, (word) => (seen++ === before ? '' : word)) : callText;
  const promiseText = peeled.path ? `${callText}.then((result) => result${peeled.path})` : stripped;
  return {
    statement,
    awaitNode: peeled.awaitNode,
    call: operand,
    promiseText,
    target,
    writes,
    objectWrites,
    reads: identifiersRead(conditional ?? operand),
    visibleWrite,
    name,
    evidence,
    receiver: receiverText(operand, context),
    statefulReceiver: statefulReceiverOf(operand, evidence, context),
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
  return shiftIndent(text, delta);
}

/** Comments between the first and the last statement of a run, kept as lines above the rewritten run. */
function commentsBetween(first: ts.Statement, last: ts.Statement, indent: string, sourceFile: ts.SourceFile): string {
  const text = sourceFile.text;
  const comments: string[] = [];
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, sourceFile.languageVariant, text, undefined, first.getStart(sourceFile), last.getEnd() - first.getStart(sourceFile));
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.SingleLineCommentTrivia || kind === ts.SyntaxKind.MultiLineCommentTrivia) comments.push(scanner.getTokenText());
  }
  return comments.map((comment) => `${comment}\n${indent}`).join('');
}

function buildConsecutiveFix(steps: AwaitStep[], hoisted: string[], indent: string): string {
  const calls = steps.map((s) => s.promiseText);
  const oneLine = calls.join(', ');
  const list = oneLine.length + indent.length < 80 && !oneLine.includes('\n') ? `[${oneLine}]` : `[\n${calls.map((c) => `${indent}  ${c},`).join('\n')}\n${indent}]`;
  const prefix = hoisted.map((text) => `${text}\n${indent}`).join('');
  if (steps.every((s) => s.target.kind === 'none')) return `${prefix}await Promise.all(${list});`;
  if (steps.every((s) => s.target.kind === 'declare')) {
    const keywords = new Set(steps.map((s) => (s.target.kind === 'declare' ? s.target.keyword : 'const')));
    const keyword = keywords.size === 1 ? [...keywords][0] ?? 'const' : 'let';
    const names = steps.map((s) => (s.target.kind === 'declare' ? s.target.name : ''));
    const types = steps.map((s) => (s.target.kind === 'declare' ? s.target.type : undefined));
    const typeText = types.every((t) => t !== undefined) ? `: [${types.join(', ')}]` : '';
    return `${prefix}${keyword} [${names.join(', ')}]${typeText} = await Promise.all(${list});`;
  }
  if (steps.every((s) => s.target.kind === 'assign')) {
    return `${prefix}[${steps.map((s) => (s.target.kind === 'assign' ? s.target.text : '')).join(', ')}] = await Promise.all(${list});`;
  }
  const names = steps.map((s, i) => (s.target.kind === 'declare' || s.target.kind === 'condition' ? s.target.name : s.target.kind === 'assign' ? `result${i + 1}` : ''));
  const tail = steps.map((s, i) => (s.target.kind === 'assign' ? `\n${indent}${s.target.text} = result${i + 1};` : s.target.kind === 'condition' ? `\n${indent}${s.target.statementText}` : '')).join('');
  // A bare `await f()` among bound ones keeps an empty slot: `const [a, , c] = ...`.
  const binding = steps.some((s) => s.target.kind === 'declare' && s.target.keyword !== 'const') ? 'let' : 'const';
  return `${prefix}${binding} [${names.join(', ')}] = await Promise.all(${list});${tail}`;
}

const FAN_OUT_VERBS = new Set(['send', 'notify', 'post', 'deliver', 'upload', 'sendmail', 'invalidate', 'ping', 'alert', 'email', 'sms', 'push', 'report', 'forward', 'call']);

/**
 * Writes onto a stream whose order is the contract: domain events published or emitted one after another,
 * entries appended to a log, jobs enqueued, analytics tracked. A consumer sees them in the order they were
 * written (`OrderPlaced` before `OrderPaid`), so they are never run together.
 */
const ORDERED_WRITE_VERBS = new Set(['publish', 'emit', 'enqueue', 'dispatch', 'broadcast', 'track', 'trigger', 'append', 'log', 'record', 'produce', 'raise', 'fire']);

function writesInOrder(name: string): boolean {
  const parts = words(name);
  const verb = parts[0] ?? '';
  return ORDERED_WRITE_VERBS.has(verb) || (verb === 'push' && parts.length === 1) || parts.some((w) => w === 'event' || w === 'events');
}

/**
 * A write that may run alongside others of its kind: a message, notification or upload to a target the
 * arguments name. Database and file writes are never taken as such (one row's write can be another's
 * precondition; the fix there is a bulk statement), nor are read-modify-writes like `getOrCreate`.
 */
function isFanOutWrite(evidence: IoEvidence, name: string): boolean {
  if (writesInOrder(name)) return false;
  if (evidence.level === 'proven') return evidence.effects.every((e) => e.kind === 'network' || e.kind === 'queue') && FAN_OUT_VERBS.has(words(name)[0] ?? '');
  return FAN_OUT_VERBS.has(words(name)[0] ?? '') && words(name).length <= 3;
}

/** Why two steps may not run together, or undefined when they may. */
function interaction(earlier: AwaitStep, later: AwaitStep): string | undefined {
  if ([...earlier.writes].some((w) => later.reads.has(w) || later.writes.has(w)) || earlier.visibleWrite) return 'data';
  if ([...earlier.objectWrites].some((o) => later.reads.has(o))) return 'data';
  const sharedMemo = earlier.evidence.memos.find((m) => later.evidence.memos.includes(m) && !distinctMemoEntries(m, earlier.evidence.callees, earlier.call, later.evidence.callees, later.call));
  if (sharedMemo) return 'memo';
  if (earlier.evidence.limiters.length > 0 && later.evidence.limiters.some((l) => earlier.evidence.limiters.includes(l))) return 'limiter';
  if (earlier.statefulReceiver && earlier.statefulReceiver === later.statefulReceiver) return 'object';
  if (earlier.evidence.access !== later.evidence.access) return 'mixed';
  if (later.evidence.access === 'write') {
    // Writes run together only as the same operation on distinct targets (`notify(a); notify(b)`), never on a
    // database, where one write's order can be another's precondition (foreign keys, unique constraints).
    if (earlier.name !== later.name || earlier.receiver !== later.receiver) return 'write';
    if (![earlier, later].every((s) => isFanOutWrite(s.evidence, s.name))) return 'write';
  }
  return undefined;
}

/** A statement that may stay in a run and move above the Promise.all: no await, no exit, reads nothing the run bound. */
function isTransparent(statement: ts.Statement, run: AwaitStep[], context: RuleContext<Options>): boolean {
  if (!ts.isVariableStatement(statement) && !ts.isExpressionStatement(statement)) return false;
  if (mayHoldAwait(statement, context.sourceFile) && awaitsIn(statement).length > 0) return false;
  const reads = identifiersRead(statement);
  if (readsFilledContext(statement, run)) return false;
  return !run.some((step) => [...step.writes, ...step.objectWrites].some((w) => reads.has(w)));
}

/** Context objects a handler hands its callees to fill in (`await actions.list(ctx, next); ctx.body.rows`). */
const CONTEXT_OBJECT = /^(ctx|context|c|req|request|res|response|reply|state|locals)$/;

function handedContexts(run: AwaitStep[]): Set<string> {
  const handed = new Set<string>();
  for (const step of run) {
    if (!ts.isCallExpression(step.call)) continue;
    for (const argument of step.call.arguments) {
      const value = unwrap(argument);
      if (ts.isIdentifier(value) && CONTEXT_OBJECT.test(value.text)) handed.add(value.text);
    }
  }
  return handed;
}

/**
 * `node` reads a member of a context object an earlier await of the run was handed: that call may have filled
 * it (`ctx.body`, `res.locals.user`), so what reads it stays after the call.
 */
function readsFilledContext(node: ts.Node, run: AwaitStep[]): boolean {
  const handed = handedContexts(run);
  if (handed.size === 0) return false;
  // Handed on whole (`await a(ctx); await b(ctx)`): the next call may read what the first one filled.
  if (ts.isCallExpression(node) && node.arguments.some((argument) => ts.isIdentifier(unwrap(argument)) && handed.has((unwrap(argument) as ts.Identifier).text))) return true;
  let found = false;
  const visit = (current: ts.Node): void => {
    if (found) return;
    if ((ts.isPropertyAccessExpression(current) || ts.isElementAccessExpression(current)) && ts.isIdentifier(unwrap(current.expression)) && handed.has((unwrap(current.expression) as ts.Identifier).text)) {
      found = true;
      return;
    }
    ts.forEachChild(current, visit);
  };
  visit(node);
  return found;
}

/** The bound results are only read to build the message of a `throw` that follows: the run is an error path. */
function onlyBuildsThrow(run: AwaitStep[], rest: readonly ts.Statement[]): boolean {
  const bound = new Set(run.flatMap((s) => [...s.writes]));
  if (bound.size === 0) return false;
  const next = rest[0];
  if (!next || !ts.isThrowStatement(next)) return false;
  for (const statement of rest.slice(1)) if ([...identifiersRead(statement)].some((r) => bound.has(r))) return false;
  return [...identifiersRead(next)].some((r) => bound.has(r));
}

function checkStatements(statements: readonly ts.Statement[], context: RuleContext<Options>): void {
  let run: AwaitStep[] = [];
  let hoisted: ts.Statement[] = [];
  const flush = (index: number) => {
    if (roundTrips(run).length >= context.options.minAwaits && !onlyBuildsThrow(run, statements.slice(index))) {
      const last = run[run.length - 1];
      reportRun(run, hoisted.filter((h) => last && h.pos < last.statement.pos), context);
    }
    run = [];
    hoisted = [];
  };
  statements.forEach((statement, index) => {
    const step = awaitStep(statement, context);
    // In a transaction (opened here or by every caller) the database calls queue on its one connection; a call
    // that provably leaves the database (another service over HTTP) does not, and still counts.
    const serial = step && (step.evidence.serialised || usesTransactionHandle(step.call, context.sourceFile) || singleConnectionClass(step.call) || (!offTransaction(step.evidence) && transactionAt(statement, context)));
    // A fail-fast check whose result is not used, or a guard (it reads, then throws on what it read; the model's
    // LinkedFunction.guard) whatever is done with its result: its order decides whether what follows runs and
    // which error a client sees.
    const validator = step && ((step.target.kind === 'none' && step.evidence.callees.some((c) => c.validatorOnly)) || step.evidence.callees.some((c) => c.guard !== undefined));
    if (!step || serial || validator) {
      if (!step && run.length > 0 && isTransparent(statement, run, context)) {
        hoisted.push(statement);
        return;
      }
      flush(index);
      return;
    }
    if (run.some((earlier) => interaction(earlier, step) !== undefined) || readsFilledContext(step.call, run)) flush(index);
    run.push(step);
    // What the `if` runs may depend on anything before it: the run ends with its condition.
    if (step.target.kind === 'condition') flush(index + 1);
  });
  flush(statements.length);
}

/**
 * The steps that wait on a round trip. A call whose I/O all goes through a memo (a one-slot memo, an in-flight
 * promise in a field, a caching decorator; see LinkedFunction.memoisedRead) answers from memory after its first
 * call: it stays in the run (it is independent) but is not a round trip Promise.all would save.
 */
function roundTrips(run: AwaitStep[]): AwaitStep[] {
  return run.filter((step) => !step.evidence.memoised);
}

function stepEvidence(step: AwaitStep, context: RuleContext<Options>): string {
  const call = `\`${shorten(context.text(step.call), 50)}\``;
  const memoised = step.evidence.memoised;
  if (memoised) return `${call}: ${memoised.name} is ${memoised.reason}: answers from memory after its first call, not counted as a round trip`;
  // A write names its write, not the read its callee happens to do first.
  const effect = (step.evidence.access === 'write' ? step.evidence.effects.find((e) => e.access === 'write') : undefined) ?? step.evidence.effects[0];
  if (step.evidence.level === 'proven' && effect) return `${call}: ${effect.kind} ${effect.access} via ${chainText(effect)}${effect.file !== context.file ? ` (${effect.file}${effect.line > 0 ? `:${effect.line}` : ''})` : ''}`;
  return `${call}: assumed I/O — ${step.evidence.assumedCalls.slice(0, 2).map((c) => `\`${c}\``).join(', ') || `\`${step.name}\``} has no body the model can follow, and its name reads as I/O`;
}

/**
 * The code runs in a transaction: lexically (a `$transaction(cb)` callback, a `tx` parameter) or because every
 * call site of its function is in one (a `@Transactional()` method, a caller's transaction callback; link.ts).
 */
function transactionAt(node: ts.Node, context: RuleContext<Options>): string | undefined {
  return inTransaction(node) ?? context.model.functionOf(node)?.transaction;
}

/** Some callers run the function inside a transaction and some do not (link.ts): said in the evidence, never critical. */
function partlyInTransaction(node: ts.Node, context: RuleContext<Options>): string | undefined {
  return inTransaction(node) ? undefined : context.model.functionOf(node)?.transactionPartly;
}

/** A finding that helps only some callers is at most `high`. */
function belowCritical<S extends string>(severity: S, partly: string | undefined): S | 'high' {
  return partly && severity === 'critical' ? 'high' : severity;
}

function reportRun(run: AwaitStep[], hoisted: ts.Statement[], context: RuleContext<Options>): void {
  const first = run[0];
  const last = run[run.length - 1];
  if (!first || !last) return;
  // Inside a transaction only calls that leave the database make a run (checkStatements): said in the evidence.
  const tx = transactionAt(first.statement, context);
  const partly = partlyInTransaction(first.statement, context);
  if (deliberateComment(first.statement, context.sourceFile)) return;
  const frequency = frequencyAt(first.statement, context);
  const trips = roundTrips(run);
  const count = trips.length;
  const names = trips.map((s) => s.name);
  const proven = trips.every((s) => s.evidence.level === 'proven');
  const writes = trips[0]?.evidence.access === 'write';
  const localOnly = trips.every((s) => s.evidence.effects.length > 0 && s.evidence.effects.every((e) => e.kind === 'fs'));
  const cost: Cost = localOnly ? 'light' : count >= 3 ? 'heavy' : 'moderate';
  const frontEnd = frontEndOf(context);
  // In front-end code only proven I/O counts: names there are mostly local storage and in-memory stores. Writes
  // there are the steps of a user's action (save, then submit, then upload), in the order the user sees them.
  if (frontEnd && (!proven || writes)) return;
  const graded = grade({
    ...lightenedCost(cost, `${localOnly ? `${count} local file-system calls, sub-millisecond each` : `${count} round trips back to back`}${frontEnd ? `; ${frontEnd}, one user waits, no server capacity is spent (one step lighter)` : ''}`, first.statement, 0, frontEnd, context),
    role: frequency.role,
    evidence: proven ? 'proven' : 'assumed',
    inLoop: frequency.inLoop,
    includeOnce: reportsOnce(context),
  });
  if (!graded.severity) return;
  let confidence = graded.confidence;
  // Two calls: if one of them is served from memory after all, running them together gains nothing.
  if (count === 2 && confidence === 'high') confidence = 'medium';
  if (writes && confidence === 'high') confidence = 'medium';
  const receivers = new Set(run.map((s) => s.receiver ?? '(function)'));
  const bound = run.flatMap((s) => [...s.writes]);
  const indent = indentOf(first.statement, context.sourceFile);
  const fixText = buildConsecutiveFix(run, hoisted.map((h) => context.text(h)), indent);
  const fixEdit = replaceNode(first.statement, `${commentsBetween(first.statement, last.statement, indent, context.sourceFile)}${fixText}`, context.sourceFile, last.statement);
  context.report({
    node: first.statement,
    endNode: last.statement,
    variant: 'consecutive',
    messageId: writes ? 'consecutiveWrites' : 'consecutive',
    data: { count, calls: names.join(', ') },
    severity: belowCritical(graded.severity, partly),
    confidence,
    evidence: [
      ...run.map((s) => stepEvidence(s, context)),
      bound.length > 0 ? `no call's arguments read a value an earlier await produced (${bound.map((b) => `\`${b}\``).join(', ')})` : "no call's arguments read a value an earlier await produced",
      writes
        ? `the same operation \`${first.name}\` on different arguments: assumes the targets are distinct and their order does not matter`
        : keyedMemoNote(run.map((step) => step.evidence)) ?? 'all reads: no shared memo, limiter, single connection or transaction between them',
      receivers.size > 1 ? `${receivers.size} different receivers` : `all on ${[...receivers][0] === '(function)' ? 'plain functions' : `\`${[...receivers][0]}\``}`,
      ...(hoisted.length > 0 ? [`${hoisted.length} statement${hoisted.length === 1 ? '' : 's'} in between read${hoisted.length === 1 ? 's' : ''} none of the results: moved above the Promise.all in the fix`] : []),
      ...(tx ? [`${tx}, but these calls leave the database: they do not queue on its connection`] : []),
      ...(partly ? [`${partly}${graded.severity === 'critical' ? ' (graded high, not critical)' : ''}`] : []),
      ...frequency.reasons,
      ...graded.reasons,
    ],
    impact: `${count} calls of ~L ms each run back to back: ~${count}L -> ~L (the slowest one) ${frequency.role === 'request' ? 'per request' : 'per call'}${proven ? '' : ', if they are I/O as their names say'}`,
    fix: {
      description: `Start the ${run.length} calls together and await them once with Promise.all (use Promise.allSettled if one failure must not abort the others).`,
      replacement: fixText,
      edits: [fixEdit],
      // Reads the rule found independent: only their timing changes. Writes reorder effects: a suggestion.
      mechanical: !writes,
    },
    effort: 'trivial',
    params: { awaits: count, calls: names, evidence: proven ? 'proven' : 'assumed' },
  });
}

// ---------------------------------------------------------------------------------------------------------
// Awaits in loops
// ---------------------------------------------------------------------------------------------------------

function loopExemption(loop: LoopNode, body: ts.Statement, awaitNode: ts.AwaitExpression, context: RuleContext<Options>, facts: LoopFacts, offConnection: boolean): string | undefined {
  if (ts.isForOfStatement(loop) && loop.awaitModifier) return '`for await` consumes an async iterator in order';
  const header = ts.isForStatement(loop) ? context.text(loop).slice(0, context.text(loop).length - context.text(body).length) : facts.collectionText ?? '';
  const fn = enclosingFunctionOf(loop);
  const fnName = functionNameOf(fn) ?? '';
  if (saysRetry(header) || saysRetry(fnName) || [...facts.itemNames].some((n) => saysRetry(n))) return 'retry loop: attempts must run one after another';
  const tx = offConnection ? undefined : transactionAt(loop, context);
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
    ts.forEachChild(node, visit);
  };
  visit(body);
  if (reason) return reason;
  return loopCarried(loop, body, context.sourceFile);
}

/**
 * The awaited call sits in a per-item `try` whose `catch` carries on (logs, counts, skips): one item's failure
 * does not stop the others. Still one round trip per item; the fix keeps the handling per item.
 */
function perItemCatch(awaitNode: ts.AwaitExpression, loop: LoopNode): boolean {
  for (let current: ts.Node | undefined = awaitNode.parent; current && current !== loop; current = current.parent) {
    if (ts.isTryStatement(current) && current.catchClause && current.tryBlock.pos <= awaitNode.pos && awaitNode.end <= current.tryBlock.end) {
      let rethrows = false;
      const visit = (node: ts.Node): void => {
        if (rethrows || isFunctionBoundary(node)) return;
        if (ts.isThrowStatement(node)) rethrows = true;
        ts.forEachChild(node, visit);
      };
      visit(current.catchClause.block);
      return !rethrows;
    }
  }
  return false;
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
  // `send(x, await render(x))`: the callback that starts the call awaits inside it, so it must be async.
  const arrow = awaitsIn(call).length > 0 ? 'async ' : '';
  const loopText = context.text(loop);
  const loopStart = loop.getStart(sf);
  const awaitStart = awaitNode.getStart(sf) - loopStart;
  const awaitEnd = awaitNode.getEnd() - loopStart;
  if (ts.isForOfStatement(loop)) {
    const init = loop.initializer;
    const param = ts.isVariableDeclarationList(init) ? context.text(init.declarations[0]?.name ?? init) : context.text(init);
    const keyword = ts.isVariableDeclarationList(init) && init.flags & ts.NodeFlags.Let ? 'let' : 'const';
    const collection = context.text(loop.expression);
    // `.map` and `.entries()` only on a known array (a Map has no `.map`); anything else is copied first.
    const simple = /^[\w$.]+$/.test(collection) && collectionKind(loop.expression) === 'array';
    const inScope = identifiersRead(enclosingFunctionOf(loop) ?? loop);
    const fresh = ['items', 'allItems', 'itemList'].find((n) => !inScope.has(n)) ?? 'itemsCopy';
    const items = simple ? collection : fresh;
    // A spread iterates as for...of does (a Map's entries, a string's characters) and keeps the element type,
    // where `Array.from(x)` of an untyped `x` gives `unknown[]`.
    const prelude = simple ? '' : `const ${fresh} = [...${collection}];\n${indent}`;
    const bodyText = context.text(body);
    const bodyStart = body.getStart(sf) - loopStart;
    const newBody = `${bodyText.slice(0, awaitStart - bodyStart)}${results}[${index}]${bodyText.slice(awaitEnd - bodyStart)}`;
    // Neither the loop nor the callback binds a name its code no longer reads (`noUnusedLocals`): the loop keeps
    // the parts of the item its body still reads (holes for the rest: `[i, [name]]`), or the index alone.
    const declaredName = ts.isVariableDeclarationList(init) ? init.declarations[0]?.name : undefined;
    const loopItem = declaredName ? prunedBinding(declaredName, newBody, context.sourceFile) : param;
    const mapItem = declaredName ? (prunedBinding(declaredName, callText, context.sourceFile) ?? '') : param;
    const binding = loopItem !== undefined ? `[${index}, ${loopItem}]` : `[${index}]`;
    return `${prelude}const ${results} = await Promise.all(${items}.map(${arrow}(${mapItem}) => ${callText}));\n${indent}for (${keyword} ${binding} of ${items}.entries()) ${newBody}`;
  }
  const counting = countingLoop(loop, context);
  if (!counting) return undefined;
  const { counter, start } = counting;
  const source = `${countingSource(counting, facts)}.map(${arrow}(${counting.viaArray ? `_item, ${counter}` : counter}) => ${callText})`;
  // Results are indexed from 0: a loop that starts elsewhere reads `results[i - start]`.
  const newLoop = `${loopText.slice(0, awaitStart)}${results}[${start === '0' ? counter : `${counter} - ${start}`}]${loopText.slice(awaitEnd)}`;
  return `const ${results} = await Promise.all(${source});\n${indent}${newLoop}`;
}

/**
 * The loop body as the body of a per-item callback: each `continue` of this loop (bare, or naming its label)
 * becomes `return;`. Undefined when a `continue` or `break` names another loop's label: a callback cannot
 * reach it. `indent`: re-indent the lines for a callback that sits `indent` columns in.
 */
function callbackBody(loop: LoopNode, context: RuleContext<Options>, indent?: number): string | undefined {
  const body = loop.statement;
  const sf = context.sourceFile;
  const ownLabel = ts.isLabeledStatement(loop.parent) ? loop.parent.label.text : undefined;
  const continues: ts.ContinueStatement[] = [];
  let unreachable = false;
  const visit = (node: ts.Node, nested: boolean): void => {
    if (unreachable || isFunctionBoundary(node)) return;
    if ((ts.isContinueStatement(node) || ts.isBreakStatement(node)) && node.label && node.label.text !== ownLabel) unreachable = !declaresLabel(body, node.label.text);
    if (ts.isContinueStatement(node) && (node.label ? node.label.text === ownLabel : !nested)) continues.push(node);
    ts.forEachChild(node, (child) => visit(child, nested || isLoop(child)));
  };
  visit(body, false);
  if (unreachable) return undefined;
  let text = context.text(body);
  const bodyStart = body.getStart(sf);
  for (const statement of continues.sort((a, b) => b.getStart(sf) - a.getStart(sf))) {
    text = `${text.slice(0, statement.getStart(sf) - bodyStart)}return;${text.slice(statement.getEnd() - bodyStart)}`;
  }
  if (!ts.isBlock(body)) return `{ ${text} }`;
  if (indent === undefined || !text.includes('\n') || hasMultilineLiteral(body, context)) return text;
  const delta = indent - lineIndentAt(bodyStart, sf);
  return shiftIndent(text, delta);
}

function declaresLabel(node: ts.Node, label: string): boolean {
  let found = false;
  const visit = (current: ts.Node): void => {
    if (found) return;
    if (ts.isLabeledStatement(current) && current.label.text === label) found = true;
    ts.forEachChild(current, visit);
  };
  visit(node);
  return found;
}

function hasMultilineLiteral(node: ts.Node, context: RuleContext<Options>): boolean {
  let multiline = false;
  const visit = (n: ts.Node): void => {
    if ((ts.isTemplateExpression(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isStringLiteral(n)) && context.text(n).includes('\n')) multiline = true;
    if (!multiline) ts.forEachChild(n, visit);
  };
  visit(node);
  return multiline;
}

function buildLoopFix(loop: LoopNode, facts: LoopFacts, context: RuleContext<Options>, settled = false): string | undefined {
  const all = settled ? 'Promise.allSettled' : 'Promise.all';
  const bodyText = callbackBody(loop, context);
  if (bodyText === undefined) return undefined;
  if (ts.isForOfStatement(loop) || ts.isForInStatement(loop)) {
    const init = loop.initializer;
    const param = ts.isVariableDeclarationList(init) ? context.text(init.declarations[0]?.name ?? init) : context.text(init);
    const collection = ts.isForInStatement(loop) ? `Object.keys(${context.text(loop.expression)})` : context.text(loop.expression);
    // `.map` only on a known array; a spread yields what for...of yields for any iterable (a Map's entries).
    const source = ts.isForOfStatement(loop) && collectionKind(loop.expression) !== 'array' ? `[...${collection}]` : collection;
    return `await ${all}(${source}.map(async (${param}) => ${bodyText}));`;
  }
  const counting = ts.isForStatement(loop) ? countingLoop(loop, context) : undefined;
  if (!counting) return undefined;
  return `await ${all}(${countingSource(counting, facts)}.map(async (${counting.viaArray ? `_item, ${counting.counter}` : counting.counter}) => ${bodyText}));`;
}

/**
 * What in a loop body shows the order items finish in, once the body runs per item concurrently: appending
 * to (or writing into) something declared outside the body, or assigning an outer variable.
 */
function orderedEffectIn(body: ts.Statement): string | undefined {
  const locals = declaredNames(body);
  const rootOf = (node: ts.Expression): string | undefined => {
    let current = node;
    while (ts.isPropertyAccessExpression(current) || ts.isElementAccessExpression(current) || ts.isCallExpression(current) || ts.isNonNullExpression(current) || ts.isParenthesizedExpression(current)) current = current.expression;
    return ts.isIdentifier(current) ? current.text : current.kind === ts.SyntaxKind.ThisKeyword ? 'this' : undefined;
  };
  let found: string | undefined;
  // Inline callbacks count too: `await fetchItem(id).then((item) => out.push(item))` pushes in completion order
  // once the items run together. Only a named function declared in the body is its own.
  const visit = (node: ts.Node): void => {
    if (found || ts.isFunctionDeclaration(node) || ts.isClassLike(node)) return;
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && /^(push|unshift|splice|write|append|concat|set|add)$/.test(node.expression.name.text)) {
      const root = rootOf(node.expression.expression);
      if (root && !locals.has(root)) found = `appends to \`${shorten(node.expression.expression.getText(), 30)}\``;
    }
    if (ts.isBinaryExpression(node) && node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && node.operatorToken.kind <= ts.SyntaxKind.LastAssignment && ts.isIdentifier(node.left) && !locals.has(node.left.text)) {
      found = `assigns \`${node.left.text}\`, declared outside the loop`;
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
  return found;
}

/**
 * `for (let i = S; i < B; i++)` (or `<=`, `++i`, `i += 1`) with `i` not assigned in the body: the indexes
 * it visits, so a fix covers exactly those (`<=` included, a start other than 0 kept).
 */
interface CountingLoop {
  counter: string;
  start: string;
  bound: string;
  inclusive: boolean;
  /** Iterates `collection.length` from 0: `collection.map((_item, i) => ...)` visits the same indexes. */
  viaArray: boolean;
}

function countingLoop(loop: ts.ForStatement, context: RuleContext<Options>): CountingLoop | undefined {
  const init = loop.initializer;
  const declaration = init && ts.isVariableDeclarationList(init) && init.declarations.length === 1 ? init.declarations[0] : undefined;
  if (!declaration || !ts.isIdentifier(declaration.name) || !declaration.initializer) return undefined;
  const counter = declaration.name.text;
  const condition = loop.condition;
  if (!condition || !ts.isBinaryExpression(condition) || !ts.isIdentifier(condition.left) || condition.left.text !== counter) return undefined;
  const op = condition.operatorToken.kind;
  if (op !== ts.SyntaxKind.LessThanToken && op !== ts.SyntaxKind.LessThanEqualsToken) return undefined;
  const step = loop.incrementor;
  const steps =
    step !== undefined &&
    (((ts.isPostfixUnaryExpression(step) || ts.isPrefixUnaryExpression(step)) && step.operator === ts.SyntaxKind.PlusPlusToken && ts.isIdentifier(step.operand) && step.operand.text === counter) ||
      (ts.isBinaryExpression(step) && step.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken && ts.isIdentifier(step.left) && step.left.text === counter && step.right.getText() === '1'));
  if (!steps) return undefined;
  let assigned = false;
  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node) && node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && node.operatorToken.kind <= ts.SyntaxKind.LastAssignment && ts.isIdentifier(node.left) && node.left.text === counter) assigned = true;
    if ((ts.isPostfixUnaryExpression(node) || ts.isPrefixUnaryExpression(node)) && ts.isIdentifier(node.operand) && node.operand.text === counter && node.operator !== ts.SyntaxKind.ExclamationToken && node.operator !== ts.SyntaxKind.MinusToken) assigned = true;
    ts.forEachChild(node, visit);
  };
  visit(loop.statement);
  if (assigned) return undefined;
  const start = context.text(declaration.initializer);
  const bound = context.text(condition.right);
  const inclusive = op === ts.SyntaxKind.LessThanEqualsToken;
  const lengthOf = /^[\w$.]+(?=\.length$)/.exec(bound)?.[0];
  const viaArray = start === '0' && !inclusive && lengthOf !== undefined && collectionKind(unwrapLength(condition.right)) === 'array';
  return { counter, start, bound, inclusive, viaArray };
}

function unwrapLength(bound: ts.Expression): ts.Expression {
  return ts.isPropertyAccessExpression(bound) && bound.name.text === 'length' ? bound.expression : bound;
}

/** The indexes a counting loop visits, as an array expression (its items are the counter's values). */
function countingSource(loop: CountingLoop, facts: LoopFacts): string {
  void facts;
  if (loop.viaArray) return loop.bound.replace(/\.length$/, '');
  const wrap = (text: string) => (/^[\w$.]+$/.test(text) ? text : `(${text})`);
  const length = loop.start === '0' ? (loop.inclusive ? `${wrap(loop.bound)} + 1` : loop.bound) : `${wrap(loop.bound)} - ${wrap(loop.start)}${loop.inclusive ? ' + 1' : ''}`;
  return loop.start === '0' ? `Array.from({ length: ${length} }, (_, index) => index)` : `Array.from({ length: ${length} }, (_, index) => ${wrap(loop.start)} + index)`;
}

/** Per-item writes to distinct targets, run a few at a time: keeps the loop's item order within each batch. */
/**
 * Items that are large payloads (file parts, buffers, blobs, uploads): all of them in flight at once holds every
 * one in memory and saturates the link, so the fix runs a few at a time, never an unbounded Promise.all.
 */
const LARGE_ITEM_WORDS = new Set(['part', 'parts', 'slice', 'slices', 'segment', 'segments', 'block', 'blocks', 'buffer', 'buffers', 'blob', 'blobs', 'piece', 'pieces', 'shard', 'shards', 'file', 'files', 'upload', 'uploads', 'attachment', 'attachments', 'image', 'images', 'video', 'videos']);
const LARGE_TRANSFER_VERBS = new Set(['upload', 'put', 'write', 'transfer', 'download', 'copy', 'stream']);

function largeItems(facts: LoopFacts, callName: string): string | undefined {
  const collectionWords = facts.collectionText ? (facts.collectionText.match(/[A-Za-z_$][\w$]*/g) ?? []).flatMap((w) => words(w)) : [];
  const itemWords = [...facts.itemNames].flatMap((n) => words(n));
  const word = [...collectionWords.slice(-3), ...itemWords].find((w) => LARGE_ITEM_WORDS.has(w));
  if (word) return `the items are ${word === word.replace(/s$/, '') ? `${word}s` : word}: large payloads`;
  const verb = words(callName).find((w) => LARGE_TRANSFER_VERBS.has(w));
  return verb ? `each item is a ${verb}: a large payload` : undefined;
}

function buildBatchedFix(loop: LoopNode, facts: LoopFacts, context: RuleContext<Options>, size = 10): string | undefined {
  if (!ts.isForOfStatement(loop)) return undefined;
  const init = loop.initializer;
  const param = ts.isVariableDeclarationList(init) ? context.text(init.declarations[0]?.name ?? init) : undefined;
  if (!param) return undefined;
  const inScope = identifiersRead(enclosingFunctionOf(loop) ?? loop);
  const items = ['items', 'pending', 'allItems'].find((n) => !inScope.has(n) && !facts.itemNames.has(n)) ?? 'itemsCopy';
  const index = ['i', 'start', 'offset'].find((n) => !inScope.has(n) && !facts.itemNames.has(n)) ?? 'batchStart';
  const sf = context.sourceFile;
  const indent = ' '.repeat(lineIndentAt(loop.getStart(sf), sf));
  // `continue` becomes `return` inside the per-item callback.
  const bodyText = callbackBody(loop, context, lineIndentAt(loop.getStart(sf), sf) + 2);
  if (bodyText === undefined) return undefined;
  return [
    `const ${items} = [...${context.text(loop.expression)}];`,
    `${indent}// A few at a time: tune the batch size to what the downstream service accepts.`,
    `${indent}for (let ${index} = 0; ${index} < ${items}.length; ${index} += ${size}) {`,
    `${indent}  await Promise.all(${items}.slice(${index}, ${index} + ${size}).map(async (${param}) => ${bodyText}));`,
    `${indent}}`,
  ].join('\n');
}

function checkLoop(loop: LoopNode, context: RuleContext<Options>): void {
  if (!mayHoldAwait(loop.statement, context.sourceFile)) return;
  const facts = loopItems(loop, context.sourceFile);
  if (!facts) return;
  const body = loop.statement;
  const allAwaits = awaitsIn(body);
  // An await in a nested for-of that does not read that loop's item repeats per item of this loop.
  const awaits = allAwaits.filter((a) => {
    const inner = innermostLoop(a);
    return inner === loop || (inner !== undefined && (ts.isForOfStatement(inner) || ts.isForInStatement(inner)) && !readsLoopItem(a, inner, context.sourceFile));
  });
  if (awaits.length === 0) return;
  const derived = derivedNames(body, facts.itemNames);
  // The awaited calls over the item, with what the model knows of each.
  const judged = awaits.flatMap((a) => {
    const c = awaitOperandCall(a);
    if (!c) return [];
    return [{ awaitNode: a, call: c, name: calleeLabel(c), evidence: context.model.ioEvidence(c, calleeLabel(c)), usesItem: [...identifiersRead(c)].some((r) => derived.has(r)) }];
  });
  // A memoised read answers from memory after the first item, unless its cache is keyed by the item.
  const io = judged.filter((j) => j.evidence.level !== 'none' && !(j.evidence.memoised && !(j.evidence.memoised.byArguments && j.usesItem)));
  // A read that names no item and nothing the loop changes is the same read N times: hoisted, it runs once.
  // One that names an enclosing loop's item is that loop's per-item read (judged there), not this loop's.
  const invariant = io.some((j) => j.usesItem) ? undefined : io.find((j) => j.evidence.access === 'read' && !readsEnclosingLoopItem(j.awaitNode, loop, context.sourceFile) && hoistableStatement(j.awaitNode, j.call, loop, context.sourceFile) !== undefined);
  const target = io.find((j) => j.usesItem) ?? invariant;
  if (!target) return;
  if (io.some((j) => j.evidence.serialised || usesTransactionHandle(j.call, context.sourceFile) || singleConnectionClass(j.call))) return;
  // The item itself is called: a list of steps.
  const calleeRoot = receiverRoot(ts.isCallExpression(target.call) ? target.call.expression : target.call.tag);
  if (calleeRoot && facts.itemNames.has(calleeRoot) && ts.isIdentifier(unwrap(ts.isCallExpression(target.call) ? target.call.expression : target.call.tag))) return;
  if (awaits.some((a) => {
    const c = awaitOperandCall(a);
    return c !== undefined && SHUTDOWN_VERBS.test(nameOf(c) ?? '');
  })) return;
  // Every await in the body goes through one limiter: the loop is already paced.
  if (io.every((j) => j.evidence.limiters.length > 0)) return;
  const reads = io.filter((j) => j.evidence.access === 'read');
  const writes = io.filter((j) => j.evidence.access !== 'read');
  // Read, then write per item (get-or-create, read-modify-write): a later item may read what an earlier one
  // wrote, so the items are not provably independent.
  if (reads.length > 0 && writes.length > 0) return;
  // Per-item writes count only when each write's arguments name the item: distinct targets.
  if (writes.length > 0 && !writes.every((j) => j.usesItem && j.evidence.access === 'write' && isFanOutWrite(j.evidence, j.name))) return;
  // In a transaction the per-item database calls queue on its one connection; calls to another service do not.
  const offConnection = io.every((j) => offTransaction(j.evidence));
  const exemption = loopExemption(loop, body, target.awaitNode, context, facts, offConnection) ?? deliberateComment(loop, context.sourceFile) ?? parallelElsewhere(loop, facts.collectionText, context);
  if (exemption) return;
  if (invariant) {
    reportInvariantRead(loop, invariant, io.every((j) => j.evidence.level === 'proven'), context);
    return;
  }

  const loopKind = loopKindOf(loop);
  const frequency = frequencyAt(loop, context);
  const perItemWrites = writes.length > 0;
  const proven = io.every((j) => j.evidence.level === 'proven');
  const frontEnd = frontEndOf(context);
  if (frontEnd && (!proven || perItemWrites)) return;
  const sized = loopCost(loop, perItemWrites ? 'moderate' : 'heavy', context);
  const graded = grade({
    ...lightenedCost(sized.cost, `${perItemWrites ? 'one write per item, items back to back' : 'one round trip per item, N items back to back'}; ${sized.size}${frontEnd ? `; ${frontEnd}, one user waits (one step lighter)` : ''}`, loop, loopRank(loop, context), frontEnd, context),
    ...(sized.cap ? { cap: sized.cap } : {}),
    role: frequency.role,
    evidence: proven ? 'proven' : 'assumed',
    inLoop: false,
    includeOnce: reportsOnce(context),
  });
  if (!graded.severity) return;
  const confidence: Confidence = perItemWrites && graded.confidence === 'high' ? 'medium' : graded.confidence;
  const partly = partlyInTransaction(loop, context);
  const loopTx = transactionAt(loop, context);
  const callText = shorten(context.text(target.call), 50);
  const effect = target.evidence.effects[0];
  // A per-item try/catch that carries on: a prefetch would reject outside it, so the body runs per item instead.
  const catches = perItemCatch(target.awaitNode, loop);
  // Large payloads run a few at a time: no prefetch of every item at once.
  const large = largeItems(facts, target.name);
  const prefetch = perItemWrites || catches || large ? undefined : buildPrefetchFix(loop, facts, target.awaitNode, target.call, context);
  const orderedBody = orderedEffectIn(loop.statement);
  const batched = perItemWrites || (large && !orderedBody && !catches) ? buildBatchedFix(loop, facts, context, large ? 4 : 10) : undefined;
  if (perItemWrites && !batched) return;
  // The per-item callback form runs the body in completion order: only when nothing in it shows that order.
  const orderedEffect = batched || prefetch ? undefined : orderedBody;
  const perItem = batched || prefetch || orderedEffect ? undefined : buildLoopFix(loop, facts, context, catches);
  const loopEdit = batched ?? prefetch ?? perItem;
  context.report({
    node: target.awaitNode,
    variant: 'loop',
    messageId: perItemWrites ? 'loopWrites' : 'loop',
    data: { loopKind, call: callText },
    severity: belowCritical(graded.severity, partly),
    confidence,
    evidence: [
      `\`await ${callText}\` inside a ${loopKind} loop${facts.collectionText ? ` over \`${shorten(facts.collectionText, 40)}\`` : ''}, its arguments use the loop item (${[...facts.itemNames].map((n) => `\`${n}\``).join(', ')})`,
      effect && target.evidence.level === 'proven'
        ? `${effect.kind} ${effect.access} via ${chainText(effect)}${effect.file !== context.file ? ` (${effect.file}${effect.line > 0 ? `:${effect.line}` : ''})` : ''}`
        : `assumed I/O: ${target.evidence.assumedCalls.slice(0, 2).map((c) => `\`${c}\``).join(', ') || `\`${target.name}\``} has no body the model can follow, and its name reads as I/O`,
      ...(perItemWrites ? ['every await writes to a target named by the item: assumes the targets are distinct and the items need not finish in order'] : []),
      catches
        ? 'each item has its own try/catch that carries on: still one round trip per item; the fix keeps the handling per item (Promise.allSettled)'
        : 'no per-item try/catch',
      loopTx ? `no loop-carried value, no sleep or rate limiter, no break/return; ${loopTx}, but the calls leave the database: they do not queue on its connection` : 'no loop-carried value, no sleep or rate limiter, no break/return, no transaction',
      ...(partly ? [`${partly}${graded.severity === 'critical' ? ' (graded high, not critical)' : ''}`] : []),
      ...frequency.reasons,
      ...graded.reasons,
    ],
    impact: perItemWrites
      ? 'N writes of ~L ms each back to back: ~N*L -> ~N*L/C with C at a time (C = 10: 100 writes of 20 ms, ~2 s -> ~0.2 s)'
      : 'N items x ~L ms each: ~N*L -> ~L with Promise.all, or ~N*L/C with a concurrency limit C (for example 10 items of 20 ms: ~200 ms -> ~20 ms), assuming the items are independent',
    fix: {
      ...(loopEdit ? { edits: [replaceNode(loop, loopEdit, context.sourceFile)] } : {}),
      ...(batched
      ? {
          description: large && !perItemWrites
            ? `Run a bounded number of items at a time (4 here: ${large}, so never all at once; p-limit or p-map do the same with a steady window). Items within a batch finish in any order.`
            : `Write a bounded number of items at a time (${large ? `4 here: ${large}` : '10 here'}; p-limit or p-map do the same with a steady window). Items within a batch finish in any order.`,
          replacement: batched,
        }
      : prefetch
        ? {
            description: `Start \`${target.name}\` for every item first and keep the loop, reading each result by index: the loop's own order and side effects stay as they were. If the collection can be large, bound the concurrency (p-map with { concurrency: 10 }) instead of an unbounded Promise.all.`,
            replacement: prefetch,
          }
        : perItem
          ? {
              description: catches
                ? "Run the loop body per item with Promise.allSettled over a map: each item keeps its own try/catch, so one failure still does not stop the others (the body writes nothing whose order shows). If the collection can be large, bound the concurrency (p-map with { concurrency: 10 })."
                : "Run the loop body per item with Promise.all over a map (the body writes nothing whose order shows: no push, no assignment to an outer variable); if the collection can be large, bound the concurrency (p-map with { concurrency: 10 }).",
              replacement: perItem,
            }
          : {
              description: orderedEffect
                ? `The body ${orderedEffect}, in item order: start the calls together with ${catches ? 'Promise.allSettled' : 'Promise.all'} over a map that returns each item's value, then apply them in item order${catches ? ', handling each rejected result as the catch does' : ''} (a callback that pushes would push in completion order). If the collection can be large, bound the concurrency (p-map with { concurrency: 10 }).`
                : 'Start the per-item calls together (Promise.all over a map of the items, or p-map with { concurrency: 10 } for a large collection); the loop header is not one whose items a rewrite can list exactly.',
              replacement: '',
            }),
    },
    effort: perItemWrites ? 'small' : 'trivial',
    params: { loopKind, call: target.name, evidence: proven ? 'proven' : 'assumed' },
  });
}

/** The same read awaited for every item although it names none: moved above the loop, it runs once. */
function reportInvariantRead(loop: LoopNode, read: { awaitNode: ts.AwaitExpression; call: CallLike; name: string; evidence: IoEvidence }, proven: boolean, context: RuleContext<Options>): void {
  const statement = hoistableStatement(read.awaitNode, read.call, loop, context.sourceFile);
  if (!statement) return;
  const frequency = frequencyAt(loop, context);
  const frontEnd = frontEndOf(context);
  if (frontEnd && !proven) return;
  const sized = loopCost(loop, 'moderate', context);
  const graded = grade({
    ...lightenedCost(sized.cost, `the same read once per item, N-1 of them redundant; ${sized.size}${frontEnd ? `; ${frontEnd} (one step lighter)` : ''}`, loop, 2, frontEnd, context),
    role: frequency.role,
    evidence: proven ? 'proven' : 'assumed',
    includeOnce: reportsOnce(context),
  });
  if (!graded.severity) return;
  const sf = context.sourceFile;
  const loopStart = loop.getStart(sf);
  const loopText = context.text(loop);
  const indent = ' '.repeat(lineIndentAt(loopStart, sf));
  const callText = shorten(context.text(read.call), 50);
  const effect = read.evidence.effects[0];
  context.report({
    node: read.awaitNode,
    variant: 'loop',
    messageId: 'loopInvariant',
    data: { loopKind: loopKindOf(loop), call: callText },
    severity: graded.severity,
    confidence: graded.confidence === 'high' ? 'medium' : graded.confidence,
    evidence: [
      `\`await ${callText}\` inside a ${loopKindOf(loop)} loop reads nothing the loop item or the iterations change`,
      effect && read.evidence.level === 'proven' ? `${effect.kind} ${effect.access} via ${chainText(effect)}` : `assumed I/O: \`${read.name}\` has no body the model can follow, and its name reads as I/O`,
      'no write in the loop that it could observe: assumes its answer does not change while the loop runs',
      ...frequency.reasons,
      ...graded.reasons,
    ],
    impact: 'N round trips of ~L ms for one answer: ~N*L -> ~L',
    fix: {
      description: `Read it once, before the loop: \`${read.name}\` takes nothing from the items.`,
      replacement: `${reindent(statement, context, lineIndentAt(loopStart, sf))}\n${indent}${loopText.slice(0, statement.pos - loopStart)}${loopText.slice(statement.end - loopStart)}`,
    },
    effort: 'trivial',
    params: { loopKind: loopKindOf(loop), call: read.name, evidence: proven ? 'proven' : 'assumed' },
  });
}

// ---------------------------------------------------------------------------------------------------------
// forEach(async ...)
// ---------------------------------------------------------------------------------------------------------

/**
 * `xs.forEach(async cb)` -> `await Promise.all(xs.map(async cb))`: the items already ran all at once, the
 * fix only waits for them (mechanical for a known array). A `Map` or `Set` has no `.map`: its values go
 * through `Array.from`, and only when the callback reads nothing but the value (a map's forEach also passes
 * the key). Outside an async function, `return Promise.all(...)` only where the forEach ends the function.
 */
function asyncForEachEdits(call: ts.CallExpression, receiver: ts.Expression, callback: ts.ArrowFunction | ts.FunctionExpression, enclosingAsync: boolean, context: RuleContext<Options>): { replacement?: string; edits?: EditSpec[]; mechanical?: boolean } {
  const kind = collectionKind(receiver);
  const receiverText = context.text(receiver);
  const source = kind === 'array' ? receiverText : kind === 'set' && callback.parameters.length <= 1 ? `Array.from(${receiverText})` : kind === 'map' && callback.parameters.length <= 1 ? `Array.from(${receiverText}.values())` : undefined;
  if (!source) return {};
  const promise = `Promise.all(${source}.map(${context.text(callback)}))`;
  const statement = call.parent;
  if (!statement || !ts.isExpressionStatement(statement)) return {};
  if (enclosingAsync) return { replacement: `await ${promise};`, edits: [replaceNode(call, `await ${promise}`, context.sourceFile)], mechanical: true };
  const body = statement.parent;
  const fn = enclosingFunctionOf(call);
  if (!fn || !ts.isBlock(body) || body.parent !== fn || body.statements[body.statements.length - 1] !== statement) return {};
  return { replacement: `return ${promise};`, edits: [replaceNode(statement, `return ${promise};`, context.sourceFile)] };
}

const EFFECT_HOOKS = /^(useEffect|useLayoutEffect|useInsertionEffect|useFocusEffect|onMounted|onUpdated)$/;

/** The nearest function around `node` is the callback of `useEffect(() => ...)` (React, React Navigation, Vue). */
function inEffectCallback(node: ts.Node): boolean {
  const fn = enclosingFunctionOf(node);
  const call = fn?.parent;
  if (!fn || !call || !ts.isCallExpression(call) || call.arguments[0] !== fn) return false;
  const callee = call.expression;
  const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : '';
  return EFFECT_HOOKS.test(name);
}

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
  // Only work the model takes for I/O fans out anywhere: a dynamic import or an in-memory async helper does not.
  const firstAwait = awaits.find((a) => {
    const call = awaitOperandCall(a);
    return call !== undefined && context.model.ioEvidence(call, calleeLabel(call)).level !== 'none';
  });
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
  // Inside a React effect nothing can wait for the work (an effect returns a cleanup, not a promise): firing it
  // and forgetting it is the effect's design, and `return Promise.all(...)` there would not type-check.
  if (inEffectCallback(call)) return;
  const frequency = frequencyAt(call, context);
  const frontEnd = frontEndOf(context);
  const graded = grade({ cost: 'moderate', costReason: 'unbounded fan-out with no completion signal', role: frequency.role, evidence: 'proven', includeOnce: reportsOnce(context), ...(frontEnd ? { lower: [`front-end code (${frontEnd}): one user waits, no server capacity is spent`] } : {}) });
  if (!graded.severity) return;
  const severity = graded.severity;
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
      ...frequency.reasons,
      ...graded.reasons,
    ],
    impact: 'N concurrent calls with no limit and no completion signal: the caller reports success before the work is done, and a large N floods the downstream service or pool',
    fix: {
      description: enclosingAsync
        ? 'Collect the promises and await them (bound the concurrency with p-map if the list can be large); use for...of if the items must run one at a time.'
        : 'Collect the promises and return or await them from an async caller (bound the concurrency with p-map if the list can be large).',
      replacement: `${enclosingAsync ? 'await' : 'return'} Promise.all(${receiver}.map(${context.text(callback)}));`,
      ...asyncForEachEdits(call, callee.expression, callback, enclosingAsync, context),
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
      consecutiveWrites: '{{count}} independent writes are awaited one after another ({{calls}}); start them together with Promise.all',
      loopWrites: '`await {{call}}` inside a {{loopKind}} loop writes the items one at a time; write a few at a time',
      loop: '`await {{call}}` inside a {{loopKind}} loop fetches the items one at a time; run them concurrently',
      loopInvariant: '`await {{call}}` inside a {{loopKind}} loop reads the same thing for every item; read it once before the loop',
      asyncForEach: 'forEach with an async callback does not wait for `{{call}}`: all items start at once and nothing awaits them',
    },
    triggers: ['await'],
    requiresTypeInfo: false,
    defaults,
    options: optionsSchema,
  },
  appliesTo: (file, options) => (file.role !== 'migration' || options.includeOnce) && (file.role !== 'test' || options.includeTests),
  create(context) {
    // Browser automation: every call acts on one shared page, so `click` / `fill` / reads are ordered steps.
    const modules = context.imports.importedModules();
    if ([...modules].some((m) => UI_AUTOMATION.test(m))) return { kinds: {} };
    if ([...modules].some((m) => WORKFLOW_RUNTIME.test(m))) return { kinds: {} };
    const statements = (node: ts.Node): void => {
      if ((ts.isBlock(node) || ts.isCaseClause(node) || ts.isDefaultClause(node) || ts.isSourceFile(node)) && mayHoldAwait(node, context.sourceFile)) checkStatements(node.statements, context);
    };
    const loops = (node: ts.Node): void => {
      if (context.options.checkLoops && isLoop(node)) checkLoop(node, context);
    };
    return {
      kinds: {
        [ts.SyntaxKind.SourceFile]: statements,
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

/** Moves every line but the first by `delta` columns (left by at most the spaces a line has). */
function shiftIndent(text: string, delta: number): string {
  if (delta === 0) return text;
  return text
    .split('\n')
    .map((line, i) => {
      if (i === 0) return line;
      if (delta > 0) return ' '.repeat(delta) + line;
      const leading = /^ */.exec(line)?.[0].length ?? 0;
      return line.slice(Math.min(leading, -delta));
    })
    .join('\n');
}

/** The names a declaration binds: `item`, or every name in `{ id, meta: { name } }` / `[first, ...rest]`. */
function boundNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((element) => (ts.isOmittedExpression(element) ? [] : boundNames(element.name)));
}

import type { z } from 'zod';
import type { Zod } from '../src/lazy-zod.js';
import type { Confidence } from '../src/findings.js';
import { defineRule, type RuleContext } from '../src/rule.js';
import { bindingIdentifiers } from '../src/scanner/imports.js';
import { enclosingFunction, type SiteRole } from '../src/scanner/roles.js';
import { ts } from '../src/scanner/ts.js';
import { functionName } from '../src/scanner/ast.js';
import { grade, type Cost } from '../src/model/severity.js';
import { frontEndReason, inBrowserPage, packageRole } from '../src/model/front-end.js';
import { metricsWriteIn, samplesCallValues } from '../src/model/samplers.js';
import type { Role } from '../src/model/types.js';
import { addPropertyEdit, appendArgumentEdit, deleteStatement, replaceNode, insertAt, insertLinesAfter, insertLinesBefore, lineIndent, newlineOf, type EditSpec } from '../src/fixes/edits.js';

/**
 * uncleared-timer: timers whose handle is never cleared, so the timer (and everything its closure holds)
 * stays alive after the work it guarded is done.
 *
 * - race-timeout: a `setTimeout` that settles a promise raced against other work (`Promise.race`, a
 *   timeout helper, or an executor that also settles from another callback). Once the work wins, the timer
 *   still lives for the whole timeout: one live timer + closure per call.
 * - abort-timeout: `setTimeout(() => controller.abort(), ms)` guarding a request, never cleared.
 * - interval: a `setInterval` whose handle is discarded, or stored but never cleared anywhere in the file.
 */

/** Built on first use (`RuleMeta.options`): a scan without options for this rule never loads zod. */
const optionsSchema = (z: Zod) =>
  z.strictObject({
  /** Report `setInterval` handles that are discarded or never cleared. */
  checkIntervals: z.boolean().default(true),
  /** Report race / abort timeouts that are never cleared. */
  checkTimeouts: z.boolean().default(true),
  /** Report one-per-process intervals (module top level, start-up functions) that are neither cleared nor unref'd. */
  reportStartupIntervals: z.boolean().default(false),
  /** Report timers in code that runs once (start-up, module top level), at low; includes reportStartupIntervals. */
  includeOnce: z.boolean().default(false),
  /** Call rate used to turn a per-call leak into a number of live timers in the impact text. */
  assumedCallsPerSecond: z.number().positive().default(1000),
});
type Options = z.infer<ReturnType<typeof optionsSchema>>;

/** `optionsSchema(z).parse({})`, as plain data (checked by test/rule-options-defaults.test.ts). */
const defaults: Options = { checkIntervals: true, checkTimeouts: true, reportStartupIntervals: false, includeOnce: false, assumedCallsPerSecond: 1000 };

type TimerKind = 'setTimeout' | 'setInterval';
type Ctx = RuleContext<Options>;

const TIMER_METHODS_NEUTRAL = new Set(['ref', 'hasRef', 'refresh']);
const COLLECTION_WRITES = new Set(['push', 'unshift', 'add', 'set']);
const COLLECTION_NEUTRAL_READS = new Set(['length', 'size', 'has']);
/** Registering a callback with these runs it once per event: the callback's own role is per-call. */
const LISTENER_METHODS = new Set(['on', 'addListener', 'addEventListener', 'prependListener', 'subscribe', 'handle', 'use', 'get', 'post', 'put', 'patch', 'delete', 'all', 'route', 'process', 'consume', 'onMessage']);
const ITERATION_METHODS = new Set(['forEach', 'map', 'flatMap', 'filter', 'reduce', 'some', 'every', 'find']);
/** Lifecycle hooks and entry points that run once per process or per service start. */
const ONCE_NAMES = /^(main|run|bootstrap|init\w*|initialize|setup\w*|start|startup|started|created|ready|onReady|onStart|onInit|ngOnInit|afterInit|onModuleInit|onApplicationBootstrap|boot\w*|listen|serve|configure|register\w*|connect|createServer|createApp|buildApp)$/;
/** Demo and benchmark code runs until Ctrl-C by design: a process-lifetime interval there is intended. */
const DEMO_PATH = /(^|\/)(examples?|demos?|samples?|benchmarks?|bench|dev|playground|sandbox|extra)\//i;
const FRONTEND_MODULES = new Set(['react', 'react-dom', 'preact', 'vue', 'svelte', 'solid-js', '@angular/core', 'react-native']);

// ---------------------------------------------------------------------------------------------------------
// Small AST helpers

function isOuterWrapper(node: ts.Node): node is ts.ParenthesizedExpression | ts.AsExpression | ts.NonNullExpression | ts.SatisfiesExpression | ts.TypeAssertion {
  return ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isNonNullExpression(node) || ts.isSatisfiesExpression(node) || ts.isTypeAssertionExpression(node);
}

/** Climbs through parentheses and type-only wrappers. */
function climb(node: ts.Node): ts.Node {
  let current = node;
  while (current.parent && isOuterWrapper(current.parent)) current = current.parent;
  return current;
}

function climbAwait(node: ts.Node): ts.Node {
  let current = climb(node);
  while (current.parent && ts.isAwaitExpression(current.parent)) current = climb(current.parent);
  return current;
}

function isFunctionLikeExpression(node: ts.Node | undefined): node is ts.ArrowFunction | ts.FunctionExpression {
  return node !== undefined && (ts.isArrowFunction(node) || ts.isFunctionExpression(node));
}

function isWithin(node: ts.Node, ancestor: ts.Node | undefined): boolean {
  if (!ancestor) return false;
  for (let current: ts.Node | undefined = node; current; current = current.parent) if (current === ancestor) return true;
  return false;
}

function forEachDescendant(root: ts.Node, visit: (node: ts.Node) => void): void {
  const walk = (node: ts.Node): void => {
    visit(node);
    ts.forEachChild(node, walk);
  };
  ts.forEachChild(root, walk);
}

function paramName(fn: ts.SignatureDeclaration, index: number): string | undefined {
  const parameter = fn.parameters[index];
  return parameter && ts.isIdentifier(parameter.name) ? parameter.name.text : undefined;
}

/** The statement directly inside a block (or source file) that holds `node`. */
function enclosingStatement(node: ts.Node): ts.Statement | undefined {
  for (let current: ts.Node = node; current.parent; current = current.parent) {
    const parent = current.parent;
    if ((ts.isBlock(parent) || ts.isSourceFile(parent) || ts.isModuleBlock(parent) || ts.isCaseClause(parent) || ts.isDefaultClause(parent)) && ts.isStatement(current)) return current;
  }
  return undefined;
}

function declaresDirectly(statements: ts.NodeArray<ts.Statement>, name: string): ts.VariableDeclarationList | 'other' | undefined {
  for (const statement of statements) {
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (bindingIdentifiers(declaration.name).includes(name)) return statement.declarationList;
      }
    } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name?.text === name) {
      return 'other';
    }
  }
  return undefined;
}

/** The node whose subtree holds every reference to the variable `name` visible at `from` (generous for `var`). */
function declarationScope(name: string, from: ts.Node): ts.Node {
  for (let current = from.parent; current; current = current.parent) {
    if (ts.isFunctionLike(current) && current.parameters.some((p) => bindingIdentifiers(p.name).includes(name))) return current;
    if ((ts.isForStatement(current) || ts.isForOfStatement(current) || ts.isForInStatement(current)) && current.initializer && ts.isVariableDeclarationList(current.initializer)) {
      if (current.initializer.declarations.some((d) => bindingIdentifiers(d.name).includes(name))) return current;
    }
    if (ts.isBlock(current) || ts.isSourceFile(current) || ts.isModuleBlock(current)) {
      const found = declaresDirectly(current.statements, name);
      if (found === undefined) continue;
      if (found !== 'other' && (found.flags & ts.NodeFlags.BlockScoped) === 0) {
        // `var` is function-scoped: widen to the enclosing function body.
        return enclosingFunction(current) ?? current.getSourceFile();
      }
      return current;
    }
  }
  return from.getSourceFile();
}

/** True for an identifier that is a use of a variable (not a property name or a declaration name). */
function isVariableReference(id: ts.Identifier): boolean {
  const parent = id.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === id) return false;
  if ((ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent) || ts.isMethodDeclaration(parent) || ts.isPropertySignature(parent)) && parent.name === id) return false;
  if ((ts.isVariableDeclaration(parent) || ts.isParameter(parent) || ts.isFunctionDeclaration(parent) || ts.isClassDeclaration(parent)) && parent.name === id) return false;
  if (ts.isBindingElement(parent) && (parent.name === id || parent.propertyName === id)) return false;
  if (ts.isTypeReferenceNode(parent) || ts.isQualifiedName(parent)) return false;
  return true;
}

function evaluateNumber(node: ts.Node | undefined, sourceFile: ts.SourceFile, depth = 0): number | undefined {
  if (!node || depth > 4) return undefined;
  const expr = ts.isParenthesizedExpression(node) || ts.isAsExpression(node) ? node.expression : node;
  if (ts.isNumericLiteral(expr)) return Number(expr.text.replace(/_/g, ''));
  if (ts.isBinaryExpression(expr)) {
    const left = evaluateNumber(expr.left, sourceFile, depth + 1);
    const right = evaluateNumber(expr.right, sourceFile, depth + 1);
    if (left === undefined || right === undefined) return undefined;
    switch (expr.operatorToken.kind) {
      case ts.SyntaxKind.AsteriskToken:
        return left * right;
      case ts.SyntaxKind.PlusToken:
        return left + right;
      case ts.SyntaxKind.MinusToken:
        return left - right;
      case ts.SyntaxKind.SlashToken:
        return right === 0 ? undefined : left / right;
      default:
        return undefined;
    }
  }
  if (ts.isIdentifier(expr)) {
    // A module-level `const NAME = <number>` in the same file.
    for (const statement of sourceFile.statements) {
      if (!ts.isVariableStatement(statement) || (statement.declarationList.flags & ts.NodeFlags.Const) === 0) continue;
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name) && declaration.name.text === expr.text) return evaluateNumber(declaration.initializer, sourceFile, depth + 1);
      }
    }
  }
  return undefined;
}

function formatMs(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms >= 1000) return `${Number((ms / 1000).toFixed(1))} s`;
  return `${ms} ms`;
}

function formatCount(n: number): string {
  const rounded = Math.round(n);
  // en-US grouping of a safe integer, done by hand: toLocaleString loads the locale data on first use and builds
  // a formatter on every call. Anything else (-0, huge, NaN) still goes through it.
  if (Number.isSafeInteger(rounded) && !Object.is(rounded, -0)) {
    const digits = String(Math.abs(rounded)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return rounded < 0 ? `-${digits}` : digits;
  }
  return rounded.toLocaleString('en-US');
}

/** Applies non-overlapping text edits (absolute positions) to the text of `node`. */
function editText(node: ts.Node, sourceFile: ts.SourceFile, edits: Array<{ start: number; end: number; text: string }>): string {
  const base = node.getStart(sourceFile);
  let text = node.getText(sourceFile);
  for (const edit of [...edits].filter((e) => e.start >= base && e.end <= node.getEnd()).sort((a, b) => b.start - a.start)) {
    text = text.slice(0, edit.start - base) + edit.text + text.slice(edit.end - base);
  }
  return dedent(text, sourceFile, node);
}

/** Removes the indentation of the line `node` starts on from every following line of its text. */
function dedent(text: string, sourceFile: ts.SourceFile, node: ts.Node): string {
  const { line } = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
  const lineStart = sourceFile.getPositionOfLineAndCharacter(line, 0);
  const indent = /^[ \t]*/.exec(sourceFile.text.slice(lineStart, lineStart + 200))?.[0].length ?? 0;
  if (indent === 0) return text;
  const prefix = new RegExp(`^[ \\t]{0,${indent}}`);
  return text
    .split('\n')
    .map((current, index) => (index === 0 ? current : current.replace(prefix, '')))
    .join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Handle analysis: where does the value a timer call returns go, and is it ever cleared?

type HandleFate =
  | { kind: 'discarded' }
  | { kind: 'variable'; name: string; scope: ts.Node; declaration?: ts.VariableDeclaration; holder: string }
  | { kind: 'member'; name: string; holder: string }
  | { kind: 'collection'; name: string; holder: string }
  | { kind: 'escaped'; how: string };

interface HandleInfo {
  fate: HandleFate;
  unrefChained: boolean;
  /** The outermost expression that carries the handle (the call, or `call.unref()`). */
  expression: ts.Node;
}

function isPromiseExecutor(ctx: Ctx, fn: ts.Node): fn is ts.ArrowFunction | ts.FunctionExpression {
  if (!isFunctionLikeExpression(fn)) return false;
  const parent = climb(fn).parent;
  if (!parent || !ts.isNewExpression(parent) || parent.arguments?.[0] !== climb(fn)) return false;
  const ref = ctx.imports.resolve(parent.expression);
  return ref?.module === 'global' && ref.path.join('.') === 'Promise';
}

function memberLike(node: ts.Node): { name: string; holder: string } | undefined {
  if (ts.isPropertyAccessExpression(node)) return { name: node.name.text, holder: node.getText() };
  if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)) return { name: node.argumentExpression.text, holder: node.getText() };
  return undefined;
}

function handleOf(ctx: Ctx, call: ts.CallExpression): HandleInfo {
  let expression: ts.Node = call;
  let unrefChained = false;
  for (;;) {
    const outer = climb(expression);
    const parent = outer.parent;
    if (parent && ts.isPropertyAccessExpression(parent) && parent.expression === outer && (parent.name.text === 'unref' || parent.name.text === 'ref')) {
      const invoked = parent.parent;
      if (invoked && ts.isCallExpression(invoked) && invoked.expression === parent) {
        if (parent.name.text === 'unref') unrefChained = true;
        expression = invoked;
        continue;
      }
    }
    expression = outer;
    break;
  }
  const parent = expression.parent;
  const fate = ((): HandleFate => {
    if (!parent) return { kind: 'discarded' };
    if (ts.isExpressionStatement(parent) || ts.isVoidExpression(parent)) return { kind: 'discarded' };
    if (ts.isArrowFunction(parent) && parent.body === expression) {
      return isPromiseExecutor(ctx, parent) ? { kind: 'discarded' } : { kind: 'escaped', how: 'returned from an arrow function (the caller owns it)' };
    }
    if (ts.isVariableDeclaration(parent) && parent.initializer === expression) {
      if (!ts.isIdentifier(parent.name)) return { kind: 'escaped', how: 'destructured' };
      const list = parent.parent;
      if (ts.isVariableDeclarationList(list) && ((list.flags & ts.NodeFlags.BlockScoped) === ts.NodeFlags.Using || (list.flags & ts.NodeFlags.BlockScoped) === ts.NodeFlags.AwaitUsing)) return { kind: 'escaped', how: 'disposed by a `using` declaration' };
      const name = parent.name.text;
      return { kind: 'variable', name, scope: declarationScope(name, parent.name), declaration: parent, holder: name };
    }
    if (ts.isBinaryExpression(parent) && parent.right === expression && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const assignmentUse = climb(parent).parent;
      if (assignmentUse && !ts.isExpressionStatement(assignmentUse) && !(ts.isArrowFunction(assignmentUse) && isPromiseExecutor(ctx, assignmentUse))) {
        return { kind: 'escaped', how: 'the assignment value is used further' };
      }
      const target = ts.isParenthesizedExpression(parent.left) ? parent.left.expression : parent.left;
      if (ts.isIdentifier(target)) return { kind: 'variable', name: target.text, scope: declarationScope(target.text, parent), holder: target.text };
      const member = memberLike(target);
      if (member) return { kind: 'member', ...member };
      if (ts.isElementAccessExpression(target)) {
        const collection = memberLike(target.expression) ?? (ts.isIdentifier(target.expression) ? { name: target.expression.text, holder: target.expression.text } : undefined);
        if (collection) return { kind: 'collection', ...collection };
      }
      return { kind: 'escaped', how: `stored in ${target.getText()}` };
    }
    if (ts.isCallExpression(parent) && parent.arguments.some((a) => a === expression)) {
      const callee = parent.expression;
      if (ts.isPropertyAccessExpression(callee) && COLLECTION_WRITES.has(callee.name.text) && parent.parent && ts.isExpressionStatement(climb(parent).parent ?? parent)) {
        const receiver = callee.expression;
        const collection = memberLike(receiver) ?? (ts.isIdentifier(receiver) ? { name: receiver.text, holder: receiver.text } : undefined);
        if (collection) return { kind: 'collection', ...collection };
      }
      return { kind: 'escaped', how: `passed to ${callee.getText()}(), which may clear it` };
    }
    if (ts.isReturnStatement(parent)) return { kind: 'escaped', how: 'returned to the caller, who owns it' };
    return { kind: 'escaped', how: 'used as a value' };
  })();
  return { fate, unrefChained, expression };
}

type UseKind = 'clear' | 'unref' | 'neutral' | 'escape';

function isClearCall(ctx: Ctx, call: ts.CallExpression): boolean {
  const ref = ctx.imports.resolve(call.expression);
  if (!ref || (ref.module !== 'global' && ref.module !== 'timers')) return false;
  const name = ref.path.join('.');
  return name === 'clearTimeout' || name === 'clearInterval';
}

/** How one read of a handle (an identifier or `this.x`) uses it. */
function classifyUse(ctx: Ctx, reference: ts.Node): UseKind {
  const node = climb(reference);
  const parent = node.parent;
  if (!parent) return 'escape';
  if (ts.isCallExpression(parent)) {
    if (parent.arguments.some((a) => a === node)) return isClearCall(ctx, parent) ? 'clear' : 'escape';
    return 'escape';
  }
  if (ts.isPropertyAccessExpression(parent) && parent.expression === node) {
    const name = parent.name.text;
    if (name === 'unref') return 'unref';
    if (TIMER_METHODS_NEUTRAL.has(name)) return 'neutral';
    if (name === 'close') return 'clear';
    return 'escape';
  }
  if (ts.isBinaryExpression(parent)) {
    const op = parent.operatorToken.kind;
    if (op >= ts.SyntaxKind.FirstAssignment && op <= ts.SyntaxKind.LastAssignment) return parent.left === node ? 'neutral' : 'escape';
    if (
      op === ts.SyntaxKind.EqualsEqualsEqualsToken ||
      op === ts.SyntaxKind.ExclamationEqualsEqualsToken ||
      op === ts.SyntaxKind.EqualsEqualsToken ||
      op === ts.SyntaxKind.ExclamationEqualsToken ||
      op === ts.SyntaxKind.AmpersandAmpersandToken ||
      op === ts.SyntaxKind.InstanceOfKeyword
    ) {
      return 'neutral';
    }
    if ((op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken) && parent.left === node) return 'neutral';
    return 'escape';
  }
  if (ts.isPrefixUnaryExpression(parent) && parent.operator === ts.SyntaxKind.ExclamationToken) return 'neutral';
  if (ts.isTypeOfExpression(parent) || ts.isDeleteExpression(parent)) return 'neutral';
  if ((ts.isIfStatement(parent) || ts.isWhileStatement(parent) || ts.isDoStatement(parent)) && parent.expression === node) return 'neutral';
  if (ts.isConditionalExpression(parent) && parent.condition === node) return 'neutral';
  if (ts.isExpressionStatement(parent)) return 'neutral';
  return 'escape';
}

interface ClearVerdict {
  /** Cleared (or handed to code that may clear it) somewhere outside the timer's own callback. */
  cleared: boolean;
  /** Why we believe it is cleared / escapes, for silence; or where it is stored, for evidence. */
  detail: string;
  /** `.unref()` called on the handle somewhere. */
  unref: boolean;
  /** A clear inside the timer's own callback (does not count for setTimeout). */
  selfClearOnly: boolean;
}

function verdictFromUses(ctx: Ctx, uses: ts.Node[], ownCallback: ts.Node | undefined, kind: TimerKind, collection = false): ClearVerdict {
  let unref = false;
  let selfClear = false;
  for (const use of uses) {
    if (collection) {
      const outer = climb(use);
      const parent = outer.parent;
      if (parent && ts.isPropertyAccessExpression(parent) && parent.expression === outer) {
        const name = parent.name.text;
        if (COLLECTION_WRITES.has(name) && parent.parent && ts.isCallExpression(parent.parent) && parent.parent.expression === parent) continue;
        if (COLLECTION_NEUTRAL_READS.has(name)) continue;
      }
      if (parent && ts.isElementAccessExpression(parent) && parent.expression === outer) {
        const access = climb(parent);
        const assignment = access.parent;
        if (assignment && ts.isBinaryExpression(assignment) && assignment.left === access && assignment.operatorToken.kind === ts.SyntaxKind.EqualsToken) continue;
      }
      if (parent && ts.isBinaryExpression(parent) && parent.left === outer && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) continue;
      return { cleared: true, detail: `${use.getText()} is read elsewhere (e.g. iterated to clear its handles)`, unref, selfClearOnly: false };
    }
    const inOwn = isWithin(use, ownCallback);
    const kindOfUse = classifyUse(ctx, use);
    if (kindOfUse === 'unref') unref = true;
    if (kindOfUse === 'neutral' || kindOfUse === 'unref') continue;
    if (inOwn && kind === 'setTimeout') {
      if (kindOfUse === 'clear') selfClear = true;
      continue;
    }
    const line = use.getSourceFile().getLineAndCharacterOfPosition(use.getStart()).line + 1;
    return {
      cleared: true,
      detail: kindOfUse === 'clear' ? `cleared at line ${line}` : `handed on at line ${line}`,
      unref,
      selfClearOnly: false,
    };
  }
  return { cleared: false, detail: '', unref, selfClearOnly: selfClear };
}

function clearVerdict(ctx: Ctx, handle: HandleInfo, ownCallback: ts.Node | undefined, kind: TimerKind): ClearVerdict {
  const { fate } = handle;
  const sourceFile = ctx.sourceFile;
  // `clearInterval(this)` in a `function` callback clears the interval itself.
  if (kind === 'setInterval' && ownCallback && ts.isFunctionExpression(ownCallback) && selfClearsWithThis(ctx, ownCallback)) {
    return { cleared: true, detail: 'the callback clears its own interval', unref: false, selfClearOnly: false };
  }
  if (fate.kind === 'discarded') return { cleared: false, detail: 'the handle is discarded', unref: false, selfClearOnly: false };
  if (fate.kind === 'escaped') return { cleared: true, detail: fate.how, unref: false, selfClearOnly: false };
  if (fate.kind === 'variable') {
    const uses: ts.Node[] = [];
    forEachDescendant(fate.scope, (node) => {
      if (ts.isIdentifier(node) && node.text === fate.name && isVariableReference(node)) {
        if (ts.isShorthandPropertyAssignment(node.parent)) uses.push(node.parent);
        else uses.push(node);
      }
    });
    const verdict = verdictFromUses(ctx, uses, ownCallback, kind);
    return { ...verdict, detail: verdict.cleared ? verdict.detail : `stored in \`${fate.name}\`, never passed to clearTimeout/clearInterval` };
  }
  // Member or collection: any access to the same property name anywhere in the file.
  const uses: ts.Node[] = [];
  forEachDescendant(sourceFile, (node) => {
    if (ts.isPropertyAccessExpression(node) && node.name.text === fate.name) uses.push(node);
    else if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression) && node.argumentExpression.text === fate.name) uses.push(node);
    else if (fate.kind === 'collection' && ts.isIdentifier(node) && node.text === fate.name && isVariableReference(node)) uses.push(node);
    else if (ts.isBindingElement(node) && ((node.propertyName && ts.isIdentifier(node.propertyName) && node.propertyName.text === fate.name) || (!node.propertyName && ts.isIdentifier(node.name) && node.name.text === fate.name))) uses.push(node);
    else if (ts.isShorthandPropertyAssignment(node) && node.name.text === fate.name) uses.push(node);
  });
  if (uses.some((use) => ts.isBindingElement(use) || ts.isShorthandPropertyAssignment(use))) {
    return { cleared: true, detail: `${fate.name} is destructured or copied elsewhere`, unref: false, selfClearOnly: false };
  }
  const verdict = verdictFromUses(ctx, uses, ownCallback, kind, fate.kind === 'collection');
  return {
    ...verdict,
    detail: verdict.cleared ? verdict.detail : fate.kind === 'collection' ? `stored in \`${fate.holder}\`, which is only ever added to` : `stored in \`${fate.holder}\`, never cleared anywhere in the file`,
  };
}

function selfClearsWithThis(ctx: Ctx, callback: ts.FunctionExpression): boolean {
  let found = false;
  forEachDescendant(callback, (node) => {
    if (ts.isCallExpression(node) && isClearCall(ctx, node) && node.arguments[0]?.kind === ts.SyntaxKind.ThisKeyword) found = true;
  });
  return found;
}

// ---------------------------------------------------------------------------------------------------------
// Race detection for setTimeout

type RaceShape = 'race' | 'helper-race' | 'manual-race' | 'reject-helper';

interface RaceInfo {
  shape: RaceShape;
  executor: ts.ArrowFunction | ts.FunctionExpression;
  promise: ts.NewExpression;
  raceCall?: ts.CallExpression;
  helper?: ts.SignatureDeclaration;
  helperName?: string;
  settles: 'resolve' | 'reject';
  /** Where the per-call-ness is decided. */
  roleNode: ts.Node;
  raced: string;
}

function isPromiseCombinator(ctx: Ctx, call: ts.CallExpression): boolean {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee) || (callee.name.text !== 'race' && callee.name.text !== 'any')) return false;
  const ref = ctx.imports.resolve(callee.expression);
  return ref?.module === 'global' && ref.path.join('.') === 'Promise';
}

/** The `Promise.race([...])` that has `expression` as an element of its array argument. */
function raceHolding(ctx: Ctx, expression: ts.Node): ts.CallExpression | undefined {
  const element = climbAwait(expression);
  const array = element.parent;
  if (!array || !ts.isArrayLiteralExpression(array)) return undefined;
  const call = climb(array).parent;
  if (!call || !ts.isCallExpression(call) || call.arguments[0] !== climb(array) || !isPromiseCombinator(ctx, call)) return undefined;
  return call;
}

/** A race holding `expression` directly, or through a `const v = expression` raced in the same scope. */
function raceOfValue(ctx: Ctx, expression: ts.Node): ts.CallExpression | undefined {
  const direct = raceHolding(ctx, expression);
  if (direct) return direct;
  const outer = climb(expression);
  const declaration = outer.parent;
  if (declaration && ts.isVariableDeclaration(declaration) && declaration.initializer === outer && ts.isIdentifier(declaration.name)) {
    const name = declaration.name.text;
    const scope = declarationScope(name, declaration.name);
    let race: ts.CallExpression | undefined;
    forEachDescendant(scope, (node) => {
      if (!race && ts.isIdentifier(node) && node.text === name && isVariableReference(node)) race = raceHolding(ctx, node);
    });
    return race;
  }
  return undefined;
}

function timerSettles(callback: ts.Node | undefined, resolveName: string | undefined, rejectName: string | undefined): 'resolve' | 'reject' | undefined {
  if (!callback) return undefined;
  const names = (id: ts.Node): 'resolve' | 'reject' | undefined => {
    if (!ts.isIdentifier(id)) return undefined;
    if (rejectName && id.text === rejectName) return 'reject';
    if (resolveName && id.text === resolveName) return 'resolve';
    return undefined;
  };
  const direct = names(callback);
  if (direct) return direct;
  if (ts.isCallExpression(callback) && ts.isPropertyAccessExpression(callback.expression) && callback.expression.name.text === 'bind') return names(callback.expression.expression);
  if (!isFunctionLikeExpression(callback)) return undefined;
  let settles: 'resolve' | 'reject' | undefined;
  forEachDescendant(callback, (node) => {
    if (ts.isCallExpression(node)) {
      const which = names(node.expression);
      if (which === 'reject' || (which === 'resolve' && settles === undefined)) settles = which;
    }
  });
  return settles;
}

/**
 * The executor can also settle from another asynchronous path (a callback, `.then(resolve, reject)`, an
 * event listener): the timer races that path. Direct synchronous calls in the executor body are early
 * exits, not a race.
 */
function settlesElsewhere(executor: ts.SignatureDeclaration, timerCall: ts.CallExpression, names: string[]): boolean {
  let found = false;
  const body = 'body' in executor ? executor.body : undefined;
  if (!body) return false;
  forEachDescendant(body, (node) => {
    if (found || !ts.isIdentifier(node) || !names.includes(node.text) || !isVariableReference(node)) return;
    if (isWithin(node, timerCall)) return;
    const fn = enclosingFunction(node);
    const nested = fn !== undefined && fn !== executor;
    const parent = climb(node).parent;
    const isDirectCall = parent !== undefined && ts.isCallExpression(parent) && parent.expression === climb(node);
    if (nested || !isDirectCall) found = true;
  });
  return found;
}

function callsName(root: ts.Node | undefined, name: string | undefined): boolean {
  if (!root || !name) return false;
  if (ts.isIdentifier(root)) return root.text === name;
  let found = false;
  forEachDescendant(root, (node) => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === name) found = true;
  });
  return found;
}

function callSitesOf(sourceFile: ts.SourceFile, name: string): ts.CallExpression[] {
  const calls: ts.CallExpression[] = [];
  forEachDescendant(sourceFile, (node) => {
    if (!ts.isCallExpression(node)) return;
    const callee = node.expression;
    if ((ts.isIdentifier(callee) && callee.text === name) || (ts.isPropertyAccessExpression(callee) && callee.name.text === name)) calls.push(node);
  });
  return calls;
}

function raceInfo(ctx: Ctx, call: ts.CallExpression): RaceInfo | undefined {
  const executor = enclosingFunction(call);
  if (!executor || !isPromiseExecutor(ctx, executor)) return undefined;
  const promise = climb(executor).parent;
  if (!promise || !ts.isNewExpression(promise)) return undefined;
  const resolveName = paramName(executor, 0);
  const rejectName = paramName(executor, 1);
  const settles = timerSettles(call.arguments[0], resolveName, rejectName);
  if (!settles) return undefined;
  const base = { executor, promise, settles };

  const race = raceOfValue(ctx, promise);
  if (race) return { ...base, shape: 'race', raceCall: race, roleNode: race, raced: describeRace(race, promise) };

  // Returned from a helper: `const timeout = (ms) => new Promise(...)`, `function withTimeout() { return new Promise(...) }`.
  const outer = climb(promise);
  const holder = outer.parent;
  const returned = holder !== undefined && (ts.isReturnStatement(holder) || (ts.isArrowFunction(holder) && holder.body === outer));
  const helper = returned ? enclosingFunction(promise) : undefined;
  const helperName = helper ? functionName(helper) : undefined;
  if (helper && helperName) {
    for (const site of callSitesOf(ctx.sourceFile, helperName)) {
      if (isWithin(site, helper)) continue;
      const raceCall = raceOfValue(ctx, site);
      if (raceCall) return { ...base, shape: 'helper-race', raceCall, helper, helperName, roleNode: raceCall, raced: describeRace(raceCall, site) };
    }
  }
  const names = [resolveName, rejectName].filter((n): n is string => n !== undefined);
  if (settlesElsewhere(executor, call, names)) return { ...base, shape: 'manual-race', roleNode: promise, raced: 'the executor\'s other callbacks' };
  if (helper && helperName && settles === 'reject' && !callsName(call.arguments[0], resolveName)) return { ...base, shape: 'reject-helper', helper, helperName, roleNode: promise, raced: `the promise ${helperName}() returns` };
  return undefined;
}

function describeRace(race: ts.CallExpression, timerSide: ts.Node): string {
  const array = race.arguments[0];
  if (!array || !ts.isArrayLiteralExpression(array)) return 'other work';
  const others = array.elements.filter((e) => !isWithin(timerSide, e) && !(ts.isIdentifier(e) && isTimerAlias(e, timerSide)));
  const text = others.map((e) => e.getText()).join(', ');
  return text.length > 0 && text.length <= 80 ? text : 'other work';
}

function isTimerAlias(id: ts.Identifier, timerSide: ts.Node): boolean {
  const declaration = climb(timerSide).parent;
  return declaration !== undefined && ts.isVariableDeclaration(declaration) && ts.isIdentifier(declaration.name) && declaration.name.text === id.text;
}

// ---------------------------------------------------------------------------------------------------------
// Promise timers: `setTimeout(ms)` from `timers/promises` raced against work

/** `sleep(5000).then(() => { throw ... })`: the promise chain that ends where the race holds it. */
function climbChain(node: ts.Node): ts.Node {
  let current = climb(node);
  for (;;) {
    const access = current.parent;
    if (!access || !ts.isPropertyAccessExpression(access) || access.expression !== current || !['then', 'catch', 'finally'].includes(access.name.text)) return current;
    const call = access.parent;
    if (!call || !ts.isCallExpression(call) || call.expression !== access) return current;
    current = climb(call);
  }
}

/** The statement holding `node` in a block (where a declaration can go just before it). */
function blockStatementOf(node: ts.Node): ts.Statement | undefined {
  for (let current: ts.Node | undefined = node; current?.parent; current = current.parent) {
    if (ts.isFunctionLike(current)) return undefined;
    const parent: ts.Node = current.parent;
    if (ts.isBlock(parent) || ts.isSourceFile(parent) || ts.isModuleBlock(parent) || ts.isCaseClause(parent) || ts.isDefaultClause(parent)) return current as ts.Statement;
  }
  return undefined;
}

interface PromiseTimerSignal {
  /** The local `AbortController` whose signal the timer takes, when it is one this function never aborts. */
  controller?: string;
}

/**
 * The `signal` option of a `timers/promises` timer: undefined without one; `{}` when something may abort it (a
 * signal from elsewhere, or a local controller the function aborts); `{ controller }` for a local controller
 * that is never aborted.
 */
function promiseTimerSignal(call: ts.CallExpression): PromiseTimerSignal | 'aborted' | undefined {
  const options = call.arguments[2];
  if (!options) return undefined;
  const object = climb(options) === options && ts.isObjectLiteralExpression(options) ? options : undefined;
  if (!object) return 'aborted';
  const property = object.properties.find((p) => p.name !== undefined && ts.isIdentifier(p.name) && p.name.text === 'signal');
  if (!property) return object.properties.some(ts.isSpreadAssignment) ? 'aborted' : undefined;
  const value = ts.isPropertyAssignment(property) ? property.initializer : undefined;
  if (!value || !ts.isPropertyAccessExpression(value) || value.name.text !== 'signal' || !ts.isIdentifier(value.expression)) return 'aborted';
  const controller = value.expression.text;
  const fn = enclosingFunction(call);
  if (!fn) return 'aborted';
  let local = false;
  let aborted = false;
  forEachDescendant(fn, (node) => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === controller && node.initializer && ts.isNewExpression(node.initializer) && ts.isIdentifier(node.initializer.expression) && node.initializer.expression.text === 'AbortController') local = true;
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'abort' && ts.isIdentifier(node.expression.expression) && node.expression.expression.text === controller) aborted = true;
  });
  return local && !aborted ? { controller } : 'aborted';
}

/**
 * Pass the timer an AbortSignal and abort it when the race settles: `.finally()` on the race works in any
 * statement (a declaration, a return, an expression) and keeps the race's type.
 */
function promiseTimerFix(ctx: Ctx, call: ts.CallExpression, race: ts.CallExpression, signal: PromiseTimerSignal | undefined, delayText: string, callee: string): { description: string; replacement: string; edits?: EditSpec[] } {
  const sf = ctx.sourceFile;
  const controller = signal?.controller ?? freshNameIn(sf, ['timerController', 'timeoutController', 'raceController']);
  const finallyText = `.finally(() => ${controller}.abort())`;
  const description = signal?.controller
    ? `Abort \`${controller}\` when the race settles, so the ${delayText} timer is cancelled instead of staying pending (\`${finallyText}\` on the race).`
    : `Give the timer an AbortSignal and abort it when the race settles (\`${finallyText}\` on the race), so the ${delayText} timer is cancelled instead of staying pending. The timer's promise then rejects with an AbortError, which the settled race ignores.`;
  const raceText = race.getText(sf);
  const replacement = signal?.controller
    ? `${raceText}${finallyText}`
    : `const ${controller} = new AbortController();\n${raceText.replace(call.getText(sf), withSignal(call, controller, callee, sf))}${finallyText}`;
  const edits: EditSpec[] = [];
  const raceStatement = blockStatementOf(race);
  const timerStatement = blockStatementOf(call);
  if (raceStatement && timerStatement && enclosingFunction(raceStatement) === enclosingFunction(timerStatement)) {
    edits.push(insertAt(race.getEnd(), finallyText));
    if (!signal?.controller) {
      const first = timerStatement.getStart(sf) <= raceStatement.getStart(sf) ? timerStatement : raceStatement;
      edits.push(insertLinesBefore(first, `const ${controller} = new AbortController();`, sf));
      const signalEdit = signalEditOf(call, controller, sf);
      if (!signalEdit) return { description, replacement };
      edits.push(signalEdit);
    }
  }
  return edits.length > 0 ? { description, replacement, edits } : { description, replacement };
}

function freshNameIn(sf: ts.SourceFile, preferred: string[]): string {
  for (const name of preferred) if (!new RegExp(`\\b${name}\\b`).test(sf.text)) return name;
  return `${preferred[0] ?? 'timerController'}${sf.text.length}`;
}

/** `sleep(ms)` -> `sleep(ms, undefined, { signal: c.signal })`; a value argument is kept. */
function withSignal(call: ts.CallExpression, controller: string, callee: string, sf: ts.SourceFile): string {
  const args = call.arguments.map((a) => a.getText(sf));
  const option = `{ signal: ${controller}.signal }`;
  if (args.length === 0) return `${callee}(undefined, undefined, ${option})`;
  if (args.length === 1) return `${callee}(${args[0]}, undefined, ${option})`;
  return `${callee}(${args[0]}, ${args[1]}, ${option})`;
}

function signalEditOf(call: ts.CallExpression, controller: string, sf: ts.SourceFile): EditSpec | undefined {
  const option = `{ signal: ${controller}.signal }`;
  const args = call.arguments;
  if (args.length === 0) return appendArgumentEdit(call, `undefined, undefined, ${option}`, sf);
  if (args.length === 1) return appendArgumentEdit(call, `undefined, ${option}`, sf);
  if (args.length === 2) return appendArgumentEdit(call, option, sf);
  const object = args[2];
  if (object && ts.isObjectLiteralExpression(object) && !object.properties.some((p) => p.name !== undefined && ts.isIdentifier(p.name) && p.name.text === 'signal')) return addPropertyEdit(object, `signal: ${controller}.signal`, sf);
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Abort timers: setTimeout(() => controller.abort(), ms)

interface AbortInfo {
  controller: string;
  declaration: ts.VariableDeclaration;
}

function abortInfo(ctx: Ctx, call: ts.CallExpression): AbortInfo | undefined {
  const callback = call.arguments[0];
  let target: ts.Node | undefined;
  if (isFunctionLikeExpression(callback)) {
    const body = callback.body;
    let expression: ts.Node | undefined;
    if (ts.isBlock(body)) {
      const only = body.statements.length === 1 ? body.statements[0] : undefined;
      if (only && ts.isExpressionStatement(only)) expression = only.expression;
    } else {
      expression = body;
    }
    if (expression && ts.isCallExpression(expression) && ts.isPropertyAccessExpression(expression.expression) && expression.expression.name.text === 'abort') {
      target = expression.expression.expression;
    }
  } else if (callback && ts.isCallExpression(callback) && ts.isPropertyAccessExpression(callback.expression) && callback.expression.name.text === 'bind') {
    const bound = callback.expression.expression;
    if (ts.isPropertyAccessExpression(bound) && bound.name.text === 'abort') target = bound.expression;
  }
  if (!target || !ts.isIdentifier(target)) return undefined;
  const name = target.text;
  const scope = declarationScope(name, call);
  let declaration: ts.VariableDeclaration | undefined;
  forEachDescendant(scope, (node) => {
    if (declaration || !ts.isVariableDeclaration(node) || !ts.isIdentifier(node.name) || node.name.text !== name) return;
    const init = node.initializer;
    if (init && ts.isNewExpression(init)) {
      const ref = ctx.imports.resolve(init.expression);
      if (ref?.module === 'global' && ref.path.join('.') === 'AbortController') declaration = node;
    }
  });
  if (!declaration) return undefined;
  // The controller (or its signal) must only be consumed inside this function: when it is returned or
  // stored elsewhere, the timer is the timeout of a signal the caller owns.
  let escapes = false;
  forEachDescendant(scope, (node) => {
    if (escapes || !ts.isIdentifier(node) || node.text !== name || !isVariableReference(node) || isWithin(node, call)) return;
    let value: ts.Node = climb(node);
    if (value.parent && ts.isPropertyAccessExpression(value.parent) && value.parent.expression === value && value.parent.name.text === 'signal') value = climb(value.parent);
    const parent = value.parent;
    if (!parent) return;
    if (ts.isReturnStatement(parent) || (ts.isArrowFunction(parent) && parent.body === value)) escapes = true;
    else if (ts.isBinaryExpression(parent) && parent.right === value && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) escapes = true;
    else if (ts.isVariableDeclaration(parent) && parent.initializer === value) escapes = true;
    else if ((ts.isShorthandPropertyAssignment(parent) || ts.isPropertyAssignment(parent)) && !enclosingCall(parent)) escapes = true;
  });
  return escapes ? undefined : { controller: name, declaration };
}

// ---------------------------------------------------------------------------------------------------------
// Guard timers: a one-shot timeout that acts only if the call's work has not finished

/** Response and stream states that say the work is over (`res.headersSent`, `stream.destroyed`). */
const DONE_PROPERTIES = new Set(['headersSent', 'writableEnded', 'writableFinished', 'finished', 'destroyed', 'aborted', 'closed', 'settled', 'completed', 'done']);

interface GuardInfo {
  /** The flag or state the callback checks (`finished`, `res.headersSent`). */
  state: string;
  /** Where the work marks itself done (`finished = true`), for the fix; undefined for a response state. */
  doneAt: ts.Statement | undefined;
  /** The response or stream whose state is checked (`res`), for a `close` listener in the fix. */
  owner: string | undefined;
  /** Per-call values the closure keeps alive until the timer fires. */
  held: string[];
  /** A pending-call table the callback checks by this call's key (`pending.has(id)`), whose entry the reply deletes elsewhere. */
  table?: { name: string; key: string; deletedAt: number };
}

/**
 * `setTimeout(() => { if (!finished) res.status(504).end(); }, 30_000)` inside a function: the callback acts
 * only while the call's work is unfinished (a local flag the function sets later, or a response's state), and
 * holds that call's values (`req`, `res`, the flag) until it fires. Once the work is done the timer is useless,
 * yet it lives for the whole delay. A deferred job (`setTimeout(send, 60_000)`) is the work itself: not a guard.
 */
function guardInfo(call: ts.CallExpression): GuardInfo | undefined {
  const callback = call.arguments[0] ? climb(call.arguments[0]) : undefined;
  const inner = callback && isOuterWrapper(callback) ? callback : call.arguments[0];
  if (!isFunctionLikeExpression(inner)) return undefined;
  const fn = enclosingFunction(call);
  const body = fn && (fn as ts.FunctionLikeDeclaration).body;
  if (!fn || !body) return undefined;
  const first = ts.isBlock(inner.body) ? inner.body.statements[0] : undefined;
  if (!first || !ts.isIfStatement(first)) return undefined;
  // Locals and parameters of the enclosing functions (a Promise executor's and the function around it): what
  // the closure keeps alive, all made per call.
  const locals = new Set<string>();
  for (let owner: ts.SignatureDeclaration | undefined = fn; owner; owner = enclosingFunction(owner)) {
    const ownBody = (owner as ts.FunctionLikeDeclaration).body;
    for (const parameter of owner.parameters) if (ts.isIdentifier(parameter.name)) locals.add(parameter.name.text);
    if (ownBody) forEachDescendant(ownBody, (node) => {
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && enclosingFunction(node) === owner) locals.add(node.name.text);
    });
  }
  const held = new Set<string>();
  forEachDescendant(inner, (node) => {
    if (ts.isIdentifier(node) && locals.has(node.text) && isVariableReference(node)) held.add(node.text);
  });
  if (held.size === 0) return undefined;
  let condition: ts.Expression = first.expression;
  while (ts.isPrefixUnaryExpression(condition) && condition.operator === ts.SyntaxKind.ExclamationToken) condition = condition.operand;
  condition = skipParens(condition);
  // A local flag the enclosing function sets after starting the timer: `finished = true`.
  if (ts.isIdentifier(condition) && locals.has(condition.text)) {
    const flag = condition.text;
    let doneAt: ts.Statement | undefined;
    forEachDescendant(body, (node) => {
      if (doneAt || !ts.isBinaryExpression(node) || node.operatorToken.kind !== ts.SyntaxKind.EqualsToken || node.pos < call.end || isWithin(node, inner)) return;
      if (ts.isIdentifier(node.left) && node.left.text === flag) doneAt = enclosingStatement(node);
    });
    return doneAt ? { state: flag, doneAt, owner: undefined, held: [...held] } : undefined;
  }
  // The response's or stream's own state: `res.headersSent`, `stream.destroyed`, `ctx.res.writableEnded`.
  if (ts.isPropertyAccessExpression(condition) && DONE_PROPERTIES.has(condition.name.text)) {
    const root = rootIdentifier(condition.expression);
    if (root && locals.has(root) && isStreamOwner(condition.expression)) return { state: condition.getText(), doneAt: undefined, owner: condition.expression.getText(), held: [...held] };
  }
  // A pending-call table keyed by this call (`if (pending.has(id))`): the reply handler deletes the entry.
  const table = pendingTable(condition, locals, inner, call.getSourceFile());
  if (table) return { state: condition.getText(), doneAt: undefined, owner: undefined, held: [...held], table };
  return undefined;
}

/**
 * Whose state the guard reads must be a Node response, request, stream or socket: only they emit the
 * `close` the fix listens for, and only they are per-request work. A popup's `win.closed` or an
 * `AbortSignal`'s `aborted` is a deliberate delayed action on something else, not a guard.
 */
const STREAM_OWNER = /^(?:res|response|reply|raw|req|request|stream|socket|sock|conn|connection|ws|upstream|downstream|readable|writable|duplex|body|incoming|outgoing)$/i;

function isStreamOwner(owner: ts.Expression): boolean {
  const current = skipParens(owner);
  const name = ts.isIdentifier(current) ? current.text : ts.isPropertyAccessExpression(current) ? current.name.text : undefined;
  return name !== undefined && (STREAM_OWNER.test(name) || /(?:Response|Stream|Socket)$/.test(name));
}

function rootIdentifier(node: ts.Expression): string | undefined {
  let current = skipParens(node);
  while (ts.isPropertyAccessExpression(current) || ts.isNonNullExpression(current)) current = skipParens(current.expression);
  return ts.isIdentifier(current) ? current.text : undefined;
}

/**
 * `pending.has(id)` / `pending.get(id)` where `id` is this call's own value and `pending` a table that code
 * outside the timer callback empties with `pending.delete(...)`: the request/reply correlation that real
 * socket, queue and RPC clients write. Once the reply deletes the entry, the timer has nothing left to do.
 */
function pendingTable(condition: ts.Expression, locals: Set<string>, callback: ts.Node, sourceFile: ts.SourceFile): GuardInfo['table'] {
  if (!ts.isCallExpression(condition) || !ts.isPropertyAccessExpression(condition.expression)) return undefined;
  const method = condition.expression.name.text;
  const key = condition.arguments[0] ? skipParens(condition.arguments[0]) : undefined;
  if ((method !== 'has' && method !== 'get') || !key || !ts.isIdentifier(key) || !locals.has(key.text)) return undefined;
  const tableText = condition.expression.expression.getText().replace(/\s+/g, '');
  const root = rootIdentifier(condition.expression.expression);
  if (!root || locals.has(root)) return undefined; // a table made per call dies with the call
  let deletedAt: number | undefined;
  forEachDescendant(sourceFile, (node) => {
    if (deletedAt !== undefined || !ts.isCallExpression(node) || isWithin(node, callback)) return;
    const callee = node.expression;
    if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'delete' && callee.expression.getText().replace(/\s+/g, '') === tableText) {
      deletedAt = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1;
    }
  });
  return deletedAt === undefined ? undefined : { name: tableText, key: key.text, deletedAt };
}

function skipParens(node: ts.Expression): ts.Expression {
  let current = node;
  while (ts.isParenthesizedExpression(current)) current = current.expression;
  return current;
}

function guardFix(ctx: Ctx, call: ts.CallExpression, handle: HandleInfo, guard: GuardInfo, msText: string): { description: string; replacement: string } {
  const sf = ctx.sourceFile;
  const name = handle.fate.kind === 'variable' ? handle.fate.name : freshName(enclosingFunction(call)?.getText(sf) ?? sf.text, ['timer', 'guardTimer']);
  const timerStatement = enclosingStatement(call);
  const captured = timerStatement
    ? handle.fate.kind === 'discarded'
      ? editText(timerStatement, sf, [{ start: call.getStart(sf), end: call.getStart(sf), text: `const ${name} = ` }])
      : editText(timerStatement, sf, [])
    : `const ${name} = ${call.getText(sf)};`;
  if (guard.doneAt) {
    return {
      description: `Keep the handle and clear it where the work marks itself done (\`${guard.state}\`), so the timer and the call's values it holds (${guard.held.join(', ')}) are freed then instead of ${msText} later.`,
      replacement: `${captured}\n// ...\n${editText(guard.doneAt, sf, [])}\nclearTimeout(${name});`,
    };
  }
  if (guard.table) {
    const { name: table, key, deletedAt } = guard.table;
    return {
      description: `Keep the handle with the pending entry and clear it where the entry is removed (\`${table}.delete(...)\`, line ${deletedAt}), so each call's timer and the values it holds (${guard.held.join(', ')}) are freed when the reply arrives instead of ${msText} later.`,
      replacement: `${captured}\n// store it with the entry: ${table}.set(${key}, { ...entry, timer: ${name} });\n// where the reply removes the entry:\nclearTimeout(${table}.get(${key})?.timer);\n${table}.delete(${key});`,
    };
  }
  return {
    description: `Keep the handle and clear it when \`${guard.owner ?? 'the response'}\` closes (finished or aborted), so the timer and the call's values it holds (${guard.held.join(', ')}) are freed then instead of ${msText} later.`,
    replacement: `${captured}\n${guard.owner ?? 'res'}.once('close', () => clearTimeout(${name}));`,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Roles and severity

function isFrontend(ctx: Ctx): boolean {
  if (/\.[jt]sx$/i.test(ctx.file)) return true;
  if (/(^|\/)(frontend|browser|public|client)\//i.test(ctx.file)) return true;
  for (const module of ctx.imports.importedModules()) if (FRONTEND_MODULES.has(module)) return true;
  return false;
}

function isConstructorSite(node: ts.Node): boolean {
  for (let current = node.parent; current; current = current.parent) {
    if (ts.isFunctionLike(current)) {
      if (ts.isConstructorDeclaration(current)) return true;
      // Callbacks inside a constructor still run per instance.
      if (!isFunctionLikeExpression(current)) return false;
    }
  }
  return false;
}

/** The interval's holder (`this.timer`) is checked first and the function returns when it is set. */
function guardedByOwnHolder(call: ts.CallExpression, handle: HandleInfo): boolean {
  if (handle.fate.kind !== 'member') return false;
  const holder = handle.fate.holder;
  const fn = enclosingFunction(call);
  const body = fn && (fn as ts.FunctionLikeDeclaration).body;
  if (!body || !ts.isBlock(body)) return false;
  return body.statements.some((statement) => {
    if (!ts.isIfStatement(statement) || statement.end > call.pos) return false;
    const condition = statement.expression.getText().replace(/\s+/g, '');
    const exits = (node: ts.Statement): boolean => ts.isReturnStatement(node) || ts.isThrowStatement(node) || (ts.isBlock(node) && node.statements.length === 1 && exits(node.statements[0] as ts.Statement));
    return (condition === holder || condition === `${holder}!==undefined` || condition === `${holder}!=null` || condition === `!!${holder}`) && exits(statement.thenStatement);
  });
}

/** The call is inside a top-level function the module exports (a helper other files call). */
function inExportedFunction(node: ts.Node): boolean {
  let outer: ts.Node | undefined;
  for (let current = node.parent; current && !ts.isSourceFile(current); current = current.parent) if (ts.isFunctionLike(current)) outer = current;
  if (!outer) return false;
  const holder = ts.isFunctionDeclaration(outer) ? outer : outer.parent && ts.isVariableDeclaration(outer.parent) ? outer.parent.parent.parent : undefined;
  return holder !== undefined && (ts.isFunctionDeclaration(holder) || ts.isVariableStatement(holder)) && (ts.getCombinedModifierFlags(holder as ts.Declaration) & ts.ModifierFlags.Export) !== 0;
}

function hasProcessExit(sourceFile: ts.SourceFile): boolean {
  return /\bprocess\.exit\s*\(/.test(sourceFile.text);
}

/**
 * The node whose role decides how often a timer is created. An anonymous callback handed to a one-shot
 * API (`.then()`, `new Promise()`, `process.nextTick()`, a lock helper) runs once per run of its enclosing
 * code, so the role is that of the call it is passed to; listener and iteration callbacks keep their own.
 */
function effectiveSite(node: ts.Node): ts.Node {
  let site = node;
  for (let depth = 0; depth < 12; depth++) {
    const fn = enclosingFunction(site);
    if (!fn || !isFunctionLikeExpression(fn)) return site;
    const call = climb(fn).parent;
    if (!call || !(ts.isCallExpression(call) || ts.isNewExpression(call)) || !call.arguments?.some((a) => a === climb(fn))) return site;
    const callee = call.expression;
    const method = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : '';
    if (LISTENER_METHODS.has(method) || ITERATION_METHODS.has(method) || /^use[A-Z]|^use$/.test(method)) return site;
    site = call;
  }
  return site;
}

/** A function named like a lifecycle hook / entry point (runs once), seen from `node`. */
function inOnceFunction(node: ts.Node): string | undefined {
  const fn = enclosingFunction(node);
  const name = fn ? functionName(fn) : undefined;
  return name && ONCE_NAMES.test(name) ? name : undefined;
}

/** The model's role for a timer's site: per request, background, unknown (no caller found) or once. */
function modelRole(ctx: Ctx, site: SiteRole, node: ts.Node): Role {
  if (site.kind === 'request') return 'request';
  if (site.kind === 'startup') return 'once';
  const role = ctx.model.frequencyOf(node).role;
  // A per-call site the model reaches only from start-up code was turned into `startup` above; what is left
  // with no function (a callback at top level registered for events) runs per event.
  return role === 'once' ? 'unknown' : role;
}

/**
 * What one uncleared one-shot timer costs: it retains its closure for its delay, so the live count is rate x
 * delay. Under a second is noise; a race timer holds the promise, its settle functions and what the callback
 * references; an abort timer only a controller.
 */
function timeoutCost(ms: number | undefined, holds: 'race' | 'abort' | 'guard'): { cost: Cost; reason: string } | undefined {
  if (ms !== undefined && ms < 1000) return undefined;
  const delay = ms === undefined ? 'an unknown delay' : formatMs(ms);
  if (holds === 'abort') return { cost: 'light', reason: `a timer and an AbortController kept for ${delay} after each call` };
  if (ms !== undefined && ms >= 10000) return { cost: 'moderate', reason: `a timer and its closure kept for ${delay} after each call: rate x ${delay} of them live at once` };
  return { cost: 'light', reason: `a timer and its closure kept for ${delay} after each call` };
}

// ---------------------------------------------------------------------------------------------------------
// Fix text builders

function tsFile(ctx: Ctx): boolean {
  return /\.[cm]?tsx?$/i.test(ctx.file);
}

function handleDeclaration(ctx: Ctx, name: string): string {
  return tsFile(ctx) ? `let ${name}: ReturnType<typeof setTimeout> | undefined;` : `let ${name};`;
}

function freshName(scopeText: string, preferred: string[]): string {
  for (const name of preferred) if (!new RegExp(`\\b${name}\\b`).test(scopeText)) return name;
  return `${preferred[0] ?? 'timer'}Handle`;
}

/** Edits that make the timer call store its handle in `name` (for a discarded or executor-local handle). */
function captureEdits(ctx: Ctx, call: ts.CallExpression, handle: HandleInfo, name: string): Array<{ start: number; end: number; text: string }> {
  const fate = handle.fate;
  if (fate.kind === 'discarded') return [{ start: call.getStart(ctx.sourceFile), end: call.getStart(ctx.sourceFile), text: `${name} = ` }];
  if (fate.kind === 'variable' && fate.declaration) {
    const statement = fate.declaration.parent.parent;
    if (ts.isVariableStatement(statement) && statement.declarationList.declarations.length === 1) {
      return [{ start: statement.getStart(ctx.sourceFile), end: fate.declaration.name.getEnd(), text: name }];
    }
  }
  return [];
}

/** A fix as the builders return it: readable code, and the exact edits when they can be written. */
interface TimerFix {
  description: string;
  replacement: string;
  edits?: EditSpec[];
  mechanical?: boolean;
}

/** References to `name` inside `scope`, other than the declaration's own name. */
function referencesTo(scope: ts.Node, name: string, declaration: ts.Node | undefined): number {
  let count = 0;
  forEachDescendant(scope, (node) => {
    if (ts.isIdentifier(node) && node.text === name && node !== declaration && isVariableReference(node)) count += 1;
  });
  return count;
}

function raceFix(ctx: Ctx, call: ts.CallExpression, handle: HandleInfo, race: RaceInfo, msText: string): TimerFix {
  const sf = ctx.sourceFile;
  const outerFn = enclosingFunction(race.promise);
  const scopeText = outerFn ? outerFn.getText(sf) : sf.text;
  const fate = handle.fate;
  // A handle already kept in a variable declared outside the executor only needs clearing.
  const existingOutside = fate.kind === 'variable' && !isWithin(fate.scope, race.executor) ? fate.name : undefined;
  const existingMember = fate.kind === 'member' ? fate.holder : undefined;
  const name = existingOutside ?? existingMember ?? (fate.kind === 'variable' ? fate.name : freshName(scopeText, ['timer', 'timeoutTimer', 'raceTimer']));
  const declare = existingOutside || existingMember ? '' : `${handleDeclaration(ctx, name)}\n`;
  const capture = existingOutside || existingMember ? [] : captureEdits(ctx, call, handle, name);
  const clear = `.finally(() => clearTimeout(${name}))`;

  if ((race.shape === 'race' && race.raceCall !== undefined) || race.shape === 'manual-race') {
    const settleNode = race.shape === 'race' && race.raceCall ? race.raceCall : race.promise;
    const timerStatement = enclosingStatement(race.promise);
    const settleStatement = enclosingStatement(settleNode);
    if (timerStatement && settleStatement) {
      const settleEdit = { start: settleNode.getEnd(), end: settleNode.getEnd(), text: clear };
      const edits = [...capture, settleEdit];
      const body =
        timerStatement === settleStatement || isWithin(settleStatement, timerStatement)
          ? editText(timerStatement, sf, edits)
          : isWithin(timerStatement, settleStatement)
            ? editText(settleStatement, sf, edits)
            : `${editText(timerStatement, sf, capture)}\n${editText(settleStatement, sf, [settleEdit])}`;
      const what = race.shape === 'race' ? 'the race' : 'the promise';
      // The declaration goes before the outer of the two statements, in the function that runs the race (a
      // handle declared outside it would be shared by concurrent calls).
      const outer = isWithin(settleStatement, timerStatement) ? timerStatement : isWithin(timerStatement, settleStatement) ? settleStatement : timerStatement;
      const sameFunction = enclosingFunction(outer) === enclosingFunction(race.promise) || (outer.parent && enclosingFunction(outer.parent) === enclosingFunction(race.promise) && !ts.isSourceFile(outer.parent));
      const settlesOnce = sameFunction && (capture.length > 0 || existingOutside !== undefined || existingMember !== undefined);
      const fileEdits = settlesOnce ? [...(declare ? [insertLinesBefore(outer, handleDeclaration(ctx, name), sf)] : []), ...capture, settleEdit] : undefined;
      return {
        description: `Keep the timer handle in \`${name}\` and clear it as soon as ${what} settles (\`.finally(() => clearTimeout(${name}))\`), so the timer dies with the race instead of living ${msText}. On Node >= 16, \`setTimeout\` from \`timers/promises\` with an AbortSignal is an alternative.`,
        replacement: `${declare}${body}`,
        // Clearing a timer whose race has settled changes nothing but its lifetime: safe to apply.
        ...(fileEdits ? { edits: fileEdits, mechanical: true } : {}),
      };
    }
  }
  // Helper shapes: make the helper own the race so it can clear its timer.
  const helperName = race.helperName ?? 'withTimeout';
  const typeArgumentEdit =
    tsFile(ctx) && race.settles === 'reject' && !race.promise.typeArguments
      ? [{ start: race.promise.expression.getEnd(), end: race.promise.expression.getEnd(), text: '<never>' }]
      : [];
  const executorText = editText(race.promise, sf, [...capture, ...typeArgumentEdit]);
  const params = race.helper ? race.helper.parameters.map((p) => p.getText(sf)).join(', ') : '';
  const typed = tsFile(ctx);
  const work = typed ? 'work: Promise<T>' : 'work';
  const signature = typed ? `function ${helperName}<T>(${[work, params].filter(Boolean).join(', ')})` : `function ${helperName}(${[work, params].filter(Boolean).join(', ')})`;
  const replacement = `${signature} {\n  ${handleDeclaration(ctx, name)}\n  const timeout = ${executorText.split('\n').join('\n  ')};\n  return Promise.race([work, timeout])${clear};\n}`;
  return {
    description: `${helperName}() hands out a timer nobody can clear. Let it take the work promise, race it itself and clear the timer when the race settles; callers write \`${helperName}(work, ...)\` instead of \`Promise.race([work, ${helperName}(...)])\`. Alternatively use \`AbortSignal.timeout(${msText === 'its delay' ? 'ms' : msText})\` where the work accepts a signal.`,
    replacement,
    ...helperEdits(ctx, race, replacement),
  };
}

/**
 * The helper replaced by the one that races, and each `Promise.race([work, helper(args)])` by
 * `helper(work, args)`: only for a helper this file declares, does not export, and uses nowhere else.
 */
function helperEdits(ctx: Ctx, race: RaceInfo, replacement: string): { edits?: EditSpec[] } {
  const sf = ctx.sourceFile;
  const helper = race.helper;
  const name = race.helperName;
  if (!helper || !name) return {};
  const statement = ts.isFunctionDeclaration(helper) ? helper : helper.parent && ts.isVariableDeclaration(helper.parent) && helper.parent.initializer === helper ? helper.parent.parent.parent : undefined;
  if (!statement || !(ts.isFunctionDeclaration(statement) || (ts.isVariableStatement(statement) && statement.declarationList.declarations.length === 1)) || statement.parent !== sf) return {};
  if ((ts.getModifiers(statement as ts.HasModifiers) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword || m.kind === ts.SyntaxKind.DefaultKeyword)) return {};
  const declaredName = ts.isFunctionDeclaration(statement) ? statement.name : (statement.declarationList.declarations[0]?.name as ts.Node | undefined);
  const calls: EditSpec[] = [];
  let other = false;
  forEachDescendant(sf, (node) => {
    if (!ts.isIdentifier(node) || node.text !== name || node === declaredName || isWithin(node, statement)) return;
    const call = node.parent;
    const list = call?.parent;
    const race = list?.parent;
    const isRace =
      call && ts.isCallExpression(call) && call.expression === node && list && ts.isArrayLiteralExpression(list) && list.elements.length === 2 && race && ts.isCallExpression(race) && race.arguments.length === 1 && race.arguments[0] === list && race.expression.getText(sf) === 'Promise.race';
    const work = isRace ? list.elements.find((element) => element !== call) : undefined;
    if (!isRace || !work || ts.isSpreadElement(work)) {
      other = true;
      return;
    }
    calls.push({ start: race.getStart(sf), end: race.getEnd(), text: `${name}(${[work.getText(sf), ...call.arguments.map((a) => a.getText(sf))].join(', ')})` });
  });
  if (other || calls.length === 0) return {};
  return { edits: [{ start: statement.getStart(sf), end: statement.getEnd(), text: replacement }, ...calls] };
}

function abortFix(ctx: Ctx, call: ts.CallExpression, handle: HandleInfo, info: AbortInfo, msText: string, msSource: string): TimerFix {
  const sf = ctx.sourceFile;
  const scope = declarationScope(info.controller, info.declaration.name);
  const signalUses: ts.PropertyAccessExpression[] = [];
  let otherUses = 0;
  forEachDescendant(scope, (node) => {
    if (!ts.isIdentifier(node) || node.text !== info.controller || !isVariableReference(node) || isWithin(node, call)) return;
    const parent = node.parent;
    if (ts.isPropertyAccessExpression(parent) && parent.expression === node && parent.name.text === 'signal') signalUses.push(parent);
    else otherUses += 1;
  });
  const firstSignal = signalUses[0];
  // Front-end code never gets here: its one-shot timers are not reported.
  const nodeOk = ctx.project.minNodeMajor === undefined || ctx.project.minNodeMajor >= 18;
  if (nodeOk && firstSignal && signalUses.length === 1) {
    const statement = enclosingStatement(firstSignal);
    const signalExpression = otherUses === 0 ? `AbortSignal.timeout(${msSource})` : `AbortSignal.any([${info.controller}.signal, AbortSignal.timeout(${msSource})])`;
    if (statement && enclosingStatement(call) !== undefined) {
      // The setTimeout statement goes (its handle read nowhere else), and the controller with it when only its signal was used.
      const timerStatement = enclosingStatement(call);
      const handleName = handle.fate.kind === 'variable' ? handle.fate.name : undefined;
      const timerAlone =
        timerStatement !== undefined &&
        !isWithin(firstSignal, timerStatement) &&
        ((ts.isExpressionStatement(timerStatement) && timerStatement.expression === handle.expression) ||
          (handleName !== undefined && ts.isVariableStatement(timerStatement) && timerStatement.declarationList.declarations.length === 1 && referencesTo(scope, handleName, handle.fate.kind === 'variable' ? handle.fate.declaration?.name : undefined) === 0));
      const controllerStatement = info.declaration.parent.parent;
      const dropController = otherUses === 0 && ts.isVariableStatement(controllerStatement) && controllerStatement.declarationList.declarations.length === 1 && !isWithin(firstSignal, controllerStatement) && controllerStatement !== timerStatement;
      // A handle read elsewhere (`if (!timeoutId) ...`) keeps the timer: then the fix below clears it instead.
      if (timerAlone && timerStatement) return {
        // AbortSignal.timeout aborts with a TimeoutError, not an AbortError: code that checks the name must be
        // read, so this stays a suggestion.
        edits: [{ start: firstSignal.getStart(sf), end: firstSignal.getEnd(), text: signalExpression }, deleteStatement(timerStatement, sf), ...(dropController ? [deleteStatement(controllerStatement, sf)] : [])],
        description:
          otherUses === 0
            ? `Drop the AbortController and the setTimeout: \`AbortSignal.timeout(${msSource})\` aborts after ${msText} without a ref'd timer holding the controller after the request finishes (Node >= 17.3).`
            : `Combine the controller's signal with \`AbortSignal.timeout(${msSource})\` (Node >= 20.3) and drop the setTimeout; nothing stays alive after the request finishes.`,
        replacement: editText(statement, sf, [{ start: firstSignal.getStart(sf), end: firstSignal.getEnd(), text: signalExpression }]),
      };
    }
  }
  // Fallback: keep the handle and clear it when the guarded call settles.
  const name = handle.fate.kind === 'variable' ? handle.fate.name : freshName(enclosingFunction(call)?.getText(sf) ?? sf.text, ['timer', 'abortTimer']);
  const timerStatement = enclosingStatement(call);
  const consumer = firstSignal ? enclosingCall(firstSignal) : undefined;
  const consumerStatement = consumer ? enclosingStatement(consumer) : undefined;
  const captured = timerStatement
    ? handle.fate.kind === 'discarded'
      ? editText(timerStatement, sf, [{ start: call.getStart(sf), end: call.getStart(sf), text: `const ${name} = ` }])
      : editText(timerStatement, sf, [])
    : `const ${name} = ${call.getText(sf)};`;
  const cleared = consumer && consumerStatement ? `\n${editText(consumerStatement, sf, [{ start: consumer.getEnd(), end: consumer.getEnd(), text: `.finally(() => clearTimeout(${name}))` }])}` : `\n// when the request settles:\nclearTimeout(${name});`;
  const capture = handle.fate.kind === 'discarded' && timerStatement && ts.isExpressionStatement(timerStatement) && timerStatement.expression === call ? [insertAt(call.getStart(sf), `const ${name} = `)] : handle.fate.kind === 'variable' ? [] : undefined;
  const fallbackEdits = consumer && capture && timerStatement && consumerStatement && timerStatement.getEnd() <= consumerStatement.getStart(sf) && timerStatement.parent === consumerStatement.parent
    ? [...capture, insertAt(consumer.getEnd(), `.finally(() => clearTimeout(${name}))`)]
    : undefined;
  return {
    // Clearing the timer once the guarded call settled changes nothing but the timer's lifetime.
    ...(fallbackEdits ? { edits: fallbackEdits, mechanical: true } : {}),
    description: `Clear the abort timer as soon as the guarded call settles, so it does not keep \`${info.controller}\` alive for ${msText} afterwards.`,
    replacement: `${captured}${cleared}`,
  };
}

function enclosingCall(node: ts.Node): ts.CallExpression | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (ts.isCallExpression(current)) return current;
    if (ts.isStatement(current) || ts.isFunctionLike(current)) return undefined;
  }
  return undefined;
}

function isEffectCallback(ctx: Ctx, call: ts.CallExpression): boolean {
  const fn = enclosingFunction(call);
  const parent = fn ? climb(fn).parent : undefined;
  if (!fn || !parent || !ts.isCallExpression(parent) || parent.arguments[0] !== climb(fn)) return false;
  const ref = ctx.imports.resolve(parent.expression);
  const name = ref?.path[ref.path.length - 1] ?? (ts.isIdentifier(parent.expression) ? parent.expression.text : '');
  return /^use(Layout|Insertion)?Effect$/.test(name);
}

/**
 * Edits for the interval fixes, which stay suggestions (where to stop an interval is a lifecycle decision).
 * `store` prefixes the discarded call's statement (`const x = ` / `this.x = `), `before`/`after` add lines
 * around it, `atEnd` appends lines to the body of the function the statement is directly in, `member`
 * declares the class field (TypeScript), `method` adds a method to the class. Undefined when a piece
 * cannot be placed exactly, or a name it adds is taken.
 */
function intervalEdits(ctx: Ctx, handle: HandleInfo, parts: { store?: string; before?: string; after?: string; atEnd?: string; member?: string; method?: { name: string; text: string } }): EditSpec[] | undefined {
  const sf = ctx.sourceFile;
  const statement = enclosingStatement(handle.expression);
  if (!statement || !ts.isExpressionStatement(statement) || statement.expression !== handle.expression) return undefined;
  const edits: EditSpec[] = [];
  if (parts.before) edits.push(insertLinesBefore(statement, parts.before, sf));
  if (parts.store) edits.push(insertAt(handle.expression.getStart(sf), parts.store));
  if (parts.after) edits.push(insertLinesAfter(statement, parts.after, sf));
  if (parts.atEnd) {
    const fn = enclosingFunction(statement);
    const body = fn && 'body' in fn ? (fn.body as ts.Node | undefined) : undefined;
    if (!body || !ts.isBlock(body) || statement.parent !== body) return undefined;
    let returns = false;
    forEachDescendant(body, (node) => {
      if (ts.isReturnStatement(node) && enclosingFunction(node) === fn) returns = true;
    });
    if (returns) return undefined;
    // A declared `: void` becomes the cleanup's type; any other declared type cannot take the returned cleanup.
    const declared = (fn as ts.FunctionLikeDeclaration).type;
    if (declared) {
      if (declared.kind !== ts.SyntaxKind.VoidKeyword || ts.getCombinedModifierFlags(fn as ts.Declaration) & ts.ModifierFlags.Async) return undefined;
      edits.push(replaceNode(declared, '() => void', sf));
    }
    const last = body.statements[body.statements.length - 1] as ts.Statement;
    if (last === statement && parts.after) return undefined;
    edits.push(insertLinesAfter(last, parts.atEnd, sf));
  }
  if (parts.member !== undefined || parts.method) {
    const klass = ts.findAncestor(statement, ts.isClassLike);
    if (!klass) return undefined;
    const names = new Set(klass.members.map((m) => (m.name && (ts.isIdentifier(m.name) || ts.isPrivateIdentifier(m.name)) ? m.name.text : '')));
    const open = klass.members.pos;
    const nl = newlineOf(sf);
    const indent = `${lineIndent(klass.getStart(sf), sf)}  `;
    if (parts.member !== undefined) {
      if (names.has(parts.member)) return undefined;
      if (tsFile(ctx)) edits.push(insertAt(open, `${nl}${indent}private ${parts.member}?: ReturnType<typeof setInterval>;${klass.members.length > 0 ? nl : ''}`));
    }
    if (parts.method) {
      if (names.has(parts.method.name)) return undefined;
      const close = klass.getEnd() - 1;
      const lastMember = klass.members[klass.members.length - 1];
      edits.push(insertAt(lastMember ? lastMember.getEnd() : close, `${nl}${nl}${indent}${parts.method.text.split('\n').join(`${nl}${indent}`)}${lastMember ? '' : nl}`));
    }
  }
  return edits;
}

function intervalFix(ctx: Ctx, call: ts.CallExpression, handle: HandleInfo, startup: boolean, inClass: boolean, constructorSite: boolean, browser = false): TimerFix {
  const sf = ctx.sourceFile;
  const callText = dedent(handle.expression.getText(sf), sf, handle.expression);
  const fate = handle.fate;
  const effect = isEffectCallback(ctx, call);
  if (effect && (fate.kind === 'discarded' || fate.kind === 'variable')) {
    const name = fate.kind === 'variable' ? fate.name : freshName(enclosingFunction(call)?.getText(sf) ?? sf.text, ['interval', 'intervalId']);
    const edits = fate.kind === 'discarded' ? intervalEdits(ctx, handle, { store: `const ${name} = `, atEnd: `return () => clearInterval(${name});` }) : undefined;
    return {
      description: 'Return a cleanup from the effect so React clears the interval when the component unmounts or the dependencies change.',
      replacement: `${fate.kind === 'discarded' ? `const ${name} = ${callText};\n` : ''}return () => clearInterval(${name});`,
      ...(edits ? { edits } : {}),
    };
  }
  if (fate.kind === 'discarded') {
    const scopeText = enclosingFunction(call)?.getText(sf) ?? sf.text;
    const name = freshName(scopeText, ['interval', 'intervalTimer', 'pollTimer']);
    const holder = inClass ? `this.${name}` : name;
    const store = inClass ? `${holder} = ${callText};` : `const ${name} = ${callText};`;
    if (constructorSite) {
      const edits = inClass ? intervalEdits(ctx, handle, { store: `${holder} = `, member: name, method: { name: 'dispose', text: `dispose(): void {\n  clearInterval(${holder});\n}` } }) : undefined;
      return {
        description: 'Keep the handle on the instance and clear it in a teardown method, so a discarded instance (and its interval) can be collected.',
        replacement: `${store}\n\n${inClass ? `dispose(): void {\n  clearInterval(${holder});\n}` : `// in the teardown path:\nclearInterval(${holder});`}`,
        ...(edits ? { edits } : {}),
      };
    }
    // Never `clearInterval` right after `setInterval`: applied in place, that stops the timer the code needs.
    if (startup) {
      const edits = intervalEdits(ctx, handle, { store: inClass ? `${holder} = ` : `const ${name} = `, after: `process.once('SIGTERM', () => clearInterval(${holder}));`, ...(inClass ? { member: name } : {}) });
      return {
        description: `Keep the handle and clear it on shutdown (or call \`.unref()\` if the interval must not keep the process alive): a discarded interval can never be stopped.`,
        replacement: `${store}\nprocess.once('SIGTERM', () => clearInterval(${holder}));`,
        ...(edits ? { edits } : {}),
      };
    }
    const fn = enclosingFunction(call);
    let returnsValue = false;
    if (fn) forEachDescendant(fn, (node) => {
      if (ts.isReturnStatement(node) && node.expression && enclosingFunction(node) === fn) returnsValue = true;
    });
    const edits = inClass
      ? intervalEdits(ctx, handle, { before: `if (${holder}) clearInterval(${holder});`, store: `${holder} = `, member: name })
      : returnsValue
        ? undefined
        : intervalEdits(ctx, handle, { store: `const ${name} = `, atEnd: `return () => clearInterval(${holder});` });
    return {
      ...(edits ? { edits } : {}),
      description: browser
        ? `This starts a new interval on every call, for the life of the page. Keep the handle and clear it when the view that started it goes away: return the cleanup to the caller and call it from the component's teardown (a React effect cleanup, Vue onUnmounted, a custom element's disconnectedCallback).`
        : `This runs on every call and starts a new interval each time. Keep one handle, clear the previous interval before starting another, and clear it in the teardown path.`,
      replacement: inClass
        ? `if (${holder}) clearInterval(${holder});\n${store}`
        : returnsValue
          ? `${store}\n// Clear ${name} (clearInterval) where the work it polls for ends: it is started again on every call.`
          : `${store}\nreturn () => clearInterval(${holder});`,
    };
  }
  const holder = fate.kind === 'escaped' ? callText : fate.holder;
  if (fate.kind === 'collection') {
    return {
      description: `Clear every handle kept in \`${holder}\` in the teardown path (stop/close/dispose), then empty it.`,
      replacement: `${holder}.forEach((timer) => clearInterval(timer));\n${holder}${/Map|Set/.test(holder) ? '.clear()' : '.length = 0'};`,
    };
  }
  return {
    description: `Clear \`${holder}\` in the teardown path (a stop/close/dispose method, a shutdown hook or a React effect cleanup).`,
    replacement: `clearInterval(${holder});`,
  };
}

// ---------------------------------------------------------------------------------------------------------

export default defineRule({
  meta: {
    id: 'uncleared-timer',
    category: 'Memory',
    defaultSeverity: 'high',
    description: 'Timers that are never cleared: race timeouts and abort timers that outlive their request, intervals that can never stop.',
    messages: {
      raceTimeout: 'setTimeout racing {{raced}} is never cleared: the timer and its closure stay alive for {{duration}} after the race settles, {{rate}}.',
      abortTimeout: 'Abort timer for `{{controller}}` is never cleared: it keeps the timer and the controller alive for {{duration}} after the request finishes, {{rate}}.',
      guardTimeout: 'Timeout guard on `{{state}}` is never cleared: after the work finishes it keeps the timer and the call\'s values alive for {{duration}}, {{rate}}.',
      intervalDiscarded: 'setInterval handle is discarded: the interval can never be stopped ({{where}}).',
      intervalNeverCleared: 'setInterval handle {{holder}} is never cleared: the interval runs forever ({{where}}).',
    },
    triggers: ['setTimeout', 'setInterval'],
    requiresTypeInfo: false,
    defaults,
    options: optionsSchema,
  },
  appliesTo: (file) => file.role !== 'test' && !/\.d\.[cm]?ts$/i.test(file.path),
  create(context) {
    const ctx = context;
    const frontEnd = frontEndReason(ctx.file, ctx.imports, ctx.project, ctx.sourceFile.text) ?? (isFrontend(ctx) ? `${ctx.file} is in a front-end directory` : undefined);
    const frontend = frontEnd !== undefined;
    // Browser code serves one user: a timer it leaks is bounded by that user's session, never a server's capacity.
    const browserCap = frontEnd ? { cap: { severity: 'low' as const, reason: `front-end code (${frontEnd}): bounded by one user's session, not a server's traffic` } } : {};
    const cliPackage = packageRole(ctx.project)?.role === 'cli' ? packageRole(ctx.project) : undefined;
    const sf = ctx.sourceFile;

    const onceAware = (node: ts.Node): SiteRole => {
      const role = ctx.siteRole(node);
      // How often the code runs comes from its callers in the project model, not from its name: a function
      // the module calls once at the top level starts one timer per process, whatever it is called.
      const frequency = ctx.model.frequencyOf(node);
      if (frequency.fn && frequency.role === 'once' && !role.inLoop) return { kind: 'startup', inLoop: false, reasons: [frequency.reason] };
      if (frequency.fn && frequency.role === 'request' && role.kind !== 'request') return { kind: 'request', inLoop: role.inLoop, reasons: [frequency.reason] };
      if (role.kind !== 'per-call' || role.inLoop) return role;
      const once = inOnceFunction(node);
      return once ? { kind: 'startup', inLoop: false, reasons: [`inside ${once}(): a lifecycle hook / entry point that runs once`] } : role;
    };

    const timerKindOf = (call: ts.CallExpression): TimerKind | undefined => {
      const ref = ctx.imports.resolve(call.expression);
      if (!ref || (ref.module !== 'global' && ref.module !== 'timers')) return undefined;
      const name = ref.path.join('.');
      if (name !== 'setTimeout' && name !== 'setInterval') return undefined;
      // A timer in a function `page.evaluate(...)` runs in the browser page: the page's, gone when it closes.
      return inBrowserPage(call) ? undefined : name;
    };

    const delayOf = (call: ts.CallExpression): { ms: number | undefined; text: string; source: string; fromCallers?: string } => {
      const arg = call.arguments[1];
      const ms = arg ? evaluateNumber(arg, sf) : 1;
      if (ms === undefined && arg) {
        const passed = callerDelay(arg);
        if (passed) return { ms: passed.ms, text: formatMs(passed.ms), source: arg.getText(sf), fromCallers: passed.reason };
      }
      return { ms, text: ms !== undefined ? formatMs(ms) : 'its delay', source: arg ? arg.getText(sf) : '0' };
    };

    /**
     * A delay that is a parameter of an enclosing function (`rejectAfter(ms)`): what every caller the model saw
     * passes there as a literal, the longest one (the timer lives that long after the fastest work).
     */
    const callerDelay = (arg: ts.Expression): { ms: number; reason: string } | undefined => {
      const inner = skipParens(arg);
      if (!ts.isIdentifier(inner)) return undefined;
      for (let fn = enclosingFunction(arg); fn; fn = enclosingFunction(fn)) {
        const index = fn.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === inner.text);
        if (index < 0) continue;
        const values = ctx.model.functionOf(fn.parameters[index] as ts.Node)?.argumentNumbers?.[`${index}`];
        if (!values || values.length === 0) return undefined;
        const ms = Math.max(...values);
        return { ms, reason: `\`${inner.text}\` is ${values.map((v) => formatMs(v)).join(' or ')} at every call the project makes (the longest counts)` };
      }
      return undefined;
    };

    const liveTimers = (ms: number | undefined): string => {
      const rate = ctx.options.assumedCallsPerSecond;
      if (ms === undefined) return `at ${formatCount(rate)} calls/s that is ${formatCount(rate)} live timers per second of delay`;
      return `at ${formatCount(rate)} calls/s that is ~${formatCount((rate * ms) / 1000)} live timers`;
    };

    const checkTimeout = (call: ts.CallExpression) => {
      const race = raceInfo(ctx, call);
      const abort = race ? undefined : abortInfo(ctx, call);
      const guard = race || abort ? undefined : guardInfo(call);
      if (!race && !abort && !guard) return;
      const handle = handleOf(ctx, call);
      const ownCallback = call.arguments[0];
      const verdict = clearVerdict(ctx, handle, ownCallback, 'setTimeout');
      if (verdict.cleared) return;
      const unref = handle.unrefChained || verdict.unref;
      const roleNode = effectiveSite(race ? race.roleNode : call);
      const role = onceAware(roleNode);
      const delay = delayOf(call);
      const evidence: string[] = delay.fromCallers ? [delay.fromCallers] : [];
      let confidence: Confidence = 'high';
      let perCall = true;
      let runs = modelRole(ctx, role, roleNode);
      if (cliPackage && runs === 'unknown') {
        runs = 'once';
        role.reasons.push(`${cliPackage.reason}; no caller found that runs it per request`);
      }
      let onceCost: string | undefined;
      let cost = timeoutCost(delay.ms, race ? 'race' : abort ? 'abort' : 'guard');
      if (runs === 'once') {
        // A one-shot timer at start-up does not grow; it only matters where it delays a CLI's exit.
        if (ctx.fileRole === 'script' && !hasProcessExit(sf) && !unref) {
          onceCost = `the ref'd timer keeps the CLI alive for up to ${delay.text} after its work is done`;
          cost = { cost: 'light', reason: onceCost };
        }
        perCall = false;
        evidence.push(...role.reasons, ...(onceCost ? [`script file (${ctx.file}): ${onceCost}`] : []));
      } else {
        evidence.push(...role.reasons);
      }
      // Under a second, each timer lives briefly: rate x delay stays small, not a finding.
      if (!cost) return;
      if (race) {
        const where = race.raceCall ? `line ${sf.getLineAndCharacterOfPosition(race.raceCall.getStart(sf)).line + 1}` : '';
        if (race.shape === 'race') evidence.push(`the timer ${race.settles}s a promise raced with ${race.raced} in Promise.${race.raceCall && ts.isPropertyAccessExpression(race.raceCall.expression) ? race.raceCall.expression.name.text : 'race'}() at ${where}`);
        if (race.shape === 'helper-race') evidence.push(`${race.helperName}() returns a promise its timer ${race.settles}s; it is raced with ${race.raced} at ${where}`);
        if (race.shape === 'manual-race') {
          evidence.push(`the timer ${race.settles}s a promise whose executor also settles from another callback: whichever wins, the timer keeps running`);
        }
        if (race.shape === 'reject-helper') {
          evidence.push(`${race.helperName}() returns a promise that only rejects after ${delay.text}: it exists to be raced, and callers cannot clear its timer`);
          confidence = 'medium';
        }
      } else if (abort) {
        evidence.push(`the timer only calls ${abort.controller}.abort() on a per-call AbortController`);
      } else if (guard) {
        evidence.push(
          guard.doneAt
            ? `the callback acts only while \`${guard.state}\` is unset, and the function sets it at line ${sf.getLineAndCharacterOfPosition(guard.doneAt.getStart(sf)).line + 1}: after that the timer has nothing to do`
            : guard.table
              ? `the callback acts only while \`${guard.state}\` finds this call pending, and \`${guard.table.name}.delete(...)\` (line ${guard.table.deletedAt}) removes the entry when the reply arrives: after that the timer has nothing to do`
              : `the callback acts only while \`${guard.state}\` says the response is unfinished: once it is, the timer has nothing to do`,
          `its closure holds this call's ${guard.held.join(', ')} until it fires`,
        );
      }
      evidence.push(verdict.detail === '' || handle.fate.kind === 'discarded' ? 'the timer handle is discarded, so nothing can clear it' : verdict.detail);
      if (verdict.selfClearOnly) evidence.push('the only clearTimeout runs inside the timer callback itself, after the delay has already elapsed');
      const lower: string[] = [];
      if (unref) lower.push('.unref() lets the process exit, but each pending timer still retains its closure until it fires');
      // A one-shot timer in a browser or app: it holds its closure until it fires, for one user, and no server's
      // capacity is spent. Not a bottleneck (intervals, which never end, still are).
      if (frontend) return;
      const graded = grade({
        cost: cost.cost,
        costReason: cost.reason,
        role: runs,
        evidence: 'proven',
        inLoop: role.inLoop && runs !== 'request',
        includeOnce: ctx.options.includeOnce,
        match: confidence,
        lower,
        ...browserCap,
        ...(onceCost ? { onceCost } : {}),
      });
      if (!graded.severity) return;
      const severity = graded.severity;
      confidence = graded.confidence;
      evidence.push(...graded.reasons);
      const fix = race
        ? raceFix(ctx, call, handle, race, delay.text)
        : abort
          ? abortFix(ctx, call, handle, abort, delay.text, delay.source)
          : guard
            ? guardFix(ctx, call, handle, guard, delay.text)
            : { description: '', replacement: '' };
      const rate = perCall ? liveTimers(delay.ms) : 'once per run';
      ctx.report({
        node: call,
        variant: race ? 'race-timeout' : abort ? 'abort-timeout' : 'guard-timeout',
        messageId: race ? 'raceTimeout' : abort ? 'abortTimeout' : 'guardTimeout',
        data: race ? { raced: race.raced, duration: delay.text, rate } : abort ? { controller: abort.controller, duration: delay.text, rate } : { state: guard?.state ?? '', duration: delay.text, rate },
        severity,
        confidence,
        evidence,
        impact: perCall
          ? `One timer plus its closure (${race ? 'the promise, its reject/resolve and whatever the callback references' : abort ? `the AbortController \`${abort.controller}\`` : `this call's ${guard?.held.join(', ') ?? 'values'}`}) stays alive for ${delay.text} after each call completes: ${liveTimers(delay.ms)}. Clearing it when the work settles returns the count to the number of in-flight calls.`
          : `The process stays alive up to ${delay.text} after the work is done; clearing the timer lets it exit immediately.`,
        fix,
        effort: race && (race.shape === 'helper-race' || race.shape === 'reject-helper') ? 'small' : 'trivial',
        params: { timeoutMs: delay.ms ?? null, perCall, unref, timer: 'setTimeout', shape: race ? race.shape : abort ? 'abort' : 'guard' },
      });
    };

    /**
     * `Promise.race([work(), sleep(30_000)])` with `setTimeout` from `timers/promises`: the timer stays pending after
     * the work wins, unless its AbortSignal is aborted. Same cost model as race-timeout.
     */
    const importsPromiseTimers = [...ctx.imports.importedModules()].some((m) => m === 'timers/promises' || m === 'node:timers/promises');
    const checkPromiseTimer = (call: ts.CallExpression) => {
      const ref = ctx.imports.resolve(call.expression);
      if (!ref || ref.module !== 'timers/promises' || ref.path.join('.') !== 'setTimeout') return;
      const race = raceOfValue(ctx, climbChain(call));
      if (!race) return;
      // A race of timers only (`Promise.race([sleep(a), sleep(b)])`) is a sleep, not a timeout bounding work.
      const isPromiseTimer = (node: ts.Node): boolean => {
        let inner: ts.Node = node;
        for (;;) {
          inner = ts.isAwaitExpression(inner) || ts.isParenthesizedExpression(inner) ? inner.expression : inner;
          if (ts.isCallExpression(inner) && ts.isPropertyAccessExpression(inner.expression) && ['then', 'catch', 'finally'].includes(inner.expression.name.text)) inner = inner.expression.expression;
          else break;
        }
        if (!ts.isCallExpression(inner)) return false;
        const target = ctx.imports.resolve(inner.expression);
        return target?.module === 'timers/promises' && target.path.join('.') === 'setTimeout';
      };
      const elements = race.arguments[0] && ts.isArrayLiteralExpression(race.arguments[0]) ? race.arguments[0].elements : undefined;
      if (elements && elements.every((e) => isPromiseTimer(e) || isWithin(call, e) || (ts.isIdentifier(e) && isTimerAlias(e, climbChain(call))))) return;
      const signal = promiseTimerSignal(call);
      if (signal === 'aborted') return;
      const roleNode = effectiveSite(race);
      const role = onceAware(roleNode);
      const runs = modelRole(ctx, role, roleNode);
      if (runs === 'once') return;
      const arg = call.arguments[0];
      let ms = arg ? evaluateNumber(arg, sf) : 1;
      let fromCallers: string | undefined;
      if (ms === undefined && arg) {
        const passed = callerDelay(arg);
        if (passed) ({ ms, reason: fromCallers } = passed);
      }
      const cost = timeoutCost(ms, 'race');
      if (!cost) return;
      const delayText = ms !== undefined ? formatMs(ms) : 'its delay';
      // One user's pending race timer in a browser or app (see the one-shot case above): not reported.
      if (frontend) return;
      const graded = grade({ cost: cost.cost, costReason: cost.reason, role: runs, evidence: 'proven', inLoop: role.inLoop && runs !== 'request', includeOnce: ctx.options.includeOnce, ...browserCap });
      if (!graded.severity) return;
      const line = sf.getLineAndCharacterOfPosition(race.getStart(sf)).line + 1;
      const combinator = ts.isPropertyAccessExpression(race.expression) ? race.expression.name.text : 'race';
      const raced = describeRace(race, climbChain(call));
      const callee = call.expression.getText(sf);
      ctx.report({
        node: call,
        variant: 'race-timeout',
        messageId: 'raceTimeout',
        data: { raced, duration: delayText, rate: liveTimers(ms) },
        severity: graded.severity,
        confidence: graded.confidence,
        evidence: [
          ...(fromCallers ? [fromCallers] : []),
          ...role.reasons,
          `${callee}() is setTimeout from timers/promises: a promise that resolves after ${delayText}, raced with ${raced} in Promise.${combinator}() at line ${line}`,
          signal?.controller
            ? `its signal comes from \`${signal.controller}\`, which this function never aborts: the timer stays pending after the race settles`
            : 'it is given no AbortSignal, so nothing can cancel it: the timer stays pending after the race settles',
          ...graded.reasons,
        ],
        impact: `One pending timer plus its promise (and whatever its .then() callback references) stays alive for ${delayText} after each call completes: ${liveTimers(ms)}. Aborting its signal when the race settles returns the count to the number of in-flight calls.`,
        fix: promiseTimerFix(ctx, call, race, signal, delayText, callee),
        effort: 'trivial',
        params: { timeoutMs: ms ?? null, perCall: true, unref: false, timer: 'setTimeout', shape: 'promise-race' },
      });
    };

    const checkInterval = (call: ts.CallExpression) => {
      const handle = handleOf(ctx, call);
      const verdict = clearVerdict(ctx, handle, call.arguments[0], 'setInterval');
      if (verdict.cleared) return;
      const unref = handle.unrefChained || verdict.unref;
      const role = onceAware(effectiveSite(call));
      const delay = delayOf(call);
      // `if (this.timer) return; this.timer = setInterval(...)`: at most one interval per instance, like a constructor's.
      const constructorSite = isConstructorSite(call) || guardedByOwnHolder(call, handle);
      const inClass = (() => {
        const fn = enclosingFunction(call);
        return fn !== undefined && (ts.isMethodDeclaration(fn) || ts.isConstructorDeclaration(fn) || (fn.parent !== undefined && ts.isPropertyDeclaration(fn.parent)));
      })();
      const evidence: string[] = [...role.reasons];
      let perCall = false;
      let where: string;
      let cost: Cost;
      let costReason: string;
      let runs: Role = modelRole(ctx, role, effectiveSite(call));
      let match: Confidence = 'high';
      let onceCost: string | undefined;
      // A constructor or guarded starter the model reaches only from code that runs once (a module singleton,
      // a bootstrap) makes one interval per process, like a top-level one.
      const frequency = ctx.model.frequencyOf(effectiveSite(call));
      // In a CLI package, code no server entry reaches runs once per command a person runs.
      const cliOnce = cliPackage !== undefined && runs === 'unknown' && (!constructorSite || frequency.role === 'unknown');
      if (cliOnce) evidence.push(`${cliPackage.reason}; no caller found that runs it per request`);
      const startupLike = (role.kind === 'startup' && (!constructorSite || (frequency.fn !== undefined && frequency.role === 'once'))) || cliOnce;
      if (constructorSite && !startupLike) {
        runs = frequency.fn ? frequency.role : 'unknown';
        if (runs !== 'unknown' && !evidence.includes(frequency.reason)) evidence.push(frequency.reason);
      }
      const sampler = metricsWriteIn(call.arguments[0]);
      const samples = sampler !== undefined && ctx.model.effectsOf(call.arguments[0] as ts.Node).effects.length === 0 && !samplesCallValues(call.arguments[0] as ts.Node);
      if (startupLike) {
        if (unref || frontend || DEMO_PATH.test(ctx.file)) return;
        // One interval per process costs nothing that grows: not reported unless asked. A CLI that can never exit
        // is a different matter: its single run pays the cost, and it is reported either way.
        // Only a self-contained script proves it: a helper other files import may run under their process.exit().
        const cliNeverExits = ctx.fileRole === 'script' && !hasProcessExit(sf) && !inExportedFunction(call);
        runs = 'once';
        if (cliNeverExits) {
          cost = 'heavy';
          costReason = 'the CLI never finishes';
          onceCost = `script file (${ctx.file}) without process.exit(): a ref'd interval keeps the CLI running forever`;
          where = 'the CLI can never exit on its own';
        } else {
          cost = 'light';
          costReason = 'one interval per process: it does not grow';
          match = 'medium';
          evidence.push("one interval per process: it does not grow, but it is ref'd, so the process cannot exit on its own and a graceful shutdown must call process.exit()");
          where = 'one per process; it keeps the process alive';
        }
      } else if (constructorSite && runs !== 'unknown') {
        // The model follows `new X()` to the constructor: instances are made as often as their creators run.
        cost = 'heavy';
        costReason = 'one interval per instance, and instances are made on every run of their creator: running intervals grow without bound';
        perCall = true;
        evidence.push(`${isConstructorSite(call) ? 'created in a constructor' : `started only while \`${handle.fate.kind === 'member' ? handle.fate.holder : 'its holder'}\` is unset`}: one interval per instance, and its closure keeps the instance alive forever`);
        where = runs === 'request' ? 'a new one per instance, and an instance per request' : 'a new one per instance, made on every call';
      } else if (samples) {
        // A gauge sampler whose starter has no known caller: built to run once per process, a few operations per tick.
        cost = 'light';
        costReason = `a metrics sampler (${sampler}): a few operations per tick`;
        runs = 'background';
        match = 'medium';
        evidence.push(`the callback samples into metrics (${sampler}) and does no I/O: a background sampler meant to run once per process; no caller found that starts it more often`);
        where = 'a background sampler; it keeps the process alive';
      } else if (constructorSite) {
        cost = 'moderate';
        costReason = 'one interval per instance, retaining the instance';
        // No `new` of the class found in the project: how often instances are made is unknown.
        runs = 'unknown';
        match = 'medium';
        evidence.push(
          `${isConstructorSite(call) ? 'created in a constructor' : `started only while \`${handle.fate.kind === 'member' ? handle.fate.holder : 'its holder'}\` is unset (the function returns first otherwise)`}: one interval per instance, and its closure keeps the instance alive forever; if instances are created per request this grows without bound`,
        );
        where = 'one per instance, which it keeps alive';
      } else {
        cost = 'heavy';
        costReason = 'a new interval on every execution that never stops: running intervals grow without bound';
        perCall = true;
        where = runs === 'request' ? 'a new one per request' : 'a new one per call';
      }
      evidence.push(handle.fate.kind === 'discarded' ? 'the handle is discarded, so nothing can ever clear the interval' : verdict.detail);
      const lower: string[] = [];
      if (unref) lower.push('.unref() lets the process exit, but every interval still runs and retains its closure');
      if (frontend) lower.push('front-end code: the leak is bounded by one user’s session');
      const graded = grade({
        cost,
        costReason,
        role: runs,
        evidence: 'proven',
        inLoop: perCall && role.inLoop && runs !== 'request',
        includeOnce: ctx.options.includeOnce || ctx.options.reportStartupIntervals,
        match,
        lower,
        ...browserCap,
        ...(onceCost ? { onceCost } : {}),
      });
      if (!graded.severity) return;
      const severity = graded.severity;
      const confidence = graded.confidence;
      evidence.push(...graded.reasons);
      const holder = handle.fate.kind === 'variable' || handle.fate.kind === 'member' || handle.fate.kind === 'collection' ? `\`${handle.fate.holder}\`` : '';
      ctx.report({
        node: call,
        variant: 'interval',
        messageId: handle.fate.kind === 'discarded' ? 'intervalDiscarded' : 'intervalNeverCleared',
        data: { holder, where },
        severity,
        confidence,
        evidence,
        impact: perCall
          ? `Every call adds an interval firing every ${delay.text} that never stops: after N calls, N callbacks run every ${delay.text} and their closures are never freed (CPU and memory grow linearly with calls). Clearing it bounds both to the live work.`
          : constructorSite
            ? `Each instance starts an interval firing every ${delay.text} whose closure references the instance, so no instance is ever collected: N instances means N intervals and N retained objects. With one long-lived instance the cost is one interval; clearing it in a teardown method frees both.`
            : `One interval firing every ${delay.text} for the life of the process; its closure is never freed and the event loop never empties, so the process only exits through process.exit().`,
        fix: intervalFix(ctx, call, handle, startupLike || samples, inClass, constructorSite, frontend),
        effort: perCall ? 'small' : 'trivial',
        params: { timeoutMs: delay.ms ?? null, perCall, unref, timer: 'setInterval' },
      });
    };

    return {
      kinds: {
        [ts.SyntaxKind.CallExpression]: (node) => {
          if (!ts.isCallExpression(node)) return;
          const kind = timerKindOf(node);
          if (kind === 'setTimeout' && ctx.options.checkTimeouts) checkTimeout(node);
          else if (kind === undefined && ctx.options.checkTimeouts && importsPromiseTimers) checkPromiseTimer(node);
          else if (kind === 'setInterval' && ctx.options.checkIntervals) checkInterval(node);
        },
      },
    };
  },
});

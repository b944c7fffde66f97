import { ts } from '../scanner/ts.js';
import { type ImportScope, skipOuter } from '../scanner/imports.js';
import { functionName, propertyName } from '../scanner/ast.js';
import { isLoopNode } from '../scanner/roles.js';
import { accessOfName, isAssumedWriteName } from './io-catalog.js';
import { CODEC_TEXT, codecOf } from './codec.js';
import { agentClassOf, agentConstructionIn, flowsToReturn } from './constructions.js';
import { clientConstructionIn } from './clients.js';
import { returnedValue } from './factories.js';
import { markCommandModule, markMigrations, onceAtLoad } from './run-once.js';
import { cachingDecorator, isCachedLoader } from './memoize.js';
import { guardShapeOf } from './guards.js';
import { OCCASIONAL_PATH } from './routes.js';
import { TreeMemo } from './tree-memo.js';
import { shorten } from './syntax.js';
import { flagArguments, numberArguments } from './flags.js';
import { passedHandles } from './callbacks.js';
import { transactionOpener } from './serial.js';
import { passedCollections, type IoOracle } from './collection-size.js';
import { accessOfCall, classifyCall, closureKey, heldValueOfExpression, heldValueOfModuleRef, heldValueOfType, type ClassifyContext } from './classify.js';
import { record } from './records.js';
import { decoratedRoute, globalPrefixOf, registrationRoute, routerMount } from './routes.js';
import { refKey, type CalleeRef, type ClassSummary, type EntryKind, type FileSummary, type FunctionSummary, type HeldValue } from './types.js';

/**
 * One walk of a file: its functions with what each does directly (I/O, calls into project code, memo,
 * limiter), its classes and what their fields hold, its exports, and how its functions are started
 * (route handlers, jobs, top-level calls). The result is plain data: cached per file, linked project-wide.
 */

const WRITE_DECORATORS = new Set(['Post', 'Put', 'Patch', 'Delete', 'Mutation', 'httpPost', 'httpPut', 'httpPatch', 'httpDelete']);
const WRITE_METHODS = new Set(['post', 'put', 'patch', 'delete', 'del']);
/** Route paths of endpoints an operator calls now and then, not the traffic. */
const REQUEST_DECORATORS = new Set(['Get', 'Post', 'Put', 'Patch', 'Delete', 'All', 'Head', 'Options', 'Query', 'Mutation', 'Subscription', 'ResolveField', 'FieldResolver', 'MessagePattern', 'GrpcMethod', 'GrpcStreamMethod', 'SubscribeMessage', 'Sse', 'Route', 'Action', 'httpGet', 'httpPost', 'httpPut', 'httpPatch', 'httpDelete', 'httpHead']);
const BACKGROUND_DECORATORS = new Set(['Cron', 'Interval', 'Timeout', 'Process', 'OnEvent', 'EventPattern', 'OnQueueActive', 'OnQueueCompleted', 'OnQueueFailed', 'OnWorkerEvent', 'RabbitSubscribe', 'RabbitRPC', 'SqsMessageHandler', 'SqsConsumerEventHandler', 'Consumer', 'Subscribe']);
/** Framework lifecycle hooks: called once by the framework, whatever calls them in the code. */
/** Decorators that run the method, and everything it calls, in one transaction on one connection. */
const TRANSACTION_DECORATORS = /^(?!(No|Skip|Without|Disable))\w*Transaction(al)?(Manager|Context)?$/;
const LIFECYCLE_HOOKS = new Set(['onModuleInit', 'onApplicationBootstrap', 'onModuleDestroy', 'beforeApplicationShutdown', 'onApplicationShutdown', 'onInit', 'onDestroy']);
const ROUTE_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'all', 'head', 'options', 'route', 'use']);
const ROUTER_RECEIVER = /^(app|router|server|api|routes?|fastify|instance|koa|express|r|\w*[Rr]outer|\w*[Aa]pp)$/;
const HANDLER_PARAMS: Array<[string, string]> = [['req', 'res'], ['request', 'response'], ['request', 'reply'], ['ctx', 'next'], ['req', 'reply']];
const BACKGROUND_REGISTRARS = /^(setInterval|schedule|process|consume|subscribe|each|run|onMessage|addJob|every|define)$/;

interface Frame {
  fn: ts.SignatureDeclaration;
  summary: FunctionSummary;
  loops: number;
  /** Endless loops around the current node (`while (true)`, `for (;;)`, `while (!this.stopped)`). */
  endless: number;
  catches: number;
  throws: boolean;
  returnsValue: boolean;
}

/**
 * `nodes`: every node of the file in pre-order (the engine's walk, which also set the parents). The summary
 * follows that list with the enclosing class, function, loop and catch kept on a stack by source range, so the
 * file is not walked a second time.
 */
export function summarizeFile(file: string, sourceFile: ts.SourceFile, scope: ImportScope, nodes: readonly ts.Node[]): FileSummary {
  const summary: FileSummary = { file, locals: record(), exports: record(), reexports: [], classes: record(), values: record(), functions: [], registered: [] };
  const usedKeys = new Set<string>();
  // Classes, module values, locals and exports from the top level first: function bodies read them.
  for (const statement of sourceFile.statements) collectTopLevel(statement, summary, scope, sourceFile);
  // A call above the function it calls (`async function main() { await step(); }` then `function step()`) is a
  // call of that function: its name is a local from the start, and leave() fills in its key.
  for (const fn of topLevelFunctions(sourceFile)) {
    const name = topLevelName(fn, scope);
    if (name !== undefined && summary.locals[name] === undefined) summary.locals[name] = PENDING_LOCAL;
  }
  const context: ClassifyContext = { scope, sourceFile, classes: summary.classes, values: summary.values, locals: summary.locals };
  // Before linking, a call proves I/O only when it is a library call itself (`pool.query`): what a caller passes
  // is judged on that (collection-size.ts).
  const collectionOracle: IoOracle = {
    memo: new Map(),
    ioOf(call) {
      const outcome = classifyCall(call, context);
      return outcome?.kind === 'io' ? { level: 'proven', via: `${outcome.effect.kind} ${outcome.effect.access} via ${outcome.effect.via}` } : { level: 'none' };
    },
  };
  const refOf = registrationRef(context);
  /** The constructor `new X(...)` runs, when X is a project class (local or imported), as a callee reference. */
  const constructorRef = (node: ts.NewExpression): CalleeRef | undefined => {
    const ref = ts.isIdentifier(skipOuter(node.expression)) ? refOf(node.expression) : undefined;
    if (ref?.kind === 'local' && ref.member === undefined) return { kind: 'local', name: ref.name, member: 'constructor' };
    if (ref?.kind === 'import' && ref.path.length <= 1) return { kind: 'import', module: ref.module, path: [ref.path[0] ?? 'default', 'constructor'] };
    return undefined;
  };
  // Only files that mention an encoding or a compressor get codec facts (one more walk of each small function).
  const codecFile = CODEC_TEXT.test(sourceFile.text);
  /** Project calls given an inline callback, by call: what the callback's summary names as the function it is given to. */
  const callRefs = new Map<ts.Node, CalleeRef>();

  // One walk of the file, with the enclosing class and function kept on stacks (no closure per node).
  const classes: Array<string | undefined> = [];
  const frames: Frame[] = [];
  const lineOf = (node: ts.Node) => sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1;

  const enter = (fn: ts.SignatureDeclaration): Frame => {
    const className = classes[classes.length - 1];
    const name = ts.isConstructorDeclaration(fn) ? 'constructor' : functionName(fn);
    const start = fn.getStart(sourceFile);
    const position = sourceFile.getLineAndCharacterOfPosition(start);
    // A function a factory returns is named after it in evidence: `makeReader() result@7:10 -> pool.query (pg)`.
    const factory = !name && isReturnedFunction(fn) ? frames[frames.length - 1]?.summary.key : undefined;
    let key = name ? (className ? `${className}.${name}` : name) : `${factory ? `${factory}() result` : '<anonymous>'}@${position.line + 1}:${position.character + 1}`;
    if (usedKeys.has(key)) key = `${key}@${position.line + 1}:${position.character + 1}`;
    usedKeys.add(key);
    const fnSummary: FunctionSummary = {
      key,
      name: name ?? '<anonymous>',
      pos: start,
      line: position.line + 1,
      endLine: sourceFile.getLineAndCharacterOfPosition(fn.getEnd()).line + 1,
      ...(className ? { className } : {}),
      direct: [],
      calls: [],
      opaque: [],
      inner: [],
      validatorOnly: false,
      hasBody: true,
    };
    if (registeredCallback(fn)) fnSummary.registered = true;
    const entry = entryOf(fn, className);
    if (entry) {
      if (entry.kind === 'request' || entry.kind === 'occasional') {
        // A route's handler is an argument of the registration, or its `handler` option (Fastify): not any
        // function in an option object (`axios.get('/x', { transformResponse: (d) => d })`).
        const registration = argumentOf(fn);
        const handler = registration && (fn.parent === registration || (ts.isPropertyAssignment(fn.parent) && ts.isIdentifier(fn.parent.name) && fn.parent.name.text === 'handler'));
        const route = decoratedRoute(fn, scope, sourceFile) ?? (registration && handler ? registrationRoute(registration, scope, sourceFile) : undefined);
        if (route) entry.route = route;
      }
      fnSummary.entry = entry;
    }
    const transactional = decoratorNames(fn).find((d) => TRANSACTION_DECORATORS.test(d));
    if (transactional) fnSummary.transactional = transactional;
    // `await prisma.$transaction(async () => { await this.links.update() })`: what the callback calls runs on the
    // transaction's one connection (link.ts carries that to the callees).
    const opener = (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && fn.parent && ts.isCallExpression(fn.parent) && fn.parent.arguments.includes(fn) ? transactionOpener(fn.parent) : undefined;
    // A callback that takes the transaction as a parameter (`async (trx) => ...`) says which work runs on it: what
    // it hands `trx` to. One that takes none relies on the transaction being the current one (a CLS-scoped client).
    const explicit = fn.parameters.length > 0 ? { explicit: true } : {};
    if (opener) fnSummary.transactionCallback = { opener, line: lineOf(fn.parent), ...explicit };
    // `this.prisma.$tx(async () => ...)`: given to a project function, which may run it in a transaction (link.ts
    // checks the function's txCallbackParams).
    else if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && fn.parent && ts.isCallExpression(fn.parent)) {
      const ref = callRefs.get(fn.parent);
      const argument = fn.parent.arguments.indexOf(fn);
      if (ref && argument >= 0) fnSummary.callbackOf = { ref, argument, line: lineOf(fn.parent), ...explicit };
    }
    // The loader of `memoize(load)` or `cache.wrap(key, load)` runs on a cache miss only: not the caller's own work.
    // A function its parent returns (`(deps) => async (args) => ...`) runs when its caller calls it, not when the
    // factory runs: neither its work nor its role is the factory's.
    if (!isCachedLoader(fn) && !isReturnedFunction(fn)) frames[frames.length - 1]?.summary.inner.push(key);
    summary.functions.push(fnSummary);
    // A function held in a const inside another function: its callers there resolve it by position (classify.ts).
    if (frames.length > 0 && ts.isVariableDeclaration(fn.parent) && fn.parent.initializer === fn) {
      const closure = closureKey(fn.parent, sourceFile);
      if (closure !== undefined) summary.locals[closure] = key;
    }
    const body = (fn as ts.FunctionLikeDeclaration).body;
    if (body && !ts.isBlock(body)) noteReturn(fnSummary, fn, body);
    return { fn, summary: fnSummary, loops: 0, endless: 0, catches: 0, throws: false, returnsValue: !ts.isBlock((fn as ts.FunctionLikeDeclaration).body ?? fn) };
  };

  const leave = (frame: Frame): void => {
    const fn = frame.fn;
    const fnSummary = frame.summary;
    const body = (fn as ts.FunctionLikeDeclaration).body;
    fnSummary.validatorOnly = frame.throws && !frame.returnsValue && !ts.isConstructorDeclaration(fn);
    // Throws on what it awaited (`if (!p) throw new NotFound()`): an existence or permission check (guards.ts).
    const guard = frame.throws ? guardShapeOf(fn, lineOf) : undefined;
    if (guard) fnSummary.guard = guard;
    const found = body ? memoOf(body) : undefined;
    const memo = found?.slot;
    if (memo) fnSummary.memo = memo;
    if (found?.promise && !memo?.endsWith('[]')) fnSummary.memoInFlight = true;
    // A NestJS provider built per request (`@Injectable({ scope: Scope.REQUEST })`): its fields start empty each time.
    if (memo?.startsWith('this.') && requestScopedClass(fn)) fnSummary.memoPerRequest = true;
    // `@Cacheable()`, `@Memoize()`: the method reads through a cache its decorator keeps (memoize.ts).
    const cachedBy = ts.isMethodDeclaration(fn) || ts.isGetAccessor(fn) ? cachingDecorator(decoratorNames(fn)) : undefined;
    if (cachedBy) fnSummary.cachedBy = cachedBy;
    if (fn.parameters.length > 0 && (cachedBy || ((ts.isMethodDeclaration(fn) || ts.isGetAccessor(fn)) && (ts.getDecorators(fn)?.length ?? 0) > 0))) fnSummary.cachedByArguments = true;
    // `descriptor.value = async function (...args) { if (store.has(key)) return store.get(key); ... }` inside a
    // function: the functions around it make a caching decorator, whatever they are called (link.ts).
    if (found && isDescriptorValue(fn)) for (const outer of frames) outer.summary.cachingWrapper = true;
    const memoKey = memo?.endsWith('[]') && body && ts.isBlock(body) ? memoKeyParameters(fn, body, memo.slice(0, -2)) : undefined;
    if (memoKey) fnSummary.memoKey = memoKey;
    const className = fnSummary.className;
    if (className && (ts.isMethodDeclaration(fn) || ts.isGetAccessor(fn) || ts.isConstructorDeclaration(fn) || (ts.isPropertyDeclaration(fn.parent) && fn.parent.initializer === fn))) {
      const method = ts.isConstructorDeclaration(fn) ? 'constructor' : functionName(fn);
      const cls = summary.classes[className];
      if (method && cls && cls.methods[method] === undefined) cls.methods[method] = fnSummary.key;
    }
    if (codecFile) {
      const codec = codecOf(fn, scope);
      if (codec) fnSummary.codec = codec;
    }
    const topName = topLevelName(fn, scope);
    if (topName && (summary.locals[topName] === undefined || summary.locals[topName] === PENDING_LOCAL)) summary.locals[topName] = fnSummary.key;
  };

  /** A returned handle makes the function a factory its callers' values follow (factories.ts). */
  const noteReturn = (fnSummary: FunctionSummary, fn: ts.SignatureDeclaration, expression: ts.Expression): void => {
    if (fnSummary.returns) return;
    const held = returnedValue(expression, fn, context);
    if (held) fnSummary.returns = held;
  };

  const onCall = (node: ts.CallExpression | ts.NewExpression | ts.TaggedTemplateExpression, frame: Frame | undefined): void => {
    if (!ts.isTaggedTemplateExpression(node)) {
      const globalPrefix = ts.isCallExpression(node) ? globalPrefixOf(node) : undefined;
      if (globalPrefix !== undefined) summary.globalPrefix = globalPrefix;
      const kind = registrationKind(node);
      if (kind) {
        const route = kind.kind === 'request' || kind.kind === 'occasional' ? registrationRoute(node, scope, sourceFile) : undefined;
        for (const given of node.arguments ?? []) {
          // `fastify.route({ method, url, handler: getOrder })`: the handler is an option.
          const options = skipOuter(given);
          const handler = ts.isObjectLiteralExpression(options) ? options.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === 'handler')?.initializer : undefined;
          const argument = handler ?? given;
          if (isSummarised(argument)) continue; // inline functions carry their entry themselves
          const ref = refOf(argument);
          if (ref) summary.registered.push({ ref, ...kind, ...(route ? { route } : {}) });
        }
      }
    }
    if (!frame && ts.isCallExpression(node) && classes.length === 0) {
      const mount = routerMount(node, scope, sourceFile);
      if (mount && (summary.mounts?.length ?? 0) < 32) (summary.mounts ??= []).push(mount);
    }
    if (!frame) {
      // `const repo = new OrdersRepo(pool)` at the top level: `repo`'s users use the imported `pool`.
      if (!ts.isTaggedTemplateExpression(node) && classes.length === 0) {
        const holder = topLevelHolderOf(node);
        for (const argument of holder ? (node.arguments ?? []) : []) {
          const inner = skipOuter(argument);
          const ref = ts.isIdentifier(inner) ? scope.resolve(inner) : undefined;
          if (holder && ref && ref.module !== 'global' && ref.path.length <= 1 && (summary.heldImports?.length ?? 0) < 8) (summary.heldImports ??= []).push({ holder, module: ref.module, name: ref.path[0] ?? 'default' });
        }
      }
      // `main()`, `bootstrap().catch(...)`, `void start()` at the top level run once when the module loads.
      if (classes.length === 0 && ts.isCallExpression(node)) {
        const ref = refOf(node.expression);
        if (ref && (ref.kind === 'local' || ref.kind === 'import')) {
          summary.registered.push({ ref, kind: 'once', reason: 'called at the top level of its module: runs once at load' });
          summary.runsAtLoad = true;
        }
      }
      // `export const sampler = new LagSampler()`: a module singleton, its constructor runs once at load.
      const made = classes.length === 0 && ts.isNewExpression(node) ? constructorRef(node) : undefined;
      if (made) summary.registered.push({ ref: made, kind: 'once', reason: 'constructed at the top level of its module (a module singleton): runs once at load' });
      return;
    }
    const fnSummary = frame.summary;
    // `new Session(socket)` runs Session's constructor as often as this function runs.
    const made = ts.isNewExpression(node) ? constructorRef(node) : undefined;
    if (made) fnSummary.calls.push({ ref: made, line: lineOf(node), inLoop: frame.loops > 0, ...(frame.endless > 0 ? { endless: true } : {}), argc: (node as ts.NewExpression).arguments?.length ?? 0 });
    if (!ts.isTaggedTemplateExpression(node)) {
      for (const argument of node.arguments ?? []) {
        const inner = skipOuter(argument);
        if (!ts.isIdentifier(inner)) continue;
        const ref = scope.resolve(inner);
        const name = ref?.path[0] ?? 'default';
        if (!ref || ref.module === 'global' || ref.path.length > 1 || (fnSummary.handsOn?.length ?? 0) >= 6) continue;
        if (!fnSummary.handsOn?.some((p) => p.module === ref.module && p.name === name)) (fnSummary.handsOn ??= []).push({ module: ref.module, name, line: lineOf(node) });
      }
    }
    const construction = ts.isTaggedTemplateExpression(node) ? undefined : (clientConstructionIn(node, frame.fn, scope, sourceFile) ?? (ts.isNewExpression(node) ? agentConstructionIn(node, frame.fn, scope, sourceFile) : undefined));
    if (construction) (fnSummary.constructs ??= []).push(construction);
    const outcome = classifyCall(node, context);
    if (outcome?.kind === 'io') {
      // Bounded, but a write is never the one left out: a read-then-write function is a write (link.ts writes).
      if (fnSummary.direct.length < 8) fnSummary.direct.push({ ...outcome.effect, line: lineOf(node) });
      else if (outcome.effect.access === 'write' && !fnSummary.direct.some((e) => e.access === 'write')) fnSummary.direct[7] = { ...outcome.effect, line: lineOf(node) };
    } else if (outcome?.kind === 'call') {
      const said = ts.isNewExpression(node) || !hasStringArgument(node) ? undefined : accessOfCall(node);
      const access = said && (said.source === 'rpc' || said.source === 'sql') && said.access !== 'unknown' ? { access: said.access } : {};
      const returned = !ts.isTaggedTemplateExpression(node) && flowsToReturn(node, frame.fn) ? { returned: true } : {};
      const root = ts.isTaggedTemplateExpression(node) ? undefined : receiverRoot(node.expression);
      const receiver = root && summary.values[root] ? { receiver: root } : {};
      const flags = ts.isCallExpression(node) ? flagArguments(node) : undefined;
      // The argument count matters to flags.ts only when it leaves a parameter out: `snapshot(id)` vs `snapshot(id, true)`.
      const argc = ts.isCallExpression(node) || ts.isNewExpression(node) ? (node.arguments?.length ?? 0) : 0;
      const numbers = ts.isTaggedTemplateExpression(node) ? undefined : numberArguments(node);
      const collections = ts.isTaggedTemplateExpression(node) || !node.arguments?.length ? undefined : passedCollections(node, collectionOracle, sourceFile, summary.file);
      const decorator = ts.isDecorator(node.parent) ? { decorator: true } : {};
      fnSummary.calls.push({ ref: outcome.ref, line: lineOf(node), inLoop: frame.loops > 0, ...(frame.endless > 0 ? { endless: true } : {}), ...access, ...returned, ...receiver, ...(flags ?? { argc }), ...(numbers ? { numbers } : {}), ...decorator, ...(collections ? { collections } : {}) });
      if (!ts.isNewExpression(node) && !ts.isTaggedTemplateExpression(node) && node.arguments.some((a) => ts.isArrowFunction(a) || ts.isFunctionExpression(a))) callRefs.set(node, outcome.ref);
      // A member of a factory's result or a callback's parameter that the linker may not resolve: its name is
      // still evidence, as it was before the model could follow such values.
      // A field's member the linker may not find (`this.repo.model.findMany()` on a wrapper class) likewise.
      if (outcome.ref.kind === 'returned' || outcome.ref.kind === 'passed' || outcome.ref.kind === 'field') {
        const name = opaqueIoName(node, sourceFile);
        if (name) (fnSummary.opaqueIfUnresolved ??= {})[refKey(outcome.ref)] = name;
        if (name) noteOpaqueWrite(fnSummary, node, name);
      }
    } else if (outcome?.kind === 'limiter') {
      fnSummary.limiter ??= outcome.via;
    } else if (!outcome && fnSummary.opaque.length < 4) {
      const name = opaqueIoName(node, sourceFile);
      if (name && !fnSummary.opaque.includes(name)) fnSummary.opaque.push(name);
      if (name) noteOpaqueWrite(fnSummary, node, name);
    }
    // `$tx(fn) { return this.$transaction(async (tx) => fn(tx)) }`: the function runs its callback parameter inside
    // a transaction, so the callbacks its callers give it are in one (link.ts).
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression)) {
      const called = node.expression.text;
      const ownerIndex = frames.findIndex((f) => f.fn.parameters.some((p) => ts.isIdentifier(p.name) && p.name.text === called));
      const owner = frames[ownerIndex];
      if (owner && frames.slice(ownerIndex + 1).some((f) => f.summary.transactionCallback)) {
        const parameter = owner.fn.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === called);
        const params = (owner.summary.txCallbackParams ??= []);
        if (!params.includes(parameter)) params.push(parameter);
      }
    }
    // `work(pool)` where `work` is a parameter: the handles this function hands its callback (callbacks.ts).
    if (!outcome && ts.isCallExpression(node) && ts.isIdentifier(node.expression)) {
      const owner = frames.find((f) => f.fn.parameters.some((p) => ts.isIdentifier(p.name) && p.name.text === (node.expression as ts.Identifier).text));
      for (const [parameter, argument, held] of owner ? passedHandles(node, owner.fn, context) : []) {
        const byParameter = ((owner as Frame).summary.passes ??= {});
        (byParameter[parameter] ??= {})[argument] ??= held;
      }
    }
  };

  type Open = { end: number; kind: 'class' | 'fn' | 'loop' | 'catch'; frame?: Frame; endless?: boolean };
  const open: Open[] = [];
  const close = (entry: Open): void => {
    if (entry.kind === 'class') classes.pop();
    else if (entry.kind === 'fn' && entry.frame) {
      frames.pop();
      leave(entry.frame);
    } else if (entry.kind === 'loop') {
      const frame = frames[frames.length - 1];
      if (frame) frame.loops -= 1;
      if (frame && entry.endless) frame.endless -= 1;
    } else {
      const frame = frames[frames.length - 1];
      if (frame) frame.catches -= 1;
    }
  };
  const interesting = interestingKinds();
  for (const node of nodes) {
    // Most nodes are identifiers, tokens and plain expressions: one array read skips them.
    if (interesting[node.kind] !== 1 || node === sourceFile) continue;
    while (open.length > 0 && node.pos >= (open[open.length - 1] as Open).end) close(open.pop() as Open);
    if (ts.isClassLike(node)) {
      classes.push(node.name?.text ?? classes[classes.length - 1]);
      open.push({ end: node.end, kind: 'class' });
      continue;
    }
    if (isSummarised(node)) {
      const frame = enter(node);
      frames.push(frame);
      open.push({ end: node.end, kind: 'fn', frame });
      continue;
    }
    const frame = frames[frames.length - 1];
    if (ts.isCallExpression(node) || ts.isNewExpression(node) || ts.isTaggedTemplateExpression(node)) onCall(node, frame);
    if (!frame) continue;
    if (ts.isThrowStatement(node) && frame.catches === 0) frame.throws = true;
    else if (ts.isReturnStatement(node) && node.expression) {
      frame.returnsValue = true;
      noteReturn(frame.summary, frame.fn, node.expression);
    }
    else if (isLoopNode(node)) {
      frame.loops += 1;
      const endless = isEndlessLoop(node);
      if (endless) frame.endless += 1;
      open.push({ end: node.end, kind: 'loop', endless });
    } else if (ts.isCatchClause(node)) {
      frame.catches += 1;
      open.push({ end: node.end, kind: 'catch' });
    }
  }
  while (open.length > 0) close(open.pop() as Open);
  for (const [name, key] of Object.entries(summary.locals)) if (key === PENDING_LOCAL) delete summary.locals[name];
  if (DEFAULTS_TEXT.test(sourceFile.text)) noteConfiguredImports(summary, nodes, scope, lineOf);
  markMigrations(summary, sourceFile);
  markCommandModule(summary, sourceFile);
  return summary;
}

/**
 * An opaque call awaited or returned whose own name is a write (`await store.saveAccount(a)`): the function's work
 * may write there (link.ts, WriteFact `assumed`). A call that is not awaited (`res.setEncoding('utf8')`) is no
 * such evidence: it is a setting on an object, not work the function waits for.
 */
function noteOpaqueWrite(fnSummary: FunctionSummary, node: ts.CallExpression | ts.NewExpression | ts.TaggedTemplateExpression, name: string): void {
  if ((fnSummary.opaqueWrites?.length ?? 0) >= 4 || fnSummary.opaqueWrites?.includes(name) || !isAssumedWriteName(name)) return;
  let current: ts.Node = node;
  while (ts.isParenthesizedExpression(current.parent)) current = current.parent;
  const parent = current.parent;
  const waited = ts.isAwaitExpression(parent) || ts.isReturnStatement(parent) || (ts.isArrowFunction(parent) && parent.body === current);
  if (waited) (fnSummary.opaqueWrites ??= []).push(name);
}

/** `x.defaults.httpsAgent = ...`: only files that say it get the extra look at assignments. */
const DEFAULTS_TEXT = /\.defaults\s*\.\s*(?:httpAgent|httpsAgent|agent|dispatcher)\b|Object\.assign\(\s*\w+\.defaults\b/;
const DEFAULT_KEYS = new Set(['httpAgent', 'httpsAgent', 'agent', 'dispatcher']);

/** `api.defaults.httpsAgent = agent` (or `Object.assign(api.defaults, { httpsAgent })`) on an imported `api`: the value is configured in this file, not where it is built. */
function noteConfiguredImports(summary: FileSummary, nodes: readonly ts.Node[], scope: ImportScope, lineOf: (node: ts.Node) => number): void {
  const note = (holder: ts.Expression, key: string, at: ts.Node): void => {
    const inner = skipOuter(holder);
    const ref = ts.isIdentifier(inner) ? scope.resolve(inner) : undefined;
    if (!ref || ref.module === 'global' || ref.path.length > 1 || (summary.configures?.length ?? 0) >= 8) return;
    (summary.configures ??= []).push({ module: ref.module, name: ref.path[0] ?? 'default', key, line: lineOf(at) });
  };
  for (const node of nodes) {
    // `Object.assign(api.defaults, { httpsAgent })`
    if (ts.isCallExpression(node) && node.expression.getText() === 'Object.assign' && node.arguments.length >= 2) {
      const target = skipOuter(node.arguments[0] as ts.Expression);
      if (!ts.isPropertyAccessExpression(target) || target.name.text !== 'defaults') continue;
      for (const source of node.arguments.slice(1)) {
        const object = skipOuter(source);
        if (!ts.isObjectLiteralExpression(object)) continue;
        for (const property of object.properties) {
          const key = property.name && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name)) ? property.name.text : undefined;
          if (key && DEFAULT_KEYS.has(key)) note(target.expression, key, node);
        }
      }
      continue;
    }
    if (!ts.isBinaryExpression(node) || node.operatorToken.kind < ts.SyntaxKind.FirstAssignment || node.operatorToken.kind > ts.SyntaxKind.LastAssignment) continue;
    const left = skipOuter(node.left);
    if (!ts.isPropertyAccessExpression(left) || !DEFAULT_KEYS.has(left.name.text)) continue;
    const defaults = skipOuter(left.expression);
    if (!ts.isPropertyAccessExpression(defaults) || defaults.name.text !== 'defaults') continue;
    note(defaults.expression, left.name.text, node);
  }
}

/** `() => async () => ...`, `return async function () {...}`: a function its enclosing function returns. */
function isReturnedFunction(fn: ts.Node): boolean {
  let current = fn;
  while (current.parent && (ts.isParenthesizedExpression(current.parent) || ts.isAsExpression(current.parent) || ts.isSatisfiesExpression(current.parent))) current = current.parent;
  const parent = current.parent;
  if (!parent) return false;
  if (ts.isArrowFunction(parent) && parent.body === current) return true;
  return ts.isReturnStatement(parent) && parent.expression === current;
}

/** Node kinds the summary looks at, indexed by kind (filled on first use: the compiler loads lazily). */
const INTERESTING: number[] = [];
function interestingKinds(): number[] {
  if (INTERESTING.length > 0) return INTERESTING;
  for (const kind of [
  ts.SyntaxKind.ClassDeclaration, ts.SyntaxKind.ClassExpression, ts.SyntaxKind.FunctionDeclaration, ts.SyntaxKind.MethodDeclaration,
  ts.SyntaxKind.Constructor, ts.SyntaxKind.GetAccessor, ts.SyntaxKind.SetAccessor, ts.SyntaxKind.ArrowFunction, ts.SyntaxKind.FunctionExpression,
  ts.SyntaxKind.CallExpression, ts.SyntaxKind.NewExpression, ts.SyntaxKind.TaggedTemplateExpression, ts.SyntaxKind.ThrowStatement,
  ts.SyntaxKind.ReturnStatement, ts.SyntaxKind.ForStatement, ts.SyntaxKind.ForOfStatement, ts.SyntaxKind.ForInStatement,
  ts.SyntaxKind.WhileStatement, ts.SyntaxKind.DoStatement, ts.SyntaxKind.CatchClause,
  ]) INTERESTING[kind] = 1;
  return INTERESTING;
}

/** The top-level `const x = <call>` whose initializer is this call (through parentheses, `await`, `as`). */
function topLevelHolderOf(node: ts.Node): string | undefined {
  let current = node;
  while (current.parent && (ts.isParenthesizedExpression(current.parent) || ts.isAwaitExpression(current.parent) || ts.isAsExpression(current.parent) || ts.isNonNullExpression(current.parent))) current = current.parent;
  const parent = current.parent;
  return parent && ts.isVariableDeclaration(parent) && parent.initializer === current && ts.isIdentifier(parent.name) && isTopLevelDeclaration(parent) ? parent.name.text : undefined;
}

/** `repo` in `repo.list()` or `repo.items.find()`. */
function receiverRoot(callee: ts.Expression): string | undefined {
  let current = skipOuter(callee);
  if (!ts.isPropertyAccessExpression(current)) return undefined;
  while (ts.isPropertyAccessExpression(current)) current = skipOuter(current.expression);
  return ts.isIdentifier(current) ? current.text : undefined;
}

function hasStringArgument(call: ts.CallExpression | ts.TaggedTemplateExpression): boolean {
  if (ts.isTaggedTemplateExpression(call)) return true;
  const first = call.arguments[0];
  return first !== undefined && (ts.isStringLiteralLike(first) || ts.isTemplateExpression(first) || ts.isObjectLiteralExpression(first));
}

function isSummarised(node: ts.Node): node is ts.SignatureDeclaration {
  return (
    (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node)) &&
    (node as ts.FunctionLikeDeclaration).body !== undefined
  );
}

function enclosingClassName(fn: ts.Node): string | undefined {
  for (let current = fn.parent; current; current = current.parent) {
    if (ts.isClassLike(current)) return current.name?.text;
    if (ts.isSourceFile(current)) return undefined;
  }
  return undefined;
}

/** `function f`, `const f = () =>`, `const o = { m() {} }` (as `o.m`) at the top level. */
/** Marks a top-level function's name as a local before its body is summarised (its key is not known yet). */
const PENDING_LOCAL = '\u0000pending';

/** The functions topLevelName() names: declarations, `const f = () => ...` and `const o = { m() {} }` at the top level. */
function topLevelFunctions(sourceFile: ts.SourceFile): ts.SignatureDeclaration[] {
  const found: ts.SignatureDeclaration[] = [];
  const consider = (node: ts.Node | undefined): void => {
    if (node && isSummarised(node)) found.push(node);
  };
  for (const statement of sourceFile.statements) {
    if (ts.isFunctionDeclaration(statement)) consider(statement);
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      const value = declaration.initializer;
      consider(value);
      // `cache(async (...) => ...)`: the wrapped function (requestCacheWrapper).
      if (value && ts.isCallExpression(value)) consider(value.arguments[0]);
      if (!value || !ts.isObjectLiteralExpression(value)) continue;
      for (const property of value.properties) consider(ts.isPropertyAssignment(property) ? property.initializer : property);
    }
  }
  return found;
}

function topLevelName(fn: ts.SignatureDeclaration, scope: ImportScope): string | undefined {
  if (ts.isFunctionDeclaration(fn) && ts.isSourceFile(fn.parent) && fn.name) return fn.name.text;
  const wrapped = requestCacheWrapper(fn, scope);
  if (wrapped) return wrapped;
  const parent = fn.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name) && parent.initializer === fn && isTopLevelDeclaration(parent)) return parent.name.text;
  if (parent && (ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(fn)) && ts.isObjectLiteralExpression(ts.isPropertyAssignment(parent) ? parent.parent : fn.parent)) {
    const object = ts.isPropertyAssignment(parent) ? parent.parent : fn.parent;
    const holder = object.parent;
    const member = propertyName(ts.isPropertyAssignment(parent) ? parent.name : (fn as ts.MethodDeclaration).name);
    if (member && holder && ts.isVariableDeclaration(holder) && ts.isIdentifier(holder.name) && isTopLevelDeclaration(holder)) return `${holder.name.text}.${member}`;
  }
  return undefined;
}

/**
 * `export const getUser = cache(async (id) => ...)` with React's `cache`: a memo for one request's render, so the
 * first call in each request runs the wrapped function. The name stands for that function.
 */
function requestCacheWrapper(fn: ts.SignatureDeclaration, scope: ImportScope): string | undefined {
  if (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn)) return undefined;
  const call = fn.parent;
  if (!call || !ts.isCallExpression(call) || call.arguments[0] !== fn) return undefined;
  const holder = call.parent;
  if (!holder || !ts.isVariableDeclaration(holder) || holder.initializer !== call || !ts.isIdentifier(holder.name) || !isTopLevelDeclaration(holder)) return undefined;
  const ref = scope.resolve(call.expression);
  return ref?.module === 'react' && ref.path.at(-1) === 'cache' ? holder.name.text : undefined;
}

function isTopLevelDeclaration(declaration: ts.VariableDeclaration): boolean {
  return ts.isVariableDeclarationList(declaration.parent) && ts.isVariableStatement(declaration.parent.parent) && ts.isSourceFile(declaration.parent.parent.parent);
}

function hasExportModifier(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function hasDefaultModifier(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
}

function collectTopLevel(statement: ts.Statement, summary: FileSummary, scope: ImportScope, sourceFile: ts.SourceFile): void {
  if (ts.isClassDeclaration(statement) && statement.name) {
    summary.classes[statement.name.text] = summarizeClass(statement, scope, undefined, summary.values);
    if (hasExportModifier(statement)) summary.exports[hasDefaultModifier(statement) ? 'default' : statement.name.text] = statement.name.text;
    return;
  }
  // `type OrderRepository = { findOrder(id): Promise<Order> }`: an object type classes implement, as an interface.
  if (ts.isInterfaceDeclaration(statement) || (ts.isTypeAliasDeclaration(statement) && ts.isTypeLiteralNode(statement.type))) {
    if (!(summary.interfaces ??= []).includes(statement.name.text)) summary.interfaces.push(statement.name.text);
    if (hasExportModifier(statement)) summary.exports[hasDefaultModifier(statement) ? 'default' : statement.name.text] = statement.name.text;
    return;
  }
  if (ts.isFunctionDeclaration(statement) && statement.name && hasExportModifier(statement)) {
    summary.exports[hasDefaultModifier(statement) ? 'default' : statement.name.text] = statement.name.text;
    return;
  }
  if (ts.isVariableStatement(statement)) {
    const exported = hasExportModifier(statement);
    for (const declaration of statement.declarationList.declarations) {
      if (!ts.isIdentifier(declaration.name)) {
        // `const { getSession } = createCookieSessionStorage(...)`: every part of an in-memory value is in memory.
        const held = declaration.initializer ? heldValueOfExpression(declaration.initializer, scope, summary.classes, summary.values) : undefined;
        if (held?.kind === 'memory' && ts.isObjectBindingPattern(declaration.name)) {
          for (const element of declaration.name.elements) if (ts.isIdentifier(element.name)) summary.values[element.name.text] = held;
        }
        continue;
      }
      const name = declaration.name.text;
      if (exported) summary.exports[name] = name;
      const held = declaration.initializer ? heldValueOfExpression(declaration.initializer, scope, summary.classes, summary.values) : declaration.type ? heldValueOfType(declaration.type, scope) : undefined;
      if (held) summary.values[name] = held;
      // `const service = new class { ... }` is rare; classes assigned to a const are summarised by name.
      if (declaration.initializer && ts.isClassExpression(skipOuter(declaration.initializer))) {
        summary.classes[name] = summarizeClass(skipOuter(declaration.initializer) as ts.ClassExpression, scope, name);
      }
    }
    return;
  }
  if (ts.isExportAssignment(statement)) {
    const expression = skipOuter(statement.expression);
    if (ts.isIdentifier(expression)) summary.exports.default = expression.text;
    else {
      const held = heldValueOfExpression(expression as ts.Expression, scope, summary.classes);
      if (held) {
        summary.values['default'] = held;
        summary.exports.default = 'default';
      }
    }
    return;
  }
  if (ts.isExportDeclaration(statement)) {
    const module = statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier) ? statement.moduleSpecifier.text : undefined;
    const clause = statement.exportClause;
    if (!clause) {
      if (module) summary.reexports.push({ module, name: '*', as: '*' });
      return;
    }
    if (ts.isNamedExports(clause)) {
      for (const element of clause.elements) {
        const local = (element.propertyName ?? element.name).text;
        if (module) summary.reexports.push({ module, name: local, as: element.name.text });
        else summary.exports[element.name.text] = local;
      }
    } else if (module) {
      summary.reexports.push({ module, name: '*', as: clause.name.text });
    }
  }
  // `module.exports = { a, b }` / `exports.a = a`
  if (ts.isExpressionStatement(statement) && ts.isBinaryExpression(statement.expression) && statement.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(statement.expression.left)) {
    const left = statement.expression.left;
    const right = skipOuter(statement.expression.right);
    const leftText = left.getText(sourceFile);
    if (leftText === 'module.exports' && ts.isObjectLiteralExpression(right)) {
      for (const property of right.properties) {
        if (ts.isShorthandPropertyAssignment(property)) summary.exports[property.name.text] = property.name.text;
        else if (ts.isPropertyAssignment(property) && ts.isIdentifier(property.initializer)) {
          const name = propertyName(property.name);
          if (name) summary.exports[name] = property.initializer.text;
        }
      }
    } else if (leftText === 'module.exports' && ts.isIdentifier(right)) {
      summary.exports.default = right.text;
    } else if (/^(module\.)?exports\.\w+$/.test(leftText) && ts.isIdentifier(right)) {
      summary.exports[leftText.split('.').pop() ?? ''] = right.text;
    }
  }
}

function summarizeClass(node: ts.ClassLikeDeclaration, scope: ImportScope, nameOverride?: string, values: Record<string, HeldValue> = {}): ClassSummary {
  const summary: ClassSummary = { name: nameOverride ?? node.name?.text ?? '<class>', fields: record(), methods: record() };
  if ((ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.AbstractKeyword)) summary.abstract = true;
  for (const clause of node.heritageClauses ?? []) {
    if (clause.token === ts.SyntaxKind.ImplementsKeyword) {
      for (const type of clause.types) {
        const held = heldValueOfClassExpression(type.expression, scope);
        if (held?.kind === 'class' && held.ref.kind !== 'named' && (summary.implements?.length ?? 0) < 4) (summary.implements ??= []).push(held.ref);
      }
      continue;
    }
    if (clause.token !== ts.SyntaxKind.ExtendsKeyword) continue;
    const base = clause.types[0]?.expression;
    if (base) {
      const held = heldValueOfClassExpression(base, scope);
      if (held) summary.extends = held;
      const agent = agentClassOf(base, scope);
      if (agent) summary.agentBase = agent;
    }
  }
  for (const member of node.members) {
    if (ts.isConstructorDeclaration(member)) {
      for (const parameter of member.parameters) {
        if (!ts.isIdentifier(parameter.name)) continue;
        const isProperty = (ts.getModifiers(parameter) ?? []).some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.PublicKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword || m.kind === ts.SyntaxKind.ReadonlyKeyword);
        // `constructor(private readonly producer = kafka.producer())`: an untyped default says what it holds.
        const held = heldValueOfDecorators(parameter, scope) ?? (parameter.type ? heldValueOfType(parameter.type, scope) : undefined) ?? heldValueOfInjection(parameter, scope) ?? (parameter.initializer ? heldValueOfExpression(parameter.initializer, scope, {}) : undefined);
        if (held && isProperty) summary.fields[parameter.name.text] = held;
        // `constructor(http) { this.http = http }` is matched below by the assignment of a parameter.
        if (held && !isProperty && member.body) {
          for (const statement of member.body.statements) {
            const assigned = thisAssignment(statement);
            if (assigned && ts.isIdentifier(assigned.value) && assigned.value.text === parameter.name.text) summary.fields[assigned.field] = held;
          }
        }
      }
      if (member.body) {
        for (const statement of member.body.statements) {
          const assigned = thisAssignment(statement);
          if (!assigned || summary.fields[assigned.field]) continue;
          const held = heldValueOfExpression(assigned.value, scope, {});
          if (held) summary.fields[assigned.field] = held;
        }
      }
    } else if (ts.isPropertyDeclaration(member) && member.name && ts.isIdentifier(member.name)) {
      const held = heldValueOfDecorators(member, scope) ?? (member.type ? heldValueOfType(member.type, scope) : undefined) ?? (member.initializer ? heldValueOfExpression(member.initializer, scope, {}) : undefined) ?? heldValueOfInjection(member, scope);
      if (held) summary.fields[member.name.text] = held;
    }
  }
  // After every field is known (a declared `repo: PrismaRepository<T>` may come before or after the constructor).
  const ctor = node.members.find((m): m is ts.ConstructorDeclaration => ts.isConstructorDeclaration(m) && m.body !== undefined);
  for (const statement of ctor?.body?.statements ?? []) {
    const assigned = thisAssignment(statement);
    const held = assigned ? summary.fields[assigned.field] : undefined;
    if (ctor && assigned && held?.kind === 'class') summary.fields[assigned.field] = withWrappedHandle(held, assigned.value, ctor, summary, scope, values);
  }
  return summary;
}

/**
 * `this.repo = new PrismaRepository(prisma.user)`: a project class built with an I/O handle (a module value, a
 * constructor parameter or a field holding one, or a member of it) wraps that handle.
 */
function withWrappedHandle(held: Extract<HeldValue, { kind: 'class' }>, value: ts.Expression, ctor: ts.ConstructorDeclaration, summary: ClassSummary, scope: ImportScope, values: Record<string, HeldValue>): HeldValue {
  const construction = skipOuter(value);
  if (!ts.isNewExpression(construction)) return held;
  for (const argument of construction.arguments ?? []) {
    let root: ts.Node = skipOuter(argument);
    while (ts.isPropertyAccessExpression(root) && root.expression.kind !== ts.SyntaxKind.ThisKeyword) root = skipOuter(root.expression);
    let handle: HeldValue | undefined;
    if (ts.isPropertyAccessExpression(root)) handle = summary.fields[root.name.text];
    else if (ts.isIdentifier(root)) {
      const parameter = ctor.parameters.find((p) => ts.isIdentifier(p.name) && p.name.text === (root as ts.Identifier).text);
      handle = parameter ? (parameter.type ? heldValueOfType(parameter.type, scope) : undefined) : (values[root.text] ?? heldValueOfExpression(root, scope, {}));
    }
    if (handle && (handle.kind === 'io' || handle.kind === 'returned' || (handle.kind === 'class' && handle.ref.kind !== 'named' && !handle.wraps))) return { ...held, wraps: handle };
  }
  return held;
}

function thisAssignment(statement: ts.Statement): { field: string; value: ts.Expression } | undefined {
  if (!ts.isExpressionStatement(statement)) return undefined;
  const expression = statement.expression;
  if (!ts.isBinaryExpression(expression) || expression.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return undefined;
  const left = expression.left;
  if (!ts.isPropertyAccessExpression(left) || left.expression.kind !== ts.SyntaxKind.ThisKeyword) return undefined;
  return { field: left.name.text, value: expression.right };
}

/** NestJS injection decorators that say what a parameter holds regardless of its declared type. */
function heldValueOfDecorators(node: ts.Node, scope: ImportScope): HeldValue | undefined {
  if (!ts.canHaveDecorators(node)) return undefined;
  for (const decorator of ts.getDecorators(node) ?? []) {
    const expression = ts.isCallExpression(decorator.expression) ? decorator.expression.expression : decorator.expression;
    if (!ts.isIdentifier(expression)) continue;
    const ref = scope.resolve(expression);
    const name = expression.text;
    // NestJS, Midway (`@InjectEntityModel`), and the community modules for knex, Sequelize, MikroORM, Prisma, Drizzle.
    if (/^Inject(Repository|EntityManager|DataSource|Connection|Knex|Model|EntityModel|EntityRepository|Sequelize|MikroORM|Prisma|PrismaClient|Drizzle|Kysely|Mongo|Db|Database)$/.test(name)) {
      return { kind: 'io', io: 'database', module: ref?.module ?? '@nestjs/typeorm' };
    }
    if (name === 'InjectRedis' || name === 'InjectCache' || name === 'InjectCacheManager') return { kind: 'io', io: 'cache', module: ref?.module ?? 'ioredis' };
    if (name === 'InjectQueue' || name === 'InjectFlowProducer') return { kind: 'io', io: 'queue', module: ref?.module ?? 'bullmq' };
    if (name === 'Inject' && ts.isCallExpression(decorator.expression)) {
      const token = decorator.expression.arguments[0];
      if (token && ts.isIdentifier(token) && token.text === 'CACHE_MANAGER') return { kind: 'io', io: 'cache', module: 'cache-manager' };
    }
  }
  return undefined;
}

/**
 * An injection the declared type does not explain: `@Inject(PrismaService) private prisma` (the token is the
 * class), or an untyped `@Inject() userRepository` (Egg, Midway and TypeDI resolve it by the property name:
 * the class `UserRepository`, found wherever the project declares it).
 */
function heldValueOfInjection(node: ts.ParameterDeclaration | ts.PropertyDeclaration, scope: ImportScope): HeldValue | undefined {
  if (!ts.canHaveDecorators(node)) return undefined;
  for (const decorator of ts.getDecorators(node) ?? []) {
    const call = decorator.expression;
    const callee = ts.isCallExpression(call) ? call.expression : call;
    if (!ts.isIdentifier(callee) || !/^(Inject|Autowired|Autoload|InjectService)$/.test(callee.text)) continue;
    const token = ts.isCallExpression(call) ? call.arguments[0] : undefined;
    // A class as the token (`Inject(DataSource)`); constants (`KNEX_CONNECTION`) and strings name no class.
    if (token && ts.isIdentifier(token) && /^[A-Z][a-z]/.test(token.text)) return heldValueOfClassExpression(token, scope);
    if (!token && !node.type && ts.isIdentifier(node.name)) {
      const name = node.name.text;
      return { kind: 'class', ref: { kind: 'named', name: name.charAt(0).toUpperCase() + name.slice(1) } };
    }
  }
  return undefined;
}

function heldValueOfClassExpression(expression: ts.Expression, scope: ImportScope): HeldValue | undefined {
  const ref = scope.resolve(expression);
  if (ref) {
    const fake = heldValueOfModuleRef(ref.module, ref.path);
    if (fake) return fake;
  }
  if (ts.isIdentifier(expression)) return { kind: 'class', ref: { kind: 'local', name: expression.text } };
  return undefined;
}


/** A member call the model cannot follow whose name reads as I/O (`client.fetchUser`), as written. */
function opaqueIoName(node: ts.CallExpression | ts.NewExpression | ts.TaggedTemplateExpression, sourceFile: ts.SourceFile): string | undefined {
  if (!ts.isCallExpression(node)) return undefined;
  const callee = skipOuter(node.expression);
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const receiver = skipOuter(callee.expression);
  if (ts.isIdentifier(receiver) && /^(Promise|JSON|Math|Object|Array|Number|String|Date|Buffer|console|Reflect|Symbol|BigInt|process|path|util|crypto|logger|log|this)$/.test(receiver.text)) return undefined;
  const name = callee.name.text;
  if (/^(then|catch|finally|map|filter|reduce|forEach|push|pop|shift|unshift|slice|splice|concat|join|split|includes|indexOf|find|findIndex|some|every|keys|values|entries|has|get|set|add|delete|clear|toString|toJSON|trim|replace|match|test|bind|call|apply|emit|on|once|debug|info|warn|error|trace|log|sort|flat|flatMap|fill|at)$/.test(name)) return undefined;
  const access = accessOfName(name);
  if (access === 'unknown') return undefined;
  const text = callee.getText(sourceFile).replace(/\s+/g, ' ');
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

interface Memo {
  slot: string;
  /** The slot holds the load's promise (an in-flight memo): callers during the first load await the same one. */
  promise: boolean;
}

/**
 * The field (or module variable) a function memoises its result in:
 *  - `if (this.x) return this.x; ... this.x = await load()`, also with more in the guard (a TTL:
 *    `if (this.x && Date.now() - this.at < TTL) return this.x`);
 *  - `if (!this.p) { this.p = load(); } return this.p` (a promise memo: later callers await the same load);
 *  - `return this.x ??= load()`, `this.x ??= load(); return this.x`;
 *  - the same on a class's static slot (`if (X.instance) return X.instance; X.instance = new X(...)`).
 */
const RUN_FLAG = /^(running|isRunning|alive|active|enabled|polling|started|stopped|isStopped|stopping|shuttingDown|shutdown|closed|isClosed|done|cancelled|aborted)$/;

/**
 * A loop meant to run until the process stops: `while (true)`, `for (;;)`, `do ... while (true)`, or one whose
 * whole condition is a run flag (`while (this.running)`, `while (!stopped)`, `while (!signal.aborted)`).
 */
function isEndlessLoop(node: ts.Node): boolean {
  if (ts.isForStatement(node)) return node.condition === undefined || node.condition.kind === ts.SyntaxKind.TrueKeyword;
  if (!ts.isWhileStatement(node) && !ts.isDoStatement(node)) return false;
  let condition = skipOuter(node.expression);
  if (condition.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (ts.isPrefixUnaryExpression(condition) && condition.operator === ts.SyntaxKind.ExclamationToken) condition = skipOuter(condition.operand);
  const name = ts.isIdentifier(condition) ? condition.text : ts.isPropertyAccessExpression(condition) ? condition.name.text : undefined;
  return name !== undefined && RUN_FLAG.test(name);
}

const GLOBAL_OBJECTS = new Set(['global', 'globalThis', 'window', 'self']);
const globalAliases = new TreeMemo<Set<string>>();

/** `global`, `globalThis`, or a module-level name bound to one (`const g = global as unknown as { db?: Db }`). */
function isGlobalObject(expression: ts.Expression): boolean {
  const inner = skipOuter(expression);
  if (!ts.isIdentifier(inner)) return false;
  if (GLOBAL_OBJECTS.has(inner.text)) return true;
  const sourceFile = inner.getSourceFile();
  const memo = globalAliases.of(sourceFile);
  let aliases = memo.get(sourceFile);
  if (!aliases) {
    aliases = new Set();
    for (const statement of sourceFile.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      for (const declaration of statement.declarationList.declarations) {
        const value = declaration.initializer ? skipOuter(declaration.initializer) : undefined;
        if (ts.isIdentifier(declaration.name) && value && ts.isIdentifier(value) && GLOBAL_OBJECTS.has(value.text)) aliases.add(declaration.name.text);
      }
    }
    memo.set(sourceFile, aliases);
  }
  return aliases.has(inner.text);
}

function memoOf(body: ts.Node): Memo | undefined {
  if (!ts.isBlock(body)) return undefined;
  const guarded = new Set<string>();
  let memo: Memo | undefined;
  const targetText = (expression: ts.Expression): string | undefined => {
    const inner = skipOuter(expression);
    if (ts.isPropertyAccessExpression(inner) && inner.expression.kind === ts.SyntaxKind.ThisKeyword) return `this.${inner.name.text}`;
    // A slot on the global object (`global.engine`, `(globalThis as any).db`, `g.x` with `const g = global as ...`):
    // one per process, the hot-reload-proof singleton of Next.js and Prisma set-ups.
    if (ts.isPropertyAccessExpression(inner) && isGlobalObject(inner.expression)) return `globalThis.${inner.name.text}`;
    // A class's static slot (`RateLimiter.instance`), the getInstance() singleton.
    if (ts.isPropertyAccessExpression(inner) && ts.isIdentifier(inner.expression) && /^[A-Z]/.test(inner.expression.text)) return `${inner.expression.text}.${inner.name.text}`;
    if (ts.isIdentifier(inner)) return inner.text;
    if (ts.isAwaitExpression(inner)) return targetText(inner.expression);
    if (ts.isBinaryExpression(inner) && [ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken].includes(inner.operatorToken.kind)) return targetText(inner.left);
    return undefined;
  };
  /** `this.x` and names a condition reads. */
  const mentioned = (condition: ts.Node): Set<string> => {
    const found = new Set<string>();
    const visit = (node: ts.Node): void => {
      const target = ts.isPropertyAccessExpression(node) || ts.isIdentifier(node) ? targetText(node as ts.Expression) : undefined;
      if (target) found.add(target);
      if (!ts.isPropertyAccessExpression(node)) ts.forEachChild(node, visit);
    };
    visit(condition);
    return found;
  };
  const assignedIn = (node: ts.Node, targets: Set<string>): Memo | undefined => {
    let found: Memo | undefined;
    const visit = (current: ts.Node): void => {
      if (found || ts.isFunctionLike(current)) return;
      if (ts.isBinaryExpression(current) && current.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && current.operatorToken.kind <= ts.SyntaxKind.LastAssignment) {
        const target = targetText(current.left);
        if (target && targets.has(target)) found = { slot: target, promise: !ts.isAwaitExpression(skipOuter(current.right)) };
      }
      ts.forEachChild(current, visit);
    };
    visit(node);
    return found;
  };
  /** `this.p ??= load()` (or `||=`): the slot, and whether it holds the load's promise (the value not awaited). */
  const fillOnce = (expression: ts.Expression): Memo | undefined => {
    const inner = skipOuter(expression);
    if (!ts.isBinaryExpression(inner) || (inner.operatorToken.kind !== ts.SyntaxKind.QuestionQuestionEqualsToken && inner.operatorToken.kind !== ts.SyntaxKind.BarBarEqualsToken)) return undefined;
    const slot = targetText(inner.left);
    return slot ? { slot, promise: !ts.isAwaitExpression(skipOuter(inner.right)) } : undefined;
  };
  const returned = new Set<string>();
  for (const statement of body.statements) {
    if (ts.isReturnStatement(statement) && statement.expression) {
      const filled = fillOnce(statement.expression);
      if (filled) return filled;
      const target = targetText(skipOuter(statement.expression) as ts.Expression);
      if (target) returned.add(target);
    }
  }
  for (const statement of body.statements) {
    // `this.p ??= load(); return this.p`
    const filled = ts.isExpressionStatement(statement) ? fillOnce(statement.expression) : undefined;
    if (filled && returned.has(filled.slot)) return filled;
  }
  for (const statement of body.statements) {
    if (!ts.isIfStatement(statement)) continue;
    const names = mentioned(statement.expression);
    const then = ts.isBlock(statement.thenStatement) ? statement.thenStatement.statements[0] : statement.thenStatement;
    if (then && ts.isReturnStatement(then) && then.expression) {
      const target = targetText(then.expression);
      if (target && names.has(target)) guarded.add(target);
    }
    // `if (!this.p) this.p = load(); return this.p`: the slot holds what the assignment put there, a promise
    // unless it was awaited first.
    const filled = assignedIn(statement.thenStatement, names);
    if (filled && returned.has(filled.slot)) return filled;
  }
  if (guarded.size === 0) return keyed(body);
  const visit = (node: ts.Node): void => {
    if (memo) return;
    if (ts.isBinaryExpression(node) && node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && node.operatorToken.kind <= ts.SyntaxKind.LastAssignment) {
      const target = targetText(node.left);
      if (target && guarded.has(target)) memo = { slot: target, promise: false };
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
  return memo ?? keyed(body);
}

/** The function is a member of a class NestJS builds per request or per injection (`scope: Scope.REQUEST`). */
function requestScopedClass(fn: ts.Node): boolean {
  const cls = fn.parent;
  if (!cls || !ts.isClassLike(cls)) return false;
  return (ts.getDecorators(cls) ?? []).some((d) => /\bScope\.(REQUEST|TRANSIENT)\b/.test(d.expression.getText()));
}

/** `descriptor.value = function (...) {...}`: the function replaces a decorated method. */
function isDescriptorValue(fn: ts.Node): boolean {
  const parent = fn.parent;
  if (!parent || !ts.isBinaryExpression(parent) || parent.operatorToken.kind !== ts.SyntaxKind.EqualsToken || skipOuter(parent.right) !== fn) return false;
  const left = skipOuter(parent.left);
  return ts.isPropertyAccessExpression(left) && left.name.text === 'value';
}

function keyed(body: ts.Block): Memo | undefined {
  const slot = keyedMemoOf(body);
  return slot ? { slot, promise: false } : undefined;
}

/**
 * A memo keyed by the argument: `const hit = this.cache.get(id); if (hit) return hit; ... this.cache.set(id, v)`,
 * `if (cache.has(id)) return cache.get(id)`, `if (byId[id]) return byId[id]; ... byId[id] = v`. The store
 * (`this.cache[]`) names the memo: calls that reach the same store share it.
 */
function keyedMemoOf(body: ts.Block): string | undefined {
  const storeOf = (expression: ts.Node): string | undefined => {
    const inner = skipOuter(expression);
    const text = (node: ts.Expression): string | undefined => {
      const target = skipOuter(node);
      if (ts.isIdentifier(target)) return target.text;
      if (ts.isPropertyAccessExpression(target) && target.expression.kind === ts.SyntaxKind.ThisKeyword) return `this.${target.name.text}`;
      return undefined;
    };
    if (ts.isCallExpression(inner) && ts.isPropertyAccessExpression(inner.expression) && /^(get|has|peek)$/.test(inner.expression.name.text)) return text(inner.expression.expression);
    if (ts.isElementAccessExpression(inner)) return text(inner.expression);
    return undefined;
  };
  // Locals holding a store read: `const hit = this.cache.get(id)`.
  const readLocals = new Map<string, string>();
  for (const statement of body.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      const store = declaration.initializer ? storeOf(declaration.initializer) : undefined;
      if (store && ts.isIdentifier(declaration.name)) readLocals.set(declaration.name.text, store);
    }
  }
  const guarded = new Set<string>();
  for (const statement of body.statements) {
    if (!ts.isIfStatement(statement)) continue;
    const then = ts.isBlock(statement.thenStatement) ? statement.thenStatement.statements[0] : statement.thenStatement;
    if (!then || !ts.isReturnStatement(then) || !then.expression) continue;
    const visit = (node: ts.Node): void => {
      const store = storeOf(node) ?? (ts.isIdentifier(node) ? readLocals.get(node.text) : undefined);
      if (store) guarded.add(store);
      ts.forEachChild(node, visit);
    };
    visit(statement.expression);
  }
  if (guarded.size === 0) return undefined;
  let memo: string | undefined;
  const visit = (node: ts.Node): void => {
    if (memo) return;
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'set') {
      const receiver = skipOuter(node.expression.expression);
      const store = ts.isIdentifier(receiver) ? receiver.text : ts.isPropertyAccessExpression(receiver) && receiver.expression.kind === ts.SyntaxKind.ThisKeyword ? `this.${receiver.name.text}` : undefined;
      if (store && guarded.has(store)) memo = `${store}[]`;
    }
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isElementAccessExpression(node.left)) {
      const store = storeOf(node.left);
      if (store && guarded.has(store)) memo = `${store}[]`;
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
  return memo;
}

/**
 * The parameters a keyed memo's key is built from (`const key = \`${user}:${kind}\`; this.cache.get(key)` -> [0, 1]),
 * following local consts; undefined when the key reads anything else or cannot be found. Two calls that pass
 * different literals at one of these positions use different entries.
 */
function memoKeyParameters(fn: ts.SignatureDeclaration, body: ts.Block, store: string): number[] | undefined {
  const parameters = fn.parameters.map((p) => (ts.isIdentifier(p.name) ? p.name.text : ''));
  const storeText = (node: ts.Expression): string | undefined => {
    const target = skipOuter(node);
    if (ts.isIdentifier(target)) return target.text;
    if (ts.isPropertyAccessExpression(target) && target.expression.kind === ts.SyntaxKind.ThisKeyword) return `this.${target.name.text}`;
    return undefined;
  };
  let key: ts.Expression | undefined;
  const locals = new Map<string, ts.Expression>();
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) locals.set(node.name.text, node.initializer);
    if (!key && ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && /^(get|has|peek)$/.test(node.expression.name.text) && storeText(node.expression.expression) === store) key = node.arguments[0];
    if (!key && ts.isElementAccessExpression(node) && storeText(node.expression) === store) key = node.argumentExpression;
    if (!ts.isFunctionLike(node)) ts.forEachChild(node, visit);
  };
  ts.forEachChild(body, visit);
  if (!key) return undefined;
  const found = new Set<number>();
  let other = false;
  const read = (expression: ts.Node, depth: number): void => {
    if (ts.isIdentifier(expression)) {
      const index = parameters.indexOf(expression.text);
      if (index >= 0) found.add(index);
      else if (locals.has(expression.text) && depth < 4) read(locals.get(expression.text) as ts.Expression, depth + 1);
      else other = true;
      return;
    }
    if (ts.isPropertyAccessExpression(expression)) return read(expression.expression, depth);
    ts.forEachChild(expression, (child) => read(child, depth));
  };
  read(key, 0);
  return !other && found.size > 0 ? [...found].sort((a, b) => a - b) : undefined;
}

/** `@Get('admin/stats')` on the method, under `@Controller('admin')` on its class: the route as written. */
function routePathOf(fn: ts.Node, decorator: string): string | undefined {
  const argumentOf = (node: ts.Node, names: Set<string>): string | undefined => {
    if (!ts.canHaveDecorators(node)) return undefined;
    for (const d of ts.getDecorators(node) ?? []) {
      if (!ts.isCallExpression(d.expression) || !ts.isIdentifier(d.expression.expression) || !names.has(d.expression.expression.text)) continue;
      const first = d.expression.arguments[0];
      if (first && ts.isStringLiteralLike(first)) return first.text;
    }
    return undefined;
  };
  const own = argumentOf(fn, new Set([decorator])) ?? '';
  let base = '';
  for (let current = fn.parent; current; current = current.parent) {
    if (ts.isClassLike(current)) {
      base = argumentOf(current, new Set(['Controller', 'Resolver', 'Route', 'JsonController'])) ?? '';
      break;
    }
  }
  const path = [base, own].filter(Boolean).join('/');
  return path || undefined;
}

function decoratorNames(node: ts.Node): string[] {
  if (!ts.canHaveDecorators(node)) return [];
  return (ts.getDecorators(node) ?? []).map((d) => {
    const expression = ts.isCallExpression(d.expression) ? d.expression.expression : d.expression;
    return ts.isIdentifier(expression) ? expression.text : ts.isPropertyAccessExpression(expression) ? expression.name.text : '';
  });
}

/**
 * Administrators only: an endpoint they alone call is an operator endpoint, like an `/admin/` path, whatever its
 * path says. Decided from what the handler (or its class) is guarded by, never from the handler's own name:
 * `@Roles(Role.Admin)` with no other role, `@UseGuards(AdminGuard)`, `@AdminOnly()`; middleware named for it
 * (`requireAdmin`, `hasRole('admin')`) before an Express-style handler.
 */
const ADMIN_DECORATOR = /^(Admin|AdminOnly|OnlyAdmin|IsAdmin|RequireAdmin|AdminRequired|AdminRoute|SuperAdmin|SuperAdminOnly)$/;
const ROLE_DECORATOR = /^(Roles?|RequireRoles?|RequiresRoles?|HasRoles?|AllowedRoles|Authorize|Auth)$/;
const ADMIN_TEXT = /admin/i;
const ADMIN_MIDDLEWARE = /^(require|ensure|is|only|check|assert|verify|must(Be)?)?_?(super_?)?admin(istrator)?(Only|Required|Auth|Guard|Middleware|User)?$/i;
const ROLE_MIDDLEWARE = /^(require|ensure|has|check|only|authori[sz]e|allow)_?(Roles?|Permissions?)?$/i;

function adminOnlyDecorator(fn: ts.SignatureDeclaration): string | undefined {
  const owners: ts.Node[] = [fn];
  if (fn.parent && ts.isClassDeclaration(fn.parent)) owners.push(fn.parent);
  for (const owner of owners) {
    if (!ts.canHaveDecorators(owner)) continue;
    for (const decorator of ts.getDecorators(owner) ?? []) {
      const call = ts.isCallExpression(decorator.expression) ? decorator.expression : undefined;
      const callee = call ? call.expression : decorator.expression;
      const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : '';
      const text = `@${shorten(decorator.expression.getText())}`;
      if (ADMIN_DECORATOR.test(name)) return text;
      const args = call?.arguments ?? [];
      // Every role it lets in is an administrator's: `@Roles('admin', 'member')` lets members in.
      if (ROLE_DECORATOR.test(name) && args.length > 0 && args.every((a) => ADMIN_TEXT.test(a.getText()))) return text;
      if (name === 'UseGuards' && args.some((a) => ts.isIdentifier(a) && ADMIN_TEXT.test(a.text))) return text;
    }
  }
  return undefined;
}

function adminOnlyMiddleware(argument: ts.Expression): boolean {
  if (ts.isIdentifier(argument) || ts.isPropertyAccessExpression(argument)) {
    const name = ts.isIdentifier(argument) ? argument.text : argument.name.text;
    return ADMIN_MIDDLEWARE.test(name);
  }
  if (ts.isCallExpression(argument)) {
    const callee = argument.expression;
    const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : '';
    if (ADMIN_MIDDLEWARE.test(name)) return true;
    return ROLE_MIDDLEWARE.test(name) && argument.arguments.length > 0 && argument.arguments.every((a) => ADMIN_TEXT.test(a.getText()));
  }
  return false;
}


function entryOf(fn: ts.SignatureDeclaration, className: string | undefined): FunctionSummary['entry'] {
  const decorators = decoratorNames(fn);
  const request = decorators.find((d) => REQUEST_DECORATORS.has(d));
  if (request) {
    const route = routePathOf(fn, request);
    if (WRITE_DECORATORS.has(request)) return { kind: 'occasional', reason: `handler decorated with @${request}: a write endpoint, graded below reads` };
    if (route && OCCASIONAL_PATH.test(route)) return { kind: 'occasional', reason: `handler decorated with @${request}('${route}'): an operator endpoint, graded below the traffic` };
    const admin = adminOnlyDecorator(fn);
    if (admin) return { kind: 'occasional', reason: `handler decorated with @${request}, for administrators only (${admin}): an operator endpoint, graded below the traffic` };
    return { kind: 'request', reason: `handler decorated with @${request}` };
  }
  const mapped = mappedRoute(fn);
  if (mapped) return mapped;
  const nextRoute = appRouteHandler(fn);
  if (nextRoute) return nextRoute;
  const background = decorators.find((d) => BACKGROUND_DECORATORS.has(d));
  if (background) return { kind: 'background', reason: `decorated with @${background}: runs as a job or event handler` };
  const name = functionName(fn);
  if (className && name && LIFECYCLE_HOOKS.has(name)) return { kind: 'once', reason: `${name}() is a framework lifecycle hook: runs once` };
  const plugin = name && PLUGIN_LIFECYCLE.test(name) ? pluginBase(fn) : undefined;
  if (plugin) return { kind: 'once', reason: `${name}() of a subclass of ${plugin}, a plugin lifecycle step: runs once when the plugin loads, installs or upgrades` };
  const lifecycleEvent = lifecycleListener(fn);
  if (lifecycleEvent) return { kind: 'once', reason: `listens for '${lifecycleEvent}', an application lifecycle event: runs once per start, load or upgrade` };
  if (ts.isConstructorDeclaration(fn)) return undefined;
  const command = cliCommandClass(fn, name);
  if (command) return { kind: 'once', reason: `${name}() of ${command}, a CLI command (oclif, clipanion command class): runs once per command a person runs` };
  const commandObject = cliCommandObject(fn);
  if (commandObject) return { kind: 'once', reason: `${commandObject}: runs once per command a person runs, not per request` };
  const collect = metricsCollect(fn, name);
  if (collect) return { kind: 'background', reason: `collect() of a ${collect} metric: runs when the metrics are scraped, in the background` };
  const params = fn.parameters.map((p) => (ts.isIdentifier(p.name) ? p.name.text : ''));
  // The registration says more (its method and path) than the parameter names do.
  const registration = registrationOf(fn);
  if (registration) return registration;
  const load = onceAtLoad(fn);
  if (load) return { kind: 'once', reason: load };
  if (HANDLER_PARAMS.some(([a, b]) => params[0] === a && params[1] === b)) return { kind: 'request', reason: `request handler signature (${params.slice(0, 2).join(', ')})` };
  return undefined;
}

/**
 * `@HTTPMethod({ method: HTTPMethodEnum.GET, path: '/x' })` (Egg/tegg), `@RequestMapping({ method: 'POST' })`:
 * a route whose HTTP method is an option, not the decorator's name.
 */
function mappedRoute(fn: ts.SignatureDeclaration): FunctionSummary['entry'] {
  if (!ts.canHaveDecorators(fn)) return undefined;
  for (const decorator of ts.getDecorators(fn) ?? []) {
    const call = decorator.expression;
    if (!ts.isCallExpression(call) || !ts.isIdentifier(call.expression) || !/^(HTTPMethod|RequestMapping|Route)$/.test(call.expression.text)) continue;
    const options = call.arguments[0];
    if (!options || !ts.isObjectLiteralExpression(options)) continue;
    let method = 'GET';
    let path = '';
    for (const property of options.properties) {
      if (!ts.isPropertyAssignment(property) || !ts.isIdentifier(property.name)) continue;
      const value = property.initializer;
      const text = ts.isStringLiteralLike(value) ? value.text : ts.isPropertyAccessExpression(value) ? value.name.text : '';
      if (property.name.text === 'method' && text) method = text.toUpperCase();
      if (property.name.text === 'path' && text) path = text;
    }
    const reason = `handler decorated with @${call.expression.text}(${method}${path ? ` '${path}'` : ''})`;
    if (WRITE_METHODS.has(method.toLowerCase())) return { kind: 'occasional', reason: `${reason}: a write endpoint, graded below reads` };
    if (OCCASIONAL_PATH.test(path)) return { kind: 'occasional', reason: `${reason}: an operator endpoint, graded below the traffic` };
    return { kind: 'request', reason };
  }
  return undefined;
}

/** The callee of the call `fn` is an argument of, with the call. */
function argumentOf(fn: ts.Node): ts.CallExpression | ts.NewExpression | undefined {
  let node = fn;
  // `{ handler: fn }`, `{ eachMessage: fn }` as an option object's property
  if (node.parent && ts.isPropertyAssignment(node.parent)) node = node.parent.parent;
  const parent = node.parent;
  if (parent && (ts.isCallExpression(parent) || ts.isNewExpression(parent)) && parent.arguments?.includes(node as ts.Expression)) return parent;
  return undefined;
}

function registrationOf(fn: ts.Node): FunctionSummary['entry'] {
  const call = argumentOf(fn);
  if (!call) return undefined;
  return registrationKind(call);
}

function registrationKind(call: ts.CallExpression | ts.NewExpression): { kind: EntryKind; reason: string } | undefined {
  const callee = call.expression;
  if (ts.isPropertyAccessExpression(callee)) {
    const method = callee.name.text;
    const receiver = skipOuter(callee.expression);
    const receiverName = ts.isIdentifier(receiver) ? receiver.text : ts.isPropertyAccessExpression(receiver) ? receiver.name.text : ts.isCallExpression(receiver) ? 'route' : '';
    const first = call.arguments?.[0];
    const procedure = rpcProcedure(call, method);
    if (procedure) return procedure;
    if (ROUTE_METHODS.has(method) && (ROUTER_RECEIVER.test(receiverName) || (first !== undefined && ts.isStringLiteralLike(first) && first.text.startsWith('/')))) {
      if (method === 'use' && !ROUTER_RECEIVER.test(receiverName)) return undefined;
      const path = first && ts.isStringLiteralLike(first) ? ` '${first.text}'` : '';
      if (WRITE_METHODS.has(method)) return { kind: 'occasional', reason: `registered as a route handler (${receiverName}.${method}${path}): a write endpoint, graded below reads` };
      if (first && ts.isStringLiteralLike(first) && OCCASIONAL_PATH.test(first.text)) return { kind: 'occasional', reason: `registered as a route handler (${receiverName}.${method}${path}): an operator endpoint, graded below the traffic` };
      const admin = call.arguments?.slice(0, -1).find((argument) => adminOnlyMiddleware(argument));
      if (admin) return { kind: 'occasional', reason: `registered as a route handler (${receiverName}.${method}${path}) behind \`${shorten(admin.getText())}\`, for administrators only: an operator endpoint, graded below the traffic` };
      return { kind: 'request', reason: `registered as a route handler (${receiverName}.${method}${path})` };
    }
    const cli = cliRegistration(call, method);
    if (cli) return { kind: 'once', reason: `${cli}: runs once per command a person runs, not per request` };
    if (/^(addCallback|addBatchObservableCallback)$/.test(method)) {
      const on = ts.isCallExpression(receiver) ? `${chainMembers(receiver).members.at(-1) ?? ''}(...).` : receiverName ? `${receiverName}.` : '';
      return { kind: 'background', reason: `a metrics callback (${on}${method}): runs when the metrics are collected or exported, in the background` };
    }
    if (BACKGROUND_REGISTRARS.test(method) && /(queue|worker|cron|job|consumer|channel|scheduler|agenda|boss|subscriber|subscription|kafka|bull)/i.test(receiverName)) {
      return { kind: 'background', reason: `registered as a background handler (${receiverName}.${method})` };
    }
    if (method === 'on' && first && ts.isStringLiteralLike(first) && /^(message|data|job|event)$/.test(first.text) && /(queue|worker|consumer|channel|socket|subscriber|kafka|bull|redis|sub)/i.test(receiverName)) {
      return { kind: 'background', reason: `handles '${first.text}' events of ${receiverName}` };
    }
  } else if (ts.isIdentifier(callee)) {
    if (callee.text === 'setInterval') return { kind: 'background', reason: 'setInterval callback: runs in the background on a timer' };
    if (ts.isNewExpression(call) && /^(Worker|CronJob|QueueWorker|Job)$/.test(callee.text)) return { kind: 'background', reason: `${callee.text} handler: runs in the background` };
    if (/^(cron|schedule|scheduleJob)$/.test(callee.text)) return { kind: 'background', reason: `${callee.text}() callback: runs on a schedule` };
  }
  return undefined;
}

const REGISTRATION_VERB = /^(register|on|subscribe|use|define|handle|intercept|hook)([A-Z_]\w*)?$/;

/**
 * A callback handed to a registry to be called later (`registry.registerSource('db', { sync: async (ctx) => ... })`,
 * `events.subscribe(fn)`): it runs when the registry calls it, not when the function writing it runs.
 */
function registeredCallback(fn: ts.SignatureDeclaration): boolean {
  if (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn)) return false;
  let holder: ts.Node = fn;
  // `{ sync: fn }` as an argument: an option object the registry keeps.
  if (ts.isPropertyAssignment(fn.parent) && ts.isObjectLiteralExpression(fn.parent.parent)) holder = fn.parent.parent;
  const call = holder.parent;
  if (!call || !ts.isCallExpression(call) || !call.arguments.includes(holder as ts.Expression) || !ts.isPropertyAccessExpression(call.expression)) return false;
  const method = call.expression.name.text;
  if (!REGISTRATION_VERB.test(method)) return false;
  // `on('ready', fn)` and its kin fire once.
  const event = call.arguments[0];
  return !(event && ts.isStringLiteralLike(event) && LIFECYCLE_EVENT.test(event.text)) && !/^(setTimeout|setImmediate)$/.test(method);
}

/** Lifecycle steps of a plugin system (NocoBase, Strapi, Backstage...): each runs once per load, install or upgrade. */
const PLUGIN_LIFECYCLE = /^(load|beforeLoad|afterLoad|afterAdd|beforeEnable|afterEnable|beforeDisable|afterDisable|install|afterInstall|upgrade|afterUpgrade|afterSync|beforeRemove|afterRemove|register|bootstrap|destroy)$/;
/** Application lifecycle events (`app.on('beforeStart', ...)`): emitted once per start, load, install or upgrade. */
const LIFECYCLE_EVENT = /^(before|after)(Start|Stop|Load|Install|Upgrade|Reload|Destroy|Restart|Enable|Disable|Sync)$|^(ready|started|listening)$/;

/** The base class when `fn` is a method of a class that extends a `...Plugin` class. */
function pluginBase(fn: ts.SignatureDeclaration): string | undefined {
  if (!ts.isMethodDeclaration(fn) || !ts.isClassLike(fn.parent)) return undefined;
  for (const clause of fn.parent.heritageClauses ?? []) {
    if (clause.token !== ts.SyntaxKind.ExtendsKeyword) continue;
    for (const type of clause.types) {
      const base = type.expression;
      const text = ts.isIdentifier(base) ? base.text : ts.isPropertyAccessExpression(base) ? base.name.text : '';
      if (/Plugin$/.test(text)) return text;
    }
  }
  return undefined;
}

/** `this.app.on('beforeStart', async () => ...)`: the lifecycle event a listener is registered for. */
function lifecycleListener(fn: ts.SignatureDeclaration): string | undefined {
  if (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn)) return undefined;
  const call = fn.parent;
  if (!call || !ts.isCallExpression(call) || !call.arguments.includes(fn as ts.Expression) || !ts.isPropertyAccessExpression(call.expression)) return undefined;
  if (!/^(on|once|addListener|prependListener)$/.test(call.expression.name.text)) return undefined;
  const event = call.arguments[0];
  return event && ts.isStringLiteralLike(event) && LIFECYCLE_EVENT.test(event.text) ? event.text : undefined;
}

const APP_ROUTE_FILE = /(^|\/)app\/(.+\/)?route\.[cm]?[jt]s$/;
const APP_ROUTE_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** A Next.js App Router handler: `export async function GET(request)` in `app/**\/route.ts`. */
function appRouteHandler(fn: ts.SignatureDeclaration): { kind: EntryKind; reason: string } | undefined {
  const sourceFile = fn.getSourceFile();
  if (!APP_ROUTE_FILE.test(sourceFile.fileName.replace(/\\/g, '/'))) return undefined;
  let name: string | undefined;
  let exported = false;
  if (ts.isFunctionDeclaration(fn) && fn.name) {
    name = fn.name.text;
    exported = (ts.getCombinedModifierFlags(fn) & ts.ModifierFlags.Export) !== 0;
  } else if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name)) {
    name = fn.parent.name.text;
    const statement = fn.parent.parent.parent;
    exported = ts.isVariableStatement(statement) && (ts.getCombinedModifierFlags(fn.parent) & ts.ModifierFlags.Export) !== 0;
  }
  if (!name || !exported || !APP_ROUTE_METHODS.has(name)) return undefined;
  if (name === 'GET' || name === 'HEAD' || name === 'OPTIONS') return { kind: 'request', reason: `exported ${name} of a Next.js route file: runs per request` };
  return { kind: 'occasional', reason: `exported ${name} of a Next.js route file: a write endpoint, graded below reads` };
}

/**
 * A tRPC or oRPC procedure: `publicProcedure.input(schema).query(fn)`, `t.procedure.mutation(fn)`,
 * `os.input(schema).handler(fn)`. Each call of the procedure is a request; a mutation is a write endpoint.
 */
function rpcProcedure(call: ts.CallExpression | ts.NewExpression, method: string): { kind: EntryKind; reason: string } | undefined {
  if (!ts.isCallExpression(call) || !/^(query|mutation|subscription|handler)$/.test(method) || !ts.isPropertyAccessExpression(call.expression)) return undefined;
  const { root, members } = chainMembers(call.expression.expression);
  const rootName = ts.isIdentifier(root) ? root.text : '';
  const named = [rootName, ...members].find((name) => /procedure$/i.test(name));
  if (!named && !(method === 'handler' && rootName === 'os')) return undefined;
  const kind = named ? 'tRPC' : 'oRPC';
  if (method === 'mutation') return { kind: 'occasional', reason: `a ${kind} mutation (${named}...mutation(fn)): a write endpoint, graded below reads` };
  return { kind: 'request', reason: `a ${kind} procedure (${named ?? rootName}...${method}(fn)): runs per request` };
}

/** The members called along a chain `program.command('x').description('..').action` (outermost last). */
function chainMembers(expression: ts.Expression): { root: ts.Expression; members: string[] } {
  const members: string[] = [];
  let current = skipOuter(expression);
  for (;;) {
    if (ts.isCallExpression(current)) current = skipOuter(current.expression);
    else if (ts.isPropertyAccessExpression(current)) {
      members.unshift(current.name.text);
      current = skipOuter(current.expression);
    } else break;
  }
  return { root: current as ts.Expression, members };
}

/**
 * A command handler of a CLI framework: commander's and cac's `program.command('x').action(fn)` (or
 * `.action(fn)` on a `Command`), yargs' `.command('x', desc, builder, handler)` / `.command({ handler })`.
 * Each runs once per command a person types; a server it starts registers its own per-request handlers.
 */
function cliRegistration(call: ts.CallExpression | ts.NewExpression, method: string): string | undefined {
  if (!ts.isCallExpression(call) || !ts.isPropertyAccessExpression(call.expression)) return undefined;
  const { root, members } = chainMembers(call.expression.expression);
  const rootName = ts.isIdentifier(root) ? root.text : ts.isNewExpression(root) && ts.isIdentifier(root.expression) ? root.expression.text : ts.isCallExpression(root) && ts.isIdentifier(root.expression) ? root.expression.text : '';
  const cliRoot = /^(program|cli|yargs|commander|Command|cac|argv|parser|cmd|command)$/i.test(rootName);
  if (method === 'action' && (members.includes('command') || cliRoot || isCommandInstance(root))) return `a CLI command's action (${members.includes('command') ? 'command(...).action' : `${rootName}.action`})`;
  if (method === 'command' && (cliRoot || members.some((m) => /^(option|positional|usage|demandCommand|scriptName|strict)$/.test(m)))) {
    const first = call.arguments[0];
    if (first && (ts.isStringLiteralLike(first) || ts.isArrayLiteralExpression(first) || ts.isObjectLiteralExpression(first))) return `a yargs command handler (${rootName || 'yargs'}.command)`;
  }
  return undefined;
}

/**
 * A command written as an object: yargs' command module (`{ command: 'deploy', describe, builder, handler }`,
 * exported or passed to `.command(...)`), citty's `defineCommand({ meta, args, run })` and the like
 * (`defineCommand`, `createCommand`, `command(...)` with a `run`/`handler`). Names the shape, when `fn` is its
 * handler.
 */
function cliCommandObject(fn: ts.SignatureDeclaration): string | undefined {
  const holder = ts.isMethodDeclaration(fn) ? fn : ts.isPropertyAssignment(fn.parent) && fn.parent.initializer === fn ? fn.parent : undefined;
  const key = holder?.name && ts.isIdentifier(holder.name) ? holder.name.text : undefined;
  const object = holder?.parent;
  if (!key || !/^(handler|run)$/.test(key) || !object || !ts.isObjectLiteralExpression(object)) return undefined;
  const commandProperty = object.properties.some((p) => ts.isPropertyAssignment(p) && p.name && ts.isIdentifier(p.name) && p.name.text === 'command' && (ts.isStringLiteralLike(p.initializer) || ts.isArrayLiteralExpression(p.initializer)));
  if (key === 'handler' && commandProperty) return "a yargs command module's handler ({ command, handler })";
  const call = skipOuter(object).parent;
  if (call && ts.isCallExpression(call) && ts.isIdentifier(call.expression) && /^(defineCommand|createCommand|defineCliCommand)$/.test(call.expression.text)) return `the ${key}() of ${call.expression.text}({ ... }), a CLI command`;
  return undefined;
}

/** `const deploy = new Command('deploy')` (commander), `program.command('x')`, `createCommand('x')`: a command instance declared in this file. */
function isCommandInstance(root: ts.Expression): boolean {
  if (!ts.isIdentifier(root)) return false;
  for (const statement of root.getSourceFile().statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (!ts.isIdentifier(declaration.name) || declaration.name.text !== root.text || !declaration.initializer) continue;
      const { root: made, members } = chainMembers(declaration.initializer);
      const init = skipOuter(declaration.initializer);
      if (ts.isNewExpression(init) && ts.isIdentifier(init.expression) && init.expression.text === 'Command') return true;
      if (members.includes('command') || (ts.isIdentifier(made) && made.text === 'createCommand')) return true;
    }
  }
  return false;
}

/** The name an identifier was imported under (`Command` for `import { Command as Base }`), or its own. */
function importedName(identifier: ts.Identifier): string {
  for (const statement of identifier.getSourceFile().statements) {
    if (!ts.isImportDeclaration(statement)) continue;
    const bindings = statement.importClause?.namedBindings;
    if (!bindings || !ts.isNamedImports(bindings)) continue;
    for (const element of bindings.elements) if (element.name.text === identifier.text) return (element.propertyName ?? element.name).text;
  }
  return identifier.text;
}

/** `class Deploy extends Command { async run() {} }` (oclif): the command class, when run() is its method. */
function cliCommandClass(fn: ts.SignatureDeclaration, name: string | undefined): string | undefined {
  // oclif runs `run()`, clipanion `execute()`.
  if ((name !== 'run' && name !== 'execute') || !ts.isMethodDeclaration(fn) || !ts.isClassLike(fn.parent)) return undefined;
  for (const clause of fn.parent.heritageClauses ?? []) {
    if (clause.token !== ts.SyntaxKind.ExtendsKeyword) continue;
    const base = clause.types[0]?.expression;
    const baseName = base && ts.isIdentifier(base) ? importedName(base) : base && ts.isPropertyAccessExpression(base) ? base.name.text : '';
    if (/Command$/.test(baseName)) return fn.parent.name?.text ?? 'a class';
  }
  return undefined;
}

/** prom-client's `new Gauge({ name, help, async collect() {} })`: the metric's kind, when `fn` is its collect. */
function metricsCollect(fn: ts.SignatureDeclaration, name: string | undefined): string | undefined {
  if (name !== 'collect') return undefined;
  const holder = ts.isPropertyAssignment(fn.parent) ? fn.parent.parent : fn.parent;
  if (!holder || !ts.isObjectLiteralExpression(holder) || !holder.parent || !ts.isNewExpression(holder.parent)) return undefined;
  const callee = holder.parent.expression;
  const className = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : '';
  return /^(Gauge|Counter|Histogram|Summary)$/.test(className) ? className : undefined;
}

/** What a registration's argument names: `handler`, `ctrl.create`, `this.onMessage`, an import. */
function registrationRef(context: ClassifyContext): (expression: ts.Expression) => CalleeRef | undefined {
  return (expression) => {
    const inner = skipOuter(expression);
    if (ts.isIdentifier(inner)) {
      const ref = context.scope.resolve(inner);
      if (ref && ref.module !== 'global') return { kind: 'import', module: ref.module, path: ref.path };
      // Locals are collected as the walk leaves each function: a name not yet known may still be one.
      return { kind: 'local', name: inner.text };
    }
    if (ts.isPropertyAccessExpression(inner)) {
      const root = skipOuter(inner.expression);
      if (root.kind === ts.SyntaxKind.ThisKeyword) {
        const className = enclosingClassName(inner);
        return className ? { kind: 'this', className, method: inner.name.text } : undefined;
      }
      if (ts.isPropertyAccessExpression(root) && root.expression.kind === ts.SyntaxKind.ThisKeyword) {
        const className = enclosingClassName(inner);
        return className ? { kind: 'field', className, field: root.name.text, method: inner.name.text } : undefined;
      }
      if (ts.isIdentifier(root)) {
        const ref = context.scope.resolve(root);
        if (ref && ref.module !== 'global') return { kind: 'import', module: ref.module, path: [...ref.path, inner.name.text] };
        return { kind: 'local', name: root.text, member: inner.name.text };
      }
    }
    return undefined;
  };
}

import type { ValueSetting, ValueUser } from './value-users.js';
import type { Construction } from './constructions.js';
import type { CodecFact } from './codec.js';
import type { PassedCollection } from './collection-size.js';

/**
 * The project model's plain data: what each function does (its effects), whom it calls, and who calls it.
 * Everything here is JSON, so a file's summary is cached by its content hash and a file's linked facts can be
 * handed to a worker thread or hashed into the findings cache key.
 */

/** What kind of outside resource an effect touches. `limiter` is not I/O: it serialises work. */
export type IoKind = 'network' | 'database' | 'cache' | 'fs' | 'queue';

export type Access = 'read' | 'write' | 'unknown';

/** One I/O operation recognised directly in a function body. */
export interface DirectEffect {
  kind: IoKind;
  access: Access;
  /** What the call is, as evidence: `axios.post`, `pg.query`, `this.repo.find (typeorm)`. */
  via: string;
  line: number;
  /** The receiver it goes through (`this.repo`, `client`): two effects on one single connection stay in order. */
  resource?: string;
  /** The handle is one connection, session or transaction (`await pool.connect()`): its calls are serialised. */
  single?: boolean;
  /** The operation takes a position, lock or sequence number (`getNonce`, `read`): successive calls stay in order. */
  ordered?: boolean;
  /** A write that changes nothing when repeated (`mkdir(dir, { recursive: true })`): in order where it is made, a
   *  read to the callers (no write fact). */
  idempotent?: boolean;
}

/**
 * A call whose target is project code, named as the summary can see it; the linker resolves it.
 *  - local: a function or class declared in this file (`helper()`, `new Local().m()`);
 *  - import: a binding imported from another module (`svc.find()` -> module './svc', path ['svc', 'find']);
 *  - this: a method of the enclosing class (`this.load()`);
 *  - field: a method of what a class field holds (`this.users.find()`, the field typed `UsersService`).
 */
export type CalleeRef =
  | { kind: 'local'; name: string; member?: string }
  | { kind: 'import'; module: string; path: string[] }
  | { kind: 'this'; className: string; method: string }
  | { kind: 'field'; className: string; field: string; method: string }
  /** A member of what a project function returns (`createApiClient().get`, `const db = makeDb(); db.query()`). */
  | { kind: 'returned'; factory: CalleeRef; members: string[]; single?: boolean }
  /** A member of what a project function passes to a callback (`withClient((c) => c.query())`), see callbacks.ts. */
  | { kind: 'passed'; callee: CalleeRef; argument: number; parameter: number; members: string[] };

export interface CallSite {
  ref: CalleeRef;
  line: number;
  /** Inside a loop or an iteration callback in this function. */
  inLoop: boolean;
  /** Inside an endless loop of this function (`while (true)`, `while (!this.stopped)`): it runs again and again. */
  endless?: boolean;
  /** The call's own arguments say what it does (`rpc.call('eth_getBalance')`, SQL text): overrides the access
   *  of the network or database effects reached through it. */
  access?: Access;
  /** The call's value is what the function returns (or is built into it): a factory calling a factory. */
  returned?: boolean;
  /** The call goes through a module value of this file (`repo.list()` with `const repo = new Repo(pool)`). */
  receiver?: string;
  /** Boolean literals it passes (`'1'`, `'1.viaJob'`) and its argument count, when it passes any (flags.ts). */
  flags?: Record<string, boolean>;
  argc?: number;
  /** Numeric literals it passes, by argument index (`rejectAfter(30_000)` -> `{ '0': 30000 }`), when it passes any. */
  numbers?: Record<string, number>;
  /** The call is a decorator of the function (`@Remember(60)` on a method). */
  decorator?: boolean;
  /** Data-sized collections it passes (a query's rows, request input), by argument index (collection-size.ts). */
  collections?: Record<string, PassedCollection>;
}

/** A caller of a function whose calls pass flag literals, with its role (flags.ts). */
export interface FlaggedCaller {
  role: Role;
  reason: string;
  flags?: Record<string, boolean>;
  argc?: number;
}

/** What a class field or module binding holds, as far as the declaration says. */
export type HeldValue =
  /** `access`: a query builder that already says what its query does (`selectFrom` reads, `insertInto` writes). */
  | { kind: 'io'; io: IoKind; module: string; single?: boolean; access?: Access }
  | { kind: 'limiter'; module: string }
  /** `wraps`: built with an I/O handle as an argument (`new PrismaRepository(prisma.user)`): a property of it that
   *  is called (`this.repo.model.findMany()`) is that handle. */
  | { kind: 'class'; ref: ClassRef; wraps?: HeldValue }
  /** What a project function returns: a factory's client (`createApiClient()`), resolved by the linker. */
  | { kind: 'returned'; ref: CalleeRef; single?: boolean }
  /** What a project function hands a callback's parameter (`withRetry((client) => ...)`), resolved by the linker. */
  | { kind: 'passed'; callee: CalleeRef; argument: number; parameter: number }
  /** An in-memory store (`new Map()`, `new LRUCache()`, node-cache): its `get`/`set` never wait on I/O. */
  | { kind: 'memory'; module: string }
  /** A function the factory returns (`return async () => ...`, a local const holding one): its start position in
   *  the factory's file. A caller that keeps the result (`const flags = makeFlags(db)`) calls that function. */
  | { kind: 'function'; pos: number };

/** A class named where it is declared: in this file, or imported (module specifier and exported name). */
export type ClassRef =
  | { kind: 'local'; name: string }
  | { kind: 'import'; module: string; name: string }
  /** Injected by property name (Egg, Midway, TypeDI): the one class of that name the project exports. */
  | { kind: 'named'; name: string };

export interface ClassSummary {
  name: string;
  /** `extends X`: an I/O library class (PrismaClient, https.Agent) or a project class. */
  extends?: HeldValue;
  /** Field name -> what it holds (constructor parameter properties, declared types, initialisers). */
  fields: Record<string, HeldValue>;
  /** Method name -> function key. */
  methods: Record<string, string>;
  /** `extends https.Agent` (or a proxy agent): what its instances are, for constructions in other files. */
  agentBase?: { what: string; family: 'node-agent' | 'proxy-agent'; protocol: 'http' | 'https' };
  /** `implements Loader, Closeable`: the project interfaces (or classes) it implements. */
  implements?: ClassRef[];
  /** `abstract class`: its abstract methods are implemented by subclasses only. */
  abstract?: boolean;
}

/** How a function is started, when the code says so where it is declared or registered. */
/**
 * `occasional`: a request handler of a write, admin or debug endpoint (`@Post`, `router.delete`, `/admin/...`):
 * per request, but graded one step below reads, which are what most traffic is.
 */
export type EntryKind = 'request' | 'occasional' | 'background' | 'once';

/**
 * An HTTP route declared in code (routes.ts): `router.get('/orders/:id', h)`, `@Get(':id')` under
 * `@Controller('orders')`, `fastify.route({ method: 'GET', url })`, tegg `@HTTPMethod`. The path is as the
 * file writes it (with a Koa router's own `prefix`); the linker adds the prefixes of the mounts it finds
 * (`app.use('/api', router)`, Nest's `setGlobalPrefix`). A prefix computed at run time is in neither.
 */
export interface RouteDecl {
  /** Upper case: GET, POST, ...; ALL for `router.all`. */
  method: string;
  /** Starts with `/`; parameters as the framework writes them (`:id`, `{id}`). */
  path: string;
  /** express, koa-router, fastify, hono, nest, routing-controllers, tegg, or `router` when the file does not say. */
  framework: string;
  /** Line of the registration or of the method's decorator. */
  line: number;
  /** The module-level router the route is registered on (`router` in `router.get(...)`), for its mounts. */
  router?: string;
}

/** `app.use('/orders', ordersRouter)`, `router.use('/v1', api.routes())`: a router mounted under a prefix. */
export interface RouterMount {
  /** The router or app it is mounted on, a module-level binding of this file. */
  receiver: string;
  prefix: string;
  /** The mounted router: an import (module specifier and exported name) or a binding of this file. */
  target: { module?: string; name: string };
  line: number;
}

/** A declared route with the file that declares it and the handler it starts: what a finding's reach lists. */
export interface RouteFact extends RouteDecl {
  file: string;
  handler: string;
}

export interface FunctionSummary {
  /** Unique in the file: `name`, `Class.method`, `<anonymous>@line:col`, or `factory() result@line:col` for a function a factory returns. */
  key: string;
  /** Handed to a registry to be called later (`registerSource('db', { sync: fn })`): it does not run when its outer function does. */
  registered?: boolean;
  name: string;
  /** Node start position, so a rule can map its AST node back to this summary. */
  pos: number;
  line: number;
  endLine: number;
  className?: string;
  direct: DirectEffect[];
  calls: CallSite[];
  /** Calls the model cannot follow (no body in the project, a library it does not know) whose names read as
   *  I/O (`this.client.fetchUser`): evidence that is only assumed, never proven. */
  opaque: string[];
  /** Inline functions passed as arguments (`retry(() => db.find())`): their work counts as this function's. */
  inner: string[];
  /** Why the code says how it is started, if it does (`@Get`, `app.get('/x', fn)`, top-level call). */
  entry?: { kind: EntryKind; reason: string; route?: RouteDecl };
  /** `if (this.x) return this.x; ... this.x = await ...`: the field (or module variable) holding the memo. */
  memo?: string;
  /** A memo keyed by its arguments: the parameter positions its key is built from (summarize.ts). */
  memoKey?: number[];
  /** The one-slot memo holds the load's promise (`if (!this.p) this.p = load(); return this.p`, `this.p ??= load()`):
   *  callers during the first load await the same one. */
  memoInFlight?: boolean;
  /** The memo is a field of a class built per request (`@Injectable({ scope: Scope.REQUEST })`): empty each request. */
  memoPerRequest?: boolean;
  /** A method decorated to read through a cache (`@Cacheable()`, `@Memoize()`): the decorator's name (memoize.ts). */
  cachedBy?: string;
  /** A decorated method that takes parameters: if a decorator caches it, its cache has an entry per argument value. */
  cachedByArguments?: boolean;
  /** It makes a caching decorator: a function inside it replaces `descriptor.value` with one that memoises. */
  cachingWrapper?: boolean;
  /** Awaits a limiter (p-limit, Bottleneck, a semaphore): `module` or field it goes through. */
  limiter?: string;
  /** Throws on some path and returns no value: a fail-fast check. */
  validatorOnly: boolean;
  /** Throws on a condition of a value it awaited (`const p = await find(id); if (!p) throw ...`) and returns
   *  nothing or that value: an existence or permission check, if the awaited call does I/O (the linker decides). */
  guard?: GuardShape;
  /** Decorated to run in one transaction (`@Transaction()`, `@Transactional()`): the decorator's name. */
  transactional?: string;
  /** An inline callback a call runs inside one transaction (`prisma.$transaction(async () => ...)`): how the call
   *  opens it, the call's line, and whether the callback takes the transaction as a parameter (`explicit`). */
  transactionCallback?: { opener: string; line: number; explicit?: boolean };
  /** An inline callback given to a project function (`this.prisma.$tx(async () => ...)`): which, and as which argument. */
  callbackOf?: { ref: CalleeRef; argument: number; line: number; explicit?: boolean };
  /** Parameters holding callbacks it calls inside a transaction callback of its own (`$tx(fn)` around `$transaction`). */
  txCallbackParams?: number[];
  /** Declared with a body (not an interface member, overload or `declare`). */
  hasBody: boolean;
  /** What the function returns when that is a handle or an object the model can follow (factories.ts). */
  returns?: HeldValue;
  /** Handles it passes to a callback it was given: parameter index -> argument index -> what (callbacks.ts). */
  passes?: Record<number, Record<number, HeldValue>>;
  /** Opaque calls (above, or below if they resolve to nothing) that are awaited or returned and whose names are
   *  writes (`await store.saveAccount(a)`): an assumed write (LinkedFunction.writes). */
  opaqueWrites?: string[];
  /** Calls into project code that, if they resolve to nothing, read as I/O by name: ref key -> name. */
  opaqueIfUnresolved?: Record<string, string>;
  /** Agents this function builds (`new https.Agent()`, a proxy agent, a subclass), see constructions.ts. */
  constructs?: Construction[];
  /** Imported bindings this function hands to other code as an argument (`listOrders(pool)`, `new Repo(pool)`):
   *  it uses that value as much as a direct `pool.query()` would. */
  handsOn?: Array<{ module: string; name: string; line: number }>;
  /** A small transform that only encodes or reaches a compressor (codec.ts), for "compress" callers elsewhere. */
  codec?: CodecFact;
}

export interface FileSummary {
  file: string;
  /** Top-level name -> function key (function declarations, `const f = () => ...`). */
  locals: Record<string, string>;
  /** Exported name -> local name (`export { a as b }`, `export default X`). */
  exports: Record<string, string>;
  /** `export * from './x'` and `export { a } from './x'` (module, imported name or '*', exported name). */
  reexports: Array<{ module: string; name: string; as: string }>;
  classes: Record<string, ClassSummary>;
  /** Module-level bindings holding I/O handles or class instances (`export const pool = new Pool()`). */
  values: Record<string, HeldValue>;
  functions: FunctionSummary[];
  /** Imported values built into a module value of this file (`const repo = new OrdersRepo(pool)`): whoever uses
   *  `repo` uses `pool` (value-users.ts). */
  heldImports?: Array<{ holder: string; module: string; name: string }>;
  /** Settings this file assigns on an imported value's defaults (`api.defaults.httpsAgent = agent`): the value is
   *  configured here, not where it is built (value-users.ts). */
  configures?: Array<{ module: string; name: string; key: string; line: number }>;
  /** Functions named by a registration elsewhere in the file: `router.get('/x', handler)` -> handler. */
  registered: Array<{ ref: CalleeRef; kind: EntryKind; reason: string; route?: RouteDecl }>;
  /** Interfaces declared at the top level: a call through a value of one dispatches to its implementations. */
  interfaces?: string[];
  /** Routers this file mounts under a prefix (routes.ts), so their routes' paths get it. */
  mounts?: RouterMount[];
  /** `app.setGlobalPrefix('api')` (Nest) with a literal prefix: every controller route is under it. */
  globalPrefix?: string;
  /** The module calls a function at its top level (`main()`, `bootstrap().catch(...)`): it is a program's entry,
   *  run by itself, not a library other files import for its values. */
  runsAtLoad?: true;
}

/**
 * Where a function throws on what it read: the throw's line, the awaited call whose value the condition tests
 * (`this.projects.findById`), and whether the function's name also says it is a check (`requireX`,
 * `assertX`, `ensureX`, `xOrFail`, `xOrThrow`). `loose`: the throw follows an await but its condition does not
 * visibly test the awaited value; the linker takes such a function as a guard only when the name agrees.
 */
export interface GuardShape {
  line: number;
  read: string;
  named?: boolean;
  loose?: boolean;
}

/**
 * The first write a function's work reaches, directly or through the callees the linker follows: kept apart
 * from `effects` (bounded, filled in call order) so a read-then-write function is a write however many reads
 * come first. `chain` names the functions from the asked one to the write; `via` is the write itself
 * (`this.repo.update (@nestjs/typeorm)`). `assumed`: the write is a call the model cannot follow whose name
 * reads as a write (`store.saveAccount`), not a library call it knows.
 */
export interface WriteFact {
  via: string;
  chain: string[];
  file: string;
  line: number;
  kind?: IoKind;
  assumed?: boolean;
}

/** A linked effect: the I/O and the chain of calls that reaches it from the function asked about. */
export interface Effect extends DirectEffect {
  /** `validate -> this.rpc.call -> axios.post`: function names from the asked function to the I/O. */
  chain: string[];
  /** File of the function that does the I/O directly. */
  file: string;
}

export type Role = 'request' | 'occasional' | 'background' | 'once' | 'unknown';

/** What the model knows about one function after linking the whole project. */
export interface LinkedFunction {
  id: string;
  name: string;
  file: string;
  line: number;
  effects: Effect[];
  role: Role;
  /** Why the role: the entry and the callers' chain, ready for evidence. */
  roleReason: string;
  /** Opaque calls (see FunctionSummary.opaque) this function reaches, transitively: assumed I/O. */
  assumed: string[];
  /** Functions (ids) whose memo this function reaches, itself included. */
  memos: string[];
  /** Its own memo is keyed by these parameter positions (FunctionSummary.memoKey). */
  memoKey?: number[];
  /** Why a call of it answers from memory after its first one, when it does: a one-slot memo or a caching
   *  decorator of its own, or every I/O it does goes through such a function (link.ts memoisedReads). A memo keyed
   *  by the arguments is not one: a new key is a new load. */
  memoisedRead?: string;
  /** The cache behind memoisedRead is keyed by the arguments (a caching decorator on a method that takes some):
   *  calls with a new argument, such as each item of a loop, load again. */
  memoisedByArguments?: boolean;
  /** The memo behind memoisedRead is a field of the instance (`this.p`): a new instance starts with it empty. */
  memoisedPerInstance?: boolean;
  /** Limiters this function's work goes through, transitively. */
  limiters: string[];
  validatorOnly: boolean;
  /** Its work writes (WriteFact): a function that reads and writes is a write when callers ask read or write. */
  writes?: WriteFact;
  /** An existence or permission check: it reads, then throws on what it read (GuardShape), and writes nothing.
   *  The evidence text: the read's chain and where it throws. Its order decides whether what follows runs. */
  guard?: string;
  hasBody: boolean;
  /** Runs inside a transaction at every call site the model found (opened by a decorator, a transaction callback
   *  around the call, or a caller that itself runs in one): its queries share one connection. Says who opened it. */
  transaction?: string;
  /** Some of its callers run it inside a transaction and some do not: who is which (link.ts). */
  transactionPartly?: string;
  /** Agents the function builds, itself or through the factories whose result it returns (link.ts). */
  constructs?: Construction[];
  /** What it does to its input when it is a small encoder or compressor (codec.ts). */
  codec?: CodecFact;
  /** Its callers with the flag literals they pass, when some caller passes any (flags.ts). */
  flaggedCallers?: FlaggedCaller[];
  /** Numeric literals its callers pass, by argument index, when every caller's call was seen and some pass one
   *  (`rejectAfter(ms)` called with 30_000 from a route): what a parameter such as a delay is in practice. */
  argumentNumbers?: Record<string, number[]>;
  /** Data-sized collections some caller passes, by argument index: what a loop over that parameter walks. */
  passedCollections?: Record<string, PassedCollection>;
  /** Declared routes whose handler's calls reach this function, across files (bounded; link.ts). */
  routes?: RouteFact[];
}

/** What rules in one file may ask the model: its own functions and every callee its calls resolve to. */
export interface FileModelFacts {
  /** Function key (in this file) -> linked facts. */
  functions: Record<string, LinkedFunction>;
  /** Callee ref (as `refKey`) -> the linked function it resolves to, or null when it resolves to nothing known. */
  callees: Record<string, LinkedFunction | null>;
  /** This file's module values used by functions in other files, with those functions' roles (value-users.ts). */
  valueUsers?: Record<string, ValueUser[]>;
  /** This file's module values whose defaults other files assign (`api.defaults.httpsAgent = ...`), see value-users.ts. */
  valueSettings?: Record<string, ValueSetting[]>;
}

export function refKey(ref: CalleeRef): string {
  switch (ref.kind) {
    case 'local':
      return ref.member ? `local:${ref.name}.${ref.member}` : `local:${ref.name}`;
    case 'import':
      return `import:${ref.module}:${ref.path.join('.')}`;
    case 'this':
      return `this:${ref.className}.${ref.method}`;
    case 'field':
      return `field:${ref.className}.${ref.field}.${ref.method}`;
    case 'returned':
      return `returned${ref.single ? '1' : ''}:(${refKey(ref.factory)}).${ref.members.join('.')}`;
    case 'passed':
      return `passed:(${refKey(ref.callee)})#${ref.argument}.${ref.parameter}.${ref.members.join('.')}`;
  }
}

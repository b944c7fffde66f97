import { ts } from '../scanner/ts.js';
import type { ImportScope } from '../scanner/imports.js';
import { accessOfCall, classifyCall, freshLocalInstance, type ClassifyContext } from './classify.js';
import { accessOfName } from './io-catalog.js';
import { flagGuards, roleUnderGuards } from './flags.js';
import { cacheThroughCall } from './memoize.js';
import type { ValueSetting, ValueUser } from './value-users.js';
import { addRoutes } from './routes.js';
import { refKey, type Effect, type FileModelFacts, type FileSummary, type LinkedFunction, type Role, type RouteFact, type WriteFact } from './types.js';

/**
 * The model as one file's rules see it: for any expression, the I/O it starts (directly or through the
 * functions it calls, across files) with the chain that proves it; for any node, how often its function runs.
 */

export interface ExpressionEffects {
  effects: Effect[];
  /** Project functions the expression calls, resolved. */
  callees: LinkedFunction[];
  /** Calls the model could not follow (a library it does not know, an interface with no body), by name. */
  unresolved: string[];
  limiters: string[];
  memos: string[];
  /** The first write the expression reaches through a project function, however many reads that function does
   *  first (LinkedFunction.writes), with the chain from the expression's callee. */
  writes?: WriteFact;
}

/**
 * How sure the model is that an expression does I/O: `proven` by a chain to a library call it knows,
 * `assumed` when the chain ends in a call it cannot follow whose name reads as I/O, `none` when every call
 * in it was followed and none does I/O (a getter answering from memory).
 */
export interface IoEvidence {
  level: 'proven' | 'assumed' | 'none';
  access: 'read' | 'write' | 'ordered';
  effects: Effect[];
  /** For `assumed`: the calls taken to be I/O by their names. */
  assumedCalls: string[];
  memos: string[];
  limiters: string[];
  /** One connection or session, or an operation that takes a position or sequence number. */
  serialised: boolean;
  callees: LinkedFunction[];
  /** Every I/O it waits on goes through functions that answer from memory after their first call (a one-slot
   *  memo, a caching decorator): the first of them and why (LinkedFunction.memoisedRead). */
  memoised?: { name: string; reason: string; byArguments: boolean };
  /** The write that makes `access` a write when the effects alone would not show it (ExpressionEffects.writes). */
  writes?: WriteFact;
}

/**
 * The awaited work provably leaves the database (an HTTP call to another service, a cache, a queue): it does not
 * queue on a transaction's one connection, so running it inside a transaction does not serialise it. Database
 * work, and work known only by name, is taken to be on the transaction.
 */
export function offTransaction(evidence: IoEvidence): boolean {
  return evidence.level === 'proven' && evidence.effects.length > 0 && evidence.effects.every((effect) => effect.kind !== 'database');
}

export interface SiteFrequency {
  role: Role;
  reason: string;
  /** The function the node is in, when it is in one. */
  fn?: LinkedFunction;
}

/** How often a module value is used, and the user that says so. */
export interface ValueUsage {
  role: Role;
  reason: string;
  file: string;
  line: number;
}

const ROLE_ORDER: Record<Role, number> = { request: 0, occasional: 1, background: 2, unknown: 3, once: 4 };

/** An identifier that reads a binding: not a declaration's name, a property name or a member after a dot. */
function isReference(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (!parent) return false;
  if ((ts.isVariableDeclaration(parent) || ts.isParameter(parent) || ts.isFunctionDeclaration(parent) || ts.isClassDeclaration(parent) || ts.isBindingElement(parent)) && parent.name === node) return false;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false;
  if ((ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent) || ts.isMethodDeclaration(parent)) && parent.name === node) return false;
  if (ts.isImportSpecifier(parent) || ts.isImportClause(parent) || ts.isExportSpecifier(parent) || ts.isNamespaceImport(parent)) return false;
  return true;
}

/** The top-level `const x = ...` whose initializer holds `node` (outside any function). */
function topLevelHolder(node: ts.Node): string | undefined {
  for (let current = node.parent; current && !ts.isSourceFile(current); current = current.parent) {
    if (ts.isFunctionLike(current) || ts.isClassLike(current)) return undefined;
    if (ts.isVariableDeclaration(current) && ts.isIdentifier(current.name) && ts.isSourceFile(current.parent.parent.parent)) return current.name.text;
  }
  return undefined;
}

export class ModelView {
  private readonly byPos = new Map<number, string>();
  private readonly context: ClassifyContext;
  private readonly expressionCache = new Map<ts.Node, ExpressionEffects>();
  private readonly usageCache = new Map<string, ValueUsage | undefined>();
  private readonly routeCache = new Map<string, RouteFact[]>();

  constructor(
    private readonly sourceFile: ts.SourceFile,
    scope: ImportScope,
    readonly summary: FileSummary,
    private readonly facts: FileModelFacts,
  ) {
    for (const fn of summary.functions) this.byPos.set(fn.pos, fn.key);
    this.context = { scope, sourceFile, classes: summary.classes, values: summary.values, locals: summary.locals };
  }

  /** The summarised function a node is in (the innermost one), with its linked facts. */
  functionOf(node: ts.Node): LinkedFunction | undefined {
    for (let current: ts.Node | undefined = node; current; current = current.parent) {
      if (ts.isFunctionLike(current) && (current as ts.FunctionLikeDeclaration).body) {
        const key = this.byPos.get(current.getStart(this.sourceFile));
        if (key !== undefined) return this.facts.functions[key];
      }
    }
    return undefined;
  }

  /** How often the code at `node` runs: the role of its function, or once for module top level. */
  frequencyOf(node: ts.Node): SiteFrequency {
    const fn = this.functionOf(node);
    if (!fn) return { role: 'once', reason: 'module top level: runs once when the module loads' };
    // Under `if (viaJob)`: only the callers whose flag literals let it through reach this code (flags.ts).
    for (let current: ts.Node | undefined = node.parent; current; current = current.parent) {
      if (!ts.isFunctionLike(current)) continue;
      const key = this.byPos.get(current.getStart(this.sourceFile));
      const owner = key !== undefined ? this.facts.functions[key] : undefined;
      if (!owner?.flaggedCallers) continue;
      const guards = flagGuards(node, current);
      // A function that is an entry itself (a route, a job) is reached with any arguments its framework passes.
      const ownEntry = owner.roleReason && !owner.roleReason.startsWith('called from ') ? [{ role: owner.role, reason: owner.roleReason }] : [];
      const reaching = roleUnderGuards(guards, [...owner.flaggedCallers, ...ownEntry]);
      if (reaching) return { role: reaching.role, reason: `reached only when ${guards.map((g) => `\`${g.text}\` is ${g.value}`).join(' and ')}: ${reaching.reason}`, fn };
      break;
    }
    // An inline callback takes its role from the function it is written in (the linker gives it that role).
    return { role: fn.role, reason: fn.roleReason || `no caller of ${fn.name} found in the project: how often it runs is unknown`, fn };
  }

  /** Functions in other files that use this file's module value `name` (exported and imported), per-request first. */
  usersOfValue(name: string): ValueUser[] {
    return this.facts.valueUsers?.[name] ?? [];
  }

  /**
   * How often a module value (a pool, an agent, a client built once) is used: the most frequent role among
   * the functions that reference it, in this file and in files that import it (value-users.ts). A value handed
   * at module level to another module value (`const client = axios.create({ httpsAgent: agent })`,
   * `const repo = new Repo(pool)`) is used as often as that one. Undefined when nothing uses it.
   */
  usageOf(name: string, depth = 0): ValueUsage | undefined {
    const cached = this.usageCache.get(name);
    if (cached !== undefined || this.usageCache.has(name)) return cached;
    this.usageCache.set(name, undefined); // a cycle of module values ends here
    let best: ValueUsage | undefined;
    const consider = (usage: ValueUsage | undefined): void => {
      if (usage && (!best || ROLE_ORDER[usage.role] < ROLE_ORDER[best.role])) best = usage;
    };
    for (const user of this.usersOfValue(name)) {
      consider({ role: user.role, reason: `\`${name}\` is used by ${user.fn} (${user.file}:${user.line}), which ${user.role === 'unknown' ? 'has no known caller' : user.roleReason || user.role}`, file: user.file, line: user.line });
    }
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node) && node.text === name && isReference(node)) {
        const fn = this.functionOf(node);
        const line = this.sourceFile.getLineAndCharacterOfPosition(node.getStart(this.sourceFile)).line + 1;
        if (fn) consider({ role: fn.role, reason: `\`${name}\` is used by ${fn.name} (line ${line}), ${fn.role === 'unknown' ? 'which has no known caller' : `which ${fn.roleReason || fn.role}`}`, file: this.summary.file, line });
        else if (depth < 3) {
          const holder = topLevelHolder(node);
          if (holder && holder !== name) {
            const through = this.usageOf(holder, depth + 1);
            if (through) consider({ ...through, reason: `\`${name}\` is built into \`${holder}\` (line ${line}); ${through.reason}` });
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(this.sourceFile);
    this.usageCache.set(name, best);
    return best;
  }

  /**
   * How often a value built once at `node` is used: a module-level construction (`export const agent = new
   * https.Agent()`, or one nested in a module value's initializer) is used as often as that module value; one
   * built in a class field or constructor as often as the class's busiest method. Undefined when neither.
   */
  usageAt(node: ts.Node): ValueUsage | undefined {
    const holder = topLevelHolder(node);
    if (holder) return this.usageOf(holder);
    for (let current = node.parent; current && !ts.isSourceFile(current); current = current.parent) {
      const member = ts.isPropertyDeclaration(current) ? current : ts.isConstructorDeclaration(current) ? current : undefined;
      if (!member) {
        if (ts.isFunctionLike(current)) return undefined;
        continue;
      }
      const cls = member.parent;
      const className = ts.isClassLike(cls) ? cls.name?.text : undefined;
      if (!className) return undefined;
      let best: ValueUsage | undefined;
      for (const fn of this.summary.functions) {
        if (fn.className !== className || fn.name === 'constructor') continue;
        const linked = this.facts.functions[fn.key];
        if (linked && (!best || ROLE_ORDER[linked.role] < ROLE_ORDER[best.role])) {
          best = { role: linked.role, reason: `built once per ${className} and used by ${linked.name} (line ${linked.line}), which ${linked.role === 'unknown' ? 'has no known caller' : linked.roleReason || linked.role}`, file: this.summary.file, line: linked.line };
        }
      }
      return best;
    }
    return undefined;
  }

  /**
   * The file runs itself: it calls one of its functions at its top level (`main()`, `bootstrap()`), so it is a
   * program's entry (a script, a server's start file). Importing it would run that function too, so other files
   * do not import it for its values: what this file's own functions do with an exported value is all it serves.
   */
  runsAtLoad(): boolean {
    return this.summary.runsAtLoad === true;
  }

  /** Other files that assign defaults of the module value built at `node` (`api.defaults.httpsAgent = agent`). */
  settingsElsewhere(node: ts.Node): ValueSetting[] {
    const holder = topLevelHolder(node);
    return holder ? (this.facts.valueSettings?.[holder] ?? []) : [];
  }

  /**
   * The declared routes that reach the code at `node` (routes.ts): those of the function it is in; for a value
   * built once (a module-level pool or agent, a class field), those of the functions that use the value, in
   * this file and in the files that import it, as usageAt() finds them. Empty when no declared route does.
   */
  routesAt(node: ts.Node): RouteFact[] {
    const fn = this.functionOf(node);
    if (fn && !fn.name.endsWith('.constructor') && fn.name !== 'constructor') return fn.routes ?? [];
    const holder = topLevelHolder(node);
    if (holder) return this.routesOfValue(holder, 0);
    for (let current = node.parent; current && !ts.isSourceFile(current); current = current.parent) {
      if (!ts.isPropertyDeclaration(current) && !ts.isConstructorDeclaration(current)) continue;
      const className = ts.isClassLike(current.parent) ? current.parent.name?.text : undefined;
      const routes: RouteFact[] = [];
      for (const member of this.summary.functions) {
        if (className && member.className === className && member.name !== 'constructor') addRoutes(routes, this.facts.functions[member.key]?.routes ?? []);
      }
      return routes;
    }
    return [];
  }

  private routesOfValue(name: string, depth: number): RouteFact[] {
    const cached = this.routeCache.get(name);
    if (cached) return cached;
    const routes: RouteFact[] = [];
    this.routeCache.set(name, routes); // a cycle of module values ends here
    for (const user of this.usersOfValue(name)) addRoutes(routes, user.routes ?? []);
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node) && node.text === name && isReference(node)) {
        const fn = this.functionOf(node);
        if (fn) addRoutes(routes, fn.routes ?? []);
        else if (depth < 3) {
          const holder = topLevelHolder(node);
          if (holder && holder !== name) addRoutes(routes, this.routesOfValue(holder, depth + 1));
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(this.sourceFile);
    return routes;
  }

  /** Every module value of this file used from other files, with its users. */
  valueUsers(): Record<string, ValueUser[]> {
    return this.facts.valueUsers ?? {};
  }

  /** The project function a call resolves to, when the model can follow it (not its arguments' callees). */
  calleeOf(call: ts.CallExpression | ts.NewExpression): LinkedFunction | undefined {
    const outcome = classifyCall(call, this.context);
    return outcome?.kind === 'call' ? (this.facts.callees[refKey(outcome.ref)] ?? undefined) : undefined;
  }

  /** What evaluating `expression` does: every call in it, inline callbacks included, other functions not. */
  effectsOf(expression: ts.Node): ExpressionEffects {
    const cached = this.expressionCache.get(expression);
    if (cached) return cached;
    const result: ExpressionEffects = { effects: [], callees: [], unresolved: [], limiters: [], memos: [] };
    const visit = (node: ts.Node): void => {
      // `import('x')` and `require('x')` load modules: not I/O a Promise.all would overlap.
      const loadsModule = ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'));
      if ((ts.isCallExpression(node) || ts.isTaggedTemplateExpression(node)) && !loadsModule) {
        const outcome = classifyCall(node, this.context);
        if (outcome?.kind === 'io') {
          const line = this.sourceFile.getLineAndCharacterOfPosition(node.getStart(this.sourceFile)).line + 1;
          result.effects.push({ ...outcome.effect, line, chain: [], file: this.summary.file });
        } else if (outcome?.kind === 'memory') {
          // Answered in memory: known, and no I/O. A cache-through call's loader runs only on a miss.
          if (ts.isCallExpression(node) && cacheThroughCall(node)) return;
        } else if (outcome?.kind === 'limiter') {
          result.limiters.push(outcome.via);
        } else if (outcome?.kind === 'call') {
          const callee = this.facts.callees[refKey(outcome.ref)];
          if (callee) {
            result.callees.push(callee);
            const said = accessOfCall(node);
            const override = (said.source === 'rpc' || said.source === 'sql') && said.access !== 'unknown' ? said.access : undefined;
            // A synthetic handle (`mailer.sendMail`) is its own via: no name to prepend.
            const prefix = callee.hasBody ? [callee.name] : [];
            for (const effect of callee.effects) {
              const access = override && (effect.kind === 'network' || effect.kind === 'database') ? override : effect.access;
              const here = callee.hasBody ? {} : { file: this.summary.file, line: this.sourceFile.getLineAndCharacterOfPosition(node.getStart(this.sourceFile)).line + 1 };
              result.effects.push({ ...effect, access, chain: [...prefix, ...effect.chain], ...here });
            }
            result.limiters.push(...callee.limiters);
            result.memos.push(...callee.memos);
            const write = callee.writes;
            if (write && !result.writes && (override !== 'read' || (write.kind !== 'network' && write.kind !== 'database'))) {
              result.writes = callee.hasBody ? { ...write, chain: [callee.name, ...write.chain] } : { ...write, file: this.summary.file, line: this.sourceFile.getLineAndCharacterOfPosition(node.getStart(this.sourceFile)).line + 1 };
            }
          } else {
            result.unresolved.push(calleeText(node, this.sourceFile));
          }
        } else if (ts.isCallExpression(node) && !isBuiltinHelper(node)) {
          result.unresolved.push(calleeText(node, this.sourceFile));
        }
      }
      // Named functions declared inside are their own; callbacks passed inline are part of this work.
      if (ts.isFunctionDeclaration(node) || ts.isClassLike(node)) return;
      ts.forEachChild(node, visit);
    };
    visit(expression);
    this.expressionCache.set(expression, result);
    return result;
  }

  /** How sure the model is that awaiting `expression` waits on I/O, and what kind of access it is. */
  ioEvidence(expression: ts.Node, operationName: string): IoEvidence {
    const found = this.effectsOf(expression);
    // An instance built right here has its memo fields empty: the first call is a load (classify.ts).
    const memoised = memoisedThrough(found, freshLocalInstance(expression));
    const base = { memos: found.memos, limiters: found.limiters, callees: found.callees, ...(memoised ? { memoised } : {}), ...(found.writes ? { writes: found.writes } : {}) };
    if (found.effects.length > 0) {
      const serialised = found.effects.some((e) => e.single || e.ordered);
      let access: IoEvidence['access'] = serialised ? 'ordered' : 'read';
      if (!serialised) {
        for (const effect of found.effects) {
          if (effect.access === 'write') access = 'write';
          else if (effect.access === 'unknown' && combinedAccess([operationName]) !== 'read') access = 'write';
        }
        // A callee that reads first and writes later is a write: its bounded effects may show only the reads,
        // and a write it makes through a call the model cannot follow is not among them at all.
        if (found.writes) access = 'write';
      }
      // The write is part of the evidence (`updateOne -> this.repo.update`), also when the bounded effects left it out.
      const write = found.writes;
      const effects = write?.kind && !found.effects.some((e) => e.access === 'write') ? [...found.effects, { kind: write.kind, access: 'write' as const, via: write.via, line: write.line, chain: write.chain, file: write.file }] : found.effects;
      return { level: 'proven', access, effects, assumedCalls: [], serialised, ...base };
    }
    const assumedCalls = [...found.unresolved.filter((name) => accessOfName((name.split('.').pop() ?? name).replace(/[^\w$]/g, '')) !== 'unknown'), ...found.callees.flatMap((c) => c.assumed)];
    if (assumedCalls.length > 0) {
      // The awaited call's own arguments (SQL text, an RPC method) say more than its name.
      const own = ts.isCallExpression(expression) || ts.isTaggedTemplateExpression(expression) ? accessOfCall(expression) : undefined;
      const ownAccess = own ? (own.ordered ? 'ordered' : own.access === 'unknown' ? combinedAccess([operationName]) : own.access) : combinedAccess([operationName]);
      const inner = combinedAccess(assumedCalls);
      const access = ownAccess === 'ordered' || inner === 'ordered' ? 'ordered' : ownAccess === 'write' || inner === 'write' ? 'write' : 'read';
      return { level: 'assumed', access, effects: [], assumedCalls: [...new Set(assumedCalls)], serialised: access === 'ordered', ...base };
    }
    return { level: 'none', access: 'read', effects: [], assumedCalls: [], serialised: false, ...base };
  }
}

/** The expression's I/O all comes through project functions that answer from memory after their first call. */
function memoisedThrough(found: ExpressionEffects, freshInstance: boolean): IoEvidence['memoised'] {
  const working = found.callees.filter((c) => c.effects.length > 0 || c.assumed.length > 0);
  const first = working[0];
  if (!first?.memoisedRead || !working.every((c) => c.memoisedRead && c.hasBody && !(freshInstance && c.memoisedPerInstance))) return undefined;
  // No I/O of its own beside them: a direct library call, or a call the model could not follow whose name reads as I/O.
  if (found.effects.some((e) => !working.some((c) => e.chain[0] === c.name))) return undefined;
  if (found.unresolved.some((name) => accessOfName((name.split('.').pop() ?? name).replace(/[^\w$]/g, '')) !== 'unknown')) return undefined;
  return { name: first.name, reason: first.memoisedRead, byArguments: working.some((c) => c.memoisedByArguments) };
}

/** Read, write or ordered for a set of operation names: any write makes it a write, any ordered ordered. */
function combinedAccess(names: string[]): 'read' | 'write' | 'ordered' {
  let result: 'read' | 'write' | 'ordered' = 'read';
  for (const name of names) {
    const last = name.split('.').pop() ?? name;
    const access = accessOfName(last.replace(/[^\w$]/g, ''));
    if (access === 'ordered') return 'ordered';
    if (access === 'write' || access === 'unknown') result = 'write';
  }
  return result;
}

/** Calls that never do I/O: Promise combinators, JSON, Math, array and string helpers on literals. */
function isBuiltinHelper(call: ts.CallExpression): boolean {
  const callee = call.expression;
  if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
    return /^(Promise|JSON|Math|Object|Array|Number|String|Date|Buffer|console|Reflect|Symbol|BigInt)$/.test(callee.expression.text);
  }
  return false;
}

function calleeText(call: ts.CallExpression | ts.TaggedTemplateExpression, sourceFile: ts.SourceFile): string {
  const callee = ts.isCallExpression(call) ? call.expression : call.tag;
  const text = callee.getText(sourceFile).replace(/\s+/g, ' ');
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** `a -> b -> axios.post (axios)`: the chain from `from` to the I/O, for evidence. */
export function chainText(effect: Effect, from?: string): string {
  return [...(from ? [from] : []), ...effect.chain, effect.via].join(' -> ');
}

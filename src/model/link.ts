import { record } from './records.js';
import type { CodecFact } from './codec.js';
import { indexValueSettings, indexValueUsers, type ValueSetting, type ValueUser } from './value-users.js';
import type { Construction } from './constructions.js';
import type { FileRole } from '../scanner/roles.js';
import { accessOfName } from './io-catalog.js';
import { ModuleResolver } from './resolve-module.js';
import { PackageIndex } from './packages.js';
import { addRoutes, joinRoutePath, MAX_ROUTES, OCCASIONAL_PATH } from './routes.js';
import type { PassedCollection } from './collection-size.js';

import {
  refKey,
  type CalleeRef,
  type ClassRef,
  type ClassSummary,
  type Effect,
  type EntryKind,
  type FileModelFacts,
  type FlaggedCaller,
  type FileSummary,
  type FunctionSummary,
  type HeldValue,
  type LinkedFunction,
  type IoKind,
  type Role,
  type RouteFact,
  type WriteFact,
} from './types.js';

/** Route handlers for operators, by where they are written: `src/routes/internal/sync.ts`, `controllers/admin/`. */
const OPERATOR_ROUTE_DIRECTORY = /(^|\/)(routes?|controllers?|handlers?|api)\/(.+\/)?(internal|admin|ops)\//;

/**
 * The project model: every file's summary linked across imports, class fields and inheritance. Effects flow
 * from callees to callers and roles from entry points (route handlers, jobs, top-level calls) to callees, in
 * bounded passes, so the cost stays linear in the number of call edges.
 */

const MAX_EFFECTS = 6;
const MAX_SET = 6;
const MAX_PASSES = 8;
const MAX_DEPTH = 6;
const MAX_FLAGGED_CALLERS = 8;
/** Implementations of an interface method followed before the call is left unresolved. */
const MAX_IMPLEMENTATIONS = 12;

interface Node {
  id: string;
  file: string;
  summary: FunctionSummary;
  effects: Effect[];
  memos: string[];
  limiters: string[];
  assumed: string[];
  /** Resolved targets of calls and inner functions: [target id, whether it is an inner function]. */
  targets: Array<{ id: string; inner: boolean; inLoop: boolean; line: number; access?: 'read' | 'write' | 'unknown'; endless?: boolean }>;
  role: Role;
  roleReason: string;
  callers: Array<{ id: string; line: number; flags?: Record<string, boolean>; argc?: number; numbers?: Record<string, number>; collections?: Record<string, PassedCollection> }>;
  transaction?: string;
  transactionPartly?: string;
  /** Names of calls that resolved to nothing but read as I/O (FunctionSummary.opaqueIfUnresolved). */
  unresolvedOpaque?: string[];
  /** Declared routes whose handlers reach this function (routes.ts). */
  routes?: RouteFact[];
  /** Answers from memory after its first call, and why (LinkedFunction.memoisedRead). */
  memoisedRead?: string;
  /** LinkedFunction.memoisedByArguments and memoisedPerInstance. */
  memoisedByArguments?: boolean;
  memoisedPerInstance?: boolean;
  /** Decorated by a project decorator whose body caches (FunctionSummary.cachingWrapper): its name. */
  cachedByProject?: string;
  /** The first write its work reaches (WriteFact): kept apart from the bounded `effects`. */
  writes?: WriteFact;
}

const ROLE_RANK: Record<EntryKind, number> = { request: 4, occasional: 3, background: 2, once: 1 };

/** Directories that hold work a framework starts in the background (queue processors, workers, cron jobs). */
const BACKGROUND_DIRECTORY = /(^|\/)(queues?|workers?|jobs?|processors?|consumers?|crons?|schedulers?|tasks)\//i;

export class ProjectModel {
  private readonly summaries = new Map<string, FileSummary>();
  private readonly nodes = new Map<string, Node>();
  /** Synthetic functions for I/O handles reached through project code (`this.prisma.user.findMany`). */
  private readonly synthetic = new Map<string, LinkedFunction>();
  private readonly resolver: ModuleResolver;
  private readonly resolvedRefs = new Map<string, string | null>();

  constructor(
    private readonly cwd: string,
    summaries: FileSummary[],
    private readonly fileRoles: ReadonlyMap<string, FileRole>,
  ) {
    for (const summary of summaries) this.summaries.set(summary.file, summary);
    this.resolver = new ModuleResolver(cwd, new Set(this.summaries.keys()));
    for (const summary of summaries) {
      for (const fn of summary.functions) {
        const id = idOf(summary.file, fn.key);
        this.nodes.set(id, { id, file: summary.file, summary: fn, effects: [], memos: [], limiters: [], assumed: [], targets: [], role: 'unknown', roleReason: '', callers: [] });
      }
    }
    this.linkCalls();
    this.findProjectCacheDecorators();
    this.propagateEffects();
    this.markMemoisedReads();
    this.assignRoles();
    this.propagateRoutes();
    this.gradeOperatorRoutes();
    this.propagateTransactions();
  }

  /**
   * A function only operator routes reach (`/internal/...`, `/admin/...` once mount prefixes are joined, which
   * the handler's own path does not show) serves the operators, not the traffic: graded like a write or admin
   * endpoint, one step below per request.
   */
  private gradeOperatorRoutes(): void {
    for (const node of this.nodes.values()) {
      const routes = node.routes ?? [];
      if (node.role !== 'request' || routes.length === 0 || routes.length >= MAX_ROUTES) continue;
      if (!routes.every((route) => OCCASIONAL_PATH.test(route.path))) continue;
      node.role = 'occasional';
      const paths = routes.slice(0, 3).map((route) => `${route.method} ${route.path}`).join(', ');
      node.roleReason = `${node.roleReason}; every route that reaches it is an operator path (${paths}): graded below the traffic`;
    }
  }

  get fileCount(): number {
    return this.summaries.size;
  }

  summaryOf(file: string): FileSummary | undefined {
    return this.summaries.get(file);
  }

  /** The plain facts rules in `file` may use; also what the findings cache key hashes. */
  factsFor(file: string): FileModelFacts {
    const facts: FileModelFacts = { functions: record(), callees: record() };
    const summary = this.summaries.get(file);
    if (!summary) return facts;
    const users = this.valueUsers().get(file);
    if (users) facts.valueUsers = users;
    const settings = this.valueSettings().get(file);
    if (settings) facts.valueSettings = settings;
    for (const fn of summary.functions) {
      const node = this.nodes.get(idOf(file, fn.key));
      if (node) facts.functions[fn.key] = this.linked(node);
      for (const call of fn.calls) {
        const key = refKey(call.ref);
        if (key in facts.callees) continue;
        const target = this.resolveRef(file, call.ref);
        facts.callees[key] = target ? this.linkedById(target) : null;
      }
    }
    return facts;
  }

  private valueUsersIndex: Map<string, Record<string, ValueUser[]>> | undefined;

  /** Module values used from other files (see value-users.ts), built once on first use. */
  private valueUsers(): Map<string, Record<string, ValueUser[]>> {
    this.valueUsersIndex ??= indexValueUsers(this.summaries, (from, module) => this.resolver.resolve(from, module), (file, key) => this.nodes.get(idOf(file, key)));
    return this.valueUsersIndex;
  }

  private valueSettingsIndex: Map<string, Record<string, ValueSetting[]>> | undefined;

  /** Module values whose defaults other files assign (see value-users.ts), built once on first use. */
  private valueSettings(): Map<string, Record<string, ValueSetting[]>> {
    this.valueSettingsIndex ??= indexValueSettings(this.summaries, (from, module) => this.resolver.resolve(from, module));
    return this.valueSettingsIndex;
  }

  /** For `explain`: callers of a function, as `file:line name`. */
  callersOf(file: string, key: string): string[] {
    const node = this.nodes.get(idOf(file, key));
    if (!node) return [];
    return node.callers.slice(0, 8).map((caller) => {
      const from = this.nodes.get(caller.id);
      return from ? `${from.file}:${caller.line} ${from.summary.key}` : caller.id;
    });
  }

  linkedFunction(file: string, key: string): LinkedFunction | undefined {
    const node = this.nodes.get(idOf(file, key));
    return node ? this.linked(node) : undefined;
  }

  private linkedById(id: string): LinkedFunction | null {
    const node = this.nodes.get(id);
    if (node) return this.linked(node);
    return this.synthetic.get(id) ?? null;
  }

  private linked(node: Node): LinkedFunction {
    const guard = this.guardOf(node);
    return {
      id: node.id,
      name: node.summary.key,
      file: node.file,
      line: node.summary.line,
      effects: node.effects,
      role: node.role,
      roleReason: node.roleReason,
      assumed: node.assumed,
      memos: node.memos,
      limiters: node.limiters,
      validatorOnly: node.summary.validatorOnly,
      ...(node.writes ? { writes: node.writes } : {}),
      ...(guard ? { guard } : {}),
      hasBody: node.summary.hasBody,
      ...(node.transaction ? { transaction: node.transaction } : {}),
      ...(node.transactionPartly ? { transactionPartly: node.transactionPartly } : {}),
      ...(node.summary.memoKey ? { memoKey: node.summary.memoKey } : {}),
      ...(node.memoisedRead ? { memoisedRead: node.memoisedRead } : {}),
      ...(node.memoisedByArguments ? { memoisedByArguments: true } : {}),
      ...(node.memoisedPerInstance ? { memoisedPerInstance: true } : {}),
      ...(node.routes ? { routes: node.routes } : {}),
      ...(this.codecOf(node, 0) ? { codec: this.codecOf(node, 0) } : {}),
      ...(this.constructionsOf(node, 0).length > 0 ? { constructs: this.constructionsOf(node, 0) } : {}),
      // All callers or none: a caller left out could be the one that reaches the flagged code.
      ...(node.callers.length <= MAX_FLAGGED_CALLERS && node.callers.some((c) => c.flags) ? { flaggedCallers: this.flaggedCallers(node) } : {}),
      ...(node.callers.length > 0 && node.callers.length <= MAX_FLAGGED_CALLERS && node.callers.every((c) => c.numbers) ? { argumentNumbers: argumentNumbers(node.callers) } : {}),
      ...(node.callers.some((c) => c.collections) ? { passedCollections: passedByCallers(node.callers) } : {}),
    };
  }

  private readonly codecCache = new Map<string, CodecFact | null>();

  /**
   * What a small transform does to its input, through the project helpers it calls (`compress -> encode ->
   * toBase64`): a compressor anywhere on the way wins; otherwise the encodings of every hop. A hop the model
   * cannot resolve, or that has no fact of its own, leaves the function without one.
   */
  private codecOf(node: Node, depth: number): CodecFact | undefined {
    const own = node.summary.codec;
    if (!own) return undefined;
    if (!own.via) return own;
    const cached = this.codecCache.get(node.id);
    if (cached !== undefined || this.codecCache.has(node.id)) return cached ?? undefined;
    this.codecCache.set(node.id, null); // a cycle of helpers has no fact
    if (depth > MAX_DEPTH) return undefined;
    const fact: CodecFact = { encodings: [...own.encodings], ...(own.compressor ? { compressor: own.compressor } : {}) };
    const chain: string[] = [];
    for (const ref of own.via) {
      const target = this.resolveRef(node.file, ref);
      const callee = target ? this.nodes.get(target) : undefined;
      const inner = callee && callee.id !== node.id ? this.codecOf(callee, depth + 1) : undefined;
      if (!callee || !inner) return undefined;
      chain.push(`${callee.summary.name}() (${callee.file}:${callee.summary.line})`, ...(inner.chain ?? []));
      if (inner.compressor) fact.compressor ??= `${inner.compressor} in ${callee.summary.name}()`;
      for (const encoding of inner.encodings) if (!fact.encodings.includes(encoding)) fact.encodings.push(encoding);
    }
    if (!fact.compressor && fact.encodings.length === 0) return undefined;
    if (chain.length > 0) fact.chain = chain.slice(0, 6);
    this.codecCache.set(node.id, fact);
    return fact;
  }

  private readonly constructionCache = new Map<string, Construction[]>();

  /**
   * The agents a function builds: its own `new` expressions (a class imported from another project file counts
   * when that class extends an agent), and the agents returned by the project functions whose result it returns
   * (a factory calling a factory), unless a function on the way memoises its result.
   */
  private constructionsOf(node: Node, depth: number): Construction[] {
    const cached = this.constructionCache.get(node.id);
    if (cached) return cached;
    this.constructionCache.set(node.id, []); // a cycle of factories ends here
    const found: Construction[] = [];
    for (const construction of node.summary.constructs ?? []) {
      if (!construction.classRef) {
        found.push(construction);
        continue;
      }
      const base = this.agentBaseOf(node.file, { kind: 'import', module: construction.classRef.module, name: construction.classRef.name }, 0);
      if (base) {
        found.push({ what: `${construction.what} (extends ${base.what}, ${base.file})`, family: base.family, protocol: base.protocol, line: construction.line, keepAlive: construction.keepAlive, returned: construction.returned });
      }
    }
    if (depth < MAX_DEPTH) {
      for (const call of node.summary.calls) {
        if (!call.returned) continue;
        const targetId = this.resolveRef(node.file, call.ref);
        const target = targetId ? this.nodes.get(targetId) : undefined;
        if (!target || target === node || target.summary.memo || target.summary.cachedBy) continue;
        for (const inner of this.constructionsOf(target, depth + 1)) {
          if (!inner.returned || found.length >= MAX_SET) continue;
          found.push({ ...inner, file: inner.file ?? target.file, via: [target.summary.key, ...(inner.via ?? [])], returned: true });
        }
      }
    }
    this.constructionCache.set(node.id, found);
    return found;
  }

  /** `class X extends https.Agent` (or extends a project class that does), found from a file that names X. */
  private agentBaseOf(file: string, ref: ClassRef, depth: number): (NonNullable<ClassSummary['agentBase']> & { file: string }) | undefined {
    if (depth > MAX_DEPTH) return undefined;
    const location = this.classLocation(file, ref, depth + 1);
    const cls = location ? this.summaries.get(location.file)?.classes[location.name] : undefined;
    if (!location || !cls) return undefined;
    if (cls.agentBase) return { ...cls.agentBase, file: location.file };
    return cls.extends?.kind === 'class' ? this.agentBaseOf(location.file, cls.extends.ref, depth + 1) : undefined;
  }

  /** Callers with their roles and the flag literals they pass (flags.ts), for code under `if (flag)`. */
  private flaggedCallers(node: Node): FlaggedCaller[] {
    return node.callers.map((caller) => {
      const from = this.nodes.get(caller.id);
      const reason = from ? `called from ${from.summary.key} (${from.file}:${caller.line}), ${describeRoleSource(from.roleReason || 'no caller found')}` : caller.id;
      return { role: from?.role ?? 'unknown', reason, ...(caller.flags ? { flags: caller.flags } : {}), ...(caller.argc !== undefined ? { argc: caller.argc } : {}) };
    });
  }

  // ---------------------------------------------------------------------------------------------------------
  // Resolving references
  // ---------------------------------------------------------------------------------------------------------

  private linkCalls(): void {
    for (const node of this.nodes.values()) {
      for (const call of node.summary.calls) {
        const target = this.resolveRef(node.file, call.ref);
        if (!target) {
          const name = node.summary.opaqueIfUnresolved?.[refKey(call.ref)];
          if (name) (node.unresolvedOpaque ??= []).push(name);
        }
        if (!target || target === node.id) continue;
        node.targets.push({ id: target, inner: false, inLoop: call.inLoop, line: call.line, ...(call.access ? { access: call.access } : {}), ...(call.endless ? { endless: true } : {}) });
        this.nodes.get(target)?.callers.push({ id: node.id, line: call.line, ...(call.flags ? { flags: call.flags } : {}), ...(call.argc !== undefined ? { argc: call.argc } : {}), ...(call.numbers ? { numbers: call.numbers } : {}), ...(call.collections ? { collections: call.collections } : {}) });
      }
      for (const inner of node.summary.inner) {
        const id = idOf(node.file, inner);
        if (this.nodes.has(id)) node.targets.push({ id, inner: true, inLoop: false, line: node.summary.line });
      }
    }
  }

  /** The id of the function (or synthetic I/O handle) a reference in `file` names, if the project has it. */
  resolveRef(file: string, ref: CalleeRef): string | undefined {
    const key = `${file}\0${refKey(ref)}`;
    const cached = this.resolvedRefs.get(key);
    if (cached !== undefined) return cached ?? undefined;
    // In progress: a factory that returns its own result (or a cycle of them) resolves to nothing.
    this.resolvedRefs.set(key, null);
    const found = this.resolveRefUncached(file, ref);
    this.resolvedRefs.set(key, found ?? null);
    return found;
  }

  private resolveRefUncached(file: string, ref: CalleeRef): string | undefined {
    const summary = this.summaries.get(file);
    if (!summary) return undefined;
    switch (ref.kind) {
      case 'local':
        return this.resolveLocal(file, ref.name, ref.member, 0);
      case 'import': {
        const target = this.resolver.resolve(file, ref.module);
        if (!target) return undefined;
        return this.resolveExport(target, ref.path, 0);
      }
      case 'this':
        return this.resolveMethod(file, ref.className, ref.method, 0);
      case 'field': {
        const held = this.fieldOf(file, ref.className, ref.field, 0);
        if (!held) return undefined;
        return this.resolveHeldMember(held.file, held.value, [ref.method], `this.${ref.field}.${ref.method}`, 0);
      }
      case 'returned':
        return this.resolveHeldMember(file, { kind: 'returned', ref: ref.factory, ...(ref.single ? { single: true } : {}) }, ref.members, `${refLabel(ref.factory)}().${ref.members.join('.')}`, 0);
      case 'passed':
        return this.resolveHeldMember(file, { kind: 'passed', callee: ref.callee, argument: ref.argument, parameter: ref.parameter }, ref.members, `(what ${refLabel(ref.callee)} passes).${ref.members.join('.')}`, 0);
    }
  }

  private resolveLocal(file: string, name: string, member: string | undefined, depth: number): string | undefined {
    const summary = this.summaries.get(file);
    if (!summary || depth > MAX_DEPTH) return undefined;
    if (member === undefined) {
      const key = summary.locals[name];
      if (key !== undefined) return idOf(file, key);
      // `export const getRates = memoize(load)`: a memoised function, answered from memory (memoize.ts).
      const value = summary.values[name];
      if (value?.kind === 'memory') return this.syntheticMemory(value.module);
      // `export default sql` where `const sql = postgres(url)`: the client is called itself (a query tag).
      if (value?.kind === 'io') return this.syntheticIo(file, value, 'query', name);
      // `export const readFlags = makeReader()`: the function the factory returns (factories.ts).
      return value?.kind === 'returned' ? this.resolveHeldMember(file, value, [], name, depth + 1) : undefined;
    }
    const objectMethod = summary.locals[`${name}.${member}`];
    if (objectMethod !== undefined) return idOf(file, objectMethod);
    if (summary.classes[name] || summary.interfaces?.includes(name)) return this.resolveVirtual(file, name, member, depth + 1);
    const value = summary.values[name];
    if (value) return this.resolveHeldMember(file, value, [member], `${name}.${member}`, depth + 1);
    return undefined;
  }

  /** `path[0]` exported by `file` (following re-exports), then `path[1]` as its member. */
  private resolveExport(file: string, refPath: string[], depth: number): string | undefined {
    const summary = this.summaries.get(file);
    if (!summary || depth > MAX_DEPTH) return undefined;
    const [name = 'default', member, ...rest] = refPath;
    if (rest.length > 0) {
      // `prisma.user.findMany()` on an exported client (`export const prisma = new PrismaClient()`): a handle's
      // member chain, as for a module value of the same file.
      const exported = summary.exports[name];
      const value = exported !== undefined ? summary.values[exported] : undefined;
      return value?.kind === 'io' ? this.resolveHeldMember(file, value, [member ?? '', ...rest], refPath.join('.'), depth + 1) : undefined;
    }
    const local = summary.exports[name];
    if (local !== undefined) return this.resolveLocal(file, local, member, depth + 1);
    for (const reexport of summary.reexports) {
      if (reexport.as !== name && reexport.as !== '*') continue;
      const target = this.resolver.resolve(file, reexport.module);
      if (!target) continue;
      const found = this.resolveExport(target, reexport.name === '*' ? refPath : [reexport.name, ...refPath.slice(1)], depth + 1);
      if (found) return found;
    }
    // `import Svc from './svc'; Svc.find()` arrives as ['find']: the default export's member.
    if (member === undefined && name !== 'default' && summary.exports.default !== undefined) return this.resolveLocal(file, summary.exports.default, name, depth + 1);
    return undefined;
  }

  /** Where a class a file names is declared: the same file, or an import followed to its export. */
  private classLocation(file: string, ref: ClassRef, depth: number): { file: string; name: string } | undefined {
    if (depth > MAX_DEPTH) return undefined;
    if (ref.kind === 'local') return this.summaries.get(file)?.classes[ref.name] ? { file, name: ref.name } : undefined;
    if (ref.kind === 'named') return this.classNamed(ref.name);
    const target = this.resolver.resolve(file, ref.module);
    if (!target) return undefined;
    return this.exportedClass(target, ref.name, depth + 1);
  }

  private exportedClass(file: string, name: string, depth: number): { file: string; name: string } | undefined {
    const summary = this.summaries.get(file);
    if (!summary || depth > MAX_DEPTH) return undefined;
    const local = summary.exports[name];
    if (local !== undefined && summary.classes[local]) return { file, name: local };
    for (const reexport of summary.reexports) {
      if (reexport.as !== name && reexport.as !== '*') continue;
      const target = this.resolver.resolve(file, reexport.module);
      const found = target ? this.exportedClass(target, reexport.name === '*' ? name : reexport.name, depth + 1) : undefined;
      if (found) return found;
    }
    return undefined;
  }

  private exportedClassNames: Map<string, Array<{ file: string; name: string }>> | undefined;

  /** The one exported class of this name in the project; none when two files export one (ambiguous). */
  private classNamed(name: string): { file: string; name: string } | undefined {
    if (!this.exportedClassNames) {
      this.exportedClassNames = new Map();
      for (const summary of this.summaries.values()) {
        for (const [exported, local] of Object.entries(summary.exports)) {
          if (!summary.classes[local]) continue;
          const key = exported === 'default' ? local : exported;
          const list = this.exportedClassNames.get(key) ?? [];
          list.push({ file: summary.file, name: local });
          this.exportedClassNames.set(key, list);
        }
      }
    }
    const found = this.exportedClassNames.get(name);
    return found?.length === 1 ? found[0] : undefined;
  }

  private resolveMethod(file: string, className: string, method: string, depth: number): string | undefined {
    const cls = this.summaries.get(file)?.classes[className];
    if (!cls || depth > MAX_DEPTH) return undefined;
    const key = cls.methods[method];
    if (key !== undefined) return idOf(file, key);
    if (!cls.extends) return undefined;
    if (cls.extends.kind === 'class') {
      const base = this.classLocation(file, cls.extends.ref, depth + 1);
      return base ? this.resolveMethod(base.file, base.name, method, depth + 1) : undefined;
    }
    // `class PrismaService extends PrismaClient`: what the class does not define, the library does.
    return this.resolveHeldMember(file, cls.extends, [method], `${className}.${method}`, depth + 1);
  }

  /** Where a class or interface a file names is declared (interfaces followed through exports and re-exports). */
  private typeLocation(file: string, ref: ClassRef, depth: number): { file: string; name: string } | undefined {
    const found = this.classLocation(file, ref, depth);
    if (found || depth > MAX_DEPTH) return found;
    if (ref.kind === 'local') return this.summaries.get(file)?.interfaces?.includes(ref.name) ? { file, name: ref.name } : undefined;
    if (ref.kind !== 'import') return undefined;
    const target = this.resolver.resolve(file, ref.module);
    return target ? this.exportedInterface(target, ref.name, depth + 1) : undefined;
  }

  private exportedInterface(file: string, name: string, depth: number): { file: string; name: string } | undefined {
    const summary = this.summaries.get(file);
    if (!summary || depth > MAX_DEPTH) return undefined;
    const local = summary.exports[name];
    if (local !== undefined && summary.interfaces?.includes(local)) return { file, name: local };
    for (const reexport of summary.reexports) {
      if (reexport.as !== name && reexport.as !== '*') continue;
      const target = this.resolver.resolve(file, reexport.module);
      const found = target ? this.exportedInterface(target, reexport.name === '*' ? name : reexport.name, depth + 1) : undefined;
      if (found) return found;
    }
    return undefined;
  }

  private implementersIndex: Map<string, Array<{ file: string; name: string }>> | undefined;

  /** The project classes that implement or extend the class or interface declared at `file` as `name`, directly. */
  private implementersOf(file: string, name: string): Array<{ file: string; name: string }> {
    if (!this.implementersIndex) {
      const index = new Map<string, Array<{ file: string; name: string }>>();
      for (const summary of this.summaries.values()) {
        for (const [className, cls] of Object.entries(summary.classes)) {
          const bases = [...(cls.implements ?? []), ...(cls.extends?.kind === 'class' ? [cls.extends.ref] : [])];
          for (const base of bases) {
            const location = this.typeLocation(summary.file, base, 0);
            if (!location) continue;
            const key = `${location.file}\u0000${location.name}`;
            const list = index.get(key) ?? [];
            list.push({ file: summary.file, name: className });
            index.set(key, list);
          }
        }
      }
      this.implementersIndex = index;
    }
    return this.implementersIndex.get(`${file}\u0000${name}`) ?? [];
  }

  /**
   * A method called through a value typed by a class or interface. A concrete class's own method is what runs
   * (as before). Through an interface, or an abstract class without a body for the method, what runs is one of
   * the project's implementations: when every implementation (subclasses included) resolves, the call reaches
   * all of them, so their effects are the call's — none when none does I/O; when one cannot be resolved, or there
   * are too many to follow, the call stays unresolved (and its name may be taken as I/O).
   */
  private resolveVirtual(file: string, name: string, method: string, depth: number): string | undefined {
    const cls = this.summaries.get(file)?.classes[name];
    const own = cls ? this.resolveMethod(file, name, method, depth + 1) : undefined;
    if (own !== undefined && !cls?.abstract) return own;
    if (depth > MAX_DEPTH) return own;
    const targets: string[] = own !== undefined ? [own] : [];
    const queue = [...this.implementersOf(file, name)];
    const seen = new Set<string>();
    for (let i = 0; i < queue.length; i++) {
      const sub = queue[i] as { file: string; name: string };
      const key = `${sub.file}\u0000${sub.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (seen.size > MAX_IMPLEMENTATIONS) return own;
      const subClass = this.summaries.get(sub.file)?.classes[sub.name];
      if (!subClass) return own;
      const declared = subClass.methods[method];
      if (declared !== undefined) targets.push(idOf(sub.file, declared));
      else if (own === undefined && !subClass.abstract) {
        // A concrete implementation that inherits the method: from a project base class, or a library's.
        const inherited = this.resolveMethod(sub.file, sub.name, method, depth + 1);
        if (inherited === undefined) return undefined;
        targets.push(inherited);
      }
      queue.push(...this.implementersOf(sub.file, sub.name));
    }
    const unique = [...new Set(targets)];
    if (unique.length <= 1) return unique[0];
    return this.dispatchNode(file, name, method, unique);
  }

  /** A function standing for a call that may run any of `targets` (the implementations of an interface method). */
  private dispatchNode(file: string, name: string, method: string, targets: string[]): string {
    const id = idOf(file, `${name}.${method}@implementations`);
    if (this.nodes.has(id)) return id;
    const summary: FunctionSummary = { key: `${name}.${method}`, name: method, pos: 0, line: 0, endLine: 0, className: name, direct: [], calls: [], opaque: [], inner: [], validatorOnly: false, hasBody: true };
    this.nodes.set(id, { id, file, summary, effects: [], memos: [], limiters: [], assumed: [], targets: targets.map((target) => ({ id: target, inner: false, inLoop: false, line: 0 })), role: 'unknown', roleReason: '', callers: [] });
    for (const target of targets) this.nodes.get(target)?.callers.push({ id, line: 0 });
    return id;
  }

  /** What a class field holds, looking through base classes declared in the project. */
  private fieldOf(file: string, className: string, field: string, depth: number): { file: string; value: HeldValue } | undefined {
    const cls = this.summaries.get(file)?.classes[className];
    if (!cls || depth > MAX_DEPTH) return undefined;
    const value = cls.fields[field];
    if (value) return { file, value };
    if (cls.extends?.kind === 'class') {
      const base = this.classLocation(file, cls.extends.ref, depth + 1);
      return base ? this.fieldOf(base.file, base.name, field, depth + 1) : undefined;
    }
    return undefined;
  }

  /** The function a member of a held value resolves to: a class's method, or a synthetic I/O, limiter or memory handle. */
  private resolveHeldMember(file: string, held: HeldValue, members: string[], via: string, depth: number): string | undefined {
    if (depth > MAX_DEPTH) return undefined;
    switch (held.kind) {
      case 'class': {
        const location = this.typeLocation(file, held.ref, depth + 1);
        return location ? this.resolveVirtual(location.file, location.name, members[0] ?? '', depth + 1) : undefined;
      }
      case 'limiter':
        return this.syntheticLimiter(held.module);
      case 'memory':
        return this.syntheticMemory(held.module);
      case 'function':
        return members.length === 0 ? this.functionAt(file, held.pos) : undefined;
      case 'io':
        return this.syntheticIo(file, held, members.at(-1) ?? '', via);
      case 'returned': {
        // What a factory returns, followed through factories that return other factories' results.
        const node = this.nodes.get(this.resolveRef(file, held.ref) ?? '');
        const returned = node?.summary.returns;
        // `getPool().connect()` then a callback: one connection taken from what the factory returns.
        const value = held.single && returned?.kind === 'io' ? { ...returned, single: true } : returned;
        return node && value ? this.resolveHeldMember(node.file, value, members, via, depth + 1) : undefined;
      }
      case 'passed': {
        const node = this.nodes.get(this.resolveRef(file, held.callee) ?? '');
        const value = node?.summary.passes?.[held.argument]?.[held.parameter];
        return node && value ? this.resolveHeldMember(node.file, value, members, via, depth + 1) : undefined;
      }
    }
  }

  /** The function that starts at `pos` in `file` (a factory's returned function). */
  private functionAt(file: string, pos: number): string | undefined {
    const fn = this.summaries.get(file)?.functions.find((candidate) => candidate.pos === pos);
    return fn ? idOf(file, fn.key) : undefined;
  }

  private syntheticMemory(module: string): string {
    const id = `memory:${module}`;
    if (!this.synthetic.has(id)) {
      this.synthetic.set(id, { id, name: `${module} (in memory)`, file: '', line: 0, effects: [], role: 'unknown', roleReason: '', assumed: [], memos: [], limiters: [], validatorOnly: false, hasBody: false });
    }
    return id;
  }

  private syntheticIo(file: string, held: Extract<HeldValue, { kind: 'io' }>, member: string, via: string): string {
    // One per handle and member: two exported pools must not share one name in evidence.
    const id = `io:${held.module}:${file}:${via}${held.single ? ':single' : ''}`;
    if (!this.synthetic.has(id)) {
      const access = held.access ?? accessOfName(member);
      this.synthetic.set(id, {
        id,
        name: `${via} (${held.module})`,
        file,
        line: 0,
        effects: [{ kind: held.io, access: access === 'ordered' ? 'unknown' : access, via: `${via} (${held.module})`, line: 0, chain: [], file, ...(access === 'ordered' ? { ordered: true } : {}), ...(held.single ? { single: true } : {}) }],
        role: 'unknown',
        roleReason: '',
        assumed: [],
        memos: [],
        limiters: [],
        validatorOnly: false,
        hasBody: false,
      });
    }
    return id;
  }

  private syntheticLimiter(module: string): string {
    const id = `limiter:${module}`;
    if (!this.synthetic.has(id)) {
      this.synthetic.set(id, { id, name: module, file: '', line: 0, effects: [], role: 'unknown', roleReason: '', assumed: [], memos: [], limiters: [module], validatorOnly: false, hasBody: false });
    }
    return id;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Effects, memos and limiters flow from callees to callers
  // ---------------------------------------------------------------------------------------------------------

  private propagateEffects(): void {
    for (const node of this.nodes.values()) {
      node.effects = node.summary.direct.map((effect) => ({ ...effect, chain: [], file: node.file }));
      if (node.summary.memo || node.summary.cachedBy || node.cachedByProject) node.memos = [node.id];
      if (node.summary.limiter) node.limiters = [node.summary.limiter];
      node.assumed = [...new Set([...node.summary.opaque, ...(node.unresolvedOpaque ?? [])])].slice(0, MAX_SET);
      const direct = node.summary.direct.find((e) => e.access === 'write' && !e.idempotent);
      // A call it cannot follow, awaited, whose name is a write (`await store.saveAccount(a)`): a write too, assumed.
      const assumed = direct ? undefined : node.summary.opaqueWrites?.find((name) => node.assumed.includes(name));
      if (direct) node.writes = { via: direct.via, chain: [], file: node.file, line: direct.line, kind: direct.kind };
      else if (assumed) node.writes = { via: assumed, chain: [], file: node.file, line: 0, assumed: true };
    }
    // A worklist: a function is merged again only when one of its callees changed, at most MAX_PASSES times.
    const dependents = new Map<string, Node[]>();
    for (const node of this.nodes.values()) {
      for (const target of node.targets) {
        const list = dependents.get(target.id);
        if (list) list.push(node);
        else dependents.set(target.id, [node]);
      }
    }
    const queue: Node[] = [...this.nodes.values()];
    const queued = new Set<Node>(queue);
    const visits = new Map<Node, number>();
    for (let next = 0; next < queue.length; next++) {
      const node = queue[next] as Node;
      queued.delete(node);
      const count = (visits.get(node) ?? 0) + 1;
      visits.set(node, count);
      if (!this.mergeCallees(node)) continue;
      for (const dependent of dependents.get(node.id) ?? []) {
        if (!queued.has(dependent) && (visits.get(dependent) ?? 0) < MAX_PASSES) {
          queued.add(dependent);
          queue.push(dependent);
        }
      }
    }
  }

  /** A method decorated `@Remember(60)` where the project's `Remember` replaces the method with a memoising one. */
  private findProjectCacheDecorators(): void {
    for (const node of this.nodes.values()) {
      if (node.summary.cachedBy) continue;
      for (const call of node.summary.calls) {
        if (!call.decorator) continue;
        const id = this.resolveRef(node.file, call.ref);
        const decorator = id ? this.nodes.get(id) : undefined;
        if (decorator?.summary.cachingWrapper) {
          node.cachedByProject = `${decorator.summary.key} (${decorator.file}:${decorator.summary.line} replaces the method with one that reads through a cache)`;
          break;
        }
      }
    }
  }

  /**
   * Functions a call of which answers from memory after the first one (LinkedFunction.memoisedRead): a one-slot
   * memo (`if (this.x) return this.x; ...`, an in-flight promise in a field, `this.p ??= load()`), a method a
   * caching decorator wraps, and a function whose every I/O goes through one of those (`keyFor(kid)` reading
   * `this.signingKeys()`). A memo keyed by the arguments is not one: each new key loads again; nor a field memo of
   * a class built per request.
   */
  private markMemoisedReads(): void {
    for (const node of this.nodes.values()) {
      const { memo, memoInFlight } = node.summary;
      const cachedBy = node.summary.cachedBy ?? node.cachedByProject;
      if (cachedBy) {
        node.memoisedRead = `cached by @${cachedBy}`;
        // Cache decorators key their entries by the arguments: a method that takes some has an entry per value.
        if (node.summary.cachedByArguments) node.memoisedByArguments = true;
      } else if (memo && !memo.endsWith('[]') && !node.summary.memoPerRequest) {
        node.memoisedRead = `memoised (${memoInFlight ? 'in-flight promise' : 'value'} in ${memo})`;
        if (memo.startsWith('this.')) node.memoisedPerInstance = true;
      }
    }
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      let changed = false;
      for (const node of this.nodes.values()) {
        if (node.memoisedRead || node.summary.direct.length > 0 || node.summary.opaque.length > 0 || (node.unresolvedOpaque?.length ?? 0) > 0) continue;
        if (node.effects.length === 0 && node.assumed.length === 0) continue;
        let through: Node | undefined;
        let all = true;
        for (const target of node.targets) {
          const callee = this.nodes.get(target.id);
          const works = callee ? callee.effects.length > 0 || callee.assumed.length > 0 : (this.synthetic.get(target.id)?.effects.length ?? 0) > 0;
          if (!works) continue;
          if (!callee?.memoisedRead) {
            all = false;
            break;
          }
          through ??= callee;
        }
        if (all && through) {
          const reason = through.memoisedRead ?? '';
          node.memoisedRead = reason.startsWith('reads only through') ? reason : `reads only through ${through.summary.key}, ${reason}`;
          if (through.memoisedByArguments) node.memoisedByArguments = true;
          if (through.memoisedPerInstance) node.memoisedPerInstance = true;
          changed = true;
        }
      }
      if (!changed) break;
    }
  }

  /**
   * The write a call to `target` reaches, seen from `node`: the callee's own write fact, or the library handle's
   * write. The call's own SQL or RPC text (`target.access`) decides for network and database work, as it does
   * for effects: `run('SELECT ...')` through a helper that writes whatever it is given is a read.
   */
  private writeThrough(node: Node, target: Node['targets'][number]): WriteFact | undefined {
    const said = target.access === 'read' || target.access === 'write' ? target.access : undefined;
    const saidFor = (kind: IoKind | undefined) => (said && (kind === 'network' || kind === 'database') ? said : undefined);
    const callee = this.nodes.get(target.id);
    if (callee) {
      const own = callee.writes;
      const chainOf = (chain: string[]) => (target.inner ? chain : [callee.summary.key, ...chain]);
      if (own && saidFor(own.kind) !== 'read') return { ...own, chain: chainOf(own.chain) };
      if (said === 'write') {
        const effect = callee.effects.find((e) => e.kind === 'network' || e.kind === 'database');
        if (effect) return { via: effect.via, chain: chainOf(effect.chain), file: effect.file, line: effect.line, kind: effect.kind };
      }
      return undefined;
    }
    for (const effect of this.synthetic.get(target.id)?.effects ?? []) {
      if ((saidFor(effect.kind) ?? effect.access) === 'write') return { via: effect.via, chain: effect.chain, file: node.file, line: target.line, kind: effect.kind };
    }
    return undefined;
  }

  /**
   * An existence or permission check (LinkedFunction.guard): the body's shape (guards.ts), work that does I/O
   * (so what it tests was read), and no write (a function that writes is a write, whatever else it does).
   */
  private guardOf(node: Node): string | undefined {
    const shape = node.summary.guard;
    if (!shape || node.writes || (shape.loose && !shape.named)) return undefined;
    const read = node.effects.find((e) => e.access !== 'write');
    const how = read ? [node.summary.key, ...read.chain, read.via].join(' -> ') : node.assumed[0] ? `assumed: ${node.assumed[0]}` : undefined;
    if (!how) return undefined;
    const where = `${node.file}:${shape.line}`;
    return shape.loose
      ? `reads (${how}), then throws at ${where}; its name says it is a check`
      : `reads (${how}), then throws at ${where} on what \`${shape.read}\` returned`;
  }

  /** Adds what a function's callees do to what it does; true when anything was added. */
  private mergeCallees(node: Node): boolean {
    let changed = false;
    for (const target of node.targets) {
      const callee = this.nodes.get(target.id);
      const effects = callee ? callee.effects : this.synthetic.get(target.id)?.effects ?? [];
      const name = callee ? callee.summary.key : this.synthetic.get(target.id)?.name ?? target.id;
      for (const effect of effects) {
        if (node.effects.length >= MAX_EFFECTS) break;
        const chain = target.inner || !callee ? effect.chain : [name, ...effect.chain];
        if (chain.length > MAX_DEPTH + 2) continue;
        // A folder made only when missing is the callee's own business: to its callers the work still only reads.
        const access = target.access && (effect.kind === 'network' || effect.kind === 'database') ? target.access : effect.idempotent ? 'read' : effect.access;
        const line = callee ? effect.line : target.line;
        if (node.effects.some((e) => e.kind === effect.kind && e.access === access && e.via === effect.via && e.line === line && e.file === (callee ? effect.file : node.file))) continue;
        // A library handle reached through an import (`api.get` with `api` exported elsewhere) happens here.
        node.effects.push(callee ? { ...effect, access, chain } : { ...effect, access, chain, file: node.file, line });
        changed = true;
      }
      // Whatever comes first in the body: one write anywhere makes the function a write (a proven one wins).
      if (!node.writes || node.writes.assumed) {
        const write = this.writeThrough(node, target);
        if (write && write.chain.length <= MAX_DEPTH + 2 && (!node.writes || !write.assumed)) {
          node.writes = write;
          changed = true;
        }
      }
      for (const memo of callee ? callee.memos : []) {
        if (node.memos.length < MAX_SET && !node.memos.includes(memo)) {
          node.memos.push(memo);
          changed = true;
        }
      }
      for (const assumed of callee ? callee.assumed : []) {
        if (node.assumed.length < MAX_SET && !node.assumed.includes(assumed)) {
          node.assumed.push(assumed);
          changed = true;
        }
      }
      for (const limiter of callee ? callee.limiters : this.synthetic.get(target.id)?.limiters ?? []) {
        if (node.limiters.length < MAX_SET && !node.limiters.includes(limiter)) {
          node.limiters.push(limiter);
          changed = true;
        }
      }
    }
    return changed;
  }

  /**
   * Which functions run inside a transaction, and who opened it. A transaction is opened by a method decorated to
   * run in one (`@Transactional()`) or by a callback given to a call that runs it in one (`$transaction(cb)`,
   * `knex.transaction(cb)`, `db.transaction().execute(cb)`); the inline functions inside either are in it too.
   * A function is in one when every call site the model found (tests aside) is in a function that is, and no
   * framework or registration starts it: one call site outside, or none found, and it is not. Each function is
   * marked once and each call edge counted once, so the cost stays linear in the call edges. Functions with call
   * sites on both sides are noted (`transactionPartly`): the fix helps only the calls outside.
   */
  private propagateTransactions(): void {
    const counts = (node: Node): boolean => this.fileRoles.get(node.file) !== 'test';
    const started = new Set<string>();
    for (const node of this.nodes.values()) if (node.summary.entry) started.add(node.id);
    for (const summary of this.summaries.values()) {
      for (const registration of summary.registered) {
        const id = this.resolveRef(summary.file, registration.ref);
        if (id) started.add(id);
      }
    }
    const enclosing = new Map<string, Node>();
    for (const node of this.nodes.values()) for (const target of node.targets) if (target.inner) enclosing.set(target.id, node);
    // An inline callback is named after the function it is written in: `LinksController.bulkRename`, not `<anonymous>@14:37`.
    const label = (node: Node): string => {
      let current: Node | undefined = node;
      for (let depth = 0; current && depth < MAX_DEPTH; depth++) {
        if (!current.summary.key.startsWith('<anonymous>')) return current.summary.key;
        current = enclosing.get(current.id);
      }
      return node.summary.key;
    };
    const siteCounts = new Map<Node, number>();
    const callSites = (node: Node): number => {
      let found = siteCounts.get(node);
      if (found === undefined) {
        found = node.callers.filter((caller) => {
          const from = this.nodes.get(caller.id);
          return from !== undefined && counts(from);
        }).length;
        siteCounts.set(node, found);
      }
      return found;
    };
    const chains = new Map<Node, { opener: string; chain: string[] }>();
    const queue: Node[] = [];
    const mark = (node: Node, opener: string, chain: string[]): void => {
      if (chains.has(node)) return;
      chains.set(node, { opener, chain });
      node.transaction = `runs inside a transaction opened by ${opener}${chain.length > 1 ? `, every call site inside it (${chain.join(' -> ')})` : ''}`;
      queue.push(node);
    };
    for (const node of this.nodes.values()) {
      const { transactional, transactionCallback: callback, key, line } = node.summary;
      // A callback that takes the transaction as a parameter (`knex.transaction(async (trx) => ...)`) runs on it
      // only what it hands `trx` to (a callee's `trx` parameter says so itself); what it calls without the handle
      // may use another connection (speckle's `withTransaction(async ({ db: trx }) => f({ db }))`). Only a callback
      // that takes none, relying on the current transaction (a CLS-scoped client), carries it to its callees.
      if (transactional) mark(node, `${key} (${node.file}:${line}), decorated with @${transactional}`, [key]);
      else if (callback?.explicit || node.summary.callbackOf?.explicit) continue;
      else if (callback) {
        const owner = label(node);
        mark(node, `${owner} (${node.file}:${callback.line}) with ${callback.opener}`, [owner]);
      } else if (node.summary.callbackOf) {
        // Given to a project function that runs it inside its own transaction callback (`this.prisma.$tx(fn)`).
        const given = node.summary.callbackOf;
        const targetId = this.resolveRef(node.file, given.ref);
        const wrapper = targetId ? this.nodes.get(targetId) : undefined;
        if (!wrapper?.summary.txCallbackParams?.includes(given.argument)) continue;
        const owner = label(node);
        mark(node, `${owner} (${node.file}:${given.line}) with ${wrapper.summary.key}(...), which runs it in a transaction (${wrapper.file}:${wrapper.summary.line})`, [owner]);
      }
    }
    const inside = new Map<Node, number>();
    for (let next = 0; next < queue.length; next++) {
      const node = queue[next] as Node;
      const from = chains.get(node);
      if (!from) continue;
      for (const target of node.targets) {
        const callee = this.nodes.get(target.id);
        if (!callee || chains.has(callee)) continue;
        if (target.inner) {
          mark(callee, from.opener, from.chain);
          continue;
        }
        if (!counts(node)) continue;
        const count = (inside.get(callee) ?? 0) + 1;
        inside.set(callee, count);
        // A long chain keeps its opener and its last hops: `A -> … -> E -> F`.
        const chain = [...from.chain, callee.summary.key];
        if (count === callSites(callee) && !started.has(callee.id)) mark(callee, from.opener, chain.length > MAX_DEPTH ? [chain[0] as string, '…', ...chain.slice(2 - MAX_DEPTH)] : chain);
      }
    }
    // Call sites on both sides: which is which, for evidence; what such a function calls is on both sides too.
    const partly: Node[] = [];
    for (const [callee] of inside) {
      if (chains.has(callee)) continue;
      const side = (inTransaction: boolean) => callee.callers.find((caller) => {
        const from = this.nodes.get(caller.id);
        return from !== undefined && counts(from) && chains.has(from) === inTransaction;
      });
      const inTx = side(true);
      const outside = side(false);
      const txNode = inTx ? this.nodes.get(inTx.id) : undefined;
      const outNode = outside ? this.nodes.get(outside.id) : undefined;
      if (!txNode || !inTx) continue;
      const outsideText = outNode && outside ? `outside one by ${label(outNode)} (${outNode.file}:${outside.line})` : `outside one when ${started.has(callee.id) ? 'its framework or registration starts it' : 'its other callers run it'}`;
      callee.transactionPartly = `called inside a transaction by ${label(txNode)} (${txNode.file}:${inTx.line}) and ${outsideText}: running its calls together helps only the calls outside the transaction`;
      partly.push(callee);
    }
    for (let next = 0; next < partly.length; next++) {
      const node = partly[next] as Node;
      for (const target of node.targets) {
        const callee = this.nodes.get(target.id);
        if (!callee || chains.has(callee) || callee.transactionPartly) continue;
        callee.transactionPartly = target.inner ? node.transactionPartly : `called from ${label(node)} (${node.file}:${target.line}), which is ${(node.transactionPartly ?? '').replace(/^called from [^,]+, which is /, '')}`;
        partly.push(callee);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Declared routes flow from their handlers to everything the handlers' calls reach
  // ---------------------------------------------------------------------------------------------------------

  /**
   * Unlike a role (the first, most frequent entry wins), a function keeps every route that reaches it, up to
   * MAX_ROUTES: a service shared by three handlers is reached by three routes. A function's list grows at most
   * MAX_ROUTES times, and only growth sends it on, so the cost stays linear in the call edges. Routes start only
   * in source files: a test's `app.get()` is not the service's.
   */
  private propagateRoutes(): void {
    const queue: Node[] = [];
    const seed = (node: Node | undefined, route: RouteFact): void => {
      if (!node || (this.fileRoles.get(node.file) ?? 'source') !== 'source') return;
      if (addRoutes((node.routes ??= []), [route])) queue.push(node);
    };
    // Nest's global prefix, when the project sets exactly one (two apps with different prefixes say nothing).
    const globalPrefixes = new Set([...this.summaries.values()].flatMap((summary) => (summary.globalPrefix !== undefined ? [summary.globalPrefix] : [])));
    const nestPrefix = globalPrefixes.size === 1 ? [...globalPrefixes][0] : undefined;
    // A route on a mounted router serves its path under each prefix it is mounted at.
    const seedMounted = (node: Node | undefined, route: RouteFact): void => {
      const prefixes = route.router ? this.prefixesOf(route.file, route.router, 0) : route.framework === 'nest' && nestPrefix ? [nestPrefix] : [''];
      for (const prefix of prefixes) seed(node, prefix ? { ...route, path: joinRoutePath(prefix, route.path) } : route);
    };
    for (const node of this.nodes.values()) {
      const route = node.summary.entry?.route;
      if (route) seedMounted(node, { ...route, file: node.file, handler: node.summary.key });
    }
    for (const summary of this.summaries.values()) {
      if ((this.fileRoles.get(summary.file) ?? 'source') !== 'source') continue;
      for (const registration of summary.registered) {
        if (!registration.route) continue;
        const id = this.resolveRef(summary.file, registration.ref);
        const node = id ? this.nodes.get(id) : undefined;
        if (node) seedMounted(node, { ...registration.route, file: summary.file, handler: node.summary.key });
      }
    }
    for (let next = 0; next < queue.length; next++) {
      const node = queue[next] as Node;
      for (const target of node.targets) {
        const callee = this.nodes.get(target.id);
        if (!callee || callee === node) continue;
        if (addRoutes((callee.routes ??= []), node.routes ?? [])) queue.push(callee);
        else if (callee.routes.length === 0) delete callee.routes;
      }
    }
  }

  private mountIndex: Map<string, Array<{ file: string; receiver: string; prefix: string }>> | undefined;

  /**
   * The prefixes a module-level router of `file` is served under: `app.use('/orders', router)` in any file
   * (following the mounts of the app or router it is mounted on, a few levels up); [''] when nothing mounts it.
   */
  private prefixesOf(file: string, router: string, depth: number): string[] {
    if (!this.mountIndex) {
      this.mountIndex = new Map();
      for (const summary of this.summaries.values()) {
        for (const mount of summary.mounts ?? []) {
          const targetFile = mount.target.module ? this.resolver.resolve(summary.file, mount.target.module) : summary.file;
          const local = targetFile && mount.target.module ? this.summaries.get(targetFile)?.exports[mount.target.name] : mount.target.name;
          if (!targetFile || !local) continue;
          const key = `${targetFile}\u0000${local}`;
          const list = this.mountIndex.get(key) ?? [];
          list.push({ file: summary.file, receiver: mount.receiver, prefix: mount.prefix });
          this.mountIndex.set(key, list);
        }
      }
    }
    const mounts = this.mountIndex.get(`${file}\u0000${router}`);
    if (!mounts || depth > 3) return [''];
    const prefixes: string[] = [];
    for (const mount of mounts) {
      if (mount.file === file && mount.receiver === router) continue;
      for (const outer of this.prefixesOf(mount.file, mount.receiver, depth + 1)) {
        const prefix = outer || mount.prefix ? joinRoutePath(outer, mount.prefix) : '';
        if (!prefixes.includes(prefix) && prefixes.length < 4) prefixes.push(prefix);
      }
    }
    return prefixes.length > 0 ? prefixes : [''];
  }

  // ---------------------------------------------------------------------------------------------------------
  // Roles flow from entry points to callees, the most frequent entry winning
  // ---------------------------------------------------------------------------------------------------------

  private assignRoles(): void {
    const entries: Array<{ id: string; kind: EntryKind; reason: string }> = [];
    for (const node of this.nodes.values()) {
      const fileRole = this.fileRoles.get(node.file) ?? 'source';
      if (fileRole !== 'source') {
        entries.push({ id: node.id, kind: 'once', reason: `in a ${fileRole} file: runs once per invocation, not per request` });
        continue;
      }
      if (node.summary.entry) {
        const entry = node.summary.entry;
        const reason = `${node.summary.key}: ${entry.reason} (${node.file}:${node.summary.line})`;
        // A handler known by its signature alone, in a routes directory for operators (`routes/internal/...`).
        if (entry.kind === 'request' && !entry.route && OPERATOR_ROUTE_DIRECTORY.test(node.file)) {
          entries.push({ id: node.id, kind: 'occasional', reason: `${reason}; in an operator routes directory: graded below the traffic` });
        } else entries.push({ id: node.id, ...entry, reason });
      }
    }
    for (const summary of this.summaries.values()) {
      for (const registration of summary.registered) {
        const id = this.resolveRef(summary.file, registration.ref);
        if (id && this.nodes.has(id)) entries.push({ id, kind: registration.kind, reason: `${this.nodes.get(id)?.summary.key}: ${registration.reason} (${summary.file})` });
      }
    }
    // What a polling worker's endless loop calls (`while (true) { await processBatch(); await sleep(10_000) }`)
    // runs again and again, however often the function holding the loop was started: background work.
    for (const node of this.nodes.values()) {
      if (this.fileRoles.get(node.file) === 'test') continue;
      for (const target of node.targets) {
        if (target.endless && this.nodes.has(target.id)) entries.push({ id: target.id, kind: 'background', reason: `called in the endless loop of ${node.summary.key} (${node.file}:${target.line}): a polling worker, it runs again and again in the background` });
      }
    }
    entries.sort((a, b) => ROLE_RANK[b.kind] - ROLE_RANK[a.kind]);
    const behindMemo: Array<{ target: string; from: Node; line: number }> = [];
    for (const kind of ['request', 'occasional', 'background', 'once'] as const) {
      const queue: Node[] = [];
      for (const entry of entries) {
        if (entry.kind !== kind) continue;
        const node = this.nodes.get(entry.id);
        if (!node || node.role !== 'unknown') continue;
        node.role = kind;
        node.roleReason = entry.reason;
        queue.push(node);
      }
      if (kind === 'once') {
        for (const { target, from, line } of behindMemo) {
          const callee = this.nodes.get(target);
          if (!callee || callee.role !== 'unknown') continue;
          callee.role = 'once';
          callee.roleReason = `called from ${from.summary.key} (${from.file}:${line}) only when its memo ${from.summary.memo} is empty: once per process or instance, however often ${from.summary.key} runs (${describeRoleSource(from.roleReason)})`;
          queue.push(callee);
        }
      }
      for (let i = 0; i < queue.length; i++) {
        const node = queue[i] as Node;
        // Tests call everything; what they call is not thereby run once.
        if (this.fileRoles.get(node.file) === 'test') continue;
        // A memo with one slot (`if (X.instance) return X.instance; X.instance = new X(createClient())`): what it
        // calls runs on a miss only, once per process (or per instance), however often the getter is called.
        if (kind !== 'once' && node.summary.memo && !node.summary.memo.endsWith('[]')) {
          for (const target of node.targets) behindMemo.push({ target: target.id, from: node, line: target.line });
          continue;
        }
        for (const target of node.targets) {
          const callee = this.nodes.get(target.id);
          if (!callee || callee.role !== 'unknown') continue;
          // A callback the start-up code hands a registry runs when the registry calls it, not once with it.
          if (kind === 'once' && target.inner && callee.summary.registered) continue;
          callee.role = kind;
          callee.roleReason = target.inner ? node.roleReason : `called from ${node.summary.key} (${node.file}:${target.line}), ${describeRoleSource(node.roleReason)}`;
          queue.push(callee);
        }
      }
    }
    // What no entry reaches but sits in a worker or queue directory is started by a framework in the background.
    for (const node of this.nodes.values()) {
      if (node.role !== 'unknown') continue;
      const directory = BACKGROUND_DIRECTORY.exec(node.file);
      if (!directory) continue;
      node.role = 'background';
      node.roleReason = `no caller found, and it is in a ${directory[2]}/ directory: background work`;
    }
    this.assignCommandLinePackages();
  }

  /**
   * What no entry reaches, in a package that is started from a command line (a `bin`, a script running one of
   * its files) and serves nothing (no server, serverless or worker dependency, no route or job declared in its
   * files, no function of it called from another package): an eval or benchmark harness, a deploy tool. It
   * runs once per invocation. A package another one imports is a library: its callers decide.
   */
  private assignCommandLinePackages(): void {
    const packages = new PackageIndex(this.cwd);
    const serving = new Set<string>();
    const packageOf = new Map<string, string>();
    for (const node of this.nodes.values()) {
      if (!packageOf.has(node.file)) packageOf.set(node.file, packages.packageOf(node.file)?.dir ?? '\0none');
    }
    for (const node of this.nodes.values()) {
      const dir = packageOf.get(node.file) as string;
      const entry = node.summary.entry?.kind;
      if (entry === 'request' || entry === 'occasional' || entry === 'background') serving.add(dir);
      for (const caller of node.callers) {
        const from = this.nodes.get(caller.id);
        if (from && packageOf.get(from.file) !== dir) serving.add(dir); // a library of another package
      }
    }
    for (const summary of this.summaries.values()) {
      if (summary.registered.some((r) => r.kind !== 'once')) serving.add(packageOf.get(summary.file) ?? '');
    }
    const queue: Node[] = [];
    // Functions no one calls first, so what they call says so; then what a cycle of calls left over.
    for (const roots of [true, false]) {
      for (const node of this.nodes.values()) {
        if (node.role !== 'unknown' || (roots && node.callers.length > 0) || (this.fileRoles.get(node.file) ?? 'source') !== 'source') continue;
        const facts = packages.packageOf(node.file);
        if (!facts?.commandLine || facts.serves || serving.has(facts.dir)) continue;
        node.role = 'once';
        node.roleReason = `${roots ? 'no caller found' : 'no entry reaches it'}, and ${facts.name} is a command-line package (${facts.commandLine}; no server or worker dependency, route or job): runs once per invocation`;
        queue.push(node);
      }
      this.propagateOnce(queue);
    }
  }

  /** What only these reach (a shared library's function no server calls) runs once with them. */
  private propagateOnce(queue: Node[]): void {
    for (let i = 0; i < queue.length; i++) {
      const node = queue[i] as Node;
      for (const target of node.targets) {
        const callee = this.nodes.get(target.id);
        if (!callee || callee.role !== 'unknown') continue;
        callee.role = 'once';
        callee.roleReason = target.inner ? node.roleReason : `called from ${node.summary.key} (${node.file}:${target.line}), ${describeRoleSource(node.roleReason)}`;
        queue.push(callee);
      }
    }
  }
}

/** A short name for a reference, for evidence: `createApiClient`, `this.makeClient`, `withRetry`. */
function refLabel(ref: CalleeRef): string {
  switch (ref.kind) {
    case 'local':
      return ref.member ? `${ref.name}.${ref.member}` : ref.name;
    case 'import':
      return ref.path.join('.') || 'default';
    case 'this':
      return `this.${ref.method}`;
    case 'field':
      return `this.${ref.field}.${ref.method}`;
    case 'returned':
      return `${refLabel(ref.factory)}().${ref.members.join('.')}`;
    case 'passed':
      return `${refLabel(ref.callee)}(callback)`;
  }
}

function describeRoleSource(reason: string): string {
  // Keep the chain readable: the first link names the entry, later links only the hop.
  const entry = reason.startsWith('called from ') ? reason.replace(/^called from [^,]+, /, '') : reason;
  return entry.length > 160 ? `${entry.slice(0, 159)}…` : entry;
}

export function idOf(file: string, key: string): string {
  return `${file}::${key}`;
}

/** The first data-sized collection some caller passes, by argument index: one such caller makes N data-sized. */
function passedByCallers(callers: ReadonlyArray<{ collections?: Record<string, PassedCollection> }>): Record<string, PassedCollection> {
  const byIndex: Record<string, PassedCollection> = {};
  for (const caller of callers) for (const [index, passed] of Object.entries(caller.collections ?? {})) byIndex[index] ??= passed;
  return byIndex;
}

/** Numeric literals the callers pass, by argument index: only indexes where every caller passes one (distinct values, at most 6). */
function argumentNumbers(callers: ReadonlyArray<{ numbers?: Record<string, number> }>): Record<string, number[]> {
  const byIndex: Record<string, number[]> = {};
  const first = callers[0]?.numbers ?? {};
  for (const index of Object.keys(first)) {
    if (!callers.every((caller) => caller.numbers?.[index] !== undefined)) continue;
    const values: number[] = [];
    for (const caller of callers) {
      const value = caller.numbers?.[index] as number;
      if (!values.includes(value) && values.length < 6) values.push(value);
    }
    byIndex[index] = values;
  }
  return byIndex;
}

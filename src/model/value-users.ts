import type { FileSummary, Role, RouteFact } from './types.js';

/**
 * Who uses a module value from another file: `export const pool = new Pool()` in db.ts, called as
 * `pool.query()` by route handlers that import it, or handed by them to other code (`listOrders(pool)`),
 * directly or through a barrel (`export { pool } from './db'`, `export * from './db'`). The pool's own file
 * shows no server; its users' roles do.
 */

export interface ValueUser {
  file: string;
  line: number;
  /** The using function's key in its file. */
  fn: string;
  role: Role;
  roleReason: string;
  /** Declared routes that reach the using function (routes.ts). */
  routes?: RouteFact[];
}

/** Another file assigning one of this value's defaults (`api.defaults.httpsAgent = agent`). */
export interface ValueSetting {
  file: string;
  line: number;
  key: string;
}

/** Users kept per value: enough evidence, bounded facts (they are hashed into the findings cache key). */
const MAX_USERS = 6;
const MAX_HOPS = 4;
const RANK: Record<Role, number> = { request: 0, occasional: 1, background: 2, unknown: 3, once: 4 };

type Resolve = (from: string, module: string) => string | undefined;

/** The file and local name of the module value `name` exported by `file`, following re-exports. */
function exportedValue(summaries: ReadonlyMap<string, FileSummary>, resolve: Resolve, file: string, name: string, hops: number, anyValue = false): { file: string; local: string } | undefined {
  const summary = summaries.get(file);
  if (!summary || hops > MAX_HOPS) return undefined;
  const local = summary.exports[name];
  if (local !== undefined) return anyValue || summary.values[local] ? { file, local } : undefined;
  for (const reexport of summary.reexports) {
    if (reexport.as !== name && reexport.as !== '*') continue;
    if (reexport.name === '*' && reexport.as !== '*') continue; // `export * as ns from`: a namespace, not the value
    const target = resolve(file, reexport.module);
    if (!target || target === file) continue;
    const found = exportedValue(summaries, resolve, target, reexport.name === '*' ? name : reexport.name, hops + 1, anyValue);
    if (found) return found;
  }
  return undefined;
}

/** file -> exported value's local name -> users in other files, per-request users first. */
export function indexValueUsers(
  summaries: ReadonlyMap<string, FileSummary>,
  resolve: Resolve,
  roleOf: (file: string, key: string) => { role: Role; roleReason: string; routes?: RouteFact[] | undefined } | undefined,
): Map<string, Record<string, ValueUser[]>> {
  const index = new Map<string, Record<string, ValueUser[]>>();
  const add = (from: string, fnKey: string, module: string, name: string, line: number): void => {
    const target = resolve(from, module);
    if (!target || target === from) return;
    const value = exportedValue(summaries, resolve, target, name, 0);
    if (!value || value.file === from) return;
    const role = roleOf(from, fnKey) ?? { role: 'unknown' as Role, roleReason: '' };
    const byValue = index.get(value.file) ?? {};
    const users = (byValue[value.local] ??= []);
    if (users.some((u) => u.file === from && u.fn === fnKey)) return;
    users.push({ file: from, line, fn: fnKey, role: role.role, roleReason: role.roleReason, ...(role.routes?.length ? { routes: role.routes } : {}) });
    users.sort((a, b) => RANK[a.role] - RANK[b.role]);
    if (users.length > MAX_USERS) users.pop();
    index.set(value.file, byValue);
  };
  for (const [from, summary] of summaries) {
    for (const fn of summary.functions) {
      for (const call of fn.calls) {
        if (call.ref.kind === 'import') add(from, fn.key, call.ref.module, call.ref.path[0] ?? 'default', call.line);
        // `repo.list()` where the module value `repo` was built from an imported `pool`: a use of the pool.
        const through = call.receiver ?? (call.ref.kind === 'local' ? call.ref.name : undefined);
        if (through !== undefined) {
          for (const held of summary.heldImports ?? []) if (held.holder === through) add(from, fn.key, held.module, held.name, call.line);
        }
      }
      for (const passed of fn.handsOn ?? []) add(from, fn.key, passed.module, passed.name, passed.line);
    }
  }
  return index;
}

/** file -> exported value's local name -> the files that assign its defaults (`api.defaults.httpsAgent = agent`). */
export function indexValueSettings(summaries: ReadonlyMap<string, FileSummary>, resolve: Resolve): Map<string, Record<string, ValueSetting[]>> {
  const index = new Map<string, Record<string, ValueSetting[]>>();
  for (const [from, summary] of summaries) {
    for (const setting of summary.configures ?? []) {
      const target = resolve(from, setting.module);
      if (!target || target === from) continue;
      const value = exportedValue(summaries, resolve, target, setting.name, 0, true);
      if (!value || value.file === from) continue;
      const byValue = index.get(value.file) ?? {};
      const settings = (byValue[value.local] ??= []);
      if (settings.length < MAX_USERS) settings.push({ file: from, line: setting.line, key: setting.key });
      index.set(value.file, byValue);
    }
  }
  return index;
}

import type { FileSummary, Role } from './types.js';

/**
 * Who uses a module value from another file: `export const pool = new Pool()` in db.ts, called as
 * `pool.query()` by route handlers that import it. The pool's own file shows no server; its users' roles do.
 */

export interface ValueUser {
  file: string;
  line: number;
  /** The using function's key in its file. */
  fn: string;
  role: Role;
  roleReason: string;
}

/** Users kept per value: enough evidence, bounded facts (they are hashed into the findings cache key). */
const MAX_USERS = 6;
const RANK: Record<Role, number> = { request: 0, occasional: 1, background: 2, unknown: 3, once: 4 };

/** file -> exported value's local name -> users in other files, per-request users first. */
export function indexValueUsers(
  summaries: ReadonlyMap<string, FileSummary>,
  resolve: (from: string, module: string) => string | undefined,
  roleOf: (file: string, key: string) => { role: Role; roleReason: string } | undefined,
): Map<string, Record<string, ValueUser[]>> {
  const index = new Map<string, Record<string, ValueUser[]>>();
  for (const [from, summary] of summaries) {
    for (const fn of summary.functions) {
      for (const call of fn.calls) {
        if (call.ref.kind !== 'import') continue;
        const target = resolve(from, call.ref.module);
        const targetSummary = target === undefined || target === from ? undefined : summaries.get(target);
        if (!target || !targetSummary) continue;
        const local = targetSummary.exports[call.ref.path[0] ?? 'default'];
        if (local === undefined || !targetSummary.values[local]) continue;
        const role = roleOf(from, fn.key) ?? { role: 'unknown' as Role, roleReason: '' };
        const byValue = index.get(target) ?? {};
        const users = (byValue[local] ??= []);
        users.push({ file: from, line: call.line, fn: fn.key, role: role.role, roleReason: role.roleReason });
        users.sort((a, b) => RANK[a.role] - RANK[b.role]);
        if (users.length > MAX_USERS) users.pop();
        index.set(target, byValue);
      }
    }
  }
  return index;
}

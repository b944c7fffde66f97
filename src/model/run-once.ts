import type { FileSummary } from './types.js';

/**
 * One-shot code the path does not announce: a migration is a class with `up` and `down` methods (TypeORM's
 * MigrationInterface, MikroORM, umzug classes) or a module exporting `up` and `down` (knex, umzug,
 * migrate-mongo); a file named by a timestamp (`1700000000000-AddIndex.ts`, `20240101120000_backfill.ts`)
 * is a migration whatever it exports. Each runs once, when the migration is applied.
 */
const TIMESTAMP_NAME = /(^|\/)\d{12,}[-_.][^/]*$/;

export function markMigrations(summary: FileSummary): void {
  const once = (key: string, reason: string) => {
    const fn = summary.functions.find((f) => f.key === key);
    if (fn && (!fn.entry || fn.entry.kind === 'once')) fn.entry = { kind: 'once', reason };
  };
  const byName = TIMESTAMP_NAME.test(summary.file);
  for (const cls of Object.values(summary.classes)) {
    const { up, down } = cls.methods;
    if (up === undefined || (down === undefined && !byName)) continue;
    for (const key of Object.values(cls.methods)) once(key, `method of ${cls.name}, a migration (up/down): runs once, when it is applied`);
  }
  const upKey = summary.locals[summary.exports.up ?? ''];
  const downKey = summary.locals[summary.exports.down ?? ''];
  if (upKey !== undefined && (downKey !== undefined || byName)) {
    for (const key of [upKey, downKey]) if (key !== undefined) once(key, 'exported up/down of a migration module: runs once, when it is applied');
  }
}

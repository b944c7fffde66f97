import type { FileSummary } from './types.js';

/**
 * Records keyed by names from scanned code (classes, locals, exports, fields, methods) have no prototype: a
 * class, variable or field named `constructor`, `toString` or `__proto__` is then looked up as itself, never
 * as a member of Object.prototype (which once crashed the linker on `const { constructor } = ...`).
 */
export function record<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

function detach<T extends object>(value: T | undefined): void {
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) !== null) Object.setPrototypeOf(value, null);
}

/** The same summary with its name-keyed records made prototype-free, for summaries read back from JSON. */
export function withRecords(summary: FileSummary): FileSummary {
  for (const value of [summary.locals, summary.exports, summary.classes, summary.values]) detach(value);
  for (const cls of Object.values(summary.classes)) {
    detach(cls.fields);
    detach(cls.methods);
  }
  return summary;
}

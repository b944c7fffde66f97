import type { z } from 'zod';

/**
 * zod, loaded on first need rather than imported: a plain scan (no config file, no rule options, cached results)
 * never evaluates it. Whatever parses with it synchronously (a rule's options, the config schema) runs after
 * `loadZod()` in an async step before it: loading the config file, the engine's `scan`, a worker's first batch.
 */
export type Zod = typeof z;

let loaded: Zod | undefined;

export async function loadZod(): Promise<Zod> {
  loaded ??= (await import('zod')).z;
  return loaded;
}

/** zod after `loadZod()`; throws (an internal error, never a user's) when a path forgot to load it. */
export function loadedZod(): Zod {
  if (!loaded) throw new Error('internal error: zod used before loadZod()');
  return loaded;
}

import { ts } from '../scanner/ts.js';
import { skipOuter } from '../scanner/imports.js';

/**
 * Functions wrapped in a memoiser, and calls that read through a cache: after the first call they answer from
 * the cache, so awaiting two of them one after another costs one load at most, and running them together with
 * Promise.all would only start the same load twice.
 *  - `const getX = memoize(load)`, `pMemoize(load)`, `moize.promise(load)`, `_.memoize(load)`, `mem(load)`,
 *    `x.memoize(load)`: the value is a memoised function (held as in-memory, see classify.ts);
 *  - `cache.wrap(key, () => load())`, `cache.getOrSet(key, load)`, `cache.remember(key, ttl, load)`: the call
 *    reads the cache and runs `load` only on a miss.
 */

const MEMOIZE_FUNCTIONS = /^(memoize|memoise|memoizee|memoizeOne|memoizeAsync|asyncMemoize|pMemoize|pMemoizee|moize|mem|memoizeWith)$/;
const MOIZE_VARIANTS = /^(promise|infinite|maxAge|maxSize|deep|shallow|serialize|react|matchesArg|matchesKey)$/;
const CACHE_THROUGH = /^(wrap|getOrSet|getOrSetAsync|remember|rememberForever|fetchOrSet|getOrLoad|cached|memo)$/;

function isFunctionArgument(node: ts.Expression): boolean {
  const inner = skipOuter(node);
  return ts.isArrowFunction(inner) || ts.isFunctionExpression(inner);
}

/** `memoize(fn)` and its kin: the call makes a memoised function. The wrapper's name, or undefined. */
export function memoizerCall(call: ts.CallExpression): string | undefined {
  const callee = skipOuter(call.expression);
  if (call.arguments.length === 0) return undefined;
  if (ts.isIdentifier(callee)) return MEMOIZE_FUNCTIONS.test(callee.text) ? callee.text : undefined;
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const name = callee.name.text;
  if (MEMOIZE_FUNCTIONS.test(name)) return `${callee.expression.getText()}.${name}`;
  const root = skipOuter(callee.expression);
  if (ts.isIdentifier(root) && root.text === 'moize' && MOIZE_VARIANTS.test(name)) return `moize.${name}`;
  return undefined;
}

/** `cache.wrap(key, () => load())`: a read through a cache that loads only on a miss. The call as text, or undefined. */
export function cacheThroughCall(call: ts.CallExpression): string | undefined {
  const callee = skipOuter(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || !CACHE_THROUGH.test(callee.name.text)) return undefined;
  if (call.arguments.length < 2 || !call.arguments.some(isFunctionArgument)) return undefined;
  const text = callee.getText().replace(/\s+/g, ' ');
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** The function is written as the loader of a memoiser or a cache-through call: its work runs on a miss only. */
export function isCachedLoader(fn: ts.Node): boolean {
  const parent = fn.parent;
  if (!parent || !ts.isCallExpression(parent) || !parent.arguments.some((a) => skipOuter(a) === fn)) return false;
  return memoizerCall(parent) !== undefined || cacheThroughCall(parent) !== undefined;
}

/**
 * A method decorator that reads through a cache (`@Cacheable(...)`, `@Cached()`, `@Cache({ ttl })`, `@Memoize()`,
 * `@MemoizeAsync`, `@UseCache`, `@CacheResult`, a project's own `@WithCache`): a call answers from the cache after
 * its first one. Told by the name's words, not one library. Not the ones that write or drop entries (`@CacheEvict`,
 * `@CachePut`, which always runs the method), nor those that fill it ahead of traffic (`@CacheWarmup`), nor
 * metadata and HTTP headers (`@CacheKey`, `@CacheTTL`, `@CacheControl`), nor opt-outs (`@NoCache`, `@SkipCache`).
 * The decorator's name, or undefined.
 */
export function cachingDecorator(names: string[]): string | undefined {
  return names.find((name) => {
    const words = name.split(/(?<=[a-z0-9])(?=[A-Z])|_/).map((w) => w.toLowerCase());
    return words.some((w) => CACHING_WORDS.test(w)) && !words.some((w) => NOT_A_CACHE_READ.test(w));
  });
}

const CACHING_WORDS = /^(cache|cached|cacheable|cachable|memo|memoize|memoise|memoized|memoised|memoizee)$/;
const NOT_A_CACHE_READ = /^(evict|evicts|invalidate|invalidates|clear|clears|put|bust|purge|delete|del|remove|reset|flush|expire|refresh|reload|warm|warmup|warmer|prime|preload|populate|update|set|key|keys|ttl|control|header|headers|no|skip|disable|without|bypass|inject|interceptor|module|manager|store|config|options|tag|tags)$/;

/**
 * The ESM load hook (registered with `module.register` by the preload; runs in the loader's thread): the
 * ES modules that hold findings get the same load-time transform as CommonJS ones (instrument.ts). The
 * sites come from the main thread, so both sides number them the same way.
 */
import { fileURLToPath } from 'node:url';
import { failedOutcomes, instrumentModule, prologue, SiteIndex } from './instrument.js';
import type { WatchedSite } from './sites.js';

let index = new SiteIndex([]);

export function initialize(data: { sites?: WatchedSite[] } | undefined): void {
  index = new SiteIndex(data?.sites ?? []);
}

interface LoadResult {
  format?: string | null;
  source?: string | ArrayBuffer | ArrayBufferView | null;
  shortCircuit?: boolean;
}
type NextLoad = (url: string, context: unknown) => Promise<LoadResult>;

export async function load(url: string, context: unknown, nextLoad: NextLoad): Promise<LoadResult> {
  const result = await nextLoad(url, context);
  // CommonJS modules are instrumented as they compile (runtime.ts), so they are left alone here.
  if (result.format !== 'module' || !url.startsWith('file:') || result.source === null || result.source === undefined) return result;
  const filename = fileURLToPath(url);
  if (!index.mayHold(filename)) return result;
  const source = result.source;
  const text = typeof source === 'string' ? source : Buffer.from(source instanceof ArrayBuffer ? new Uint8Array(source) : new Uint8Array(source.buffer, source.byteOffset, source.byteLength)).toString('utf8');
  try {
    const instrumented = instrumentModule(filename, text, index);
    return instrumented ? { ...result, source: instrumented.code } : result;
  } catch (error) {
    // The code runs as it was; its sites say why they were not watched (an ES module is strict anyway, so
    // a statement before its first one changes nothing; a shebang line stays first).
    const outcomes = failedOutcomes(filename, index, error);
    if (outcomes.length === 0) return result;
    const shebang = text.startsWith('#!') ? text.indexOf('\n') + 1 : 0;
    return { ...result, source: `${text.slice(0, shebang)}${prologue(outcomes)} ${text.slice(shebang)}` };
  }
}

/**
 * Module customization hooks (`module.register`, run on Node's loader thread) that let `bottleneck.config.ts`
 * import its siblings: a TypeScript file reached from the config is transpiled in memory with the same
 * TypeScript the scanner uses, and relative specifiers find `.ts` files the way TypeScript does (`./rules.js`
 * for `rules.ts`, `./rules` for `rules.ts` or `rules/index.ts`). Packages resolve from the config's own
 * directory as they would for a `.mjs` config. Only URLs carrying the `bottleneck-config` marker are touched,
 * and the marker (one per load) gives every load fresh modules. Nothing is written to disk.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const CONFIG_MARK = 'bottleneck-config';

interface Transpiler {
  transpileModule(source: string, options: { fileName: string; compilerOptions: Record<string, unknown> }): { outputText: string };
  ModuleKind: { ESNext: number };
  ScriptTarget: { ES2022: number };
}

let typescript: Transpiler | undefined;
let typescriptFile = '';

export function initialize(data: { typescript: string }): void {
  typescriptFile = data.typescript;
}

type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string; format?: string | null }>;
type NextLoad = (url: string, context: LoadContext) => Promise<{ format: string; source?: string | ArrayBuffer | Uint8Array | null }>;
interface ResolveContext {
  parentURL?: string;
  conditions: string[];
  importAttributes: Record<string, string>;
}
interface LoadContext {
  format?: string | null;
  conditions: string[];
  importAttributes: Record<string, string>;
}

const TYPESCRIPT_FILE = /\.[cm]?tsx?$/;

function markOf(url: string | undefined): string | null {
  if (!url?.startsWith('file:')) return null;
  return new URL(url).searchParams.get(CONFIG_MARK);
}

/** What a relative specifier may name, in TypeScript's order. */
function candidates(specifier: string): string[] {
  const js = /\.([cm]?)js$/.exec(specifier);
  if (js) return [specifier, `${specifier.slice(0, -js[0].length)}.${js[1] ?? ''}ts`];
  if (/\.[A-Za-z]+$/.test(specifier)) return [specifier];
  return [specifier, ...['.ts', '.mts', '.js', '.mjs', '/index.ts', '/index.mts', '/index.js', '/index.mjs'].map((ending) => specifier + ending)];
}

export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<{ url: string; format?: string | null; shortCircuit?: boolean }> {
  const mark = markOf(context.parentURL);
  const relative = specifier.startsWith('./') || specifier.startsWith('../');
  if (!mark || !relative) return nextResolve(specifier, context);
  let lastError: unknown;
  for (const candidate of candidates(specifier)) {
    try {
      const resolved = await nextResolve(candidate, context);
      const url = new URL(resolved.url);
      // Files of the user's own tree are loaded afresh with each config load; packages stay shared.
      if (url.protocol === 'file:' && !url.pathname.includes('/node_modules/')) url.searchParams.set(CONFIG_MARK, mark);
      return { ...resolved, url: url.href, shortCircuit: true };
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'ERR_UNSUPPORTED_DIR_IMPORT') throw error;
      lastError ??= error;
    }
  }
  throw lastError;
}

export async function load(url: string, context: LoadContext, nextLoad: NextLoad): Promise<{ format: string; source?: string | ArrayBuffer | Uint8Array | null; shortCircuit?: boolean }> {
  if (!markOf(url)) return nextLoad(url, context);
  const file = fileURLToPath(url);
  if (!TYPESCRIPT_FILE.test(file)) return nextLoad(url, context);
  typescript ??= createRequire(typescriptFile)(typescriptFile) as Transpiler;
  const source = typescript.transpileModule(readFileSync(file, 'utf8'), {
    fileName: file,
    compilerOptions: { module: typescript.ModuleKind.ESNext, target: typescript.ScriptTarget.ES2022 },
  }).outputText;
  return { format: 'module', source, shortCircuit: true };
}

import { readFileSync, statSync } from 'node:fs';
import { register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cosmiconfig, getDefaultSearchPlaces, type Loader } from 'cosmiconfig';
import { ConfigError } from '../errors.js';
import { notRegularReason, specialKind } from '../safe-fs.js';
import type { RegisteredRule } from '../rule.js';
import { typeScriptFile } from '../scanner/ts.js';
import { CONFIG_MARK } from './ts-hooks.js';
import { entryFile, packageRoot } from '../version.js';
import type { BottleneckConfig } from './schema.js';
import { plainConfig } from './plain.js';
import { loadZod } from '../lazy-zod.js';

export const MODULE_NAME = 'bottleneck';

let hooksRegistered = false;
/** The TypeScript config being loaded, to name it when loading fails during a search. */
let loadingFile: string | undefined;
let loads = 0;

/**
 * Imports a TypeScript config through the hooks in ts-hooks.ts (registered once per process): the config and
 * the files it imports are transpiled in memory by the scanner's own TypeScript, so users need no `typescript`
 * install and the config may import its siblings. Each load marks its URLs afresh, so a changed file is read again.
 */
const loadTypeScriptConfig: Loader = async (filepath) => {
  loadingFile = filepath;
  if (!hooksRegistered) {
    const hooks = entryFile('ts-hooks', 'src/config/ts-hooks.js');
    register(pathToFileURL(hooks).href, { data: { typescript: typeScriptFile() } });
    hooksRegistered = true;
  }
  const url = new URL(pathToFileURL(filepath).href);
  url.searchParams.set(CONFIG_MARK, `${process.pid}-${++loads}`);
  const imported = (await import(url.href)) as { default?: unknown };
  return imported.default ?? imported;
};

export interface LoadedConfig {
  config: BottleneckConfig;
  /** The file it came from, or undefined when defaults are used. */
  filepath: string | undefined;
  /** Candidate config files that are FIFOs, sockets or devices: never opened (absolute paths). */
  skipped: Array<{ absolute: string; reason: string }>;
}

/** What a path is when it exists and is not a regular file or directory (followed through links, as config files may be). */
function specialAt(file: string): string | undefined {
  try {
    const kind = specialKind(statSync(file));
    return kind === 'directory' ? undefined : kind;
  } catch {
    return undefined;
  }
}

// cosmiconfig's `metaSearchPlaces`: every cosmiconfig() call reads these in process.cwd(), synchronously.
const META_SEARCH_PLACES = ['package.json', 'package.yaml', '.config/config.json', '.config/config.yaml', '.config/config.yml', '.config/config.js', '.config/config.ts', '.config/config.cjs', '.config/config.mjs'];

/**
 * cosmiconfig() looks for its own "meta" configuration in the process's working directory with a blocking
 * read, so a FIFO named package.json there would hang the process before any search starts. When one is
 * there, the explorer is built from the tool's own directory instead (it only decides cosmiconfig's options).
 */
function createExplorer(options: Parameters<typeof cosmiconfig>[1], skipped: LoadedConfig['skipped']): ReturnType<typeof cosmiconfig> {
  const here = process.cwd();
  const special = META_SEARCH_PLACES.map((place) => path.join(here, place)).filter((file) => specialAt(file) !== undefined);
  if (special.length === 0) return cosmiconfig(MODULE_NAME, options);
  for (const file of special) if (!skipped.some((note) => note.absolute === file)) skipped.push({ absolute: file, reason: notRegularReason(specialAt(file) ?? 'special file') });
  process.chdir(packageRoot());
  try {
    return cosmiconfig(MODULE_NAME, options);
  } finally {
    process.chdir(here);
  }
}

/**
 * The directories cosmiconfig's `project` search visits: from `cwd` up to the first one holding a
 * package.json or package.yaml (a FIFO there counts, as cosmiconfig's own `stat` would count it).
 */
function projectSearchDirs(cwd: string): string[] {
  const dirs: string[] = [];
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    dirs.push(dir);
    const hasPackage = ['package.json', 'package.yaml'].some((name) => {
      try {
        statSync(path.join(dir, name));
        return true;
      } catch {
        return false;
      }
    });
    if (hasPackage || path.dirname(dir) === dir) return dirs;
  }
}

export async function loadConfig(cwd: string, explicitPath: string | undefined, rules: RegisteredRule[]): Promise<LoadedConfig> {
  const loaders = { '.ts': loadTypeScriptConfig, '.mts': loadTypeScriptConfig, '.cts': loadTypeScriptConfig };
  let raw: unknown = {};
  let filepath: string | undefined;
  const skipped: LoadedConfig['skipped'] = [];
  loadingFile = undefined;
  const explorer = createExplorer({ searchStrategy: 'none', loaders }, skipped);
  try {
    if (explicitPath) {
      const absolute = path.resolve(cwd, explicitPath);
      try {
        readFileSync(absolute);
      } catch {
        throw new ConfigError(`Config file not found: ${explicitPath}`);
      }
      const loaded = await explorer.load(absolute);
      raw = loaded?.config ?? {};
      filepath = absolute;
    } else {
      // cosmiconfig's project search, one directory at a time, so a FIFO among the candidates (reading one
      // blocks until a writer comes) is left out instead of hanging the run.
      for (const dir of projectSearchDirs(cwd)) {
        const searchPlaces = getDefaultSearchPlaces(MODULE_NAME).filter((place) => {
          const kind = specialAt(path.join(dir, place));
          if (kind !== undefined && !skipped.some((note) => note.absolute === path.join(dir, place))) skipped.push({ absolute: path.join(dir, place), reason: notRegularReason(kind) });
          return kind === undefined;
        });
        const found = await createExplorer({ searchStrategy: 'none', searchPlaces, loaders }, skipped).search(dir);
        if (found && !found.isEmpty) {
          raw = found.config;
          filepath = found.filepath;
          break;
        }
      }
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const where = filepath ?? explicitPath ?? (loadingFile ? path.relative(cwd, loadingFile) || loadingFile : 'configuration');
    throw new ConfigError(`Cannot load ${where}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { config: await resolveConfig(raw ?? {}, rules, filepath), filepath, skipped };
}

/**
 * The config as the schema returns it: checked by hand when it is one of the common shapes (plain.ts), else by
 * the zod schema, loaded only then (its messages name the key path and what is expected).
 */
export async function resolveConfig(raw: unknown, rules: RegisteredRule[], filepath?: string): Promise<BottleneckConfig> {
  const plain = plainConfig(raw, rules);
  if (plain) return plain;
  // Rule options are parsed again, synchronously, when the rules run.
  await loadZod();
  const { validateConfig } = await import('./validate.js');
  return validateConfig(raw, rules, filepath);
}

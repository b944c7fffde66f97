/**
 * The compiler options of the user's project that decide whether a fix compiles beyond what the isolated
 * check assumes: `noUnusedLocals` and `noUnusedParameters`. A fix that leaves a name unused is a build error
 * in a project that turns them on, and only there. Read from the nearest tsconfig.json (or jsconfig.json) at
 * or above the file, within the scanned directory, following relative `extends` as the compiler does.
 */
import path from 'node:path';
import { parseJsonc } from '../model/resolve-module.js';
import { readRegularFile } from '../safe-fs.js';

export interface UnusedCheckOptions {
  noUnusedLocals?: boolean;
  noUnusedParameters?: boolean;
}

const MAX_CONFIG_BYTES = 1024 * 1024;
const MAX_EXTENDS_DEPTH = 5;

function readConfig(absolute: string): Record<string, unknown> | undefined {
  const read = readRegularFile(absolute, MAX_CONFIG_BYTES);
  return 'text' in read ? (parseJsonc(read.text) as Record<string, unknown> | undefined) : undefined;
}

/** The two options from one config file and the relative configs it extends (later ones win, then its own). */
function optionsOf(absolute: string, depth: number): UnusedCheckOptions | undefined {
  const config = readConfig(absolute);
  if (!config) return undefined;
  const inherited: UnusedCheckOptions = {};
  const bases = Array.isArray(config.extends) ? config.extends : [config.extends];
  for (const base of bases) {
    // Package configs (`@tsconfig/strictest`) are not read: the scanner never resolves into node_modules.
    if (typeof base !== 'string' || !base.startsWith('.') || depth >= MAX_EXTENDS_DEPTH) continue;
    const target = path.resolve(path.dirname(absolute), base);
    Object.assign(inherited, optionsOf(target.endsWith('.json') ? target : `${target}.json`, depth + 1));
  }
  const own = (config.compilerOptions ?? {}) as Record<string, unknown>;
  const result: UnusedCheckOptions = { ...inherited };
  if (typeof own.noUnusedLocals === 'boolean') result.noUnusedLocals = own.noUnusedLocals;
  if (typeof own.noUnusedParameters === 'boolean') result.noUnusedParameters = own.noUnusedParameters;
  return result;
}

/** Per directory, so a fix run over many files reads each config once. */
export class ProjectOptions {
  private readonly byDir = new Map<string, UnusedCheckOptions>();

  constructor(private readonly cwd: string) {}

  /** The options that apply to `file` (relative to cwd); `{}` when no config is found. */
  for(file: string): UnusedCheckOptions {
    return this.at(path.dirname(path.resolve(this.cwd, file)));
  }

  private at(dir: string): UnusedCheckOptions {
    const known = this.byDir.get(dir);
    if (known) return known;
    let options: UnusedCheckOptions | undefined;
    for (const name of ['tsconfig.json', 'jsconfig.json']) {
      options = optionsOf(path.join(dir, name), 0);
      if (options) break;
    }
    const parent = path.dirname(dir);
    const insideCwd = dir !== path.resolve(this.cwd) && parent.startsWith(path.resolve(this.cwd));
    const result = options ?? (insideCwd ? this.at(parent) : {});
    this.byDir.set(dir, result);
    return result;
  }
}

/** A stable key for the options, to share one type checker among files that agree. */
export function optionsKey(options: UnusedCheckOptions): string {
  return `${options.noUnusedLocals === true ? 'L' : ''}${options.noUnusedParameters === true ? 'P' : ''}`;
}

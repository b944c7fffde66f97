import path from 'node:path';
import { readRegularFile } from '../safe-fs.js';

/**
 * Module specifier -> scanned file, the way the project's own tooling resolves it: relative paths (with the
 * `.js`-for-`.ts` convention and index files), `tsconfig`/`jsconfig` `baseUrl` and `paths`, and workspace
 * packages by their `package.json` name. Only files that were scanned can be targets, so a specifier that
 * leaves the scanned tree resolves to nothing. Config files are read as data; nothing is executed.
 */

const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
const MAX_CONFIG_BYTES = 1024 * 1024;

interface PathConfig {
  /** Relative to cwd, `/` separators; '' for cwd itself. */
  baseUrl: string | undefined;
  /** `exact`: a pattern with no `*` matches only the specifier it names (`@app/lib`, not `@app/lib/x`). */
  paths: Array<{ prefix: string; suffix: string; targets: string[]; exact?: boolean }>;
}

/** A tsconfig or package.json as text: never a FIFO, device or link (src/safe-fs.ts), never a huge file. */
function readSmallFile(absolute: string): string | undefined {
  const read = readRegularFile(absolute, MAX_CONFIG_BYTES);
  return 'text' in read ? read.text : undefined;
}

/**
 * tsconfig.json is JSON with comments and trailing commas. Parsed here rather than by the compiler, so a warm
 * run (every result from the cache) still never loads TypeScript. Undefined for anything that is not an object.
 */
export function parseJsonc(text: string): unknown {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const char = text[i];
    if (char === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      out += text.slice(i, end + 1);
      i = end + 1;
    } else if (char === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i += 1;
    } else if (char === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 2;
    } else {
      out += char;
      i += 1;
    }
  }
  try {
    const value: unknown = JSON.parse(out.replace(/,(\s*[}\]])/g, '$1'));
    return value !== null && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

export class ModuleResolver {
  private readonly configs = new Map<string, PathConfig | null>();
  private readonly packageDirs = new Map<string, string>();
  /** A workspace package's own entry (`exports["."]`, `module`, `main`, `types`), relative to its directory. */
  private readonly packageEntries = new Map<string, string>();
  private readonly cache = new Map<string, string | null>();

  constructor(
    private readonly cwd: string,
    private readonly files: ReadonlySet<string>,
  ) {
    this.collectWorkspacePackages();
  }

  resolve(fromFile: string, specifier: string): string | undefined {
    const dir = path.posix.dirname(fromFile);
    const cacheKey = specifier.startsWith('.') ? `${dir}\0${specifier}` : `${this.configDirOf(dir)}\0${specifier}`;
    const cached = this.cache.get(cacheKey);
    if (cached !== undefined) return cached ?? undefined;
    const found = this.resolveUncached(dir, specifier);
    this.cache.set(cacheKey, found ?? null);
    return found;
  }

  private resolveUncached(dir: string, specifier: string): string | undefined {
    if (specifier.startsWith('.')) return this.fileFor(path.posix.join(dir, specifier));
    const config = this.pathConfigFor(dir);
    if (config) {
      for (const entry of config.paths) {
        if (entry.exact ? specifier !== entry.prefix : !specifier.startsWith(entry.prefix) || !specifier.endsWith(entry.suffix) || specifier.length < entry.prefix.length + entry.suffix.length) continue;
        const star = specifier.slice(entry.prefix.length, specifier.length - entry.suffix.length);
        for (const target of entry.targets) {
          const found = this.fileFor(path.posix.join(config.baseUrl ?? '', target.replace('*', star)));
          if (found) return found;
        }
      }
      if (config.baseUrl !== undefined) {
        const found = this.fileFor(path.posix.join(config.baseUrl, specifier));
        if (found) return found;
      }
    }
    const parts = specifier.split('/');
    const packageName = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0] ?? '';
    const packageDir = this.packageDirs.get(packageName);
    if (packageDir !== undefined) {
      const rest = parts.slice(specifier.startsWith('@') ? 2 : 1).join('/');
      const entry = this.packageEntries.get(packageName);
      const bases = rest ? [rest, `src/${rest}`, `lib/${rest}`] : [...(entry ? [entry] : []), 'src/index', 'index', 'lib/index', 'src/main'];
      for (const base of bases) {
        const found = this.fileFor(path.posix.join(packageDir, base));
        if (found) return found;
      }
    }
    return undefined;
  }

  /** `a/b` -> `a/b.ts`, `a/b/index.ts`; `a/b.js` -> `a/b.ts` (TypeScript's ESM convention). */
  private fileFor(candidate: string): string | undefined {
    // Only scanned files are targets, so nothing outside the scan can resolve; a path starting with `../` is a
    // scanned file's when the tree lies outside the working directory (`scan ../service`).
    const normal = path.posix.normalize(candidate).replace(/^\.\//, '');
    if (this.files.has(normal)) return normal;
    const withoutJs = normal.replace(/\.(m|c)?jsx?$/, '');
    for (const base of withoutJs === normal ? [normal] : [withoutJs, normal]) {
      for (const extension of EXTENSIONS) if (this.files.has(base + extension)) return base + extension;
      for (const extension of EXTENSIONS) if (this.files.has(`${base}/index${extension}`)) return `${base}/index${extension}`;
    }
    return undefined;
  }

  /** The nearest directory at or above `dir` (within cwd) that has a tsconfig.json or jsconfig.json. */
  private configDirOf(dir: string): string {
    for (let current = dir; ; current = path.posix.dirname(current)) {
      if (this.pathConfigAt(current)) return current;
      if (current === '.' || current === '' || current === '/') return '.';
    }
  }

  private pathConfigFor(dir: string): PathConfig | undefined {
    for (let current = dir; ; current = path.posix.dirname(current)) {
      const config = this.pathConfigAt(current);
      if (config) return config;
      if (current === '.' || current === '' || current === '/') return undefined;
    }
  }

  private pathConfigAt(dir: string): PathConfig | undefined {
    const key = dir === '' ? '.' : dir;
    if (this.configs.has(key)) return this.configs.get(key) ?? undefined;
    let config: PathConfig | undefined;
    for (const name of ['tsconfig.json', 'jsconfig.json']) {
      config = this.readPathConfig(path.posix.join(key, name), 0);
      if (config) break;
    }
    this.configs.set(key, config ?? null);
    return config;
  }

  private readPathConfig(relative: string, depth: number): PathConfig | undefined {
    const text = readSmallFile(path.join(this.cwd, relative));
    if (text === undefined) return undefined;
    const parsed = parseJsonc(text) as { extends?: unknown; compilerOptions?: { baseUrl?: unknown; paths?: unknown } } | undefined;
    if (!parsed) return undefined;
    const dir = path.posix.dirname(relative);
    let inherited: PathConfig | undefined;
    if (typeof parsed.extends === 'string' && parsed.extends.startsWith('.') && depth < 3) {
      const target = path.posix.join(dir, parsed.extends);
      inherited = this.readPathConfig(target.endsWith('.json') ? target : `${target}.json`, depth + 1);
    }
    const options = parsed.compilerOptions ?? {};
    const baseUrl = typeof options.baseUrl === 'string' ? path.posix.join(dir, options.baseUrl) : inherited?.baseUrl;
    const paths: PathConfig['paths'] = [];
    if (options.paths && typeof options.paths === 'object') {
      for (const [pattern, targets] of Object.entries(options.paths as Record<string, unknown>)) {
        if (!Array.isArray(targets)) continue;
        const star = pattern.indexOf('*');
        paths.push({
          prefix: star === -1 ? pattern : pattern.slice(0, star),
          suffix: star === -1 ? '' : pattern.slice(star + 1),
          targets: targets.filter((t): t is string => typeof t === 'string'),
          ...(star === -1 ? { exact: true } : {}),
        });
      }
    } else if (inherited) {
      paths.push(...inherited.paths);
    }
    // Longest prefix first, as TypeScript picks the most specific pattern.
    paths.sort((a, b) => b.prefix.length - a.prefix.length);
    return { baseUrl: baseUrl ?? (paths.length > 0 ? dir : undefined), paths };
  }

  /** Every package.json at or above a scanned file's directory, by its `name`. */
  private collectWorkspacePackages(): void {
    const seen = new Set<string>();
    for (const file of this.files) {
      for (let dir = path.posix.dirname(file); !seen.has(dir); dir = path.posix.dirname(dir)) {
        seen.add(dir);
        const text = readSmallFile(path.join(this.cwd, dir, 'package.json'));
        if (text !== undefined) {
          try {
            const manifest = JSON.parse(text) as { name?: unknown; exports?: unknown; main?: unknown; module?: unknown; types?: unknown };
            const name = manifest.name;
            if (typeof name === 'string' && !this.packageDirs.has(name)) {
              this.packageDirs.set(name, dir === '.' ? '' : dir);
              const entry = packageEntry(manifest);
              if (entry) this.packageEntries.set(name, entry);
            }
          } catch {
            // A broken package.json names no package.
          }
        }
        if (dir === '.' || dir === '/' || dir === '') break;
      }
    }
  }
}

/** The file a package's root import names: `exports["."]` (a path, or its `types`/`import`/`default`), then `module`, `main`, `types`. */
function packageEntry(manifest: { exports?: unknown; main?: unknown; module?: unknown; types?: unknown }): string | undefined {
  const pick = (value: unknown): string | undefined => {
    if (typeof value === 'string') return value;
    if (value && typeof value === 'object') {
      const conditions = value as Record<string, unknown>;
      for (const key of ['.', 'types', 'import', 'default', 'require', 'node']) {
        const found = key in conditions ? pick(conditions[key]) : undefined;
        if (found) return found;
      }
    }
    return undefined;
  };
  const found = pick(manifest.exports) ?? pick(manifest.module) ?? pick(manifest.main) ?? pick(manifest.types);
  return found?.replace(/^\.\//, '').replace(/\.d\.ts$/, '');
}

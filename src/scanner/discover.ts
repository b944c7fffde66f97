import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import { UsageError } from '../errors.js';

export const SOURCE_EXTENSIONS = ['ts', 'tsx', 'mts', 'cts', 'js', 'jsx', 'mjs', 'cjs'] as const;

/** Directories that hold dependencies or build output, never hand-written source. */
export const DEFAULT_IGNORES = [
  '**/node_modules/**',
  '**/.git/**',
  '**/dist/**',
  '**/build/**',
  '**/out/**',
  '**/coverage/**',
  '**/.next/**',
  '**/.nuxt/**',
  '**/.output/**',
  '**/.turbo/**',
  '**/.cache/**',
  // Minified bundles are build output checked in, never hand-written source.
  '**/*.min.js',
  '**/*.min.mjs',
  '**/*.d.ts',
  '**/*.d.mts',
  '**/*.d.cts',
  '**/*.min.js',
];

export interface DiscoverOptions {
  cwd: string;
  /** Files or directories, relative to cwd or absolute. */
  paths: string[];
  /** Globs relative to cwd; when non-empty a file must match one. */
  include: string[];
  exclude: string[];
}

export interface DiscoveredFile {
  absolute: string;
  /** Relative to cwd with `/` separators. */
  relative: string;
}

const SOURCE_FILE = new RegExp(`\\.(${SOURCE_EXTENSIONS.join('|')})$`);
const DECLARATION_FILE = /\.d\.[cm]?ts$/;

export function toPosixRelative(cwd: string, absolute: string): string {
  // The common case, a file under cwd, without path.relative's normalisation (it runs once per file).
  if (path.sep === '/' && absolute.startsWith(cwd) && absolute.charAt(cwd.length) === '/' && !cwd.endsWith('/')) return absolute.slice(cwd.length + 1);
  const relative = path.relative(cwd, absolute).split(path.sep).join('/');
  return relative === '' ? '.' : relative;
}

/** `.gitignore` rules from every directory between the scan root's git root and each file. */
class GitignoreMatcher {
  private readonly byDir = new Map<string, Ignore | null>();
  private readonly gitRoots = new Map<string, boolean>();

  private isGitRoot(dir: string): boolean {
    let known = this.gitRoots.get(dir);
    if (known === undefined) {
      known = existsSync(path.join(dir, '.git'));
      this.gitRoots.set(dir, known);
    }
    return known;
  }

  /** Whether a file or directory is ignored by .gitignore files between it and its git root (or `stopAt`). */
  ignores(absoluteFile: string, stopAt: string, isDirectory = false): boolean {
    for (const { dir, rules } of this.chainFor(path.dirname(absoluteFile), stopAt)) {
      // `dir` is an ancestor of the file, so its path relative to `dir` is the rest of the string.
      const rest = absoluteFile.slice(dir.length === path.parse(dir).root.length ? dir.length : dir.length + 1);
      const relative = (path.sep === '/' ? rest : rest.split(path.sep).join('/')) + (isDirectory ? '/' : '');
      if (relative && rules.ignores(relative)) return true;
    }
    return false;
  }

  // Files share directories: the .gitignore files that apply to a directory are worked out once per directory.
  private readonly chains = new Map<string, Array<{ dir: string; rules: Ignore }>>();

  /** The directories from `dir` up to its git root (or `stopAt`) that hold a .gitignore, nearest first. */
  private chainFor(dir: string, stopAt: string): Array<{ dir: string; rules: Ignore }> {
    const key = `${stopAt}\0${dir}`;
    let chain = this.chains.get(key);
    if (chain !== undefined) return chain;
    const rules = this.rulesFor(dir);
    const own = rules ? [{ dir, rules }] : [];
    const parent = path.dirname(dir);
    chain = dir === stopAt || this.isGitRoot(dir) || parent === dir ? own : [...own, ...this.chainFor(parent, stopAt)];
    this.chains.set(key, chain);
    return chain;
  }

  private rulesFor(dir: string): Ignore | null {
    if (this.byDir.has(dir)) return this.byDir.get(dir) ?? null;
    const file = path.join(dir, '.gitignore');
    let rules: Ignore | null = null;
    if (existsSync(file)) {
      try {
        rules = ignore().add(readFileSync(file, 'utf8'));
      } catch {
        rules = null;
      }
    }
    this.byDir.set(dir, rules);
    return rules;
  }
}

export async function discoverFiles(options: DiscoverOptions): Promise<DiscoveredFile[]> {
  const { cwd } = options;
  const includeMatcher = options.include.length > 0 ? picomatch(options.include, { dot: true }) : undefined;
  const excludeMatcher = options.exclude.length > 0 ? picomatch(options.exclude, { dot: true }) : undefined;
  const gitignore = new GitignoreMatcher();
  const found = new Map<string, DiscoveredFile>();

  /** `gitignoreStop`: the directory above which .gitignore files are not consulted; undefined for explicit files. */
  const accept = (absolute: string, gitignoreStop: string | undefined) => {
    const relative = toPosixRelative(cwd, absolute);
    if (includeMatcher && !includeMatcher(relative)) return;
    if (excludeMatcher && excludeMatcher(relative)) return;
    if (gitignoreStop !== undefined && gitignore.ignores(absolute, gitignoreStop)) return;
    found.set(absolute, { absolute, relative });
  };

  for (const given of options.paths) {
    const absolute = path.resolve(cwd, given);
    let stats;
    try {
      stats = statSync(absolute);
    } catch {
      throw new UsageError(`Path not found: ${given}`);
    }
    if (stats.isFile()) {
      // A file named on the command line is scanned even if ignored, as ESLint does.
      if (SOURCE_FILE.test(absolute) && !DECLARATION_FILE.test(absolute)) accept(absolute, undefined);
      continue;
    }
    // A directory the user names is scanned even when an outer .gitignore ignores it (as with files);
    // .gitignore files inside it still apply.
    const stopAt = gitignore.ignores(absolute, path.parse(absolute).root, true) ? absolute : path.parse(absolute).root;
    const entries = await fg(`**/*.{${SOURCE_EXTENSIONS.join(',')}}`, {
      cwd: absolute,
      absolute: true,
      dot: false,
      onlyFiles: true,
      followSymbolicLinks: false,
      ignore: DEFAULT_IGNORES,
      suppressErrors: true,
    });
    // fast-glob returns normalised absolute paths with `/`, which are native paths except on Windows.
    for (const entry of entries) accept(path.sep === '/' ? entry : path.normalize(entry), stopAt);
  }
  return [...found.values()].sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
}

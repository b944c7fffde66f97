import { existsSync, lstatSync, statSync, type Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import { UsageError } from '../errors.js';
import { notRegularReason, readRegularFile, specialKind } from '../safe-fs.js';

export const SOURCE_EXTENSIONS = ['ts', 'tsx', 'mts', 'cts', 'js', 'jsx', 'mjs', 'cjs'] as const;

/** Directories that hold dependencies or build output, never hand-written source: not entered. */
export const IGNORED_DIRECTORIES: ReadonlySet<string> = new Set(['node_modules', '.git', 'dist', 'build', 'out', 'coverage', '.next', '.nuxt', '.output', '.turbo', '.cache']);

/** Type declarations, and minified bundles (build output checked in): never hand-written source. */
const IGNORED_FILE = /\.(?:d\.[cm]?ts|min\.m?js)$/;

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

/** A path discovery met but did not hand on: why, with the path relative to cwd. */
export interface DiscoveryNote {
  file: string;
  reason: string;
}

export interface Discovery {
  files: DiscoveredFile[];
  /** Special files (FIFOs, sockets, devices) among the sources and `.gitignore` files: never opened. */
  skipped: DiscoveryNote[];
  /** Directories and `.gitignore` files that could not be read: the scan is incomplete. */
  unreadable: DiscoveryNote[];
}

const SOURCE_FILE = new RegExp(`\\.(${SOURCE_EXTENSIONS.join('|')})$`);
const DECLARATION_FILE = /\.d\.[cm]?ts$/;

export function toPosixRelative(cwd: string, absolute: string): string {
  // The common case, a file under cwd, without path.relative's normalisation (it runs once per file).
  if (path.sep === '/' && absolute.startsWith(cwd) && absolute.charAt(cwd.length) === '/' && !cwd.endsWith('/')) return absolute.slice(cwd.length + 1);
  const relative = path.relative(cwd, absolute).split(path.sep).join('/');
  return relative === '' ? '.' : relative;
}

/** A directory's `.gitignore` rules, and where a path below that directory starts relative to it. */
interface ChainLink {
  start: number;
  rules: GitignoreRules;
}

/** Characters that end a literal run of a gitignore pattern (wildcards, separators, brace and escape characters). */
const PATTERN_BREAK = /[*?/{},!]+/;
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * One `.gitignore` file's rules (the `ignore` package, whose answer is final), with a prefilter in front: a path
 * can only be ignored if some ignoring (not `!`) pattern matches it, and every pattern with a literal run of
 * characters only matches paths holding that run, so a path holding none of the runs is not ignored and the
 * package's pattern-by-pattern test (tens of microseconds a path with a long `.gitignore`) is not run for it.
 * Kept exact by taking no run from what a run cannot be read from: a pattern with `[` (a set) or `\` (an escape)
 * or one with no literal run makes every path go to the package, as does a path with non-ASCII characters
 * (matching ignores case, compared here in lower case, which only holds for ASCII).
 */
export class GitignoreRules {
  private readonly rules: Ignore;
  /**
   * Per ignoring pattern, its literal runs in lower case (a path it matches holds every one of them); undefined
   * when every path must be tested.
   */
  private readonly needles: string[][] | undefined;

  constructor(text: string) {
    this.rules = ignore().add(text);
    const needles = new Map<string, string[]>();
    let exact = true;
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
      if (line.includes('[') || line.includes('\\') || NON_ASCII.test(line)) {
        exact = false;
        break;
      }
      const runs = line
        .toLowerCase()
        .split(PATTERN_BREAK)
        .map((piece) => piece.trim())
        .filter((run) => run !== '')
        // The longest first: the one a path is least likely to hold is tried first.
        .sort((a, b) => b.length - a.length);
      if (runs.length === 0) {
        exact = false;
        break;
      }
      needles.set(runs.join('/'), runs);
    }
    this.needles = exact ? [...needles.values()] : undefined;
  }

  ignores(relative: string): boolean {
    const needles = this.needles;
    if (needles !== undefined && !NON_ASCII.test(relative)) {
      const lower = relative.toLowerCase();
      let candidate = false;
      for (let i = 0; i < needles.length && !candidate; i++) {
        const runs = needles[i] as string[];
        candidate = true;
        for (let j = 0; j < runs.length; j++) {
          if (!lower.includes(runs[j] as string)) {
            candidate = false;
            break;
          }
        }
      }
      if (!candidate) return false;
    }
    return this.rules.ignores(relative);
  }
}

/** `.gitignore` rules from every directory between the scan root's git root and each file. */
class GitignoreMatcher {
  private readonly byDir = new Map<string, GitignoreRules | null>();
  /** `.gitignore` files that are special files (not read) or unreadable, by absolute path. */
  readonly skipped: Array<{ absolute: string; reason: string }> = [];
  readonly unreadable: Array<{ absolute: string; reason: string }> = [];
  private readonly gitRoots = new Map<string, boolean>();

  /**
   * What a directory's listing already says, so the walk does not probe every directory it enters: no
   * `.gitignore` entry means no rules there (the open that would fail is not tried), and a `.git` entry that is
   * not a link makes it a git root (a link is left to existsSync, which follows it as before).
   */
  noteListing(dir: string, entries: readonly Dirent[]): void {
    let gitignore = false;
    let git: Dirent | undefined;
    for (const entry of entries) {
      if (entry.name === '.gitignore') gitignore = true;
      else if (entry.name === '.git') git = entry;
    }
    if (!gitignore && !this.byDir.has(dir)) this.byDir.set(dir, null);
    if (!this.gitRoots.has(dir)) {
      if (git === undefined) this.gitRoots.set(dir, false);
      else if (!git.isSymbolicLink()) this.gitRoots.set(dir, true);
    }
  }

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
    return this.ignoredBy(this.chainFor(path.dirname(absoluteFile), stopAt), absoluteFile, isDirectory);
  }

  /** The same for an entry of a directory whose chain (`chainFor(dir, stopAt)`) the caller looked up once. */
  ignoredBy(chain: readonly ChainLink[], absoluteFile: string, isDirectory = false): boolean {
    for (const { start, rules } of chain) {
      // `dir` is an ancestor of the file, so its path relative to `dir` is the rest of the string.
      const rest = absoluteFile.slice(start);
      const relative = (path.sep === '/' ? rest : rest.split(path.sep).join('/')) + (isDirectory ? '/' : '');
      if (relative && rules.ignores(relative)) return true;
    }
    return false;
  }

  // Files share directories: the .gitignore files that apply to a directory are worked out once per directory.
  private readonly chains = new Map<string, ChainLink[]>();

  /** The directories from `dir` up to its git root (or `stopAt`) that hold a .gitignore, nearest first. */
  chainFor(dir: string, stopAt: string): ChainLink[] {
    const key = `${stopAt}\0${dir}`;
    let chain = this.chains.get(key);
    if (chain !== undefined) return chain;
    const rules = this.rulesFor(dir);
    const own = rules ? [{ start: dir.length === path.parse(dir).root.length ? dir.length : dir.length + 1, rules }] : [];
    const parent = path.dirname(dir);
    chain = dir === stopAt || this.isGitRoot(dir) || parent === dir ? own : [...own, ...this.chainFor(parent, stopAt)];
    this.chains.set(key, chain);
    return chain;
  }

  private rulesFor(dir: string): GitignoreRules | null {
    if (this.byDir.has(dir)) return this.byDir.get(dir) ?? null;
    const file = path.join(dir, '.gitignore');
    let rules: GitignoreRules | null = null;
    try {
      const outcome = readRegularFile(file);
      if ('text' in outcome) rules = new GitignoreRules(outcome.text);
      else if ('notRegular' in outcome) this.skipped.push({ absolute: file, reason: notRegularReason(outcome.notRegular) });
      else if ('tooLarge' in outcome) this.skipped.push({ absolute: file, reason: `larger than the size limit (${outcome.tooLarge} bytes)` });
    } catch (error) {
      this.unreadable.push({ absolute: file, reason: `Cannot read .gitignore: ${describe(error)}` });
    }
    this.byDir.set(dir, rules);
    return rules;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What a directory entry is, when it is neither a regular file, a directory nor a link. */
function specialEntryKind(dirent: Pick<Dirent, 'isFile' | 'isDirectory' | 'isSymbolicLink' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'>): string | undefined {
  if (dirent.isFile() || dirent.isDirectory() || dirent.isSymbolicLink()) return undefined;
  if (dirent.isFIFO()) return 'FIFO';
  if (dirent.isSocket()) return 'socket';
  if (dirent.isCharacterDevice() || dirent.isBlockDevice()) return 'device';
  return 'special file';
}

export async function discoverFiles(options: DiscoverOptions): Promise<Discovery> {
  const { cwd } = options;
  const includeMatcher = options.include.length > 0 ? picomatch(options.include, { dot: true }) : undefined;
  const excludeMatcher = options.exclude.length > 0 ? picomatch(options.exclude, { dot: true }) : undefined;
  const gitignore = new GitignoreMatcher();
  const found = new Map<string, DiscoveredFile>();
  const skipped = new Map<string, DiscoveryNote>();
  const unreadable = new Map<string, DiscoveryNote>();

  /** `gitignoreStop`: the directory above which .gitignore files are not consulted; undefined for explicit files. */
  const wanted = (absolute: string, gitignoreStop: string | undefined): string | undefined => {
    const relative = toPosixRelative(cwd, absolute);
    if (includeMatcher && !includeMatcher(relative)) return undefined;
    if (excludeMatcher && excludeMatcher(relative)) return undefined;
    if (gitignoreStop !== undefined && gitignore.ignores(absolute, gitignoreStop)) return undefined;
    return relative;
  };
  const accept = (absolute: string, gitignoreStop: string | undefined) => {
    const relative = wanted(absolute, gitignoreStop);
    if (relative !== undefined) found.set(absolute, { absolute, relative });
  };
  const skip = (absolute: string, gitignoreStop: string | undefined, reason: string) => {
    const relative = wanted(absolute, gitignoreStop);
    if (relative !== undefined) skipped.set(relative, { file: relative, reason });
  };
  /**
   * Every source file under `root`, reading sibling directories concurrently. Never follows a link; never
   * enters a dot directory, a dependency or build-output directory, or one .gitignore excludes (git cannot
   * re-include anything below an excluded directory, so nothing below it is looked at).
   */
  const walk = async (root: string, stopAt: string): Promise<void> => {
    const visit = async (dir: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // Removed while the scan ran: nothing to scan there. Anything else makes the scan incomplete.
        if (code !== 'ENOENT' && code !== 'ENOTDIR') {
          const relative = toPosixRelative(cwd, dir);
          unreadable.set(relative, { file: relative === '.' ? './' : `${relative}/`, reason: `Cannot read directory: ${code ?? describe(error)}` });
        }
        return;
      }
      gitignore.noteListing(dir, entries);
      // The .gitignore files that apply to this directory's entries, worked out once for all of them.
      const chain = gitignore.chainFor(dir, stopAt);
      const below: Array<Promise<void>> = [];
      for (const entry of entries) {
        const name = entry.name;
        if (name.startsWith('.')) continue;
        const absolute = dir.endsWith(path.sep) ? dir + name : dir + path.sep + name;
        if (entry.isDirectory()) {
          if (!IGNORED_DIRECTORIES.has(name) && !gitignore.ignoredBy(chain, absolute, true)) below.push(visit(absolute));
        } else if (SOURCE_FILE.test(name) && !IGNORED_FILE.test(name)) {
          if (gitignore.ignoredBy(chain, absolute)) continue;
          if (entry.isFile()) accept(absolute, undefined);
          else {
            // A link is not followed and not listed; a FIFO, socket or device is listed and never opened.
            const kind = specialEntryKind(entry);
            if (kind !== undefined) skip(absolute, undefined, notRegularReason(kind));
          }
        }
      }
      await Promise.all(below);
    };
    await visit(root);
  };

  for (const given of options.paths) {
    const absolute = path.resolve(cwd, given);
    let stats;
    try {
      stats = lstatSync(absolute);
      // A directory named through a link is scanned (the user chose it); a linked file is not followed.
      if (stats.isSymbolicLink() && statSync(absolute).isDirectory()) stats = statSync(absolute);
    } catch {
      throw new UsageError(`Path not found: ${given}`);
    }
    if (!stats.isDirectory()) {
      // A file named on the command line is scanned even if ignored, as ESLint does.
      if (!SOURCE_FILE.test(absolute) || DECLARATION_FILE.test(absolute)) continue;
      const kind = specialKind(stats);
      if (kind === undefined) accept(absolute, undefined);
      else skip(absolute, undefined, notRegularReason(kind));
      continue;
    }
    // A directory the user names is scanned even when an outer .gitignore ignores it (as with files);
    // .gitignore files inside it still apply.
    const stopAt = gitignore.ignores(absolute, path.parse(absolute).root, true) ? absolute : path.parse(absolute).root;
    await walk(absolute, stopAt);
  }
  for (const note of gitignore.skipped) {
    const relative = toPosixRelative(cwd, note.absolute);
    skipped.set(relative, { file: relative, reason: note.reason });
  }
  for (const note of gitignore.unreadable) {
    const relative = toPosixRelative(cwd, note.absolute);
    unreadable.set(relative, { file: relative, reason: note.reason });
  }
  const byPath = <T extends { relative?: string; file?: string }>(a: T, b: T) => {
    const x = a.relative ?? a.file ?? '';
    const y = b.relative ?? b.file ?? '';
    return x < y ? -1 : x > y ? 1 : 0;
  };
  return { files: [...found.values()].sort(byPath), skipped: [...skipped.values()].sort(byPath), unreadable: [...unreadable.values()].sort(byPath) };
}

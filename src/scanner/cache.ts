import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkCachedFile } from './cached-entry.js';
import { notRegularReason, readRegularFile, writeFileAtomic } from '../safe-fs.js';
import type { FileAnalysis } from './engine.js';
import { BUNDLED } from '../version.js';

/**
 * Per-file analysis results keyed by everything that can change them: the file's bytes, the tool version,
 * the enabled rules with their options and severity overrides, and the project facts rules read. A stale
 * hit is therefore impossible; a miss costs one parse.
 */
export interface CachedFile {
  key: string;
  lines: number;
  analysis: FileAnalysis;
}

interface CacheFile {
  format: number;
  files: Record<string, CachedFile>;
}

const FORMAT = 1;
const CACHE_FILE = 'scan-cache.json';

export function hashText(...parts: string[]): string {
  const hash = createHash('sha1');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
}

let cachedCodeFingerprint: string | undefined;

/**
 * A hash of the tool's own code (scanner and rules, built or source), so a rebuilt rule never reuses
 * results computed by its previous version, even when the package version did not change.
 */
export function codeFingerprint(): string {
  if (cachedCodeFingerprint) return cachedCodeFingerprint;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const hash = createHash('sha1');
  const visit = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (/\.(js|ts)$/.test(entry.name)) hash.update(entry.name).update(readFileSync(full));
    }
  };
  if (BUNDLED) {
    // dist/bundle/ holds all of the code, the rules included.
    visit(here);
  } else {
    visit(path.resolve(here, '..'));
    visit(path.resolve(here, '../../rules'));
  }
  cachedCodeFingerprint = hash.digest('hex');
  return cachedCodeFingerprint;
}

/** Where the cache lives by default, and whether it must be private to this user (see `AnalysisCache`). */
export interface CacheLocation {
  dir: string;
  /** The per-user location: directories must be 0700. Inside a project's node_modules they need only be ours. */
  private: boolean;
}

/**
 * `node_modules/.cache/bottleneck` of the nearest package with node_modules; else a directory per scanned
 * tree under the user's cache directory (`$XDG_CACHE_HOME/bottleneck`, default `~/.cache/bottleneck`),
 * never a shared temp directory another user could create first.
 */
export function defaultCacheLocation(cwd: string, env: NodeJS.ProcessEnv = process.env): CacheLocation {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'node_modules'))) return { dir: path.join(dir, 'node_modules', '.cache', 'bottleneck'), private: false };
    if (path.dirname(dir) === dir) break;
  }
  // The XDG spec: a relative XDG_CACHE_HOME is invalid and ignored.
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(homedir(), '.cache');
  return { dir: path.join(base, 'bottleneck', hashText(path.resolve(cwd)).slice(0, 12)), private: true };
}

export function defaultCacheDir(cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  return defaultCacheLocation(cwd, env).dir;
}

function lexists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

const ownUid = typeof process.getuid === 'function' ? process.getuid() : undefined;

/** Why `dir` cannot hold our cache (a link, not ours, open to others), or undefined when it can. */
function untrustedDirectory(dir: string, mustBePrivate: boolean): string | undefined {
  let stats;
  try {
    stats = lstatSync(dir);
  } catch (error) {
    return `${dir} cannot be checked (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
  if (stats.isSymbolicLink()) return `${dir} is a symbolic link`;
  if (!stats.isDirectory()) return `${dir} is not a directory`;
  if (ownUid !== undefined && stats.uid !== ownUid) return `${dir} belongs to another user (uid ${stats.uid})`;
  if (mustBePrivate && process.platform !== 'win32' && (stats.mode & 0o077) !== 0) {
    return `${dir} is open to other users (mode ${(stats.mode & 0o777).toString(8)}; expected 700)`;
  }
  return undefined;
}

/** The per-user location checks its `bottleneck` directory too: whoever owns that could swap the one below. */
function directoriesToCheck(dir: string, mustBePrivate: boolean): string[] {
  return mustBePrivate ? [path.dirname(dir), dir] : [dir];
}

/**
 * Creates the directories outermost first, checking each before creating the next inside it, so nothing is
 * ever created through a link or inside someone else's directory. Returns why one cannot be used.
 */
function ensureDirectories(dirs: string[], mustBePrivate: boolean): string | undefined {
  for (const [index, dir] of dirs.entries()) {
    try {
      mkdirSync(dir, { recursive: index === 0, mode: mustBePrivate ? 0o700 : 0o777 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const problem = untrustedDirectory(dir, mustBePrivate);
    if (problem) return problem;
  }
  return undefined;
}

/** A cached analysis, checked against the JSON report's finding schema (`cachedFileSchema`): a corrupt or forged entry is a miss. */
function validEntry(file: string, entry: unknown): CachedFile | undefined {
  // Most files have no findings: the schema's answer for an empty entry, without its cost (0.05 ms per file).
  const e = entry as { key?: unknown; lines?: unknown; analysis?: { findings?: unknown; errors?: unknown } } | null;
  if (
    typeof e?.key === 'string' && Number.isInteger(e.lines) && (e.lines as number) >= 0 &&
    Array.isArray(e.analysis?.findings) && e.analysis.findings.length === 0 && Array.isArray(e.analysis.errors) && e.analysis.errors.length === 0
  ) {
    return { key: e.key, lines: e.lines as number, analysis: { findings: [], errors: [] } };
  }
  // The report schema's check, written out by hand (cached-entry.ts): a warm scan does not load zod.
  const checked = checkCachedFile(entry);
  if (!checked) return undefined;
  // An entry may only speak for its own file.
  if (checked.analysis.findings.some((finding) => finding.file !== file)) return undefined;
  return checked;
}

export class AnalysisCache {
  private readonly previous: Record<string, unknown>;
  private readonly next: Record<string, CachedFile> = {};
  private changed = false;
  private readonly mustBePrivate: boolean;
  /** Why the cache is not used this run (its directory is a link, someone else's, or open to others). */
  problem: string | undefined;
  /** The cache file, when something other than a regular file stands in its place (it is not read). */
  unread: { file: string; reason: string } | undefined;

  constructor(
    readonly dir: string,
    options: { private?: boolean } = {},
  ) {
    this.mustBePrivate = options.private ?? false;
    // Created and checked up front: the model's caches live in the same directory and use it only when it passed.
    try {
      this.problem = ensureDirectories(directoriesToCheck(dir, this.mustBePrivate), this.mustBePrivate);
    } catch (error) {
      this.problem = `${dir} cannot be created (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
    }
    this.previous = this.problem ? {} : this.read();
  }

  private read(): Record<string, unknown> {
    const file = path.join(this.dir, CACHE_FILE);
    try {
      const outcome = readRegularFile(file);
      if ('notRegular' in outcome) {
        this.unread = { file, reason: notRegularReason(outcome.notRegular) };
        return {};
      }
      if (!('text' in outcome)) return {};
      if (ownUid !== undefined && outcome.owner !== ownUid) return {};
      const parsed = JSON.parse(outcome.text) as Partial<CacheFile> | null;
      return parsed?.format === FORMAT && parsed.files && typeof parsed.files === 'object' && !Array.isArray(parsed.files) ? parsed.files : {};
    } catch {
      // Unreadable or not JSON: every file is a miss.
      return {};
    }
  }

  /** No results from an earlier run: every file will be parsed. */
  get empty(): boolean {
    for (const _ in this.previous) return false;
    return true;
  }

  get(file: string, key: string): CachedFile | undefined {
    if (!Object.hasOwn(this.previous, file)) return undefined;
    const raw = this.previous[file];
    if (typeof raw !== 'object' || raw === null || (raw as { key?: unknown }).key !== key) return undefined;
    const entry = validEntry(file, raw);
    if (entry) this.next[file] = entry;
    return entry;
  }

  set(file: string, entry: CachedFile): void {
    this.next[file] = entry;
    this.changed = true;
  }

  /**
   * Writes atomically (a new file renamed into place, never through a link). Entries of files outside this
   * scan are kept, so scanning a subfolder evicts nothing.
   */
  save(): void {
    if (!this.changed || this.problem) return;
    try {
      // Checked again: the directory may have been swapped since the scan started.
      this.problem = ensureDirectories(directoriesToCheck(this.dir, this.mustBePrivate), this.mustBePrivate);
      if (this.problem) return;
      const kept: Record<string, unknown> = {};
      for (const [file, entry] of Object.entries(this.previous)) if (!Object.hasOwn(this.next, file) && validEntry(file, entry)) kept[file] = entry;
      writeFileAtomic(path.join(this.dir, CACHE_FILE), JSON.stringify({ format: FORMAT, files: { ...kept, ...this.next } }), this.mustBePrivate ? 0o600 : 0o666);
    } catch {
      // A cache that cannot be written only costs speed next time.
    }
  }

  static clear(dir: string): boolean {
    const target = path.join(dir, CACHE_FILE);
    if (!lexists(target)) return false;
    // Unlinks whatever stands there: a link is removed, never followed.
    rmSync(target, { force: true });
    return true;
  }
}

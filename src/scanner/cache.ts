import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FileAnalysis } from './engine.js';

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
  visit(path.resolve(here, '..'));
  visit(path.resolve(here, '../../rules'));
  cachedCodeFingerprint = hash.digest('hex');
  return cachedCodeFingerprint;
}

/** `node_modules/.cache/bottleneck` of the nearest package with node_modules, else a per-directory temp dir. */
export function defaultCacheDir(cwd: string): string {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'node_modules'))) return path.join(dir, 'node_modules', '.cache', 'bottleneck');
    if (path.dirname(dir) === dir) break;
  }
  return path.join(tmpdir(), `bottleneck-cache-${hashText(path.resolve(cwd)).slice(0, 12)}`);
}

export class AnalysisCache {
  private readonly previous: Record<string, CachedFile>;
  private readonly next: Record<string, CachedFile> = {};
  private changed = false;

  constructor(readonly dir: string) {
    this.previous = AnalysisCache.read(path.join(dir, CACHE_FILE));
  }

  private static read(file: string): Record<string, CachedFile> {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<CacheFile>;
      return parsed.format === FORMAT && parsed.files && typeof parsed.files === 'object' ? parsed.files : {};
    } catch {
      return {};
    }
  }

  /** No results from an earlier run: every file will be parsed. */
  get empty(): boolean {
    for (const _ in this.previous) return false;
    return true;
  }

  get(file: string, key: string): CachedFile | undefined {
    const entry = this.previous[file];
    if (entry && entry.key === key) {
      this.next[file] = entry;
      return entry;
    }
    return undefined;
  }

  set(file: string, entry: CachedFile): void {
    this.next[file] = entry;
    this.changed = true;
  }

  /** Writes atomically. Entries of files outside this scan are kept, so scanning a subfolder evicts nothing. */
  save(): void {
    if (!this.changed) return;
    try {
      mkdirSync(this.dir, { recursive: true });
      const target = path.join(this.dir, CACHE_FILE);
      const temporary = `${target}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify({ format: FORMAT, files: { ...this.previous, ...this.next } } satisfies CacheFile));
      renameSync(temporary, target);
    } catch {
      // A cache that cannot be written only costs speed next time.
    }
  }

  static clear(dir: string): boolean {
    const target = path.join(dir, CACHE_FILE);
    if (!existsSync(target)) return false;
    rmSync(target, { force: true });
    return true;
  }
}

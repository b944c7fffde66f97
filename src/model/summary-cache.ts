import { lstatSync, rmSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { Suppression } from '../findings.js';
import { withRecords } from './records.js';
import { readRegularFile, writeFileAtomic } from '../safe-fs.js';
import type { FileSummary } from './types.js';

/**
 * File summaries from earlier runs, keyed by a hash of the file's bytes and the tool's code: a warm run links
 * the model from these without parsing anything. Kept beside the findings cache, in its own file, so either
 * can be dropped without the other.
 */

const FORMAT = 1;
const CACHE_FILE = 'model-cache.json';

interface Entry {
  key: string;
  summary: FileSummary;
}

export class SummaryCache {
  private readonly previous: Record<string, Entry>;
  private readonly next: Record<string, Entry> = {};
  private changed = false;

  constructor(private readonly dir: string) {
    this.previous = SummaryCache.read(path.join(dir, CACHE_FILE));
  }

  private static read(file: string): Record<string, Entry> {
    try {
      // Never a FIFO or a link planted in place of the cache (src/safe-fs.ts).
      const read = readRegularFile(file);
      if (!('text' in read)) return {};
      const parsed = JSON.parse(read.text) as { format?: unknown; files?: unknown };
      if (parsed.format !== FORMAT || !parsed.files || typeof parsed.files !== 'object') return {};
      return parsed.files as Record<string, Entry>;
    } catch {
      return {};
    }
  }

  get(file: string, key: string): FileSummary | undefined {
    const entry = this.previous[file];
    // A damaged entry is a miss: the file is parsed again.
    if (entry && entry.key === key && entry.summary && Array.isArray(entry.summary.functions) && entry.summary.file === file) {
      this.next[file] = entry;
      return withRecords(entry.summary);
    }
    return undefined;
  }

  set(file: string, key: string, summary: FileSummary): void {
    this.next[file] = { key, summary };
    this.changed = true;
  }

  save(): void {
    if (!this.changed) return;
    try {
      // The directory was created and checked by the findings cache (private, ours, not a link).
      writeFileAtomic(path.join(this.dir, CACHE_FILE), JSON.stringify({ format: FORMAT, files: { ...this.previous, ...this.next } }), 0o600);
    } catch {
      // A cache that cannot be written only costs speed next time.
    }
  }
}

const DIGEST_FILE = 'model-digest.json';
const DIGEST_FORMAT = 3;

/** What the last run knew of one file, enough to answer for it without reading it while its stamp holds. */
export interface DigestEntry {
  /** Hash of the file's bytes and the tool's code. */
  summaryKey: string;
  /** Hash of the file's linked model facts at the last run. */
  factsHash: string;
  /** Size, modification and change times, inode and device when its bytes were read (see `fileStamp`). */
  stamp: string;
  lines: number;
  suppressions: Suppression[];
}

export interface ModelDigest {
  /** The stamps of the project configs the model reads (see `configStamps`): a change re-links the model. */
  configs: string;
  files: Map<string, DigestEntry>;
}

/** The config files the model reads beside the sources: module resolution, workspace packages, package roles. */
const CONFIG_NAMES = ['package.json', 'tsconfig.json', 'jsconfig.json'];

/**
 * The stamps of every package.json, tsconfig.json and jsconfig.json in the directories of `files` (absolute
 * paths) and their ancestors up to `cwd`: one string that changes when any of them is written, added or
 * removed. Stat only, never read; the model's facts depend on them (a package's `bin` or dependencies decide
 * its role, `paths` decide what an import is), so a warm run must not answer from a digest taken before.
 */
export function configStamps(cwd: string, files: Iterable<string>): string {
  const root = path.resolve(cwd);
  const dirs = new Set<string>();
  for (const file of files) {
    for (let dir = path.dirname(file); !dirs.has(dir); dir = path.dirname(dir)) {
      dirs.add(dir);
      if (dir === root || !dir.startsWith(root) || path.dirname(dir) === dir) break;
    }
  }
  const stamps: string[] = [];
  for (const dir of [...dirs].sort()) {
    for (const name of CONFIG_NAMES) {
      const file = path.join(dir, name);
      try {
        const stats = statSync(file, { throwIfNoEntry: false });
        if (stats) stamps.push(`${path.relative(root, file)}:${fileStamp(stats)}`);
      } catch {
        stamps.push(`${path.relative(root, file)}:unreadable`);
      }
    }
  }
  return stamps.join('\n');
}

/**
 * The identity of a file's bytes without reading them (ESLint's `metadata` cache strategy, with the change
 * time and inode added): a write moves the change time, which no user command can set back, so an equal
 * stamp means the bytes read last time.
 */
export function fileStamp(stats: Stats): string {
  return `${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}:${stats.ino}:${stats.dev}`;
}

function isSuppression(value: unknown, file: string): value is Suppression {
  const s = value as Partial<Suppression> | null;
  return (
    typeof s === 'object' && s !== null && (s.kind === 'file' || s.kind === 'next-line') && s.file === file &&
    Number.isInteger(s.line) && Array.isArray(s.ruleIds) && s.ruleIds.every((id) => typeof id === 'string') &&
    (s.reason === undefined || typeof s.reason === 'string')
  );
}

/**
 * The last run's model in brief: a small file read on every warm run. A file whose stamp is unchanged is not
 * read at all; when every file's summary key is the same as then, every file's model facts are too, and the
 * findings cache can be asked without linking.
 */
export class ModelDigestStore {
  constructor(private readonly dir: string) {}

  read(): ModelDigest | undefined {
    try {
      const read = readRegularFile(path.join(this.dir, DIGEST_FILE));
      if (!('text' in read)) return undefined;
      const parsed = JSON.parse(read.text) as { format?: unknown; configs?: unknown; files?: unknown };
      if (parsed.format !== DIGEST_FORMAT || typeof parsed.configs !== 'string' || !Array.isArray(parsed.files)) return undefined;
      const files = new Map<string, DigestEntry>();
      for (const row of parsed.files as unknown[]) {
        // A damaged row makes the whole digest a miss: every file is read as on a cold run.
        if (!Array.isArray(row) || row.length !== 6) return undefined;
        const [file, summaryKey, factsHash, stamp, lines, suppressions] = row as unknown[];
        if (typeof file !== 'string' || typeof summaryKey !== 'string' || typeof factsHash !== 'string' || typeof stamp !== 'string') return undefined;
        if (!Number.isInteger(lines) || (lines as number) < 0 || !Array.isArray(suppressions) || !suppressions.every((s) => isSuppression(s, file))) return undefined;
        files.set(file, { summaryKey, factsHash, stamp, lines: lines as number, suppressions: suppressions as Suppression[] });
      }
      return { configs: parsed.configs, files };
    } catch {
      return undefined;
    }
  }

  write(configs: string, entries: Array<[string, DigestEntry]>): void {
    try {
      const rows = entries.map(([file, e]) => [file, e.summaryKey, e.factsHash, e.stamp, e.lines, e.suppressions]);
      writeFileAtomic(path.join(this.dir, DIGEST_FILE), JSON.stringify({ format: DIGEST_FORMAT, configs, files: rows }), 0o600);
    } catch {
      // Only costs speed next time.
    }
  }
}

/** Removes the model's caches (summaries and digest) from `dir`; true when there was one. Links are removed, never followed. */
export function clearModelCaches(dir: string): boolean {
  let removed = false;
  for (const name of [CACHE_FILE, DIGEST_FILE]) {
    const target = path.join(dir, name);
    try {
      lstatSync(target);
    } catch {
      continue;
    }
    rmSync(target, { force: true });
    removed = true;
  }
  return removed;
}

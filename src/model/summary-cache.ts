import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
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
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { format?: unknown; files?: unknown };
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
      return entry.summary;
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
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const target = path.join(this.dir, CACHE_FILE);
      const temporary = `${target}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify({ format: FORMAT, files: { ...this.previous, ...this.next } }), { flag: 'wx', mode: 0o600 });
      renameSync(temporary, target);
    } catch {
      // A cache that cannot be written only costs speed next time.
    }
  }
}

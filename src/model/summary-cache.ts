import path from 'node:path';
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
      // The directory was created and checked by the findings cache (private, ours, not a link).
      writeFileAtomic(path.join(this.dir, CACHE_FILE), JSON.stringify({ format: FORMAT, files: { ...this.previous, ...this.next } }), 0o600);
    } catch {
      // A cache that cannot be written only costs speed next time.
    }
  }
}

const DIGEST_FILE = 'model-digest.json';

export interface ModelDigest {
  /** File -> its summary key (bytes and tool code) and the hash of its linked model facts at the last run. */
  files: Map<string, { summaryKey: string; factsHash: string }>;
}

/**
 * The last run's model in brief: a small file read on every warm run. When every file's summary key is the
 * same as then, every file's model facts are too, and the findings cache can be asked without linking.
 */
export class ModelDigestStore {
  constructor(private readonly dir: string) {}

  read(): ModelDigest | undefined {
    try {
      const read = readRegularFile(path.join(this.dir, DIGEST_FILE));
      if (!('text' in read)) return undefined;
      const parsed = JSON.parse(read.text) as { format?: unknown; files?: unknown };
      if (parsed.format !== FORMAT || !Array.isArray(parsed.files)) return undefined;
      const files = new Map<string, { summaryKey: string; factsHash: string }>();
      for (const row of parsed.files as unknown[]) {
        if (!Array.isArray(row) || typeof row[0] !== 'string' || typeof row[1] !== 'string' || typeof row[2] !== 'string') return undefined;
        files.set(row[0], { summaryKey: row[1], factsHash: row[2] });
      }
      return { files };
    } catch {
      return undefined;
    }
  }

  write(entries: Array<[string, { summaryKey: string; factsHash: string }]>): void {
    try {
      writeFileAtomic(path.join(this.dir, DIGEST_FILE), JSON.stringify({ format: FORMAT, files: entries.map(([file, e]) => [file, e.summaryKey, e.factsHash]) }), 0o600);
    } catch {
      // Only costs speed next time.
    }
  }
}

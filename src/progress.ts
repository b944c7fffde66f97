/**
 * A one-line progress indicator for long scans. It writes to stderr only, and only when stderr is a
 * terminal, so it can never end up in JSON, SARIF or any redirected output. It stays silent for the
 * first `delayMs` (quick scans show nothing) and redraws at most every `intervalMs`.
 */
export interface ProgressOptions {
  write: (text: string) => void;
  isTTY: boolean;
  now?: () => number;
  delayMs?: number;
  intervalMs?: number;
}

export interface Progress {
  update(done: number, total: number): void;
  /** Erases the line if anything was drawn. */
  stop(): void;
}

const CLEAR_LINE = '\r\u001b[2K';

export function createProgress(options: ProgressOptions): Progress {
  const now = options.now ?? (() => performance.now());
  const delayMs = options.delayMs ?? 400;
  const intervalMs = options.intervalMs ?? 100;
  const started = now();
  let lastDraw = -Infinity;
  let drawn = false;
  if (!options.isTTY) return { update: () => {}, stop: () => {} };
  return {
    update(done, total) {
      const at = now();
      if (at - started < delayMs || at - lastDraw < intervalMs || done >= total) return;
      lastDraw = at;
      drawn = true;
      const percent = total > 0 ? Math.floor((done / total) * 100) : 0;
      options.write(`${CLEAR_LINE}bottleneck: scanning ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} files (${percent}%)`);
    },
    stop() {
      if (drawn) options.write(CLEAR_LINE);
      drawn = false;
    },
  };
}

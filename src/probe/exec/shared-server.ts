/**
 * A server the probes of one `probe --exec` run share (the embedded PostgreSQL, the loopback MySQL-protocol
 * server): started when the first finding that needs it runs, under that finding's deadline and Ctrl-C
 * signal, and reused by every later one; `close()` at the end of the run stops it. A start that failed is
 * not retried: the later findings get the same reason (a server that could not start in one probe's share
 * of the budget, or whose binaries are missing, would cost each of them the same wait for the same answer).
 *
 * The run's end is `execProbes().close()`, called by the probe command in a `finally`; on SIGTERM or an
 * uncaught error the process's exit hooks stop what was started (child.ts kills the server's process
 * group; each server removes its temporary directory on exit).
 */
import type { ProbeContext } from '../types.js';

export type Unavailable = { unavailable: string };

export interface SharedServer<T extends { close(): Promise<void> }> {
  /** The server, started by the first call; every call of the run gets the same one (or the same reason). */
  open(context: ProbeContext): Promise<T | Unavailable>;
  /** How many times a start was attempted in this run (0 or 1). */
  readonly starts: number;
  /** Stops the server if one was started; the next `open` would start a new one. */
  close(): Promise<void>;
}

export function sharedServer<T extends { close(): Promise<void> }>(start: (context: ProbeContext) => Promise<T | Unavailable>): SharedServer<T> {
  let opening: Promise<T | Unavailable> | undefined;
  let starts = 0;
  return {
    open(context) {
      if (!opening) {
        starts += 1;
        opening = start(context).catch((error: unknown) => ({ unavailable: error instanceof Error ? error.message : String(error) }));
      }
      return opening;
    },
    get starts() {
      return starts;
    },
    async close() {
      const pending = opening;
      opening = undefined;
      const opened = await pending;
      if (opened && !('unavailable' in opened)) await opened.close();
    },
  };
}

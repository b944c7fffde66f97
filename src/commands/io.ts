import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { OutputError, UsageError } from '../errors.js';
import { writeUserFile } from '../safe-fs.js';

/** What a command may touch of the outside world; tests pass their own. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
  /** Whether stderr is a terminal (progress indicators go there); absent means no. */
  stderrIsTTY?: boolean;
  /** Columns of the stdout terminal, when it is one. */
  columns?: number;
}

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;
/** Stopped by Ctrl-C after reporting what finished: 128 + SIGINT, as shells report an interrupted command. */
export const EXIT_INTERRUPTED = 130;

export const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * Writes a report or other file the user asked for: to a temporary file in the same directory, renamed
 * into place, so a failed write (full disk) leaves the previous file whole; a device or FIFO (`-o /dev/null`) is
 * written in place. Failures are an `OutputError`
 * (exit 2, one line naming the file).
 */
export function writeOutputFile(absolute: string, shown: string, text: string): void {
  try {
    mkdirSync(path.dirname(absolute), { recursive: true });
    writeUserFile(absolute, text);
  } catch (error) {
    throw new OutputError(`Cannot write ${shown}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Columns for the terminal report: `--width`, else `COLUMNS`, else the terminal's width when the report
 * goes to it, else 80 (a pipe, a file, a CI log).
 */
export function reportWidth(flag: string | undefined, io: Io, toTerminal: boolean): number {
  for (const [value, source] of [
    [flag, '--width'],
    [io.env.COLUMNS, 'COLUMNS'],
  ] as const) {
    if (value === undefined || value === '') continue;
    const columns = Number(value);
    if (Number.isInteger(columns) && columns > 0) return columns;
    if (source === '--width') throw new UsageError(`Invalid --width "${value}". Expected a whole number of columns, e.g. 100`);
  }
  return toTerminal && io.isTTY && io.columns && io.columns > 0 ? io.columns : 80;
}

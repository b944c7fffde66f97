import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { OutputError } from '../errors.js';
import { writeFileAtomic } from '../safe-fs.js';

/** What a command may touch of the outside world; tests pass their own. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
  /** Whether stderr is a terminal (progress indicators go there); absent means no. */
  stderrIsTTY?: boolean;
}

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;
/** Stopped by Ctrl-C after reporting what finished: 128 + SIGINT, as shells report an interrupted command. */
export const EXIT_INTERRUPTED = 130;

export const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * Writes a report or other file the user asked for: to a temporary file in the same directory, renamed
 * into place, so a failed write (full disk) leaves the previous file whole. Failures are an `OutputError`
 * (exit 2, one line naming the file).
 */
export function writeOutputFile(absolute: string, shown: string, text: string): void {
  try {
    mkdirSync(path.dirname(absolute), { recursive: true });
    writeFileAtomic(absolute, text);
  } catch (error) {
    throw new OutputError(`Cannot write ${shown}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

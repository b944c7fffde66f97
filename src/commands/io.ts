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

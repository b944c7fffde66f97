/**
 * Runs probe code in a child Node process, contained:
 * - its own process group (`detached`), killed whole with SIGKILL at the deadline, on abort (Ctrl-C), once
 *   the direct child exits (so nothing it started lingers) and when this process exits or gets SIGTERM;
 * - results come back on a dedicated pipe (file descriptor 3), never on stdout: the code under test can
 *   print what it likes, and a JSON line it prints is not mistaken for a result;
 * - the run ends when the direct child exits, not when every holder of its pipes lets go, so a grandchild
 *   that keeps the pipes open cannot stretch the budget;
 * - a V8 heap cap (`--max-old-space-size`) where the caller asks for one.
 * Callers that can add a PID namespace (harness.ts: `unshare --pid --fork --kill-child`) also get rid of
 * processes that leave the group (`detached` grandchildren): they die with the namespace's first process.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** The file descriptor the child writes its result to (`fs.writeSync(RESULT_FD, json + '\n')`). */
export const RESULT_FD = 3;

export interface ChildRun<T> {
  /** The first JSON line the child wrote on the result pipe, or null when it wrote none before the deadline. */
  result: T | null;
  /** ms from the result line to the child's exit; null when it was killed first. */
  exitDelayMs: number | null;
  killed: boolean;
  /** Why it was killed: the deadline, an abort, or nothing (it exited on its own). */
  killedBy?: 'deadline' | 'abort' | 'exit-wait';
  /** True when V8 ran out of its capped heap. */
  outOfMemory: boolean;
  stderr: string;
  /** Lines on the result pipe without the run's token (written by the code under test), ignored. */
  ignoredLines?: number;
}

/** A result line of an authenticated channel: `{"token": token, "value": ...}`. */
export function parseTokenLine(line: string, token: string): { ok: true; value: unknown } | { ok: false } {
  try {
    const parsed = JSON.parse(line) as unknown;
    if (typeof parsed === 'object' && parsed !== null && (parsed as { token?: unknown }).token === token && 'value' in parsed) return { ok: true, value: (parsed as { value: unknown }).value };
  } catch {
    // Not JSON: not ours.
  }
  return { ok: false };
}

/** A copy of the environment with secrets dropped: only what Node needs to start. */
export function scrubbedEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'TEMP', 'TMP', 'SYSTEMROOT', 'LANG'];
  const out: NodeJS.ProcessEnv = {};
  for (const key of keep) if (env[key] !== undefined) out[key] = env[key];
  return out;
}

/** Process groups of children still running; killed if this process exits or is told to terminate. */
const liveGroups = new Set<number>();

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    // A negative pid is the whole process group the child leads (spawned `detached`).
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Kills every child group still running. Synchronous, so it also works in an `exit` handler. */
export function killAllChildren(): number {
  const count = liveGroups.size;
  for (const pid of liveGroups) killGroup(pid);
  liveGroups.clear();
  return count;
}

/**
 * A process group this tool started outside runChildScript (the pool probe's PostgreSQL server): killed
 * with the children on Ctrl-C, SIGTERM and exit. `untrackGroup` when it has been stopped.
 */
export function trackGroup(pid: number): void {
  installExitHook();
  liveGroups.add(pid);
}

export function untrackGroup(pid: number): void {
  liveGroups.delete(pid);
}

let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => killAllChildren());
}

/** How long to wait for the pipes to drain after the direct child exited. */
const DRAIN_MS = 100;

/**
 * Runs an ES module given as source text (or a file) in a child Node process and reads the first JSON
 * line it writes on the result pipe. After that line the child is left to exit on its own for up to
 * `exitWaitMs` (to see whether live timers keep it alive), then killed. The whole run is bounded by
 * `timeoutMs`.
 */
export function runChildScript<T>(
  source: string,
  config: unknown,
  options: {
    nodeFlags?: string[];
    timeoutMs: number;
    exitWaitMs: number;
    signal?: AbortSignal;
    /** Run this file instead of `source` (which is then ignored). */
    scriptPath?: string;
    /** A command the node process runs under, e.g. `unshare -rn` to cut it off the network. */
    wrapper?: string[];
    cwd?: string;
    /** Variables added to the scrubbed environment (never secrets: e.g. a test CA file to trust). */
    env?: Record<string, string>;
    /** V8 old-space cap in MB (`--max-old-space-size`). */
    heapMb?: number;
    /**
     * When the child runs untrusted code: only a line `{"token": <this>, "value": ...}` is a result (its
     * `value` is returned); any other line on the pipe (code under test writing to fd 3) is ignored.
     */
    token?: string;
  },
): Promise<ChildRun<T>> {
  installExitHook();
  return new Promise((resolve) => {
    const script = options.scriptPath ? [options.scriptPath] : ['--input-type=module', '-e', source];
    const heap = options.heapMb ? [`--max-old-space-size=${options.heapMb}`] : [];
    const nodeArgs = [...heap, ...(options.nodeFlags ?? []), ...script, JSON.stringify(config)];
    const [command, ...args] = options.wrapper && options.wrapper.length > 0 ? [...options.wrapper, process.execPath, ...nodeArgs] : [process.execPath, ...nodeArgs];
    const child: ChildProcess = spawn(command as string, args, {
      env: { ...scrubbedEnv(), ...options.env },
      // stdin closed, stdout discarded (the code under test may print anything), stderr kept for
      // diagnostics, fd 3 the result channel.
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      detached: true,
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    const pid = child.pid;
    if (pid !== undefined) liveGroups.add(pid);
    const resultPipe = child.stdio[RESULT_FD] as NodeJS.ReadableStream | null;
    let channel = '';
    let ignoredLines = 0;
    let stderr = '';
    let result: T | null = null;
    let resultAt = 0;
    let killedBy: ChildRun<T>['killedBy'];
    let exitedAt: number | undefined;
    let settled = false;
    let exitTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    const kill = (why: NonNullable<ChildRun<T>['killedBy']>) => {
      if (exitedAt === undefined && killedBy === undefined) killedBy = why;
      killGroup(pid);
    };
    const overall = setTimeout(() => kill('deadline'), options.timeoutMs);
    const onAbort = () => kill('abort');
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(overall);
      clearTimeout(exitTimer);
      clearTimeout(drainTimer);
      options.signal?.removeEventListener('abort', onAbort);
      // Whatever the child left behind in its group goes with it; the pipes are closed from this side.
      killGroup(pid);
      if (pid !== undefined) liveGroups.delete(pid);
      child.stderr?.destroy();
      (resultPipe as { destroy?: () => void } | null)?.destroy?.();
      const outOfMemory = /heap out of memory|Allocation failed - JavaScript heap/i.test(stderr);
      resolve({
        result,
        exitDelayMs: result !== null && killedBy === undefined && exitedAt !== undefined ? exitedAt - resultAt : null,
        killed: killedBy !== undefined,
        ...(killedBy ? { killedBy } : {}),
        outOfMemory,
        stderr,
        ...(ignoredLines > 0 ? { ignoredLines } : {}),
      });
    };
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      if (stderr.length < 10_000) stderr += chunk;
    });
    resultPipe?.setEncoding('utf8');
    resultPipe?.on('data', (chunk: string) => {
      if (result !== null) return;
      channel += chunk;
      if (channel.length > 64 * 1024 * 1024) return kill('deadline');
      for (let newline = channel.indexOf('\n'); newline >= 0 && result === null; newline = channel.indexOf('\n')) {
        const line = channel.slice(0, newline);
        channel = channel.slice(newline + 1);
        if (options.token === undefined) {
          try {
            result = JSON.parse(line) as T;
          } catch {
            kill('deadline');
            return;
          }
        } else {
          // Authenticated: a line without this run's token (the code under test writing to fd 3) is not a result.
          const parsed = parseTokenLine(line, options.token);
          if (parsed.ok) result = parsed.value as T;
          else if (line.trim().length > 0) ignoredLines++;
        }
      }
      if (result === null) return;
      resultAt = performance.now();
      exitTimer = setTimeout(() => kill('exit-wait'), options.exitWaitMs);
    });
    child.on('error', (error) => {
      stderr += String(error);
      finish();
    });
    // The direct child's exit ends the run; a short drain lets a result written just before it arrive.
    child.on('exit', () => {
      exitedAt = performance.now();
      killGroup(pid);
      drainTimer = setTimeout(finish, DRAIN_MS);
    });
    child.on('close', finish);
  });
}

import { spawn } from 'node:child_process';

export interface ChildRun<T> {
  /** The JSON line the child printed, or null when it printed none before the deadline. */
  result: T | null;
  /** ms from the result line to the child's exit; null when it was killed first. */
  exitDelayMs: number | null;
  killed: boolean;
  stderr: string;
}

/** A copy of the environment with secrets dropped: only what Node needs to start. */
export function scrubbedEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'TEMP', 'TMP', 'SYSTEMROOT', 'LANG'];
  const out: NodeJS.ProcessEnv = {};
  for (const key of keep) if (env[key] !== undefined) out[key] = env[key];
  return out;
}

/**
 * Runs an ES module given as source text in a child Node process and reads the first JSON line it prints.
 * After that line the child is left to exit on its own for up to `exitWaitMs` (to see whether live timers
 * keep it alive), then killed. The whole run is bounded by `timeoutMs`.
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
  },
): Promise<ChildRun<T>> {
  return new Promise((resolve) => {
    const script = options.scriptPath ? [options.scriptPath] : ['--input-type=module', '-e', source];
    const nodeArgs = [...(options.nodeFlags ?? []), ...script, JSON.stringify(config)];
    const [command, ...args] = options.wrapper && options.wrapper.length > 0 ? [...options.wrapper, process.execPath, ...nodeArgs] : [process.execPath, ...nodeArgs];
    const child = spawn(command as string, args, {
      env: { ...scrubbedEnv(), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    let stdout = '';
    let stderr = '';
    let result: T | null = null;
    let resultAt = 0;
    let killed = false;
    let exitTimer: NodeJS.Timeout | undefined;
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    const overall = setTimeout(kill, options.timeoutMs);
    const onAbort = () => kill();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 10_000) stderr += chunk;
    });
    child.stdout.on('data', (chunk: string) => {
      if (result !== null) return;
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      try {
        result = JSON.parse(stdout.slice(0, newline)) as T;
      } catch {
        kill();
        return;
      }
      resultAt = performance.now();
      exitTimer = setTimeout(kill, options.exitWaitMs);
    });
    child.on('error', (error) => {
      stderr += String(error);
    });
    child.on('close', () => {
      clearTimeout(overall);
      clearTimeout(exitTimer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ result, exitDelayMs: result !== null && !killed ? performance.now() - resultAt : null, killed, stderr });
    });
  });
}

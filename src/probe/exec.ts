/**
 * `--exec`: run the user's own code instead of a replica, for the families where a finding allows it.
 *
 * Loading (src/probe/exec/): the finding's file is compiled by esbuild with the nearest tsconfig.json, so
 * relative imports and tsconfig `paths` aliases are bundled as they are; bare package imports become
 * recording stubs, Node builtins stay real. The function around the finding (a module-level function or
 * `const`, a method of a module-level class or object) is exported by one appended line, so no line moves
 * and the inline source map names the original file:line. For before/after families the same module is
 * compiled a second time with the finding's `fix.replacement` in place.
 *
 * Running: each side runs in its own child process with `--enable-source-maps`, a scrubbed environment,
 * a time limit and, where `unshare -rn` works, no network at all. Parameters, `this` and package imports
 * are stubs whose calls settle after the probe's latency. Runtime positions (the called function, the stub
 * calls it awaits, the timers it creates, the place it threw) are mapped back to the TypeScript line.
 *
 * Families that run the user's code: fake-compression (the function on seeded JSON payloads),
 * sequential-await (stub calls in flight and time per call, as found vs fixed), uncleared-timer (live
 * Timeout handles after K calls, as found vs fixed), missing-keep-alive where the finding is an agent
 * construction that reads only module-scope names (connections opened by that agent vs the fixed one,
 * against a server inside the child), and undersized-pool where the finding is a pg or generic-pool
 * construction whose fix resizes it (the real pool library with the options your code computes). Other
 * keep-alive and pool findings run their replicas and say why, and so does any finding whose code could
 * not be run at all (withReplicaFallback):
 * `verification.mode` is `exec` only where the user's code ran.
 */
import type { Io } from '../commands/io.js';
import type { Finding } from '../findings.js';
import { execCompressionProbe } from './exec/compression.js';
import { execKeepAliveProbe } from './exec/keep-alive.js';
import { execSequentialProbe } from './exec/sequential.js';
import { execTimerProbe } from './exec/timer.js';
import { execPoolProbe, poolServers, type PoolServers } from './exec/undersized-pool.js';
import { sandboxWrapper } from './exec/harness.js';
import os from 'node:os';
import { PROBES, splitRuleId } from './run.js';
import type { Probe, ProbeContext, ProbeOutcome, VerificationMode } from './types.js';

/** Families whose probe calls the user's code under `--exec`, with the findings it does that for. */
export const EXEC_FAMILIES: Record<string, string> = {
  'fake-compression': 'fake-compression (the function named by the finding)',
  'sequential-await': 'sequential-await',
  'uncleared-timer': 'uncleared-timer',
  'missing-keep-alive': 'missing-keep-alive (agent constructions, and axios.create clients with your real axios)',
  'undersized-pool': 'undersized-pool (pg, knex, mysql2 and generic-pool constructions whose fix resizes them)',
};

interface FallbackPlan {
  exec?: unknown;
  replica?: unknown;
  /** Why the exec probe could not even plan (no location, no fix...). */
  execSkip?: string;
}

/**
 * `--exec` must never cost a finding its verification: when the user's code cannot be run at all (nothing
 * callable from outside its module, no place for the fix, a syntax error), the replica runs as it would
 * without the flag, and the verification says why. A run that loaded the user's code keeps its own result.
 */
export function withReplicaFallback(execProbe: Probe<unknown>, replicaProbe: Probe<unknown>): Probe<FallbackPlan> {
  const replicaInstead = async (why: string, params: unknown, context: ProbeContext): Promise<ProbeOutcome> => {
    const outcome = await replicaProbe.run(params, context);
    return { ...outcome, mode: 'replica', notes: [`${why}; the replica ran instead`, ...outcome.notes] };
  };
  return {
    family: execProbe.family,
    plan(params, variant) {
      const execPlan = execProbe.plan(params, variant);
      const replicaPlan = replicaProbe.plan(params, variant);
      const replica = 'params' in replicaPlan ? { replica: replicaPlan.params } : {};
      // When the replica cannot measure it either, the reason belongs to the finding, not to --exec.
      if ('skip' in execPlan) return 'params' in replicaPlan ? { params: { ...replica, execSkip: execPlan.skip } } : { skip: replicaPlan.skip };
      return { params: { exec: execPlan.params, ...replica } };
    },
    // A run of the user's code is its own measurement; a replica-only plan shares like the replica's.
    shareKey: (plan) =>
      plan.exec !== undefined
        ? { exec: execProbe.shareKey ? execProbe.shareKey(plan.exec) : plan.exec }
        : { replica: replicaProbe.shareKey ? replicaProbe.shareKey(plan.replica) : plan.replica },
    async run(plan, context) {
      if (plan.exec === undefined) return replicaInstead(`--exec did not run your code: ${plan.execSkip ?? 'no plan'}`, plan.replica, context);
      const outcome = await execProbe.run(plan.exec, context);
      // `skipBeforeRunning` outcomes are the ones where none of the user's code ran (mode stays `replica`).
      const ranNothing = outcome.status === 'skipped' && outcome.mode === 'replica' && outcome.final !== true;
      if (!ranNothing || plan.replica === undefined || context.signal.aborted || Date.now() >= context.deadline) return outcome;
      return replicaInstead(outcome.reason ?? '--exec did not run your code', plan.replica, context);
    },
  };
}

/** Said before any of the user's code runs: which protections this OS gives the child, and which it does not. */
function containmentWarning(): string {
  const sandbox = sandboxWrapper(false, os.tmpdir());
  const missing = [
    ...(sandbox.isolation === 'none' ? ['the network is NOT isolated (no network namespace)'] : []),
    ...(sandbox.processes !== 'pid-namespace' ? ['a process your code starts and detaches can outlive the run (no PID namespace)'] : []),
    ...(sandbox.writes !== 'scratch-only' ? ['your code can write anywhere this user can, /dev, /proc and /sys included (no mount namespace)'] : []),
  ];
  return missing.length > 0
    ? `!!! WARNING on this system: ${missing.join('; ')}.\n`
    : '!!! Contained: no network, own PID namespace, file system read-only but for a scratch directory.\n';
}

/** `--exec` without a network namespace runs the user's code with the network: only when asked for. */
export function execRefusal(allowNetwork: boolean): string | undefined {
  if (allowNetwork || sandboxWrapper(false, os.tmpdir()).isolation !== 'none') return undefined;
  return '--exec keeps your code off the network with a network namespace (unshare -rn), and none can be made on this system: pass --allow-network to run it with the network anyway';
}

function isExecFamily(family: string): boolean {
  return Object.hasOwn(EXEC_FAMILIES, family);
}

export interface ExecProbes {
  probes: Record<string, Probe<unknown>>;
  mode: (family: string) => VerificationMode;
  prepare: (findings: Finding[]) => Finding[];
  /** The servers the run's pool findings share (started by the first finding that needs one). */
  servers: PoolServers;
  /** Ends the run: stops the servers its findings started. Call it once the probes are done, also after an error. */
  close(): Promise<void>;
}

export function execProbes(io: Io, cwd: string, options: { latencies?: Record<string, number>; postgresUrl?: string } = {}): ExecProbes {
  const servers = poolServers(options.postgresUrl ? { postgresUrl: options.postgresUrl } : {});
  io.stderr(
    '\n!!! --exec: bottleneck will RUN YOUR CODE for these findings:\n' +
      `!!!   ${Object.values(EXEC_FAMILIES).join(', ')}\n` +
      "!!! Each finding's module is compiled with esbuild and its code called in a child process: scrubbed environment,\n" +
      '!!! time limit, heap cap, own process group; package imports are stubs, Node builtins are REAL.\n' +
      containmentWarning() +
      '!!! The other keep-alive and pool findings, and findings whose code cannot be called, run replicas and say so.\n\n',
  );
  const execs: Record<string, Probe<unknown>> = {
    'fake-compression': execCompressionProbe(cwd) as Probe<unknown>,
    'sequential-await': execSequentialProbe(cwd, options.latencies ?? {}) as Probe<unknown>,
    'uncleared-timer': execTimerProbe(cwd) as Probe<unknown>,
    'missing-keep-alive': execKeepAliveProbe(cwd) as Probe<unknown>,
    'undersized-pool': execPoolProbe(cwd, options.latencies ?? {}, servers) as Probe<unknown>,
  };
  const probes: Record<string, Probe<unknown>> = { ...PROBES };
  for (const [family, execProbe] of Object.entries(execs)) {
    const replica = PROBES[family];
    probes[family] = replica ? (withReplicaFallback(execProbe, replica) as Probe<unknown>) : execProbe;
  }
  return {
    probes,
    mode: (family) => (isExecFamily(family) ? 'exec' : 'replica'),
    // The exec probes need the finding's location and fix, which are not among the rule's params (a
    // hand-written --from report may lack the fix: the before/after families then skip with the reason).
    prepare: (findings) =>
      findings.map((f) =>
        isExecFamily(splitRuleId(f.ruleId).family)
          ? { ...f, params: { ...(f.params ?? {}), __file: f.file, __line: f.line, __column: f.column, __endLine: f.endLine, __endColumn: f.endColumn, __replacement: f.fix?.replacement ?? '' } }
          : f,
      ),
    servers,
    async close() {
      await Promise.all(Object.values(servers).map((server) => server.close()));
    },
  };
}

/**
 * `--exec`: run the user's own function instead of a replica. Only fake-compression is supported (its
 * function is self-contained enough to call with a payload); other families keep their replicas.
 */
import type { Io } from '../commands/io.js';
import { PROBES } from './run.js';
import type { Probe, VerificationMode } from './types.js';

export function execProbes(io: Io, _cwd: string): { probes: Record<string, Probe<unknown>>; mode: (family: string) => VerificationMode } {
  io.stderr('--exec: running user code is not implemented yet; every probe runs a replica\n');
  return { probes: PROBES, mode: () => 'replica' };
}

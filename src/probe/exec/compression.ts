/**
 * fake-compression with `--exec`: the user's own "compress" function, loaded with its module (imports,
 * helpers, tsconfig paths) and called on the same seeded JSON payloads as the replica. Its output size is
 * compared with gzip's on the same input. The function takes a payload and returns bytes, so it needs no
 * stub beyond those its module's package imports get.
 *
 * An `option-branch` finding is a branch inside a method such as `set(key, value)` taken when a
 * `compress` option is on: that method takes other arguments than a payload, so it cannot be called on
 * one, and the replica runs instead (its verification says so and stays `replica`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { COMPRESSORS, fakeCompressionProbe, jsonPayload, PAYLOAD_SIZES, type FakeCompressionParams } from '../probes/fake-compression.js';
import { exact, round, verdict } from '../stats.js';
import { exactInterval } from '../verdicts.js';
import type { Measurement, Probe, ProbeOutcome } from '../types.js';
import { describeContainment, relativeSource, runUserModule, noResultReason } from './harness.js';
import { locateFunction, type CallTarget } from './locate.js';
import { execSkip, locationOf, skipBeforeRunning, stubbedNote } from './outcome.js';

/** Calls the function on each payload (as JSON text or parsed, whichever it accepts) and times a few calls. */
const COMPRESSION_BODY = `
const where = await functionLocation();
const size = (out) => typeof out === 'string' ? Buffer.byteLength(out) : out instanceof Uint8Array ? out.byteLength : out === undefined || out === null ? -1 : Buffer.byteLength(JSON.stringify(out));
const results = [];
for (const text of config.family.payloads) {
  // Bytes for a parameter declared as a Buffer-like type; otherwise JSON text or the parsed value.
  const preferred = config.family.payload === 'bytes' ? [Buffer.from(text), Buffer.from(text)] : config.target.firstParameter === 'string' ? [text, JSON.parse(text)] : [JSON.parse(text), text];
  let arg = preferred[0];
  let out;
  try { out = await callTarget([arg]); } catch {
    try { arg = preferred[1]; out = await callTarget([arg]); } catch (error) {
      emit({ error: 'calling ' + config.target.name + '() threw: ' + describeError(error) });
      process.exit(0);
    }
  }
  const times = [];
  for (let i = 0; i < config.family.calls; i++) { const t0 = performance.now(); await callTarget([arg]); times.push(performance.now() - t0); }
  times.sort((a, b) => a - b);
  results.push({ inputBytes: Buffer.byteLength(text), outputBytes: size(out), ms: times[Math.floor(times.length / 2)], argument: Buffer.isBuffer(arg) ? 'bytes' : typeof arg === 'string' ? 'string' : 'object' });
}
emit({ results, mapped: where, reached: await findingReached() });
process.exit(0);
`;

interface CompressionChildResult {
  error?: string;
  results?: Array<{ inputBytes: number; outputBytes: number; ms: number; argument: string }>;
  mapped?: { source: string; line: number } | null;
  reached?: { executed: boolean; count: number; positions: number };
}

function label(size: number): string {
  return size >= 1024 * 1024 ? '1 MB' : `${size / 1024} KB`;
}

/** Types a JSON payload cannot be passed as without measuring garbage. */
const UNFIT_TYPES = /^(?:number|bigint|boolean|symbol|Date|RegExp|Blob|File|ReadableStream|WritableStream|Readable|Writable|Duplex|Stream|NodeJS\.ReadableStream|Promise<.*>|\(.*\)\s*=>.*)$/;
const BYTE_TYPES = /^(?:Buffer|Uint8Array|ArrayBuffer|ArrayBufferView|Buffer\s*\|\s*string|string\s*\|\s*Buffer)$/;
/** Names of already-encoded media: JSON bytes passed as one would be garbage in, garbage out. */
const MEDIA_NAME = /jpe?g|png|gif|webp|avif|image|img|thumbnail|photo|picture|video|audio|mp[34]|pdf|zip|gz|brotli/i;

/**
 * How the seeded JSON payload is passed to the function, from its first parameter's declared type, or
 * why it cannot be: a payload that does not fit the type would measure garbage, not the finding.
 */
export function payloadFor(target: Pick<CallTarget, 'name' | 'firstParameterName' | 'firstParameterType'>): { payload: 'json' | 'bytes' } | { skip: string } {
  const type = target.firstParameterType?.trim();
  const declared = `${target.name}(${target.firstParameterName ?? 'arg'}${type ? `: ${type}` : ''})`;
  if (type && UNFIT_TYPES.test(type)) return { skip: `${declared} does not take a JSON payload: the probe's payloads do not fit its parameter's type, so nothing was measured` };
  if (type && BYTE_TYPES.test(type)) {
    if (MEDIA_NAME.test(`${target.firstParameterName ?? ''} ${target.name}`)) {
      return { skip: `${declared} takes encoded media (by its name), not JSON: JSON bytes would measure garbage, so nothing was measured` };
    }
    return { payload: 'bytes' };
  }
  return { payload: 'json' };
}

type ExecCompressionParams = { file: string; line: number } | { replica: FakeCompressionParams; flag: string };

export function execCompressionProbe(cwd: string): Probe<ExecCompressionParams> {
  return {
    family: 'fake-compression',
    plan(params, variant) {
      if (variant === 'option-branch') {
        const replica = fakeCompressionProbe.plan(params, variant);
        return 'skip' in replica ? replica : { params: { replica: replica.params, flag: typeof params.flag === 'string' ? params.flag : 'a compress option' } };
      }
      const where = locationOf(params);
      return where ? { params: { file: where.file, line: where.line } } : { skip: 'the finding has no file and line to load' };
    },
    async run(params, context): Promise<ProbeOutcome> {
      if ('replica' in params) {
        const outcome = await fakeCompressionProbe.run(params.replica, context);
        const why = `--exec ran the replica, not your code: the finding is a branch taken when ${params.flag} is set, inside a method whose arguments are not a payload, so it cannot be called on one`;
        return { ...outcome, notes: [why, ...outcome.notes], mode: 'replica' };
      }
      const { file, line } = params;
      const absolute = path.resolve(cwd, file);
      const text = readFileSync(absolute, 'utf8');
      const target = locateFunction(text, absolute, line);
      if ('skip' in target) return skipBeforeRunning(target.skip);
      const fit = payloadFor(target);
      // Not a replica's case either: the replica would copy a JSON encoder, which this function is not.
      if ('skip' in fit) return { status: 'skipped', reason: fit.skip, measurements: [], load: '', notes: [], rounds: 0, mode: 'replica', final: true };
      const run = await runUserModule<CompressionChildResult>({
        file: absolute,
        text,
        target,
        body: COMPRESSION_BODY,
        family: { payloads: PAYLOAD_SIZES.map(jsonPayload), calls: 5, payload: fit.payload },
        stub: { latencyMs: 0, numberValue: 1, items: 3, recordSites: false },
        finding: { line },
        context,
      });
      if ('error' in run) return skipBeforeRunning(`${file} does not compile: ${run.error}`);
      const where = `${file}:${target.line} ${target.name}()`;
      const notes = [`ran YOUR function ${where} with its module in a child process: ${describeContainment(run.sandbox)}`, ...stubbedNote(run.stubbed)];
      if (!run.result) return execSkip(noResultReason(run, 'your function'), notes);
      if (run.result.error) return execSkip(run.result.error, notes);
      const mapped = run.result.mapped;
      if (mapped) notes.push(`source map: the called function starts at ${relativeSource(mapped.source, cwd)}:${mapped.line}`);
      const measurements: Measurement[] = [];
      (run.result.results ?? []).forEach((r, i) => {
        const size = PAYLOAD_SIZES[i] as number;
        const gzipBytes = COMPRESSORS.gzip(Buffer.from(jsonPayload(size))).length;
        measurements.push(exact(`bytes out, ${label(size)} JSON (your function vs gzip)`, 'bytes', 'lower', r.outputBytes, gzipBytes));
        notes.push(`${label(size)}: your function returns ${round(r.outputBytes / r.inputBytes)}x the input (${r.argument} argument), gzip ${round(gzipBytes / r.inputBytes)}x; ${round(r.ms)} ms per call`);
      });
      if (measurements.length === 0) return execSkip('no result from the function', notes);
      // Primary at 64 KB, as in the replica.
      const primaryIndex = Math.min(1, measurements.length - 1);
      const ordered = [measurements[primaryIndex] as Measurement, ...measurements.filter((_, i) => i !== primaryIndex)];
      const interval = exactInterval(ordered[0] as Measurement);
      const reached = run.result.reached;
      return {
        ...verdict(ordered[0] as Measurement, 1.5),
        evidence: { ...(reached ? { reached: { file, line, ...reached } } : {}), ...(interval ? { interval } : {}), minEffect: 1.5 },
        measurements: ordered,
        load: `your ${target.name}() called on seeded JSON payloads of 1 KB, 64 KB, 1 MB (median of 5 timed calls each)`,
        notes,
        rounds: 1,
        mode: 'exec',
      };
    },
  };
}

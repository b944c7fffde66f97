/**
 * Starts the preload in the user's process (once, whichever entry loads first): reads the scan's
 * findings, creates the recorder, instruments CommonJS modules as they compile, patches pool libraries as
 * they load, and writes the evidence file at exit, on SIGINT/SIGTERM and on an explicit flush.
 *
 * Environment:
 * - BOTTLENECK_FINDINGS: the scan's JSON report (`bottleneck scan --format json -o findings.json`),
 *   absolute or relative to the working directory.
 * - BOTTLENECK_EVIDENCE: where to write the evidence file (default `bottleneck-evidence-<pid>.json`).
 * - BOTTLENECK_EVIDENCE_LABEL: a name for the run ("before", a commit).
 * - BOTTLENECK_EVIDENCE_FLUSH_SIGNAL: the signal that writes the file without ending the process
 *   (default SIGUSR2; `none` to leave every signal as it was).
 */
import { lstatSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { Module } from 'node:module';
import path from 'node:path';
import { toolVersion } from '../version.js';
import type { EvidenceFile } from './format.js';
import { failedOutcomes, instrumentModule, RECORDER_KEY, SiteIndex } from './instrument.js';
import { patchPoolLibrary } from './pools.js';
import { Recorder } from './recorder.js';
import { readSitePlan, type WatchedSite } from './sites.js';

export interface Evidence {
  recorder: Recorder;
  sites: WatchedSite[];
  output: string;
  /** Writes the evidence file now (temp file + rename) and returns its path. */
  flush(endedBy?: EvidenceFile['run']['endedBy']): string;
}

/** `/dev/stdout`, a named pipe: renaming a file over it would replace it for every other program. */
function isDeviceOrPipe(file: string): boolean {
  try {
    const stats = lstatSync(file);
    return stats.isCharacterDevice() || stats.isBlockDevice() || stats.isFIFO();
  } catch {
    return false;
  }
}

const STARTED = Symbol.for(`${RECORDER_KEY}.started`);
type GlobalSlots = Record<symbol, unknown>;

/** Writes `text` to `file` so no reader ever sees half of it; a device or FIFO there is written in place. */
function writeAtomically(file: string, text: string): void {
  if (isDeviceOrPipe(file)) return writeFileSync(file, text);
  const partial = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(partial, text);
    renameSync(partial, file);
  } catch (error) {
    try {
      unlinkSync(partial);
    } catch {
      // nothing was left behind
    }
    throw error;
  }
}

function say(message: string): void {
  process.stderr.write(`bottleneck evidence: ${message}\n`);
}

/** Instruments CommonJS modules as they compile (the user's files that hold findings) and patches pool libraries as they load. */
function hookCommonJs(index: SiteIndex, recorder: Recorder): void {
  const prototype = Module.prototype as unknown as { _compile: (this: { exports: unknown }, content: string, filename: string) => unknown };
  const original = prototype._compile;
  prototype._compile = function (content: string, filename: string): unknown {
    let code = content;
    if (index.mayHold(filename)) {
      try {
        const result = instrumentModule(filename, content, index);
        if (result) code = result.code;
      } catch (error) {
        recorder.loaded(failedOutcomes(filename, index, error));
      }
    }
    const returned = original.call(this, code, filename);
    if (filename.includes('node_modules')) patchPoolLibrary(filename, this.exports, recorder);
    return returned;
  };
}

function isSignal(name: string): name is NodeJS.Signals {
  return /^SIG[A-Z0-9]+$/.test(name);
}

/**
 * Starts recording, once per process. Undefined (after a message on stderr) when there is nothing to
 * watch: no findings given, or a report that cannot be read. The user's program runs on either way.
 */
export function startEvidence(): Evidence | undefined {
  const slots = globalThis as unknown as GlobalSlots;
  if (slots[STARTED] !== undefined) return (slots[STARTED] as Evidence | null) ?? undefined;
  slots[STARTED] = null;
  const cwd = process.cwd();
  const report = process.env.BOTTLENECK_FINDINGS;
  if (!report) {
    say('BOTTLENECK_FINDINGS is not set (the JSON report of `bottleneck scan --format json -o findings.json`); nothing is recorded');
    return undefined;
  }
  let plan;
  try {
    plan = readSitePlan(report, cwd);
  } catch (error) {
    say(`cannot read the findings ${report}: ${error instanceof Error ? error.message : String(error)}; nothing is recorded`);
    return undefined;
  }
  const label = process.env.BOTTLENECK_EVIDENCE_LABEL;
  const recorder = new Recorder(plan.sites, plan.warnings, { ...(label ? { label } : {}), entry: process.argv[1] ?? '', toolVersion: toolVersion() });
  slots[Symbol.for(RECORDER_KEY)] = recorder;
  const output = path.resolve(cwd, process.env.BOTTLENECK_EVIDENCE || `bottleneck-evidence-${process.pid}.json`);
  let signalled = false;
  const flush = (endedBy: EvidenceFile['run']['endedBy'] = 'flush'): string => {
    writeAtomically(output, `${JSON.stringify(recorder.snapshot(signalled ? 'signal' : endedBy), null, 2)}\n`);
    return output;
  };
  const evidence: Evidence = { recorder, sites: plan.sites, output, flush };
  slots[STARTED] = evidence;
  hookCommonJs(new SiteIndex(plan.sites), recorder);

  process.on('exit', () => {
    try {
      flush('exit');
    } catch (error) {
      say(`cannot write ${output}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = (): void => {
      signalled = true;
      try {
        flush('signal');
      } catch (error) {
        say(`cannot write ${output}: ${error instanceof Error ? error.message : String(error)}`);
      }
      // With no handler of the program's own, the signal would have ended the process: raise it again
      // without ours, so it ends the same way (and its exit status says which signal).
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
  const flushSignal = process.env.BOTTLENECK_EVIDENCE_FLUSH_SIGNAL ?? 'SIGUSR2';
  if (flushSignal !== 'none' && flushSignal !== '') {
    if (isSignal(flushSignal)) {
      process.on(flushSignal, () => {
        try {
          flush('flush');
        } catch (error) {
          say(`cannot write ${output}: ${error instanceof Error ? error.message : String(error)}`);
        }
      });
    } else say(`BOTTLENECK_EVIDENCE_FLUSH_SIGNAL=${flushSignal} is not a signal name; no flush signal is set`);
  }
  return evidence;
}

/** Writes the evidence file now, if the preload is recording; returns its path. */
export function flush(): string | undefined {
  const evidence = (globalThis as unknown as GlobalSlots)[STARTED] as Evidence | null | undefined;
  return evidence ? evidence.flush('flush') : undefined;
}

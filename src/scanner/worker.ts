import { readRegularFile } from '../safe-fs.js';
import { parentPort } from 'node:worker_threads';
import { findRule } from '../../rules/index.js';
import { analyzeSource, hasOptions, type EnabledRule } from './engine.js';
import { loadZod } from '../lazy-zod.js';
import type { WorkerRequest, WorkerResponse } from './worker-pool.js';

/** Worker thread body: analyses batches of files and posts plain results back. */
parentPort?.on('message', (request: WorkerRequest) => {
  // Rule options are parsed with zod (synchronously, per file): loaded first, only for a batch that has some.
  if (request.jobs.some((job) => job.rules.some((config) => hasOptions(config.options)))) {
    loadZod().then(
      () => analyze(request),
      (error: unknown) => parentPort?.postMessage({ batch: request.batch, error: error instanceof Error ? error.message : String(error) } satisfies WorkerResponse),
    );
  } else analyze(request);
});

function analyze(request: WorkerRequest): void {
  let response: WorkerResponse;
  try {
    const toEnabled = (config: WorkerRequest['jobs'][number]['rules'][number]): EnabledRule => {
      const rule = findRule(config.id);
      if (!rule) throw new Error(`unknown rule ${config.id}`);
      return { rule, options: config.options, ...(config.severityOverride ? { severityOverride: config.severityOverride } : {}) };
    };
    const analyses = request.jobs.map((job) => {
      const rules = job.rules.map(toEnabled);
      try {
        // The main thread read this file as a regular file; it is not opened if it has become a FIFO since.
        const outcome = readRegularFile(job.absolute);
        if (!('text' in outcome)) return { findings: [], errors: [{ message: 'Internal error while analysing: the file changed while the scan ran' }] };
        return analyzeSource(job.absolute, job.relative, outcome.text, rules, job.facts, undefined, undefined, { facts: job.model });
      } catch (error) {
        return { findings: [], errors: [{ message: `Internal error while analysing: ${error instanceof Error ? error.message : String(error)}` }] };
      }
    });
    response = { batch: request.batch, analyses };
  } catch (error) {
    response = { batch: request.batch, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(response);
}

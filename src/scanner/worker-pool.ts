import { Worker } from 'node:worker_threads';
import { entryFile } from '../version.js';
import type { FileAnalysis } from './engine.js';
import type { ProjectFacts } from './project-facts.js';
import type { FileModelFacts } from '../model/types.js';
import type { Severity } from '../findings.js';

/** One file to analyse, as plain data that can cross a thread boundary. */
export interface AnalysisJob {
  absolute: string;
  relative: string;
  /** The rules to run on this file, with their options (they differ by path under config `overrides`). */
  rules: WorkerRuleConfig[];
  facts: ProjectFacts;
  /** What the project model says about this file's functions and callees. */
  model: FileModelFacts;
}

export interface WorkerRuleConfig {
  id: string;
  options: unknown;
  severityOverride?: Severity;
}

export interface WorkerRequest {
  batch: number;
  jobs: AnalysisJob[];
}

export interface WorkerResponse {
  batch: number;
  analyses?: FileAnalysis[];
  error?: string;
}

const BATCH_SIZE = 32;

/** The built worker (see `entryFile`). */
function workerPath(): string {
  return entryFile('worker', 'src/scanner/worker.js');
}

/**
 * Analyses jobs on `threads` worker threads, batches handed out as workers free up; results come back in
 * job order, so output does not depend on scheduling.
 */
export async function analyzeInWorkers(jobs: AnalysisJob[], threads: number): Promise<FileAnalysis[]> {
  const results: FileAnalysis[] = new Array<FileAnalysis>(jobs.length);
  const batches: Array<{ start: number; jobs: AnalysisJob[] }> = [];
  for (let start = 0; start < jobs.length; start += BATCH_SIZE) batches.push({ start, jobs: jobs.slice(start, start + BATCH_SIZE) });
  let next = 0;
  const workers = Array.from({ length: Math.min(threads, batches.length) }, () => new Worker(workerPath()));
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const send = () => {
              const index = next++;
              const batch = batches[index];
              if (!batch) return resolve();
              const request: WorkerRequest = { batch: index, jobs: batch.jobs };
              worker.postMessage(request);
            };
            worker.on('message', (response: WorkerResponse) => {
              const batch = batches[response.batch];
              if (response.error || !response.analyses || !batch) return reject(new Error(`worker failed: ${response.error ?? 'no result'}`));
              response.analyses.forEach((analysis, i) => (results[batch.start + i] = analysis));
              send();
            });
            worker.on('error', reject);
            worker.on('exit', (code) => {
              if (code !== 0) reject(new Error(`worker exited with code ${code}`));
            });
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return results;
}

/**
 * The programmatic API: `import { scan, probe } from 'bottleneck-cli'`. Each call does what the command of the
 * same name does (config search, rules, overrides, the scan or the probes) and returns the object the command's
 * `--format json` report holds, parsed: the JSON report is the contract, so the API and the file never differ.
 * Nothing here prints or sets an exit code; bad input throws an `Error` with the message the CLI would print.
 */
import path from 'node:path';
import { loadConfig, resolveConfig } from './config/load.js';
import type { BottleneckConfigInput } from './config/schema.js';
import type { FailOn } from './config/schema.js';
import type { Io } from './commands/io.js';
import { exitCodeFor, targetRequest, withConfigSkipped } from './commands/scan.js';
import { checkProbePackages, probeFindings } from './commands/probe.js';
import type { JsonReport } from './result-schema.js';
import type { ProbeRunSummary } from './probe/run.js';
import { jsonReporter } from './reporters/json.js';
import { AnalysisCache, defaultCacheLocation } from './scanner/cache.js';
import { scan as scanFiles } from './scanner/engine.js';
import { TOOL_NAME, toolVersion } from './version.js';
import { ALL_RULES } from '../rules/index.js';

export type { BottleneckConfigInput } from './config/schema.js';
export type { Verification } from './probe/types.js';
export type { ProbeRunSummary } from './probe/run.js';
export type { FailOn } from './config/schema.js';

/** What `bottleneck scan --format json` writes. */
export type ScanReport = JsonReport;
/** One finding of a report. */
export type Finding = ScanReport['findings'][number];
export type Severity = Finding['severity'];

/** What `bottleneck probe --format json` writes: the scan report, each finding with its `verification`, and a `probe` summary. */
export type ProbeReport = ScanReport & { probe: ProbeRunSummary & { verdicts: string } };

export interface ScanOptions {
  /** The directory paths, globs and the config search start from. Default: `process.cwd()`. */
  cwd?: string;
  /** Files or directories to scan, relative to `cwd`. Default: `['.']`. */
  paths?: string[];
  /**
   * A config file (relative to `cwd`), a config object (validated as a file would be), or `false` for the
   * defaults. Default: searched for from `cwd`, as the CLI does.
   */
  config?: string | BottleneckConfigInput | false;
  /** Only files matching these globs (replaces the config's `include`). */
  include?: string[];
  /** Also skip files matching these globs. */
  exclude?: string[];
  /** Run only these rule ids (as `--rule`). */
  rules?: string[];
  /** The results cache: `false` (default) for none, `true` for the CLI's default location, or a directory. */
  cache?: boolean | string;
}

export interface ProbeOptions extends Omit<ScanOptions, 'cache'> {
  /** Total time for all probes, in seconds. Default 30. */
  budgetSeconds?: number;
  /** Run your own code in a contained child process instead of replicas (`--exec`). */
  exec?: boolean;
  /** With `exec`: run even where no network namespace can be made (`--allow-network`). */
  allowNetwork?: boolean;
  /** With `exec`: latency in ms of a stubbed call, by member or `module.member` (`--latency`). */
  latencies?: Record<string, number>;
  /** With `exec`: pg pools run against this PostgreSQL (`--postgres-url`; only `SELECT pg_sleep` is sent) instead of an embedded one. */
  postgresUrl?: string;
  /** Stops the running probe; the report then holds what finished (`probe.interrupted`). */
  signal?: AbortSignal;
  /** Progress and the `--exec` warnings, which the CLI prints on stderr. Default: dropped. */
  log?: (text: string) => void;
}

function ioFor(cwd: string, log?: (text: string) => void): Io {
  const drop = () => undefined;
  return { stdout: drop, stderr: log ?? drop, cwd, env: process.env, isTTY: false };
}

async function configFor(cwd: string, option: ScanOptions['config']) {
  if (option === false) return { config: await resolveConfig({}, ALL_RULES), filepath: undefined, skipped: [] };
  if (typeof option === 'object') return { config: await resolveConfig(option, ALL_RULES), filepath: undefined, skipped: [] };
  return loadConfig(cwd, option, ALL_RULES);
}

async function scanResult(options: ScanOptions, cache: AnalysisCache | undefined) {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const { config, filepath, skipped } = await configFor(cwd, options.config);
  const request = targetRequest(options.paths ?? [], { include: options.include ?? [], exclude: options.exclude ?? [], rule: options.rules ?? [] }, config, ioFor(cwd), filepath);
  const result = await scanFiles({ ...request, toolVersion: toolVersion(), knownRuleIds: ALL_RULES.map((rule) => rule.meta.id), ...(cache ? { cache } : {}) });
  withConfigSkipped(result, skipped, cwd);
  return { result, failOn: config.failOn ?? ('critical' as FailOn), cwd };
}

function openCache(cwd: string, option: ScanOptions['cache']): AnalysisCache | undefined {
  if (!option) return undefined;
  const where = typeof option === 'string' ? { dir: path.resolve(cwd, option), private: false } : defaultCacheLocation(cwd, process.env);
  return new AnalysisCache(where.dir, { private: where.private });
}

/** Scans as `bottleneck scan` does and returns what its JSON report holds. */
export async function scan(options: ScanOptions = {}): Promise<ScanReport> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const { result, failOn } = await scanResult(options, openCache(cwd, options.cache));
  const text = jsonReporter({ result, tool: { name: TOOL_NAME, version: toolVersion() }, color: false, failOn, quiet: false });
  return JSON.parse(text) as ScanReport;
}

/** Scans, then probes the findings as `bottleneck probe` does, and returns what its JSON report holds. */
export async function probe(options: ProbeOptions = {}): Promise<ProbeReport> {
  checkProbePackages();
  const budget = options.budgetSeconds ?? 30;
  if (!(budget > 0 && budget <= 3600)) throw new Error(`budgetSeconds must be between 0 and 3600, got ${budget}`);
  const { result, cwd } = await scanResult(options, undefined);
  const probed = await probeFindings(result.findings, {
    budgetMs: budget * 1000,
    exec: options.exec === true,
    allowNetwork: options.allowNetwork === true,
    latencies: options.latencies ?? {},
    ...(options.postgresUrl ? { postgresUrl: options.postgresUrl } : {}),
    io: ioFor(cwd, options.log),
    ...(options.signal ? { signal: options.signal } : {}),
    onStart: ({ family, index, total }) => options.log?.(`probe ${index}/${total}: ${family}\n`),
  });
  const { withVerificationJson } = await import('./probe/report.js');
  const scanJson = jsonReporter({ result: { ...result, findings: probed.findings }, tool: { name: TOOL_NAME, version: toolVersion() }, color: false, failOn: 'none', quiet: false });
  return JSON.parse(withVerificationJson(scanJson, probed.findings, probed.summary)) as ProbeReport;
}

/**
 * The exit code `bottleneck scan` would give this report: 2 when some file could not be read, 1 when a finding
 * is at or above `failOn` (default `critical`), else 0.
 */
export function exitCode(report: Pick<ScanReport, 'findings' | 'errors'>, failOn: FailOn = 'critical'): number {
  return exitCodeFor(report, failOn);
}

/** Types a `bottleneck.config.ts` (or `.mjs`): `export default defineConfig({ ... })`. Returns its argument. */
export function defineConfig(config: BottleneckConfigInput): BottleneckConfigInput {
  return config;
}

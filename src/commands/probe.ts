import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { UsageError } from '../errors.js';
import type { Finding, ScanResult } from '../findings.js';
import { REPORTERS } from '../reporters/index.js';
import { jsonReporter } from '../reporters/json.js';
import { loadTemplate, reportDate, ruleInfos } from './report-outputs.js';
import { scan } from '../scanner/engine.js';
import { TOOL_NAME, toolVersion } from '../version.js';
import { ALL_RULES } from '../../rules/index.js';
import { collect, EXIT_INTERRUPTED, EXIT_OK, reportWidth, writeOutputFile, type Io } from './io.js';
import { targetRequest } from './scan.js';
import { singleReportFormat } from './output-format.js';
import { wantsColor } from './color.js';
import { parseRoute, parseRouteParams, type K6Options } from '../probe/k6.js';
import { readK6Summary } from '../probe/k6-summary.js';

export interface ProbeFlags {
  from?: string;
  /** Absent: terminal, or what the --output extension names. */
  format?: string;
  output?: string;
  budget: string;
  config?: string;
  include: string[];
  exclude: string[];
  rule: string[];
  emitK6?: string;
  targetUrl?: string;
  /** k6 scripts: the route for findings no declared route reaches, its path parameters, the as-found summary, the load. */
  route?: string;
  routeParams: string[];
  baseline?: string;
  k6Rate?: string;
  k6Duration?: string;
  k6Vus?: string;
  k6Expect?: string;
  k6Share?: string;
  k6Parallelism?: string;
  exec?: boolean;
  allowNetwork?: boolean;
  latency: string[];
  postgresUrl?: string;
  color?: boolean;
  debug?: boolean;
  summary?: boolean;
  width?: string;
}

/** terminal and json have probe-specific layouts; the other report formats render the verified findings. */
const FORMATS = ['terminal', 'json', ...Object.keys(REPORTERS).filter((name) => name !== 'terminal' && name !== 'json')];

/** Reads a `scan --format json` report; only the findings are used. */
function readFindings(file: string, cwd: string): ScanResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path.resolve(cwd, file), 'utf8'));
  } catch (error) {
    throw new UsageError(`Cannot read --from ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const findings = typeof parsed === 'object' && parsed !== null && 'findings' in parsed ? parsed.findings : undefined;
  if (!Array.isArray(findings)) throw new UsageError(`--from ${file}: expected a bottleneck JSON report with a "findings" array`);
  const valid = findings.filter((f): f is Finding => typeof f === 'object' && f !== null && typeof f.ruleId === 'string' && typeof f.file === 'string' && typeof f.line === 'number');
  return {
    findings: valid,
    errors: [],
    skipped: [],
    summary: { files: 0, lines: 0, durationMs: 0, bySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 } },
  };
}

/**
 * `--from ... --exec` runs the code a report names, and a report is only a file: every finding's file must
 * lie inside the working directory (no absolute paths, no `../`), or the run is refused before anything runs.
 */
export function outsideFiles(findings: Finding[], cwd: string): string[] {
  const root = path.resolve(cwd);
  return [...new Set(findings.map((f) => f.file))].filter((file) => {
    if (path.isAbsolute(file) || /^[a-zA-Z]:[\\/]/.test(file)) return true;
    const resolved = path.resolve(root, file);
    const relative = path.relative(root, resolved);
    return relative === '' || relative.startsWith('..') || path.isAbsolute(relative);
  });
}

/**
 * The fixes `--exec` applies come from a fresh scan of the files the report names, never from the report's
 * text: each finding takes the fix of the fresh finding with the same rule and position, or none (then the
 * before/after families say why and run their replica).
 */
async function rederiveFixes(findings: Finding[], flags: ProbeFlags, io: Io): Promise<Finding[]> {
  const { config, filepath } = await loadConfig(io.cwd, flags.config, ALL_RULES);
  const files = [...new Set(findings.map((f) => f.file))];
  const fresh = await scan({ ...targetRequest(files, { include: [], exclude: [], rule: [] }, config, io, filepath), include: [] });
  const key = (f: Finding) => `${f.ruleId}\u0000${f.file}\u0000${f.line}\u0000${f.column}`;
  const fixes = new Map(fresh.findings.map((f) => [key(f), f.fix]));
  return findings.map((f) => {
    const fix = fixes.get(key(f));
    if (fix) return { ...f, fix };
    const why = `a fresh scan of ${f.file} does not report this finding at line ${f.line}, so the report's fix is not applied`;
    return { ...f, fix: { description: f.fix?.description ?? '', replacement: '' }, params: { ...(f.params ?? {}), __noFix: why } };
  });
}

/** `--postgres-url` needs `--exec` and a postgres:// URL whose TLS mode the socket relay can carry. */
async function checkPostgresUrl(url: string, exec: boolean): Promise<void> {
  const { parsePostgresUrl } = await import('../probe/exec/pool-database.js');
  if (!exec) throw new UsageError('--postgres-url gives the PostgreSQL your pg pool runs against under --exec: it needs --exec');
  const parsed = parsePostgresUrl(url);
  if ('error' in parsed) throw new UsageError(parsed.error);
}

/** `--latency pg.query=35` (repeatable): the latency a stubbed call of that name (member or stub path) waits. */
export function parseLatencies(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const value of values) {
    const match = /^([A-Za-z_$@][\w$@./-]*)=(\d+(?:\.\d+)?)$/.exec(value.trim());
    const ms = match ? Number(match[2]) : Number.NaN;
    if (!match || !(ms >= 0 && ms <= 60_000)) throw new UsageError(`Invalid --latency "${value}": expected <module.member>=<ms>, e.g. pg.query=25 (0 to 60000 ms)`);
    out[match[1] as string] = ms;
  }
  return out;
}

function parseBudget(text: string): number {
  const seconds = Number(text.replace(/s$/, ''));
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) throw new UsageError(`Invalid --budget "${text}": expected seconds between 0 and 3600, e.g. 30`);
  return seconds * 1000;
}

function checkTargetUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`Invalid --target-url "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--target-url must be http(s), got ${url.protocol}`);
  return url.toString();
}

function positive(flag: string, text: string | undefined, integer: boolean, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > max || (integer && !Number.isInteger(value))) throw new UsageError(`Invalid ${flag} "${text}": expected ${integer ? 'a whole number' : 'a number'} above 0 and at most ${max}`);
  return value;
}

/** The k6 export's flags, checked before anything runs; undefined without --emit-k6 (and then none may be given). */
function k6OptionsOf(flags: ProbeFlags, cwd: string): Omit<K6Options, 'targetUrl'> | undefined {
  const given = [
    ['--route', flags.route],
    ['--route-params', flags.routeParams?.length ? 'x' : undefined],
    ['--baseline', flags.baseline],
    ['--k6-rate', flags.k6Rate],
    ['--k6-duration', flags.k6Duration],
    ['--k6-vus', flags.k6Vus],
    ['--k6-expect', flags.k6Expect],
    ['--k6-share', flags.k6Share],
    ['--k6-parallelism', flags.k6Parallelism],
  ].filter(([, value]) => value !== undefined);
  if (!flags.emitK6) {
    if (given.length > 0) throw new UsageError(`${given.map(([name]) => name).join(', ')} ${given.length === 1 ? 'shapes the k6 scripts: it needs' : 'shape the k6 scripts: they need'} --emit-k6 <dir>`);
    return undefined;
  }
  const options: Omit<K6Options, 'targetUrl'> = {};
  try {
    if (flags.route) options.route = parseRoute(flags.route);
    if (flags.routeParams?.length) options.routeParams = parseRouteParams(flags.routeParams);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (flags.baseline) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path.resolve(cwd, flags.baseline), 'utf8'));
    } catch (error) {
      throw new UsageError(`Cannot read --baseline ${flags.baseline}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const summary = readK6Summary(json);
    if ('error' in summary) throw new UsageError(`--baseline ${flags.baseline}: ${summary.error}`);
    if (!summary.metrics.http_req_duration) throw new UsageError(`--baseline ${flags.baseline}: the summary has no http_req_duration (was it a k6 HTTP run?)`);
    options.baseline = { file: flags.baseline, metrics: summary.metrics };
  }
  const rate = positive('--k6-rate', flags.k6Rate, false, 1_000_000);
  const duration = positive('--k6-duration', flags.k6Duration?.replace(/s$/, ''), true, 86_400);
  const vus = positive('--k6-vus', flags.k6Vus, true, 100_000);
  const expect = positive('--k6-expect', flags.k6Expect, false, 1000);
  const share = positive('--k6-share', flags.k6Share, false, 1);
  const parallelism = positive('--k6-parallelism', flags.k6Parallelism, true, 1000);
  if (rate !== undefined) options.rate = rate;
  if (duration !== undefined) options.durationSeconds = duration;
  if (vus !== undefined) options.preAllocatedVUs = vus;
  if (expect !== undefined) options.expect = expect;
  if (share !== undefined) options.share = share;
  if (parallelism !== undefined) options.parallelism = parallelism;
  return options;
}

/** Packages only `probe` loads: optional peer dependencies, so a scan-only install leaves them out. */
export const PROBE_PACKAGES = ['esbuild', 'hdr-histogram-js', 'pg-pool', 'generic-pool'] as const;

/** The probe packages that do not resolve from this install. */
export function missingProbePackages(): string[] {
  const require = createRequire(import.meta.url);
  return PROBE_PACKAGES.filter((name) => {
    try {
      require.resolve(name);
      return false;
    } catch {
      return true;
    }
  });
}

/** A usage error naming the missing packages and the command that installs them. */
export function checkProbePackages(): void {
  const missing = missingProbePackages();
  if (missing.length === 0) return;
  throw new UsageError(
    `probe needs ${missing.join(', ')} (optional peer dependencies: a scan-only install leaves them out). ` +
      `Install them beside bottleneck-cli: npm install --save-dev ${PROBE_PACKAGES.join(' ')} ` +
      `(without installing: npx ${['bottleneck-cli', ...PROBE_PACKAGES].map((name) => `-p ${name}`).join(' ')} bottleneck probe)`,
  );
}

export type ProbedFindings = Awaited<ReturnType<(typeof import('../probe/run.js'))['runProbes']>>;

export interface ProbeFindingsOptions {
  budgetMs: number;
  /** When the budget started (Date.now()); default now. The CLI starts it before its scan, which it includes. */
  startedAt?: number;
  exec: boolean;
  allowNetwork: boolean;
  latencies: Record<string, number>;
  /** With `exec`: pg pools run against this server instead of an embedded PostgreSQL. */
  postgresUrl?: string;
  io: Io;
  signal?: AbortSignal;
  onStart?: Parameters<(typeof import('../probe/run.js'))['runProbes']>[1]['onStart'];
}

/**
 * Probes findings (the harness and its load libraries load only here, so `scan` never pays for them) and
 * returns them as they came, each with its verification. Shared by the CLI and the programmatic `probe()`.
 */
export async function probeFindings(findings: Finding[], options: ProbeFindingsOptions): Promise<ProbedFindings> {
  checkProbePackages();
  const [{ runProbes }, { execProbes, execRefusal }] = await Promise.all([import('../probe/run.js'), import('../probe/exec.js')]);
  if (options.exec) {
    const refusal = execRefusal(options.allowNetwork);
    if (refusal) throw new UsageError(refusal);
  }
  const probes = options.exec ? execProbes(options.io, options.io.cwd, { latencies: options.latencies, ...(options.postgresUrl ? { postgresUrl: options.postgresUrl } : {}) }) : undefined;
  let probed: ProbedFindings;
  try {
    probed = await runProbes(probes ? probes.prepare(findings) : findings, {
      budgetMs: options.budgetMs,
      ...(options.startedAt !== undefined ? { startedAt: options.startedAt } : {}),
      signal: options.signal ?? new AbortController().signal,
      ...(probes ? { probes: probes.probes, mode: probes.mode } : {}),
      ...(options.onStart ? { onStart: options.onStart } : {}),
    });
  } finally {
    // The servers the pool findings shared (an embedded PostgreSQL, the loopback MySQL server) stop here.
    await probes?.close();
  }
  // Report the findings as they came (prepare() may have added private params), with their verification.
  return {
    ...probed,
    findings: findings.map((finding, i) => {
      const verification = probed.findings[i]?.verification;
      return verification ? { ...finding, verification } : finding;
    }),
  };
}

export async function runProbe(paths: string[], given: ProbeFlags, io: Io): Promise<number> {
  // --budget is the whole command's: the scan that finds what to probe spends it too.
  const startedAt = Date.now();
  const flags = { ...given, format: singleReportFormat(given.format, given.output) };
  if (!FORMATS.includes(flags.format)) throw new UsageError(`Unknown format "${flags.format}" for probe. Available: ${FORMATS.join(', ')}`);
  const budgetMs = parseBudget(flags.budget);
  // Checked before the scan, so a bad --width fails at once rather than after the probes ran.
  const width = reportWidth(flags.width, io, !flags.output);
  const flagLatencies = parseLatencies(flags.latency ?? []);
  let configLatencies: Record<string, number> = {};
  if (Object.keys(flagLatencies).length > 0 && !flags.exec) throw new UsageError('--latency sets the latency of your stubbed dependencies: it needs --exec');
  if (flags.postgresUrl !== undefined) await checkPostgresUrl(flags.postgresUrl, flags.exec === true);
  if (flags.emitK6 && !flags.targetUrl) throw new UsageError('--emit-k6 needs --target-url: the k6 script runs against your deployment, never against this machine');
  const targetUrl = flags.targetUrl ? checkTargetUrl(flags.targetUrl) : undefined;
  const k6Options = k6OptionsOf(flags, io.cwd);
  // Before the scan, so a scan-only install learns at once what to add.
  checkProbePackages();
  let result: ScanResult;
  if (flags.from) {
    if (paths.length > 0) throw new UsageError('Give either paths to scan or --from <report.json>, not both');
    result = readFindings(flags.from, io.cwd);
  } else {
    const { config, filepath } = await loadConfig(io.cwd, flags.config, ALL_RULES);
    configLatencies = config.probe?.latency ?? {};
    result = await scan(targetRequest(paths, flags, config, io, filepath));
  }
  // Declared in the config, overridden by --latency; both only matter to --exec's stubs.
  if (flags.from && flags.exec) configLatencies = (await loadConfig(io.cwd, flags.config, ALL_RULES)).config.probe?.latency ?? {};
  const latencies = { ...configLatencies, ...flagLatencies };
  let findings = flags.rule.length > 0 && flags.from ? result.findings.filter((f) => flags.rule.some((id) => f.ruleId === id || f.ruleId.startsWith(`${id}/`))) : result.findings;
  if (flags.from && flags.exec) {
    const outside = outsideFiles(findings, io.cwd);
    if (outside.length > 0) {
      throw new UsageError(`--from ${flags.from} --exec: refusing to run code outside ${io.cwd}: ${outside.slice(0, 5).join(', ')}${outside.length > 5 ? ` and ${outside.length - 5} more` : ''}`);
    }
    findings = await rederiveFixes(findings, flags, io);
  }

  const controller = new AbortController();
  const { killAllChildren } = await import('../probe/child.js');
  const onSigint = () => {
    io.stderr('\nInterrupted: stopping the running probe and reporting what finished (Ctrl-C again to quit at once)\n');
    controller.abort();
    // The running child and everything it started go at once, with their process group.
    killAllChildren();
  };
  // SIGTERM ends this process; the children (in their own process groups) must not outlive it.
  const onSigterm = () => {
    controller.abort();
    killAllChildren();
    process.exit(143);
  };
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigterm);
  let probed: ProbedFindings;
  try {
    probed = await probeFindings(findings, {
      budgetMs,
      startedAt,
      exec: flags.exec === true,
      allowNetwork: flags.allowNetwork === true,
      latencies,
      ...(flags.postgresUrl ? { postgresUrl: flags.postgresUrl } : {}),
      io,
      signal: controller.signal,
      onStart: ({ family, index, total, findings: count }) => {
        if (flags.format === 'terminal' || flags.output) io.stderr(`probe ${index}/${total}: ${family} (${count} finding${count === 1 ? '' : 's'})\n`);
      },
    });
  } finally {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigterm);
  }
  const [k6, { terminalProbeReport, withVerificationJson }] = await Promise.all([import('../probe/k6.js'), import('../probe/report.js')]);

  if (flags.emitK6 && targetUrl && k6Options) {
    const dir = path.resolve(io.cwd, flags.emitK6);
    mkdirSync(dir, { recursive: true });
    const written = new Set<string>();
    const skipped: string[] = [];
    let decisive = 0;
    for (const finding of probed.findings.filter(k6.canEmitK6)) {
      if (written.has(k6.k6FileName(finding))) continue;
      const files = k6.k6Files(finding, { ...k6Options, targetUrl });
      if ('skip' in files) {
        skipped.push(files.skip);
        continue;
      }
      writeOutputFile(path.join(dir, files.scriptName), path.join(flags.emitK6, files.scriptName), files.script);
      writeOutputFile(path.join(dir, files.manifestName), path.join(flags.emitK6, files.manifestName), files.manifest);
      written.add(files.scriptName);
      if (files.decisive) decisive += 1;
    }
    for (const reason of skipped) io.stderr(`k6: no script for ${reason}\n`);
    io.stderr(
      `Wrote ${written.size} k6 script${written.size === 1 ? '' : 's'} (each with a k6-operator TestRun) to ${flags.emitK6}` +
        (written.size === 0 && skipped.length === 0 ? ' (no HTTP-facing finding)' : '') +
        (written.size > 0 ? `; ${decisive} with thresholds that test the finding${decisive < written.size ? (flags.baseline ? ' (the others say why in their header)' : ' (the others need --baseline: see their header)') : ''}` : '') +
        '\n',
    );
  }

  const color = !flags.output && wantsColor(flags.color, io.isTTY, io.env);
  const otherReporter = flags.format === 'terminal' || flags.format === 'json' ? undefined : REPORTERS[flags.format];
  const text = otherReporter
    ? otherReporter({
        result: { ...result, findings: probed.findings },
        tool: { name: TOOL_NAME, version: toolVersion() },
        color: false,
        failOn: 'none',
        quiet: false,
        date: reportDate(io),
        rules: ruleInfos(ALL_RULES, flags.format === 'sarif'),
        ...(flags.format === 'markdown' ? { template: loadTemplate(io.cwd, undefined, undefined, undefined, Boolean(flags.summary)), summary: Boolean(flags.summary) } : {}),
      })
    : flags.format === 'json'
      ? withVerificationJson(
          jsonReporter({ result: { ...result, findings: probed.findings }, tool: { name: TOOL_NAME, version: toolVersion() }, color: false, failOn: 'none', quiet: false }),
          probed.findings,
          probed.summary,
        )
      : terminalProbeReport(probed.findings, probed.summary, color, width);
  if (flags.output) {
    writeOutputFile(path.resolve(io.cwd, flags.output), flags.output, text);
    io.stderr(`Report written to ${flags.output}\n`);
  } else {
    io.stdout(text);
  }
  // The partial report is out; the exit code still tells a script or CI step that the run did not complete.
  return probed.summary.interrupted ? EXIT_INTERRUPTED : EXIT_OK;
}

export function probeCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('probe')
    .description('Verify findings under load on loopback: run each pattern as found and with the fix, and compare')
    .argument('[paths...]', 'files or directories to scan (default: the current directory)')
    .option('--from <file>', 'probe the findings of a `scan --format json` report instead of scanning')
    .option('-f, --format <name>', `output format (${FORMATS.join(', ')}; default terminal, or what the --output extension names)`)
    .option('-o, --output <file>', 'write the report to a file instead of stdout (.sarif, .json, .md, .xml name the format)')
    .option('--budget <seconds>', 'total time for all probes, split across them', '30')
    .option('--rule <id>', 'probe only findings of this rule (repeatable)', collect, [])
    .option('-c, --config <path>', 'use this config file instead of searching for one')
    .option('--include <glob>', 'only scan files matching this glob (repeatable)', collect, [])
    .option('--exclude <glob>', 'skip files matching this glob (repeatable)', collect, [])
    .option('--emit-k6 <dir>', 'write a k6 script and a k6-operator TestRun per HTTP-facing finding, loading the route that reaches it (needs --target-url)')
    .option('--target-url <url>', 'base URL of your deployment the k6 scripts load (never contacted by this command)')
    .option('--route <route>', "with --emit-k6: the route to load when the code declares none for a finding, e.g. 'GET /orders/:id'")
    .option('--route-params <name=value>', 'with --emit-k6: values of the route\'s path parameters, e.g. id=42 (repeatable, or comma-separated)', collect, [])
    .option('--baseline <file>', 'with --emit-k6: k6 summary JSON (--summary-export or handleSummary) of a run as found; thresholds come from it')
    .option('--k6-rate <n>', 'with --emit-k6: requests per second (default: the baseline\'s rate, or 20)')
    .option('--k6-duration <seconds>', 'with --emit-k6: how long the scenario runs (default 60)')
    .option('--k6-vus <n>', 'with --emit-k6: pre-allocated VUs (default: rate x the baseline p(99) x 1.5)')
    .option('--k6-expect <ratio>', 'with --emit-k6: the route-level latency ratio you expect from the fix, instead of the finding\'s')
    .option('--k6-share <fraction>', 'with --emit-k6: the share (0-1] of the route\'s time the finding\'s code takes (default 1)')
    .option('--k6-parallelism <n>', 'with --emit-k6: runner pods in the TestRun manifests (default 2)')
    .option('--exec', 'run YOUR code (fake-compression, sequential-await, uncleared-timer, keep-alive agents, pg/knex/mysql2/generic-pool pools) in a sandboxed child process instead of a replica')
    .option('--allow-network', 'with --exec: run your code even where no network namespace can be made')
    .option('--postgres-url <url>', 'with --exec: run pg pool findings against your PostgreSQL (only SELECT pg_sleep is sent) instead of an embedded one')
    .option('--latency <name=ms>', 'with --exec: latency of a stubbed call, by member or module.member (repeatable), e.g. pg.query=25', collect, [])
    .option('--color', 'force colours')
    .option('--no-color', 'disable colours')
    .option('--summary', 'with --format markdown: a short summary for a pull-request comment')
    .option('--width <columns>', 'terminal report: wrap to this many columns (default: COLUMNS, the terminal width, or 80)')
    .option('--debug', 'print stack traces for internal errors')
    .addHelpText(
      'after',
      `
Probes run on loopback only (127.0.0.1), each bounded in count and time, within --budget.
Without --exec they run a faithful replica of the found pattern with the finding's values and say so.
With --exec, your own code runs in a contained child process with no network (compiled with esbuild, package
imports stubbed): the function of a fake-compression, sequential-await or uncleared-timer finding; the agent or
client construction of a keep-alive finding against a counting loopback server; the pool settings of a pg, knex
or mysql2 pool against a real server (embedded PostgreSQL, a loopback MySQL-protocol server) or of a
generic-pool. Findings whose code cannot be called run replicas and say so.
Ctrl-C stops the running probe and reports what finished.

Examples:
  $ bottleneck probe fixtures
  $ bottleneck scan src --format json -o scan.json && bottleneck probe --from scan.json --format json
  $ bottleneck probe src --emit-k6 k6 --target-url https://staging.example.com/api
  $ bottleneck probe src --emit-k6 k6 --target-url https://staging.example.com --route-params id=42 --baseline before.json`,
    )
    .action(async (paths: string[], flags: ProbeFlags) => {
      setExit(await runProbe(paths, flags, io));
    });
}

import path from 'node:path';
import { Command, Option } from 'commander';
import { loadConfig } from '../config/load.js';
import type { BottleneckConfig } from '../config/schema.js';
import { FAIL_ON_LEVELS, type FailOn } from '../config/plain.js';
import { UsageError } from '../errors.js';
import { isAtOrAbove, isIncomplete, type ScanResult } from '../findings.js';
import { REPORTERS } from '../reporters/index.js';
import { AnalysisCache, defaultCacheLocation } from '../scanner/cache.js';
import { emptyTimings, scan, type ScanRequest } from '../scanner/engine.js';
import { rulePlan } from './rule-plan.js';
export { enabledRules } from './rule-plan.js';
import { toPosixRelative } from '../scanner/discover.js';
import { formatTimings } from './timing.js';
import { applyFixes, fixDiffs, fixSummary } from './fix.js';
import { wantsColor } from './color.js';
import { TOOL_NAME, toolVersion } from '../version.js';
import { ALL_RULES } from '../../rules/index.js';
import { collect, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, reportWidth, type Io } from './io.js';
import {
  changedFiles,
  loadBaseline,
  loadTemplate,
  planOutputs,
  progressFor,
  repositoryLink,
  reportDate,
  ruleInfos,
  writeBaselineFile,
  writeOutputs,
} from './report-outputs.js';


export interface ScanFlags {
  format: string[];
  output: string[];
  template?: string;
  repoUrl?: string;
  baseline?: string;
  writeBaseline?: string;
  changedSince?: string;
  progress: boolean;
  failOn?: string;
  config?: string;
  include: string[];
  exclude: string[];
  rule: string[];
  /** --include-once: every rule also reports code that runs once (start-up, scripts, migrations), at low. */
  includeOnce?: boolean;
  quiet?: boolean;
  /** --color / --no-color; undefined leaves it to NO_COLOR, FORCE_COLOR and the terminal. */
  color?: boolean;
  debug?: boolean;
  /** Terminal report: the whole evidence chain of every finding. */
  verbose?: boolean;
  /** Terminal report: columns (default: COLUMNS, the terminal, 80). */
  width?: string;
  /** Markdown report: the PR-comment summary instead of the full audit. */
  summary?: boolean;
  cache: boolean;
  cacheLocation?: string;
  prefilter: boolean;
  timing?: boolean;
  shard?: string;
  concurrency: string;
  /** Apply the mechanical fixes of high-confidence findings, then report what remains. */
  fix?: boolean;
  /** Print every fix as a unified diff instead of the report on stdout. */
  fixDryRun?: boolean;
}

/** `--concurrency auto|<n>`: worker threads for analysis. */
export function parseConcurrency(value: string): number {
  if (value === 'auto') return DEFAULT_CONCURRENCY;
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new UsageError(`Invalid --concurrency "${value}". Expected "auto" or a whole number from 1 to 64`);
  return threads;
}

/** `--shard 2/4` -> `{ index: 2, count: 4 }`. */
export function parseShard(value: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) throw new UsageError(`Invalid --shard "${value}". Expected <index>/<count> with 1 <= index <= count, e.g. 1/4`);
  return { index, count };
}

/** Measured in docs/performance.md: see there before changing. */
const DEFAULT_CONCURRENCY = 1;

/** What to scan and with which rules, from the command line over the config: shared by scan and probe. */
export function targetRequest(
  paths: string[],
  flags: { include: string[]; exclude: string[]; rule: string[]; includeOnce?: boolean },
  config: BottleneckConfig,
  io: Io,
  // The config file: `overrides` globs are relative to its directory (to the working directory without one).
  configFile?: string,
): Pick<ScanRequest, 'cwd' | 'paths' | 'include' | 'exclude' | 'maxFileSize' | 'rules' | 'rulesFor' | 'rulesForOptions' | 'enabledRuleIds'> {
  const plan = rulePlan(config, flags.rule, configFile ? path.dirname(configFile) : io.cwd, flags.includeOnce === true);
  return {
    cwd: io.cwd,
    paths: paths.length > 0 ? paths : ['.'],
    include: flags.include.length > 0 ? flags.include : (config.include ?? []),
    exclude: [...(config.exclude ?? []), ...flags.exclude],
    maxFileSize: config.maxFileSize,
    rules: plan.rules,
    enabledRuleIds: plan.enabledRuleIds,
    ...(plan.rulesFor ? { rulesFor: plan.rulesFor, rulesForOptions: plan.rulesForOptions ?? true } : {}),
  };
}

/**
 * 2 when some file or directory could not be read (an incomplete scan proves nothing, whatever --fail-on
 * says), else 1 when a finding is at or above `failOn`, else 0.
 */
export function exitCodeFor(result: Pick<ScanResult, 'errors'> & { findings: ReadonlyArray<{ severity: ScanResult['findings'][number]['severity'] }> }, failOn: FailOn): number {
  if (isIncomplete(result)) return EXIT_ERROR;
  if (failOn === 'none') return EXIT_OK;
  return result.findings.some((f) => isAtOrAbove(f.severity, failOn)) ? EXIT_FINDINGS : EXIT_OK;
}

/** `--cache-location`, else the default (a private per-user directory when there is no node_modules). */
function openCache(io: Io, location: string | undefined): AnalysisCache {
  const where = location !== undefined ? { dir: path.resolve(io.cwd, location), private: false } : defaultCacheLocation(io.cwd, io.env);
  return new AnalysisCache(where.dir, { private: where.private });
}

/** One line on stderr for an incomplete scan, naming the first path that could not be read. */
export function incompleteNote(result: ScanResult): string | undefined {
  const unreadable = result.errors.filter((error) => error.kind === 'unreadable');
  const first = unreadable[0];
  if (!first) return undefined;
  const more = unreadable.length > 1 ? ` and ${unreadable.length - 1} more` : '';
  return `${TOOL_NAME}: scan incomplete (exit code 2): could not read ${first.file}${more}; see "errors" in the report\n`;
}

/** Adds the config candidates that were not regular files (never opened) to the result's skipped files. */
export function withConfigSkipped(result: ScanResult, configSkipped: Array<{ absolute: string; reason: string }>, cwd: string): void {
  if (configSkipped.length === 0) return;
  // The scan may have met the same file (a package.json FIFO is both a config candidate and a project file).
  const listed = new Set(result.skipped.map((note) => note.file));
  const extra = configSkipped.map((note) => ({ file: toPosixRelative(cwd, note.absolute), reason: note.reason })).filter((note) => !listed.has(note.file));
  result.skipped = [...result.skipped, ...extra].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

export async function runScan(paths: string[], flags: ScanFlags, io: Io): Promise<number> {
  const targets = planOutputs(flags.format, flags.output);
  if (flags.fix && flags.fixDryRun) throw new UsageError('--fix and --fix-dry-run exclude each other: --fix-dry-run shows what --fix would change');
  if (flags.fix && (flags.writeBaseline || flags.shard)) throw new UsageError(`--fix rewrites files and rescans them: run it without ${flags.writeBaseline ? '--write-baseline' : '--shard'}`);
  if (flags.writeBaseline && (flags.changedSince || flags.shard)) {
    // A baseline must record the whole project, or every finding outside the scanned part would turn "new".
    throw new UsageError(`--write-baseline records every finding: run it without ${flags.changedSince ? '--changed-since' : '--shard'}`);
  }
  let failOnFlag: FailOn | undefined;
  if (flags.failOn !== undefined) {
    const level = FAIL_ON_LEVELS.find((candidate) => candidate === flags.failOn);
    if (level === undefined) throw new UsageError(`Invalid --fail-on "${flags.failOn}". Expected one of: ${FAIL_ON_LEVELS.join(', ')}`);
    failOnFlag = level;
  }
  const { config, filepath: configFile, skipped: configSkipped } = await loadConfig(io.cwd, flags.config, ALL_RULES);
  const wants = (format: string) => targets.some((target) => target.format === format);
  // Read everything that can fail before the (possibly long) scan, so a typo fails fast.
  const template = wants('markdown') ? loadTemplate(io.cwd, flags.template, config.template, configFile, Boolean(flags.summary)) : undefined;
  reportWidth(flags.width, io, true);
  const baseline = await loadBaseline(io.cwd, flags.baseline);
  const onlyFiles = changedFiles(io.cwd, flags.changedSince);
  const progress = progressFor(io, flags.progress && !flags.quiet);
  const failOn: FailOn = failOnFlag ?? config.failOn ?? 'critical';
  const timings = flags.timing ? emptyTimings() : undefined;
  const shard = flags.shard ? parseShard(flags.shard) : undefined;
  const cache = flags.cache ? openCache(io, flags.cacheLocation) : undefined;
  const request: ScanRequest = {
    ...targetRequest(paths, flags, config, io, configFile),
    prefilter: flags.prefilter,
    ...(shard ? { shard } : {}),
    concurrency: parseConcurrency(flags.concurrency),
    toolVersion: toolVersion(),
    ...(cache ? { cache } : {}),
    ...(timings ? { timings } : {}),
    ...(baseline ? { baseline } : {}),
    ...(onlyFiles ? { onlyFiles } : {}),
    knownRuleIds: ALL_RULES.map((rule) => rule.meta.id),
  };
  let result = await scan({ ...request, onProgress: (done, total) => progress.update(done, total) }).finally(() => progress.stop());
  if (flags.fixDryRun) io.stdout(fixDiffs(result, io));
  if (flags.fix) {
    // The report and the exit code are about what remains after the fixes.
    const run = await applyFixes(result, () => scan(request), io);
    io.stderr(fixSummary(run));
    result = run.result;
  }
  if (shard) result.shard = shard;
  withConfigSkipped(result, configSkipped, io.cwd);
  // Said once and not fatal: without a trustworthy cache the scan is only slower.
  if (cache?.problem) io.stderr(`${TOOL_NAME}: results cache not used: ${cache.problem}\n`);
  const repository = wants('markdown') ? repositoryLink(io, flags.repoUrl) : undefined;
  const color = wantsColor(flags.color, io.isTTY, io.env);
  writeOutputs(
    // With --fix-dry-run the diffs take stdout; reports written to files still are.
    flags.fixDryRun ? targets.filter((target) => target.file !== undefined) : targets,
    {
      result,
      tool: { name: TOOL_NAME, version: toolVersion() },
      failOn,
      quiet: Boolean(flags.quiet),
      date: reportDate(io),
      rules: ruleInfos(ALL_RULES, wants('sarif')),
      ...(template !== undefined ? { template } : {}),
      ...(repository ? { repository } : {}),
      verbose: Boolean(flags.verbose),
      summary: Boolean(flags.summary),
    },
    io,
    color,
    flags.width,
  );
  if (timings) io.stderr(formatTimings(timings, result.summary.durationMs));
  const incomplete = incompleteNote(result);
  if (incomplete) io.stderr(incomplete);
  if (flags.writeBaseline) {
    // Recording a baseline accepts the current state: it never fails the run (unless the scan was incomplete).
    const count = writeBaselineFile(io.cwd, flags.writeBaseline, result);
    io.stderr(`Baseline written to ${flags.writeBaseline} (${count} finding${count === 1 ? '' : 's'})\n`);
    return incomplete ? EXIT_ERROR : EXIT_OK;
  }
  return exitCodeFor(result, failOn);
}


export function scanCommand(io: Io, setExit: (code: number) => void, examples: string): Command {
  return new Command('scan')
    .description('Scan files or directories (default: the current directory) for performance bottlenecks')
    .argument('[paths...]', 'files or directories to scan')
    .option('-f, --format <name>', `output format, repeatable (${Object.keys(REPORTERS).join(', ')}; default terminal)`, collect, [])
    .option('-o, --output <[format=]file>', 'write a report to a file: <format>=<file> per format (repeatable), or a plain file for the one format', collect, [])
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity (default: critical)').choices(FAIL_ON_LEVELS))
    .option('-c, --config <path>', 'use this config file instead of searching for one')
    .option('--include <glob>', 'only scan files matching this glob (repeatable)', collect, [])
    .option('--exclude <glob>', 'skip files matching this glob (repeatable)', collect, [])
    .option('--rule <id>', 'run only this rule (repeatable)', collect, [])
    .option('--include-once', 'also report code that runs once (start-up, module top level, scripts, migrations), at low')
    .option('-q, --quiet', 'report only findings at or above --fail-on, no notes')
    .option('--color', 'force colours (default: on a terminal, or when FORCE_COLOR is set)')
    .option('--no-color', 'disable colours (also off when NO_COLOR is set and non-empty)')
    .option('--debug', 'print stack traces for internal errors')
    .option('--verbose', 'terminal report: show the whole evidence chain of every finding')
    .option('--width <columns>', 'terminal report: wrap to this many columns (default: COLUMNS, the terminal width, or 80)')
    .option('--summary', 'markdown report: a short summary for a pull-request comment (grade, counts, top findings; under 60 KB)')
    .option('--template <file>', 'Handlebars template for --format markdown (default: the bundled audit report)')
    .option('--repo-url <url>', 'repository URL for links in the markdown report (default: GitHub Actions env or package.json)')
    .option('--baseline <file>', 'report (and fail on) only findings that are not in this baseline')
    .option('--write-baseline <file>', 'record the current findings as the baseline and exit 0')
    .option('--changed-since <ref>', 'scan only files changed since this git ref (committed, staged, unstaged or untracked)')
    .option('--no-progress', 'no progress line on stderr (it only shows on a terminal anyway)')
    .option('--no-cache', 'ignore and do not update the results cache')
    .option('--cache-location <dir>', 'where to keep the results cache (default: node_modules/.cache/bottleneck)')
    .option('--timing', 'print where the time went (stderr)')
    .option('--concurrency <n>', 'worker threads for parsing and rules ("auto" or a number)', 'auto')
    .option('--fix', 'apply the mechanical fixes of high-confidence findings (verified, written atomically), then report what remains')
    .option('--fix-dry-run', 'print every fix as a unified diff on stdout (mechanical or not) and change nothing')
    .option('--shard <index/count>', 'scan only one shard of the files (e.g. 1/4), for CI matrices; combine with "bottleneck merge"')
    .addOption(new Option('--no-prefilter', 'parse every file, even those without trigger words (for debugging)').hideHelp())
    .addHelpText('after', examples)
    .action(async (paths: string[], flags: ScanFlags) => {
      setExit(await runScan(paths, flags, io));
    });
}

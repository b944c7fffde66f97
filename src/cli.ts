import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { loadConfig } from './config/load.js';
import { failOnSchema, type BottleneckConfig, type FailOn, type RuleSetting } from './config/schema.js';
import { UsageError, isKnownError } from './errors.js';
import { isAtOrAbove, SEVERITIES, type ScanResult } from './findings.js';
import { REPORTERS } from './reporters/index.js';
import type { RegisteredRule } from './rule.js';
import { scan, type EnabledRule } from './scanner/engine.js';
import { packageRoot, TOOL_NAME, toolVersion } from './version.js';
import { ALL_RULES, findRule } from '../rules/index.js';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

interface ScanFlags {
  format: string;
  output?: string;
  failOn?: string;
  config?: string;
  include: string[];
  exclude: string[];
  rule: string[];
  quiet?: boolean;
  color: boolean;
  debug?: boolean;
}

interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

const EXAMPLES = `
Examples:
  $ bottleneck scan                          scan the current directory
  $ bottleneck scan src lib --fail-on high   fail (exit 1) on high or critical findings
  $ bottleneck scan --format json --output bottleneck.json
  $ bottleneck scan --rule sequential-await --exclude "**/*.test.ts"
  $ bottleneck rules                         list the rules
  $ bottleneck rules uncleared-timer         show one rule's documentation

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage, config or internal error.`;

function ruleLevel(setting: RuleSetting | undefined): string | undefined {
  if (setting === undefined) return undefined;
  return typeof setting === 'string' ? setting : setting.severity;
}

/** Rules to run: `--rule` narrows (and re-enables rules turned off in config); config may turn off or re-level. */
export function enabledRules(config: BottleneckConfig, only: string[]): EnabledRule[] {
  for (const id of only) {
    if (!findRule(id)) throw new UsageError(`Unknown rule "${id}". Run "bottleneck rules" to list the rules.`);
  }
  const selected: RegisteredRule[] = only.length > 0 ? ALL_RULES.filter((rule) => only.includes(rule.meta.id)) : ALL_RULES;
  const enabled: EnabledRule[] = [];
  for (const rule of selected) {
    const setting = (config.rules as Record<string, RuleSetting | undefined>)[rule.meta.id];
    const level = ruleLevel(setting);
    if (level === 'off' && only.length === 0) continue;
    const options = typeof setting === 'object' ? setting.options : undefined;
    const severityOverride = level && level !== 'off' ? SEVERITIES.find((s) => s === level) : undefined;
    enabled.push({ rule, options: options ?? {}, ...(severityOverride ? { severityOverride } : {}) });
  }
  return enabled;
}

export function exitCodeFor(result: ScanResult, failOn: FailOn): number {
  if (failOn === 'none') return EXIT_OK;
  return result.findings.some((f) => isAtOrAbove(f.severity, failOn)) ? EXIT_FINDINGS : EXIT_OK;
}

async function runScan(paths: string[], flags: ScanFlags, io: Io): Promise<number> {
  const reporter = REPORTERS[flags.format];
  if (!reporter) throw new UsageError(`Unknown format "${flags.format}". Available: ${Object.keys(REPORTERS).join(', ')}`);
  let failOnFlag: FailOn | undefined;
  if (flags.failOn !== undefined) {
    const parsed = failOnSchema.safeParse(flags.failOn);
    if (!parsed.success) throw new UsageError(`Invalid --fail-on "${flags.failOn}". Expected one of: ${failOnSchema.options.join(', ')}`);
    failOnFlag = parsed.data;
  }
  const { config } = await loadConfig(io.cwd, flags.config, ALL_RULES);
  const failOn: FailOn = failOnFlag ?? config.failOn ?? 'critical';
  const result = await scan({
    cwd: io.cwd,
    paths: paths.length > 0 ? paths : ['.'],
    include: flags.include.length > 0 ? flags.include : (config.include ?? []),
    exclude: [...(config.exclude ?? []), ...flags.exclude],
    maxFileSize: config.maxFileSize,
    rules: enabledRules(config, flags.rule),
  });
  const color = flags.color && !flags.output && io.isTTY && !('NO_COLOR' in io.env) && io.env.FORCE_COLOR !== '0';
  const text = reporter({ result, tool: { name: TOOL_NAME, version: toolVersion() }, color, failOn, quiet: Boolean(flags.quiet) });
  if (flags.output) {
    const target = path.resolve(io.cwd, flags.output);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, text);
    if (!flags.quiet) io.stderr(`Report written to ${flags.output}\n`);
  } else {
    io.stdout(text);
  }
  return exitCodeFor(result, failOn);
}

function listRules(io: Io): number {
  const rows = ALL_RULES.map((rule) => [rule.meta.id, rule.meta.category, rule.meta.defaultSeverity, rule.meta.description]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => (row[i] ?? '').length), ['id', 'category', 'severity'][i]?.length ?? 0));
  const line = (row: string[]) => row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i] ?? 0) : cell)).join('  ');
  io.stdout(`${[line(['id', 'category', 'severity', 'description']), ...rows.map(line)].join('\n')}\n`);
  return EXIT_OK;
}

function showRule(id: string, io: Io): number {
  const rule = findRule(id);
  if (!rule) throw new UsageError(`Unknown rule "${id}". Run "bottleneck rules" to list the rules.`);
  io.stdout(readFileSync(path.join(packageRoot(), 'rules', `${rule.meta.id}.md`), 'utf8'));
  return EXIT_OK;
}

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command();
  program
    .name(TOOL_NAME)
    .description('Find performance bottlenecks in Node.js/TypeScript code, explain them and suggest the fix.')
    .version(toolVersion(), '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXAMPLES)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  program
    .command('scan')
    .description('Scan files or directories (default: the current directory) for performance bottlenecks')
    .argument('[paths...]', 'files or directories to scan')
    .option('-f, --format <name>', `output format (${Object.keys(REPORTERS).join(', ')})`, 'terminal')
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity (default: critical)').choices(failOnSchema.options))
    .option('-c, --config <path>', 'use this config file instead of searching for one')
    .option('--include <glob>', 'only scan files matching this glob (repeatable)', collect, [])
    .option('--exclude <glob>', 'skip files matching this glob (repeatable)', collect, [])
    .option('--rule <id>', 'run only this rule (repeatable)', collect, [])
    .option('-q, --quiet', 'report only findings at or above --fail-on, no notes')
    .option('--no-color', 'disable colours (also off when stdout is not a TTY or NO_COLOR is set)')
    .option('--debug', 'print stack traces for internal errors')
    .addHelpText('after', EXAMPLES)
    .action(async (paths: string[], flags: ScanFlags) => {
      setExit(await runScan(paths, flags, io));
    });

  program
    .command('rules')
    .description('List the rules, or show one rule\'s documentation')
    .argument('[id]', 'rule id')
    .action((id: string | undefined) => {
      setExit(id ? showRule(id, io) : listRules(io));
    });

  return program;
}

/** Runs the CLI and returns the exit code; never calls process.exit. */
export async function main(argv: string[], io: Io): Promise<number> {
  let exitCode = EXIT_OK;
  let fatal = false;
  const setExit = (code: number) => {
    if (!fatal) exitCode = code;
  };
  const debug = argv.includes('--debug');
  try {
    await buildProgram(io, setExit).parseAsync(argv, { from: 'user' });
  } catch (error) {
    fatal = true;
    if (error instanceof CommanderError) {
      // Help and version exit through here with code 0; everything else is a usage error.
      return error.exitCode === 0 ? EXIT_OK : EXIT_ERROR;
    }
    if (isKnownError(error)) {
      io.stderr(`${TOOL_NAME}: ${error.message}\n`);
      if (debug && error.stack) io.stderr(`${error.stack}\n`);
    } else {
      const message = error instanceof Error ? error.message : String(error);
      io.stderr(`${TOOL_NAME}: internal error: ${message}${debug ? '' : ' (run with --debug for the stack trace)'}\n`);
      if (debug && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
    }
    return EXIT_ERROR;
  }
  return exitCode;
}

/** Entry for `bin/bottleneck.js`: wires the process and sets `process.exitCode` (never `process.exit`). */
export async function run(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
    isTTY: Boolean(process.stdout.isTTY),
  });
}

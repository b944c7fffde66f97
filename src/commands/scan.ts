import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { loadConfig } from '../config/load.js';
import { failOnSchema, type BottleneckConfig, type FailOn, type RuleSetting } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { isAtOrAbove, SEVERITIES, type ScanResult } from '../findings.js';
import { REPORTERS } from '../reporters/index.js';
import type { RegisteredRule } from '../rule.js';
import { scan, type EnabledRule } from '../scanner/engine.js';
import { TOOL_NAME, toolVersion } from '../version.js';
import { ALL_RULES, findRule } from '../../rules/index.js';
import { collect, EXIT_FINDINGS, EXIT_OK, type Io } from './io.js';

export interface ScanFlags {
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

export async function runScan(paths: string[], flags: ScanFlags, io: Io): Promise<number> {
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


export function scanCommand(io: Io, setExit: (code: number) => void, examples: string): Command {
  return new Command('scan')
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
    .addHelpText('after', examples)
    .action(async (paths: string[], flags: ScanFlags) => {
      setExit(await runScan(paths, flags, io));
    });
}

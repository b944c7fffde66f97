import path from 'node:path';
import { Command, Option } from 'commander';
import { ZodError } from 'zod';
import { failOnSchema, formatConfigIssues, type FailOn } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { notRegularReason, readRegularFile } from '../safe-fs.js';
import { emptySeverityCounts, type ScanResult } from '../findings.js';
import { checkMergeParts, mergeResults, type MergePart } from '../merge.js';
import { REPORTERS } from '../reporters/index.js';
import { jsonReportSchema } from '../result-schema.js';
import { TOOL_NAME, toolVersion } from '../version.js';
import { exitCodeFor } from './scan.js';
import { loadTemplate, reportDate, ruleInfos } from './report-outputs.js';
import { ALL_RULES } from '../../rules/index.js';
import { reportWidth, writeOutputFile, type Io } from './io.js';
import { singleReportFormat } from './output-format.js';
import { wantsColor } from './color.js';

interface MergeFlags {
  format?: string;
  output?: string;
  failOn: FailOn;
  color?: boolean;
  verbose?: boolean;
  width?: string;
  summary?: boolean;
}

function readReport(file: string, cwd: string): MergePart {
  let raw: unknown;
  try {
    const outcome = readRegularFile(path.resolve(cwd, file));
    if ('notRegular' in outcome) throw new Error(notRegularReason(outcome.notRegular));
    if ('missing' in outcome) throw new Error('no such file');
    if ('tooLarge' in outcome) throw new Error(`too large (${outcome.tooLarge} bytes)`);
    raw = JSON.parse(outcome.text);
  } catch (error) {
    throw new UsageError(`Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    const report = jsonReportSchema.parse(raw);
    const result: ScanResult = {
      ...(report.shard ? { shard: report.shard } : {}),
      findings: report.findings,
      // The JSON keeps each directive's kind, line and reason; the rule it named is the finding's own.
      suppressed: report.suppressed.map(({ suppression, ...finding }) => ({
        finding,
        suppression: { ...suppression, file: finding.file, ruleIds: [finding.ruleId] },
      })),
      warnings: report.warnings,
      errors: report.errors,
      skipped: report.skipped,
      summary: { ...report.summary, bySeverity: { ...emptySeverityCounts(), ...report.summary.bySeverity } },
    };
    return { source: file, toolVersion: report.tool.version, result };
  } catch (error) {
    if (error instanceof ZodError) throw new UsageError(`${file} is not a bottleneck JSON report:\n${formatConfigIssues(error).map((l) => `  - ${l}`).join('\n')}`);
    throw error;
  }
}

/** `bottleneck merge a.json b.json --format sarif`: one report from the JSON outputs of sharded scans. */
export function mergeCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('merge')
    .description('Merge the JSON reports of sharded scans (scan --shard i/n --format json) into one report')
    .argument('<reports...>', 'JSON reports written by "bottleneck scan --format json"')
    .option('-f, --format <name>', `output format (${Object.keys(REPORTERS).join(', ')}; default terminal, or what the --output extension names)`)
    .option('-o, --output <file>', 'write the report to a file instead of stdout (.sarif, .json, .md, .xml name the format)')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices(failOnSchema.options).default('critical'))
    .option('--color', 'force colours')
    .option('--no-color', 'disable colours')
    .option('--verbose', 'terminal report: show the whole evidence chain of every finding')
    .option('--width <columns>', 'terminal report: wrap to this many columns (default: COLUMNS, the terminal width, or 80)')
    .option('--summary', 'markdown report: a short summary for a pull-request comment')
    .action((reports: string[], flags: MergeFlags) => {
      const format = singleReportFormat(flags.format, flags.output);
      const reporter = REPORTERS[format];
      if (!reporter) throw new UsageError(`Unknown format "${format}". Available: ${Object.keys(REPORTERS).join(', ')}`);
      const parts = reports.map((file) => readReport(file, io.cwd));
      const { refusals, warnings } = checkMergeParts(parts);
      if (refusals.length > 0) throw new UsageError(`cannot merge: ${refusals.join('; ')}`);
      for (const warning of warnings) io.stderr(`${TOOL_NAME}: warning: ${warning}\n`);
      const result = mergeResults(parts.map((part) => part.result));
      const color = !flags.output && wantsColor(flags.color, io.isTTY, io.env);
      // The markdown report needs its template and SARIF the rule descriptors, as in `scan`.
      const template = format === 'markdown' ? loadTemplate(io.cwd, undefined, undefined, undefined, Boolean(flags.summary)) : undefined;
      const width = reportWidth(flags.width, io, !flags.output);
      const text = reporter({
        result,
        tool: { name: TOOL_NAME, version: toolVersion() },
        color,
        failOn: flags.failOn,
        quiet: false,
        date: reportDate(io),
        rules: ruleInfos(ALL_RULES, format === 'sarif'),
        ...(template !== undefined ? { template } : {}),
        width,
        verbose: Boolean(flags.verbose),
        summary: Boolean(flags.summary),
      });
      if (flags.output) {
        writeOutputFile(path.resolve(io.cwd, flags.output), flags.output, text);
      } else {
        io.stdout(text);
      }
      setExit(exitCodeFor(result, flags.failOn));
    });
}

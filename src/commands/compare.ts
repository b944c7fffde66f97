import path from 'node:path';
import { Command, Option } from 'commander';
import { ZodError } from 'zod';
import { formatConfigIssues } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { compareClients, readClientSummary, type ClientComparison, type ClientSummary } from '../evidence/client.js';
import { compareEvidence, isRegression, type Comparison, type FindingInfo } from '../evidence/compare.js';
import { EVIDENCE_FORMAT, evidenceSchema, type EvidenceFile } from '../evidence/format.js';
import { COMPARE_FORMATS, COMPARE_REPORTERS, type CompareFormat } from '../reporters/compare.js';
import { jsonReportSchema } from '../result-schema.js';
import { notRegularReason, readRegularFile } from '../safe-fs.js';
import { TOOL_NAME, toolVersion } from '../version.js';
import { wantsColor } from './color.js';
import { EXIT_FINDINGS, EXIT_OK, reportWidth, writeOutputFile, type Io } from './io.js';

interface CompareFlags {
  findings?: string;
  client?: string[];
  format: CompareFormat;
  output?: string;
  minEffect?: string;
  width?: string;
  color?: boolean;
  failOnRegression?: boolean;
}

function readJson(file: string, cwd: string): unknown {
  try {
    const outcome = readRegularFile(path.resolve(cwd, file));
    if ('notRegular' in outcome) throw new Error(notRegularReason(outcome.notRegular));
    if ('missing' in outcome) throw new Error('no such file');
    if ('tooLarge' in outcome) throw new Error(`too large (${outcome.tooLarge} bytes)`);
    return JSON.parse(outcome.text);
  } catch (error) {
    throw new UsageError(`Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function invalid(file: string, what: string, error: ZodError, raw: unknown): UsageError {
  return new UsageError(`${file} is not ${what}:\n${formatConfigIssues(error, raw).map((line) => `  - ${line}`).join('\n')}`);
}

/** An evidence file, validated against the format the preload writes; a bad key is named. */
export function readEvidence(file: string, cwd: string): EvidenceFile {
  const raw = readJson(file, cwd);
  const format = typeof raw === 'object' && raw !== null ? (raw as { format?: unknown }).format : undefined;
  if (typeof format === 'string' && format !== EVIDENCE_FORMAT && format.startsWith('bottleneck-evidence/')) {
    throw new UsageError(`${file} is evidence format "${format}"; this version of ${TOOL_NAME} reads "${EVIDENCE_FORMAT}"`);
  }
  const parsed = evidenceSchema.safeParse(raw);
  if (!parsed.success) throw invalid(file, `a ${TOOL_NAME} evidence file (${EVIDENCE_FORMAT}, written by the preload)`, parsed.error, raw);
  return parsed.data;
}

function readFindings(file: string, cwd: string): FindingInfo[] {
  const raw = readJson(file, cwd);
  const parsed = jsonReportSchema.safeParse(raw);
  if (!parsed.success) throw invalid(file, `a ${TOOL_NAME} JSON report (scan --format json)`, parsed.error, raw);
  return parsed.data.findings.map((f) => ({ fingerprint: f.fingerprint, ruleId: f.ruleId, severity: f.severity, file: f.file, line: f.line, message: f.message, impact: f.impact, params: f.params }));
}

function readClient(file: string, cwd: string): ClientSummary {
  const raw = readJson(file, cwd);
  try {
    const summary = readClientSummary(raw);
    if ('unknown' in summary) throw new UsageError(`${file} is not a k6 summary (--summary-export or handleSummary JSON) or autocannon --json output`);
    return summary;
  } catch (error) {
    if (error instanceof ZodError) throw invalid(file, 'a k6 or autocannon summary this command can read', error, raw);
    throw error;
  }
}

function parseMinEffect(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ratio = Number(value);
  if (!Number.isFinite(ratio) || ratio <= 1) throw new UsageError(`Invalid --min-effect "${value}". Expected a ratio above 1, e.g. 1.5`);
  return ratio;
}

/**
 * `bottleneck compare before.json after.json`: the preload's evidence from two runs of the service (before
 * and after the fix), joined by finding, with an interval and a verdict per finding; and with `--client`
 * the load generator's own figures before and after.
 */
export function compareCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('compare')
    .description('Compare runtime evidence (from the preload) of the service before and after a fix: per finding, the measured change with an interval and a verdict')
    .argument('[before]', 'evidence file written by the preload on the service as found')
    .argument('[after]', 'evidence file written by the preload on the service with the fix')
    .option('--findings <report>', 'the JSON report of the scan the preload was given (scan --format json): adds each finding\'s message, severity and prediction')
    .option('--client <files...>', 'two client-side summaries, before and after: k6 --summary-export or handleSummary JSON, or autocannon --json')
    .addOption(new Option('-f, --format <name>', 'output format').choices([...COMPARE_FORMATS]).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--min-effect <ratio>', 'the smallest ratio counted as an effect (default 1.2; the measured noise band raises it)')
    .option('--width <columns>', 'text format: wrap to this many columns (default: COLUMNS, the terminal width, or 80)')
    .option('--color', 'force colours')
    .option('--no-color', 'disable colours')
    .option('--fail-on-regression', 'exit 1 when a finding measured worse after the fix (its interval wholly under 1/noise floor)')
    .action((before: string | undefined, after: string | undefined, flags: CompareFlags) => {
      if (before !== undefined && after === undefined) throw new UsageError('compare needs two evidence files: before.json after.json');
      if (flags.client && flags.client.length !== 2) throw new UsageError(`--client needs two files, before and after (got ${flags.client.length})`);
      if (before === undefined && !flags.client) throw new UsageError('nothing to compare: give two evidence files (before.json after.json), --client before.json after.json, or both');
      if (flags.findings && before === undefined) throw new UsageError('--findings joins evidence files: give before.json and after.json too');
      const minEffect = parseMinEffect(flags.minEffect);
      let comparison: Comparison | undefined;
      if (before !== undefined && after !== undefined) {
        const findings = flags.findings ? readFindings(flags.findings, io.cwd) : undefined;
        comparison = compareEvidence({ file: before, evidence: readEvidence(before, io.cwd) }, { file: after, evidence: readEvidence(after, io.cwd) }, {
          ...(findings ? { findings } : {}),
          ...(minEffect !== undefined ? { minEffect } : {}),
        });
      }
      let client: ClientComparison | undefined;
      if (flags.client) {
        const [b, a] = flags.client as [string, string];
        client = compareClients({ file: b, summary: readClient(b, io.cwd) }, { file: a, summary: readClient(a, io.cwd) });
      }
      const color = flags.format === 'text' && !flags.output && wantsColor(flags.color, io.isTTY, io.env);
      const text = COMPARE_REPORTERS[flags.format]({
        ...(comparison ? { comparison } : {}),
        ...(client ? { client } : {}),
        tool: { name: TOOL_NAME, version: toolVersion() },
        color,
        width: reportWidth(flags.width, io, !flags.output),
      });
      if (flags.output) writeOutputFile(path.resolve(io.cwd, flags.output), flags.output, text);
      else io.stdout(text);
      setExit(flags.failOnRegression && comparison?.sites.some(isRegression) ? EXIT_FINDINGS : EXIT_OK);
    });
}

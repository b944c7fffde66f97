/** Pure renderers of probe results: findings with `verification` in, text out. */
import { Chalk, type ChalkInstance } from 'chalk';
import type { Finding } from '../findings.js';
import type { ProbeRunSummary } from './run.js';
import { verdictSummary, verdictText } from '../reporters/verification.js';
import type { Measurement, Verification } from './types.js';
import { describeInterval } from './verdicts.js';
import { displayWidth, hangingWrap, wrapWords } from '../reporters/wrap.js';
import { escapeControls } from '../reporters/escape.js';

/** Columns the probe report wraps to when no width is given: the scan's terminal report's default. */
const DEFAULT_WIDTH = 80;

function statusStyle(status: Verification['status'], c: ChalkInstance): ChalkInstance {
  if (status === 'verified' || status === 'smaller-than-predicted') return c.green.bold;
  if (status === 'fix-failed') return c.red.bold;
  if (status === 'demonstrated') return c.cyan.bold;
  return status === 'skipped' ? c.gray : c.yellow.bold;
}

function verdictOf(v: Verification, c: ChalkInstance): string {
  return statusStyle(v.status, c)(verdictText(v.status, v.mode));
}

/** What the verdict rests on, in words: coverage of the finding's line and the interval of the effect. */
export function evidenceLines(v: Verification): string[] {
  const out: string[] = [];
  const reached = v.evidence?.reached;
  if (reached) {
    out.push(
      reached.executed
        ? `${reached.file}:${reached.line} executed ${reached.count} time${reached.count === 1 ? '' : 's'} (V8 coverage of your module, source-mapped)`
        : `${reached.file}:${reached.line} did not execute (V8 coverage of your module, source-mapped${reached.positions === 0 ? '; no compiled code maps to the line' : ''})`,
    );
  }
  if (v.evidence?.interval) out.push(`${describeInterval(v.evidence.interval)}${v.evidence.minEffect !== undefined ? `; minimum effect ${v.evidence.minEffect}x` : ''}${v.evidence.predicted !== undefined ? `, predicted ${v.evidence.predicted}x` : ''}`);
  return out;
}

export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  return value.toLocaleString('en-US', { maximumFractionDigits: abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3 });
}

export function formatRatio(ratio: number | null): string {
  return ratio === null ? '—' : `${formatValue(ratio)}x`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => displayWidth(row[i] ?? '')))) ?? [];
  const pad = (cell: string, i: number): string => ' '.repeat(Math.max(0, (widths[i] ?? 0) - displayWidth(cell)));
  return rows.map((row) => row.map((cell, i) => (i === 0 ? cell + pad(cell, i) : pad(cell, i) + cell)).join('   ').trimEnd());
}

/**
 * The measurements as a table when it fits in `room` columns; otherwise one block per metric (its name on
 * a line, then `before -> after (ratio)` under it), so a narrow terminal never gets a table broken mid-row.
 */
function measurementLines(measurements: Measurement[], room: number): { lines: string[]; table: boolean } {
  const rows = table(measurementRows(measurements));
  if (rows.every((row) => displayWidth(row) <= room)) return { lines: rows, table: true };
  const lines: string[] = [];
  for (const m of measurements) {
    lines.push(...wrapWords(`${m.metric} (${m.unit})`, room));
    lines.push(...wrapWords(`  before ${formatValue(m.before)} -> after ${formatValue(m.after)} (${formatRatio(m.ratio)})`, room));
  }
  return { lines, table: false };
}

/** `label` then `text` wrapped under it, indented by two columns; the label is dimmed after the layout. */
function note(label: string, text: string, width: number, c: ChalkInstance): string[] {
  return hangingWrap(`  ${label} `, escapeControls(text), width).map((line, i) => (i === 0 ? line.replace(label, c.dim(label)) : line));
}

/** The finding's location, rule and verdict, wrapped so that nothing passes `width`; a trailer breaks between words. */
function headLines(finding: Finding, verdict: string, verdictWidth: number, width: number, c: ChalkInstance, trailer = ''): string[] {
  const where = `${finding.file}:${finding.line}:${finding.column}`;
  // `gap`: the spaces before the part when it stays on the line (two between fields, one before a word).
  const parts = [
    { width: displayWidth(where), shown: c.underline(where), gap: 2 },
    { width: displayWidth(finding.ruleId), shown: finding.ruleId, gap: 2 },
    { width: verdictWidth, shown: verdict, gap: 2 },
    ...(trailer ? trailer.split(' ') : []).map((word, i) => ({ width: displayWidth(word), shown: c.dim(word), gap: 1 })),
  ];
  // A location longer than the whole line is the one thing cut, as the scan's terminal report does.
  const lines = wrapWords(where, width).map((piece) => c.underline(piece));
  let line = lines.pop() ?? '';
  let used = displayWidth(wrapWords(where, width).at(-1) ?? '');
  for (const part of parts.slice(1)) {
    if (used === 0) {
      line = part.shown;
      used = part.width;
    } else if (used + part.gap + part.width > width) {
      lines.push(line);
      line = `  ${part.shown}`;
      used = 2 + part.width;
    } else {
      line += ' '.repeat(part.gap) + part.shown;
      used += part.gap + part.width;
    }
  }
  lines.push(line);
  return lines;
}

function measurementRows(measurements: Measurement[]): string[][] {
  return [
    ['metric', 'before', 'after', 'ratio'],
    ...measurements.map((m) => [`${m.metric} (${m.unit})`, formatValue(m.before), formatValue(m.after), formatRatio(m.ratio)]),
  ];
}

export function formatVerification(finding: Finding, c: ChalkInstance, width = DEFAULT_WIDTH): string {
  const v = finding.verification;
  if (!v) return headLines(finding, c.gray('not probed'), displayWidth('not probed'), width, c).join('\n');
  const out = headLines(finding, verdictOf(v, c), displayWidth(verdictText(v.status, v.mode)), width, c);
  if (v.reason && v.status !== 'verified') out.push(...note(v.status === 'skipped' ? 'why:' : 'note:', v.reason, width, c));
  for (const line of evidenceLines(v)) out.push(...note('evidence:', line, width, c));
  if (v.measurements.length > 0) {
    const { lines, table: isTable } = measurementLines(v.measurements, width - 2);
    lines.forEach((row, i) => out.push(`  ${isTable && i <= 1 ? c.bold(row) : row}`));
  }
  if (v.load) out.push(...note('load:', v.load, width, c));
  if (v.sharedWith) out.push(...wrapWords(`measurement shared by ${v.sharedWith} findings with the same parameters`, width - 2).map((line) => `  ${c.dim(line)}`));
  for (const item of v.notes) out.push(...note('•', item, width, c));
  return out.join('\n');
}

export function terminalProbeReport(findings: Finding[], summary: ProbeRunSummary, color: boolean, width = DEFAULT_WIDTH): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const out: string[] = [];
  // Several findings sharing one measurement print its table once; the others point to it.
  const printed = new Map<Verification, string>();
  for (const finding of findings) {
    const v = finding.verification;
    const first = v ? printed.get(v) : undefined;
    if (v && first && v.measurements.length > 0) {
      out.push(...headLines(finding, verdictOf(v, c), displayWidth(verdictText(v.status, v.mode)), width, c, `(same measurement as ${first})`), '');
      continue;
    }
    if (v) printed.set(v, `${finding.file}:${finding.line}`);
    out.push(formatVerification(finding, c, width), '');
  }
  const verifications = findings.flatMap((f) => (f.verification ? [f.verification] : []));
  const lead = `Probed ${findings.length} finding${findings.length === 1 ? '' : 's'}`;
  const tail = `${lead}: ${verdictSummary(verifications)} · ${summary.measurements} measurement${summary.measurements === 1 ? '' : 's'} in ${(summary.durationMs / 1000).toFixed(1)}s (budget ${(summary.budgetMs / 1000).toFixed(0)}s)${summary.interrupted ? ' · interrupted: partial results' : ''}`;
  for (const line of wrapWords(tail, width)) {
    const shown = line.startsWith(lead) ? c.bold(lead) + line.slice(lead.length) : line;
    out.push(summary.interrupted ? shown.replace('interrupted: partial results', c.yellow('interrupted: partial results')) : shown);
  }
  return `${out.join('\n')}\n`;
}

/** Adds `verification` to each finding of a scan's JSON report (the JSON reporter maps known fields only). */
export function withVerificationJson(scanJson: string, findings: Finding[], summary: ProbeRunSummary): string {
  const parsed = JSON.parse(scanJson) as { findings?: Array<Record<string, unknown>> } & Record<string, unknown>;
  parsed.findings = (parsed.findings ?? []).map((entry, index) => {
    const verification = findings[index]?.verification;
    return verification && !('verification' in entry) ? { ...entry, verification } : entry;
  });
  parsed.probe = { ...summary, verdicts: verdictSummary(findings.flatMap((f) => (f.verification ? [f.verification] : []))) };
  return `${JSON.stringify(parsed, null, 2)}\n`;
}

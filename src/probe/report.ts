/** Pure renderers of probe results: findings with `verification` in, text out. */
import { Chalk, type ChalkInstance } from 'chalk';
import type { Finding } from '../findings.js';
import type { ProbeRunSummary } from './run.js';
import { verdictSummary, verdictText } from '../reporters/verification.js';
import type { Measurement, Verification } from './types.js';
import { describeInterval } from './verdicts.js';

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
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('   ').trimEnd());
}

function measurementRows(measurements: Measurement[]): string[][] {
  return [
    ['metric', 'before', 'after', 'ratio'],
    ...measurements.map((m) => [`${m.metric} (${m.unit})`, formatValue(m.before), formatValue(m.after), formatRatio(m.ratio)]),
  ];
}

export function formatVerification(finding: Finding, c: ChalkInstance): string {
  const v = finding.verification;
  const where = `${finding.file}:${finding.line}:${finding.column}`;
  if (!v) return `${c.underline(where)}  ${finding.ruleId}  ${c.gray('not probed')}`;
  const head = `${c.underline(where)}  ${finding.ruleId}  ${verdictOf(v, c)}`;
  const out = [head];
  if (v.reason && v.status !== 'verified') out.push(`  ${c.dim(v.status === 'skipped' ? 'why:' : 'note:')} ${v.reason}`);
  for (const line of evidenceLines(v)) out.push(`  ${c.dim('evidence:')} ${line}`);
  if (v.measurements.length > 0) {
    const [header, ...rows] = table(measurementRows(v.measurements));
    out.push(`  ${c.bold(header ?? '')}`);
    rows.forEach((row, i) => out.push(`  ${i === 0 ? c.bold(row) : row}`));
  }
  if (v.load) out.push(`  ${c.dim('load:')} ${v.load}`);
  if (v.sharedWith) out.push(`  ${c.dim(`measurement shared by ${v.sharedWith} findings with the same parameters`)}`);
  for (const note of v.notes) out.push(`  ${c.dim('•')} ${note}`);
  return out.join('\n');
}

export function terminalProbeReport(findings: Finding[], summary: ProbeRunSummary, color: boolean): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const out: string[] = [];
  // Several findings sharing one measurement print its table once; the others point to it.
  const printed = new Map<Verification, string>();
  for (const finding of findings) {
    const v = finding.verification;
    const first = v ? printed.get(v) : undefined;
    if (v && first && v.measurements.length > 0) {
      out.push(`${c.underline(`${finding.file}:${finding.line}:${finding.column}`)}  ${finding.ruleId}  ${verdictOf(v, c)} ${c.dim(`(same measurement as ${first})`)}`, '');
      continue;
    }
    if (v) printed.set(v, `${finding.file}:${finding.line}`);
    out.push(formatVerification(finding, c), '');
  }
  const verifications = findings.flatMap((f) => (f.verification ? [f.verification] : []));
  out.push(
    `${c.bold(`Probed ${findings.length} finding${findings.length === 1 ? '' : 's'}`)}: ${verdictSummary(verifications)} · ${summary.measurements} measurement${summary.measurements === 1 ? '' : 's'} in ${(summary.durationMs / 1000).toFixed(1)}s (budget ${(summary.budgetMs / 1000).toFixed(0)}s)${summary.interrupted ? c.yellow(' · interrupted: partial results') : ''}`,
  );
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

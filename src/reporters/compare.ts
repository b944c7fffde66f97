/**
 * Pure renderers of `bottleneck compare`: a comparison (and the client-side figures) in, a string out.
 * `text` wraps to the given width as the scan's terminal report does; `markdown` is what the README's
 * worked example embeds; `json` is the comparison itself, for machines.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { ClientComparison } from '../evidence/client.js';
import type { CompareStatus, Comparison, SiteComparison } from '../evidence/compare.js';
import { escapeControls } from './escape.js';
import { formatNumber } from './verification.js';
import { displayWidth, hangingWrap, wrapWords } from './wrap.js';

export const COMPARE_FORMATS = ['text', 'json', 'markdown'] as const;
export type CompareFormat = (typeof COMPARE_FORMATS)[number];

export interface CompareReportInput {
  comparison?: Comparison;
  client?: ClientComparison;
  tool: { name: string; version: string };
  color?: boolean;
  width?: number;
}

/** The probe's verdict names, said of the running service. */
const STATUS_TEXT: Record<CompareStatus, string> = {
  verified: 'VERIFIED on your service',
  'smaller-than-predicted': 'SMALLER THAN PREDICTED on your service',
  'not-reproduced': 'NOT REPRODUCED on your service',
  inconclusive: 'INCONCLUSIVE',
  'not-reached': 'NOT REACHED',
};
const STATUS_ORDER: CompareStatus[] = ['verified', 'smaller-than-predicted', 'not-reproduced', 'inconclusive', 'not-reached'];

export function statusText(status: CompareStatus): string {
  return STATUS_TEXT[status];
}

/** "2 verified on your service, 1 not reproduced on your service, 1 not reached". */
export function compareSummary(sites: SiteComparison[]): string {
  const parts = STATUS_ORDER.flatMap((status) => {
    const n = sites.filter((s) => s.status === status).length;
    return n > 0 || status === 'verified' ? [`${n} ${STATUS_TEXT[status].toLowerCase()}`] : [];
  });
  return `${sites.length} finding${sites.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

const ratioText = (ratio: number | null) => (ratio === null ? '—' : `${formatNumber(ratio)}x`);
const value = (v: number | null) => (v === null ? '—' : formatNumber(v));

/** "span.ms (median) 61.2 -> 20.4 ms: 3x" */
function changeText(site: SiteComparison): string | undefined {
  const m = site.metric;
  if (!m) return undefined;
  return `${m.name} (${m.statistic}) ${formatNumber(m.before)} -> ${formatNumber(m.after)} ${m.unit}: ${ratioText(m.ratio)} (${m.better} is better; > 1x means the fix helped)`;
}

function intervalText(site: SiteComparison): string {
  const i = site.interval;
  if (!i) return `no interval (${site.metric ? `${site.metric.samples.before} and ${site.metric.samples.after} samples` : 'no samples'}; at least 10 a side are needed)`;
  return `95% bootstrap interval ${formatNumber(i.low)}x-${formatNumber(i.high)}x (${i.samples.before} and ${i.samples.after} samples)`;
}

function floorText(site: SiteComparison, minEffect: number): string {
  const band = site.noise ? `, before-vs-before noise band ${formatNumber(site.noise.low)}x-${formatNumber(site.noise.high)}x` : '';
  return `noise floor ${formatNumber(site.floor)}x (minimum effect ${formatNumber(minEffect)}x${band})${site.predicted !== undefined ? `; predicted ${formatNumber(site.predicted)}x` : ''}`;
}

function hitsText(site: SiteComparison): string {
  const side = (n: number | undefined) => (n === undefined ? 'absent' : formatNumber(n));
  return `site ran ${side(site.hits.before)} times before, ${side(site.hits.after)} after`;
}

function statusStyle(status: CompareStatus, c: ChalkInstance): ChalkInstance {
  if (status === 'verified' || status === 'smaller-than-predicted') return c.green.bold;
  return status === 'not-reached' ? c.gray.bold : c.yellow.bold;
}

function runLine(run: Comparison['before']): string {
  return `${run.file}${run.label ? ` (${run.label})` : ''}: ${formatNumber(run.requests)} requests served in ${formatNumber(run.wallMs / 1000)} s`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('   ').trimEnd());
}

function clientRows(client: ClientComparison): string[][] {
  return [['client', 'before', 'after', 'ratio'], ...client.rows.map((r) => [`${r.metric} (${r.unit})`, value(r.before), value(r.after), ratioText(r.ratio)])];
}

function clientHeading(client: ClientComparison): string {
  return client.before.kind === client.after.kind ? `Client side (${client.before.kind})` : `Client side (${client.before.kind} vs ${client.after.kind})`;
}

export function renderCompareText(input: CompareReportInput): string {
  const c = new Chalk({ level: input.color ? 1 : 0 });
  const width = Math.max(40, input.width ?? 80);
  const out: string[] = [];
  const wrap = (label: string, text: string) => out.push(...hangingWrap(label, escapeControls(text), width));
  const comparison = input.comparison;
  if (comparison) {
    out.push(c.bold('Runtime evidence, before vs after the fix'));
    wrap('  before: ', runLine(comparison.before));
    wrap('  after:  ', runLine(comparison.after));
    for (const site of comparison.sites) {
      out.push('');
      const where = escapeControls(`${site.file}:${site.line}`);
      const verdict = statusStyle(site.status, c)(statusText(site.status));
      const rule = escapeControls(site.ruleId);
      // The verdict, rule and place on one line when they fit; the place on its own line otherwise.
      if (displayWidth(`${statusText(site.status)}  ${rule}  ${where}`) <= width) out.push(`${verdict}  ${rule}  ${c.underline(where)}`);
      else out.push(`${verdict}  ${rule}`, ...wrapWords(where, width - 4).map((line) => `    ${c.underline(line)}`));
      if (site.finding) wrap('    ', `${site.finding.severity}: ${site.finding.message}`);
      const change = changeText(site);
      if (change) {
        wrap('    change:   ', change);
        wrap('    interval: ', intervalText(site));
        wrap('    noise:    ', floorText(site, comparison.minEffect));
      }
      wrap('    reached:  ', hitsText(site));
      if (site.reason) wrap('    why:      ', site.reason);
    }
    out.push('', ...wrapWords(compareSummary(comparison.sites), width).map((line) => c.bold(line)));
    for (const warning of comparison.warnings) wrap(c.yellow('warning: '), warning);
  }
  if (input.client) {
    if (out.length > 0) out.push('');
    out.push(c.bold(clientHeading(input.client)));
    out.push(...table(clientRows(input.client)).map((line) => `  ${line}`));
    for (const note of input.client.notes) for (const line of wrapWords(`note: ${note}`, width - 2)) out.push(`  ${line}`);
  }
  return `${out.join('\n')}\n`;
}

const cell = (text: string) => escapeControls(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderCompareMarkdown(input: CompareReportInput): string {
  const out: string[] = [];
  const comparison = input.comparison;
  if (comparison) {
    out.push(`Before: ${cell(runLine(comparison.before))}. After: ${cell(runLine(comparison.after))}.`, '');
    out.push('| Verdict | Finding | Primary metric | Before | After | Change | 95% interval | Noise floor |', '| --- | --- | --- | ---: | ---: | ---: | --- | ---: |');
    for (const site of comparison.sites) {
      const m = site.metric;
      const interval = site.interval ? `${formatNumber(site.interval.low)}x-${formatNumber(site.interval.high)}x` : '—';
      out.push(
        `| **${statusText(site.status)}** | \`${cell(site.ruleId)}\` ${cell(`${site.file}:${site.line}`)} | ${m ? `${cell(m.name)} (${m.unit}, ${m.statistic})` : '—'} | ${m ? formatNumber(m.before) : '—'} | ${m ? formatNumber(m.after) : '—'} | ${m ? ratioText(m.ratio) : '—'} | ${interval} | ${formatNumber(site.floor)}x |`,
      );
    }
    out.push('', `**${compareSummary(comparison.sites)}**`);
    const reasons = comparison.sites.filter((s) => s.reason);
    if (reasons.length > 0) {
      out.push('');
      for (const site of reasons) out.push(`- \`${cell(site.ruleId)}\` ${cell(`${site.file}:${site.line}`)}: ${cell(site.reason as string)}`);
    }
    if (comparison.warnings.length > 0) {
      out.push('');
      for (const warning of comparison.warnings) out.push(`> warning: ${cell(warning)}`);
    }
  }
  if (input.client) {
    if (out.length > 0) out.push('');
    out.push(`${clientHeading(input.client)}:`, '', '| Client | Before | After | Ratio |', '| --- | ---: | ---: | ---: |');
    for (const r of input.client.rows) out.push(`| ${r.metric} (${r.unit}) | ${value(r.before)} | ${value(r.after)} | ${ratioText(r.ratio)} |`);
    for (const note of input.client.notes) out.push('', `Note: ${cell(note)}`);
  }
  return `${out.join('\n')}\n`;
}

export function renderCompareJson(input: CompareReportInput): string {
  return `${JSON.stringify({ tool: input.tool, ...(input.comparison ? { comparison: input.comparison } : {}), ...(input.client ? { client: input.client } : {}) }, null, 2)}\n`;
}

export const COMPARE_REPORTERS: Record<CompareFormat, (input: CompareReportInput) => string> = {
  text: renderCompareText,
  json: renderCompareJson,
  markdown: renderCompareMarkdown,
};

import type HandlebarsModule from 'handlebars';
import { loadHandlebars } from './handlebars.js';
import type { Severity } from '../findings.js';
import { buildReportContext, SUMMARY_LIMIT } from './markdown-context.js';
import type { Reporter } from './types.js';
import { formatNumber } from './verification.js';

/**
 * The markdown audit report: `buildReportContext` turns results into plain data, a Handlebars template
 * (the default `templates/report.md.hbs` or the user's) turns that into GitHub-flavoured markdown.
 * Templates compile with `noEscape` because HTML-escaping would mangle code; instead the helpers below
 * escape for where text lands (table cell, prose, inline code, fenced block).
 */

/** The longest run of `char` in `text`. */
function longestRun(text: string, char: string): number {
  let longest = 0;
  let current = 0;
  for (const c of text) {
    current = c === char ? current + 1 : 0;
    longest = Math.max(longest, current);
  }
  return longest;
}

/** Prose: `<` would otherwise start HTML on GitHub (`Promise<void>` would vanish); `>` alone is harmless. */
export function escapeText(value: string): string {
  return value.replace(/&(?=[#\w]+;)/g, '&amp;').replace(/</g, '&lt;');
}

/** A GFM table cell: pipes split cells even inside code spans, and a newline ends the row. */
export function escapeCell(value: string): string {
  return value.replace(/\\\|/g, '|').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

/** Inline code that survives backticks in the code (CommonMark: a longer backtick fence, padded). */
export function inlineCode(value: string): string {
  const text = value.replace(/\r?\n/g, ' ');
  const fence = '`'.repeat(longestRun(text, '`') + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A fenced block whose fence is longer than any backtick run inside the code. */
export function fencedCode(value: string, language: string): string {
  const fence = '`'.repeat(Math.max(3, longestRun(value, '`') + 1));
  return `${fence}${language}\n${value.replace(/\s+$/, '')}\n${fence}`;
}

/** `text` cut at a word boundary to at most `max` characters, with an ellipsis when cut. */
export function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:]+$/, '')}…`;
}

const SEVERITY_ICONS: Record<string, string> & Record<Severity, string> = { critical: '🔴', high: '🟠', medium: '🟡', low: '🔵', info: '⚪' };

function createEnvironment(): typeof HandlebarsModule {
  const hbs = loadHandlebars().create();
  const str = (value: unknown): string => (value === undefined || value === null ? '' : String(value));
  hbs.registerHelper('text', (value: unknown) => escapeText(str(value)));
  hbs.registerHelper('cell', (value: unknown) => escapeCell(escapeText(str(value))));
  // For cells that already hold markdown (links, inline code): escape pipes only.
  hbs.registerHelper('rawCell', (value: unknown) => escapeCell(str(value)));
  hbs.registerHelper('code', (value: unknown) => inlineCode(str(value)));
  hbs.registerHelper('fence', (value: unknown, language: unknown) => fencedCode(str(value), typeof language === 'string' ? language : ''));
  hbs.registerHelper('link', (label: unknown, url: unknown) => (typeof url === 'string' && url ? `[${inlineCode(str(label))}](${url})` : inlineCode(str(label))));
  hbs.registerHelper('icon', (severity: unknown) => (typeof severity === 'string' ? (SEVERITY_ICONS[severity] ?? '') : ''));
  hbs.registerHelper('num', (value: unknown) => (typeof value === 'number' ? formatNumber(value) : str(value)));
  hbs.registerHelper('ratio', (value: unknown) => (typeof value === 'number' ? `${formatNumber(value)}×` : '–'));
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('plural', (count: unknown, word: unknown) => `${str(count)} ${str(word)}${count === 1 ? '' : 's'}`);
  // A Mermaid chart (the source from `charts`); nothing when there is nothing to draw.
  hbs.registerHelper('mermaid', (value: unknown) => (typeof value === 'string' && value ? fencedCode(value, 'mermaid') : ''));
  // Text cut to `max` characters at a word boundary, for summaries; unescaped, so wrap it: {{cell (short message 200)}}.
  hbs.registerHelper('short', (value: unknown, max: unknown) => shorten(str(value), typeof max === 'number' ? max : 160));
  hbs.registerHelper('join', (list: unknown, separator: unknown) => (Array.isArray(list) ? list.map(str).join(typeof separator === 'string' ? separator : ', ') : ''));
  return hbs;
}

let environmentCache: typeof HandlebarsModule | undefined;
const environment = (): typeof HandlebarsModule => (environmentCache ??= createEnvironment());
const compiled = new Map<string, HandlebarsTemplateDelegate>();

/** Collapses the blank-line runs that block helpers leave, so the output diff stays readable. */
function tidy(markdown: string): string {
  const lines = markdown.split('\n');
  const out: string[] = [];
  let inFence = '';
  for (const line of lines) {
    const fence = /^(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence && (!inFence || (fence[0] === inFence[0] && fence.length >= inFence.length && line.trim() === fence))) inFence = inFence ? '' : fence;
    if (!inFence && line.trim() === '' && (out.length === 0 || out[out.length - 1]?.trim() === '')) continue;
    out.push(inFence ? line : line.replace(/\s+$/, ''));
  }
  return `${out.join('\n').trim()}\n`;
}

/** GitHub refuses a comment over 65,536 characters; a summary stays under this many bytes (so under that, too). */
export const SUMMARY_MAX_BYTES = 60 * 1024;

export const markdownReporter: Reporter = (input) => {
  if (input.template === undefined) throw new Error('The markdown report needs a template (the CLI passes templates/report.md.hbs by default)');
  let template = compiled.get(input.template);
  if (!template) {
    template = environment().compile(input.template, { noEscape: true, strict: false });
    compiled.set(input.template, template);
  }
  if (!input.summary) return tidy(template(buildReportContext(input)));
  // A summary must fit a PR comment: name fewer findings until it does (long paths or messages can make ten too many).
  let limit = SUMMARY_LIMIT;
  for (;;) {
    const text = tidy(template(buildReportContext(input, limit)));
    if (Buffer.byteLength(text) <= SUMMARY_MAX_BYTES || limit === 0) return text;
    limit = Math.floor(limit / 2);
  }
};

import { Chalk, type ChalkInstance } from 'chalk';
import { isAtOrAbove, SEVERITIES, type Finding, type Severity } from '../findings.js';
import type { Reporter } from './types.js';
import { escapeControls } from './escape.js';
import { fixDiff } from './fix-diff.js';
import { codePieces, displayWidth, hangingWrap, piecesWidth, wrapCode, wrapWords } from './wrap.js';

/**
 * The terminal report, in the shape of rustc's and Biome's diagnostics: per finding a header (severity,
 * rule, location), the message, the snippet framed with the reported span underlined, at most three notes
 * (why, impact, fix) and the fix as a diff against the snippet; `verbose` adds the whole evidence chain.
 * Everything is laid out as plain text within `width` columns, then coloured.
 */

export const DEFAULT_WIDTH = 80;
/** Narrower than this, a frame has no room for code: lay out as if the terminal were this wide. */
const MIN_WIDTH = 40;

const SEVERITY_STYLE: Record<Severity, (c: ChalkInstance) => ChalkInstance> = {
  critical: (c) => c.bgRed.white.bold,
  high: (c) => c.red.bold,
  medium: (c) => c.yellow,
  low: (c) => c.cyan,
  info: (c) => c.gray,
};

/** Underlines and span markers: the severity's colour without the background. */
const MARK_STYLE: Record<Severity, (c: ChalkInstance) => ChalkInstance> = {
  critical: (c) => c.red.bold,
  high: (c) => c.red.bold,
  medium: (c) => c.yellow.bold,
  low: (c) => c.cyan.bold,
  info: (c) => c.gray,
};

interface Layout {
  width: number;
  c: ChalkInstance;
  /** Columns of the line-number gutter. */
  gutter: number;
  mark: ChalkInstance;
}

function gutterCell(layout: Layout, line?: number): string {
  return layout.c.blue(`${line === undefined ? ''.padStart(layout.gutter) : String(line).padStart(layout.gutter)} │`);
}

/**
 * `HIGH fake-compression/encoding-only src/cache.ts:7:1`: what falls past the width goes to the next line,
 * the location as `  --> src/cache.ts:7:1`.
 */
function header(finding: Finding, layout: Layout): string[] {
  const { c, width } = layout;
  const critical = finding.severity === 'critical';
  const label = finding.severity.toUpperCase();
  const parts = [
    { text: critical ? ` ${label} ` : label, style: SEVERITY_STYLE[finding.severity](c) },
    { text: escapeControls(finding.ruleId), style: c.bold },
    ...(finding.confidence === 'high' ? [] : [{ text: `(${finding.confidence} confidence)`, style: c.dim }]),
  ];
  const location = `${escapeControls(finding.file)}:${finding.line}:${finding.column}`;
  // The critical label keeps its padding (it prints on a red background); the rest may wrap between words.
  const pieces = parts.flatMap((part) => (part === parts[0] ? [part] : wrapWords(part.text, width - 2).map((text) => ({ text, style: part.style }))));
  const { lines, line, used } = flow(pieces, width);
  if (used + 1 + displayWidth(location) <= width) return [...lines, `${line} ${c.underline(location)}`];
  return [...lines, line, ...wrapWords(location, width - 6).map((part, i) => `${c.blue(i === 0 ? '  --> ' : '      ')}${c.underline(part)}`)];
}

/** The snippet with line numbers; a one-line span underlined with carets, a longer one marked in the margin. */
function frame(finding: Finding, layout: Layout): string[] {
  if (!finding.snippet) return [];
  const { c, mark } = layout;
  const lines = finding.snippet.split('\n');
  const multi = finding.endLine > finding.line;
  const complete = lines.length === finding.endLine - finding.line + 1;
  const margin = multi ? 2 : 0;
  const room = layout.width - (layout.gutter + 3) - margin;
  const out: string[] = [gutterCell(layout)];
  let endColumnOnScreen = 0;
  lines.forEach((text, index) => {
    const pieces = codePieces(text);
    const rows = wrapCode(pieces, room);
    const spanStart = index === 0 ? finding.column - 1 : 0;
    // An empty span (a position) still gets one caret.
    const spanEnd = !multi ? Math.max(finding.endColumn - 1, spanStart + 1) : pieces.length;
    rows.forEach((row, r) => {
      const marker = !multi ? '' : index === 0 && r === 0 ? '┌ ' : '│ ';
      out.push(`${gutterCell(layout, r === 0 ? finding.line + index : undefined)} ${mark(marker)}${' '.repeat(row.indent)}${pieces.slice(row.start, row.end).join('')}`.trimEnd());
      if (!multi) {
        const from = Math.max(spanStart, row.start);
        const to = Math.min(spanEnd, row.end);
        if (to > from) {
          const carets = '^'.repeat(Math.max(1, piecesWidth(pieces, from, to)));
          out.push(`${gutterCell(layout)} ${' '.repeat(row.indent + piecesWidth(pieces, row.start, from))}${mark(carets)}`);
        }
      }
    });
    if (multi && index === lines.length - 1) {
      const lastRow = rows[rows.length - 1] ?? { start: 0, end: 0, indent: 0 };
      const endPiece = complete ? Math.min(finding.endColumn - 1, pieces.length) : pieces.length;
      endColumnOnScreen = Math.max(1, lastRow.indent + piecesWidth(pieces, lastRow.start, endPiece));
    }
  });
  if (multi) {
    if (!complete) out.push(`${gutterCell(layout)} ${mark('│ ')}${c.dim(`… ${finding.endLine - finding.line + 1 - lines.length} more lines`)}`);
    out.push(`${gutterCell(layout)} ${mark(`└${'─'.repeat(endColumnOnScreen)}^`)}`);
  }
  return out;
}

/** `= label: text`, wrapped under the text. */
function note(label: string, text: string, layout: Layout): string[] {
  const lead = `${' '.repeat(layout.gutter + 1)}= `;
  const lines = hangingWrap(`${lead}${label}: `, escapeControls(text), layout.width);
  return lines.map((line) => (line.startsWith(lead) ? layout.c.blue(lead) + line.slice(lead.length).replace(`${label}:`, layout.c.bold(`${label}:`)) : line));
}

/** The fix as `-`/`+` lines against the snippet, numbered like the frame. */
function diff(finding: Finding, layout: Layout): string[] {
  const lines = fixDiff(finding);
  if (lines.length === 0) return [];
  const { c } = layout;
  const room = layout.width - (layout.gutter + 3) - 2;
  const out: string[] = [gutterCell(layout)];
  for (const line of lines) {
    const style = line.kind === '-' ? c.red : line.kind === '+' ? c.green : c.dim;
    const pieces = codePieces(line.text);
    wrapCode(pieces, room).forEach((row, r) => {
      const sign = r === 0 ? line.kind : ' ';
      out.push(`${gutterCell(layout, r === 0 ? line.line : undefined)} ${style(`${sign} ${' '.repeat(row.indent)}${pieces.slice(row.start, row.end).join('')}`.trimEnd())}`);
    });
  }
  return out;
}

/** Evidence that states why the finding has its severity (`severity high (...)`, `lowered to medium`, `runs per request: high`). */
const SEVERITY_REASON = /^severity\b|\b(lowered|raised|graded)\b|: (critical|high|medium|low|info)$/;

/** The line of evidence that explains the severity, else the last one: the rules end their chain with the conclusion. */
function why(finding: Finding): string | undefined {
  return [...finding.evidence].reverse().find((line) => SEVERITY_REASON.test(line)) ?? finding.evidence[finding.evidence.length - 1];
}

function formatFinding(finding: Finding, width: number, c: ChalkInstance, verbose: boolean): string {
  const snippetLines = finding.snippet ? finding.snippet.split('\n').length : 0;
  const layout: Layout = { width, c, gutter: String(finding.line + Math.max(0, snippetLines - 1)).length, mark: MARK_STYLE[finding.severity](c) };
  const out = [...header(finding, layout), ...wrapWords(escapeControls(finding.message), width - 2).map((line) => `  ${c.bold(line)}`)];
  out.push(...frame(finding, layout));
  const notes: string[] = [];
  if (verbose) {
    if (finding.evidence.length > 0) {
      notes.push(...note('evidence', '', layout).map((line) => line.trimEnd()));
      const bullet = `${' '.repeat(layout.gutter + 3)}- `;
      for (const item of finding.evidence) notes.push(...hangingWrap(bullet, escapeControls(item), width).map((line) => line.replace(bullet, `${' '.repeat(layout.gutter + 3)}${c.dim('-')} `)));
    }
    notes.push(...note('confidence', finding.confidence, layout));
  } else {
    const reason = why(finding);
    if (reason) notes.push(...note('why', reason, layout));
  }
  if (finding.impact) notes.push(...note('impact', finding.impact, layout));
  notes.push(...note('fix', `${finding.fix.description} (${finding.effort} effort)`, layout));
  if (notes.length > 0) out.push(gutterCell(layout), ...notes);
  out.push(...diff(finding, layout));
  return out.join('\n');
}

function plural(count: number, word: string): string {
  return `${count.toLocaleString('en-US')} ${word}${count === 1 ? '' : 's'}`;
}

/** A list entry, `  file:line  message`, the message wrapped beside the location (or under it when that leaves too little room). */
function listItem(location: string, message: string, width: number): string[] {
  const label = `  ${escapeControls(location)}  `;
  if (displayWidth(label) + 30 > width) return [...wrapWords(label.trimEnd(), width), ...wrapWords(escapeControls(message), width - 4).map((line) => `    ${line}`)];
  return hangingWrap(label, escapeControls(message), width);
}

export const terminalReporter: Reporter = ({ result, color, failOn, quiet, width: requested, verbose }) => {
  const width = Math.max(MIN_WIDTH, requested ?? DEFAULT_WIDTH);
  const c = new Chalk({ level: color ? 1 : 0 });
  const findings = quiet && failOn !== 'none' ? result.findings.filter((f) => isAtOrAbove(f.severity, failOn)) : result.findings;
  const out: string[] = [];
  for (const finding of findings) {
    out.push(formatFinding(finding, width, c, Boolean(verbose)));
    out.push('');
  }
  if (result.errors.length > 0) {
    out.push(c.red.bold('Errors'));
    for (const error of result.errors) out.push(...listItem(`${error.file}${error.line ? `:${error.line}` : ''}`, error.message, width));
    out.push('');
  }
  const warnings = result.warnings ?? [];
  if (warnings.length > 0) {
    out.push(c.yellow.bold('Warnings'));
    for (const warning of warnings) out.push(...listItem(`${warning.file}${warning.line ? `:${warning.line}` : ''}`, warning.message, width));
    out.push('');
  }
  if (result.baseline) {
    const { source, newCount, present, fixed } = result.baseline;
    out.push(...wrapWords(escapeControls(`Baseline ${source}: ${plural(newCount, 'new finding')}, ${present.length} still present, ${fixed.length} fixed${fixed.length > 0 ? ' (update the baseline to drop them)' : ''}`), width));
    out.push('');
  }
  if (result.skipped.length > 0 && !quiet) {
    out.push(c.dim(`Skipped ${plural(result.skipped.length, 'file')}:`));
    for (const skipped of result.skipped) out.push(...listItem(`${skipped.file}:`, skipped.reason, width).map((line) => c.dim(line)));
    out.push('');
  }
  out.push(...summaryLine(result, width, c));
  return `${out.join('\n')}\n`;
};

/** `✖ 5 findings (1 critical, 4 high) in 3 files (120 lines) · 0.12s`, wrapped between its parts. */
function summaryLine(result: Parameters<Reporter>[0]['result'], width: number, c: ChalkInstance): string[] {
  const total = result.findings.length;
  const parts: Array<{ text: string; style: (s: string) => string }> = [];
  parts.push(total === 0 ? { text: '✔ No performance findings', style: c.green } : { text: `✖ ${plural(total, 'finding')}`, style: c.bold });
  const counts = SEVERITIES.filter((s) => result.summary.bySeverity[s] > 0);
  counts.forEach((s, i) => {
    const text = `${result.summary.bySeverity[s]} ${s}`;
    parts.push({ text: `${i === 0 ? '(' : ''}${text}${i === counts.length - 1 ? ')' : ','}`, style: (value) => value.replace(text, SEVERITY_STYLE[s](c)(text)) });
  });
  const suppressedCount = result.suppressed?.length ?? 0;
  if (suppressedCount > 0) parts.push({ text: `· ${suppressedCount} suppressed`, style: (s) => s });
  parts.push({ text: `in ${plural(result.summary.files, 'file')} (${plural(result.summary.lines, 'line')})`, style: (s) => s });
  parts.push({ text: `· ${(result.summary.durationMs / 1000).toFixed(2)}s`, style: (s) => s });
  if (result.errors.length > 0) parts.push({ text: `· ${plural(result.errors.length, 'error')}`, style: (s) => s });
  const { lines, line } = flow(parts, width);
  return [...lines, line];
}

/**
 * Styled pieces laid out in lines of at most `width` columns, a space between pieces and continuation lines
 * indented by two: the full lines, and the last one still open with its width.
 */
function flow(pieces: Array<{ text: string; style: (text: string) => string }>, width: number): { lines: string[]; line: string; used: number } {
  const lines: string[] = [];
  let line = '';
  let used = 0;
  for (const piece of pieces) {
    const w = displayWidth(piece.text);
    if (used > 0 && used + 1 + w > width) {
      lines.push(line);
      line = '  ';
      used = 2;
    } else if (used > 0) {
      line += ' ';
      used += 1;
    }
    line += piece.style(piece.text);
    used += w;
  }
  return { lines, line, used };
}

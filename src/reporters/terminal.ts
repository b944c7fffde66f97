import { Chalk, type ChalkInstance } from 'chalk';
import { isAtOrAbove, SEVERITIES, type Finding, type Severity } from '../findings.js';
import type { Reporter } from './types.js';
import { escapeControls } from './escape.js';

const SEVERITY_STYLE: Record<Severity, (c: ChalkInstance) => ChalkInstance> = {
  critical: (c) => c.bgRed.white.bold,
  high: (c) => c.red.bold,
  medium: (c) => c.yellow,
  low: (c) => c.cyan,
  info: (c) => c.gray,
};

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => (line.length > 0 ? prefix + line : line))
    .join('\n');
}

function codeFrame(finding: Finding, c: ChalkInstance): string {
  if (!finding.snippet) return '';
  const lines = escapeControls(finding.snippet).split('\n');
  const width = String(finding.line + lines.length - 1).length;
  return lines.map((text, i) => `${c.gray(`${String(finding.line + i).padStart(width)} |`)} ${text}`).join('\n');
}

function formatFinding(finding: Finding, c: ChalkInstance): string {
  const label = SEVERITY_STYLE[finding.severity](c)(` ${finding.severity.toUpperCase()} `);
  const parts = [
    `  ${c.dim(`${finding.line}:${finding.column}`)}  ${label} ${escapeControls(finding.message)}  ${c.dim(`${finding.ruleId} (confidence ${finding.confidence})`)}`,
  ];
  const frame = codeFrame(finding, c);
  if (frame) parts.push(indent(frame, '    '));
  if (finding.evidence.length > 0) parts.push(finding.evidence.map((e) => `    ${c.dim('•')} ${escapeControls(e)}`).join('\n'));
  if (finding.impact) parts.push(`    ${c.bold('Impact:')} ${escapeControls(finding.impact)}`);
  parts.push(`    ${c.bold('Fix')} ${c.dim(`(${finding.effort} effort)`)}: ${escapeControls(finding.fix.description)}`);
  if (finding.fix.replacement) parts.push(indent(c.green(escapeControls(finding.fix.replacement)), '      '));
  return parts.join('\n');
}

function plural(count: number, word: string): string {
  return `${count.toLocaleString('en-US')} ${word}${count === 1 ? '' : 's'}`;
}

export const terminalReporter: Reporter = ({ result, color, failOn, quiet }) => {
  const c = new Chalk({ level: color ? 1 : 0 });
  const findings = quiet && failOn !== 'none' ? result.findings.filter((f) => isAtOrAbove(f.severity, failOn)) : result.findings;
  const out: string[] = [];
  const byFile = new Map<string, Finding[]>();
  for (const finding of findings) {
    const list = byFile.get(finding.file) ?? [];
    list.push(finding);
    byFile.set(finding.file, list);
  }
  for (const [file, list] of byFile) {
    out.push(c.underline(escapeControls(file)));
    out.push(list.map((f) => formatFinding(f, c)).join('\n\n'));
    out.push('');
  }
  if (result.errors.length > 0) {
    out.push(c.red.bold('Errors'));
    for (const error of result.errors) out.push(escapeControls(`  ${error.file}${error.line ? `:${error.line}` : ''}  ${error.message}`));
    out.push('');
  }
  const warnings = result.warnings ?? [];
  if (warnings.length > 0) {
    out.push(c.yellow.bold('Warnings'));
    for (const warning of warnings) out.push(escapeControls(`  ${warning.file}${warning.line ? `:${warning.line}` : ''}  ${warning.message}`));
    out.push('');
  }
  if (result.baseline) {
    const { source, newCount, present, fixed } = result.baseline;
    out.push(`Baseline ${source}: ${plural(newCount, 'new finding')}, ${present.length} still present, ${fixed.length} fixed${fixed.length > 0 ? ' (update the baseline to drop them)' : ''}`);
    out.push('');
  }
  if (result.skipped.length > 0 && !quiet) {
    out.push(c.dim(`Skipped ${plural(result.skipped.length, 'file')}:`));
    for (const skipped of result.skipped) out.push(c.dim(escapeControls(`  ${skipped.file}: ${skipped.reason}`)));
    out.push('');
  }
  const counts = SEVERITIES.filter((s) => result.summary.bySeverity[s] > 0).map((s) => SEVERITY_STYLE[s](c)(`${result.summary.bySeverity[s]} ${s}`));
  const total = result.findings.length;
  const head = total === 0 ? c.green('✔ No performance findings') : c.bold(`✖ ${plural(total, 'finding')}`);
  const detail = counts.length > 0 ? ` (${counts.join(', ')})` : '';
  const seconds = (result.summary.durationMs / 1000).toFixed(2);
  const suppressedCount = result.suppressed?.length ?? 0;
  const suppressedNote = suppressedCount > 0 ? ` · ${suppressedCount} suppressed` : '';
  out.push(`${head}${detail}${suppressedNote} in ${plural(result.summary.files, 'file')} (${plural(result.summary.lines, 'line')}) · ${seconds}s${result.errors.length > 0 ? ` · ${plural(result.errors.length, 'error')}` : ''}`);
  return `${out.join('\n')}\n`;
};

import { isAtOrAbove, type Severity } from '../findings.js';
import type { Reporter } from './types.js';
import { verdictSummary, verificationLine, verificationOf } from './verification.js';

/**
 * GitHub Actions workflow commands: one `::error file=...,line=...::message` line per finding, which the
 * runner turns into annotations on the pull request diff. Escaping follows the runner's rules
 * (actions/toolkit `command.ts`): `%`, CR and LF in the message; additionally `:` and `,` in properties.
 */

type Command = 'error' | 'warning' | 'notice';

const COMMANDS: Record<Severity, Command> = { critical: 'error', high: 'error', medium: 'warning', low: 'notice', info: 'notice' };

export function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function command(kind: Command, properties: Record<string, string | number | undefined>, message: string): string {
  const props = Object.entries(properties)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
    .join(',');
  return `::${kind}${props ? ` ${props}` : ''}::${escapeData(message)}`;
}

export const githubReporter: Reporter = ({ result, tool, failOn, quiet }) => {
  const lines: string[] = [];
  const findings = quiet && failOn !== 'none' ? result.findings.filter((f) => isAtOrAbove(f.severity, failOn)) : result.findings;
  for (const f of findings) {
    const sameLine = f.endLine === f.line;
    const verification = verificationOf(f);
    const body = [f.message, f.impact && `Impact: ${f.impact}`, verification && verificationLine(verification), `Fix (${f.effort}): ${f.fix.description}`, f.fix.replacement].filter(Boolean).join('\n');
    lines.push(
      command(
        COMMANDS[f.severity],
        {
          file: f.file,
          line: f.line,
          endLine: f.endLine,
          // The runner only honours columns on single-line annotations.
          col: sameLine ? f.column : undefined,
          endColumn: sameLine ? f.endColumn : undefined,
          title: `${tool.name}: ${f.ruleId} (${f.severity})`,
        },
        body,
      ),
    );
  }
  for (const e of result.errors) lines.push(command('warning', { file: e.file, line: e.line, title: `${tool.name}: scan error` }, e.message));
  for (const w of result.warnings ?? []) lines.push(command('warning', { file: w.file, line: w.line, title: `${tool.name}: ${w.kind}` }, w.message));
  const suppressed = result.suppressed?.length ?? 0;
  const baseline = result.baseline ? ` (baseline: ${result.baseline.present.length} still present, ${result.baseline.fixed.length} fixed)` : '';
  const verifications = result.findings.flatMap((f) => verificationOf(f) ?? []);
  const probed = verifications.length > 0 ? `; probe: ${verdictSummary(verifications)}` : '';
  lines.push(`${tool.name}: ${result.findings.length} finding${result.findings.length === 1 ? '' : 's'}${suppressed ? `, ${suppressed} suppressed` : ''} in ${result.summary.files} files${baseline}${probed}`);
  return `${lines.join('\n')}\n`;
};

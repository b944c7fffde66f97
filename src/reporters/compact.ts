import type { Reporter } from './types.js';
import { escapeControls } from './escape.js';

/** One line of text: newlines and control characters from scanned code cannot start a new line or move the cursor. */
const oneLine = (text: string): string => escapeControls(text.replace(/\r?\n/g, ' '));

/**
 * One line per finding, `file:line:col: severity rule-id message`, like ESLint's unix/compact formats: for
 * grep, editors' quickfix lists and short CI logs. Scan errors follow as `file:line:col: error message`.
 */
export const compactReporter: Reporter = ({ result }) => {
  const lines = result.findings.map((f) => `${oneLine(f.file)}:${f.line}:${f.column}: ${f.severity} ${oneLine(f.ruleId)} ${oneLine(f.message)}`);
  for (const error of result.errors) lines.push(`${oneLine(error.file)}:${error.line ?? 1}:1: error ${oneLine(error.message)}`);
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
};

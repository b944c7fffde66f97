import type { Finding } from '../findings.js';

/** One line of a fix shown as a diff against the reported snippet. */
export interface DiffLine {
  kind: ' ' | '-' | '+';
  text: string;
  /** The source line number, for lines of the snippet (context and removed lines). */
  line?: number;
}

const indentOf = (text: string): string => /^[ \t]*/.exec(text)?.[0] ?? '';

/**
 * The fix as a line diff against the snippet, read from the readable fields (`snippet`, the reported range
 * and `fix.replacement`): the one place that knows how a replacement maps onto the code, so it can move to
 * exact edits without touching the reporters. A one-line replacement, or one for a range that starts at the
 * line's first code, replaces the range inside its lines; any other replacement (a block to write instead of
 * part of a line) replaces the snippet's lines. Empty when there is no replacement or no snippet.
 */
export function fixDiff(finding: Pick<Finding, 'snippet' | 'line' | 'column' | 'endLine' | 'endColumn' | 'fix'>): DiffLine[] {
  const replacement = (finding.fix.replacement ?? '').replace(/\s+$/, '');
  if (!finding.snippet || !replacement) return [];
  const old = finding.snippet.split('\n');
  const first = old[0] ?? '';
  const last = old[old.length - 1] ?? '';
  const complete = old.length === finding.endLine - finding.line + 1;
  const prefix = first.slice(0, finding.column - 1);
  const added = replacement.split('\n');
  let next: string[];
  if (complete && (added.length === 1 || prefix.trim() === '')) {
    let suffix = last.slice(finding.endColumn - 1);
    // A statement written whole (or a block) already ends the line: no second `;` from the original.
    if (suffix.trim() === ';' && (replacement.endsWith(';') || (added.length > 1 && replacement.endsWith('}')))) suffix = '';
    const joined = [...reindent(added, indentOf(prefix))];
    joined[0] = prefix + joined[0];
    joined[joined.length - 1] += suffix;
    next = joined.join('\n').split('\n');
  } else {
    next = reindent(added, indentOf(first)).map((line, i) => (i === 0 ? indentOf(first) + line : line));
  }
  return lineDiff(old, next, finding.line);
}

/**
 * Continuation lines written from column 0 get the indentation of where the replacement starts; indented
 * ones were written for their place in the file and stay as they are.
 */
function reindent(lines: string[], indent: string): string[] {
  const rest = lines.slice(1).filter((line) => line.trim() !== '');
  if (rest.length === 0 || !indent) return lines;
  if (Math.min(...rest.map((line) => indentOf(line).length)) > 0) return lines;
  return lines.map((line, i) => (i === 0 || line.trim() === '' ? line : indent + line));
}

/** A longest-common-subsequence line diff; snippets are short (the engine caps them), so O(n*m) is fine. */
function lineDiff(old: string[], next: string[], firstLine: number): DiffLine[] {
  const n = old.length;
  const m = next.length;
  const common: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      common[i]![j] = old[i] === next[j] ? common[i + 1]![j + 1]! + 1 : Math.max(common[i + 1]![j]!, common[i]![j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && old[i] === next[j]) {
      out.push({ kind: ' ', text: old[i]!, line: firstLine + i });
      i += 1;
      j += 1;
    } else if (i < n && (j >= m || common[i + 1]![j]! >= common[i]![j + 1]!)) {
      out.push({ kind: '-', text: old[i]!, line: firstLine + i });
      i += 1;
    } else {
      out.push({ kind: '+', text: next[j]! });
      j += 1;
    }
  }
  return out;
}

import type { Suppression, SuppressionKind } from '../findings.js';

/**
 * Inline suppression directives, read from comment tokens only (a directive inside a string or a template
 * literal is text, not a directive):
 *
 *   // bottleneck-disable-next-line sequential-await -- the calls share a transaction
 *   // bottleneck-disable-file uncleared-timer, fake-compression -- one-shot CLI script
 *
 * The rule list is comma or space separated; no list means every rule. The reason after ` -- ` is
 * required by policy, but a directive without one still applies: the collector warns instead, so a missing
 * reason never turns into a surprise failure.
 */

const DIRECTIVE = /^\s*(?:\/\/|\/\*+|\*)?\s*bottleneck-disable-(next-line|file)\b(.*)$/s;

/** Cheap pre-check so files without directives are never tokenised. */
export function mayContainSuppressions(text: string): boolean {
  return text.includes('bottleneck-disable-');
}

/** The comment text without its delimiters and the leading asterisks of JSDoc-style lines. */
function commentBody(raw: string): string {
  if (!raw.startsWith('/*')) return raw.slice(2);
  return raw
    .slice(2, raw.endsWith('*/') ? -2 : undefined)
    .split('\n')
    .map((line) => line.replace(/^\s*\*+/, ''))
    .join(' ');
}

export function parseDirective(body: string): { kind: SuppressionKind; ruleIds: string[]; reason?: string } | undefined {
  const match = DIRECTIVE.exec(body.trim());
  if (!match) return undefined;
  const kind: SuppressionKind = match[1] === 'file' ? 'file' : 'next-line';
  const rest = (match[2] ?? '').replace(/\s*\*\/\s*$/, '');
  const separator = rest.search(/(^|\s)--(\s|$)/);
  const rulesText = separator === -1 ? rest : rest.slice(0, separator);
  const reasonText = separator === -1 ? '' : rest.slice(separator).replace(/^\s*--/, '').trim();
  const ruleIds = rulesText
    .split(/[\s,]+/)
    .map((id) => id.trim())
    .filter((id) => id.length > 0);
  return { kind, ruleIds, ...(reasonText ? { reason: reasonText } : {}) };
}

/** Keywords after which a `/` starts a regular expression, although they look like identifiers. */
const REGEX_AFTER_WORD = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);

/**
 * Finds every directive comment in a file with a small lexer of its own rather than the TypeScript
 * parser: directives are read in every scanned file (also those no rule needed to parse), so this stays
 * cheap and independent of when the compiler is loaded. It knows just enough JavaScript to never mistake
 * text in strings, template literals (with nested `${}`) and regular expressions for a comment.
 */
export function parseSuppressions(text: string, file: string): Suppression[] {
  if (!mayContainSuppressions(text)) return [];
  const suppressions: Suppression[] = [];
  // Brace depth inside each open template substitution, innermost last.
  const templates: number[] = [];
  let line = 1;
  // What came before a `/`: a value (division) or not (regular expression).
  let afterValue = false;
  let i = 0;
  const n = text.length;

  const addComment = (raw: string, endLine: number) => {
    const directive = parseDirective(commentBody(raw));
    // A next-line directive in a block comment applies to the line after the comment's last line.
    if (directive) suppressions.push({ ...directive, file, line: endLine });
  };
  const countLines = (from: number, to: number) => {
    for (let k = from; k < to; k += 1) if (text.charCodeAt(k) === 10) line += 1;
  };
  /** Skips a template literal's text from `i` (just after a backtick or a closing `}`). */
  const templateText = () => {
    while (i < n) {
      const c = text[i];
      if (c === '\\') i += 2;
      else if (c === '`') {
        i += 1;
        return;
      } else if (c === '$' && text[i + 1] === '{') {
        i += 2;
        templates.push(0);
        return;
      } else {
        if (c === '\n') line += 1;
        i += 1;
      }
    }
  };

  while (i < n) {
    const c = text[i] ?? '';
    const next = text[i + 1];
    if (c === '\n') {
      line += 1;
      i += 1;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i += 1;
    } else if (c === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? n : end;
      addComment(text.slice(i, stop), line);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? n : end + 2;
      const raw = text.slice(i, stop);
      countLines(i, stop);
      addComment(raw, line);
      i = stop;
    } else if (c === '"' || c === "'") {
      i += 1;
      while (i < n && text[i] !== c && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
      i += 1;
      afterValue = true;
    } else if (c === '`') {
      i += 1;
      templateText();
      afterValue = true;
    } else if (c === '/' && !afterValue) {
      // A regular expression literal: skip to its closing slash (not inside a character class).
      let inClass = false;
      i += 1;
      while (i < n && text[i] !== '\n') {
        const r = text[i];
        if (r === '\\') i += 1;
        else if (r === '[') inClass = true;
        else if (r === ']') inClass = false;
        else if (r === '/' && !inClass) break;
        i += 1;
      }
      i += 1;
      afterValue = true;
    } else if (c === '{') {
      if (templates.length > 0) templates.push((templates.pop() ?? 0) + 1);
      i += 1;
      afterValue = false;
    } else if (c === '}') {
      i += 1;
      const depth = templates.pop();
      if (depth === undefined) afterValue = false;
      else if (depth > 0) templates.push(depth - 1);
      else {
        // The `}` closes a template substitution: the template's text goes on.
        templateText();
        afterValue = true;
      }
    } else if (/[\w$]/.test(c)) {
      const start = i;
      while (i < n && /[\w$]/.test(text[i] ?? '')) i += 1;
      afterValue = !REGEX_AFTER_WORD.has(text.slice(start, i));
    } else {
      afterValue = c === ')' || c === ']';
      i += 1;
    }
  }
  return suppressions;
}

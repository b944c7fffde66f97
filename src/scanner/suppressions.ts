import type { Suppression, SuppressionKind } from '../findings.js';
import { ts } from './ts.js';

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

/** Tokens after which a `/` starts a division, not a regular expression. */
function endsExpression(kind: ts.SyntaxKind): boolean {
  return (
    kind === ts.SyntaxKind.Identifier ||
    kind === ts.SyntaxKind.CloseParenToken ||
    kind === ts.SyntaxKind.CloseBracketToken ||
    kind === ts.SyntaxKind.CloseBraceToken ||
    kind === ts.SyntaxKind.NumericLiteral ||
    kind === ts.SyntaxKind.BigIntLiteral ||
    kind === ts.SyntaxKind.StringLiteral ||
    kind === ts.SyntaxKind.NoSubstitutionTemplateLiteral ||
    kind === ts.SyntaxKind.TemplateTail ||
    kind === ts.SyntaxKind.RegularExpressionLiteral ||
    kind === ts.SyntaxKind.ThisKeyword ||
    kind === ts.SyntaxKind.SuperKeyword ||
    kind === ts.SyntaxKind.TrueKeyword ||
    kind === ts.SyntaxKind.FalseKeyword ||
    kind === ts.SyntaxKind.NullKeyword ||
    kind === ts.SyntaxKind.PlusPlusToken ||
    kind === ts.SyntaxKind.MinusMinusToken
  );
}

/**
 * Finds every directive comment in a file. Uses the TypeScript scanner without a parse, re-scanning the
 * two context-dependent tokens the way the parser would (`}` closing a template substitution, `/` starting
 * a regular expression), so it also works on files no rule needed to parse.
 */
export function parseSuppressions(text: string, file: string, jsx = false): Suppression[] {
  if (!mayContainSuppressions(text)) return [];
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, jsx ? ts.LanguageVariant.JSX : ts.LanguageVariant.Standard, text);
  const suppressions: Suppression[] = [];
  // Brace depth inside each open template substitution, innermost last.
  const templateDepths: number[] = [];
  let previous = ts.SyntaxKind.Unknown;
  let lineStarts: number[] | undefined;
  const lineOf = (pos: number): number => {
    if (!lineStarts) {
      lineStarts = [0];
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
    }
    const starts = lineStarts;
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((starts[mid] ?? 0) <= pos) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
  for (let guard = 0; guard <= text.length + 1; guard += 1) {
    let kind = scanner.scan();
    if (kind === ts.SyntaxKind.EndOfFileToken) break;
    if (kind === ts.SyntaxKind.SingleLineCommentTrivia || kind === ts.SyntaxKind.MultiLineCommentTrivia) {
      const raw = scanner.getTokenText();
      const directive = parseDirective(commentBody(raw));
      if (directive) {
        // A next-line directive in a block comment applies to the line after the comment's last line.
        const line = lineOf(kind === ts.SyntaxKind.MultiLineCommentTrivia ? scanner.getTokenEnd() - 1 : scanner.getTokenStart());
        suppressions.push({ ...directive, file, line });
      }
      continue;
    }
    if (kind === ts.SyntaxKind.WhitespaceTrivia || kind === ts.SyntaxKind.NewLineTrivia || kind === ts.SyntaxKind.ShebangTrivia) continue;
    if (kind === ts.SyntaxKind.TemplateHead) templateDepths.push(0);
    else if (kind === ts.SyntaxKind.OpenBraceToken && templateDepths.length > 0) templateDepths.push((templateDepths.pop() ?? 0) + 1);
    else if (kind === ts.SyntaxKind.CloseBraceToken && templateDepths.length > 0) {
      const depth = templateDepths[templateDepths.length - 1] ?? 0;
      if (depth === 0) {
        kind = scanner.reScanTemplateToken(false);
        if (kind === ts.SyntaxKind.TemplateTail) templateDepths.pop();
      } else {
        templateDepths[templateDepths.length - 1] = depth - 1;
      }
    } else if ((kind === ts.SyntaxKind.SlashToken || kind === ts.SyntaxKind.SlashEqualsToken) && !endsExpression(previous)) {
      kind = scanner.reScanSlashToken();
    }
    previous = kind;
  }
  return suppressions;
}

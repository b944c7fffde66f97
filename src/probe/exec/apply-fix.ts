/**
 * Puts a finding's `fix.replacement` into its file for the "after" side of `--exec`. The replacement does
 * not always cover the reported range: a consecutive-await fix replaces exactly the reported statements,
 * but a loop fix replaces the whole loop around the reported `await`, and a timer fix the statement (or
 * helper function) around the reported `setTimeout`. So the range replaced is, among the reported range
 * the syntax nodes enclosing it and the runs of statements around it, the one whose tokens are most like
 * the replacement's: L / sqrt(a * b), with L the longest common token subsequence of the two (a and b
 * tokens; comments and whitespace ignored). Unlike a Dice score, this penalises a candidate that carries
 * original statements the fix dropped or left out (the `return` after a rewritten loop) as much as one
 * that misses some. Candidates are tried best first; one is taken only if the file still compiles and no
 * variable the replaced code declared, and the rest of the file reads, disappears with it.
 */
import { transform, type TransformOptions } from 'esbuild';
import { ts } from '../../scanner/ts.js';
import { parseSource } from './locate.js';

/** Below this similarity no candidate is close enough to be the code the fix rewrites. */
const MIN_SIMILARITY = 0.5;
/** Longest run of statements considered (a fix rewrites a few statements, not a whole body). */
const MAX_RUN = 8;
/** Candidates larger than this many tokens are not compared (the LCS table grows with the product). */
const MAX_TOKENS = 4_000;

export interface FixLocation {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

function tokens(text: string): string[] {
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, true, ts.LanguageVariant.Standard, text);
  const out: string[] = [];
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken && out.length <= MAX_TOKENS; kind = scanner.scan()) out.push(scanner.getTokenText());
  return out;
}

/** Length of the longest common subsequence, in two rows of memory. */
function lcs(a: string[], b: string[]): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (const token of a) {
    const current = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) current[j] = token === b[j - 1] ? (previous[j - 1] as number) + 1 : Math.max(previous[j] as number, current[j - 1] as number);
    previous = current;
  }
  return previous[b.length] as number;
}

export function similarity(a: string, b: string): number {
  const ta = tokens(a);
  const tb = tokens(b);
  if (ta.length === 0 || tb.length === 0 || ta.length > MAX_TOKENS || tb.length > MAX_TOKENS) return 0;
  return lcs(ta, tb) / Math.sqrt(ta.length * tb.length);
}

function loaderFor(fileName: string): 'ts' | 'tsx' | 'js' | 'jsx' {
  return /\.tsx$/.test(fileName) ? 'tsx' : /\.jsx$/.test(fileName) ? 'jsx' : /\.[cm]?js$/.test(fileName) ? 'js' : 'ts';
}

/** Names bound by variable declarations (including destructuring) inside `text`. */
function declaredNames(text: string, fileName: string): Set<string> {
  const names = new Set<string>();
  const visitName = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) names.add(name.text);
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) visitName(element.name);
  };
  const wrapped = parseSource(`async function __wrap() {\n${text}\n}`, fileName);
  const body = (wrapped.statements[0] as ts.FunctionDeclaration | undefined)?.body;
  // Only names code after the text can see: `var` anywhere, `let`/`const` at the text's own top level. A
  // loop's or block's own `const id` ends with it, so a fix that drops it drops nothing the file reads.
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isVariableDeclarationList(node.parent)) {
      const list = node.parent;
      const functionScoped = (list.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0;
      if (functionScoped || (ts.isVariableStatement(list.parent) && list.parent.parent === body)) visitName(node.name);
    }
    ts.forEachChild(node, visit);
  };
  // Wrapped in an async function so `await` and `return` parse as they do in the original body.
  visit(wrapped);
  return names;
}

/** True when the edit drops a variable the rest of the file still reads. */
function dropsUsedBinding(text: string, fileName: string, span: { start: number; end: number }, replacement: string): boolean {
  const kept = declaredNames(replacement, fileName);
  const rest = tokens(text.slice(0, span.start) + text.slice(span.end));
  for (const name of declaredNames(text.slice(span.start, span.end), fileName)) if (!kept.has(name) && rest.includes(name)) return true;
  return false;
}

/** The file with the replacement in place, and the replaced span; or why it could not be placed. */
export async function applyFix(
  text: string,
  fileName: string,
  range: FixLocation,
  replacement: string,
  /**
   * What the rule's fix is known to rewrite: a particular enclosing node (a loop), or exactly the reported
   * range. Only that is a candidate then.
   */
  rewrites?: ((node: ts.Node) => boolean) | 'reported-range',
): Promise<{ text: string; start: number; end: number } | { skip: string; fixFailed?: true }> {
  if (replacement.trim().length === 0) return { skip: 'the finding has no replacement code to apply' };
  const sourceFile = parseSource(text, fileName);
  const lineStarts = sourceFile.getLineStarts();
  const offset = (line: number, column: number) => (lineStarts[line - 1] ?? text.length) + column - 1;
  const start = offset(range.line, range.column);
  const end = offset(range.endLine, range.endColumn);
  if (start < 0 || end > text.length || end < start) return { skip: 'the reported range is not in the file (the file changed since the scan?)' };
  const spans: Array<{ start: number; end: number }> = [{ start, end }];
  // Every node that contains the range, innermost first, up to (not including) the file itself.
  let node: ts.Node | undefined;
  const visit = (current: ts.Node): void => {
    if (current.getStart(sourceFile) <= start && end <= current.getEnd()) {
      node = current;
      ts.forEachChild(current, visit);
    }
  };
  ts.forEachChild(sourceFile, visit);
  if (rewrites === 'reported-range') {
    spans.splice(1);
  } else if (rewrites) {
    let target = node;
    while (target && !rewrites(target)) target = target.parent;
    if (!target) return { skip: 'the code the fix rewrites is not around the reported range' };
    spans.splice(0, spans.length, { start: target.getStart(sourceFile), end: target.getEnd() });
  }
  for (let current = rewrites === undefined ? node : undefined; current && !ts.isSourceFile(current); current = current.parent) {
    spans.push({ start: current.getStart(sourceFile), end: current.getEnd() });
    // Runs of sibling statements that include this one: a fix may rewrite the statement with its neighbours.
    const list = ts.isBlock(current.parent) || ts.isSourceFile(current.parent) ? current.parent.statements : undefined;
    const index = list ? list.indexOf(current as ts.Statement) : -1;
    if (!list || index < 0) continue;
    for (let first = Math.max(0, index - MAX_RUN + 1); first <= index; first++) {
      for (let last = index; last < Math.min(list.length, first + MAX_RUN); last++) {
        if (first !== last) spans.push({ start: (list[first] as ts.Statement).getStart(sourceFile), end: (list[last] as ts.Statement).getEnd() });
      }
    }
  }
  // The file as found must compile with the options the fix is checked with, or a failure says nothing of
  // the fix. Legacy decorators (a parameter decorator, Nest and TypeORM code) need experimentalDecorators,
  // which a project sets in a tsconfig this check does not read.
  let options: TransformOptions = { loader: loaderFor(fileName), sourcefile: fileName, logLevel: 'silent' };
  const compiles = async (code: string, transformOptions: TransformOptions): Promise<string | undefined> => {
    try {
      await transform(code, transformOptions);
      return undefined;
    } catch (error) {
      return errorText(error);
    }
  };
  const asFound = await compiles(text, options);
  if (asFound !== undefined) {
    const legacy: TransformOptions = { ...options, tsconfigRaw: { compilerOptions: { experimentalDecorators: true } } };
    if ((await compiles(text, legacy)) !== undefined) return { skip: `your file does not compile here before any fix is applied: ${asFound}` };
    options = legacy;
  }
  // Best first; a stable sort keeps the smaller (earlier) span ahead on ties.
  const ranked = spans.map((span) => ({ ...span, score: similarity(text.slice(span.start, span.end), replacement) })).sort((a, b) => b.score - a.score);
  let firstError = '';
  // A rule known to replace exactly its reported range, or the whole node around it that `rewrites` names (a
  // loop fix replaces the loop), needs no guess at what the fix rewrites: the span is known, not scored.
  const exactRange = rewrites !== undefined;
  for (const span of ranked) {
    if (span.score < MIN_SIMILARITY && !exactRange) break;
    if (dropsUsedBinding(text, fileName, span, replacement)) continue;
    const fixed = text.slice(0, span.start) + replacement + text.slice(span.end);
    const error = await compiles(fixed, options);
    if (error === undefined) return { text: fixed, start: span.start, end: span.end };
    firstError ||= error;
  }
  const best = ranked[0]?.score ?? 0;
  if (best < MIN_SIMILARITY && !exactRange) return { skip: `could not tell which code the fix replaces (best token similarity ${best.toFixed(2)})` };
  return { skip: `the file does not compile with the fix in place${firstError ? `: ${firstError}` : ''}`, fixFailed: true };
}

/** The first esbuild message with its line, or the error's own text. */
export function errorText(error: unknown): string {
  const first = typeof error === 'object' && error !== null && 'errors' in error && Array.isArray(error.errors) ? (error.errors[0] as { text?: string; location?: { file?: string; line?: number } } | undefined) : undefined;
  const where = first?.location?.line ? ` (${(first.location.file ?? '').split(/[\\/]/).pop()}:${first.location.line})` : '';
  if (first?.text) return `${first.text}${where}`;
  return error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error);
}

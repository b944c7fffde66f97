/**
 * The load-time transform: given the text of a module the user's process is about to run and the findings
 * that name it (directly, or through the module's source map back to the scanned .ts file), returns the
 * same code with small calls into the recorder around the finding's code, and each site's state.
 *
 * It only inserts text and never inserts a line break, so every line keeps its number (stack traces and
 * source maps stay right) and the code between the insertions is the user's, byte for byte. What each
 * family wraps, and why that is enough to attribute what the recorder sees to the finding:
 * - sequential-await: each awaited operand of the site (the elements of a `Promise.all([...])` when the
 *   site awaits one), and the body of the function that runs the sequence, so one call of that function is
 *   one execution (its span and the most operands in flight at once).
 * - missing-keep-alive: the call at the site, run inside an AsyncLocalStorage context for the site; an
 *   http(s) Agent it returns is tagged, so requests through it later count for the site too, and so is a
 *   client instance it returns (axios.create(), got.extend()): its agents are tagged and its later calls
 *   run in the site's context (recorder.ts).
 * - undersized-pool: the pool construction at the site (the call enclosing the finding's option); the pool
 *   it returns is tagged, and the pool library's patched acquire reports waits for tagged pools.
 * - uncleared-timer: each setTimeout/setInterval call at the site; the timer it returns is counted until it
 *   fires or is cleared.
 * - fake-compression: each value the finding's function returns, with its first argument.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTypeScript, ts } from '../scanner/ts.js';
import type { WatchedSite } from './sites.js';

/** The name the transformed code reads the recorder through (declared once per instrumented module). */
export const RECORDER_BINDING = '__bottleneckEvidence$';
/** The global symbol key the recorder lives under, shared by the ESM and CommonJS entries. */
export const RECORDER_KEY = 'bottleneck-cli.evidence';

export type SiteState = 'instrumented' | 'not-found' | 'unsupported';
export interface SiteOutcome {
  index: number;
  state: SiteState;
  reason?: string;
}
export interface InstrumentResult {
  code: string;
  outcomes: SiteOutcome[];
}

interface Pos {
  line: number;
  column: number;
}

function compare(a: Pos, b: Pos): number {
  return a.line - b.line || a.column - b.column;
}

/** Where each generated node came from: the file itself, or the scanned file through a source map. */
interface OriginMap {
  /** 1-based position in the scanned file, or undefined when the node maps elsewhere. */
  origin(node: ts.Node): Pos | undefined;
  mapped: boolean;
}

/** Index of the watched sites by scanned file and by file stem (a cheap filter before reading a map). */
export class SiteIndex {
  private readonly byFile = new Map<string, WatchedSite[]>();
  private readonly stems = new Set<string>();

  constructor(sites: readonly WatchedSite[]) {
    for (const site of sites) {
      const list = this.byFile.get(site.absFile) ?? [];
      list.push(site);
      this.byFile.set(site.absFile, list);
      this.stems.add(stem(site.absFile));
    }
  }

  /** Whether a loaded file may hold sites: it is a scanned file, or has a scanned file's stem. */
  mayHold(filename: string): boolean {
    if (this.byFile.size === 0 || filename.includes(`${path.sep}node_modules${path.sep}`)) return false;
    return this.byFile.has(filename) || this.stems.has(stem(filename));
  }

  sitesOf(absFile: string): WatchedSite[] {
    return this.byFile.get(absFile) ?? [];
  }
}

function stem(file: string): string {
  const base = path.basename(file);
  const dot = base.indexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

interface RawSourceMap {
  sources?: unknown;
  sourceRoot?: unknown;
}

/** The source map a compiled file names in its last `sourceMappingURL` comment, with its location. */
function readSourceMap(filename: string, code: string): { payload: RawSourceMap & object; dir: string } | undefined {
  const match = /\/\/[#@] sourceMappingURL=([^\s'"]+)\s*$/.exec(code.slice(-4096));
  if (!match?.[1]) return undefined;
  const url = match[1];
  try {
    if (url.startsWith('data:')) {
      const comma = url.indexOf(',');
      const body = url.slice(comma + 1);
      const text = url.slice(0, comma).endsWith(';base64') ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body);
      return { payload: JSON.parse(text) as RawSourceMap & object, dir: path.dirname(filename) };
    }
    const mapFile = url.startsWith('file:') ? fileURLToPath(url) : path.resolve(path.dirname(filename), decodeURIComponent(url));
    return { payload: JSON.parse(readFileSync(mapFile, 'utf8')) as RawSourceMap & object, dir: path.dirname(mapFile) };
  } catch {
    return undefined;
  }
}

function resolveSource(source: string, sourceRoot: string, dir: string): string {
  if (source.startsWith('file:')) return fileURLToPath(source);
  const rooted = sourceRoot.startsWith('file:') ? fileURLToPath(sourceRoot) : sourceRoot;
  return path.resolve(dir, rooted, source);
}

/**
 * The sites a loaded file holds and how to map its nodes to the scanned file: the file itself when it is
 * the scanned file (plain .js/.mjs), else through its source map (compiled output).
 */
function locate(filename: string, code: string, index: SiteIndex): { sites: WatchedSite[]; map: (sf: ts.SourceFile) => OriginMap } | undefined {
  const direct = index.sitesOf(filename);
  if (direct.length > 0) {
    return {
      sites: direct,
      map: (sf) => ({
        mapped: false,
        origin: (node) => {
          const at = sf.getLineAndCharacterOfPosition(node.getStart(sf));
          return { line: at.line + 1, column: at.character + 1 };
        },
      }),
    };
  }
  const found = readSourceMap(filename, code);
  if (!found) return undefined;
  const sources = Array.isArray(found.payload.sources) ? found.payload.sources.filter((s): s is string => typeof s === 'string') : [];
  const sourceRoot = typeof found.payload.sourceRoot === 'string' ? found.payload.sourceRoot : '';
  const byRaw = new Map<string, string>();
  const sites: WatchedSite[] = [];
  let scanned: string | undefined;
  for (const source of sources) {
    const abs = resolveSource(source, sourceRoot, found.dir);
    const held = index.sitesOf(abs);
    if (held.length > 0 && scanned === undefined) {
      scanned = abs;
      sites.push(...held);
    }
    byRaw.set(source, abs);
  }
  if (!scanned) return undefined;
  let sourceMap: SourceMap;
  try {
    sourceMap = new SourceMap(found.payload as ConstructorParameters<typeof SourceMap>[0]);
  } catch {
    return undefined;
  }
  const target = scanned;
  return {
    sites,
    map: (sf) => ({
      mapped: true,
      origin: (node) => {
        const at = sf.getLineAndCharacterOfPosition(node.getStart(sf));
        const entry = sourceMap.findEntry(at.line, at.character) as Partial<{ originalSource: string; originalLine: number; originalColumn: number; generatedLine: number }>;
        if (entry.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) return undefined;
        if (entry.generatedLine !== at.line) return undefined;
        if ((byRaw.get(entry.originalSource) ?? resolveSource(entry.originalSource, sourceRoot, found.dir)) !== target) return undefined;
        return { line: entry.originalLine + 1, column: entry.originalColumn + 1 };
      },
    }),
  };
}

interface Insertion {
  pos: number;
  text: string;
  /** Suffixes go before prefixes at one position; among suffixes the inner node first, among prefixes the outer. */
  suffix: boolean;
  /** The other end of the wrapped node (its end for a prefix, its start for a suffix). */
  other: number;
  /** Goes before every other insertion at its position (the module prologue). */
  first?: boolean;
}

class Edits {
  private readonly list: Insertion[] = [];
  wrap(start: number, end: number, before: string, after: string): void {
    this.list.push({ pos: start, text: before, suffix: false, other: end });
    this.list.push({ pos: end, text: after, suffix: true, other: start });
  }
  /** Text before everything else inserted at `pos`. */
  prepend(pos: number, text: string): void {
    this.list.push({ pos, text, suffix: false, other: pos, first: true });
  }
  apply(code: string): string {
    const sorted = [...this.list].sort((a, b) => {
      if (a.pos !== b.pos) return a.pos - b.pos;
      if (a.first !== b.first) return a.first ? -1 : 1;
      if (a.suffix !== b.suffix) return a.suffix ? -1 : 1;
      return a.suffix ? b.other - a.other : b.other - a.other;
    });
    let out = '';
    let at = 0;
    for (const insertion of sorted) {
      out += code.slice(at, insertion.pos) + insertion.text;
      at = insertion.pos;
    }
    return out + code.slice(at);
  }
}

type FunctionLike = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction | ts.MethodDeclaration | ts.GetAccessorDeclaration | ts.SetAccessorDeclaration | ts.ConstructorDeclaration;

function isFunctionLike(node: ts.Node): node is FunctionLike {
  return ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node) || ts.isMethodDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node) || ts.isConstructorDeclaration(node);
}

function skipParens(node: ts.Expression): ts.Expression {
  let current = node;
  while (ts.isParenthesizedExpression(current)) current = current.expression;
  return current;
}

/** The function a node runs in (undefined at module level). */
function enclosingFunction(node: ts.Node): FunctionLike | undefined {
  for (let current = node.parent; current; current = current.parent) if (isFunctionLike(current)) return current;
  return undefined;
}

function contains(outer: ts.Node, inner: ts.Node): boolean {
  return inner.pos >= outer.pos && inner.end <= outer.end;
}

const COMBINATORS = new Set(['all', 'allSettled', 'any', 'race']);

interface Context {
  sf: ts.SourceFile;
  map: OriginMap;
  nodes: ts.Node[];
  edits: Edits;
  origins: Map<ts.Node, Pos | undefined>;
}

function originOf(context: Context, node: ts.Node): Pos | undefined {
  if (!context.origins.has(node)) context.origins.set(node, context.map.origin(node));
  return context.origins.get(node);
}

function inSite(context: Context, site: WatchedSite, node: ts.Node): boolean {
  const at = originOf(context, node);
  if (!at) return false;
  return compare(at, { line: site.line, column: site.column }) >= 0 && compare(at, { line: site.endLine, column: site.endColumn }) <= 0;
}

function beforeSite(context: Context, site: WatchedSite, node: ts.Node): boolean {
  const at = originOf(context, node);
  return at !== undefined && compare(at, { line: site.line, column: site.column }) < 0;
}

/** The nodes that start where the finding starts (or, failing an exact match in mapped code, first on its line at or after its column). */
function nodesAtStart(context: Context, site: WatchedSite): ts.Node[] {
  const exact = context.nodes.filter((node) => {
    const at = originOf(context, node);
    return at !== undefined && at.line === site.line && at.column === site.column;
  });
  if (exact.length > 0 || !context.map.mapped) return exact;
  let best: number | undefined;
  for (const node of context.nodes) {
    const at = originOf(context, node);
    if (at && at.line === site.line && at.column >= site.column && (best === undefined || at.column < best)) best = at.column;
  }
  return best === undefined ? [] : context.nodes.filter((node) => originOf(context, node)?.line === site.line && originOf(context, node)?.column === best);
}

function isCallOrNew(node: ts.Node): node is ts.CallExpression | ts.NewExpression {
  return ts.isCallExpression(node) || ts.isNewExpression(node);
}

/** The call at the finding: the innermost call starting there, else the nearest call enclosing its first node within its statement. */
function siteCall(context: Context, site: WatchedSite): ts.CallExpression | ts.NewExpression | undefined {
  const starting = nodesAtStart(context, site);
  if (starting.length === 0) {
    // The fix moved or removed the finding's own token (an option or a header): the outermost call that starts on its line.
    return context.nodes.filter((node): node is ts.CallExpression | ts.NewExpression => isCallOrNew(node) && originOf(context, node)?.line === site.line).sort((a, b) => b.end - b.pos - (a.end - a.pos))[0];
  }
  const calls = starting.filter(isCallOrNew).sort((a, b) => a.end - a.pos - (b.end - b.pos));
  if (calls[0]) return calls[0];
  const outermost = [...starting].sort((a, b) => b.end - b.pos - (a.end - a.pos))[0];
  for (let current = outermost?.parent; current; current = current.parent) {
    if (isCallOrNew(current)) return current;
    if (ts.isStatement(current) || isFunctionLike(current) || ts.isSourceFile(current)) return undefined;
  }
  return undefined;
}

/** Whether an await or yield runs directly in `node` (not inside a nested function): it cannot move into a callback. */
function suspends(node: ts.Node): boolean {
  let found = false;
  const visit = (child: ts.Node): void => {
    if (found || isFunctionLike(child)) return;
    if (ts.isAwaitExpression(child) || ts.isYieldExpression(child)) found = true;
    else ts.forEachChild(child, visit);
  };
  ts.forEachChild(node, visit);
  return found;
}

const R = RECORDER_BINDING;

/** Wraps a function body so `enter` runs first and `leave` when it returns or throws; keeps its directives first. */
function wrapBody(context: Context, fn: FunctionLike, name: string, index: number): boolean {
  const body = fn.body;
  if (!body) return false;
  const enter = `const ${name} = ${R}.enter(${index}); try { `;
  const leave = ` } finally { ${R}.leave(${name}); }`;
  if (ts.isBlock(body)) {
    let start = body.getStart(context.sf) + 1;
    for (const statement of body.statements) {
      if (ts.isExpressionStatement(statement) && ts.isStringLiteral(statement.expression)) start = statement.end;
      else break;
    }
    context.edits.wrap(start, body.end - 1, enter, leave);
    return true;
  }
  context.edits.wrap(body.getStart(context.sf), body.end, `{ ${enter}return (`, `);${leave} }`);
  return true;
}

/** The names of the functions an expression calls (`a.b.load(x)` gives load), outside nested functions. */
function calledNames(node: ts.Node): string[] {
  const names: string[] = [];
  const visit = (child: ts.Node): void => {
    if (isFunctionLike(child)) return;
    if (ts.isCallExpression(child) || ts.isNewExpression(child)) {
      const callee = skipParens(child.expression);
      if (ts.isIdentifier(callee)) names.push(callee.text);
      else if (ts.isPropertyAccessExpression(callee)) names.push(callee.name.text);
    }
    ts.forEachChild(child, visit);
  };
  visit(node);
  return names;
}

function planSequentialAwait(context: Context, site: WatchedSite): SiteOutcome {
  const awaits = context.nodes.filter((node): node is ts.AwaitExpression => ts.isAwaitExpression(node) && (inSite(context, site, node) || inSite(context, site, node.expression)));
  if (awaits.length === 0) {
    return { index: site.index, state: 'not-found', reason: context.map.mapped ? 'no await at the finding\'s lines in the compiled code (changed since the scan, or compiled to a target without async/await)' : 'no await at the finding\'s lines (the file changed since the scan)' };
  }
  // An await whose operand holds other site awaits (Promise.all over async callbacks) is their combinator, not one more operation.
  const ops: ts.Expression[] = [];
  for (const node of awaits) {
    if (awaits.some((other) => other !== node && contains(node.expression, other))) continue;
    const operand = skipParens(node.expression);
    const first = ts.isCallExpression(operand) ? operand.arguments[0] : undefined;
    const combinator = ts.isCallExpression(operand) && ts.isPropertyAccessExpression(operand.expression) && ts.isIdentifier(operand.expression.expression) && operand.expression.expression.text === 'Promise' && COMBINATORS.has(operand.expression.name.text);
    if (combinator && first && ts.isArrayLiteralExpression(first)) {
      for (const element of first.elements) if (!ts.isSpreadElement(element) && !ts.isOmittedExpression(element)) ops.push(element);
    } else {
      ops.push(node.expression);
    }
  }
  if (site.calls && !ops.some((op) => calledNames(op).some((name) => site.calls!.includes(name)))) {
    return { index: site.index, state: 'not-found', reason: `the awaits at the finding's lines no longer call ${site.calls.join(', ')} (the file changed since the scan)` };
  }
  // The execution is one call of the innermost function holding every await that does not itself start inside the finding (a callback passed at the site is part of the sequence).
  let scope = enclosingFunction(awaits[0]!);
  while (scope && (!awaits.every((node) => contains(scope!, node)) || !beforeSite(context, site, scope))) scope = enclosingFunction(scope);
  if (!scope) {
    return enclosingFunction(awaits[0]!)
      ? { index: site.index, state: 'not-found', reason: 'the awaits at the finding\'s lines are not one sequence in one function (the file changed since the scan)' }
      : { index: site.index, state: 'unsupported', reason: 'the awaits run at module level (top-level await), not in a function whose calls can be counted' };
  }
  const exec = `__bottleneckExec${site.index}$`;
  if (!wrapBody(context, scope, exec, site.index)) return { index: site.index, state: 'unsupported', reason: 'the function holding the awaits has no body' };
  for (const op of ops) context.edits.wrap(op.getStart(context.sf), op.end, `${R}.op(${exec}, `, ')');
  return { index: site.index, state: 'instrumented' };
}

function planCompression(context: Context, site: WatchedSite): SiteOutcome {
  const candidates = context.nodes.filter((node): node is FunctionLike => isFunctionLike(node) && inSite(context, site, node));
  const named = site.functionName ? candidates.find((fn) => fn.name !== undefined && ts.isIdentifier(fn.name) && fn.name.text === site.functionName) : undefined;
  const fn = named ?? candidates[0];
  if (!fn?.body) {
    return site.functionName
      ? { index: site.index, state: 'not-found', reason: `no function ${site.functionName} at the finding's lines (the file changed since the scan)` }
      : { index: site.index, state: 'unsupported', reason: 'the encoding is an expression inside a branch, not a function: only a function\'s calls are watched' };
  }
  if (fn.asteriskToken) return { index: site.index, state: 'unsupported', reason: 'a generator function: its output is not one value' };
  const first = fn.parameters[0];
  const input = first && ts.isIdentifier(first.name) ? first.name.text : 'undefined';
  const record = (expression: ts.Expression): void => context.edits.wrap(expression.getStart(context.sf), expression.end, `${R}.bytes(${site.index}, ${input}, `, ')');
  if (!ts.isBlock(fn.body)) {
    record(fn.body);
    return { index: site.index, state: 'instrumented' };
  }
  let returns = 0;
  const visit = (node: ts.Node): void => {
    if (isFunctionLike(node) || ts.isClassLike(node)) return;
    if (ts.isReturnStatement(node) && node.expression) {
      record(node.expression);
      returns += 1;
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(fn.body, visit);
  if (returns === 0) return { index: site.index, state: 'unsupported', reason: 'the function returns no value to measure' };
  return { index: site.index, state: 'instrumented' };
}

function isTimerCall(node: ts.Node): node is ts.CallExpression {
  if (!ts.isCallExpression(node)) return false;
  const callee = skipParens(node.expression);
  const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
  return name === 'setTimeout' || name === 'setInterval';
}

function planTimer(context: Context, site: WatchedSite): SiteOutcome {
  const calls = context.nodes.filter((node): node is ts.CallExpression => isTimerCall(node) && inSite(context, site, node));
  if (calls.length === 0) return { index: site.index, state: 'not-found', reason: 'no setTimeout or setInterval call at the finding\'s lines (the file changed since the scan)' };
  // The timer it returns carries its callback: the recorder watches it through the Timeout alone.
  for (const call of calls) context.edits.wrap(call.getStart(context.sf), call.end, `${R}.timer(${site.index}, `, ')');
  return { index: site.index, state: 'instrumented' };
}

function planPool(context: Context, site: WatchedSite): SiteOutcome {
  const call = siteCall(context, site);
  if (!call) return { index: site.index, state: 'unsupported', reason: 'no pool construction at the finding (the settings are in a configuration object built elsewhere, or the file changed since the scan)' };
  context.edits.wrap(call.getStart(context.sf), call.end, `${R}.pool(${site.index}, `, ')');
  return { index: site.index, state: 'instrumented' };
}

function planKeepAlive(context: Context, site: WatchedSite): SiteOutcome {
  const call = siteCall(context, site);
  if (!call) return { index: site.index, state: 'not-found', reason: 'no call at the finding (the file changed since the scan)' };
  // An agent's construction only needs its result tagged: no context is entered, so the process does not
  // pay for async context tracking. Code that awaits cannot move into the callback the context runs either.
  const callee = skipParens(call.expression);
  const calleeName = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : '';
  if (suspends(call) || (ts.isNewExpression(call) && /Agent$/.test(calleeName))) context.edits.wrap(call.getStart(context.sf), call.end, `${R}.agent(${site.index}, `, ')');
  else context.edits.wrap(call.getStart(context.sf), call.end, `${R}.outbound(${site.index}, () => `, ')');
  return { index: site.index, state: 'instrumented' };
}

const PLANNERS: Record<WatchedSite['family'], (context: Context, site: WatchedSite) => SiteOutcome> = {
  'sequential-await': planSequentialAwait,
  'missing-keep-alive': planKeepAlive,
  'undersized-pool': planPool,
  'uncleared-timer': planTimer,
  'fake-compression': planCompression,
};

function scriptKind(filename: string): ts.ScriptKind {
  if (/\.[cm]?tsx?$/.test(filename)) return filename.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  return filename.endsWith('.jsx') ? ts.ScriptKind.JSX : ts.ScriptKind.JS;
}

/**
 * The outcomes for a file that holds sites but could not be instrumented at all (no TypeScript parser, a
 * file it cannot parse): each of its sites unsupported, with the reason.
 */
export function failedOutcomes(filename: string, index: SiteIndex, error: unknown): SiteOutcome[] {
  const reason = `the preload could not instrument its file: ${error instanceof Error ? error.message : String(error)}`;
  return index.sitesOf(filename).map((site) => ({ index: site.index, state: 'unsupported' as const, reason }));
}

/** The statement that reports a file's outcomes to the recorder as the module starts. */
export function prologue(outcomes: readonly SiteOutcome[]): string {
  return `const ${R} = globalThis[Symbol.for(${JSON.stringify(RECORDER_KEY)})]; ${R}.loaded(${JSON.stringify(outcomes)});`;
}

/**
 * Instruments one module. Undefined when the file holds no watched site (the code then runs untouched);
 * otherwise the code to run and each of the file's sites' outcomes. A site the planner cannot handle is
 * marked unsupported with the reason; a failure to load the parser throws (see failedOutcomes).
 */
export function instrumentModule(filename: string, code: string, index: SiteIndex): InstrumentResult | undefined {
  if (!index.mayHold(filename) || code.includes(`${R}.loaded(`)) return undefined;
  // Located before parsing: a file that only shares a stem with a scanned one costs a look at its source map.
  const located = locate(filename, code, index);
  if (!located) return undefined;
  loadTypeScript();
  const sf = ts.createSourceFile(filename, code, ts.ScriptTarget.Latest, true, scriptKind(filename));
  const nodes: ts.Node[] = [];
  const collect = (node: ts.Node): void => {
    nodes.push(node);
    ts.forEachChild(node, collect);
  };
  ts.forEachChild(sf, collect);
  const context: Context = { sf, map: located.map(sf), nodes, edits: new Edits(), origins: new Map() };
  const outcomes: SiteOutcome[] = [];
  for (const site of located.sites) {
    try {
      outcomes.push(PLANNERS[site.family](context, site));
    } catch (error) {
      outcomes.push({ index: site.index, state: 'unsupported', reason: `the preload could not instrument it: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
  // After the directives ("use strict" must stay first to keep its meaning) and on the same line.
  let at = 0;
  for (const statement of sf.statements) {
    if (ts.isExpressionStatement(statement) && ts.isStringLiteral(statement.expression)) at = statement.end;
    else break;
  }
  // Without directives, before the first statement (a shebang and leading comments stay where they are).
  if (at === 0) at = sf.statements[0]?.getStart(sf) ?? code.length;
  const edits = context.edits;
  edits.prepend(at, ` ${prologue(outcomes)} `);
  const instrumented = edits.apply(code);
  return { code: instrumented, outcomes };
}

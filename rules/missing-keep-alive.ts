import { existsSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { Zod } from '../src/lazy-zod.js';
import { readRegularFile } from '../src/safe-fs.js';
import { shiftSeverity, type Confidence, type Severity } from '../src/findings.js';
import { defineRule, type RuleContext } from '../src/rule.js';
import { skipOuter, type ResolvedRef } from '../src/scanner/imports.js';
import type { SiteRole } from '../src/scanner/roles.js';
import { ts } from '../src/scanner/ts.js';
import { propertyName } from '../src/scanner/ast.js';
import { agentConstructionKind, flowsToReturn } from '../src/model/constructions.js';
import { grade } from '../src/model/severity.js';
import type { Role } from '../src/model/types.js';
import { addPropertyEdit, importInsertion, importsName, insertLinesBefore, nameTaken, removeListElement, replaceNode, topLevelStatement, type EditSpec } from '../src/fixes/edits.js';

/**
 * missing-keep-alive: outgoing HTTP(S) connections that cannot be reused.
 *
 * Variants:
 * - `agent-without-keepalive`: `new http(s).Agent(...)` with no `keepAlive: true` (an explicit agent defaults
 *   to closing each socket on every Node version; only `http.globalAgent` changed in Node 19).
 * - `keepalive-false`: an agent with an explicit `keepAlive: false`.
 * - `per-request-client`: an agent (node, undici, agentkeepalive) built inside a per-call function and used
 *   there for requests only, so its sockets die with it.
 * - `no-agent-old-node`: axios / got / node-fetch / request / `http(s).request` / Nest `HttpModule` with no
 *   agent while the project supports Node < 19 (the global agent closes sockets there).
 * - `connection-close`: a `Connection: close` request header.
 */

type Options = z.infer<ReturnType<typeof optionsSchema>>;

/** `optionsSchema(z).parse({})`, as plain data (checked by test/rule-options-defaults.test.ts). */
const defaults: Options = { suggestedMaxSockets: 50, suggestedMaxFreeSockets: 10, checkOldNodeClients: true, includeTestsAndScripts: false, includeOnce: false };
type Context = RuleContext<Options>;
type ParamValue = string | number | boolean | null | Array<string | number>;

/** Built on first use (`RuleMeta.options`): a scan without options for this rule never loads zod. */
const optionsSchema = (z: Zod) =>
  z.strictObject({
  suggestedMaxSockets: z.number().int().positive().default(50),
  suggestedMaxFreeSockets: z.number().int().positive().default(10),
  checkOldNodeClients: z.boolean().default(true),
  includeTestsAndScripts: z.boolean().default(false),
  /** Report per-request agents in code that runs once (start-up, module top level) at low. */
  includeOnce: z.boolean().default(false),
});

const HTTP_VERBS = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'head', 'options', 'request', 'fetch', 'postForm', 'putForm', 'patchForm', 'stream', 'paginate']);
const AXIOS_CONFIG_AT_1 = new Set(['get', 'delete', 'head', 'options']);
const AXIOS_CONFIG_AT_2 = new Set(['post', 'put', 'patch', 'postForm', 'putForm', 'patchForm']);
const REQUEST_MODULES = new Set(['request', 'request-promise', 'request-promise-native', 'requestretry']);
const NEST_HTTP_MODULES = new Set(['@nestjs/axios', '@nestjs/common']);
const UNDICI_DISPATCHERS = new Set(['Agent', 'Pool', 'Client', 'BalancedPool']);
const AGENT_KEYS = new Set(['agent', 'httpAgent', 'httpsAgent', 'dispatcher']);
const PURPOSE_COMMENT =
  /(?:disabl\w*|\bno|\bnot|without|avoid\w*|turn\w* off|prevent\w*|don'?t|never)\s+(?:use\s+|the\s+)?(?:http\s+)?(?:keep-?alive|(?:connection|socket|session|tls session)s?\s+re-?us\w*|re-?us\w+|pool\w*)|fresh (?:tcp |tls )?(?:connection|socket|session)|new (?:tcp |tls )?(?:connection|socket|session)s? (?:per|for each|every|on each)|on purpose|intentional|deliberate|\bprobes?\b|health|stale (?:socket|connection)|ECONNRESET|socket hang ?up/i;
const PROBE_NAME = /health|probe|heartbeat|liveness|readiness|uptime|monitor/i;
const BROWSER_MODULES = /^(react|react-dom|vue|svelte|solid-js|next\/(router|navigation|link|image)|@angular\/core)$/;
const BROWSER_TEXT = /['"]use client['"]|import\.meta\.env|process\.env\.(NEXT_PUBLIC_|REACT_APP_|VITE_)|\bwindow\.|\bdocument\.|\blocalStorage\b/;

const DEMO_PATH = /(^|\/)(examples?|demos?|samples?|playground|sandbox|benchmarks?)\//i;
const STARTUP_EVENTS = new Set(['listening', 'ready', 'connect', 'open', 'start', 'started']);

/** `server.listen(port, () => ...)`, `app.once('ready', () => ...)`: a callback that runs once at start-up. */
function isStartupCallback(fn: ts.Node): boolean {
  const call = fn.parent;
  if (!call || !ts.isCallExpression(call) || !call.arguments.some((a) => a === fn)) return false;
  const callee = skipOuter(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return false;
  const method = callee.name.text;
  if (method === 'listen') return true;
  const event = call.arguments[0];
  return (method === 'on' || method === 'once') && event !== undefined && ts.isStringLiteralLike(event) && STARTUP_EVENTS.has(event.text);
}

const HTTPS_COST =
  'each request pays a TCP + TLS handshake (2-3 network round trips and ~1-2 ms of CPU for the TLS key exchange); at 20 ms RTT that is ~40-60 ms added per request, and sockets churn through TIME_WAIT under load';
const HTTP_COST = 'each request pays a TCP handshake (1 network round trip, ~1-20 ms) and leaves a socket in TIME_WAIT; under load this exhausts ephemeral ports';

// ---------------------------------------------------------------------------------------------------------
// Small AST helpers

function isFunctionLikeWithBody(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node) || ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node);
}

function enclosingFunctionWithBody(node: ts.Node): ts.FunctionLikeDeclaration | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (isFunctionLikeWithBody(current)) return current;
    if (ts.isClassLike(current) || ts.isSourceFile(current)) return undefined;
  }
  return undefined;
}

function functionLabel(fn: ts.FunctionLikeDeclaration): string {
  if (fn.name && ts.isIdentifier(fn.name)) return fn.name.text;
  const parent = fn.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
    const name = propertyName(parent.name);
    if (name) return name;
  }
  if (ts.isConstructorDeclaration(fn)) return 'constructor';
  return 'this function';
}

/** Names of the functions, variables and properties around a node (for probe / health-check naming). */
function surroundingNames(node: ts.Node): string[] {
  const names: string[] = [];
  for (let current: ts.Node | undefined = node.parent; current && !ts.isSourceFile(current); current = current.parent) {
    if (isFunctionLikeWithBody(current) && current.name && ts.isIdentifier(current.name)) names.push(current.name.text);
    if (ts.isVariableDeclaration(current) || ts.isPropertyDeclaration(current) || ts.isPropertyAssignment(current)) {
      const name = propertyName(current.name);
      if (name) names.push(name);
    }
    if (ts.isClassLike(current) && current.name) names.push(current.name.text);
  }
  return names;
}

function enclosingStatement(node: ts.Node): ts.Node {
  let current = node;
  while (current.parent && !ts.isSourceFile(current.parent) && !ts.isBlock(current.parent) && !ts.isClassLike(current.parent) && !ts.isModuleBlock(current.parent)) {
    current = current.parent;
  }
  return current;
}

/** Comments just above the statement holding `node` and on the lines of `node` itself (plus two above it). */
/**
 * How often a client or agent costs: per request when its site is a request handler; else, when it is built
 * once and shared (`ownRole` undefined), as often as its users run; else as often as its own code runs.
 * Code that runs once has no frequency to grade by: unknown.
 */
/** The call initialises an exported module variable (`export const api = axios.create()`): other files may use it. */
function exportedBinding(node: ts.Node): boolean {
  let current: ts.Node = node;
  while (current.parent && !ts.isVariableStatement(current) && !ts.isSourceFile(current.parent)) current = current.parent;
  return ts.isVariableStatement(current) && (ts.getModifiers(current) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

/** The type annotation of `name` where `fn` declares it (a parameter or a variable), as written. */
function declaredTypeText(fn: ts.Node, name: string): string | undefined {
  let found: string | undefined;
  const visit = (node: ts.Node): void => {
    if (found !== undefined) return;
    if ((ts.isParameter(node) || ts.isVariableDeclaration(node)) && ts.isIdentifier(node.name) && node.name.text === name && node.type) {
      found = node.type.getText();
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(fn);
  return found;
}

function clientRuns(site: SiteRole | undefined, usage: { role: Role } | undefined, ownRole: Role | undefined): Role {
  if (site?.kind === 'request') return 'request';
  // A request made by code that runs once (a script's main(), start-up) costs once, loop or not: the severity
  // table does not report it. A shared client whose known users run once stays unknown here (users in other
  // files may be missing); reportNoAgent makes it once only where every user is in view (usedOnlyOnce).
  if (ownRole === 'once') return 'once';
  const role = ownRole ?? usage?.role;
  return role === undefined || role === 'once' ? 'unknown' : role;
}

function nearbyComments(ctx: Context, node: ts.Node): string {
  const sf = ctx.sourceFile;
  const text = sf.text;
  const statement = enclosingStatement(node);
  const leading = text.slice(statement.getFullStart(), statement.getStart(sf));
  const startLine = Math.max(0, sf.getLineAndCharacterOfPosition(node.getStart(sf)).line - 2);
  const endLine = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
  const lineStarts = sf.getLineStarts();
  const from = lineStarts[startLine] ?? 0;
  const to = lineStarts[endLine + 1] ?? text.length;
  const comments = `${leading}\n${text.slice(from, to)}`.match(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g) ?? [];
  // Read as prose: an intent that wraps over two `//` lines ("... so disabling" / "keep-alive here ...") is one sentence.
  const prose = comments.map((c) => c.replace(/^\/\/+|^\/\*+|\*+\/$/g, '').replace(/^\s*\*+/gm, ' ')).join(' ').replace(/\s+/g, ' ');
  // The rule's own id (fixture annotations, disable comments) says nothing about intent.
  return prose.replace(/missing-keep-alive[\w/-]*/g, '');
}

/** Climbs from an expression through object literals (and `a ?? b`, `c ? a : b`) to the call it is an argument of. */
function callCarrying(expression: ts.Node): { call: ts.CallExpression | ts.NewExpression; keys: string[] } | undefined {
  const keys: string[] = [];
  let current = expression;
  for (;;) {
    const parent = current.parent;
    if (!parent) return undefined;
    if (ts.isParenthesizedExpression(parent) || ts.isAsExpression(parent) || ts.isSatisfiesExpression(parent) || ts.isNonNullExpression(parent) || ts.isConditionalExpression(parent)) {
      if (ts.isConditionalExpression(parent) && parent.condition === current) return undefined;
      current = parent;
      continue;
    }
    if (ts.isBinaryExpression(parent) && (parent.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || parent.operatorToken.kind === ts.SyntaxKind.BarBarToken)) {
      current = parent;
      continue;
    }
    if ((ts.isPropertyAssignment(parent) && parent.initializer === current) || ts.isShorthandPropertyAssignment(parent)) {
      keys.unshift(propertyName(parent.name) ?? '?');
      current = parent.parent;
      continue;
    }
    if ((ts.isCallExpression(parent) || ts.isNewExpression(parent)) && parent.arguments?.some((a) => a === current)) return { call: parent, keys };
    return undefined;
  }
}

/** Callee text on one line: `https\n  .get` -> `https.get`. */
function calleeOf(call: ts.CallExpression | ts.NewExpression): string {
  return call.expression.getText().replace(/\s+/g, '');
}

/** The `const` initializer of an identifier declared in this file, if it is never reassigned. */
function constInitializer(ctx: Context, identifier: ts.Identifier): ts.Expression | undefined {
  const name = identifier.text;
  for (let scope: ts.Node | undefined = identifier.parent; scope; scope = scope.parent) {
    if (isFunctionLikeWithBody(scope) && scope.parameters.some((p) => ts.isIdentifier(p.name) && p.name.text === name)) return undefined;
    const statements = ts.isBlock(scope) || ts.isSourceFile(scope) || ts.isModuleBlock(scope) ? scope.statements : undefined;
    if (!statements) continue;
    for (const statement of statements) {
      if (!ts.isVariableStatement(statement)) continue;
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name) && declaration.name.text === name) {
          if (!(statement.declarationList.flags & ts.NodeFlags.Const) || !declaration.initializer) return undefined;
          if (isMutated(ctx.sourceFile, name)) return undefined;
          return declaration.initializer;
        }
      }
    }
  }
  return undefined;
}

/** `name.x = ...`, `name[x] = ...`, `Object.assign(name, ...)` anywhere in the file. */
function isMutated(sourceFile: ts.SourceFile, name: string): boolean {
  let mutated = false;
  const visit = (node: ts.Node): void => {
    if (mutated) return;
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const left = skipOuter(node.left);
      if ((ts.isPropertyAccessExpression(left) || ts.isElementAccessExpression(left)) && ts.isIdentifier(skipOuter(left.expression)) && skipOuter(left.expression).getText(sourceFile) === name) mutated = true;
    }
    if (ts.isCallExpression(node) && node.expression.getText(sourceFile) === 'Object.assign') {
      const first = node.arguments[0];
      if (first && ts.isIdentifier(first) && first.text === name) mutated = true;
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return mutated;
}

// ---------------------------------------------------------------------------------------------------------
// Options objects

interface OptionsView {
  /** False when part of the options cannot be seen (parameter, call result, unresolvable spread). */
  complete: boolean;
  props: Map<string, ts.Expression | undefined>;
  /** The object literal as written at the site, when it is one. */
  literal: ts.ObjectLiteralExpression | undefined;
  /** The identifier passed instead of a literal, when followed one hop. */
  viaIdentifier: string | undefined;
}

function readOptions(ctx: Context, argument: ts.Expression | undefined, depth = 0): OptionsView {
  const view: OptionsView = { complete: true, props: new Map(), literal: undefined, viaIdentifier: undefined };
  if (!argument) return view;
  const node = skipOuter(argument);
  if (node.kind === ts.SyntaxKind.UndefinedKeyword || (ts.isIdentifier(node) && node.text === 'undefined')) return view;
  if (ts.isIdentifier(node) && depth < 2) {
    const initializer = constInitializer(ctx, node);
    if (!initializer) return { ...view, complete: false };
    const inner = readOptions(ctx, initializer, depth + 1);
    return { ...inner, literal: undefined, viaIdentifier: node.text };
  }
  if (!ts.isObjectLiteralExpression(node)) return { ...view, complete: false };
  view.literal = node;
  for (const property of node.properties) {
    if (ts.isPropertyAssignment(property)) {
      const name = propertyName(property.name);
      if (name === undefined) view.complete = false;
      else view.props.set(name, property.initializer);
    } else if (ts.isShorthandPropertyAssignment(property)) {
      view.props.set(property.name.text, undefined);
    } else if (ts.isSpreadAssignment(property)) {
      const inner = depth < 2 ? readOptions(ctx, property.expression, depth + 1) : { ...view, complete: false, props: new Map<string, ts.Expression | undefined>() };
      if (!inner.complete) view.complete = false;
      for (const [key, value] of inner.props) view.props.set(key, value);
    } else if (ts.isMethodDeclaration(property) || ts.isAccessor(property)) {
      const name = propertyName(property.name);
      if (name) view.props.set(name, undefined);
    }
  }
  return view;
}

function booleanValue(expression: ts.Expression | undefined): boolean | undefined {
  if (!expression) return undefined;
  const node = skipOuter(expression);
  if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
  return undefined;
}

function numberValue(expression: ts.Expression | undefined): number | null {
  if (!expression) return null;
  const node = skipOuter(expression);
  return ts.isNumericLiteral(node) ? Number(node.text.replace(/_/g, '')) : null;
}

// ---------------------------------------------------------------------------------------------------------
// What a call or constructor is

type AgentKind =
  | { family: 'node'; protocol: 'http' | 'https' }
  | { family: 'undici' }
  | { family: 'agentkeepalive'; protocol: 'http' | 'https' }
  /** A proxy agent (`HttpsProxyAgent`, `ProxyAgent`) or a project class extending `http(s).Agent`: owns its sockets. */
  | { family: 'proxy' | 'subclass'; protocol: 'http' | 'https' };

function agentKindOf(ref: ResolvedRef | undefined): AgentKind | undefined {
  if (!ref) return undefined;
  const [first, ...rest] = ref.path;
  if ((ref.module === 'http' || ref.module === 'https') && first === 'Agent' && rest.length === 0) return { family: 'node', protocol: ref.module };
  if (ref.module === 'undici' && first !== undefined && UNDICI_DISPATCHERS.has(first) && rest.length === 0) return { family: 'undici' };
  if (ref.module === 'agentkeepalive') {
    if (first === undefined || first === 'HttpAgent') return { family: 'agentkeepalive', protocol: 'http' };
    if (first === 'HttpsAgent' && rest.length === 0) return { family: 'agentkeepalive', protocol: 'https' };
  }
  return undefined;
}

type CallClass =
  | { kind: 'request'; client: string; configIndex: number | undefined; agentKeys: string[] }
  | { kind: 'factory'; client: string; configIndex: number; agentKeys: string[] }
  | { kind: 'other' };

function isStringish(node: ts.Node | undefined): boolean {
  if (!node) return false;
  const inner = skipOuter(node);
  return ts.isStringLiteralLike(inner) || ts.isTemplateExpression(inner) || (ts.isBinaryExpression(inner) && inner.operatorToken.kind === ts.SyntaxKind.PlusToken) || ts.isNewExpression(inner);
}

function classifyCall(ctx: Context, call: ts.CallExpression | ts.NewExpression): CallClass {
  if (ts.isNewExpression(call)) return { kind: 'other' };
  const ref = ctx.imports.resolve(call.expression);
  const args = call.arguments;
  if (ref) {
    const [first, ...rest] = ref.path;
    const deep = rest.length > 0;
    if (ref.module === 'axios' && !deep) {
      const axiosKeys = ['httpAgent', 'httpsAgent'];
      if (first === undefined) return { kind: 'request', client: 'axios', configIndex: isStringish(args[0]) ? 1 : 0, agentKeys: axiosKeys };
      if (first === 'create') return { kind: 'factory', client: 'axios.create()', configIndex: 0, agentKeys: axiosKeys };
      if (first === 'request') return { kind: 'request', client: 'axios', configIndex: 0, agentKeys: axiosKeys };
      if (AXIOS_CONFIG_AT_1.has(first)) return { kind: 'request', client: 'axios', configIndex: 1, agentKeys: axiosKeys };
      if (AXIOS_CONFIG_AT_2.has(first)) return { kind: 'request', client: 'axios', configIndex: 2, agentKeys: axiosKeys };
      return { kind: 'other' };
    }
    if (ref.module === 'got' && !deep) {
      if (first === 'extend') return { kind: 'factory', client: 'got.extend()', configIndex: 0, agentKeys: ['agent'] };
      if (first === undefined || first === 'got' || HTTP_VERBS.has(first)) return { kind: 'request', client: 'got', configIndex: isStringish(args[0]) ? 1 : 0, agentKeys: ['agent'] };
      return { kind: 'other' };
    }
    if (ref.module === 'node-fetch' && (first === undefined || (first === 'default' && !deep))) return { kind: 'request', client: 'node-fetch', configIndex: 1, agentKeys: ['agent'] };
    if ((ref.module === 'http' || ref.module === 'https') && (first === 'request' || first === 'get') && !deep) {
      // (options[, cb]) or (url[, options][, cb]); an options object we cannot see is left alone.
      const first0 = args[0] ? skipOuter(args[0]) : undefined;
      const second = args[1] ? skipOuter(args[1]) : undefined;
      let index: number | undefined;
      if (first0 && ts.isObjectLiteralExpression(first0)) index = 0;
      else if (isStringish(first0) && second && ts.isObjectLiteralExpression(second)) index = 1;
      else if (isStringish(first0) && (!second || ts.isFunctionLike(second))) index = args.length;
      if (index === undefined) return { kind: 'other' };
      return { kind: 'request', client: `${ref.module}.${first}()`, configIndex: index, agentKeys: ['agent'] };
    }
    if (REQUEST_MODULES.has(ref.module) && !deep) {
      if (first === 'defaults') return { kind: 'factory', client: `${ref.module}.defaults()`, configIndex: 0, agentKeys: ['agent', 'forever', 'pool', 'agentOptions'] };
      if (first === undefined || HTTP_VERBS.has(first)) return { kind: 'request', client: ref.module, configIndex: isStringish(args[0]) ? 1 : 0, agentKeys: ['agent', 'forever', 'pool', 'agentOptions'] };
      return { kind: 'other' };
    }
    if (NEST_HTTP_MODULES.has(ref.module) && first === 'HttpModule' && rest.length === 1 && rest[0] === 'register') {
      return { kind: 'factory', client: 'HttpModule.register()', configIndex: 0, agentKeys: ['httpAgent', 'httpsAgent'] };
    }
    if (ref.module === 'global' && first === 'fetch' && !deep) return { kind: 'request', client: 'fetch', configIndex: 1, agentKeys: ['dispatcher'] };
    if (ref.module === 'undici' && (first === 'request' || first === 'fetch' || first === 'stream') && !deep) return { kind: 'request', client: `undici.${first}()`, configIndex: 1, agentKeys: ['dispatcher'] };
  }
  const callee = skipOuter(call.expression);
  if (ts.isPropertyAccessExpression(callee) && HTTP_VERBS.has(callee.name.text)) return { kind: 'request', client: ctx.text(callee), configIndex: undefined, agentKeys: [...AGENT_KEYS] };
  return { kind: 'other' };
}

// ---------------------------------------------------------------------------------------------------------
// Where the project's code runs: oldest Node, pinned runtime, browser side

interface NodeEvidence {
  major: number;
  source: string;
  severity: Severity;
  confidence: Confidence;
  note: string;
}

interface RuntimePin {
  major: number;
  source: string;
}

const pinCache = new Map<string, RuntimePin | null>();
const packageCache = new Map<string, { private: boolean; engines: string | undefined }>();

function majorOf(value: string): number | undefined {
  const text = value.trim().toLowerCase().replace(/^v/, '');
  if (text === 'node' || text === 'stable' || text === 'latest' || text === 'current') return 99;
  const match = /^(\d+)/.exec(text);
  return match ? Number(match[1]) : undefined;
}

function readText(file: string): string | undefined {
  try {
    // Never a FIFO or device standing in for the file: opening one for reading can block forever.
    const outcome = readRegularFile(file, 1024 * 1024);
    return 'text' in outcome ? outcome.text : undefined;
  } catch {
    return undefined;
  }
}

function pinIn(dir: string): RuntimePin | undefined {
  for (const name of ['.nvmrc', '.node-version']) {
    const text = readText(path.join(dir, name));
    const major = text === undefined ? undefined : majorOf(text.split('\n')[0] ?? '');
    if (major !== undefined) return { major, source: `${name} "${(text ?? '').trim()}"` };
  }
  const tools = readText(path.join(dir, '.tool-versions'));
  const toolMatch = tools ? /^\s*(?:nodejs|node)\s+v?(\d+)/m.exec(tools) : null;
  if (toolMatch?.[1]) return { major: Number(toolMatch[1]), source: `.tool-versions "nodejs ${toolMatch[1]}"` };
  const docker = readText(path.join(dir, 'Dockerfile'));
  return docker === undefined ? undefined : dockerRuntime(docker);
}

/**
 * The Node major of a Dockerfile's last stage, the image that runs: `FROM node:18 AS build` then
 * `FROM node:20-slim` runs Node 20. A last stage built on a stage name (`FROM base`) takes that stage's image;
 * distroless `nodejs20` counts. Undefined when the running image does not name a Node version.
 */
export function dockerRuntime(text: string): RuntimePin | undefined {
  const stages = new Map<string, string>();
  let last: string | undefined;
  for (const match of text.matchAll(/^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/gim)) {
    const image = match[1] ?? '';
    const resolved = stages.get(image.toLowerCase()) ?? image;
    if (match[2]) stages.set(match[2].toLowerCase(), resolved);
    last = resolved;
  }
  const node = last ? /(?:^|\/)node:v?(\d+)|(?:^|\/)nodejs(\d+)(?:[:@-]|$)/i.exec(last) : null;
  const major = node?.[1] ?? node?.[2];
  return major ? { major: Number(major), source: `Dockerfile "FROM ${last}" (the last stage, which runs the code)` } : undefined;
}

/** Ignored by the checks below: a sentence about `x.defaults.httpsAgent = ...` is not code. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/[^\n]*/g, '$1');
}

/** The Node version the code is run with (`.nvmrc`, `.node-version`, `.tool-versions`, Dockerfile), package dir up to the repository root. */
function runtimePin(root: string | undefined): RuntimePin | undefined {
  if (!root) return undefined;
  const cached = pinCache.get(root);
  if (cached !== undefined) return cached ?? undefined;
  let found: RuntimePin | undefined;
  let dir = root;
  for (let level = 0; level < 8; level++) {
    found = pinIn(dir);
    if (found || existsSync(path.join(dir, '.git'))) break;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  pinCache.set(root, found ?? null);
  return found;
}

function packageInfo(root: string): { private: boolean; engines: string | undefined } {
  const cached = packageCache.get(root);
  if (cached) return cached;
  let info = { private: true, engines: undefined as string | undefined };
  try {
    const value: unknown = JSON.parse(readText(path.join(root, 'package.json')) ?? '{}');
    if (value && typeof value === 'object') {
      const pkg = value as { private?: unknown; engines?: { node?: unknown } };
      info = { private: pkg.private === true, engines: typeof pkg.engines?.node === 'string' ? pkg.engines.node : undefined };
    }
  } catch {
    // unreadable package.json: keep the conservative defaults
  }
  packageCache.set(root, info);
  return info;
}

/** Why we believe the code may run on Node < 19, or undefined when we do not. */
function oldNodeEvidence(ctx: Context): NodeEvidence | undefined {
  const { minNodeMajor, nodeVersionSource, root } = ctx.project;
  const pin = runtimePin(root);
  if (pin && pin.major < 19) {
    return { major: pin.major, source: pin.source, severity: 'high', confidence: 'high', note: `the runtime is pinned to Node ${pin.major} (${pin.source})` };
  }
  if (minNodeMajor === undefined || minNodeMajor >= 19 || !nodeVersionSource) return undefined;
  // A repository that runs Node >= 19 itself (`.nvmrc`, Dockerfile...) gets keep-alive from the global agent,
  // whatever lower bound its package.json still declares.
  if (pin) return undefined;
  const info = root ? packageInfo(root) : { private: true, engines: undefined };
  if (nodeVersionSource.startsWith('engines.node')) {
    const range = info.engines ?? nodeVersionSource;
    const pinned = !/[>*]|\|\|/.test(range) && !/\bx\b|^\s*$/i.test(range.replace(/\.x/gi, ''));
    if (pinned) return { major: minNodeMajor, source: nodeVersionSource, severity: 'high', confidence: 'high', note: `the project pins Node ${minNodeMajor} (${nodeVersionSource})` };
    return {
      major: minNodeMajor,
      source: nodeVersionSource,
      severity: 'medium',
      confidence: 'medium',
      note: `the project supports Node ${minNodeMajor} (${nodeVersionSource}); assumes production may run it (on Node >= 19 the global agent keeps connections alive)`,
    };
  }
  if (nodeVersionSource.startsWith('.nvmrc')) {
    return { major: minNodeMajor, source: nodeVersionSource, severity: 'high', confidence: 'high', note: `the runtime is pinned to Node ${minNodeMajor} (${nodeVersionSource})` };
  }
  return {
    major: minNodeMajor,
    source: nodeVersionSource,
    severity: 'medium',
    confidence: 'low',
    note: `only ${nodeVersionSource} hints at Node ${minNodeMajor}; assumes production runs that version`,
  };
}

function browserSideReason(ctx: Context): string | undefined {
  if (/\.[jt]sx$/.test(ctx.file)) return 'JSX file (browser component)';
  for (const module of ctx.imports.importedModules()) if (BROWSER_MODULES.test(module)) return `imports ${module} (browser code)`;
  if (BROWSER_TEXT.test(ctx.sourceFile.text)) return 'uses browser-only globals or public env variables';
  const deps = ctx.project.dependencies;
  const frontend = ['react-dom', 'vue', '@angular/core', 'svelte'].some((d) => d in deps);
  const server = ['express', 'koa', 'fastify', '@nestjs/core', '@hapi/hapi', 'next', 'nuxt', '@sveltejs/kit', 'hono'].some((d) => d in deps);
  if (frontend && !server) return 'package is a front-end app';
  return undefined;
}

/** `http.globalAgent = ...`, `axios.defaults.httpsAgent = ...`: the file configures the shared agent itself. */
function configuresGlobalAgent(source: string): boolean {
  const text = withoutComments(source);
  return /globalAgent\s*=|globalAgent\.keepAlive|defaults\.(httpAgent|httpsAgent|agent)\s*=|Object\.assign\(\s*[\w.]*defaults\s*,[^)]*\b(httpAgent|httpsAgent|agent)\b|setGlobalDispatcher/.test(text);
}

// ---------------------------------------------------------------------------------------------------------
// The rule

export default defineRule<Options>({
  meta: {
    id: 'missing-keep-alive',
    category: 'Network/API',
    defaultSeverity: 'high',
    description: 'Outgoing HTTP(S) connections that cannot be reused: agents without keepAlive, per-request agents, Connection: close, no agent on Node < 19.',
    messages: {
      agentWithoutKeepAlive: '`new {{agent}}(...)` has no `keepAlive: true`: every request through this agent opens a new {{protocol}} connection.',
      keepAliveFalse: '`{{agent}}` sets `keepAlive: false`: every request through it opens a new {{protocol}} connection.',
      perRequestFactory: '{{factory}}() builds a new `{{agent}}` on every call, and {{fn}} calls it each time it runs: its connections are never reused.',
      perRequestAgent: 'A new `{{agent}}` is created on every call of {{fn}}() and used only for that call: its connections are never reused.',
      noAgentOldNode: '{{client}} uses the default global agent, which closes every connection on Node {{node}} (supported by this project): no keep-alive.',
      connectionClose: '`{{header}}: close` request header: the connection is closed after every request and the next one opens a new {{protocol}} connection.',
    },
    triggers: ['Agent', 'axios', 'got', 'fetch', 'request', 'onnection', 'HttpModule', 'http'],
    requiresTypeInfo: false,
    defaults,
    options: optionsSchema,
  },
  // Example and demo code runs by hand, once: treated like a script.
  appliesTo: (file, options) => options.includeTestsAndScripts || (file.role === 'source' && !DEMO_PATH.test(file.path)),
  create(ctx) {
    const options = ctx.options;
    const production = ctx.fileRole === 'source' && !DEMO_PATH.test(ctx.file);
    const fileText = ctx.sourceFile.text;
    const roleOffset = production ? 0 : 1;
    let browser: string | undefined | null = null;
    const browserReason = (): string | undefined => {
      if (browser === null) browser = browserSideReason(ctx);
      return browser;
    };
    let oldNode: NodeEvidence | undefined | null = null;
    const nodeEvidence = (): NodeEvidence | undefined => {
      if (oldNode === null) oldNode = options.checkOldNodeClients && !configuresGlobalAgent(fileText) ? oldNodeEvidence(ctx) : undefined;
      return oldNode;
    };
    /** Default-instance requests without agents, reported once per client per file. */
    const defaultClientCalls = new Map<string, ts.CallExpression[]>();

    const agentSuggestion = (calleeText: string, view: OptionsView | undefined): string => {
      const parts = ['keepAlive: true'];
      if (!view?.props.has('maxSockets')) parts.push(`maxSockets: ${options.suggestedMaxSockets}`);
      if (!view?.props.has('maxFreeSockets')) parts.push(`maxFreeSockets: ${options.suggestedMaxFreeSockets}`);
      if (view?.viaIdentifier) return `new ${calleeText}({ ...${view.viaIdentifier}, ${parts.join(', ')} })`;
      const kept = view?.literal ? view.literal.properties.filter((p) => propertyName(p.name) !== 'keepAlive').map((p) => ctx.text(p)) : [];
      return `new ${calleeText}({ ${[...parts, ...kept].join(', ')} })`;
    };

    const agentParams = (kind: AgentKind, view: OptionsView, createdPer: string): Record<string, ParamValue> => ({
      agentFamily: kind.family,
      protocol: kind.family === 'undici' ? null : kind.protocol,
      keepAlive: kind.family === 'node' || kind.family === 'proxy' || kind.family === 'subclass' ? (booleanValue(view.props.get('keepAlive')) ?? false) : true,
      maxSockets: numberValue(view.props.get('maxSockets')),
      maxFreeSockets: numberValue(view.props.get('maxFreeSockets')),
      keepAliveMsecs: numberValue(view.props.get('keepAliveMsecs')),
      createdPer,
      minNodeMajor: ctx.project.minNodeMajor ?? null,
    });

    const isDeliberate = (node: ts.Node, view: OptionsView | undefined): string | undefined => {
      const sessions = view?.props.get('maxCachedSessions');
      if (sessions && numberValue(sessions) === 0) return 'maxCachedSessions: 0';
      const comment = nearbyComments(ctx, node);
      if (PURPOSE_COMMENT.test(comment)) return 'comment';
      const probe = surroundingNames(node).find((n) => PROBE_NAME.test(n));
      if (probe) return `name ${probe}`;
      return undefined;
    };

    // -- per-request detection --------------------------------------------------------------------------

    /** Local variables declared inside `fn`. */
    const localNames = (fn: ts.FunctionLikeDeclaration): Set<string> => {
      const names = new Set<string>();
      for (const p of fn.parameters) for (const id of bindingNames(p.name)) names.add(id);
      const visit = (node: ts.Node): void => {
        if (ts.isVariableDeclaration(node)) for (const id of bindingNames(node.name)) names.add(id);
        if (node !== fn && isFunctionLikeWithBody(node)) for (const p of node.parameters) for (const id of bindingNames(p.name)) names.add(id);
        ts.forEachChild(node, visit);
      };
      if (fn.body) visit(fn.body);
      return names;
    };

    /** How a value created at `expression` is used: only for this call's requests, or kept beyond it. */
    const usedOnlyForRequests = (expression: ts.Expression, fn: ts.FunctionLikeDeclaration, depth: number): { requests: string[] } | undefined => {
      if (depth > 2) return undefined;
      const carried = callCarrying(expression);
      if (carried) {
        const klass = classifyCall(ctx, carried.call);
        const lastKey = carried.keys[carried.keys.length - 1];
        if (klass.kind === 'request' && lastKey !== undefined && AGENT_KEYS.has(lastKey)) return { requests: [klass.client] };
        if (klass.kind === 'factory' && lastKey !== undefined && klass.agentKeys.includes(lastKey) && ts.isCallExpression(carried.call)) {
          return valueUse(carried.call, fn, depth + 1);
        }
        return undefined;
      }
      return valueUse(expression, fn, depth);
    };

    /** The created value (agent or client) is a call-local: used right away or through a local that never leaves. */
    const valueUse = (expression: ts.Expression, fn: ts.FunctionLikeDeclaration, depth: number): { requests: string[] } | undefined => {
      let node: ts.Node = expression;
      while (node.parent && (ts.isParenthesizedExpression(node.parent) || ts.isAwaitExpression(node.parent) || ts.isAsExpression(node.parent))) node = node.parent;
      const parent = node.parent;
      if (!parent) return undefined;
      // `axios.create({...}).get(url)`
      if (ts.isPropertyAccessExpression(parent) && parent.expression === node && HTTP_VERBS.has(parent.name.text) && parent.parent && ts.isCallExpression(parent.parent)) {
        return { requests: [ctx.text(parent)] };
      }
      if (ts.isCallExpression(parent) && parent.expression === node) return { requests: ['direct call'] };
      if (!ts.isVariableDeclaration(parent) || parent.initializer !== node || !ts.isIdentifier(parent.name) || !fn.body) return undefined;
      const name = parent.name.text;
      const declaration = parent;
      const requests: string[] = [];
      let escapes = false;
      const visit = (child: ts.Node): void => {
        if (escapes) return;
        if (ts.isIdentifier(child) && child.text === name && child !== declaration.name) {
          const up = child.parent;
          if (up && ts.isPropertyAccessExpression(up) && up.name === child) return;
          if (up && ts.isPropertyAssignment(up) && up.name === child) return;
          if (up && ts.isPropertyAccessExpression(up) && up.expression === child && up.parent && ts.isCallExpression(up.parent)) {
            const method = up.name.text;
            if (HTTP_VERBS.has(method)) requests.push(`${name}.${method}()`);
            else if (method !== 'destroy' && method !== 'close' && method !== 'on' && method !== 'once') escapes = true;
            return;
          }
          if (up && ts.isCallExpression(up) && up.expression === child) {
            requests.push(`${name}()`);
            return;
          }
          const use = usedOnlyForRequests(child, fn, depth + 1);
          if (!use) escapes = true;
          else requests.push(...use.requests);
          return;
        }
        ts.forEachChild(child, visit);
      };
      visit(fn.body);
      return !escapes && requests.length > 0 ? { requests } : undefined;
    };

    const perRequestSite = (node: ts.Node): { site: SiteRole; fn: ts.FunctionLikeDeclaration } | undefined => {
      const fn = enclosingFunctionWithBody(node);
      if (!fn || isStartupCallback(fn)) return undefined;
      const site = ctx.siteRole(node);
      if (site.kind === 'startup' && !site.inLoop) return undefined;
      return { site, fn };
    };

    /**
     * The agent built once before the top-level statement that holds the function, and the construction
     * replaced by it. Only when its options read nothing local to the function and the name is free.
     */
    const hoistedAgentEdits = (node: ts.NewExpression, agentName: string | undefined, shared: string): { edits?: EditSpec[] } => {
      const top = topLevelStatement(node);
      if (!agentName || !top || nameTaken(ctx.sourceFile, agentName)) return {};
      return { edits: [insertLinesBefore(top, `const ${agentName} = ${shared};\n`, ctx.sourceFile), replaceNode(node, agentName, ctx.sourceFile)] };
    };

    /**
     * A client factory (`axios.create({...})`, `got.extend({...})`) given keep-alive agents built once after
     * the imports. Calls without a factory (`axios.get(url)` per request) stay a suggestion: every call of
     * the file would change.
     */
    const clientAgentEdits = (node: ts.CallExpression, isFactory: boolean, property: string | undefined, view: OptionsView): { edits?: EditSpec[] } => {
      if (!isFactory || !property) return {};
      const sf = ctx.sourceFile;
      const needsAgents = property !== 'forever: true';
      if (needsAgents && ['httpAgent', 'httpsAgent'].some((name) => nameTaken(sf, name))) return {};
      const literal = view.literal && view.literal.getSourceFile() === sf && node.arguments.some((a) => skipOuter(a) === view.literal) ? view.literal : undefined;
      if (!literal && node.arguments.length > 0) return {};
      const optionsEdit = literal ? addPropertyEdit(literal, property, sf) : { start: node.getEnd() - 1, end: node.getEnd() - 1, text: `{ ${property} }` };
      if (!needsAgents) return { edits: [optionsEdit] };
      const imports = [importsName(sf, /^(node:)?http$/, 'http') ? '' : nameTaken(sf, 'http') ? undefined : "import http from 'node:http';", importsName(sf, /^(node:)?https$/, 'https') ? '' : nameTaken(sf, 'https') ? undefined : "import https from 'node:https';"];
      if (imports.some((line) => line === undefined)) return {};
      const agents = `const httpAgent = new http.Agent({ keepAlive: true, maxSockets: ${options.suggestedMaxSockets}, maxFreeSockets: ${options.suggestedMaxFreeSockets} });\nconst httpsAgent = new https.Agent({ keepAlive: true, maxSockets: ${options.suggestedMaxSockets}, maxFreeSockets: ${options.suggestedMaxFreeSockets} });`;
      const top = topLevelStatement(node);
      if (!top) return {};
      const importLines = imports.filter(Boolean).join('\n');
      // The imports first: with no import in the file, both insertions fall on the same offset.
      return { edits: [...(importLines ? [importInsertion(sf, importLines)] : []), insertLinesBefore(top, `${agents}\n`, sf), optionsEdit] };
    };

    // -- agents --------------------------------------------------------------------------------------------

    const visitNew = (node: ts.Node): void => {
      if (!ts.isNewExpression(node)) return;
      // A subclass of an agent declared here, or in another project file (the model resolves the import).
      const line = ctx.sourceFile.getLineAndCharacterOfPosition(node.getStart(ctx.sourceFile)).line + 1;
      const owned = agentConstructionKind(node, ctx.imports, ctx.sourceFile) ?? ctx.model.functionOf(node)?.constructs?.find((c) => c.line === line && !c.via && c.what.includes('(extends'));
      const kind: AgentKind | undefined =
        agentKindOf(ctx.imports.resolve(node.expression)) ?? (owned ? { family: owned.family === 'proxy-agent' ? 'proxy' : 'subclass', protocol: owned.protocol } : undefined);
      if (!kind) return;
      const calleeText = calleeOf(node);
      const view = readOptions(ctx, node.arguments?.[0]);
      const keepAliveExpr = view.props.get('keepAlive');
      const keepAlive = kind.family === 'node' ? booleanValue(keepAliveExpr) : true;
      const cost = kind.family !== 'undici' && kind.protocol === 'http' ? HTTP_COST : HTTPS_COST;

      const perRequest = perRequestSite(node);
      const use = perRequest ? usedOnlyForRequests(node, perRequest.fn, 0) : undefined;
      if (perRequest && use) {
        const { site, fn } = perRequest;
        const fnName = functionLabel(fn);
        const deliberate = isDeliberate(node, view);
        if (deliberate && site.kind !== 'request') return;
        const graded = gradePerRequest(node, kind.family !== 'undici' && kind.protocol === 'http' ? 'http' : 'https', site);
        if (!graded) return;
        const { severity, confidence } = graded;
        const locals = localNames(fn);
        const usedLocals = new Set<string>();
        const collect = (child: ts.Node): void => {
          if (ts.isIdentifier(child) && locals.has(child.text) && !(child.parent && ts.isPropertyAccessExpression(child.parent) && child.parent.name === child) && !(child.parent && ts.isPropertyAssignment(child.parent) && child.parent.name === child)) usedLocals.add(child.text);
          ts.forEachChild(child, collect);
        };
        for (const argument of node.arguments ?? []) collect(argument);
        const shared = kind.family === 'node' ? agentSuggestion(calleeText, view) : ctx.text(node);
        // Each parameter of agentFor() typed as the local it stands for is declared (an untyped one is an implicit
        // any under strict); a local declared without a type annotation is typed `any` explicitly.
        const typedParameters = [...usedLocals].map((name) => `${name}: ${declaredTypeText(fn, name) ?? 'any'}`).join(', ');
        const agentName = kind.family === 'undici' ? 'sharedDispatcher' : kind.protocol === 'https' ? 'sharedHttpsAgent' : 'sharedHttpAgent';
        const replacement =
          usedLocals.size === 0
            ? `// module level, created once:\nconst ${agentName} = ${shared};\n// in ${fnName}(): pass \`${agentName}\` where \`${ctx.text(node)}\` is now`
            : `// module level: one agent per distinct ${[...usedLocals].join(', ')}\nconst agents = new Map<string, ${calleeText}>();\nfunction agentFor(${typedParameters}) {\n  const key = JSON.stringify([${[...usedLocals].join(', ')}]);\n  let agent = agents.get(key);\n  if (!agent) {\n    agent = ${shared};\n    agents.set(key, agent);\n  }\n  return agent;\n}\n// in ${fnName}(): pass agentFor(${[...usedLocals].join(', ')}) instead of \`${ctx.text(node)}\``;
        const keepAliveNote =
          kind.family === 'node' && keepAlive !== true ? ` and it has no keepAlive: true, so even within the call each request opens a new connection` : '';
        ctx.report({
          node,
          variant: 'per-request-client',
          messageId: 'perRequestAgent',
          data: { agent: calleeText, fn: fnName },
          severity,
          confidence,
          evidence: [
            `\`${ctx.text(node).slice(0, 80)}\` is evaluated on every call of ${fnName}()`,
            graded.frequency,
            ...graded.reasons,
            `the agent is only used for this call's requests (${[...new Set(use.requests)].join(', ')}) and then dropped: its pooled sockets are never reused${keepAliveNote}`,
            ...(deliberate ? [`a ${deliberate} suggests fresh connections are deliberate; kept because the code runs per request`] : []),
          ],
          impact: `${cost}. With one shared keep-alive agent only the first request per socket pays it: N calls of ~H ms handshake each -> ~H once per pooled socket. Discarded agents also leave idle sockets open until the server times them out.`,
          fix: { description: `Create the agent once at module level (keepAlive: true, bounded maxSockets) and pass that shared instance in ${fnName}().`, replacement, ...hoistedAgentEdits(node, usedLocals.size === 0 ? agentName : undefined, shared) },
          effort: usedLocals.size === 0 ? 'trivial' : 'small',
          params: agentParams(kind, view, site.kind === 'request' ? 'request' : 'call'),
        });
        return;
      }

      if (kind.family !== 'node' || keepAlive === true) return;
      if (keepAlive === undefined && keepAliveExpr !== undefined) return; // keepAlive: someVariable
      if (keepAlive === undefined && view.props.has('keepAlive')) return; // shorthand `{ keepAlive }`
      if (keepAlive === undefined && !view.complete) return; // `{ ...opts }` might carry keepAlive
      const deliberate = isDeliberate(node, view);
      if (deliberate) return;
      const site = ctx.siteRole(node);
      const browserNote = browserReason();
      const lifetimeUnknown = site.kind !== 'startup' && !site.inLoop;
      // Built once, the agent costs as often as the code that sends requests through it runs.
      const usage = lifetimeUnknown ? undefined : ctx.model.usageAt(node);
      const usedRole = clientRuns(undefined, usage, undefined);
      const agentGrade = grade({
        cost: kind.protocol === 'http' ? 'moderate' : 'heavy',
        costReason: kind.protocol === 'http' ? 'a new TCP handshake for every request sent through it' : 'a new TCP + TLS handshake (2-3 round trips) for every request sent through it',
        role: usedRole,
        evidence: 'proven',
        lower: [
          ...(production ? [] : ['test, script or example code']),
          ...(browserNote ? [`${browserNote}: in a browser bundle the agent is ignored`] : []),
          ...(lifetimeUnknown ? ['created inside a function and stored or passed on, so its lifetime is not visible here (high if the agent lives long and carries many requests)'] : []),
        ],
      });
      const severity: Severity = agentGrade.severity ?? 'low';
      const explicitFalse = keepAlive === false;
      const falseProperty = explicitFalse && view.literal ? view.literal.properties.find((p) => propertyName(p.name) === 'keepAlive') : undefined;
      const evidence = [
        explicitFalse
          ? `keepAlive: false${view.viaIdentifier ? ` (in ${view.viaIdentifier})` : ''}: the agent closes each socket after its response`
          : `no keepAlive option${view.viaIdentifier ? ` in ${view.viaIdentifier}` : ''}: an explicit ${calleeText} defaults to keepAlive: false on every Node version (only http.globalAgent changed in Node 19)`,
        ...site.reasons,
        'every request sent through this agent opens and tears down its own connection',
        ...(usage ? [usage.reason] : []),
        ...agentGrade.reasons,
      ];
      const data = { agent: calleeText, protocol: kind.protocol === 'https' ? 'TCP + TLS' : 'TCP' };
      ctx.report({
        node: falseProperty ?? node,
        variant: explicitFalse ? 'keepalive-false' : 'agent-without-keepalive',
        messageId: explicitFalse ? 'keepAliveFalse' : 'agentWithoutKeepAlive',
        data,
        severity,
        confidence: agentGrade.confidence,
        evidence,
        impact: `${cost}. With keepAlive: true only the first request on each pooled socket pays the handshake (N requests: ~N handshakes -> ~maxSockets).`,
        fix: falseProperty
          ? { description: 'Turn keep-alive on for this agent and bound its pool.', replacement: `keepAlive: true`, edits: [replaceNode(falseProperty, 'keepAlive: true', ctx.sourceFile)] }
          : { description: `Enable keep-alive on this agent and bound its pool (maxSockets ${options.suggestedMaxSockets}, maxFreeSockets ${options.suggestedMaxFreeSockets}).`, replacement: agentSuggestion(calleeText, view), edits: [replaceNode(node, agentSuggestion(calleeText, view), ctx.sourceFile)] },
        effort: 'trivial',
        params: agentParams(kind, view, site.kind === 'startup' ? 'startup' : 'call'),
      });
    };

    // -- clients without an agent on old Node -----------------------------------------------------------

    const hasAgentConfig = (view: OptionsView, keys: string[]): boolean => keys.some((k) => view.props.has(k));

    /** Severity of a per-request agent from the one table: how often its code runs comes from the model. */
    const gradePerRequest = (node: ts.Node, protocol: 'http' | 'https', site: SiteRole): { severity: Severity; confidence: Confidence; reasons: string[]; frequency: string } | undefined => {
      const frequency = ctx.model.frequencyOf(node);
      let role = frequency.role;
      let reason = frequency.reason;
      // A route callback recognised where it is written (`app.get('/x', (req, res) => ...)`) is per request too.
      if (site.kind === 'request' && role !== 'request') {
        role = 'request';
        reason = site.reasons.join('; ') || 'request handler';
      }
      const graded = grade({
        cost: protocol === 'https' ? 'heavy' : 'moderate',
        costReason: protocol === 'https' ? 'a new TCP + TLS handshake (2-3 round trips) for every execution' : 'a new TCP handshake (1 round trip) for every execution',
        role,
        evidence: 'proven',
        inLoop: site.inLoop,
        includeOnce: options.includeOnce,
      });
      if (!graded.severity) return undefined;
      const severity = shiftSeverity(graded.severity, roleOffset);
      return { severity, confidence: graded.confidence, reasons: graded.reasons, frequency: `how often: ${reason}` };
    };

    /** `agent: makeAgent()` where `makeAgent` (this file or another) returns a new agent on every call. */
    const visitFactoryCall = (node: ts.CallExpression): void => {
      const callee = ctx.model.calleeOf(node);
      const built = callee?.hasBody && !callee.memos.includes(callee.id) ? callee.constructs?.find((c) => c.returned && c.family !== 'client') : undefined;
      if (!callee || !built) return;
      // Library clients that own their connections (clients.ts) are undersized-pool's per-call findings.
      // A factory returning the agent its callee builds is itself a factory: its callers are judged, not it. One
      // that memoises its result builds the agent once.
      const enclosing = ctx.model.functionOf(node);
      if (enclosing && (enclosing.memos.includes(enclosing.id) || enclosing.constructs?.some((c) => c.returned && c.family !== 'client' && c.via?.[0] === callee.name))) return;
      const fn = enclosingFunctionWithBody(node);
      if (!fn || isStartupCallback(fn)) return;
      const site = ctx.siteRole(node);
      if (isDeliberate(node, undefined) && site.kind !== 'request') return;
      const graded = gradePerRequest(node, built.protocol, site);
      if (!graded) return;
      const label = functionLabel(fn);
      const fnName = label === 'this function' ? `the function at line ${ctx.sourceFile.getLineAndCharacterOfPosition(fn.getStart(ctx.sourceFile)).line + 1}` : `${label}()`;
      const where = `${built.file ?? callee.file}:${built.line}`;
      const factory = callee.name;
      const chain = [factory, ...(built.via ?? [])].map((name) => `${name}()`).join(' -> ');
      ctx.report({
        node,
        variant: 'per-request-client',
        messageId: 'perRequestFactory',
        data: { factory, agent: built.what, fn: fnName },
        severity: graded.severity,
        confidence: graded.confidence,
        evidence: [
          `${fnName} -> ${chain} -> new ${built.what} (${where}): ${factory}() returns a new agent on every call`,
          graded.frequency,
          ...graded.reasons,
          `each agent owns its own socket pool, so a new one per call reuses no connection from the calls before it${built.keepAlive ? ' (its keepAlive: true only helps within one call)' : ''}`,
        ],
        impact: `${built.protocol === 'https' ? HTTPS_COST : HTTP_COST}. With one agent created once (or ${factory}() caching its result) only the first request per pooled socket pays it.`,
        fix: {
          description: `Build the agent once: move \`new ${built.what.split(' ')[0]}(...)\` in ${factory}() (${where}) to module level with keepAlive: true (or memoise ${factory}() per distinct options) and return that shared instance.`,
          replacement: `// ${where}, module level, created once:\nconst shared${built.protocol === 'https' ? 'Https' : 'Http'}Agent = new ${built.what.split(' ')[0]}(${built.family === 'proxy-agent' ? 'proxyUrl, ' : ''}/* the options ${factory}() passes now, plus */ { keepAlive: true, maxSockets: ${options.suggestedMaxSockets}, maxFreeSockets: ${options.suggestedMaxFreeSockets} });\n// in ${factory}(): return shared${built.protocol === 'https' ? 'Https' : 'Http'}Agent instead of a new one`,
        },
        effort: 'small',
        params: { agentFamily: built.family, protocol: built.protocol, keepAlive: built.keepAlive, createdPer: 'call', factory, factoryFile: callee.file },
      });
    };

    const visitCall = (node: ts.Node): void => {
      if (!ts.isCallExpression(node)) return;
      visitFactoryCall(node);
      const klass = classifyCall(ctx, node);
      if (klass.kind === 'other' || klass.client === 'fetch' || klass.client.startsWith('undici.')) return;
      if (klass.kind === 'request' && klass.configIndex === undefined) return; // some object's .get(): not a known client
      if (!nodeEvidence() || browserReason()) return;
      const view = readOptions(ctx, node.arguments[klass.configIndex ?? 0]);
      if (!view.complete || hasAgentConfig(view, klass.agentKeys)) return;
      if (klass.kind === 'request') {
        // `instance.get()` on a created client is judged where the client is created.
        const list = defaultClientCalls.get(klass.client) ?? [];
        list.push(node);
        defaultClientCalls.set(klass.client, list);
        return;
      }
      reportNoAgent(node, klass.client, klass.agentKeys, view, 1);
    };

    const reportNoAgent = (node: ts.CallExpression, client: string, agentKeys: string[], view: OptionsView, count: number): void => {
      const evidence = nodeEvidence();
      if (!evidence) return;
      const site = ctx.siteRole(node);
      const isFactoryCall = /create|extend|defaults|register/.test(client);
      // A client built once (module level, constructor) exists to serve many requests. A lone call, or a client
      // built inside a function, only costs when it runs often: that must be proven (request handler, loop),
      // otherwise the gain is unknown (an occasional call finds its idle socket closed anyway) and we stay silent.
      const frequency = ctx.model.frequencyOf(node);
      // Built by code the model shows runs once (a factory called at start-up) is as shared as built at module level.
      const sharedClient = isFactoryCall && (site.kind === 'startup' || frequency.role === 'once');
      // `api.defaults.httpsAgent = agent` in another file: the client gets its agents there.
      if (sharedClient && ctx.model.settingsElsewhere(node).some((setting) => agentKeys.includes(setting.key))) return;
      // Per request also when the model reaches the function from a route handler in another file (a client
      // factory called by handlers).
      const hot = site.kind === 'request' || site.inLoop || frequency.role === 'request' || frequency.role === 'occasional';
      if (!sharedClient && !hot) return;
      const usage = sharedClient ? ctx.model.usageAt(node) : undefined;
      // A client built and used inside code that runs once (a script's main()) never serves a request; one
      // that code returns serves whoever keeps it.
      const fn = enclosingFunctionWithBody(node);
      const usedOnlyOnce =
        sharedClient &&
        ((frequency.role === 'once' && (!usage || usage.role === 'once') && fn !== undefined && !flowsToReturn(node, fn)) ||
          // A module's own client whose every user runs once: a script's main() is all it serves. Exported, it may
          // have users the model does not see, unless the file runs itself (no one imports a script to reuse it).
          (usage?.role === 'once' && (!exportedBinding(node) || ctx.model.runsAtLoad())));
      const runs = usedOnlyOnce ? 'once' : clientRuns(site, usage, sharedClient ? undefined : frequency.role);
      const graded = grade({
        cost: 'moderate',
        costReason: 'a new connection per request on Node < 19, where the global agent does not keep connections alive',
        role: runs,
        evidence: 'proven',
        inLoop: site.inLoop && runs !== 'request',
        match: evidence.confidence,
        lower: [
          ...(evidence.severity !== 'high' ? [`the runtime is not pinned to Node ${evidence.major}: production may run a newer Node, where the global agent keeps connections alive`] : []),
          ...(roleOffset ? ['test, script or example code'] : []),
        ],
      });
      if (!graded.severity) return;
      const severity = graded.severity;
      const isAxiosLike = agentKeys.includes('httpsAgent');
      const isFactory = isFactoryCall;
      const agentDecls = `import http from 'node:http';\nimport https from 'node:https';\n\nconst httpAgent = new http.Agent({ keepAlive: true, maxSockets: ${options.suggestedMaxSockets}, maxFreeSockets: ${options.suggestedMaxFreeSockets} });\nconst httpsAgent = new https.Agent({ keepAlive: true, maxSockets: ${options.suggestedMaxSockets}, maxFreeSockets: ${options.suggestedMaxFreeSockets} });\n`;
      const existing = view.literal ? view.literal.properties.map((p) => ctx.text(p)) : view.viaIdentifier ? [`...${view.viaIdentifier}`] : [];
      let replacement: string;
      if (isAxiosLike) {
        replacement = `${agentDecls}\n${calleeOf(node)}({ ${[...existing, 'httpAgent', 'httpsAgent'].join(', ')} })`;
      } else if (agentKeys.includes('forever')) {
        replacement = `${calleeOf(node)}({ ${[...existing, 'forever: true'].join(', ')} })`;
      } else if (client === 'got' || client === 'got.extend()') {
        replacement = `${agentDecls}\n${isFactory ? calleeOf(node) : 'const client = got.extend'}({ ${[...existing, 'agent: { http: httpAgent, https: httpsAgent }'].join(', ')} })`;
      } else {
        replacement = `${agentDecls}\n// pass the agent matching the URL's protocol in every call's options:\n${calleeOf(node)}(${node.arguments.length > 0 && isStringish(node.arguments[0]) ? `${ctx.text(node.arguments[0] ?? node)}, ` : ''}{ ${[...existing, 'agent: httpsAgent'].join(', ')} })`;
      }
      if (!isFactory && isAxiosLike) {
        replacement = `${agentDecls}\nconst client = axios.create({ httpAgent, httpsAgent });\n// then use client.${/\.(\w+)$/.exec(calleeOf(node))?.[1] ?? 'request'}(...) instead of ${calleeOf(node)}(...)`;
      }
      ctx.report({
        node,
        variant: 'no-agent-old-node',
        messageId: 'noAgentOldNode',
        data: { client: isFactory ? `\`${calleeOf(node)}(...)\`` : `\`${calleeOf(node)}(...)\`${count > 1 ? ` (and ${count - 1} more call${count > 2 ? 's' : ''} in this file)` : ''}`, node: String(evidence.major) },
        severity,
        confidence: graded.confidence,
        evidence: [
          isFactory ? `${client} config sets none of ${agentKeys.join(', ')}` : `${count} ${client} call${count > 1 ? 's' : ''} in this file pass${count > 1 ? '' : 'es'} no ${agentKeys.join('/')} option`,
          `so requests go through http(s).globalAgent, which has keepAlive: false before Node 19`,
          evidence.note,
          ...site.reasons,
          'assumes http.globalAgent is not replaced by a keep-alive agent in another file',
          sharedClient ? 'the client is created once and serves every request made through it' : 'runs on a proven hot path (per request or per iteration)',
          ...(usage ? [usage.reason] : []),
          ...graded.reasons,
        ],
        impact: `On Node ${evidence.major}: ${HTTPS_COST}. With a keep-alive agent only the first request per pooled socket pays it. No gain on Node >= 19.`,
        fix: {
          description: `Create keep-alive agents once at module level and pass them to ${isFactory ? client : 'every call (or one shared client)'}; or raise engines.node to >=20 where the global agent keeps connections alive.`,
          replacement,
          ...clientAgentEdits(node, isFactory, isAxiosLike ? 'httpAgent, httpsAgent' : agentKeys.includes('forever') ? 'forever: true' : client === 'got' || client === 'got.extend()' ? 'agent: { http: httpAgent, https: httpsAgent }' : undefined, view),
        },
        effort: isFactory ? 'trivial' : 'small',
        params: { client, keepAlive: false, minNodeMajor: evidence.major, nodeVersionSource: evidence.source, calls: count, protocol: null },
      });
    };

    // -- Connection: close ----------------------------------------------------------------------------

    const visitProperty = (node: ts.Node): void => {
      if (!ts.isPropertyAssignment(node)) return;
      const name = propertyName(node.name);
      if (!name || name.toLowerCase() !== 'connection') return;
      const value = skipOuter(node.initializer);
      if (!ts.isStringLiteralLike(value) || value.text.trim().toLowerCase() !== 'close') return;
      const headers = node.parent;
      const holder = headers.parent;
      if (!holder || !ts.isPropertyAssignment(holder) || propertyName(holder.name)?.toLowerCase() !== 'headers') return;
      const carried = callCarrying(holder.initializer);
      if (!carried || carried.keys[carried.keys.length - 1]?.toLowerCase() !== 'headers') return;
      const klass = classifyCall(ctx, carried.call);
      if (klass.kind === 'other') return;
      if (klass.kind === 'request' && klass.configIndex === undefined && !/\b(http|client|api|axios|got|fetch|request|instance)\b/i.test(ctx.text(carried.call.expression).replace(/\.(\w+)$/, ''))) return;
      if (browserReason()) return;
      if (isDeliberate(node, undefined)) return;
      const site = ctx.siteRole(node);
      const isFactory = klass.kind === 'factory';
      // A client's default header costs as often as the client is used; a request's header as often as its code runs.
      const usage = isFactory ? ctx.model.usageAt(node) : undefined;
      const frequency = ctx.model.frequencyOf(node);
      const runs = clientRuns(site, usage, isFactory ? undefined : frequency.role);
      const closeGrade = grade({
        cost: 'moderate',
        costReason: 'a new connection (TCP, and TLS for https) for every request that sends the header',
        role: runs,
        evidence: 'proven',
        inLoop: site.inLoop && runs !== 'request',
        match: klass.client === 'fetch' ? 'medium' : 'high',
        lower: roleOffset ? ['test, script or example code'] : [],
      });
      if (!closeGrade.severity) return;
      const severity = closeGrade.severity;
      ctx.report({
        node,
        variant: 'connection-close',
        messageId: 'connectionClose',
        data: { header: name, protocol: 'TCP (+ TLS)' },
        severity,
        confidence: closeGrade.confidence,
        evidence: [
          `\`${ctx.text(node)}\` in the headers of ${isFactory ? `${klass.client}: applies to every request of that client` : `a request sent with ${klass.client}`}`,
          'the server and the agent close the socket after the response, so keep-alive cannot apply whatever the agent says',
          ...site.reasons,
          ...(usage ? [usage.reason] : []),
          ...closeGrade.reasons,
        ],
        impact: `${HTTPS_COST} (for https; ~1 RTT for plain http). Removing the header lets the agent reuse the socket: N requests -> ~1 handshake per pooled socket.`,
        fix: {
          description: 'Delete the Connection: close header (keep-alive is the HTTP/1.1 default) and send the requests through a keep-alive agent. The headers object becomes:',
          replacement: `{ ${headers.properties.filter((p) => p !== node).map((p) => ctx.text(p)).join(', ')} }`.replace('{  }', '{}'),
          edits: [removeListElement(node, ctx.sourceFile)],
        },
        effort: 'trivial',
        params: { header: `${name}: close`, client: klass.client, keepAlive: false, protocol: null },
      });
    };

    return {
      kinds: {
        [ts.SyntaxKind.NewExpression]: visitNew,
        [ts.SyntaxKind.CallExpression]: visitCall,
        [ts.SyntaxKind.PropertyAssignment]: visitProperty,
      },
      fileEnd: () => {
        for (const [client, calls] of defaultClientCalls) {
          const first = calls[0];
          if (!first) continue;
          const klass = classifyCall(ctx, first);
          if (klass.kind === 'other') continue;
          const rank = (call: ts.CallExpression): number => {
            const site = ctx.siteRole(call);
            return site.kind === 'request' ? 0 : site.inLoop ? 1 : site.kind === 'per-call' ? 2 : 3;
          };
          const hottest = calls.reduce((best, call) => (rank(call) < rank(best) ? call : best), first);
          reportNoAgent(hottest, client, klass.agentKeys, readOptions(ctx, hottest.arguments[klass.configIndex ?? 0]), calls.length);
        }
      },
    };
  },
});

function bindingNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  const names: string[] = [];
  for (const element of name.elements) if (ts.isBindingElement(element)) names.push(...bindingNames(element.name));
  return names;
}

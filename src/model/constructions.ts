import { ts } from '../scanner/ts.js';
import { skipOuter, type ImportScope } from '../scanner/imports.js';
import { propertyName } from '../scanner/ast.js';
import { TreeMemo } from './tree-memo.js';

/**
 * Constructions of connection-owning objects (HTTP agents) and whether the value leaves the function that
 * builds it: a function that returns a new agent on every call is an agent factory, and a caller that runs per
 * request gets a fresh connection pool per request. Recorded per function in its summary (plain JSON), so
 * a rule in another file can see what a callee builds.
 */

export interface Construction {
  /** What is built, as evidence: `https.Agent`, `HttpsProxyAgent`, `PartnerAgent (extends https.Agent)`. */
  what: string;
  family: 'node-agent' | 'proxy-agent' | 'client';
  /** For `family: 'client'`: a library client that owns its connections (clients.ts). */
  client?: { module: string; transport: 'http' | 'db' };
  protocol: 'http' | 'https';
  line: number;
  /** `keepAlive: true` written in its options (a fresh agent per call still pools nothing across calls). */
  keepAlive: boolean;
  /** The new value (or a client or object built around it) is returned: every call makes a new one. */
  returned: boolean;
  /** File of the `new`, when the construction was reached through a factory's callee (linked facts only). */
  file?: string;
  /** Factories between the function asked about and the `new` (`makeClient -> makeAgent`), linked facts only. */
  via?: string[];
  /** `new X()` of a class imported from project code: an agent only if the linker finds X extends one. */
  classRef?: { module: string; name: string };
}

/** Proxy agent classes by module: each owns its own sockets, like an `https.Agent`. */
const PROXY_AGENTS: Record<string, { names: string[]; protocol: 'http' | 'https' }> = {
  'https-proxy-agent': { names: ['HttpsProxyAgent', 'default'], protocol: 'https' },
  'http-proxy-agent': { names: ['HttpProxyAgent', 'default'], protocol: 'http' },
  'proxy-agent': { names: ['ProxyAgent', 'default'], protocol: 'https' },
  'socks-proxy-agent': { names: ['SocksProxyAgent', 'default'], protocol: 'https' },
  'pac-proxy-agent': { names: ['PacProxyAgent', 'default'], protocol: 'https' },
  undici: { names: ['ProxyAgent'], protocol: 'https' },
};

type Kind = { what: string; family: 'node-agent' | 'proxy-agent'; protocol: 'http' | 'https' };

/** A class expression that is an agent: `https.Agent`, an imported `Agent`, a proxy agent. */
export function agentClassOf(expression: ts.Expression, scope: ImportScope): Kind | undefined {
  const ref = scope.resolve(expression);
  if (!ref) return undefined;
  const [first, ...rest] = ref.path;
  if (rest.length > 0) return undefined;
  if ((ref.module === 'http' || ref.module === 'https') && first === 'Agent') return { what: `${ref.module}.Agent`, family: 'node-agent', protocol: ref.module };
  const proxy = PROXY_AGENTS[ref.module];
  if (proxy && proxy.names.includes(first ?? 'default')) return { what: first && first !== 'default' ? first : ref.module, family: 'proxy-agent', protocol: proxy.protocol };
  return undefined;
}

/** `new X(...)` where X is an agent class, a proxy agent, or a class of this file that extends one. */
export function agentConstructionKind(node: ts.NewExpression, scope: ImportScope, sourceFile: ts.SourceFile): Kind | undefined {
  const direct = agentClassOf(node.expression, scope);
  if (direct) return direct;
  const callee = skipOuter(node.expression);
  if (!ts.isIdentifier(callee)) return undefined;
  for (const statement of sourceFile.statements) {
    if (!ts.isClassDeclaration(statement) || statement.name?.text !== callee.text) continue;
    const heritage = statement.heritageClauses?.find((clause) => clause.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
    const base = heritage ? agentClassOf(heritage.expression, scope) : undefined;
    return base ? { ...base, what: `${callee.text} (extends ${base.what})` } : undefined;
  }
  return undefined;
}

function keepAliveWritten(node: ts.NewExpression): boolean {
  for (const argument of node.arguments ?? []) {
    const object = skipOuter(argument);
    if (!ts.isObjectLiteralExpression(object)) continue;
    for (const property of object.properties) {
      if (ts.isPropertyAssignment(property) && propertyName(property.name) === 'keepAlive' && property.initializer.kind === ts.SyntaxKind.TrueKeyword) return true;
    }
  }
  return false;
}

/** The value of `node` reaches a `return` of `fn`: directly, inside an object or call built there, or through a local const. */
export function flowsToReturn(node: ts.Node, fn: ts.SignatureDeclaration): boolean {
  let current: ts.Node = node;
  for (let parent = current.parent; parent && parent !== fn; current = parent, parent = parent.parent) {
    if (ts.isReturnStatement(parent)) return true;
    if (ts.isVariableDeclaration(parent) && parent.initializer === current) {
      if (!ts.isIdentifier(parent.name)) return false;
      return returnsIdentifier((fn as ts.FunctionLikeDeclaration).body, parent.name.text);
    }
    const carries =
      ts.isParenthesizedExpression(parent) || ts.isAsExpression(parent) || ts.isSatisfiesExpression(parent) || ts.isNonNullExpression(parent) || ts.isAwaitExpression(parent) ||
      ts.isConditionalExpression(parent) || ts.isPropertyAssignment(parent) || ts.isObjectLiteralExpression(parent) || ts.isArrayLiteralExpression(parent) ||
      ((ts.isCallExpression(parent) || ts.isNewExpression(parent)) && parent.arguments?.some((a) => a === current));
    if (!carries) return false;
  }
  return ts.isArrowFunction(fn) && fn.body === current;
}

// Per function body, every identifier name its `return` expressions mention (outside nested functions):
// summarising asks this for each `const x = call()` in a function, so the body is walked once, not once per ask.
// Per tree, not a WeakMap over every tree: see tree-memo.ts.
const returnedNamesByTree = new TreeMemo<Set<string>>();

function returnsIdentifier(body: ts.Node | undefined, name: string): boolean {
  if (!body) return false;
  const returnedNamesOf = returnedNamesByTree.of(body);
  let names = returnedNamesOf.get(body);
  if (names === undefined) {
    const found = new Set<string>();
    const scan = (child: ts.Node): void => {
      if (ts.isIdentifier(child)) found.add(child.text);
      else if (!ts.isFunctionLike(child)) ts.forEachChild(child, scan);
    };
    const visit = (node: ts.Node): void => {
      if (ts.isReturnStatement(node) && node.expression) {
        scan(node.expression);
        return;
      }
      if (ts.isFunctionLike(node)) return;
      ts.forEachChild(node, visit);
    };
    ts.forEachChild(body, visit);
    names = found;
    returnedNamesOf.set(body, names);
  }
  return names.has(name);
}

/** The construction fact for `new X(...)` inside `fn`, when X is an agent. */
export function agentConstructionIn(node: ts.NewExpression, fn: ts.SignatureDeclaration, scope: ImportScope, sourceFile: ts.SourceFile): Construction | undefined {
  const line = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1;
  const kind = agentConstructionKind(node, scope, sourceFile);
  if (kind) return { ...kind, line, keepAlive: keepAliveWritten(node), returned: flowsToReturn(node, fn) };
  // `new PartnerAgent()` of a class another project file declares: the linker decides whether it is an agent.
  const callee = skipOuter(node.expression);
  const ref = ts.isIdentifier(callee) ? scope.resolve(callee) : undefined;
  // Any module may be project code (relative, alias, workspace package); what the linker cannot resolve is dropped.
  if (!ref || ref.module === 'global' || ref.module.startsWith('node:') || ref.path.length > 1) return undefined;
  if (!/^[A-Z]/.test(ref.path[0] ?? callee.getText(sourceFile))) return undefined;
  return { what: ref.path[0] ?? 'default', family: 'node-agent', protocol: 'https', line, keepAlive: keepAliveWritten(node), returned: flowsToReturn(node, fn), classRef: { module: ref.module, name: ref.path[0] ?? 'default' } };
}

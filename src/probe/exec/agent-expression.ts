/**
 * Finds the user's own agent construction for a missing-keep-alive finding (`new https.Agent({...})`,
 * `new HttpsAgent(tlsOptions)`, the `new http.Agent(...)` around a reported `keepAlive: false`) and checks
 * that it can be evaluated outside its function: every name it reads must be bound at module scope (an
 * import, a top-level declaration) or be a global, and it must not read `this`. Such an expression can be
 * copied verbatim into a factory appended to its own module, where it sees the same bindings.
 */
import { ts } from '../../scanner/ts.js';
import { parseSource } from './locate.js';
import type { FixLocation } from './apply-fix.js';

export interface AgentExpression {
  text: string;
  start: number;
  end: number;
  /** 1-based line where the expression starts. */
  line: number;
  /** The bare package the constructor is imported from, when it is not a Node builtin. */
  constructorPackage?: string;
  /** The variable the construction is assigned to (`const pool = new Pool(...)`), when it is. */
  binding?: string;
}

/** Names bound at module scope: imports and top-level declarations. */
function moduleBindings(sourceFile: ts.SourceFile): Map<string, string | undefined> {
  const names = new Map<string, string | undefined>();
  for (const statement of sourceFile.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const from = statement.moduleSpecifier.text;
      const clause = statement.importClause;
      if (clause?.name) names.set(clause.name.text, from);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.set(bindings.name.text, from);
      if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) names.set(element.name.text, from);
    } else if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name)) names.set(d.name.text, undefined);
    } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) {
      names.set(statement.name.text, undefined);
    }
  }
  return names;
}

/** An identifier that reads a binding (not a property name or an object-literal key). */
function readsBinding(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false;
  if (ts.isPropertyAssignment(parent) && parent.name === node) return false;
  return true;
}

function rootIdentifier(expression: ts.Expression): ts.Identifier | undefined {
  let current = expression;
  while (ts.isPropertyAccessExpression(current)) current = current.expression;
  return ts.isIdentifier(current) ? current : undefined;
}

export function agentExpression(text: string, fileName: string, range: FixLocation): AgentExpression | { skip: string } {
  return constructionExpression(text, fileName, range, { calls: false, what: 'agent', example: '`new ...Agent(...)`' });
}

/**
 * The innermost construction around the finding (`new X(...)`, or with `calls` also a factory call such as
 * `genericPool.createPool(...)`), when every name it reads is bound at module scope.
 */
export function constructionExpression(
  text: string,
  fileName: string,
  range: FixLocation,
  options: { calls: boolean; what: string; example: string },
): AgentExpression | { skip: string } {
  const sourceFile = parseSource(text, fileName);
  const lineStarts = sourceFile.getLineStarts();
  const start = (lineStarts[range.line - 1] ?? text.length) + range.column - 1;
  const end = (lineStarts[range.endLine - 1] ?? text.length) + range.endColumn - 1;
  const bindings = moduleBindings(sourceFile);
  // A bare call counts only when its callee is a package's import (`knex({...})`), not `Number(...)`.
  const packageCall = (callee: ts.Expression): boolean => {
    const from = ts.isIdentifier(callee) ? bindings.get(callee.text) : undefined;
    return from !== undefined && !from.startsWith('.') && !from.startsWith('node:');
  };
  let found: ts.NewExpression | ts.CallExpression | undefined;
  const visit = (node: ts.Node): void => {
    if (node.getStart(sourceFile) > start || node.getEnd() < end) return;
    if (ts.isNewExpression(node) || (options.calls && ts.isCallExpression(node) && (ts.isPropertyAccessExpression(node.expression) || packageCall(node.expression)))) found = node;
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  if (!found) return { skip: `the finding is not on a construction (${options.example}) that could be evaluated` };
  const expression = found;
  const local: string[] = [];
  let readsThis = false;
  const check = (node: ts.Node): void => {
    if (node.kind === ts.SyntaxKind.ThisKeyword) readsThis = true;
    if (ts.isIdentifier(node) && readsBinding(node) && !bindings.has(node.text) && !(node.text in globalThis)) local.push(node.text);
    ts.forEachChild(node, check);
  };
  check(expression);
  if (readsThis) return { skip: `the ${options.what}'s options read \`this\`, known only inside its class` };
  if (local.length > 0) return { skip: `the ${options.what}'s options read ${[...new Set(local)].map((n) => `\`${n}\``).join(', ')}, known only inside its function` };
  const root = rootIdentifier(expression.expression);
  const from = root ? bindings.get(root.text) : undefined;
  const isBuiltin = from === undefined || from.startsWith('node:') || from === 'http' || from === 'https';
  return {
    text: expression.getText(sourceFile),
    start: expression.getStart(sourceFile),
    end: expression.getEnd(),
    line: sourceFile.getLineAndCharacterOfPosition(expression.getStart(sourceFile)).line + 1,
    ...(isBuiltin || from.startsWith('.') ? {} : { constructorPackage: from }),
    ...(ts.isVariableDeclaration(expression.parent) && ts.isIdentifier(expression.parent.name) ? { binding: expression.parent.name.text } : {}),
  };
}

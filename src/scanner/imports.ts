import { ts } from './ts.js';

/**
 * What an expression refers to: a module (`zlib`, `axios`; `node:` prefix removed) and the property path
 * inside it (`['gzipSync']`). Globals use the module name `global`. A default import is the module itself,
 * as CommonJS interop makes it, so `import axios from 'axios'` and `require('axios')` resolve alike.
 */
export interface ResolvedRef {
  module: string;
  path: string[];
  /** Came through `util.promisify(...)`. */
  promisified?: boolean;
}

type Binding = { kind: 'ref'; ref: ResolvedRef } | { kind: 'local' };

const MAX_ALIAS_DEPTH = 6;

export function normalizeModuleName(specifier: string): string {
  return specifier.startsWith('node:') ? specifier.slice(5) : specifier;
}

function stripDefault(path: string[]): string[] {
  return path[0] === 'default' ? path.slice(1) : path;
}

export function refName(ref: ResolvedRef): string {
  return [ref.module, ...ref.path].join('.');
}

/**
 * Resolves identifiers and member chains to the module export they come from, honouring local shadowing:
 * a parameter or local named `setTimeout` is not the timer global, a local `const zlib = require('zlib')`
 * inside a function is still zlib.
 */
export class ImportScope {
  private readonly moduleBindings = new Map<string, Binding>();
  private readonly scopeCache = new WeakMap<ts.Node, Map<string, ts.Node | null>>();
  private readonly resolved = new Map<ts.Node, ResolvedRef | undefined>();

  constructor(private readonly sourceFile: ts.SourceFile) {
    this.collectModuleBindings();
  }

  /** Whether a module-level binding (import, require or module variable) has this name. */
  hasModuleBinding(name: string): boolean {
    return this.moduleBindings.has(name);
  }

  /** Modules this file imports or requires anywhere at top level, normalized. */
  importedModules(): Set<string> {
    const modules = new Set<string>();
    for (const binding of this.moduleBindings.values()) {
      if (binding.kind === 'ref' && binding.ref.module !== 'global') modules.add(binding.ref.module);
    }
    return modules;
  }

  resolve(expression: ts.Node, depth = 0): ResolvedRef | undefined {
    if (depth > 0) return this.resolveUncached(expression, depth);
    // Several rules resolve the same callee (every call expression is asked about by more than one rule), and
    // the answer from depth 0 depends only on the node: bindings are fixed once the constructor has run.
    if (this.resolved.has(expression)) return this.resolved.get(expression);
    const ref = this.resolveUncached(expression, 0);
    this.resolved.set(expression, ref);
    return ref;
  }

  private resolveUncached(expression: ts.Node, depth: number): ResolvedRef | undefined {
    if (depth > MAX_ALIAS_DEPTH) return undefined;
    const node = skipOuter(expression);
    if (ts.isIdentifier(node)) return this.resolveIdentifier(node, depth);
    if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
      const name = memberName(node);
      if (name === undefined) return undefined;
      const receiver = skipOuter(node.expression);
      if (ts.isIdentifier(receiver) && (receiver.text === 'globalThis' || receiver.text === 'global' || receiver.text === 'window')) {
        if (this.lookup(receiver, receiver.text, depth) === undefined) return { module: 'global', path: [name] };
      }
      const base = this.resolve(node.expression, depth + 1);
      if (!base) return undefined;
      return { module: base.module, path: stripDefault([...base.path, name]), promisified: base.promisified };
    }
    if (ts.isCallExpression(node)) {
      const moduleName = requiredModule(node);
      if (moduleName !== undefined) return { module: moduleName, path: [] };
      const callee = this.resolve(node.expression, depth + 1);
      if (callee && callee.module === 'util' && callee.path.join('.') === 'promisify' && node.arguments[0]) {
        const inner = this.resolve(node.arguments[0], depth + 1);
        return inner ? { ...inner, promisified: true } : undefined;
      }
      return undefined;
    }
    return undefined;
  }

  /** True when `name` at `at` is a local declaration rather than the global of that name. */
  isShadowed(at: ts.Node, name: string): boolean {
    return this.lookup(at, name, 0) !== undefined;
  }

  /** The global `name` as seen from `at` (not shadowed, not imported under that name). */
  isGlobal(at: ts.Node, name: string): boolean {
    return this.lookup(at, name, 0) === undefined;
  }

  private resolveIdentifier(identifier: ts.Identifier, depth: number): ResolvedRef | undefined {
    const found = this.lookup(identifier, identifier.text, depth);
    if (found === undefined) return { module: 'global', path: [identifier.text] };
    return found.kind === 'ref' ? found.ref : undefined;
  }

  /** Walks enclosing scopes; undefined means "not declared in this file", i.e. a global. */
  private lookup(at: ts.Node, name: string, depth: number): Binding | undefined {
    for (let scope: ts.Node | undefined = at.parent; scope; scope = scope.parent) {
      if (ts.isSourceFile(scope)) break;
      // Most ancestors (calls, property accesses, statements) declare nothing; skipping them saves building and
      // caching an empty name map for each.
      if (!canDeclare(scope)) continue;
      const declaration = this.scopeDeclarations(scope).get(name);
      if (declaration === undefined) continue;
      if (declaration === null) return { kind: 'local' };
      const ref = this.resolveDeclaration(declaration, name, depth);
      return ref ? { kind: 'ref', ref } : { kind: 'local' };
    }
    return this.moduleBindings.get(name);
  }

  private resolveDeclaration(declaration: ts.Node, name: string, depth: number): ResolvedRef | undefined {
    if (!ts.isVariableDeclaration(declaration) || !declaration.initializer) return undefined;
    if (ts.isIdentifier(declaration.name)) return this.resolve(declaration.initializer, depth + 1);
    const base = this.resolve(declaration.initializer, depth + 1);
    if (!base) return undefined;
    const path = destructuredPath(declaration.name, name);
    return path ? { module: base.module, path: stripDefault([...base.path, ...path]) } : undefined;
  }

  /** Names declared directly in a scope node: null marks a declaration with nothing to resolve. */
  private scopeDeclarations(scope: ts.Node): Map<string, ts.Node | null> {
    const cached = this.scopeCache.get(scope);
    if (cached) return cached;
    const names = new Map<string, ts.Node | null>();
    const addBindingNames = (name: ts.BindingName, declaration: ts.Node | null) => {
      for (const id of bindingIdentifiers(name)) names.set(id, declaration);
    };
    if (ts.isFunctionLike(scope)) {
      for (const parameter of scope.parameters) addBindingNames(parameter.name, null);
      if ((ts.isFunctionExpression(scope) || ts.isClassExpression(scope)) && scope.name) names.set(scope.name.text, null);
    }
    if (ts.isCatchClause(scope) && scope.variableDeclaration) addBindingNames(scope.variableDeclaration.name, null);
    if ((ts.isForStatement(scope) || ts.isForOfStatement(scope) || ts.isForInStatement(scope)) && scope.initializer && ts.isVariableDeclarationList(scope.initializer)) {
      for (const declaration of scope.initializer.declarations) addBindingNames(declaration.name, null);
    }
    const statements = ts.isBlock(scope) || ts.isModuleBlock(scope) || ts.isCaseClause(scope) || ts.isDefaultClause(scope) ? scope.statements : undefined;
    if (statements) {
      for (const statement of statements) {
        if (ts.isVariableStatement(statement)) {
          for (const declaration of statement.declarationList.declarations) addBindingNames(declaration.name, declaration);
        } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement)) && statement.name) {
          names.set(statement.name.text, null);
        }
      }
    }
    this.scopeCache.set(scope, names);
    return names;
  }

  private collectModuleBindings(): void {
    const variableDeclarations: ts.VariableDeclaration[] = [];
    for (const statement of this.sourceFile.statements) {
      if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
        const module = normalizeModuleName(statement.moduleSpecifier.text);
        const clause = statement.importClause;
        if (!clause) continue;
        if (clause.name) this.moduleBindings.set(clause.name.text, { kind: 'ref', ref: { module, path: [] } });
        const named = clause.namedBindings;
        if (named && ts.isNamespaceImport(named)) this.moduleBindings.set(named.name.text, { kind: 'ref', ref: { module, path: [] } });
        if (named && ts.isNamedImports(named)) {
          for (const element of named.elements) {
            const imported = (element.propertyName ?? element.name).text;
            this.moduleBindings.set(element.name.text, { kind: 'ref', ref: { module, path: stripDefault([imported]) } });
          }
        }
      } else if (ts.isImportEqualsDeclaration(statement)) {
        const reference = statement.moduleReference;
        if (ts.isExternalModuleReference(reference) && ts.isStringLiteral(reference.expression)) {
          this.moduleBindings.set(statement.name.text, { kind: 'ref', ref: { module: normalizeModuleName(reference.expression.text), path: [] } });
        } else {
          this.moduleBindings.set(statement.name.text, { kind: 'local' });
        }
      } else if (ts.isVariableStatement(statement)) {
        variableDeclarations.push(...statement.declarationList.declarations);
      } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement)) && statement.name) {
        this.moduleBindings.set(statement.name.text, { kind: 'local' });
      }
    }
    // Aliases resolve after imports (which are hoisted), in source order among themselves.
    for (const declaration of variableDeclarations) {
      for (const id of bindingIdentifiers(declaration.name)) {
        const ref = this.resolveDeclaration(declaration, id, 0);
        this.moduleBindings.set(id, ref ? { kind: 'ref', ref } : { kind: 'local' });
      }
    }
  }
}

/** Node kinds for which scopeDeclarations can find a name; every other node's map is empty. */
function canDeclare(scope: ts.Node): boolean {
  return (
    ts.isBlock(scope) ||
    ts.isFunctionLike(scope) ||
    ts.isCaseClause(scope) ||
    ts.isDefaultClause(scope) ||
    ts.isModuleBlock(scope) ||
    ts.isCatchClause(scope) ||
    ts.isForStatement(scope) ||
    ts.isForOfStatement(scope) ||
    ts.isForInStatement(scope)
  );
}

export function skipOuter(node: ts.Node): ts.Node {
  let current = node;
  while (
    ts.isParenthesizedExpression(current) ||
    ts.isAsExpression(current) ||
    ts.isNonNullExpression(current) ||
    ts.isTypeAssertionExpression(current) ||
    ts.isSatisfiesExpression(current) ||
    ts.isAwaitExpression(current)
  ) {
    current = current.expression;
  }
  return current;
}

function memberName(node: ts.PropertyAccessExpression | ts.ElementAccessExpression): string | undefined {
  if (ts.isPropertyAccessExpression(node)) return node.name.text;
  const argument = node.argumentExpression;
  return ts.isStringLiteralLike(argument) ? argument.text : undefined;
}

/** `require('x')` or `import('x')` with a literal specifier. */
export function requiredModule(call: ts.CallExpression): string | undefined {
  const first = call.arguments[0];
  if (!first || !ts.isStringLiteralLike(first)) return undefined;
  if (call.expression.kind === ts.SyntaxKind.ImportKeyword) return normalizeModuleName(first.text);
  if (ts.isIdentifier(call.expression) && call.expression.text === 'require') return normalizeModuleName(first.text);
  return undefined;
}

export function bindingIdentifiers(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  const names: string[] = [];
  for (const element of name.elements) {
    if (ts.isBindingElement(element)) names.push(...bindingIdentifiers(element.name));
  }
  return names;
}

/** For `{ a: { b: local } }` and `local`, the property path `['a', 'b']`. */
function destructuredPath(pattern: ts.BindingName, local: string): string[] | undefined {
  if (ts.isIdentifier(pattern)) return pattern.text === local ? [] : undefined;
  if (!ts.isObjectBindingPattern(pattern)) return undefined;
  for (const element of pattern.elements) {
    if (element.dotDotDotToken) continue;
    const key = element.propertyName
      ? ts.isIdentifier(element.propertyName) || ts.isStringLiteralLike(element.propertyName)
        ? element.propertyName.text
        : undefined
      : ts.isIdentifier(element.name)
        ? element.name.text
        : undefined;
    if (key === undefined) continue;
    const rest = destructuredPath(element.name, local);
    if (rest) return [key, ...rest];
  }
  return undefined;
}

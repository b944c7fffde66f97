/**
 * Finds the function `--exec` calls for a finding and how to reach it from outside its module. Only code
 * reachable from module scope can be called: a top-level function or `const` function, a method of a
 * top-level class, or a method of a top-level object literal. The module then gets one appended line,
 * `export { <binding> as __bottleneckTarget }`, so even a function the file does not export can be called
 * without moving a single line (source-map positions stay those of the original file).
 */
import { loadTypeScript, ts } from '../../scanner/ts.js';

export const TARGET_EXPORT = '__bottleneckTarget';

export interface CallTarget {
  /** The function's own name, for messages. */
  name: string;
  /** The module-scope binding to export, or `default` for an anonymous default export. */
  binding: string;
  /** Set when the function is a method: read `member` from the exported class or object. */
  member?: string;
  holder: 'function' | 'class' | 'static' | 'object';
  /** 1-based line where the function starts. */
  line: number;
  parameters: number;
  /** The first parameter is typed `string` (or untyped): fake-compression then passes JSON text. */
  firstParameter: 'string' | 'object';
  /** The first parameter's name and declared type as written (`jpeg`, `Buffer`), when it has them. */
  firstParameterName?: string;
  firstParameterType?: string;
  /** Names the file only `declare`s (no value at run time): the child gives each a stub. */
  ambient: string[];
}

type FunctionLike = ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression | ts.MethodDeclaration;

function isFunctionLike(node: ts.Node): node is FunctionLike {
  return ts.isFunctionDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node) || ts.isMethodDeclaration(node);
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
}

function propertyName(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) ? name.text : undefined;
}

/** A top-level `const x = <initializer>`: the binding name, or undefined. */
function topLevelVariable(initializer: ts.Node): string | undefined {
  const declaration = initializer.parent;
  if (!declaration || !ts.isVariableDeclaration(declaration) || declaration.initializer !== initializer || !ts.isIdentifier(declaration.name)) return undefined;
  const statement = declaration.parent.parent;
  return statement && ts.isVariableStatement(statement) && ts.isSourceFile(statement.parent) ? declaration.name.text : undefined;
}

/** How to reach `fn` from module scope, or why it cannot be reached. */
function reach(fn: FunctionLike): Pick<CallTarget, 'name' | 'binding' | 'member' | 'holder'> | { skip: string } {
  const parent = fn.parent;
  if (ts.isFunctionDeclaration(fn) && ts.isSourceFile(parent)) {
    if (fn.name) return { name: fn.name.text, binding: fn.name.text, holder: 'function' };
    return hasModifier(fn, ts.SyntaxKind.DefaultKeyword) ? { name: 'default', binding: 'default', holder: 'function' } : { skip: 'an anonymous function' };
  }
  const variable = ts.isArrowFunction(fn) || ts.isFunctionExpression(fn) ? topLevelVariable(fn) : undefined;
  if (variable) return { name: variable, binding: variable, holder: 'function' };
  if (ts.isMethodDeclaration(fn) && ts.isClassDeclaration(parent) && ts.isSourceFile(parent.parent)) {
    const member = propertyName(fn.name);
    if (!member) return { skip: 'a method with a computed or private name' };
    const binding = parent.name?.text ?? (hasModifier(parent, ts.SyntaxKind.DefaultKeyword) ? 'default' : undefined);
    if (!binding) return { skip: 'a method of an anonymous class' };
    return { name: member, binding, member, holder: hasModifier(fn, ts.SyntaxKind.StaticKeyword) ? 'static' : 'class' };
  }
  // `export const codec = { deflate(text) {...} }` and `{ deflate: (text) => ... }`.
  const property = ts.isMethodDeclaration(fn) ? fn : ts.isPropertyAssignment(parent) && parent.initializer === fn ? parent : undefined;
  const literal = property?.parent;
  const holder = property && literal && ts.isObjectLiteralExpression(literal) ? topLevelVariable(literal) : undefined;
  const member = property ? propertyName(property.name) : undefined;
  if (holder && member) return { name: member, binding: holder, member, holder: 'object' };
  if (ts.isMethodDeclaration(fn) && ts.isClassLike(parent)) return { skip: 'a method of a class that is not declared at module scope' };
  return { skip: 'a nested function or callback' };
}

/** Names declared with `declare const|let|var|function|class` at module scope. */
function ambientNames(sourceFile: ts.SourceFile): string[] {
  const names: string[] = [];
  for (const statement of sourceFile.statements) {
    if (!hasModifier(statement, ts.SyntaxKind.DeclareKeyword)) continue;
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text);
    } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) {
      names.push(statement.name.text);
    }
  }
  return names;
}

export function parseSource(text: string, fileName: string): ts.SourceFile {
  // The compiler loads on first use (`probe --from` never scans, so nothing has loaded it yet).
  loadTypeScript();
  const kind = /\.[jt]sx$/.test(fileName) ? ts.ScriptKind.TSX : /\.[cm]?js$/.test(fileName) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  return ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, kind);
}

/**
 * The innermost function around `line` (1-based) that can be called from outside the module. Callbacks
 * and promise executors inside it (where a timer or an await often sits) run when it is called.
 */
export function locateFunction(text: string, fileName: string, line: number): CallTarget | { skip: string } {
  const sourceFile = parseSource(text, fileName);
  const lines = sourceFile.getLineStarts();
  if (line < 1 || line > lines.length) return { skip: `${fileName} has no line ${line} (the file changed since the scan?)` };
  const position = lines[line - 1] as number;
  const lineEnd = line < lines.length ? (lines[line] as number) : text.length;
  const chain: FunctionLike[] = [];
  const visit = (node: ts.Node): void => {
    if (node.getEnd() < position || node.getStart(sourceFile) > lineEnd) return;
    if (isFunctionLike(node)) {
      const startLine = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1;
      const endLine = sourceFile.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
      if (startLine <= line && line <= endLine) chain.push(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  if (chain.length === 0) return { skip: `no function around ${baseName(fileName)}:${line} to call (module-level code runs only when the module loads)` };
  let reason = '';
  for (const fn of [...chain].reverse()) {
    const reached = reach(fn);
    if (!('skip' in reached)) return describe(fn, reached, sourceFile);
    reason ||= reached.skip;
  }
  return { skip: `the code at ${baseName(fileName)}:${line} is in ${reason}, which cannot be called from outside its module` };
}

function describe(fn: FunctionLike, reached: Pick<CallTarget, 'name' | 'binding' | 'member' | 'holder'>, sourceFile: ts.SourceFile): CallTarget {
  const firstType = fn.parameters[0]?.type;
  return {
    ...reached,
    line: sourceFile.getLineAndCharacterOfPosition(fn.getStart(sourceFile)).line + 1,
    parameters: fn.parameters.length,
    firstParameter: !firstType || firstType.kind === ts.SyntaxKind.StringKeyword ? 'string' : 'object',
    ...(fn.parameters[0] && ts.isIdentifier(fn.parameters[0].name) ? { firstParameterName: fn.parameters[0].name.text } : {}),
    ...(firstType ? { firstParameterType: firstType.getText(sourceFile) } : {}),
    ambient: ambientNames(sourceFile),
  };
}

/** The function reached the same way as `target` (same binding and member) in another version of the file. */
export function locateSame(text: string, fileName: string, target: CallTarget): CallTarget | undefined {
  const sourceFile = parseSource(text, fileName);
  let found: CallTarget | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (isFunctionLike(node)) {
      const reached = reach(node);
      if (!('skip' in reached) && reached.binding === target.binding && reached.member === target.member) found = describe(node, reached, sourceFile);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

function baseName(fileName: string): string {
  return fileName.split(/[\\/]/).pop() ?? fileName;
}

/** The module text with the target exported under a fixed name (appended, so no line moves). */
export function exportTarget(text: string, target: CallTarget): string {
  return target.binding === 'default' ? text : `${text}\n;export { ${target.binding} as ${TARGET_EXPORT} };\n`;
}

/**
 * Checks a fixed file before anyone keeps it: it parses, declares no name twice in one scope, and adds no
 * type error when compiled on its own. "On its own": only the file, the TypeScript libraries and Node's
 * types (when installed); every import that does not resolve is `any` through a generated
 * `declare module '*'`, so a fix is judged by what it changes, not by the packages the project installed.
 * Diagnostics are compared before and after the fix (by code and message), since scanned code need not
 * type-check in isolation to begin with.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ts } from '../scanner/ts.js';

export function scriptKindOf(fileName: string): ts.ScriptKind {
  if (/\.tsx$/i.test(fileName)) return ts.ScriptKind.TSX;
  if (/\.jsx$/i.test(fileName)) return ts.ScriptKind.JSX;
  if (/\.[cm]?js$/i.test(fileName)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

function parse(text: string, fileName: string): ts.SourceFile {
  return ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, scriptKindOf(fileName));
}

/** The parser's errors, each as `line: message`. */
export function parseErrors(text: string, fileName: string): string[] {
  const sourceFile = parse(text, fileName);
  const diagnostics = (sourceFile as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
  return diagnostics.map((d) => `${d.start !== undefined ? sourceFile.getLineAndCharacterOfPosition(d.start).line + 1 : '?'}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
}

/**
 * Names declared twice in one scope (`const timer` twice in a block, a second `function decompress`):
 * block-scoped names per block, `var` and functions per function. Overload signatures and
 * declaration merging (interface/namespace) do not count.
 */
export function duplicateDeclarations(text: string, fileName: string): string[] {
  const sourceFile = parse(text, fileName);
  const found: string[] = [];
  const names = (name: ts.BindingName, out: string[]): void => {
    if (ts.isIdentifier(name)) out.push(name.text);
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) names(element.name, out);
  };
  const checkScope = (statements: readonly ts.Statement[], extra: string[] = []): void => {
    const seen = new Map<string, number>();
    const add = (name: string, at: ts.Node): void => {
      if (seen.has(name)) found.push(`${sourceFile.getLineAndCharacterOfPosition(at.getStart(sourceFile)).line + 1}: '${name}' is declared twice`);
      else seen.set(name, at.pos);
    };
    for (const name of extra) seen.set(name, -1);
    for (const statement of statements) {
      if (ts.isVariableStatement(statement)) {
        if (statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) continue;
        for (const declaration of statement.declarationList.declarations) {
          const out: string[] = [];
          names(declaration.name, out);
          for (const name of out) add(name, declaration);
        }
      } else if ((ts.isFunctionDeclaration(statement) && statement.body) || ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement)) {
        if (statement.name) add(statement.name.text, statement);
      } else if (ts.isImportDeclaration(statement) && statement.importClause) {
        const clause = statement.importClause;
        if (clause.name) add(clause.name.text, clause);
        const bindings = clause.namedBindings;
        if (bindings && ts.isNamespaceImport(bindings)) add(bindings.name.text, bindings);
        if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) add(element.name.text, element);
      }
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isSourceFile(node) || ts.isBlock(node) || ts.isModuleBlock(node)) {
      // A function body shares its scope with the parameters.
      const parent = node.parent;
      const params: string[] = [];
      if (parent && ts.isFunctionLike(parent) && ts.isBlock(node)) for (const p of parent.parameters) names(p.name, params);
      checkScope(node.statements, params);
    } else if (ts.isCaseBlock(node)) {
      checkScope(node.clauses.flatMap((clause) => [...clause.statements]));
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

const VIRTUAL = '/__bottleneck__/';
const LIB_DIR = `${VIRTUAL}lib/`;
const STUB_FILE = `${VIRTUAL}stub-modules.d.ts`;
/** Every module no file or package provides is `any`: the fixture's own imports are not what a fix is judged on. */
const STUB_TEXT = "declare module '*';\n";

/**
 * Type-checks one file at a time against the TypeScript libraries and `@types/node`, reusing their parsed
 * declaration files across checks (parsing them is most of the cost).
 */
export class IsolatedTypeChecker {
  private readonly libraryFiles = new Map<string, ts.SourceFile | undefined>();
  private readonly libTexts = new Map(bundledLibFiles().map((file) => [`${LIB_DIR}${file.fileName}`, file.text]));
  private readonly options: ts.CompilerOptions;
  private readonly host: ts.CompilerHost;

  /**
   * `extra`: options a project turns on that change what counts as an error. With `noUnusedLocals`, a fix
   * that leaves a name unread (TS6133) fails; only what the fix introduces counts (introduced()), so code that
   * already has unused locals is no bar.
   */
  constructor(extra: ts.CompilerOptions = {}) {
    const nodeTypes = nodeTypesRoot();
    this.options = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
      strict: true,
      noImplicitAny: false,
      noEmit: true,
      skipLibCheck: true,
      esModuleInterop: true,
      allowJs: true,
      checkJs: false,
      jsx: ts.JsxEmit.Preserve,
      experimentalDecorators: true,
      types: nodeTypes ? ['node'] : [],
      ...(nodeTypes ? { typeRoots: [nodeTypes] } : {}),
      noResolve: false,
      ...extra,
    };
    this.host = ts.createCompilerHost(this.options, true);
  }

  /** `code: message` of every syntactic and semantic diagnostic of the file, compiled on its own. */
  diagnostics(text: string, fileName: string): string[] {
    const target = `${VIRTUAL}scan/${path.basename(fileName)}`;
    const base = this.host;
    const { libraryFiles, libTexts } = this;
    const virtualText = (name: string): string | undefined => (name === target ? text : name === STUB_FILE ? STUB_TEXT : libTexts.get(name));
    const host: ts.CompilerHost = {
      ...base,
      getDefaultLibLocation: () => LIB_DIR,
      getDefaultLibFileName: () => `${LIB_DIR}lib.d.ts`,
      fileExists: (name) => (name.startsWith(VIRTUAL) ? virtualText(name) !== undefined : base.fileExists(name)),
      readFile: (name) => (name.startsWith(VIRTUAL) ? virtualText(name) : base.readFile(name)),
      getSourceFile: (name, languageVersion) => {
        if (name === target) return ts.createSourceFile(name, text, languageVersion, true, scriptKindOf(fileName));
        if (!libraryFiles.has(name)) {
          const virtual = virtualText(name);
          libraryFiles.set(name, virtual !== undefined ? ts.createSourceFile(name, virtual, languageVersion, true) : base.getSourceFile(name, languageVersion));
        }
        return libraryFiles.get(name);
      },
      writeFile: () => undefined,
    };
    const program = ts.createProgram({ rootNames: [target, STUB_FILE], options: this.options, host });
    const sourceFile = program.getSourceFile(target);
    if (!sourceFile) return ['the file could not be loaded'];
    return [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)].map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  }

  /** Diagnostics the fixed text has that the original did not (each counted once per occurrence). */
  introduced(before: string, after: string, fileName: string, beforeDiagnostics = this.diagnostics(before, fileName)): string[] {
    const remaining = new Map<string, number>();
    for (const d of beforeDiagnostics) remaining.set(d, (remaining.get(d) ?? 0) + 1);
    const added: string[] = [];
    for (const d of this.diagnostics(after, fileName)) {
      const left = remaining.get(d) ?? 0;
      if (left > 0) remaining.set(d, left - 1);
      else added.push(d);
    }
    return added;
  }
}

/**
 * TypeScript's lib .d.ts files: as @ts-morph/common bundles them (its TypeScript has none on disk), else from
 * the `lib` files beside the `typescript` package the scanner falls back to.
 */
function bundledLibFiles(): Array<{ fileName: string; text: string }> {
  const requireHere = createRequire(import.meta.url);
  try {
    const common = requireHere('@ts-morph/common') as { getLibFiles(): Array<{ fileName: string; text: string }> };
    return common.getLibFiles();
  } catch {
    const dir = path.dirname(requireHere.resolve('typescript'));
    return readdirSync(dir)
      .filter((name) => /^lib\..*\.d\.ts$/.test(name))
      .map((name) => ({ fileName: name, text: readFileSync(path.join(dir, name), 'utf8') }));
  }
}

/** The `@types` directory that holds Node's types, from the tool's own installation, if present. */
function nodeTypesRoot(): string | undefined {
  try {
    return path.dirname(path.dirname(createRequire(import.meta.url).resolve('@types/node/package.json')));
  } catch {
    return undefined;
  }
}

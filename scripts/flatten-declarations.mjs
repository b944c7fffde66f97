// The published type declarations (dist/src/**/*.d.ts, reached from api.d.ts) must not import a package that
// is bundled, because a user's install no longer has it. tsc writes, for example, `type JsonReport =
// z.infer<typeof jsonReportSchema>`; this rewrites such an alias into the structure the checker resolves it
// to (what an editor shows on hover), in place. Other declarations typed with a bundled package's types (the
// zod schemas themselves, functions taking them) are internal: `exports` in package.json offers only the API,
// so their types become `unknown`. The build fails if a bundled package is still named afterwards.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const B = ts.NodeBuilderFlags;
const BUILD = B.NoTruncation | B.InTypeAlias | B.MultilineObjectLiterals | B.IgnoreErrors;
const printer = ts.createPrinter({ removeComments: true });

/** Rewrites, in place, the declaration files `entry` reaches so that none imports one of `bundled`. */
export function flattenDeclarations(entry, bundled) {
  const program = ts.createProgram([entry], {
    strict: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: [],
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const own = path.dirname(path.dirname(path.resolve(entry)));
  const isBundled = (specifier) => bundled.some((name) => specifier === name || specifier.startsWith(`${name}/`));
  const edits = new Map();
  for (const sourceFile of program.getSourceFiles()) {
    const file = path.resolve(sourceFile.fileName);
    if (!file.startsWith(own + path.sep) || file.includes(`${path.sep}node_modules${path.sep}`)) continue;
    const names = new Set();
    const fileEdits = [];
    for (const statement of sourceFile.statements) {
      if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier) || !isBundled(statement.moduleSpecifier.text)) continue;
      const clause = statement.importClause;
      if (clause?.name) names.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) names.add(element.name.text);
      fileEdits.push({ start: statement.getFullStart(), end: statement.getEnd(), text: '' });
    }
    if (names.size === 0) continue;
    const mentions = (node) => {
      let found = false;
      const visit = (child) => {
        if (found) return;
        if (ts.isIdentifier(child) && names.has(child.text)) found = true;
        else ts.forEachChild(child, visit);
      };
      visit(node);
      return found;
    };
    const visit = (node) => {
      if (ts.isTypeAliasDeclaration(node) && mentions(node.type)) {
        const type = checker.getDeclaredTypeOfSymbol(checker.getSymbolAtLocation(node.name));
        const structure = checker.typeToTypeNode(type, node, BUILD);
        fileEdits.push({ start: node.type.getStart(sourceFile), end: node.type.getEnd(), text: printer.printNode(ts.EmitHint.Unspecified, structure, sourceFile) });
        return;
      }
      // The outermost type naming a bundled package, outside the aliases above: internal, so `unknown`.
      if (ts.isTypeNode(node) && mentions(node) && isOutermostMention(node)) {
        fileEdits.push({ start: node.getStart(sourceFile), end: node.getEnd(), text: 'unknown' });
        return;
      }
      ts.forEachChild(node, visit);
    };
    const isOutermostMention = (node) => !(node.parent && ts.isTypeNode(node.parent) && mentions(node.parent));
    for (const statement of sourceFile.statements) if (!ts.isImportDeclaration(statement)) visit(statement);
    edits.set(file, { text: sourceFile.getFullText(), edits: fileEdits, names });
  }
  for (const [file, { text, edits: fileEdits, names }] of edits) {
    let out = text;
    for (const edit of fileEdits.sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
    const left = [...names].filter((name) => new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\.`).test(out));
    const imports = [...out.matchAll(/from ['"]([^'"]+)['"]|import\(['"]([^'"]+)['"]\)/g)].map((match) => match[1] ?? match[2]).filter(isBundled);
    if (left.length > 0 || imports.length > 0) throw new Error(`flatten-declarations: ${path.relative(own, file)} still names ${[...left, ...imports].join(', ')}`);
    writeFileSync(file, out);
  }
  // Every file the API reaches, checked again from scratch: no import of a bundled package is left.
  for (const sourceFile of ts.createProgram([entry], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, types: [], noEmit: true }).getSourceFiles()) {
    const file = path.resolve(sourceFile.fileName);
    if (!file.startsWith(own + path.sep) || file.includes(`${path.sep}node_modules${path.sep}`)) continue;
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/from ['"]([^'"]+)['"]|import\(['"]([^'"]+)['"]\)/g)) {
      const specifier = match[1] ?? match[2];
      if (isBundled(specifier)) throw new Error(`flatten-declarations: ${path.relative(own, file)} imports ${specifier}`);
    }
  }
}

/**
 * Fixes as data: edits over the original text, built by the rules' fix builders and applied by `scan --fix`,
 * `--fix-dry-run`, SARIF consumers and the tests alike. Nothing here touches the file system.
 */
import type { EditSpec } from '../rule.js';
import { ts } from '../scanner/ts.js';

export type { EditSpec };

/** Replace a node (or `node` through `endNode`) with `text`. */
export function replaceNode(node: ts.Node, text: string, sourceFile: ts.SourceFile, endNode: ts.Node = node): EditSpec {
  return { start: node.getStart(sourceFile), end: endNode.getEnd(), text };
}

export function insertAt(offset: number, text: string): EditSpec {
  return { start: offset, end: offset, text };
}

/** The whitespace that starts the line `offset` is on. */
export function lineIndent(offset: number, sourceFile: ts.SourceFile): string {
  const lineStart = sourceFile.text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(sourceFile.text.slice(lineStart, offset))?.[0] ?? '';
}

/** The line break the file uses. */
export function newlineOf(sourceFile: ts.SourceFile): string {
  return /\r\n/.test(sourceFile.text) ? '\r\n' : '\n';
}

/**
 * Lines inserted just before `statement`, at its indentation: `lines` are written one per line, each
 * indented like the statement (continuation lines keep their own relative indentation).
 */
export function insertLinesBefore(statement: ts.Node, lines: string, sourceFile: ts.SourceFile): EditSpec {
  const start = statement.getStart(sourceFile);
  const indent = lineIndent(start, sourceFile);
  const nl = newlineOf(sourceFile);
  const text = lines.split('\n').map((line, i) => (i === 0 ? line : line.length > 0 ? indent + line : line)).join(nl);
  return insertAt(start, `${text}${nl}${indent}`);
}

/** Lines inserted just after `statement`, each on its own line at the statement's indentation. */
export function insertLinesAfter(statement: ts.Node, lines: string, sourceFile: ts.SourceFile): EditSpec {
  const indent = lineIndent(statement.getStart(sourceFile), sourceFile);
  const nl = newlineOf(sourceFile);
  return insertAt(statement.getEnd(), lines.split('\n').map((line) => (line.length > 0 ? `${nl}${indent}${line}` : nl)).join(''));
}

/** Re-indents a multi-line text written at column 0 so its continuation lines sit at `indent`. */
export function indentContinuation(text: string, indent: string): string {
  return text.split('\n').map((line, i) => (i === 0 || line.length === 0 ? line : indent + line)).join('\n');
}

/**
 * Where an import line can go: after the last import declaration (or at the top of the file, after a
 * shebang and leading comments that are directives such as 'use strict').
 */
export function importInsertion(sourceFile: ts.SourceFile, importText: string): EditSpec {
  const nl = newlineOf(sourceFile);
  const imports = sourceFile.statements.filter((s) => ts.isImportDeclaration(s) || ts.isImportEqualsDeclaration(s));
  const last = imports[imports.length - 1];
  if (last) return insertAt(last.getEnd(), `${nl}${importText}`);
  const first = sourceFile.statements[0];
  const directive = first && ts.isExpressionStatement(first) && ts.isStringLiteral(first.expression) ? first : undefined;
  if (directive) return insertAt(directive.getEnd(), `${nl}${importText}`);
  return insertAt(first ? first.getStart(sourceFile) : sourceFile.text.length, `${importText}${nl}${first ? nl : ''}`);
}

/** True when the file already imports `name` (as a named, default or namespace binding) from `module`. */
export function importsName(sourceFile: ts.SourceFile, module: RegExp, name: string): boolean {
  for (const statement of sourceFile.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier) || !module.test(statement.moduleSpecifier.text)) continue;
    const clause = statement.importClause;
    if (clause?.name?.text === name) return true;
    const bindings = clause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings) && bindings.elements.some((e) => e.name.text === name)) return true;
    if (bindings && ts.isNamespaceImport(bindings) && bindings.name.text === name) return true;
  }
  return false;
}

/** Applies non-overlapping edits to `text`; throws when two overlap (a bug in whoever built them). */
export function applyEdits(text: string, edits: ReadonlyArray<{ start: number; end: number; text: string }>): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let at = 0;
  for (const edit of sorted) {
    if (edit.start < at || edit.end < edit.start || edit.end > text.length) throw new Error(`overlapping or out-of-range edit at ${edit.start}-${edit.end}`);
    out += text.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return out + text.slice(at);
}

/** Whether two sets of edits touch the same text (two insertions at one offset count as touching). */
export function editsOverlap(a: ReadonlyArray<{ start: number; end: number }>, b: ReadonlyArray<{ start: number; end: number }>): boolean {
  return a.some((x) => b.some((y) => x.start < y.end && y.start < x.end || x.start === y.start || (x.start === x.end && y.start <= x.start && x.start <= y.end) || (y.start === y.end && x.start <= y.start && y.start <= x.end)));
}

/** Adds `property` to an object literal: after its last property (on a new line when the object spans lines). */
export function addPropertyEdit(object: ts.ObjectLiteralExpression, property: string, sourceFile: ts.SourceFile): EditSpec {
  const last = object.properties[object.properties.length - 1];
  if (!last) return replaceNode(object, `{ ${property} }`, sourceFile);
  const multiline = sourceFile.getLineAndCharacterOfPosition(object.getStart(sourceFile)).line !== sourceFile.getLineAndCharacterOfPosition(object.getEnd()).line;
  if (!multiline) return insertAt(last.getEnd(), `, ${property}`);
  return insertAt(last.getEnd(), `,${newlineOf(sourceFile)}${lineIndent(last.getStart(sourceFile), sourceFile)}${property}`);
}

/** Appends an argument to a call or `new` expression that has parentheses. */
export function appendArgumentEdit(call: ts.CallExpression | ts.NewExpression, argument: string, sourceFile: ts.SourceFile): EditSpec | undefined {
  const args = call.arguments;
  if (!args) return undefined;
  const close = call.getEnd() - 1;
  if (sourceFile.text[close] !== ')') return undefined;
  const last = args[args.length - 1];
  return last ? insertAt(last.getEnd(), `, ${argument}`) : insertAt(close, argument);
}

/** The statement of the source file that holds `node` (where module-level code can go just before). */
export function topLevelStatement(node: ts.Node): ts.Statement | undefined {
  let current: ts.Node = node;
  while (current.parent && !ts.isSourceFile(current.parent)) current = current.parent;
  return current.parent && ts.isSourceFile(current.parent) ? (current as ts.Statement) : undefined;
}

/**
 * Deletes one element of a comma-separated list (a property, an argument) with its comma; when that leaves
 * its line blank, the whole line goes. Comments around the element stay.
 */
export function removeListElement(node: ts.Node, sourceFile: ts.SourceFile): EditSpec {
  const text = sourceFile.text;
  let start = node.getStart(sourceFile);
  let end = node.getEnd();
  const after = /^[ \t]*,[ \t]*/.exec(text.slice(end));
  if (after) end += after[0].length;
  else {
    // The last element without a trailing comma: take the comma before it.
    const before = /,[ \t]*$/.exec(text.slice(0, start));
    if (before) start -= before[0].length;
  }
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const eol = text.indexOf('\n', end);
  const lineEnd = eol === -1 ? text.length : eol;
  if (/^[ \t]*$/.test(text.slice(lineStart, start)) && /^[ \t]*\r?$/.test(text.slice(end, lineEnd)) && eol !== -1) return { start: lineStart, end: eol + 1, text: '' };
  return { start, end, text: '' };
}

/**
 * Whether `name` is used as a variable anywhere in the file (declared, imported or read): a name a fix adds
 * must not be. A property name (`zlib.gzipSync`, `{ gzipSync: 1 }`, a method) does not count.
 */
export function nameTaken(sourceFile: ts.SourceFile, name: string): boolean {
  if (!sourceFile.text.includes(name)) return false;
  let taken = false;
  const visit = (node: ts.Node): void => {
    if (taken) return;
    if (ts.isIdentifier(node) && node.text === name) {
      const parent = node.parent;
      const member =
        (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
        ((ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent) || ts.isPropertySignature(parent) || ts.isMethodSignature(parent) || ts.isGetAccessor(parent) || ts.isSetAccessor(parent)) && parent.name === node) ||
        (ts.isQualifiedName(parent) && parent.right === node);
      if (!member) taken = true;
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return taken;
}

/** Deletes a whole statement; when it stands alone on its line, the line goes with it. */
export function deleteStatement(statement: ts.Statement, sourceFile: ts.SourceFile): EditSpec {
  const text = sourceFile.text;
  const start = statement.getStart(sourceFile);
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const eol = text.indexOf('\n', statement.getEnd());
  const alone = /^[ \t]*$/.test(text.slice(lineStart, start)) && /^[ \t]*\r?$/.test(text.slice(statement.getEnd(), eol === -1 ? text.length : eol));
  return alone && eol !== -1 ? { start: lineStart, end: eol + 1, text: '' } : { start, end: statement.getEnd(), text: '' };
}

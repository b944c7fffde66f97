/**
 * What a fix leaves dead. A fix that rewrites `encodeForWire(message)` into `gzipSync(...)` leaves the helper
 * with no caller; in a project with `noUnusedLocals` that is a compile error (TS6133) and the fix does not
 * apply as given. This finds the file-local declarations only the replaced code used (helpers, private
 * methods, constants, imports), and the ones only those used in turn, and deletes them with the fix.
 *
 * Names are matched by text within the file, so a name that also appears anywhere else (shadowed, a
 * same-named property) counts as still used: the helper then stays, which is never wrong, only untidy.
 */
import { ts } from '../scanner/ts.js';
import type { EditSpec } from './edits.js';

export interface Replaced {
  /** The node the fix replaces. */
  node: ts.Node;
  /** The text that replaces it. */
  text: string;
}

interface Candidate {
  name: string;
  /** Private members are read as `this.name`; everything else as a bare identifier. */
  member: boolean;
  /** The text the deletion removes. */
  range: { start: number; end: number };
  /** The declaration node, whose own name does not count as a use. */
  declaration: ts.Node;
  /** An import specifier among others: deleted as a list element, not as a line. */
  edit: EditSpec;
}

const SIDE_EFFECT_FREE_CONSTRUCTORS = new Set(['TextEncoder', 'TextDecoder', 'Map', 'Set', 'WeakMap', 'WeakSet', 'RegExp']);

/** An initialiser whose removal cannot change behaviour: a function, a literal, a plain encoder or collection. */
function pureInitializer(node: ts.Expression | undefined): boolean {
  if (!node) return false;
  if (ts.isArrowFunction(node) || ts.isFunctionExpression(node) || ts.isClassExpression(node)) return true;
  if (ts.isStringLiteralLike(node) || ts.isNumericLiteral(node) || ts.isRegularExpressionLiteral(node)) return true;
  if (node.kind === ts.SyntaxKind.TrueKeyword || node.kind === ts.SyntaxKind.FalseKeyword) return true;
  if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && SIDE_EFFECT_FREE_CONSTRUCTORS.has(node.expression.text)) {
    return (node.arguments ?? []).every((a) => ts.isStringLiteralLike(a) || ts.isNumericLiteral(a));
  }
  return false;
}

function exported(node: ts.Node): boolean {
  return (ts.canHaveModifiers(node) ? (ts.getModifiers(node) ?? []) : []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword || m.kind === ts.SyntaxKind.DefaultKeyword);
}

/** The whole lines `node` stands on (with its JSDoc), and one blank line after it when one also precedes it. */
function lineRange(node: ts.Node, sourceFile: ts.SourceFile): { start: number; end: number } | undefined {
  const text = sourceFile.text;
  const start = node.getStart(sourceFile, true);
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const eol = text.indexOf('\n', node.getEnd());
  if (eol === -1 || !/^[ \t]*$/.test(text.slice(lineStart, start)) || !/^[ \t]*\r?$/.test(text.slice(node.getEnd(), eol))) return undefined;
  let end = eol + 1;
  const blankBefore = lineStart === 0 || /\n[ \t]*\r?\n$/.test(text.slice(0, lineStart));
  const blankAfter = /^[ \t]*\r?\n/.exec(text.slice(end));
  if (blankBefore && blankAfter) end += blankAfter[0].length;
  return { start: lineStart, end };
}

function candidates(sourceFile: ts.SourceFile): Candidate[] {
  const found: Candidate[] = [];
  const add = (name: string, member: boolean, declaration: ts.Node, rangeNode: ts.Node): void => {
    const range = lineRange(rangeNode, sourceFile);
    if (range) found.push({ name, member, range, declaration, edit: { ...range, text: '' } });
  };
  for (const statement of sourceFile.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name && statement.body && !exported(statement)) {
      add(statement.name.text, false, statement, statement);
    } else if (ts.isVariableStatement(statement) && !exported(statement) && statement.declarationList.declarations.length === 1) {
      const declaration = statement.declarationList.declarations[0]!;
      if (ts.isIdentifier(declaration.name) && pureInitializer(declaration.initializer)) add(declaration.name.text, false, declaration, statement);
    } else if (ts.isClassDeclaration(statement)) {
      for (const member of statement.members) {
        if (!ts.isMethodDeclaration(member) || !member.body) continue;
        const isPrivate = ts.isPrivateIdentifier(member.name) || (ts.getModifiers(member) ?? []).some((m) => m.kind === ts.SyntaxKind.PrivateKeyword);
        if (isPrivate && (ts.isIdentifier(member.name) || ts.isPrivateIdentifier(member.name))) add(member.name.text, true, member, member);
      }
    } else if (ts.isImportDeclaration(statement) && statement.importClause && !statement.importClause.isTypeOnly) {
      const clause = statement.importClause;
      const named = clause.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : [];
      // Only an import whose every binding is one name: deleting the declaration cannot take another name with it.
      if (clause.name && !clause.namedBindings) add(clause.name.text, false, clause, statement);
      else if (!clause.name && named.length === 1 && !named[0]!.isTypeOnly) add(named[0]!.name.text, false, named[0]!, statement);
      else if (!clause.name && clause.namedBindings && ts.isNamespaceImport(clause.namedBindings)) add(clause.namedBindings.name.text, false, clause.namedBindings, statement);
    }
  }
  return found;
}

/**
 * Every use of `candidate`'s name in the file, as offsets, leaving out its own declaration's name. A bare
 * name never counts `x.name`; a private member counts every identifier of its name and every string equal
 * to it (`this['toWire']`), so an unusual use keeps the member.
 */
function uses(candidate: Candidate, sourceFile: ts.SourceFile): number[] {
  const at: number[] = [];
  const ownName = (candidate.declaration as { name?: ts.Node }).name;
  const visit = (node: ts.Node): void => {
    if ((ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) && node.text === candidate.name && node !== ownName) {
      const isMemberName = ts.isPropertyAccessExpression(node.parent) && node.parent.name === node;
      if (candidate.member || !isMemberName) at.push(node.getStart(sourceFile));
    } else if (candidate.member && ts.isStringLiteralLike(node) && node.text === candidate.name) {
      at.push(node.getStart(sourceFile));
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return at;
}

/**
 * Deletions for the declarations `replaced` leaves unused: each was used inside a replaced node (or inside a
 * declaration deleted in turn), is used nowhere else in the file, and the new text does not name it.
 */
export function deadAfter(replaced: readonly Replaced[], sourceFile: ts.SourceFile): { edits: EditSpec[]; names: string[] } {
  const gone = replaced.map((r) => ({ start: r.node.getStart(sourceFile), end: r.node.getEnd() }));
  const newText = replaced.map((r) => r.text).join('\n');
  const inside = (offset: number, ranges: Array<{ start: number; end: number }>) => ranges.some((r) => offset >= r.start && offset < r.end);
  const pending = candidates(sourceFile)
    .filter((c) => !gone.some((g) => g.start < c.range.end && c.range.start < g.end))
    .filter((c) => !new RegExp(`(^|[^\\w$#])${c.name.replace(/[$#]/g, '\\$&')}(?![\\w$])`).test(newText))
    .map((c) => ({ candidate: c, at: uses(c, sourceFile) }));
  const deleted: Candidate[] = [];
  for (let changed = true; changed; ) {
    changed = false;
    for (const entry of pending) {
      if (deleted.includes(entry.candidate)) continue;
      const removed = [...gone, ...deleted.map((d) => d.range)];
      const ownRange = entry.candidate.range;
      const outside = entry.at.filter((offset) => !inside(offset, removed) && !(offset >= ownRange.start && offset < ownRange.end));
      const usedByRemoved = entry.at.some((offset) => inside(offset, removed));
      if (outside.length === 0 && usedByRemoved) {
        deleted.push(entry.candidate);
        changed = true;
      }
    }
  }
  return { edits: deleted.map((d) => d.edit), names: deleted.map((d) => d.name) };
}

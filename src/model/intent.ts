import { ts } from '../scanner/ts.js';
import { isFunctionBoundary, shorten } from './syntax.js';

/**
 * What the author says about order: a comment above the statement (several `//` lines read as one sentence)
 * or an `eslint-disable no-await-in-loop` region above the code.
 */

export const DELIBERATE_COMMENT = /sequential|serial(ly|ise|ize)?\b|one (at a time|by one|after another)|in order|order matters|concurren|parallel|rate.?limit|throttl|deadlock|race condition|avoid .*(load|overload|flood)|same (pg )?client|single connection/i;

/** A comment right above the statement (or an enclosing statement in the same function) says why it is sequential. */
export function deliberateComment(node: ts.Node, sourceFile: ts.SourceFile): string | undefined {
  const text = sourceFile.text;
  const region = disabledRegion(node, sourceFile);
  if (region) return region;
  for (let current: ts.Node | undefined = node; current && !isFunctionBoundary(current); current = current.parent) {
    if (!ts.isStatement(current) && !ts.isVariableDeclarationList(current)) continue;
    // Consecutive `//` lines are one comment: a sentence may wrap ("requests are rare, so running" / "them in
    // parallel would only add load"), and neither line alone says it.
    const ranges = ts.getLeadingCommentRanges(text, current.pos) ?? [];
    // This rule's own id (fixture annotations, suppression comments) is not an explanation.
    const comment = ranges
      .map((range) => text.slice(range.pos, range.end).replace(/^\/[/*]+\s*|\s*\*\/$/g, ''))
      .join(' ')
      .replace(/(todo)?(ruleid|ok|todook):\s*[\w/-]+/g, '')
      .replace(/sequential-await(\/[\w-]+)?/g, '');
    if (/no-await-in-loop/.test(comment)) return 'an eslint no-await-in-loop suppression marks the loop as deliberately sequential';
    if (DELIBERATE_COMMENT.test(comment)) return `a comment says the order is deliberate: "${shorten(comment, 70)}"`;
  }
  return undefined;
}

/** `/* eslint-disable no-await-in-loop *\/` earlier in the file with no `eslint-enable` for it in between. */
export function disabledRegion(node: ts.Node, sourceFile: ts.SourceFile): string | undefined {
  const before = sourceFile.text.slice(0, node.getStart(sourceFile));
  const disable = before.lastIndexOf('eslint-disable no-await-in-loop');
  if (disable === -1) return undefined;
  const lineStart = before.lastIndexOf('\n', disable) + 1;
  // `eslint-disable-next-line` and `eslint-disable-line` cover one line only; a block disable covers the rest.
  if (/eslint-disable-(next-)?line/.test(before.slice(lineStart, disable + 15))) return undefined;
  const enable = before.lastIndexOf('eslint-enable');
  if (enable > disable) return undefined;
  return 'an `eslint-disable no-await-in-loop` region above marks this code as deliberately sequential';
}

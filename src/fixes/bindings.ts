import { ts } from '../scanner/ts.js';

/** Names a binding declares, destructuring included. */
function boundNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((element) => (ts.isOmittedExpression(element) ? [] : boundNames(element.name)));
}

/**
 * The part of a binding that `text` still reads: a name it reads, a destructuring pattern with the unread
 * elements left out (holes in an array pattern, omitted properties in an object pattern without a rest);
 * undefined when it reads none of it.
 */
export function prunedBinding(name: ts.BindingName, text: string, sourceFile: ts.SourceFile): string | undefined {
  // Not a property (`x.name`, `x?.name`), but a spread (`...name`) is a read.
  const reads = (n: string) => new RegExp(`(?<![\\w$])(?<![^.]\\.)(?<!^\\.)${n.replace(/\$/g, '\\$')}(?![\\w$])`).test(text);
  if (ts.isIdentifier(name)) return reads(name.text) ? name.text : undefined;
  const names = boundNames(name);
  if (!names.some(reads)) return undefined;
  if (ts.isObjectBindingPattern(name)) {
    // A rest element collects what the others leave: omitting one would change it.
    if (name.elements.some((e) => e.dotDotDotToken)) return name.getText(sourceFile);
    const kept = name.elements.filter((e) => boundNames(e.name).some(reads)).map((e) => (e.initializer || e.propertyName ? e.getText(sourceFile) : prunedBinding(e.name, text, sourceFile) ?? e.getText(sourceFile)));
    return `{ ${kept.join(', ')} }`;
  }
  const parts = name.elements.map((e) => {
    if (ts.isOmittedExpression(e)) return '';
    if (e.dotDotDotToken || e.initializer) return boundNames(e.name).some(reads) ? e.getText(sourceFile) : '';
    return prunedBinding(e.name, text, sourceFile) ?? '';
  });
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return `[${parts.join(', ')}]`;
}


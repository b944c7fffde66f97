import { describe, expect, it } from 'vitest';
import { prunedBinding } from '../../src/fixes/bindings.js';
import { loadTypeScript, ts } from '../../src/scanner/ts.js';

loadTypeScript();

/** The binding of `for (<binding> of xs)` pruned to what `text` reads. */
function pruned(binding: string, text: string): string | undefined {
  const sourceFile = ts.createSourceFile('f.ts', `for (const ${binding} of xs) {}`, ts.ScriptTarget.Latest, true);
  const loop = sourceFile.statements[0] as ts.ForOfStatement;
  const declaration = (loop.initializer as ts.VariableDeclarationList).declarations[0]!;
  return prunedBinding(declaration.name, text, sourceFile);
}

describe('prunedBinding: the part of a loop binding the rewritten code reads', () => {
  it('keeps a name read directly, through a spread, or in a template; drops one only read as a property', () => {
    expect(pruned('{ selector, data }', 'this.list({ ...selector }, { take: 1 })')).toBe('{ selector }');
    expect(pruned('{ selector, data }', 'http.get(`/x/${data}`)')).toBe('{ data }');
    expect(pruned('{ selector, data }', 'other.selector(item.data)')).toBeUndefined();
    expect(pruned('{ selector, data }', 'other?.selector')).toBeUndefined();
    expect(pruned('item', '...item')).toBe('item');
  });

  it('leaves holes in an array pattern and keeps a pattern with a rest element whole', () => {
    expect(pruned('[owner, id, note]', 'http.get(`/sites/${id}`)')).toBe('[, id]');
    expect(pruned('{ id, ...rest }', 'load(id)')).toBe('{ id, ...rest }');
  });
});

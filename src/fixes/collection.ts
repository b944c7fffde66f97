/**
 * What kind of collection an expression holds, as far as this file's syntax says: the loop fixes pick
 * `.map` only for an array (a `Map` or `Set` has none, and `Array.from(map)` yields entries, as `for...of`
 * over a map does). Unknown stays unknown: the caller then goes through `Array.from`, which is right for
 * every iterable.
 */
import { ts } from '../scanner/ts.js';

export type CollectionKind = 'array' | 'map' | 'set' | 'iterable' | 'unknown';

const ARRAY_METHODS = /^(map|filter|slice|concat|flat|flatMap|split|sort|reverse|toSorted|toReversed|keys|values|entries)$/;

function kindOfType(type: ts.TypeNode): CollectionKind {
  if (ts.isArrayTypeNode(type) || ts.isTupleTypeNode(type)) return 'array';
  if (ts.isTypeOperatorNode(type) && type.operator === ts.SyntaxKind.ReadonlyKeyword) return kindOfType(type.type);
  if (ts.isTypeReferenceNode(type)) {
    const name = type.typeName.getText();
    if (name === 'Array' || name === 'ReadonlyArray') return 'array';
    if (name === 'Map' || name === 'ReadonlyMap') return 'map';
    if (name === 'Set' || name === 'ReadonlySet') return 'set';
    if (/^(Async)?Iterable(Iterator)?$/.test(name)) return 'iterable';
  }
  return 'unknown';
}

/** The declaration of `name` visible at `from`: a parameter or a variable of an enclosing scope. */
function declarationOf(name: string, from: ts.Node): ts.ParameterDeclaration | ts.VariableDeclaration | undefined {
  for (let scope: ts.Node | undefined = from.parent; scope; scope = scope.parent) {
    if (ts.isFunctionLike(scope)) {
      const parameter = scope.parameters.find((p) => ts.isIdentifier(p.name) && p.name.text === name);
      if (parameter) return parameter;
    }
    if (ts.isBlock(scope) || ts.isSourceFile(scope) || ts.isModuleBlock(scope)) {
      for (const statement of scope.statements) {
        if (!ts.isVariableStatement(statement) || statement.pos > from.pos) continue;
        const declaration = statement.declarationList.declarations.find((d) => ts.isIdentifier(d.name) && d.name.text === name);
        if (declaration) return declaration;
      }
    }
  }
  return undefined;
}

export function collectionKind(expression: ts.Expression, depth = 0): CollectionKind {
  let node = expression;
  while (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isNonNullExpression(node) || ts.isSatisfiesExpression(node)) {
    if (ts.isAsExpression(node)) {
      const kind = kindOfType(node.type);
      if (kind !== 'unknown') return kind;
    }
    node = node.expression;
  }
  if (ts.isArrayLiteralExpression(node)) return 'array';
  if (ts.isNewExpression(node) && ts.isIdentifier(node.expression)) {
    if (node.expression.text === 'Map') return 'map';
    if (node.expression.text === 'Set') return 'set';
    if (node.expression.text === 'Array') return 'array';
  }
  if (ts.isCallExpression(node)) {
    const callee = node.expression;
    if (ts.isPropertyAccessExpression(callee)) {
      const receiver = callee.expression.getText();
      const method = callee.name.text;
      if ((receiver === 'Object' && /^(keys|values|entries)$/.test(method)) || (receiver === 'Array' && /^(from|of)$/.test(method))) return 'array';
      // `map.keys()` is an iterator; `array.keys()` too: only the array methods that return arrays count.
      if (/^(keys|values|entries)$/.test(method)) return 'iterable';
      if (ARRAY_METHODS.test(method) && depth < 3 && collectionKind(callee.expression, depth + 1) === 'array') return 'array';
      if (/^(split|filter|slice|concat|flat|flatMap)$/.test(method)) return 'array';
    }
    return 'unknown';
  }
  if (ts.isIdentifier(node) && depth < 3) {
    const declaration = declarationOf(node.text, node);
    if (!declaration) return 'unknown';
    if (declaration.type) return kindOfType(declaration.type);
    if (declaration.initializer) return collectionKind(declaration.initializer, depth + 1);
  }
  return 'unknown';
}

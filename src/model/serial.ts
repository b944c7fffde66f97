import { ts } from '../scanner/ts.js';
import { bindingIdentifiers } from '../scanner/imports.js';
import { calleeName, enclosingFunctionOf, isFunctionBoundary, receiverRoot, unwrap, type CallLike } from './syntax.js';

/**
 * Work that is serialised whatever the code looks like: statements inside a transaction callback or a
 * function taking a transaction handle, calls on one acquired connection, methods of a class that is one
 * connection. Awaits there run in order on purpose (or at no cost), so they are not independent.
 */

export const TX_NAME = /^(tx|trx|txn|t|transaction|transactionManager|transactionalEntityManager|queryRunner|session|dbTx|transactionClient|trxOrKnex)$/;

export const TX_CALLEE = /transaction|^\$transaction$|^transact$|^withTransaction$|^serializable$|^tx$/i;

export const SINGLE_CONNECTION_INIT = /^(connect|getConnection|acquire|createQueryRunner|startSession|getClient|reserve)$/;

/**
 * The call runs the callback it is given inside one transaction: `prisma.$transaction(cb)`, `knex.transaction(cb)`,
 * `dataSource.transaction('SERIALIZABLE', cb)`, `session.withTransaction(cb)`, and Kysely's
 * `db.transaction().execute(cb)`. Returns how the code says it, for evidence.
 */
export function transactionOpener(call: ts.CallExpression): string | undefined {
  const name = calleeName(call.expression);
  if (!name) return undefined;
  if (TX_CALLEE.test(name)) return `${name}(...)`;
  // `db.transaction().execute(cb)`, `db.transaction().setIsolationLevel('serializable').execute(cb)`
  if (name === 'execute' && ts.isPropertyAccessExpression(call.expression)) {
    for (let inner = unwrap(call.expression.expression); ts.isCallExpression(inner); ) {
      const innerName = calleeName(inner.expression);
      if (innerName && TX_CALLEE.test(innerName)) return `${innerName}().execute(...)`;
      if (!ts.isPropertyAccessExpression(inner.expression)) break;
      inner = unwrap(inner.expression.expression);
    }
  }
  return undefined;
}

/** Inside a callback given to `transaction(...)`, `$transaction(...)`, `withTransaction(...)`, or a function taking a `tx`. */
export function inTransaction(node: ts.Node): string | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (!ts.isFunctionLike(current)) continue;
    for (const parameter of current.parameters) {
      for (const name of bindingIdentifiers(parameter.name)) if (TX_NAME.test(name) && name !== 't') return `runs with a transaction parameter \`${name}\``;
    }
    const call = current.parent;
    if (call && ts.isCallExpression(call) && call.arguments.some((a) => a === current)) {
      const opener = transactionOpener(call);
      if (opener) return `inside a ${opener} callback: one connection, statements run in order`;
    }
  }
  return undefined;
}

/** The call uses a transaction or session handle: `{ transaction }`, `manager.find` with `tx`, `queryRunner.query`. */
export function usesTransactionHandle(call: CallLike, sourceFile: ts.SourceFile): string | undefined {
  const root = receiverRoot(ts.isCallExpression(call) ? call.expression : call.tag);
  if (root && TX_NAME.test(root)) return `called on the transaction/session handle \`${root}\``;
  if (root && root !== 'this' && singleConnection(call, root)) return `\`${root}\` is one acquired connection: its queries run one at a time anyway`;
  if (!ts.isCallExpression(call)) return undefined;
  for (const argument of call.arguments) {
    let found: string | undefined;
    const visit = (node: ts.Node): void => {
      if (found) return;
      if ((ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node)) && ts.isIdentifier(node.name) && /^(transaction|session|trx|tx|queryRunner|transactionManager)$/.test(node.name.text)) {
        found = `passes the ${node.name.text} \`${node.getText(sourceFile)}\``;
        return;
      }
      if (ts.isIdentifier(node) && TX_NAME.test(node.text) && node.text !== 't') {
        found = `passes the transaction/session handle \`${node.text}\``;
        return;
      }
      if (!isFunctionBoundary(node)) ts.forEachChild(node, visit);
    };
    visit(argument);
    if (found) return found;
  }
  return undefined;
}

/** `const client = await pool.connect()` earlier in the same function: one connection. */
export function singleConnection(call: CallLike, root: string): boolean {
  const fn = enclosingFunctionOf(call);
  if (!fn || !('body' in fn) || !fn.body) return false;
  // Asked for every awaited read of a function, mostly about the same receivers: one walk per function and name.
  let known = singleConnectionsOf.get(fn);
  if (known === undefined) {
    known = new Map();
    singleConnectionsOf.set(fn, known);
  }
  let answer = known.get(root);
  if (answer === undefined) {
    answer = declaresSingleConnection(fn.body, root);
    known.set(root, answer);
  }
  return answer;
}

export const singleConnectionsOf = new WeakMap<ts.Node, Map<string, boolean>>();

export function declaresSingleConnection(body: ts.Node, root: string): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === root && node.initializer) {
      const init = unwrap(ts.isAwaitExpression(unwrap(node.initializer)) ? (unwrap(node.initializer) as ts.AwaitExpression).expression : node.initializer);
      if (ts.isCallExpression(init)) {
        const name = calleeName(init.expression);
        if (name && SINGLE_CONNECTION_INIT.test(name)) found = true;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(body);
  return found;
}

export const SINGLE_CONNECTION_CLASS = /(QueryRunner|Connection|Transaction|Session|Cursor|Reader|Driver)$/;

/** `this.query(...)` inside a class that is one connection (`PostgresQueryRunner`): its calls queue anyway. */
export function singleConnectionClass(call: CallLike): string | undefined {
  const root = receiverRoot(ts.isCallExpression(call) ? call.expression : call.tag);
  if (root !== 'this') return undefined;
  for (let current = call.parent; current; current = current.parent) {
    if (ts.isClassLike(current)) {
      const name = current.name?.text;
      return name && SINGLE_CONNECTION_CLASS.test(name) ? `method of ${name}: one connection, its queries run one at a time anyway` : undefined;
    }
  }
  return undefined;
}

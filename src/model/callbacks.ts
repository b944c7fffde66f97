import { ts } from '../scanner/ts.js';
import { skipOuter } from '../scanner/imports.js';
import { classifyCall, heldValueOfHandle, type ClassifyContext } from './classify.js';
import type { HeldValue } from './types.js';

/**
 * Clients handed to callbacks. A callback's untyped parameter holds what its caller passes it:
 *  - a library that runs the callback on one connection or transaction (`prisma.$transaction(async (tx) => ...)`,
 *    `knex.transaction((trx) => ...)`, `pool.connect().then((client) => ...)`): one connection, calls in order;
 *  - a project function that calls its callback with a handle (`withRetry((client) => client.query())`, where
 *    `withRetry(work)` runs `work(pool)`): whatever that function passes, which the linker looks up in the
 *    function's summary (`passes`, recorded here by `recordPass`).
 */

/** Library methods that run their callback inside one transaction or on one acquired connection. */
const ONE_CONNECTION_METHODS = /^(\$transaction|transaction|withTransaction|transact|runInTransaction|startTransaction|serializable|connect|getConnection|acquire|withConnection|withSession|withClient|tx|begin)$/;

/** What an untyped parameter of an inline callback holds, from the call the callback is given to. */
export function heldValueOfCallbackParameter(parameter: ts.ParameterDeclaration, context: ClassifyContext): HeldValue | undefined {
  const fn = parameter.parent;
  if (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn)) return undefined;
  const call = fn.parent;
  if (!call || !ts.isCallExpression(call)) return undefined;
  const argument = call.arguments.indexOf(fn);
  if (argument === -1) return undefined;
  const index = fn.parameters.indexOf(parameter);
  const callee = skipOuter(call.expression);
  if (ts.isPropertyAccessExpression(callee)) {
    const method = callee.name.text;
    const receiver = skipOuter(callee.expression);
    const connect = ts.isCallExpression(receiver) ? skipOuter(receiver.expression) : undefined;
    // `pool.connect().then((client) => ...)`: the promise of one connection.
    if (method === 'then' && index === 0 && connect && ts.isPropertyAccessExpression(connect)) {
      const inner = connect;
      const handle = heldValueOfHandle(inner.expression, context);
      if (!ONE_CONNECTION_METHODS.test(inner.name.text)) return undefined;
      if (handle?.kind === 'io') return { ...handle, single: true };
      if (handle?.kind === 'returned') return { ...handle, single: true };
      return undefined;
    }
    if (ONE_CONNECTION_METHODS.test(method)) {
      const handle = heldValueOfHandle(callee.expression, context);
      // `pool.connect((err, client, release) => ...)` hands the connection second.
      if (handle?.kind === 'io' || handle?.kind === 'returned') return index === (method === 'connect' ? 1 : 0) ? { ...handle, single: true } : undefined;
    }
  }
  const outcome = classifyCall(call, context);
  if (outcome?.kind === 'call' && outcome.ref.kind !== 'passed') return { kind: 'passed', callee: outcome.ref, argument, parameter: index };
  return undefined;
}

/**
 * `work(pool)` inside `function withRetry(work) { ... }`: the function passes a handle to the callback it was
 * given. Returns [callback parameter index, argument index, what the argument holds] for each argument the
 * model can say something about.
 */
export function passedHandles(call: ts.CallExpression, owner: ts.SignatureDeclaration, context: ClassifyContext): Array<[number, number, HeldValue]> {
  const callee = skipOuter(call.expression);
  if (!ts.isIdentifier(callee)) return [];
  const parameter = owner.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === callee.text);
  if (parameter === -1) return [];
  const found: Array<[number, number, HeldValue]> = [];
  call.arguments.forEach((argument, index) => {
    const held = heldValueOfHandle(argument, context);
    if (held && held.kind !== 'memory') found.push([parameter, index, held]);
  });
  return found;
}

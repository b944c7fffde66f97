import { ts } from '../scanner/ts.js';
import { propertyName } from '../scanner/ast.js';
import type { FileSummary } from './types.js';

/**
 * One-shot code the path does not announce: a migration is a class with `up` and `down` methods (TypeORM's
 * MigrationInterface, MikroORM, umzug classes) or a module exporting `up` and `down` (knex, umzug,
 * migrate-mongo); a file named by a timestamp (`1700000000000-AddIndex.ts`, `20240101120000_backfill.ts`)
 * is a migration whatever it exports. Each runs once, when the migration is applied.
 */
const TIMESTAMP_NAME = /(^|\/)\d{12,}[-_.][^/]*$/;

export function markMigrations(summary: FileSummary, sourceFile?: ts.SourceFile): void {
  const once = (key: string, reason: string) => {
    const fn = summary.functions.find((f) => f.key === key);
    if (fn && (!fn.entry || fn.entry.kind === 'once')) fn.entry = { kind: 'once', reason };
  };
  const byName = TIMESTAMP_NAME.test(summary.file);
  for (const cls of Object.values(summary.classes)) {
    const { up, down } = cls.methods;
    if (up === undefined || (down === undefined && !byName)) continue;
    for (const key of Object.values(cls.methods)) once(key, `method of ${cls.name}, a migration (up/down): runs once, when it is applied`);
  }
  const upKey = summary.locals[summary.exports.up ?? ''];
  const downKey = summary.locals[summary.exports.down ?? ''];
  if (upKey !== undefined && (downKey !== undefined || byName)) {
    for (const key of [upKey, downKey]) if (key !== undefined) once(key, 'exported up/down of a migration module: runs once, when it is applied');
  }
  // `module.exports = { up: async (knex) => ..., down }`, `export default { up() {}, down() {} }`,
  // `exports.up = async function (...)`: the functions written inline in a module's up/down export.
  const inline = sourceFile ? migrationObjectFunctions(sourceFile) : [];
  for (const fn of summary.functions) {
    if (inline.includes(fn.pos)) once(fn.key, 'up/down of a migration module (module.exports / export default): runs once, when it is applied');
  }
}

/** Start positions of the functions a module exports as its migration `up` and `down`. */
function migrationObjectFunctions(sourceFile: ts.SourceFile): number[] {
  const found: number[] = [];
  const exportedNames = new Set<string>();
  const objects: ts.ObjectLiteralExpression[] = [];
  const loose: Record<string, ts.Expression> = {};
  const asObject = (expression: ts.Expression): ts.ObjectLiteralExpression | undefined => {
    let inner = expression;
    while (ts.isParenthesizedExpression(inner) || ts.isAsExpression(inner) || ts.isSatisfiesExpression(inner)) inner = inner.expression;
    return ts.isObjectLiteralExpression(inner) ? inner : undefined;
  };
  for (const statement of sourceFile.statements) {
    if (ts.isExportAssignment(statement)) {
      const object = asObject(statement.expression);
      if (object) objects.push(object);
      else if (ts.isIdentifier(statement.expression)) exportedNames.add(statement.expression.text);
    } else if (ts.isExpressionStatement(statement) && ts.isBinaryExpression(statement.expression) && statement.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const left = statement.expression.left.getText(sourceFile);
      const right = statement.expression.right;
      const object = asObject(right);
      if (left === 'module.exports' && object) objects.push(object);
      else if (left === 'module.exports' && ts.isIdentifier(right)) exportedNames.add(right.text);
      const member = /^(?:module\.)?exports\.(up|down)$/.exec(left);
      if (member?.[1]) loose[member[1]] = right;
    }
  }
  // `const migration = { up, down }; export default migration;`
  for (const statement of sourceFile.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      const object = declaration.initializer ? asObject(declaration.initializer) : undefined;
      if (object && ts.isIdentifier(declaration.name) && exportedNames.has(declaration.name.text)) objects.push(object);
    }
  }
  const add = (expression: ts.Node | undefined): void => {
    if (expression && (ts.isArrowFunction(expression) || ts.isFunctionExpression(expression) || ts.isMethodDeclaration(expression))) found.push(expression.getStart(sourceFile));
  };
  for (const object of objects) {
    const members: Record<string, ts.Node> = {};
    for (const property of object.properties) {
      const name = propertyName(property.name);
      if (name !== 'up' && name !== 'down') continue;
      members[name] = ts.isPropertyAssignment(property) ? property.initializer : property;
    }
    if (members.up && members.down) {
      add(members.up);
      add(members.down);
    }
  }
  if (loose.up && loose.down) {
    add(loose.up);
    add(loose.down);
  }
  return found;
}

/**
 * A yargs command module: a file exporting `command` (a string or list of them) and `handler`
 * (`export const command = 'deploy <env>'; export async function handler(argv) {}`), loaded by
 * `yargs.commandDir()` or `.command(require('./deploy'))`. Its handler runs once per command a person types.
 */
export function markCommandModule(summary: FileSummary, sourceFile: ts.SourceFile): void {
  const handlerKey = summary.locals[summary.exports.handler ?? ''];
  if (handlerKey === undefined || summary.exports.command === undefined) return;
  const declaresCommand = sourceFile.statements.some(
    (statement) =>
      ts.isVariableStatement(statement) &&
      statement.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === summary.exports.command && d.initializer !== undefined && (ts.isStringLiteralLike(d.initializer) || ts.isArrayLiteralExpression(d.initializer))),
  );
  const fn = summary.functions.find((f) => f.key === handlerKey);
  if (declaresCommand && fn && (!fn.entry || fn.entry.kind === 'once')) fn.entry = { kind: 'once', reason: 'handler of a yargs command module (exports command and handler): runs once per command a person runs' };
}

/**
 * One-shot callbacks whose only caller is the module's load: an inline function written at the top level of a
 * module (outside any function or class) that is invoked on the spot (`(async () => { ... })()`) or handed to
 * an API that calls it once (`app.listen(port, () => ...)`, `connect().then(() => ...)`, `server.once(...)`,
 * `process.nextTick(...)`, `emitter.on('ready', ...)`). What it calls runs once per process, whatever its name.
 * Event subscriptions of any other name (`socket.on('message', ...)`) run per event and are not this.
 */
const ONE_SHOT_METHODS = /^(then|catch|finally|listen|once|ready|nextTick|setImmediate|queueMicrotask|whenReady|onReady|start|run|bootstrap|init|initialize|connect|after)$/;
const ONE_SHOT_EVENTS = /^(listening|ready|connect|connected|open|start|started|startup|online|close|exit|beforeExit|SIGTERM|SIGINT|SIGHUP|shutdown)$/;

export function onceAtLoad(fn: ts.SignatureDeclaration): string | undefined {
  if (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn)) return undefined;
  for (let current: ts.Node | undefined = fn.parent; current && !ts.isSourceFile(current); current = current.parent) {
    if (ts.isFunctionLike(current) || ts.isClassLike(current)) return undefined;
  }
  let outer: ts.Node = fn;
  while (outer.parent && (ts.isParenthesizedExpression(outer.parent) || ts.isAsExpression(outer.parent))) outer = outer.parent;
  const parent = outer.parent;
  if (!parent) return undefined;
  if (ts.isCallExpression(parent) && parent.expression === outer) return 'invoked in place at the top level of its module: runs once at load';
  if (!(ts.isCallExpression(parent) || ts.isNewExpression(parent)) || !parent.arguments?.some((a) => a === outer)) return undefined;
  const callee = parent.expression;
  if (ts.isNewExpression(parent)) return ts.isIdentifier(callee) && callee.text === 'Promise' ? 'a promise executor at the top level of its module: runs once at load' : undefined;
  const method = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : '';
  const event = parent.arguments[0];
  if ((method === 'on' || method === 'addListener') && event && ts.isStringLiteralLike(event) && ONE_SHOT_EVENTS.test(event.text)) {
    return `handles '${event.text}' at the top level of its module: an event that comes once per process`;
  }
  if ((method === 'setTimeout' && ts.isIdentifier(callee)) || ONE_SHOT_METHODS.test(method)) return `passed to ${method}() at the top level of its module: called once per process`;
  return undefined;
}

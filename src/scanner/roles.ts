import { ts } from './ts.js';
import { functionName } from './ast.js';

/**
 * Where code runs decides how much a slow pattern costs: once at start-up, once per CLI run, or once per
 * request. Rules read these roles to reason about severity and say why in their evidence.
 */
export type FileRole = 'test' | 'script' | 'migration' | 'config' | 'source';

const FILE_ROLE_PATTERNS: Array<[FileRole, RegExp]> = [
  // Benchmarks, Storybook stories and dev servers exercise the code; they are not the service.
  // A directory named for its tests counts too: `integration-tests/`, `load_tests/`, Nx's `apps/api-e2e/`,
  // `test-helpers/`.
  // Cucumber's `features/support/` and `features/step_definitions/` drive the service from outside.
  // Not an application's own `src/features/support/` (a customer-support feature).
  ['test', /(^|\/)(?<!(?:src|app|lib|client|server|web|components|modules)\/)features(-[\w-]+)?\/(support|step_definitions)\/|(^|\/)(__tests__|__mocks__|__fixtures__|tests?|testing|test-utils|spec|e2e|cypress|playwright|benchmarks?|storybook|\.storybook|stories|dev-server)\/|(^|\/)[\w.-]+[-_](tests?|specs?|e2e)\/|(^|\/)tests?[-_](utils|helpers|support|setup|fixtures|data)\/|\.(test|spec|e2e|bench|stories)\.[cm]?[jt]sx?$/i],
  ['migration', /(^|\/)(migrations?|seeds?|seeders)\//i],
  ['script', /(^|\/)(scripts?|bin|tools|tooling|dev-?tools|cli)\/|(^|\/)(cli|bin)\.[cm]?[jt]s$/i],
  ['config', /(^|\/)[^/]+\.config\.[cm]?[jt]s$|(^|\/)(jest|vitest|webpack|rollup|vite|eslint|babel|gulpfile|gruntfile)[^/]*\.[cm]?[jt]s$/i],
];

/**
 * A `tools/` directory inside an application's source (`src/tools/`, `app/agent/tools/`) holds the application's
 * own modules (an agent's tools, shared helpers) that requests run, not the repository's dev tooling.
 */
const APPLICATION_TOOLS = /(^|\/)(src|lib|app|server|api)\/(.+\/)?tools\//i;
/**
 * A `migration/` directory under a request layer (`controllers/migration/`, `api/routes/migrations/`) holds a
 * feature that moves a user's data in (an import endpoint), which requests run; a schema migration lives in its own
 * tree (`src/migrations/`, `db/migration/`, TypeORM's `src/migration/`).
 */
const REQUEST_LAYER_MIGRATION = /(^|\/)(controllers?|routes?|handlers?|api|resolvers?|endpoints?|services?)\/(.+\/)?(migrations?)\//i;
const SCRIPT_OTHER_THAN_TOOLS = /(^|\/)(scripts?|bin|cli)\/|(^|\/)(cli|bin)\.[cm]?[jt]s$/i;

export function fileRoleOf(relativePath: string): FileRole {
  for (const [role, pattern] of FILE_ROLE_PATTERNS) {
    if (!pattern.test(relativePath)) continue;
    if (role === 'script' && APPLICATION_TOOLS.test(relativePath) && !SCRIPT_OTHER_THAN_TOOLS.test(relativePath)) continue;
    if (role === 'migration' && REQUEST_LAYER_MIGRATION.test(relativePath)) continue;
    return role;
  }
  return 'source';
}

export type SiteKind = 'request' | 'per-call' | 'startup' | 'unknown';

export interface SiteRole {
  kind: SiteKind;
  /** Inside a loop or an iteration callback within its function. */
  inLoop: boolean;
  /** Human-readable reasons, ready for a finding's evidence. */
  reasons: string[];
}

const ROUTE_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'all', 'use', 'head', 'options', 'route']);
const ROUTE_DECORATORS = new Set(['Get', 'Post', 'Put', 'Patch', 'Delete', 'All', 'Head', 'Options', 'Query', 'Mutation', 'Subscription', 'ResolveField', 'MessagePattern', 'EventPattern', 'GrpcMethod', 'Process', 'Cron', 'OnEvent', 'SubscribeMessage']);
const PER_CALL_CLASS = /(Controller|Service|Resolver|Handler|Repository|Repo|Gateway|Processor|Consumer|Client|Store|Cache|Dao|Manager|Provider|Api|Worker)$/;
const STARTUP_NAMES = /^(main|bootstrap|init|initialize|setup|start|startup|configure|register|connect|createServer|createApp|buildApp|listen|onModuleInit|onApplicationBootstrap|migrate|seed)$/i;
const HANDLER_PARAMS: Array<[string, string]> = [['req', 'res'], ['request', 'response'], ['request', 'reply'], ['ctx', 'next'], ['event', 'context']];
const ITERATION_METHODS = new Set(['forEach', 'map', 'flatMap', 'filter', 'reduce', 'some', 'every', 'find']);

function parameterNames(fn: ts.SignatureDeclaration): string[] {
  return fn.parameters.map((p) => (ts.isIdentifier(p.name) ? p.name.text : ''));
}

function decoratorNames(node: ts.Node): string[] {
  if (!ts.canHaveDecorators(node)) return [];
  return (ts.getDecorators(node) ?? []).map((d) => {
    const expression = ts.isCallExpression(d.expression) ? d.expression.expression : d.expression;
    return ts.isIdentifier(expression) ? expression.text : '';
  });
}

/** `app.get('/x', handler)`, `router.post(...)`, `fastify.route({ handler })`. */
function isRouteCallback(fn: ts.Node): boolean {
  let call = fn.parent;
  if (call && ts.isPropertyAssignment(call)) call = call.parent?.parent;
  if (!call || !ts.isCallExpression(call)) return false;
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee) || !ROUTE_METHODS.has(callee.name.text)) return false;
  const first = call.arguments[0];
  return first !== undefined && (ts.isStringLiteralLike(first) || ts.isObjectLiteralExpression(first) || ts.isRegularExpressionLiteral(first));
}

export function isLoopNode(node: ts.Node): boolean {
  return ts.isForStatement(node) || ts.isForOfStatement(node) || ts.isForInStatement(node) || ts.isWhileStatement(node) || ts.isDoStatement(node);
}

/** A function passed to `items.forEach(...)`, `.map(...)` and the like. */
export function isIterationCallback(fn: ts.Node): boolean {
  const call = fn.parent;
  return (
    call !== undefined &&
    ts.isCallExpression(call) &&
    call.arguments[0] === fn &&
    ts.isPropertyAccessExpression(call.expression) &&
    ITERATION_METHODS.has(call.expression.name.text)
  );
}

export function enclosingFunction(node: ts.Node): ts.SignatureDeclaration | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (ts.isFunctionLike(current)) return current;
  }
  return undefined;
}

export function siteRoleOf(node: ts.Node): SiteRole {
  const reasons: string[] = [];
  let inLoop = false;
  let fn: ts.SignatureDeclaration | undefined;
  for (let current = node.parent; current; current = current.parent) {
    if (ts.isFunctionLike(current)) {
      if (isIterationCallback(current) && !inLoop) {
        inLoop = true;
        reasons.push('runs once per item of an iteration callback');
        continue;
      }
      fn = current;
      break;
    }
    if (isLoopNode(current) && !inLoop) {
      inLoop = true;
      reasons.push('runs once per loop iteration');
    }
  }
  if (!fn) {
    reasons.push('module top level: runs once when the module loads');
    return { kind: 'startup', inLoop, reasons };
  }
  const role = functionRole(fn);
  reasons.push(...role.reasons);
  return { kind: role.kind, inLoop, reasons };
}

// Rules ask for the role of many sites in the same function; the function's own part (name, parameters,
// decorators, class) is worked out once. Callers get a fresh reasons array each time.
const functionRoles = new WeakMap<ts.SignatureDeclaration, { kind: SiteKind; reasons: string[] }>();

function functionRole(fn: ts.SignatureDeclaration): { kind: SiteKind; reasons: readonly string[] } {
  let role = functionRoles.get(fn);
  if (role === undefined) {
    role = functionRoleUncached(fn);
    functionRoles.set(fn, role);
  }
  return role;
}

function functionRoleUncached(fn: ts.SignatureDeclaration): { kind: SiteKind; reasons: string[] } {
  const reasons: string[] = [];
  let kind: SiteKind;
  const name = functionName(fn);
  const params = parameterNames(fn);
  const decorators = decoratorNames(fn);
  const routeDecorator = decorators.find((d) => ROUTE_DECORATORS.has(d));
  const classNode = ts.isMethodDeclaration(fn) || ts.isConstructorDeclaration(fn) || ts.isPropertyDeclaration(fn.parent) ? findClass(fn) : undefined;
  const className = classNode?.name?.text;
  if (routeDecorator) {
    kind = 'request';
    reasons.push(`handler decorated with @${routeDecorator}`);
  } else if (HANDLER_PARAMS.some(([a, b]) => params[0] === a && params[1] === b)) {
    kind = 'request';
    reasons.push(`request handler signature (${params.slice(0, 2).join(', ')})`);
  } else if (isRouteCallback(fn)) {
    kind = 'request';
    reasons.push('callback registered on a route');
  } else if (ts.isConstructorDeclaration(fn)) {
    kind = 'startup';
    reasons.push(`constructor${className ? ` of ${className}` : ''}: runs when the object is created`);
  } else if (name && STARTUP_NAMES.test(name)) {
    kind = 'startup';
    reasons.push(`inside ${name}(): start-up code`);
  } else if (className && PER_CALL_CLASS.test(className)) {
    kind = 'per-call';
    reasons.push(`method of ${className}: runs per call`);
  } else if (name) {
    kind = 'per-call';
    reasons.push(`inside ${name}(): runs each time it is called`);
  } else {
    kind = 'per-call';
    reasons.push('inside a function: runs each time it is called');
  }
  return { kind, reasons };
}

function findClass(node: ts.Node): ts.ClassLikeDeclaration | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (ts.isClassLike(current)) return current;
  }
  return undefined;
}

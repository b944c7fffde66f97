import { ts } from '../scanner/ts.js';
import { type ImportScope, skipOuter } from '../scanner/imports.js';
import type { RouteDecl, RouteFact, RouterMount } from './types.js';

/**
 * HTTP routes as facts: the method and path a handler is declared for, read where the code declares them
 * (a registration call or the handler's decorators). The linker carries them from each handler to what its
 * calls reach, so a finding can name the routes that run it (link.ts), and `probe --emit-k6` can load them.
 * Only literal paths count: a route built at run time (`router.get(prefix + '/x', h)`) is no fact.
 */

/** Routes kept per function: enough to pick one to load, bounded because the facts are hashed into cache keys. */
export const MAX_ROUTES = 8;

/** A path operators use, not the traffic: graded like a write or admin endpoint, one step below per request. */
export const OCCASIONAL_PATH = /(^|\/)(admin|internal|debug|ops|maintenance|backfill|migrations?|import|export|super-?admin|settings|reindex)(\/|$|\?)/i;

const HTTP_DECORATORS: Record<string, string> = {
  Get: 'GET', Post: 'POST', Put: 'PUT', Patch: 'PATCH', Delete: 'DELETE', All: 'ALL', Head: 'HEAD', Options: 'OPTIONS',
  // inversify-express-utils
  httpGet: 'GET', httpPost: 'POST', httpPut: 'PUT', httpPatch: 'PATCH', httpDelete: 'DELETE', httpHead: 'HEAD', all: 'ALL',
};
const REGISTRATION_METHODS: Record<string, string> = { get: 'GET', post: 'POST', put: 'PUT', patch: 'PATCH', delete: 'DELETE', del: 'DELETE', all: 'ALL', head: 'HEAD', options: 'OPTIONS' };
/** Class decorators that make a class's decorated methods routes, with the prefix as their argument. */
const CONTROLLER_DECORATORS = new Set(['Controller', 'JsonController', 'HTTPController', 'Route', 'controller']);
const FRAMEWORK_MODULES: Record<string, string> = {
  express: 'express',
  'express-promise-router': 'express',
  '@koa/router': 'koa-router',
  'koa-router': 'koa-router',
  fastify: 'fastify',
  hono: 'hono',
  restify: 'restify',
  '@nestjs/common': 'nest',
  'routing-controllers': 'routing-controllers',
  '@eggjs/tegg': 'tegg',
  tsoa: 'tsoa',
};

/** `/orders/:id` from `orders`, `/orders/`, `:id`: segments joined by one slash, always absolute. */
export function joinRoutePath(...parts: string[]): string {
  return `/${parts.flatMap((part) => part.split('/')).filter(Boolean).join('/')}`;
}

function stringOf(node: ts.Node | undefined): string | undefined {
  if (!node) return undefined;
  const inner = skipOuter(node);
  if (ts.isStringLiteralLike(inner)) return inner.text;
  // `method: ['GET', 'HEAD']`: the first is the one to load.
  if (ts.isArrayLiteralExpression(inner)) return stringOf(inner.elements[0]);
  // `HTTPMethodEnum.GET`, `RequestMethod.GET`
  if (ts.isPropertyAccessExpression(inner)) return inner.name.text;
  return undefined;
}

function property(object: ts.ObjectLiteralExpression, names: string[]): ts.Expression | undefined {
  for (const element of object.properties) {
    if (ts.isPropertyAssignment(element) && (ts.isIdentifier(element.name) || ts.isStringLiteral(element.name)) && names.includes(element.name.text)) return element.initializer;
  }
  return undefined;
}

function lineOf(node: ts.Node, sourceFile: ts.SourceFile): number {
  return sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1;
}

/** The framework a file's routes belong to, by the module the receiver or the file imports. */
function frameworkOf(scope: ImportScope, receiver: ts.Node | undefined, fallback: string, byImports = true): string {
  let root = receiver ? skipOuter(receiver) : undefined;
  while (root && (ts.isPropertyAccessExpression(root) || ts.isCallExpression(root))) root = skipOuter(root.expression);
  const ref = root && ts.isIdentifier(root) ? scope.resolve(root) : undefined;
  const own = ref ? FRAMEWORK_MODULES[ref.module] : undefined;
  if (own) return own;
  if (!byImports) return fallback;
  const modules = scope.importedModules();
  for (const [module, framework] of Object.entries(FRAMEWORK_MODULES)) if (modules.has(module)) return framework;
  if (root && ts.isIdentifier(root) && /fastify/i.test(root.text)) return 'fastify';
  return fallback;
}

/**
 * The route of a registration call, when it is one: `router.get('/x', h)`, `router.route('/x').get(h)`,
 * `fastify.route({ method: 'GET', url: '/x', handler })`. The caller has already decided the call registers
 * a request handler (summarize.ts registrationKind); this only reads its method and path.
 */
export function registrationRoute(call: ts.CallExpression | ts.NewExpression, scope: ImportScope, sourceFile: ts.SourceFile): RouteDecl | undefined {
  const route = registrationRouteAsWritten(call, scope, sourceFile);
  if (!route) return undefined;
  const callee = skipOuter(call.expression) as ts.PropertyAccessExpression;
  let root: ts.Node = skipOuter(callee.expression);
  while (ts.isCallExpression(root) || ts.isPropertyAccessExpression(root)) root = skipOuter(root.expression);
  if (!ts.isIdentifier(root)) return route;
  // Koa-router's `new Router({ prefix: '/orders' })` puts the prefix on the router itself.
  const prefix = constructedPrefix(root.text, sourceFile);
  return { ...route, path: prefix ? joinRoutePath(prefix, route.path) : route.path, router: root.text };
}

/** The `prefix` option of the module-level `const <name> = new Router({ prefix: '/x' })`. */
function constructedPrefix(name: string, sourceFile: ts.SourceFile): string | undefined {
  for (const statement of sourceFile.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (!ts.isIdentifier(declaration.name) || declaration.name.text !== name || !declaration.initializer) continue;
      const init = skipOuter(declaration.initializer);
      const options = (ts.isNewExpression(init) || ts.isCallExpression(init)) && init.arguments?.[0] ? skipOuter(init.arguments[0]) : undefined;
      const prefix = options && ts.isObjectLiteralExpression(options) ? property(options, ['prefix']) : undefined;
      return prefix && ts.isStringLiteralLike(skipOuter(prefix)) ? (skipOuter(prefix) as ts.StringLiteralLike).text : undefined;
    }
  }
  return undefined;
}

/**
 * `app.use('/orders', ordersRouter)`, `app.use(ordersRouter)`, `router.use('/v1', api.routes())`: a module-level
 * router mounted on a module-level app or router. The mounted router is the last argument that names one.
 */
export function routerMount(call: ts.CallExpression, scope: ImportScope, sourceFile: ts.SourceFile): RouterMount | undefined {
  const callee = skipOuter(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 'use') return undefined;
  const receiver = skipOuter(callee.expression);
  if (!ts.isIdentifier(receiver)) return undefined;
  const first = call.arguments[0] ? skipOuter(call.arguments[0]) : undefined;
  const prefix = first && ts.isStringLiteralLike(first) ? first.text : '';
  let mounted: ts.Identifier | undefined;
  for (const argument of call.arguments.slice(first && ts.isStringLiteralLike(first) ? 1 : 0)) {
    let inner = skipOuter(argument);
    // `api.routes()` (Koa-router)
    if (ts.isCallExpression(inner) && inner.arguments.length === 0 && ts.isPropertyAccessExpression(inner.expression) && inner.expression.name.text === 'routes') inner = skipOuter(inner.expression.expression);
    if (ts.isIdentifier(inner)) mounted = inner;
  }
  if (!mounted) return undefined;
  const line = lineOf(call, sourceFile);
  if (isLocalRouter(mounted.text, sourceFile)) return { receiver: receiver.text, prefix, target: { name: mounted.text }, line };
  const ref = scope.resolve(mounted);
  return ref && ref.module !== 'global' ? { receiver: receiver.text, prefix, target: { module: ref.module, name: ref.path[0] ?? 'default' }, line } : undefined;
}

/** A module-level `const <name> = ...` of this file that is not a `require()` of another module. */
function isLocalRouter(name: string, sourceFile: ts.SourceFile): boolean {
  for (const statement of sourceFile.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (!ts.isIdentifier(declaration.name) || declaration.name.text !== name) continue;
      let init = declaration.initializer ? skipOuter(declaration.initializer) : undefined;
      while (init && ts.isPropertyAccessExpression(init)) init = skipOuter(init.expression);
      return !(init && ts.isCallExpression(init) && ts.isIdentifier(init.expression) && init.expression.text === 'require');
    }
  }
  return false;
}

/** `app.setGlobalPrefix('api')`: Nest serves every controller route under it. */
export function globalPrefixOf(call: ts.CallExpression): string | undefined {
  const callee = skipOuter(call.expression);
  const first = call.arguments[0] ? skipOuter(call.arguments[0]) : undefined;
  return ts.isPropertyAccessExpression(callee) && callee.name.text === 'setGlobalPrefix' && first && ts.isStringLiteralLike(first) ? first.text : undefined;
}

function registrationRouteAsWritten(call: ts.CallExpression | ts.NewExpression, scope: ImportScope, sourceFile: ts.SourceFile): RouteDecl | undefined {
  const callee = skipOuter(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const name = callee.name.text;
  const first = call.arguments?.[0];
  const receiver = skipOuter(callee.expression);
  const line = lineOf(call, sourceFile);
  if (name === 'route') {
    const options = first ? skipOuter(first) : undefined;
    if (!options || !ts.isObjectLiteralExpression(options)) return undefined;
    const method = stringOf(property(options, ['method']));
    const path = stringOf(property(options, ['url', 'path']));
    if (!method || path === undefined) return undefined;
    return { method: method.toUpperCase(), path: joinRoutePath(path), framework: frameworkOf(scope, receiver, 'fastify'), line };
  }
  const method = REGISTRATION_METHODS[name];
  if (!method) return undefined;
  // `router.route('/orders/:id').get(handler)`: the path is the chain's.
  if (ts.isCallExpression(receiver) && ts.isPropertyAccessExpression(skipOuter(receiver.expression)) && (skipOuter(receiver.expression) as ts.PropertyAccessExpression).name.text === 'route') {
    const path = stringOf(receiver.arguments[0]);
    return path === undefined || !ts.isStringLiteralLike(skipOuter(receiver.arguments[0] as ts.Node)) ? undefined : { method, path: joinRoutePath(path), framework: frameworkOf(scope, receiver, 'express'), line };
  }
  if (!first || !ts.isStringLiteralLike(skipOuter(first))) return undefined;
  return { method, path: joinRoutePath((skipOuter(first) as ts.StringLiteralLike).text), framework: frameworkOf(scope, receiver, 'router'), line };
}

/** The prefix a controller class declares: `@Controller('orders')`, `@HTTPController({ path: '/api' })`; undefined when not a controller or not literal. */
function controllerPrefix(fn: ts.Node): { prefix: string; decorator: string } | undefined {
  let cls: ts.Node | undefined = fn.parent;
  while (cls && !ts.isClassLike(cls)) cls = cls.parent;
  if (!cls || !ts.canHaveDecorators(cls)) return undefined;
  for (const decorator of ts.getDecorators(cls) ?? []) {
    const expression = decorator.expression;
    const call = ts.isCallExpression(expression) ? expression : undefined;
    const name = call && ts.isIdentifier(call.expression) ? call.expression.text : ts.isIdentifier(expression) ? expression.text : '';
    if (!CONTROLLER_DECORATORS.has(name)) continue;
    const argument = call?.arguments[0] ? skipOuter(call.arguments[0]) : undefined;
    if (!argument) return { prefix: '', decorator: name };
    if (ts.isStringLiteralLike(argument)) return { prefix: argument.text, decorator: name };
    if (ts.isObjectLiteralExpression(argument)) {
      const path = property(argument, ['path']);
      if (!path) return { prefix: '', decorator: name };
      const text = path && ts.isStringLiteralLike(skipOuter(path)) ? (skipOuter(path) as ts.StringLiteralLike).text : undefined;
      return text === undefined ? undefined : { prefix: text, decorator: name };
    }
    return undefined;
  }
  return undefined;
}

/**
 * The route a controller method declares: `@Get(':id')` under `@Controller('orders')` (Nest,
 * routing-controllers, tsoa), `@HTTPMethod({ method: HTTPMethodEnum.GET, path: '/x' })` under
 * `@HTTPController` (tegg). A decorated method outside a controller class is not a route.
 */
export function decoratedRoute(fn: ts.Node, scope: ImportScope, sourceFile: ts.SourceFile): RouteDecl | undefined {
  if (!ts.canHaveDecorators(fn)) return undefined;
  for (const decorator of ts.getDecorators(fn) ?? []) {
    const call = decorator.expression;
    if (!ts.isCallExpression(call) || !ts.isIdentifier(call.expression)) continue;
    const name = call.expression.text;
    let method = HTTP_DECORATORS[name];
    let own: string | undefined;
    if (method) {
      const argument = call.arguments[0] ? skipOuter(call.arguments[0]) : undefined;
      own = !argument ? '' : ts.isStringLiteralLike(argument) ? argument.text : ts.isArrayLiteralExpression(argument) ? stringOf(argument) : undefined;
    } else if (name === 'HTTPMethod' || name === 'RequestMapping') {
      const options = call.arguments[0] ? skipOuter(call.arguments[0]) : undefined;
      if (!options || !ts.isObjectLiteralExpression(options)) continue;
      method = (stringOf(property(options, ['method'])) ?? 'GET').toUpperCase();
      const path = property(options, ['path', 'value']);
      own = !path ? '' : ts.isStringLiteralLike(skipOuter(path)) ? (skipOuter(path) as ts.StringLiteralLike).text : undefined;
    } else {
      continue;
    }
    if (own === undefined) return undefined;
    const controller = controllerPrefix(fn);
    if (!controller) return undefined;
    const fallback = controller.decorator === 'HTTPController' ? 'tegg' : controller.decorator === 'JsonController' ? 'routing-controllers' : controller.decorator === 'Route' ? 'tsoa' : controller.decorator === 'controller' ? 'inversify-express-utils' : 'nest';
    return { method, path: joinRoutePath(controller.prefix, own), framework: frameworkOf(scope, call.expression, fallback, false), line: lineOf(decorator, sourceFile) };
  }
  return undefined;
}

/** `GET /orders/:id`, for evidence and script headers. */
export function routeLabel(route: Pick<RouteDecl, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

/** Adds routes to a bounded, duplicate-free list; returns whether the list grew. */
export function addRoutes(into: RouteFact[], routes: readonly RouteFact[]): boolean {
  let grew = false;
  for (const route of routes) {
    if (into.length >= MAX_ROUTES) break;
    if (into.some((r) => r.method === route.method && r.path === route.path && r.file === route.file && r.line === route.line)) continue;
    into.push(route);
    grew = true;
  }
  return grew;
}

import type { z } from 'zod';
import type { Zod } from '../src/lazy-zod.js';
import type { Confidence, Severity } from '../src/findings.js';
import type { ReportDescriptor, RuleContext } from '../src/rule.js';
import type { ProjectFacts } from '../src/scanner/project-facts.js';
import { defineRule } from '../src/rule.js';
import { skipOuter, type ResolvedRef } from '../src/scanner/imports.js';
import { siteRoleOf, type SiteRole } from '../src/scanner/roles.js';
import { ts } from '../src/scanner/ts.js';
import { functionName, propertyName } from '../src/scanner/ast.js';
import { grade, type Cost } from '../src/model/severity.js';
import { connectionClientOf } from '../src/model/clients.js';
import type { Role } from '../src/model/types.js';
import { addPropertyEdit, appendArgumentEdit, deleteStatement, importInsertion, importsName, insertLinesBefore, replaceNode, topLevelStatement, type EditSpec } from '../src/fixes/edits.js';

/**
 * undersized-pool: database (and outbound HTTP) connection pools whose size or acquire timeout the code
 * itself proves wrong for a server: a literal max below what a server needs or below the fan-out the code
 * shows, an acquire timeout long enough to hide saturation, `min > max`, a max above what the database
 * accepts, one shared connection serving a server, and pools or connections built per request.
 */

/** Built on first use (`RuleMeta.options`): a scan without options for this rule never loads zod. */
const optionsSchema = (z: Zod) =>
  z.strictObject({
  /**
   * A literal pool max below this, in a file or project that serves HTTP, is reported. 6: Sequelize's default of 5 and
   * smaller pools are the ones audits find saturated; 6-9 is close enough to pg's and mysql2's default of 10 that it
   * may be a deliberate choice for a connection-limited database.
   */
  minServerPoolSize: z.number().int().positive().default(6),
  /**
   * An explicit acquire / connection-wait timeout above this (ms) hides pool saturation. 60 s: knex's and Sequelize's
   * own default, so writing 30 s or 60 s is no worse than what those drivers do unasked.
   */
  maxAcquireTimeoutMs: z.number().int().positive().default(60000),
  /** Requests in flight per process at peak, used for sizing advice (Little's law). */
  expectedConcurrency: z.number().int().positive().default(50),
  /** Server-side connection limits per database (defaults: PostgreSQL max_connections 100, MySQL/MariaDB max_connections 151). */
  /** Also report pools that only code running once uses (scripts, start-up), at low. */
  includeOnce: z.boolean().default(false),
  /** Your databases' real `max_connections`. Unset, the servers' own defaults are assumed (PostgreSQL 100, MySQL 151),
   *  which a managed database often raises: a max above an assumed limit is only reported at low. */
  databaseMaxConnections: z
    .strictObject({
      postgres: z.number().int().positive().optional(),
      mysql: z.number().int().positive().optional(),
    })
    .default({}),
});
/** The database servers' own `max_connections` defaults, assumed when the option does not say. */
const DEFAULT_MAX_CONNECTIONS = { postgres: 100, mysql: 151 } as const;
type Options = z.infer<ReturnType<typeof optionsSchema>>;

/** `optionsSchema(z).parse({})`, as plain data (checked by test/rule-options-defaults.test.ts). */
const defaults: Options = { minServerPoolSize: 6, maxAcquireTimeoutMs: 60000, expectedConcurrency: 50, includeOnce: false, databaseMaxConnections: {} };

type Db = 'postgres' | 'mysql' | 'sqlite' | 'other' | 'unknown';

/** What the code says about one numeric setting. */
type Value =
  | { kind: 'number'; value: number }
  /** From the environment or a config object; `fallback` when the code names a literal default. */
  | { kind: 'external'; fallback: number | undefined; source: string }
  | { kind: 'unknown' };

interface Setting {
  key: string;
  value: Value;
  /** The property that sets it; undefined when the driver default applies. */
  property: ts.ObjectLiteralElementLike | undefined;
  /** True when the key is absent and nothing (no spread) could set it: the driver default applies. */
  defaulted: boolean;
  defaultValue: number | undefined;
}

interface PoolSite {
  driver: string;
  db: Db;
  /** Where the pool is configured: the driver call, or a config object recognised by shape. */
  site: ts.Node;
  /** The call or `new` expression that builds the pool, when there is one. */
  call: ts.CallExpression | ts.NewExpression | undefined;
  /** Proven through the import (high) or recognised by object shape only (medium). */
  proven: boolean;
  /** The object holding the size keys (`pool: {...}` for Sequelize/knex), when written inline or as a local const. */
  sizeObject: ts.ObjectLiteralExpression | undefined;
  max: Setting | undefined;
  min: Setting | undefined;
  acquire: Setting | undefined;
  /** A value of 0 here means "wait forever". */
  acquireZeroIsForever: boolean;
  /** Key to add when max is defaulted, and where (`pool` nests it). */
  maxKey: string;
  acquireKey: string | undefined;
  nestUnder: string | undefined;
  kind: 'db' | 'http';
  /** The size is a parameter of a connection URL (`?connection_limit=2`, `?maxPoolSize=2`): the fix edits the URL. */
  urlParam?: string;
  /** The size comes from a committed env file (`.env.example`), not from the code: where it was read. */
  envFile?: string;
}

const HTTP_FRAMEWORKS = [
  'express', 'koa', '@koa/router', 'koa-router', 'fastify', '@nestjs/core', '@nestjs/common', '@hapi/hapi', 'hapi', 'restify',
  '@apollo/server', 'apollo-server', 'apollo-server-express', 'apollo-server-koa', 'hono', 'h3', 'next', '@trpc/server',
  'graphql-yoga', 'micro', 'polka', '@adonisjs/core', 'feathers', '@feathersjs/feathers', 'sails', 'loopback', '@loopback/core',
];
const HTTP_FRAMEWORK_PREFIXES = ['@nestjs/', '@fastify/', '@hapi/', '@koa/', 'apollo-server'];

/** A comment that reasons about the size: a number and a word about capacity ("8 per replica x 12 = 96 of max_connections 100"). */
const SIZING_WORDS = /connections?\b|replica|instance|pods?\b|process|workers?\b|max_connections|little'?s law|concurren|pgbouncer|proxy|headroom|cpus?\b|cores?\b|vcpu/i;
const ANNOTATION_COMMENT = /^\/[/*]\s*(ruleid|ok|todoruleid|todook)\s*:/;

function reasonsAboutSize(comment: string): boolean {
  return !ANNOTATION_COMMENT.test(comment) && /\d/.test(comment) && SIZING_WORDS.test(comment);
}
/** A generic-pool factory that starts processes or threads: CPU sizing, not a connection pool. */
const WORKER_FACTORY = /\b(fork|spawn|execFile|exec)\s*\(|new\s+(Worker|Piscina)\b|child_process|worker_threads|cluster\.fork/;
const ACQUIRE_FIX_MS = 5000;
const ASSUMED_QUERY_MS = 20;

function isFramework(module: string): boolean {
  return HTTP_FRAMEWORKS.includes(module) || HTTP_FRAMEWORK_PREFIXES.some((prefix) => module.startsWith(prefix));
}

// Files of one project share one dependencies object: its framework is looked up once, not once per file.
const frameworkOfDependencies = new WeakMap<object, string | undefined>();

function frameworkDependency(dependencies: Record<string, unknown>): string | undefined {
  if (frameworkOfDependencies.has(dependencies)) return frameworkOfDependencies.get(dependencies);
  const found = Object.keys(dependencies).find(isFramework);
  frameworkOfDependencies.set(dependencies, found);
  return found;
}

/** The declaration initializer of a `const` visible from `at`, searched in enclosing blocks and the file. */
function constInitializer(identifier: ts.Identifier): ts.Expression | undefined {
  for (let scope: ts.Node | undefined = identifier.parent; scope; scope = scope.parent) {
    let statements: ts.NodeArray<ts.Statement> | undefined;
    if (ts.isBlock(scope) || ts.isSourceFile(scope) || ts.isModuleBlock(scope) || ts.isCaseClause(scope) || ts.isDefaultClause(scope)) statements = scope.statements;
    if (ts.isFunctionLike(scope) && scope.parameters.some((p) => ts.isIdentifier(p.name) && p.name.text === identifier.text)) return undefined;
    if (!statements) continue;
    for (const statement of statements) {
      if (!ts.isVariableStatement(statement)) continue;
      if (!(statement.declarationList.flags & ts.NodeFlags.Const)) continue;
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name) && declaration.name.text === identifier.text) return declaration.initializer;
      }
    }
  }
  return undefined;
}

function resolveObject(expression: ts.Expression | undefined, depth = 0): ts.ObjectLiteralExpression | undefined {
  if (!expression || depth > 3) return undefined;
  const node = skipOuter(expression);
  if (ts.isObjectLiteralExpression(node)) return node;
  if (ts.isIdentifier(node)) {
    const init = constInitializer(node);
    return init ? resolveObject(init, depth + 1) : undefined;
  }
  return undefined;
}

function resolveString(expression: ts.Expression | undefined, depth = 0): string | undefined {
  if (!expression || depth > 3) return undefined;
  const node = skipOuter(expression);
  if (ts.isStringLiteralLike(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.head.text + node.templateSpans.map((s) => `\${}${s.literal.text}`).join('');
  if (ts.isIdentifier(node)) {
    const init = constInitializer(node);
    return init ? resolveString(init, depth + 1) : undefined;
  }
  return undefined;
}

/** The text of an environment or config read, e.g. `process.env.DB_POOL_MAX`, `config.db.max`. */
function externalSource(node: ts.Node): string | undefined {
  const inner = skipOuter(node);
  if (ts.isPropertyAccessExpression(inner) || ts.isElementAccessExpression(inner)) {
    let text = inner.getText();
    if (text.length > 60) text = `${text.slice(0, 57)}...`;
    return text;
  }
  if (ts.isIdentifier(inner)) return inner.text;
  if (ts.isCallExpression(inner)) {
    const hasEnv = inner.arguments.some((a) => /\benv\b|config/i.test(a.getText()));
    if (hasEnv || /env|config|get/i.test(inner.expression.getText())) return inner.getText().slice(0, 60);
  }
  return undefined;
}

function evalNumber(expression: ts.Expression | undefined, depth = 0): Value {
  if (!expression || depth > 4) return { kind: 'unknown' };
  const node = skipOuter(expression);
  if (ts.isNumericLiteral(node)) return { kind: 'number', value: Number(node.text) };
  if (ts.isPrefixUnaryExpression(node)) {
    const inner = evalNumber(node.operand, depth + 1);
    if (node.operator === ts.SyntaxKind.PlusToken) return inner;
    if (node.operator === ts.SyntaxKind.MinusToken && inner.kind === 'number') return { kind: 'number', value: -inner.value };
    return { kind: 'unknown' };
  }
  if (ts.isBinaryExpression(node)) {
    const op = node.operatorToken.kind;
    if (op === ts.SyntaxKind.AsteriskToken) {
      const left = evalNumber(node.left, depth + 1);
      const right = evalNumber(node.right, depth + 1);
      if (left.kind === 'number' && right.kind === 'number') return { kind: 'number', value: left.value * right.value };
      return { kind: 'unknown' };
    }
    if (op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken) {
      const right = evalNumber(node.right, depth + 1);
      const left = evalNumber(node.left, depth + 1);
      const source = left.kind === 'external' ? left.source : externalSource(node.left);
      if (source !== undefined && left.kind !== 'number') {
        return { kind: 'external', fallback: right.kind === 'number' ? right.value : right.kind === 'external' ? right.fallback : undefined, source };
      }
      return { kind: 'unknown' };
    }
    return { kind: 'unknown' };
  }
  // `process.env.X ? Number(process.env.X) : 5`: the literal branch is the fallback.
  if (ts.isConditionalExpression(node)) {
    const whenTrue = evalNumber(node.whenTrue, depth + 1);
    const whenFalse = evalNumber(node.whenFalse, depth + 1);
    const literal = whenFalse.kind === 'number' ? whenFalse : whenTrue.kind === 'number' ? whenTrue : undefined;
    const other = literal === whenFalse ? whenTrue : whenFalse;
    if (literal && other.kind === 'number') return { kind: 'external', fallback: Math.min(literal.value, other.value), source: node.condition.getText().slice(0, 60) };
    if (literal && other.kind === 'external') return { kind: 'external', fallback: literal.value, source: other.source };
    return { kind: 'unknown' };
  }
  if (ts.isStringLiteralLike(node) && /^\d+$/.test(node.text)) return { kind: 'number', value: Number(node.text) };
  if (ts.isCallExpression(node)) {
    const callee = node.expression.getText();
    const first = node.arguments[0];
    if (/^(Number|parseInt|parseFloat|Number\.parseInt|Number\.parseFloat)$/.test(callee)) return evalNumber(first, depth + 1);
    // parseEnvNumber(process.env.X, 4), getEnv('X', 4), env.int('X', 4)...
    const source = externalSource(node);
    if (source !== undefined) {
      const literal = node.arguments.map((a) => evalNumber(a, depth + 1)).find((v): v is { kind: 'number'; value: number } => v.kind === 'number');
      return { kind: 'external', fallback: literal?.value, source };
    }
    return { kind: 'unknown' };
  }
  if (ts.isIdentifier(node)) {
    const init = constInitializer(node);
    if (init) return evalNumber(init, depth + 1);
    return { kind: 'unknown' };
  }
  if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
    const source = externalSource(node);
    return source !== undefined ? { kind: 'external', fallback: undefined, source } : { kind: 'unknown' };
  }
  return { kind: 'unknown' };
}

/** Last property named `key`; a spread after it (or anywhere, when absent) makes the value unknown. */
function findProperty(object: ts.ObjectLiteralExpression | undefined, key: string): { property: ts.ObjectLiteralElementLike | undefined; overridable: boolean } {
  if (!object) return { property: undefined, overridable: false };
  let property: ts.ObjectLiteralElementLike | undefined;
  let overridable = false;
  for (const element of object.properties) {
    if (ts.isSpreadAssignment(element)) {
      overridable = true;
      continue;
    }
    if (propertyName(element.name) === key) {
      property = element;
      overridable = false;
    }
  }
  return { property, overridable };
}

function propertyValue(property: ts.ObjectLiteralElementLike): ts.Expression | undefined {
  if (ts.isPropertyAssignment(property)) return property.initializer;
  if (ts.isShorthandPropertyAssignment(property)) return property.name;
  return undefined;
}

function setting(object: ts.ObjectLiteralExpression | undefined, key: string, defaultValue: number | undefined, objectKnown: boolean): Setting {
  const { property, overridable } = findProperty(object, key);
  if (property) {
    const expression = propertyValue(property);
    return { key, value: expression ? evalNumber(expression) : { kind: 'unknown' }, property, defaulted: false, defaultValue };
  }
  const defaulted = objectKnown && !overridable;
  return { key, value: defaulted && defaultValue !== undefined ? { kind: 'number', value: defaultValue } : { kind: 'unknown' }, property: undefined, defaulted, defaultValue };
}

/** The first of several keys that is present, else the first one as defaulted. */
function firstSetting(object: ts.ObjectLiteralExpression | undefined, keys: string[], defaultValue: number | undefined, objectKnown: boolean): Setting | undefined {
  for (const key of keys) {
    const found = findProperty(object, key);
    if (found.property) return setting(object, key, defaultValue, objectKnown);
  }
  const first = keys[0];
  return first === undefined ? undefined : setting(object, first, defaultValue, objectKnown);
}

/** The object under `key`; `known` when it is written here, or provably absent from a known parent. */
function nested(object: ts.ObjectLiteralExpression | undefined, key: string, parentKnown: boolean): { object: ts.ObjectLiteralExpression | undefined; known: boolean } {
  const { property, overridable } = findProperty(object, key);
  if (!property) return { object: undefined, known: parentKnown && !overridable };
  const value = propertyValue(property);
  const resolved = resolveObject(value);
  return { object: resolved, known: resolved !== undefined };
}

function stringProp(object: ts.ObjectLiteralExpression | undefined, key: string): string | undefined {
  const { property } = findProperty(object, key);
  const value = property ? propertyValue(property) : undefined;
  return value ? resolveString(value) : undefined;
}

function dbFromName(name: string | undefined): Db {
  if (name === undefined) return 'unknown';
  const n = name.toLowerCase();
  if (/^(pg|postgres|postgresql|pgnative|aurora-postgres|cockroachdb)/.test(n)) return 'postgres';
  if (/^(mysql|mysql2|mariadb|aurora-mysql)/.test(n)) return 'mysql';
  if (/sqlite|sqljs|capacitor|cordova|expo|react-native|nativescript/.test(n)) return 'sqlite';
  return 'other';
}

function dbFromUrl(url: string | undefined): Db {
  if (url === undefined) return 'unknown';
  const scheme = /^([a-z0-9+]+):/i.exec(url)?.[1];
  return scheme ? dbFromName(scheme) : 'unknown';
}

function refIs(ref: ResolvedRef | undefined, modules: string[], paths: string[][]): boolean {
  if (!ref || !modules.includes(ref.module)) return false;
  return paths.some((p) => p.length === ref.path.length && p.every((part, i) => ref.path[i] === part));
}

function argumentOf(site: ts.CallExpression | ts.NewExpression, index: number): ts.Expression | undefined {
  return site.arguments?.[index];
}

/** The module or local binding a pool expression is assigned to (`export const pool = new Pool()`). */
function bindingOf(node: ts.Node): string | undefined {
  for (let current = node.parent; current && !ts.isSourceFile(current); current = current.parent) {
    if (ts.isVariableDeclaration(current)) return ts.isIdentifier(current.name) ? current.name.text : undefined;
    if (ts.isFunctionLike(current) || ts.isBlock(current)) return undefined;
  }
  return undefined;
}

function lastArgument(site: ts.CallExpression | ts.NewExpression): ts.Expression | undefined {
  const args = site.arguments;
  return args && args.length > 0 ? args[args.length - 1] : undefined;
}

function argsKnown(site: ts.CallExpression | ts.NewExpression, index: number): { object: ts.ObjectLiteralExpression | undefined; known: boolean } {
  const arg = argumentOf(site, index);
  if (!arg) return { object: undefined, known: true };
  const object = resolveObject(arg);
  return { object, known: object !== undefined };
}

/**
 * A pool size written as a parameter of a connection URL (`postgresql://...?connection_limit=2`), in a string,
 * a template (`?connection_limit=${process.env.POOL ?? 3}`), a const, or the literal fallback of an environment
 * read (`process.env.DATABASE_URL ?? 'postgresql://localhost/app?connection_limit=2'`).
 */
function urlParamValue(expression: ts.Expression | undefined, param: string, depth = 0): Value | undefined {
  if (!expression || depth > 4) return undefined;
  const node = skipOuter(expression);
  const pattern = new RegExp(`[?&]${param}=(\\d+)`);
  if (ts.isStringLiteralLike(node)) {
    const match = pattern.exec(node.text);
    return match?.[1] ? { kind: 'number', value: Number(match[1]) } : undefined;
  }
  if (ts.isTemplateExpression(node)) {
    const literal = pattern.exec(node.head.text + node.templateSpans.map((span) => `\${}${span.literal.text}`).join(''));
    if (literal?.[1]) return { kind: 'number', value: Number(literal[1]) };
    // `...?connection_limit=${expr}`: the span right after the parameter name.
    const texts = [node.head.text, ...node.templateSpans.map((span) => span.literal.text)];
    for (let i = 0; i < node.templateSpans.length; i++) {
      if (new RegExp(`[?&]${param}=$`).test(texts[i] ?? '')) {
        const value = evalNumber(node.templateSpans[i]?.expression);
        return value.kind === 'unknown' ? undefined : value;
      }
    }
    return undefined;
  }
  if (ts.isIdentifier(node)) {
    const init = constInitializer(node);
    return init ? urlParamValue(init, param, depth + 1) : undefined;
  }
  if (ts.isBinaryExpression(node) && (node.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || node.operatorToken.kind === ts.SyntaxKind.BarBarToken)) {
    const fallback = urlParamValue(node.right, param, depth + 1);
    const source = externalSource(node.left);
    if (fallback?.kind === 'number' && source !== undefined) return { kind: 'external', fallback: fallback.value, source };
    return urlParamValue(node.left, param, depth + 1);
  }
  if (ts.isConditionalExpression(node)) {
    const whenTrue = urlParamValue(node.whenTrue, param, depth + 1);
    const whenFalse = urlParamValue(node.whenFalse, param, depth + 1);
    const literal = whenFalse?.kind === 'number' ? whenFalse : whenTrue?.kind === 'number' ? whenTrue : undefined;
    return literal ? { kind: 'external', fallback: literal.value, source: node.condition.getText().slice(0, 60) } : undefined;
  }
  return undefined;
}

/** A Setting read from a URL parameter of the property holding the URL. */
function urlSetting(property: ts.ObjectLiteralElementLike | undefined, param: string, fallbackExpression?: ts.Expression): Setting | undefined {
  const expression = property ? propertyValue(property) : fallbackExpression;
  const value = urlParamValue(expression, param);
  if (!value) return undefined;
  return { key: param, value, property, defaulted: false, defaultValue: undefined };
}

/** Recognises a pool built through a proven driver import. */
function poolFromDriver(site: ts.CallExpression | ts.NewExpression, ref: ResolvedRef | undefined): PoolSite | undefined {
  const isNew = ts.isNewExpression(site);
  if (isNew && refIs(ref, ['pg'], [['Pool']]) || isNew && refIs(ref, ['pg-pool'], [[], ['Pool']])) {
    const { object, known } = argsKnown(site, 0);
    return {
      driver: 'pg', db: 'postgres', site, call: site, proven: true, sizeObject: object, kind: 'db',
      max: setting(object, 'max', 10, known), min: setting(object, 'min', 0, known),
      acquire: setting(object, 'connectionTimeoutMillis', 0, known), acquireZeroIsForever: true,
      maxKey: 'max', acquireKey: 'connectionTimeoutMillis', nestUnder: undefined,
    };
  }
  // postgres.js: `postgres(url, { max })` or `postgres({ max, ... })` is itself a pool (default max 10).
  if (!isNew && refIs(ref, ['postgres'], [[]])) {
    const first = argumentOf(site, 0);
    const optionsIndex = first && resolveObject(first) ? 0 : 1;
    const { object, known } = argsKnown(site, optionsIndex);
    return {
      driver: 'postgres.js', db: 'postgres', site, call: site, proven: true, sizeObject: object, kind: 'db',
      max: setting(object, 'max', 10, known), min: undefined,
      acquire: undefined, acquireZeroIsForever: false,
      maxKey: 'max', acquireKey: undefined, nestUnder: undefined,
    };
  }
  if (!isNew && refIs(ref, ['mysql', 'mysql2', 'mysql2/promise', 'mariadb'], [['createPool']])) {
    const first = argumentOf(site, 0);
    if (first && resolveString(first) !== undefined) {
      return { driver: ref?.module ?? 'mysql2', db: 'mysql', site, call: site, proven: true, sizeObject: undefined, kind: 'db', max: undefined, min: undefined, acquire: undefined, acquireZeroIsForever: false, maxKey: 'connectionLimit', acquireKey: undefined, nestUnder: undefined };
    }
    const { object, known } = argsKnown(site, 0);
    const isMysql1 = ref?.module === 'mysql' || ref?.module === 'mariadb';
    return {
      driver: ref?.module ?? 'mysql2', db: 'mysql', site, call: site, proven: true, sizeObject: object, kind: 'db',
      max: setting(object, 'connectionLimit', 10, known), min: undefined,
      acquire: isMysql1 ? setting(object, 'acquireTimeout', 10000, known) : undefined, acquireZeroIsForever: true,
      maxKey: 'connectionLimit', acquireKey: isMysql1 ? 'acquireTimeout' : undefined, nestUnder: undefined,
    };
  }
  if (isNew && refIs(ref, ['sequelize', 'sequelize-typescript', '@sequelize/core'], [['Sequelize'], []])) {
    const last = lastArgument(site);
    const firstString = resolveString(argumentOf(site, 0));
    let opts: ts.ObjectLiteralExpression | undefined;
    let known = true;
    if (last && (site.arguments?.length ?? 0) > 0 && !(site.arguments?.length === 1 && firstString !== undefined) && !(site.arguments?.length === 3)) {
      opts = resolveObject(last);
      known = opts !== undefined;
    }
    const db = dbFromName(stringProp(opts, 'dialect')) !== 'unknown' ? dbFromName(stringProp(opts, 'dialect')) : dbFromUrl(firstString ?? stringProp(opts, 'url'));
    const pool = nested(opts, 'pool', known);
    return {
      driver: 'sequelize', db, site, call: site, proven: true, sizeObject: pool.object, kind: 'db',
      max: setting(pool.object, 'max', 5, pool.known), min: setting(pool.object, 'min', 0, pool.known),
      acquire: setting(pool.object, 'acquire', 60000, pool.known), acquireZeroIsForever: false,
      maxKey: 'max', acquireKey: 'acquire', nestUnder: pool.object ? undefined : 'pool',
    };
  }
  if (!isNew && refIs(ref, ['knex'], [[], ['knex'], ['default']])) {
    const { object, known } = argsKnown(site, 0);
    if (!object) return undefined;
    return knexShape(site, object, known, true);
  }
  if (refIs(ref, ['typeorm'], [['DataSource'], ['createConnection'], ['Connection']]) || (!isNew && refIs(ref, ['@nestjs/typeorm'], [['TypeOrmModule', 'forRoot']]))) {
    const { object } = argsKnown(site, 0);
    if (!object) return undefined;
    return typeormShape(site, object, true);
  }
  if (!isNew && refIs(ref, ['@nestjs/sequelize'], [['SequelizeModule', 'forRoot']])) {
    const { object } = argsKnown(site, 0);
    if (!object) return undefined;
    return sequelizeShape(site, object, true);
  }
  if (!isNew && refIs(ref, ['generic-pool'], [['createPool']])) {
    // A pool of worker processes or threads is sized by CPUs, not by database connections.
    const factory = resolveObject(argumentOf(site, 0));
    const create = factory ? findProperty(factory, 'create').property : undefined;
    if (create && WORKER_FACTORY.test(create.getText())) return undefined;
    const { object, known } = argsKnown(site, 1);
    return {
      driver: 'generic-pool', db: 'unknown', site, call: site, proven: true, sizeObject: object, kind: 'db',
      max: setting(object, 'max', 1, known), min: setting(object, 'min', 0, known),
      acquire: setting(object, 'acquireTimeoutMillis', undefined, known), acquireZeroIsForever: false,
      maxKey: 'max', acquireKey: 'acquireTimeoutMillis', nestUnder: undefined,
    };
  }
  // Prisma sizes its pool from the datasource URL's `connection_limit` (default: 2 x CPUs + 1, not reported).
  if (isNew && ref && ((ref.module === '@prisma/client' && ref.path.length === 1 && ref.path[0] === 'PrismaClient') || (ref.path.length === 1 && ref.path[0] === 'PrismaClient'))) {
    const { object } = argsKnown(site, 0);
    const datasources = nested(object, 'datasources', false).object;
    const source = datasources?.properties.find((p) => ts.isPropertyAssignment(p) && resolveObject(p.initializer) !== undefined);
    const sourceObject = source && ts.isPropertyAssignment(source) ? resolveObject(source.initializer) : undefined;
    const urlProperty = findProperty(object, 'datasourceUrl').property ?? findProperty(sourceObject, 'url').property;
    const max = urlSetting(urlProperty, 'connection_limit');
    if (!max || !urlProperty) return undefined;
    const db = dbFromUrl(resolveString(propertyValue(urlProperty)) ?? '');
    return {
      driver: 'prisma', db: db === 'unknown' ? 'postgres' : db, site, call: site, proven: true, sizeObject: undefined, kind: 'db',
      max, min: undefined, acquire: undefined, acquireZeroIsForever: false,
      maxKey: 'connection_limit', acquireKey: undefined, nestUnder: undefined, urlParam: 'connection_limit',
    };
  }
  // mongoose.connect(uri, { maxPoolSize }), mongoose.createConnection(...), new MongoClient(uri, { maxPoolSize }):
  // only a size written in the options or the URI (the driver default is 100).
  if ((!isNew && refIs(ref, ['mongoose'], [['connect'], ['createConnection'], ['default', 'connect'], ['default', 'createConnection']])) || (isNew && refIs(ref, ['mongodb'], [['MongoClient']]))) {
    const { object } = argsKnown(site, 1);
    const written = findProperty(object, 'maxPoolSize').property ? 'maxPoolSize' : findProperty(object, 'poolSize').property ? 'poolSize' : undefined;
    const max = written ? setting(object, written, undefined, true) : urlSetting(undefined, 'maxPoolSize', argumentOf(site, 0));
    if (!max || max.value.kind === 'unknown') return undefined;
    const driver = ref?.module === 'mongodb' ? 'mongodb' : 'mongoose';
    return {
      driver, db: 'other', site, call: site, proven: true, sizeObject: object, kind: 'db',
      max, min: setting(object, 'minPoolSize', 0, false), acquire: undefined, acquireZeroIsForever: false,
      maxKey: written ?? 'maxPoolSize', acquireKey: undefined, nestUnder: undefined, ...(written ? {} : { urlParam: 'maxPoolSize' }),
    };
  }
  if (isNew && refIs(ref, ['http', 'https'], [['Agent']])) {
    const { object, known } = argsKnown(site, 0);
    if (!object) return undefined;
    return {
      driver: `${ref?.module ?? 'http'}.Agent`, db: 'other', site, call: site, proven: true, sizeObject: object, kind: 'http',
      max: setting(object, 'maxSockets', undefined, known), min: undefined, acquire: undefined, acquireZeroIsForever: false,
      maxKey: 'maxSockets', acquireKey: undefined, nestUnder: undefined,
    };
  }
  if (isNew && refIs(ref, ['undici'], [['Agent'], ['Pool']])) {
    const { object, known } = argsKnown(site, ref?.path[0] === 'Pool' ? 1 : 0);
    if (!object) return undefined;
    return {
      driver: `undici.${ref?.path[0] ?? 'Agent'}`, db: 'other', site, call: site, proven: true, sizeObject: object, kind: 'http',
      max: setting(object, 'connections', undefined, known), min: undefined, acquire: undefined, acquireZeroIsForever: false,
      maxKey: 'connections', acquireKey: undefined, nestUnder: undefined,
    };
  }
  return undefined;
}

function asCall(node: ts.Node): ts.CallExpression | ts.NewExpression | undefined {
  return ts.isCallExpression(node) || ts.isNewExpression(node) ? node : undefined;
}

const KNEX_CLIENTS = /^(pg|postgres|postgresql|pgnative|cockroachdb|mysql|mysql2|mariadb|mssql|oracledb|sqlite3|better-sqlite3|redshift)$/;

function knexShape(site: ts.Node, object: ts.ObjectLiteralExpression, known: boolean, proven: boolean): PoolSite | undefined {
  const client = stringProp(object, 'client') ?? stringProp(object, 'dialect');
  const db = dbFromName(client);
  const pool = nested(object, 'pool', known);
  const poolKnown = pool.known;
  const acquirePool = findProperty(pool.object, 'acquireTimeoutMillis').property;
  return {
    driver: 'knex', db, site, call: asCall(site), proven, sizeObject: pool.object, kind: 'db',
    max: setting(pool.object, 'max', 10, poolKnown), min: setting(pool.object, 'min', 2, poolKnown),
    acquire: acquirePool ? setting(pool.object, 'acquireTimeoutMillis', undefined, poolKnown) : setting(object, 'acquireConnectionTimeout', 60000, known),
    acquireZeroIsForever: false, maxKey: 'max', acquireKey: 'acquireConnectionTimeout', nestUnder: pool.object ? undefined : 'pool',
  };
}

function typeormShape(site: ts.Node, object: ts.ObjectLiteralExpression, proven: boolean): PoolSite | undefined {
  const type = stringProp(object, 'type');
  const db = dbFromName(type);
  if (db === 'sqlite' || db === 'other') return undefined;
  const extra = nested(object, 'extra', true);
  const poolSize = findProperty(object, 'poolSize').property;
  const extraKeys = db === 'mysql' ? ['connectionLimit'] : db === 'postgres' ? ['max'] : ['max', 'connectionLimit'];
  let max: Setting | undefined;
  if (poolSize) max = setting(object, 'poolSize', 10, true);
  else {
    const fromExtra = firstSetting(extra.object, extraKeys, 10, extra.known && !findProperty(object, 'poolSize').overridable);
    max = fromExtra ? { ...fromExtra, key: fromExtra.property ? fromExtra.key : 'poolSize' } : undefined;
  }
  const acquire = db === 'postgres' ? setting(extra.object, 'connectionTimeoutMillis', 0, extra.known) : undefined;
  return {
    driver: 'typeorm', db, site, call: asCall(site), proven, sizeObject: poolSize || !extra.object ? object : extra.object, kind: 'db',
    max, min: undefined, acquire, acquireZeroIsForever: true,
    maxKey: poolSize || !extra.object ? 'poolSize' : (extraKeys[0] ?? 'max'), acquireKey: 'connectionTimeoutMillis', nestUnder: undefined,
  };
}

function sequelizeShape(site: ts.Node, object: ts.ObjectLiteralExpression, proven: boolean): PoolSite | undefined {
  const db = dbFromName(stringProp(object, 'dialect'));
  const pool = nested(object, 'pool', true);
  return {
    driver: 'sequelize', db, site, call: asCall(site), proven, sizeObject: pool.object, kind: 'db',
    max: setting(pool.object, 'max', 5, pool.known), min: setting(pool.object, 'min', 0, pool.known),
    acquire: setting(pool.object, 'acquire', 60000, pool.known), acquireZeroIsForever: false,
    maxKey: 'max', acquireKey: 'acquire', nestUnder: pool.object ? undefined : 'pool',
  };
}

/** Deployments where one connection per instance is the advice (Prisma on serverless), not a bottleneck. */
const SERVERLESS_DEPENDENCIES = ['@vercel/node', 'serverless', '@netlify/functions', 'aws-lambda', '@types/aws-lambda', 'serverless-http', '@architect/functions'];

/**
 * `new PrismaClient()` whose URL comes from the environment, when the package's committed env file
 * (`.env`, `.env.example`...) gives that variable a `connection_limit`: the size the project documents. The
 * variable is the one the schema names (`url = env("DATABASE_URL")`) or the code passes (`datasourceUrl:
 * process.env.X`). Silent on serverless deployments, where Prisma's advice is `connection_limit=1`.
 */
function prismaEnvPool(site: ts.CallExpression | ts.NewExpression, ref: ResolvedRef | undefined, project: ProjectFacts): PoolSite | undefined {
  if (!ts.isNewExpression(site) || !ref || ref.path.length !== 1 || ref.path[0] !== 'PrismaClient' || !project.envConnectionLimits) return undefined;
  if (project.serverlessConfig || SERVERLESS_DEPENDENCIES.some((d) => d in project.dependencies)) return undefined;
  const { object, known } = argsKnown(site, 0);
  if (!known) return undefined;
  const datasources = nested(object, 'datasources', false).object;
  const source = datasources?.properties.find((p) => ts.isPropertyAssignment(p) && resolveObject(p.initializer) !== undefined);
  const sourceObject = source && ts.isPropertyAssignment(source) ? resolveObject(source.initializer) : undefined;
  const urlProperty = findProperty(object, 'datasourceUrl').property ?? findProperty(sourceObject, 'url').property;
  if (datasources && !urlProperty) return undefined;
  let variable = project.prismaUrlVariable ?? 'DATABASE_URL';
  if (urlProperty) {
    const value = propertyValue(urlProperty);
    const read = value ? skipOuter(value) : undefined;
    const match = read ? /^process\.env(?:\.(\w+)|\[['"](\w+)['"]\])$/.exec(read.getText()) : null;
    if (!match) return undefined;
    variable = match[1] ?? match[2] ?? variable;
  }
  const entry = project.envConnectionLimits.find((e) => e.variable === variable);
  if (!entry) return undefined;
  return {
    driver: 'prisma', db: 'postgres', site, call: site, proven: true, sizeObject: undefined, kind: 'db',
    max: { key: 'connection_limit', value: { kind: 'external', fallback: entry.limit, source: `${variable} in ${entry.file}` }, property: undefined, defaulted: false, defaultValue: undefined },
    min: undefined, acquire: undefined, acquireZeroIsForever: false,
    maxKey: 'connection_limit', acquireKey: undefined, nestUnder: undefined, urlParam: 'connection_limit', envFile: entry.file,
  };
}

interface PoolUse {
  role: Role;
  reason: string;
  match: Confidence;
}

function poolVariable(site: ts.Node): string | undefined {
  let node = site.parent;
  while (node && (ts.isAwaitExpression(node) || ts.isParenthesizedExpression(node) || ts.isAsExpression(node))) node = node.parent;
  if (node && ts.isVariableDeclaration(node) && ts.isIdentifier(node.name)) return node.name.text;
  return undefined;
}

/** Kept for the life of the process: module level, a class field, or assigned to `this.x` / a module variable. */
function isShared(site: ts.Node): boolean {
  let node: ts.Node = site;
  while (node.parent && (ts.isAwaitExpression(node.parent) || ts.isParenthesizedExpression(node.parent) || ts.isAsExpression(node.parent) || ts.isNonNullExpression(node.parent))) node = node.parent;
  const parent = node.parent;
  if (parent && ts.isPropertyDeclaration(parent)) return true;
  let fn: ts.Node | undefined = site.parent;
  while (fn && !ts.isFunctionLike(fn)) fn = fn.parent;
  if (!fn) return true;
  // `x = new Pool()`, and the memo forms `x ??= new Pool()` and `x ||= new Pool()`, which build it once.
  const assigns = [ts.SyntaxKind.EqualsToken, ts.SyntaxKind.QuestionQuestionEqualsToken, ts.SyntaxKind.BarBarEqualsToken];
  if (parent && ts.isBinaryExpression(parent) && assigns.includes(parent.operatorToken.kind) && parent.right === node) {
    const left = parent.left;
    if (ts.isPropertyAccessExpression(left) && left.expression.kind === ts.SyntaxKind.ThisKeyword) return true;
    if (ts.isIdentifier(left)) {
      // A variable declared outside the function.
      for (let scope: ts.Node | undefined = fn.parent; scope; scope = scope.parent) {
        if (ts.isSourceFile(scope)) return scope.statements.some((st) => ts.isVariableStatement(st) && st.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === left.text));
      }
    }
  }
  return false;
}

/** The expression a construction stands for once `await`, parentheses and type assertions are peeled off, and its parent. */
function outermost(site: ts.Node): { node: ts.Node; parent: ts.Node | undefined } {
  let node: ts.Node = site;
  while (node.parent && (ts.isAwaitExpression(node.parent) || ts.isParenthesizedExpression(node.parent) || ts.isAsExpression(node.parent) || ts.isNonNullExpression(node.parent) || ts.isSatisfiesExpression(node.parent))) node = node.parent;
  return { node, parent: node.parent };
}

/** Handed to the caller: `return new Pool()`, `() => knex({...})`, or a local that is returned or stored on `this`. */
function isHandedOut(site: ts.Node): boolean {
  const { node, parent } = outermost(site);
  if (!parent) return false;
  if (ts.isReturnStatement(parent) || (ts.isArrowFunction(parent) && parent.body === node)) return true;
  let name: string | undefined;
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) name = parent.name.text;
  else if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && parent.right === node && ts.isIdentifier(parent.left)) name = parent.left.text;
  if (name === undefined) return false;
  const local = name;
  let fn: ts.Node | undefined = parent.parent;
  while (fn && !ts.isFunctionLike(fn)) fn = fn.parent;
  if (!fn) return true;
  let handed = false;
  const visit = (current: ts.Node): void => {
    if (handed) return;
    if (ts.isReturnStatement(current) && current.expression && containsIdentifier(current.expression, local)) handed = true;
    if (ts.isBinaryExpression(current) && current.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(current.left) && current.left.expression.kind === ts.SyntaxKind.ThisKeyword && containsIdentifier(current.right, local)) handed = true;
    ts.forEachChild(current, visit);
  };
  visit(fn);
  return handed;
}

/** The construction itself is what its function returns (`return new Redis(url)`, `const c = new X(); return c`). */
function returnsItself(site: ts.Node): boolean {
  const { node, parent } = outermost(site);
  if (!parent) return false;
  if (ts.isReturnStatement(parent) || (ts.isArrowFunction(parent) && parent.body === node)) return true;
  if (!ts.isVariableDeclaration(parent) || !ts.isIdentifier(parent.name)) return false;
  const name = parent.name.text;
  const fn = enclosingFunctionOf(site);
  let returned = false;
  const visit = (current: ts.Node): void => {
    if (returned || (current !== fn && ts.isFunctionLike(current))) return;
    if (ts.isReturnStatement(current) && current.expression) {
      const value = skipOuter(current.expression);
      if (ts.isIdentifier(value) && value.text === name) returned = true;
    }
    ts.forEachChild(current, visit);
  };
  if (fn) visit(fn);
  return returned;
}

function enclosingFunctionOf(node: ts.Node): ts.Node | undefined {
  let fn: ts.Node | undefined = node.parent;
  while (fn && !ts.isFunctionLike(fn)) fn = fn.parent;
  return fn;
}

/**
 * What the function building a pool or client does with it: `closed` (an end/close/destroy/disconnect/quit call on
 * it anywhere in the function, callbacks included), `escapes` (the local is used other than as a method receiver:
 * passed, returned, stored, or called as a function, as a knex instance is), or `dropped` (only its methods are
 * called, then it goes out of scope: nothing can close it).
 */
function localFate(site: ts.Node): { kind: 'closed' | 'escapes' | 'dropped'; name?: string } {
  let node: ts.Node = site;
  while (node.parent && (ts.isParenthesizedExpression(node.parent) || ts.isAsExpression(node.parent) || ts.isNonNullExpression(node.parent) || ts.isSatisfiesExpression(node.parent))) node = node.parent;
  // `await new Pool(opts).query(...)`: used once, and nothing holds it to close it.
  if (node.parent && ts.isPropertyAccessExpression(node.parent) && node.parent.expression === node) return CLOSE_METHODS.has(node.parent.name.text) ? { kind: 'closed' } : { kind: 'dropped' };
  const name = poolVariable(site);
  const fn = enclosingFunctionOf(site);
  if (!name || !fn || !node.parent || !ts.isVariableDeclaration(node.parent)) return { kind: 'escapes' };
  let closed = false;
  let escapes = false;
  const visit = (current: ts.Node): void => {
    if (ts.isIdentifier(current) && current.text === name) {
      const parent = current.parent;
      if (ts.isPropertyAccessExpression(parent) && parent.name === current) return;
      if (ts.isPropertyAssignment(parent) && parent.name === current) return;
      if (ts.isVariableDeclaration(parent) && parent.name === current) return;
      // `db('items').where(...)`: a knex instance called to build a query is used, not handed on.
      if (ts.isCallExpression(parent) && parent.expression === current) return;
      if (ts.isPropertyAccessExpression(parent) && parent.expression === current) {
        if (CLOSE_METHODS.has(parent.name.text)) closed = true;
        // A handle that keeps the client alive (`client.db('app')`) handed on: the caller may keep it.
        else if (HANDLE_METHODS.has(parent.name.text) && handedOn(parent)) escapes = true;
        return;
      }
      escapes = true;
      return;
    }
    ts.forEachChild(current, visit);
  };
  visit(fn);
  return { kind: escapes ? 'escapes' : closed ? 'closed' : 'dropped', name };
}

/** Methods that return a handle bound to the client (a MongoDB database or collection, an ORM model). */
const HANDLE_METHODS = new Set(['db', 'collection', 'model', 'getRepository', 'getModel', 'duplicate']);

/** `return client.db(x)`, `this.db = client.db(x)`, `const db = client.db(x)` that is then returned or stored. */
function handedOn(access: ts.PropertyAccessExpression): boolean {
  let node: ts.Node = access.parent;
  if (ts.isCallExpression(node)) node = node.parent;
  let last: ts.Node = access;
  while (ts.isPropertyAccessExpression(node) || ts.isCallExpression(node) || ts.isAwaitExpression(node) || ts.isParenthesizedExpression(node)) {
    if (ts.isAwaitExpression(node)) return false;
    last = node;
    node = node.parent;
  }
  // `client.db('app').collection('users').findOne(...)`: what leaves is a query's result, not a handle.
  if (ts.isCallExpression(last) && ts.isPropertyAccessExpression(last.expression) && !HANDLE_METHODS.has(last.expression.name.text)) return false;
  if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name)) {
    // `const db = client.db(x)`: handed on only when that local is returned or stored in turn.
    const local = node.name.text;
    const fn = enclosingFunctionOf(node);
    let kept = false;
    const visit = (current: ts.Node): void => {
      if (kept) return;
      if (ts.isReturnStatement(current) && current.expression && ts.isIdentifier(skipOuter(current.expression)) && (skipOuter(current.expression) as ts.Identifier).text === local) kept = true;
      if (ts.isBinaryExpression(current) && current.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(skipOuter(current.right)) && (skipOuter(current.right) as ts.Identifier).text === local) kept = true;
      ts.forEachChild(current, visit);
    };
    if (fn) visit(fn);
    return kept;
  }
  return ts.isReturnStatement(node) || ts.isArrowFunction(node) || ts.isBinaryExpression(node) || ts.isPropertyAssignment(node);
}

/** A call of `name(...)` or `x.name(...)` in this file that runs per request or per loop iteration. */
function hotCallSite(sourceFile: ts.SourceFile, name: string): { call: ts.CallExpression; reason: string } | undefined {
  let found: { call: ts.CallExpression; reason: string } | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const calleeName = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
      if (calleeName === name) {
        const role = siteRoleOf(node);
        if (role.kind === 'request') found = { call: node, reason: `runs per request (${role.reasons.find((r) => !r.startsWith('runs once')) ?? 'request handler'})` };
        else if (role.inLoop) found = { call: node, reason: role.reasons[0] ?? 'runs in a loop' };
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

function containsIdentifier(node: ts.Node, name: string): boolean {
  let found = false;
  const visit = (current: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(current) && current.text === name && !(ts.isPropertyAccessExpression(current.parent) && current.parent.name === current)) {
      found = true;
      return;
    }
    ts.forEachChild(current, visit);
  };
  visit(node);
  return found;
}

function lineOf(node: ts.Node): number {
  const sf = node.getSourceFile();
  return sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
}

/** `Promise.all([pool.query(a), pool.query(b), ...])` or `Promise.all([a, b, c].map((x) => pool.query(x)))`. */
interface FanOut {
  count: number;
  call: ts.CallExpression | ts.NewExpression;
  /** What starts the queries at once, for evidence: `Promise.all starts 4 queries`. */
  what: string;
  /** A queue worker's processor: it runs per job, in the background. */
  perJob?: boolean;
}

/**
 * Queries the file starts through the pool at once: `Promise.all` over pool calls, and queue workers whose
 * processor uses the pool with a literal concurrency (BullMQ `new Worker(name, fn, { concurrency: 20 })`, Bull
 * `queue.process(20, fn)`): that many jobs, each with a query in flight, share the pool. A concurrency of 1
 * needs one connection.
 */
function fanOuts(sourceFile: ts.SourceFile, poolName: string, context: RuleContext<Options>): FanOut[] {
  const found: FanOut[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isNewExpression(node)) {
      const ref = context.imports.resolve(node.expression);
      const processor = node.arguments?.[1];
      const options = node.arguments?.[2] ? resolveObject(node.arguments[2]) : undefined;
      const property = findProperty(options, 'concurrency').property;
      const concurrency = property ? evalNumber(propertyValue(property)) : undefined;
      if (ref?.module === 'bullmq' && ref.path.join('.') === 'Worker' && processor && containsIdentifier(processor, poolName) && concurrency?.kind === 'number') {
        found.push({ count: concurrency.value, call: node, what: `the BullMQ worker runs ${concurrency.value} jobs at once (concurrency), each querying`, perJob: true });
      }
    }
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'process' && node.arguments.length >= 2) {
      const first = evalNumber(node.arguments[0]);
      const last = node.arguments[node.arguments.length - 1];
      if (first.kind === 'number' && last && (ts.isArrowFunction(last) || ts.isFunctionExpression(last)) && containsIdentifier(last, poolName) && context.imports.importedModules().has('bull')) {
        found.push({ count: first.value, call: node, what: `the Bull queue processes ${first.value} jobs at once, each querying`, perJob: true });
      }
    }
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && ['all', 'allSettled'].includes(node.expression.name.text)) {
      const ref = context.imports.resolve(node.expression.expression);
      const arg = node.arguments[0] ? skipOuter(node.arguments[0]) : undefined;
      if (ref?.module === 'global' && ref.path.join('.') === 'Promise' && arg) {
        let count = 0;
        if (ts.isArrayLiteralExpression(arg)) {
          count = arg.elements.filter((e) => !ts.isSpreadElement(e) && containsIdentifier(e, poolName)).length;
        } else if (ts.isCallExpression(arg) && ts.isPropertyAccessExpression(arg.expression) && arg.expression.name.text === 'map') {
          const source = skipOuter(arg.expression.expression);
          const callback = arg.arguments[0];
          if (ts.isArrayLiteralExpression(source) && !source.elements.some(ts.isSpreadElement) && callback && containsIdentifier(callback, poolName)) count = source.elements.length;
        }
        if (count > 0) found.push({ count, call: node, what: `Promise.${node.expression.name.text} starts ${count} queries` });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

/** A comment on the property (leading or same-line trailing) that explains the sizing. */
function hasSizingReason(property: ts.Node, sourceFile: ts.SourceFile): boolean {
  const text = sourceFile.text;
  const ranges = [...(ts.getLeadingCommentRanges(text, property.getFullStart()) ?? [])];
  const lineEnd = text.indexOf('\n', property.getEnd());
  const rest = text.slice(property.getEnd(), lineEnd === -1 ? undefined : lineEnd);
  const trailing = /\/[/*].*$/.exec(rest)?.[0];
  const comments = ranges.map((r) => text.slice(r.pos, r.end));
  if (trailing) comments.push(trailing);
  return comments.some(reasonsAboutSize);
}

/** `edits` when there are some: a fix the rule cannot write as edits stays a suggestion to read. */
function optional(edits: EditSpec[] | undefined): { edits?: EditSpec[] } {
  return edits && edits.length > 0 ? { edits } : {};
}

const CLOSE_METHODS = new Set(['end', 'close', 'destroy', 'disconnect', 'quit']);

/**
 * A pool or client built per call, moved before the module statement that holds the function, and its
 * per-call close (`await pool.end()`) removed. Only for `const x = new Pool(...)` whose arguments read
 * nothing of the function, and when the module does not declare `x` already.
 */
function hoistEdits(site: ts.CallExpression | ts.NewExpression, sourceFile: ts.SourceFile): EditSpec[] | undefined {
  const declaration = site.parent;
  if (!declaration || !ts.isVariableDeclaration(declaration) || declaration.initializer !== site || !ts.isIdentifier(declaration.name)) return undefined;
  const statement = declaration.parent.parent;
  if (!ts.isVariableStatement(statement) || statement.declarationList.declarations.length !== 1) return undefined;
  const name = declaration.name.text;
  let fn: ts.Node | undefined = site.parent;
  while (fn && !ts.isFunctionLike(fn)) fn = fn.parent;
  const top = topLevelStatement(site);
  if (!fn || !top) return undefined;
  const locals = new Set<string>();
  const collect = (node: ts.Node): void => {
    if ((ts.isVariableDeclaration(node) || ts.isParameter(node) || ts.isBindingElement(node)) && ts.isIdentifier(node.name)) locals.add(node.name.text);
    ts.forEachChild(node, collect);
  };
  collect(fn);
  let readsLocal = false;
  const reads = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && locals.has(node.text) && !(ts.isPropertyAccessExpression(node.parent) && node.parent.name === node) && !(ts.isPropertyAssignment(node.parent) && node.parent.name === node)) readsLocal = true;
    ts.forEachChild(node, reads);
  };
  reads(site);
  // `new Pool(this.config)` reads the instance: at module scope `this` is not the object.
  const readsThis = (node: ts.Node): boolean => node.kind === ts.SyntaxKind.ThisKeyword || (!ts.isFunctionLike(node) && ts.forEachChild(node, readsThis) === true);
  if (readsThis(site)) readsLocal = true;
  const declaredAtTop = sourceFile.statements.some(
    (s) => (ts.isVariableStatement(s) && s.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === name)) || ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name?.text === name) || (ts.isImportDeclaration(s) && s.importClause?.getText(sourceFile).includes(name)),
  );
  if (readsLocal || declaredAtTop) return undefined;
  const closes = perCallCloses(fn, name);
  return [insertLinesBefore(top, `const ${name} = ${site.getText(sourceFile)};\n`, sourceFile), deleteStatement(statement, sourceFile), ...closes.map((close) => deleteStatement(close, sourceFile))];
}

/** The statements of `fn` (not of functions inside it) that close `name`: `await client.close()`, `pool.end()`. */
function perCallCloses(fn: ts.Node, name: string): ts.Statement[] {
  const closes: ts.Statement[] = [];
  const findCloses = (node: ts.Node): void => {
    if (node !== fn && ts.isFunctionLike(node)) return;
    if (ts.isExpressionStatement(node)) {
      const expression = ts.isAwaitExpression(node.expression) ? node.expression.expression : node.expression;
      if (ts.isCallExpression(expression) && ts.isPropertyAccessExpression(expression.expression) && ts.isIdentifier(expression.expression.expression) && expression.expression.expression.text === name && CLOSE_METHODS.has(expression.expression.name.text)) closes.push(node);
    }
    ts.forEachChild(node, findCloses);
  };
  findCloses(fn);
  return closes;
}

/**
 * Hoisted to module scope when the construction reads nothing of its function; otherwise (it reads `this` or the
 * call's arguments, as a plugin method does) one instance per configuration, kept in a module-level map.
 */
function perCallFix(site: ts.CallExpression | ts.NewExpression, what: string, isPool: boolean, siteText: string, sourceFile: ts.SourceFile): { description: string; replacement: string; edits?: EditSpec[] } {
  const name = poolVariable(site) ?? (isPool ? 'pool' : 'client');
  const hoisted = hoistEdits(site, sourceFile);
  if (hoisted) return { description: `Create the ${what} once at module load (or in start-up code) and reuse it; drop the per-call close.`, replacement: `// module scope: created once, shared by every call\nconst ${name} = ${siteText};`, edits: hoisted };
  const callee = site.expression.getText(sourceFile);
  const type = ts.isNewExpression(site) ? `InstanceType<typeof ${callee}>` : `ReturnType<typeof ${callee}>`;
  const key = site.arguments && site.arguments.length > 0 ? `JSON.stringify([${site.arguments.map((a) => a.getText(sourceFile)).join(', ')}])` : `'default'`;
  const cache = `${name}s`;
  // A shared instance closed by one call breaks every other call using it: the per-call close must go.
  let fn: ts.Node | undefined = site.parent;
  while (fn && !ts.isFunctionLike(fn)) fn = fn.parent;
  const closes = fn ? perCallCloses(fn, name) : [];
  const closeNote = closes.length > 0 ? `\n\n// and delete the per-call close, which would close the shared ${what} under other calls:\n${closes.map((close) => `// line ${sourceFile.getLineAndCharacterOfPosition(close.getStart(sourceFile)).line + 1}: ${close.getText(sourceFile).replace(/\s+/g, ' ')}`).join('\n')}` : '';
  return {
    description: `Build the ${what} once per configuration and reuse it across calls (a module-level map keyed by its options, or a field set in the constructor); close them at shutdown, not per call${closes.length > 0 ? ' (delete the per-call close)' : ''}.`,
    replacement: `// module scope: one per configuration, shared by every call\nconst ${cache} = new Map<string, ${type}>();\n\n// in the function, instead of building it per call\nconst key = ${key};\nlet ${name} = ${cache}.get(key);\nif (!${name}) {\n  ${name} = ${siteText};\n  ${cache}.set(key, ${name});\n}${closeNote}`,
  };
}

/** `Number(process.env.X) || 5` -> `... || 20`: the last occurrence of the fallback literal is raised. */
function raisedFallback(property: ts.Node, fallback: number, recommended: number): { description: string; replacement: string; edits?: EditSpec[] } {
  const sourceFile = property.getSourceFile();
  let literal: ts.NumericLiteral | undefined;
  const visit = (node: ts.Node): void => {
    if (ts.isNumericLiteral(node) && Number(node.text) === fallback) literal = node;
    ts.forEachChild(node, visit);
  };
  visit(property);
  const replacement = property.getText(sourceFile).replace(new RegExp(`\\b${fallback}\\b(?![\\s\\S]*\\b${fallback}\\b)`), String(recommended));
  return { description: 'Keep the override, raise the fallback to a size reasoned from load.', replacement, ...optional(literal ? [replaceNode(literal, String(recommended), sourceFile)] : undefined) };
}

/** The fix as described, with the exact edit of the fallback literal when that edit gives the same text. */
function withLiteralEdit(fix: { description: string; replacement: string }, raised: { replacement: string; edits?: EditSpec[] }): { description: string; replacement: string; edits?: EditSpec[] } {
  return raised.edits && raised.replacement === fix.replacement ? { ...fix, edits: raised.edits } : fix;
}

function addProperty(objectText: string, property: string): string {
  const body = objectText.replace(/\s*}\s*$/, '');
  if (/^\{\s*$/.test(body)) return `{ ${property} }`;
  const multiline = body.includes('\n');
  const trimmed = body.replace(/,\s*$/, '');
  if (!multiline) return `${trimmed}, ${property} }`;
  const indent = /\n(\s*)\S[^\n]*$/.exec(trimmed)?.[1] ?? '  ';
  const closingIndent = /\n(\s*)}\s*$/.exec(objectText)?.[1] ?? '';
  return `${trimmed},\n${indent}${property},\n${closingIndent}}`;
}

export default defineRule<Options>({
  meta: {
    id: 'undersized-pool',
    category: 'Database',
    defaultSeverity: 'high',
    description: 'Connection pools sized or timed without reasoning: small max for a server, max below the code\'s own fan-out or above the database limit, long acquire waits, min > max, one shared connection, pools built per call.',
    messages: {
      smallMax: '{{driver}} pool {{key}} is {{max}}{{defaultNote}}: a server with ~{{concurrency}} requests in flight queues behind {{max}} connection(s)',
      smallMaxFallback: '{{driver}} pool {{key}} comes from {{source}} and falls back to {{max}} when it is unset',
      smallMaxEnvFile: '{{driver}} pool size comes from {{source}}, which sets connection_limit={{max}}: if production uses the same, a server with ~{{concurrency}} requests in flight queues behind {{max}} connection(s)',
      smallSockets: '{{driver}} {{key}} is {{max}}: at most {{max}} outbound request(s) in flight per origin, the rest queue',
      belowFanOut: '{{driver}} pool {{key}} is {{max}} but line {{line}} runs {{count}} queries through it at once: they run in {{waves}} waves',
      longAcquire: '{{driver}} pool {{key}} is {{timeout}}: a saturated pool makes requests wait {{wait}} instead of failing fast',
      minExceedsMax: '{{driver}} pool min {{min}} is greater than max {{max}}',
      exceedsDbLimit: '{{driver}} pool {{key}} is {{max}}, {{relation}} {{db}} max_connections ({{limit}}) for a single process',
      singleConnection: 'One shared {{driver}} connection serves the whole server: every query waits for the previous one',
      perCall: 'A new {{what}} is created {{where}}: each call pays connection set-up and the pool never warms',
    },
    triggers: [
      'Pool', 'createPool', 'Sequelize', 'knex', 'DataSource', 'createConnection', 'TypeOrmModule', 'SequelizeModule', 'generic-pool',
      'PrismaClient', 'Agent', 'Client', 'ioredis', 'createClient', 'MongoClient', 'ClickHouse', 'pool', 'connectionLimit', 'maxSockets', 'connections',
      'connection_limit', 'maxPoolSize', 'poolSize', 'mongoose', 'postgres',
    ],
    requiresTypeInfo: false,
    defaults,
    options: optionsSchema,
  },
  appliesTo: (file, options) => file.role !== 'test' && ((file.role !== 'script' && file.role !== 'migration') || options.includeOnce),
  create(context) {
    const { options: opts, sourceFile } = context;
    const sites: Array<{ node: ts.CallExpression | ts.NewExpression; ref: ResolvedRef | undefined }> = [];
    const shapes: ts.ObjectLiteralExpression[] = [];
    const reported = new Set<string>();
    const report = (descriptor: ReportDescriptor): void => {
      const key = `${descriptor.variant ?? ''}:${descriptor.node.pos}:${descriptor.node.end}`;
      if (reported.has(key)) return;
      reported.add(key);
      context.report(descriptor);
    };

    // Functions and `x.createServer(...)` calls in walk order (the engine's walk is pre-order, like forEachChild),
    // so serverEvidence() reads them instead of walking the whole file again.
    const serverCandidates: ts.Node[] = [];
    const visitFunction = (node: ts.Node): void => {
      serverCandidates.push(node);
    };

    const visitCall = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'createServer') serverCandidates.push(node);
      if (!ts.isCallExpression(node) && !ts.isNewExpression(node)) return;
      const ref = context.imports.resolve(node.expression);
      if (!ref || ref.module === 'global') return;
      sites.push({ node, ref });
    };

    let fileEvidence: PoolUse | null | undefined;
    /** The file itself serves requests (imports a framework, holds a handler or `http.createServer`). */
    const fileServes = (): PoolUse | undefined => {
      if (fileEvidence !== undefined) return fileEvidence ?? undefined;
      const framework = [...context.imports.importedModules()].find(isFramework);
      if (framework) return (fileEvidence = { role: 'request', reason: `this file imports ${framework}: it runs inside an HTTP server`, match: 'high' });
      let handler: string | undefined;
      // The first candidate in walk order that serves requests.
      for (const node of serverCandidates) {
        if (handler) break;
        if (ts.isFunctionLike(node) && 'body' in node && node.body) {
          const role = siteRoleOf(node.body);
          if (role.kind === 'request') handler = `line ${lineOf(node)}: ${role.reasons.find((r) => !r.startsWith('runs')) ?? 'request handler'}`;
        }
        if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'createServer') {
          const ref = context.imports.resolve(node.expression);
          if (ref && (ref.module === 'http' || ref.module === 'https' || ref.module === 'http2')) handler = `line ${lineOf(node)}: ${ref.module}.createServer`;
        }
      }
      fileEvidence = handler ? { role: 'request', reason: `this file serves requests (${handler})`, match: 'high' } : null;
      return fileEvidence ?? undefined;
    };
    /**
     * How often work goes through the pool held in `binding`: the most frequent user the model finds (in this file,
     * in files importing it directly or through a barrel, or handed to other code), else the file serving requests,
     * else only the project's dependency on a framework (an assumption: medium confidence at most). Undefined when
     * nothing says the pool serves anything.
     */
    const poolUse = (binding: string | undefined): PoolUse | undefined => {
      const usage = binding !== undefined ? context.model.usageOf(binding) : undefined;
      if (usage && (usage.role === 'request' || usage.role === 'occasional')) return { role: usage.role, reason: usage.reason, match: 'high' };
      const served = fileServes();
      if (served) return served;
      if (usage && usage.role === 'background') return { role: 'background', reason: usage.reason, match: 'high' };
      if (usage && usage.role === 'once') return { role: 'once', reason: usage.reason, match: 'high' };
      const dependency = frameworkDependency(context.project.dependencies);
      if (dependency) return { role: 'unknown', reason: `the project depends on ${dependency}: assumed to serve HTTP traffic through this pool${usage ? ` (${usage.reason})` : ''}`, match: 'medium' };
      return undefined;
    };
    /** Sizing matters under concurrent traffic: per-request users, or a server assumed from the project. */
    const servesTraffic = (use: PoolUse | undefined): use is PoolUse => use !== undefined && (use.role === 'request' || use.role === 'occasional' || use.role === 'unknown');
    const gradePool = (use: PoolUse | undefined, cost: Cost, costReason: string, proven: boolean, lower: string[] = []) =>
      grade({
        cost,
        costReason,
        // A misconfiguration is wrong whoever uses the pool; with no user known, how often is unknown.
        role: use?.role ?? 'unknown',
        evidence: 'proven',
        match: !proven ? 'medium' : (use?.match ?? 'medium'),
        lower,
        includeOnce: opts.includeOnce,
      });

    const recommendedMax = (db: Db, atLeast = 0): number => {
      // Little's law: busy connections = query arrival rate x time each query holds a connection. With C requests in
      // flight that each spend ~40% of their time in the database, ~0.4 C connections are busy on average.
      const base = Math.max(opts.minServerPoolSize, Math.ceil(opts.expectedConcurrency * 0.4), atLeast);
      const limit = dbLimit(db);
      // Leave room for ~5 processes (replicas, workers, migrations) on one database.
      return limit ? Math.min(base, Math.max(1, Math.floor(limit / 5))) : base;
    };
    const envName = (pool: PoolSite): string => (pool.kind === 'http' ? 'HTTP_MAX_SOCKETS' : 'DB_POOL_MAX');
    const dbLimit = (db: Db): number | undefined => (db === 'postgres' || db === 'mysql' ? (opts.databaseMaxConnections[db] ?? DEFAULT_MAX_CONNECTIONS[db]) : undefined);
    /** The limit is the server's default, not the project's database: nothing in the code proves it. */
    const limitAssumed = (db: Db): boolean => (db === 'postgres' || db === 'mysql') && opts.databaseMaxConnections[db] === undefined;

    const baseParams = (pool: PoolSite): Record<string, string | number | boolean | null> => {
      const max = pool.max?.value.kind === 'number' ? pool.max.value.value : pool.max?.value.kind === 'external' ? (pool.max.value.fallback ?? null) : null;
      const acquire = pool.acquire?.value.kind === 'number' ? pool.acquire.value.value : null;
      return { driver: pool.driver, max, acquireTimeoutMs: acquire, expectedConcurrency: opts.expectedConcurrency, database: pool.db, recommendedMax: pool.kind === 'http' ? opts.expectedConcurrency : recommendedMax(pool.db), serviceTimeMs: ASSUMED_QUERY_MS };
    };

    /** The whole call rewritten with one more option, for defaulted settings. */
    const siteWithOption = (pool: PoolSite, property: string): string => {
      const call = pool.call;
      const object = pool.sizeObject;
      if (!call) return object ? addProperty(context.text(object), property) : `{ ${property} }`;
      const callText = context.text(call);
      const prefix = ts.isNewExpression(call) ? 'new ' : '';
      const args = (call.arguments ?? []).map((a) => context.text(a));
      if (pool.nestUnder && object === undefined) {
        const lastArg = lastArgument(call);
        const optionsObject = lastArg ? resolveObject(lastArg) : undefined;
        const nestedProp = `${pool.nestUnder}: { ${property} }`;
        if (optionsObject && lastArg && skipOuter(lastArg) === optionsObject) return callText.replace(context.text(optionsObject), addProperty(context.text(optionsObject), nestedProp));
        if (optionsObject) return `${addProperty(context.text(optionsObject), nestedProp)} // the options passed at line ${lineOf(call)}`;
        return `${prefix}${context.text(call.expression)}(${[...args, `{ ${nestedProp} }`].join(', ')})`;
      }
      if (object && call.getStart() <= object.getStart() && object.getEnd() <= call.getEnd()) return callText.replace(context.text(object), addProperty(context.text(object), property));
      if (object) return `${addProperty(context.text(object), property)} // the options passed at line ${lineOf(call)}`;
      return `${prefix}${context.text(call.expression)}(${[...args, `{ ${property} }`].join(', ')})`;
    };

    /** The same change as `siteWithOption`, as edits: the option added where the pool's options are written. */
    const siteOptionEdits = (pool: PoolSite, property: string): EditSpec[] | undefined => {
      const call = pool.call;
      const object = pool.sizeObject;
      const here = (node: ts.Node | undefined): boolean => node !== undefined && node.getSourceFile() === sourceFile;
      if (!call) return object && here(object) ? [addPropertyEdit(object, property, sourceFile)] : undefined;
      if (pool.nestUnder && object === undefined) {
        const lastArg = lastArgument(call);
        const optionsObject = lastArg ? resolveObject(lastArg) : undefined;
        const nestedProp = `${pool.nestUnder}: { ${property} }`;
        if (optionsObject) return here(optionsObject) ? [addPropertyEdit(optionsObject, nestedProp, sourceFile)] : undefined;
        const edit = appendArgumentEdit(call, `{ ${nestedProp} }`, sourceFile);
        return edit ? [edit] : undefined;
      }
      if (object) return here(object) ? [addPropertyEdit(object, property, sourceFile)] : undefined;
      const edit = appendArgumentEdit(call, `{ ${property} }`, sourceFile);
      return edit ? [edit] : undefined;
    };

    const reportPool = (pool: PoolSite): void => {
      if (pool.db === 'sqlite') return;
      // poolUse() may walk the whole file: it is asked only by the checks that need it.
      const driverFact = pool.proven ? `${pool.driver} identified through its import (${pool.call ? context.text(pool.call.expression) : pool.driver})` : `object shape of a ${pool.driver} config (not passed to a proven driver call here)`;
      const role = context.siteRole(pool.site);
      let useCache: PoolUse | null | undefined;
      const use = (): PoolUse | undefined => {
        if (useCache === undefined) useCache = poolUse(bindingOf(pool.call ?? pool.site)) ?? null;
        return useCache ?? undefined;
      };
      const maxSetting = pool.max;
      const maxValue = maxSetting?.value.kind === 'number' ? maxSetting.value.value : undefined;
      const maxNode = maxSetting?.property ?? pool.site;
      const params = baseParams(pool);
      // A pool that lives for the process (module level, start-up code, a class field, or a factory's result) serves
      // the traffic; one built and dropped inside an ordinary function (a backup job, a one-off check) does not.
      const longLived = !pool.call || role.kind === 'startup' || isShared(pool.site) || isHandedOut(pool.site);
      let maxReported = !longLived;

      // min > max: wrong anywhere (tarn throws at start-up, generic-pool silently clamps).
      const minSetting = pool.min;
      const minGrade = minSetting?.property && minSetting.value.kind === 'number' && maxValue !== undefined && minSetting.value.value > maxValue && maxSetting?.property
        ? gradePool(use(), 'light', 'a pool whose size is not what either number says', pool.proven)
        : undefined;
      if (minSetting?.property && minSetting.value.kind === 'number' && maxValue !== undefined && maxSetting?.property && minGrade?.severity) {
        report({
          node: minSetting.property,
          variant: 'min-exceeds-max',
          messageId: 'minExceedsMax',
          data: { driver: pool.driver, min: minSetting.value.value, max: maxValue },
          severity: minGrade.severity,
          confidence: minGrade.confidence,
          evidence: [driverFact, `${context.text(minSetting.property)} and ${context.text(maxSetting.property)}: min > max`, pool.driver === 'knex' ? 'tarn (knex) rejects min > max when the pool is created' : `the pool cannot keep ${minSetting.value.value} idle connections under a cap of ${maxValue}; the configuration does not say which was meant`, ...(use() ? [use()?.reason ?? ''] : []), ...minGrade.reasons],
          impact: `The pool size is not what either number says (${pool.driver === 'knex' ? 'tarn throws at start-up' : 'min is ignored or clamped'}); pick one reasoned max`,
          fix: { description: 'Keep min at or below max; min is the idle connections kept warm, max the cap.', replacement: `${minSetting.key}: ${Math.min(maxValue, 2)}`, edits: [replaceNode(minSetting.property, `${minSetting.key}: ${Math.min(maxValue, 2)}`, sourceFile)] },
          effort: 'trivial',
          params,
        });
      }

      const limit = dbLimit(pool.db);
      const assumedLimit = limitAssumed(pool.db);
      // Against an assumed limit, only a max above it is worth a word (low): equal to it proves nothing.
      const overLimit = limit !== undefined && maxValue !== undefined && (assumedLimit ? maxValue > limit : maxValue >= limit);
      const rawLimitGrade = pool.kind === 'db' && limit !== undefined && maxValue !== undefined && maxSetting?.property && overLimit
        ? gradePool(use(), maxValue > limit ? 'moderate' : 'light', maxValue > limit ? 'under load the database refuses connections and requests fail' : 'no room left for a second process', pool.proven)
        : undefined;
      const limitGrade = rawLimitGrade && assumedLimit && rawLimitGrade.severity
        ? { severity: 'low' as Severity, confidence: 'low' as Confidence, reasons: [...rawLimitGrade.reasons, `the database's max_connections is assumed (the server default ${limit}; managed databases often allow more): at most low until databaseMaxConnections says`] }
        : rawLimitGrade;
      if (pool.kind === 'db' && limit !== undefined && maxValue !== undefined && maxSetting?.property && overLimit && limitGrade?.severity) {
        const recommended = recommendedMax(pool.db);
        report({
          node: maxSetting.property,
          variant: 'exceeds-db-limit',
          messageId: 'exceedsDbLimit',
          data: { driver: pool.driver, key: maxSetting.key, max: maxValue, relation: maxValue > limit ? 'above' : 'equal to', db: pool.db === 'postgres' ? 'PostgreSQL' : 'MySQL', limit },
          severity: limitGrade.severity,
          confidence: limitGrade.confidence,
          evidence: [
            ...limitGrade.reasons,
            driverFact,
            assumedLimit
              ? `${context.text(maxSetting.property)} against ${pool.db === 'postgres' ? 'PostgreSQL' : 'MySQL'}'s default max_connections of ${limit} (assumed: set databaseMaxConnections.${pool.db} to your database's value)`
              : `${context.text(maxSetting.property)} against max_connections ${limit} (option databaseMaxConnections.${pool.db})`,
            pool.db === 'postgres' ? 'PostgreSQL also reserves 3 of them for superusers; every extra process (replica, worker, migration) multiplies the pool' : 'every extra process (replica, worker, migration) multiplies the pool',
          ],
          impact: `Under load the pool opens connections until the server refuses them ("too many connections"): requests fail instead of queueing. ${recommended} per process leaves room for ${Math.floor(limit / recommended)} processes.`,
          fix: { description: `Size per process so that processes x max stays under max_connections (or put PgBouncer/RDS Proxy in front); ${recommended} fits ${Math.floor(limit / recommended)} processes.`, replacement: `${maxSetting.key}: Number(process.env.${envName(pool)} ?? ${recommended})`, edits: [replaceNode(maxSetting.property, `${maxSetting.key}: Number(process.env.${envName(pool)} ?? ${recommended})`, sourceFile)] },
          effort: 'small',
          params: { ...params, databaseMaxConnections: limit },
        });
        maxReported = true;
      }

      // Fan-out through this very pool.
      const name = poolVariable(pool.site);
      if (!maxReported && maxValue !== undefined && name && pool.kind === 'db') {
        const widest = fanOuts(sourceFile, name, context).sort((a, b) => b.count - a.count)[0];
        if (widest && widest.count > maxValue) {
          const waves = Math.ceil(widest.count / maxValue);
          const fanRole = context.siteRole(widest.call);
          const fanFrequency = context.model.frequencyOf(widest.call);
          const fanGrade = grade({
            cost: waves >= 3 ? 'moderate' : 'light',
            costReason: `${widest.count} queries in ${waves} waves on ${maxValue} connection(s)`,
            // A worker's processor runs per job: background work, whatever starts the worker.
            role: widest.perJob ? 'background' : fanRole.kind === 'request' ? 'request' : fanFrequency.role,
            evidence: 'proven',
            match: pool.proven ? 'high' : 'medium',
            includeOnce: opts.includeOnce,
          });

          const cap = limit !== undefined ? Math.max(1, Math.floor(limit / 5)) : Number.MAX_SAFE_INTEGER;
          const recommendedFinal = Math.min(Math.max(widest.count, recommendedMax(pool.db)), Math.max(cap, maxValue + 1));
          if (fanGrade.severity) report({
            node: maxNode,
            variant: 'below-fan-out',
            messageId: 'belowFanOut',
            data: { driver: pool.driver, key: maxSetting?.key ?? pool.maxKey, max: maxValue, line: lineOf(widest.call), count: widest.count, waves },
            severity: fanGrade.severity,
            confidence: fanGrade.confidence,
            evidence: [
              ...fanGrade.reasons,
              driverFact,
              maxSetting?.property ? `${context.text(maxSetting.property)}` : `${maxSetting?.key ?? pool.maxKey} not set: ${pool.driver} defaults to ${maxValue}`,
              `line ${lineOf(widest.call)}: ${widest.what} through ${name} at once`,
              ...(widest.perJob ? ['the processor runs once per job, in the background'] : fanRole.reasons.map((r) => `the fan-out ${r}`)),
            ],
            impact: `${widest.count} concurrent queries on ${maxValue} connection(s) run in ${waves} waves: ~${waves}Q instead of ~Q for query time Q (e.g. ${waves * ASSUMED_QUERY_MS} ms instead of ${ASSUMED_QUERY_MS} ms at ${ASSUMED_QUERY_MS} ms per query), and the fan-out holds every connection while it runs`,
            fix: maxSetting?.property
              ? { description: `Let the pool cover the fan-out (${widest.count}) with an env override.`, replacement: `${maxSetting.key}: Number(process.env.${envName(pool)} ?? ${recommendedFinal})`, edits: [replaceNode(maxSetting.property, `${maxSetting.key}: Number(process.env.${envName(pool)} ?? ${recommendedFinal})`, sourceFile)] }
              : { description: `Set the pool size to cover the fan-out (${widest.count}) with an env override.`, replacement: siteWithOption(pool, `${pool.maxKey}: Number(process.env.${envName(pool)} ?? ${recommendedFinal})`), ...optional(siteOptionEdits(pool, `${pool.maxKey}: Number(process.env.${envName(pool)} ?? ${recommendedFinal})`)) },
            effort: 'trivial',
            params: { ...params, fanOut: widest.count, recommendedMax: recommendedFinal },
          });
          maxReported = true;
        }
      }

      // Small max for a server.
      const served = !maxReported && maxSetting && !(maxSetting.property && hasSizingReason(maxSetting.property, sourceFile)) ? use() : undefined;
      if (maxSetting && servesTraffic(served)) {
        const evidence = served;
        const value = maxSetting.value;
        const recommended = recommendedMax(pool.db);
        const isHttp = pool.kind === 'http';
        /** One to two connections serve one or two queries at a time: moderate; more, up to minServerPoolSize: light. */
        const sizeGrade = (max: number) =>
          gradePool(
            served,
            max <= 2 ? 'moderate' : 'light',
            `${max} connection(s) for ~${opts.expectedConcurrency} requests in flight: requests queue for a connection under load`,
            pool.proven,
            isHttp ? ['outbound sockets per origin, not database connections: a queue there costs less'] : [],
          );
        /** Raise the literal fallback where the property writes it; when it lives in a const elsewhere, keep the variable and write the new fallback here. */
        const fallbackFix = (property: ts.ObjectLiteralElementLike, fallback: number, source: string): { description: string; replacement: string } => {
          const text = context.text(property);
          const lastLiteral = (t: string): string => t.replace(new RegExp(`\\b${fallback}\\b(?![\\s\\S]*\\b${fallback}\\b)`), String(recommended));
          const inUrl = pool.urlParam ? text.replace(new RegExp(`([?&]${pool.urlParam}=)${fallback}\\b`), `$1${recommended}`) : text;
          // `?connection_limit=${process.env.POOL ?? 3}`: the fallback is the template's last literal.
          const edited = inUrl !== text ? inUrl : lastLiteral(text);
          if (edited !== text) return { description: 'Keep the override, raise the fallback to a size reasoned from load.', replacement: edited };
          if (!pool.urlParam && /^process\.env\.\w+$/.test(source)) return { description: `Keep the override, raise the fallback (${fallback}, written outside this property) to a size reasoned from load.`, replacement: `${maxSetting.key}: Number(${source} ?? ${recommended})` };
          return { description: `Keep the override, raise the fallback ${fallback} to ${recommended} where it is written (it is not in this property: a const or default it reads).`, replacement: text };
        };
        const smallGrade = value.kind === 'number' && value.value < opts.minServerPoolSize && (maxSetting.property || maxSetting.defaulted || pool.urlParam) ? sizeGrade(value.value) : undefined;
        if (value.kind === 'number' && value.value < opts.minServerPoolSize && (maxSetting.property || maxSetting.defaulted || pool.urlParam) && smallGrade?.severity) {
          const max = value.value;
          const severity: Severity = smallGrade.severity;
          const queued = Math.max(0, opts.expectedConcurrency - max);
          const replacementProp =
            pool.urlParam && maxSetting.property
              ? context.text(maxSetting.property).replace(new RegExp(`([?&]${pool.urlParam}=)\\d+`), `$1${recommended}`)
              : `${maxSetting.property ? maxSetting.key : pool.maxKey}: Number(process.env.${envName(pool)} ?? ${isHttp ? opts.expectedConcurrency : recommended})`;
          report({
            node: maxNode,
            variant: 'small-max',
            messageId: isHttp ? 'smallSockets' : 'smallMax',
            data: { driver: pool.driver, key: maxSetting.property ? maxSetting.key : pool.maxKey, max, defaultNote: maxSetting.property || pool.urlParam ? '' : ` (the ${pool.driver} default, not set here)`, concurrency: opts.expectedConcurrency },
            severity,
            confidence: maxSetting.property ? smallGrade.confidence : 'medium',
            evidence: [
              ...smallGrade.reasons,
              driverFact,
              maxSetting.property ? `${context.text(maxSetting.property)}: below minServerPoolSize ${opts.minServerPoolSize}` : pool.urlParam ? `${pool.urlParam}=${max} in the connection URL: below minServerPoolSize ${opts.minServerPoolSize}` : `${maxSetting.key} not set: ${pool.driver} defaults to ${max}, below minServerPoolSize ${opts.minServerPoolSize}`,
              evidence.reason,
              `assumes ~${opts.expectedConcurrency} requests in flight per process (option expectedConcurrency)`,
              ...(role.kind === 'startup' ? [`pool created once (${role.reasons[0] ?? 'module level'}) and shared by every request`] : []),
            ],
            impact: isHttp
              ? `At ${opts.expectedConcurrency} concurrent outbound calls, ${queued} wait for one of ${max} sockets: each waits ~${Math.ceil(opts.expectedConcurrency / max) - 1} extra round trips`
              : `Little's law: ${max} connection(s) at ~${ASSUMED_QUERY_MS} ms per query cap throughput near ${Math.round((max * 1000) / ASSUMED_QUERY_MS)} queries/s; with ${opts.expectedConcurrency} requests in flight ~${queued} wait for a connection (~${(Math.ceil(opts.expectedConcurrency / max) - 1) * ASSUMED_QUERY_MS} ms added per query). ${recommended} connections serve ${opts.expectedConcurrency} in-flight requests that spend ~40% of their time in the database`,
            fix: pool.urlParam && !maxSetting.property
              ? { description: `Raise ${pool.urlParam} in the connection URL to a size reasoned from load (Little's law: connections ~= query rate x query time).`, replacement: `${pool.urlParam}=${recommended}` }
              : maxSetting.property
              ? { description: `Size the pool from expected load (Little's law: connections ~= query rate x query time) and keep an env override${pool.db !== 'unknown' && dbLimit(pool.db) ? `; ${recommended} stays under a fifth of max_connections` : ''}.`, replacement: replacementProp, edits: [replaceNode(maxSetting.property, replacementProp, sourceFile)] }
              : { description: `Set the pool size explicitly instead of relying on the ${pool.driver} default of ${max}.`, replacement: siteWithOption(pool, replacementProp), ...optional(siteOptionEdits(pool, replacementProp)) },
            effort: 'trivial',
            params,
          });
        } else if (value.kind === 'external' && value.fallback !== undefined && value.fallback < opts.minServerPoolSize && pool.envFile) {
          // Only a development or example file says the size: production sets its own URL, which may differ.
          const envGrade = gradePool(served, value.fallback <= 2 ? 'moderate' : 'light', `${value.fallback} connection(s) for ~${opts.expectedConcurrency} requests in flight`, pool.proven, [`the size is read from ${pool.envFile}, a development or example file: production may set another URL`]);
          if (envGrade.severity) report({
            node: pool.site,
            variant: 'small-max',
            messageId: 'smallMaxEnvFile',
            data: { driver: pool.driver, source: value.source, max: value.fallback, concurrency: opts.expectedConcurrency },
            severity: envGrade.severity,
            confidence: 'low',
            evidence: [...envGrade.reasons, driverFact, `connection_limit=${value.fallback} in ${value.source}; the client passes no other URL`, evidence.reason, `assumes production's URL keeps connection_limit=${value.fallback} (the file the project commits); assumes ~${opts.expectedConcurrency} requests in flight per process`],
            impact: `If production uses it: ${value.fallback} connection(s) at ~${ASSUMED_QUERY_MS} ms per query cap throughput near ${Math.round((value.fallback * 1000) / ASSUMED_QUERY_MS)} queries/s`,
            fix: { description: `Raise connection_limit in ${value.source} and in the deployed URL to a size reasoned from load (Little's law: connections ~= query rate x query time).`, replacement: `connection_limit=${recommended}` },
            effort: 'trivial',
            params: { ...params, max: value.fallback },
          });
        } else if (value.kind === 'external' && value.fallback !== undefined && value.fallback < opts.minServerPoolSize && maxSetting.property) {
          // Deployments may set the variable; when they do not, the fallback is the pool every request shares.
          const fallbackGrade = sizeGrade(value.fallback);
          if (fallbackGrade.severity) report({
            node: maxSetting.property,
            variant: 'small-max',
            messageId: 'smallMaxFallback',
            data: { driver: pool.driver, key: maxSetting.key, source: value.source, max: value.fallback },
            severity: fallbackGrade.severity,
            confidence: fallbackGrade.confidence === 'high' ? 'medium' : fallbackGrade.confidence,
            evidence: [...fallbackGrade.reasons, driverFact, `${context.text(maxSetting.property)}: configurable, default ${value.fallback} below minServerPoolSize ${opts.minServerPoolSize}`, evidence.reason, 'the fallback applies wherever the variable is not set: confidence medium, deployments may set it'],
            impact: `Only when ${value.source} is unset: ${value.fallback} connection(s) at ~${ASSUMED_QUERY_MS} ms per query cap throughput near ${Math.round((value.fallback * 1000) / ASSUMED_QUERY_MS)} queries/s`,
            fix: withLiteralEdit(fallbackFix(maxSetting.property, value.fallback, value.source), raisedFallback(maxSetting.property, value.fallback, recommended)),
            effort: 'trivial',
            params: { ...params, max: value.fallback },
          });
        }
      }

      // Long acquire wait.
      const acquire = pool.acquire;
      const acquireUse = longLived && acquire?.property && acquire.value.kind === 'number' && pool.kind === 'db' ? use() : undefined;
      if (acquire?.property && acquire.value.kind === 'number' && servesTraffic(acquireUse)) {
        const evidence = acquireUse;
        const timeout = acquire.value.value;
        const forever = timeout === 0 && pool.acquireZeroIsForever;
        const acquireGrade = gradePool(acquireUse, 'light', 'requests wait for a connection instead of failing fast, only at saturation', pool.proven);
        if ((forever || timeout > opts.maxAcquireTimeoutMs) && acquireGrade.severity) {
          const fixMs = Math.min(ACQUIRE_FIX_MS, Math.floor(opts.maxAcquireTimeoutMs / 2));
          report({
            node: acquire.property,
            variant: 'long-acquire-timeout',
            messageId: 'longAcquire',
            data: { driver: pool.driver, key: acquire.key, timeout: forever ? '0 (no limit)' : `${timeout} ms`, wait: forever ? 'forever' : `up to ${timeout / 1000} s` },
            severity: acquireGrade.severity,
            confidence: acquireGrade.confidence,
            evidence: [
              ...acquireGrade.reasons,
              driverFact,
              `${context.text(acquire.property)}: ${forever ? 'waits without limit' : `above maxAcquireTimeoutMs ${opts.maxAcquireTimeoutMs} (knex's and Sequelize's own 60 s default)`}`,
              evidence.reason,
              'when every connection is busy, requests wait this long for one instead of failing fast; clients and load balancers usually give up sooner',
            ],
            impact: `At saturation each queued request holds its socket and memory for ${forever ? 'an unbounded time' : `up to ${timeout / 1000} s`}; a ${fixMs / 1000} s limit turns the overload into fast errors (retries, 503) and bounds p99 at ~${fixMs / 1000} s`,
            fix: { description: 'Fail fast when the pool is exhausted; the error is the signal to resize or shed load.', replacement: `${acquire.key}: Number(process.env.DB_POOL_ACQUIRE_TIMEOUT_MS ?? ${fixMs})`, edits: [replaceNode(acquire.property, `${acquire.key}: Number(process.env.DB_POOL_ACQUIRE_TIMEOUT_MS ?? ${fixMs})`, sourceFile)] },
            effort: 'trivial',
            params,
          });
        }
      }
    };

    /** A pool built per request, per loop iteration, or used and ended within one ordinary function. */
    const reportPerCall = (site: ts.CallExpression | ts.NewExpression, what: string, isPool: boolean): boolean => {
      const role: SiteRole = context.siteRole(site);
      const frequency = context.model.frequencyOf(site);
      // A factory (`getClient() { return new MongoClient(url) }`, here or called from other files) builds one per
      // call of its callers: the model's role of the factory is theirs, whatever its name says.
      const factory = frequency.fn && isHandedOut(site) && !isShared(site) && !frequency.fn.memos.includes(frequency.fn.id) && (frequency.role === 'request' || frequency.role === 'occasional' || frequency.role === 'background') ? frequency.fn : undefined;
      if (role.kind === 'startup' && !factory) return false;
      let where: string | undefined;
      let cost: Cost = 'heavy';
      let runs: Role = role.kind === 'request' ? 'request' : frequency.role;
      const reasons = factory ? [] : [...role.reasons];
      if (factory) {
        const name = factory.name.split('.').pop() ?? factory.name;
        where = `on every call of ${name}(), which returns it to callers that run ${frequency.role === 'request' ? 'per request' : frequency.role === 'occasional' ? 'per request of a write or admin endpoint' : 'in the background'}`;
        runs = frequency.role;
        reasons.push(`${name}() returns a new ${what} on every call and nothing caches it (no module variable, field or memo holds it)`, frequency.reason);
      } else if (role.kind === 'request') where = 'in a request handler';
      else if (role.inLoop) where = 'once per loop iteration';
      else if ((frequency.role === 'request' || frequency.role === 'occasional') && !isShared(site) && localFate(site).kind !== 'escapes') {
        where = 'on every call of a function that runs per request';
        reasons.push(frequency.reason);
      } else if (frequency.role !== 'once' && frequency.role !== 'request' && frequency.role !== 'occasional' && !isShared(site) && localFate(site).kind === 'dropped') {
        // Built on every call and never closed nor kept: a handshake per call, and its connections stay open.
        const fate = localFate(site);
        const fnName = frequency.fn?.name ?? functionName(enclosingFunctionOf(site) ?? site) ?? 'its function';
        where = `on every call of ${fnName}() and never closed`;
        runs = frequency.role;
        if (runs === 'unknown') reasons.push(`runs per call of ${fnName}(); no caller in the project shows how often: graded one step below per request`);
        else reasons.push(frequency.reason);
        reasons.push(fate.name ? `${fate.name} is neither closed (end/close/destroy/disconnect/quit), stored for reuse, nor returned: its connections stay open after the call` : 'used once and dropped: nothing can close it');
      } else if (isPool && role.kind === 'per-call') {
        // Only when the function also uses and closes it: then nothing caches it.
        const name = poolVariable(site);
        let fn: ts.Node | undefined = site.parent;
        while (fn && !ts.isFunctionLike(fn)) fn = fn.parent;
        if (!name || !fn) return false;
        // Closed directly in this function (not in a callback registered for later) and never handed out.
        let ended = false;
        let escapes = false;
        const visit = (node: ts.Node): void => {
          if (node !== fn && ts.isFunctionLike(node)) {
            if (containsIdentifier(node, name)) escapes = true;
            return;
          }
          if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && ts.isIdentifier(node.expression.expression) && node.expression.expression.text === name && ['end', 'destroy', 'close', 'disconnect'].includes(node.expression.name.text)) ended = true;
          if (ts.isIdentifier(node) && node.text === name) {
            const parent = node.parent;
            const usedAsReceiver = ts.isPropertyAccessExpression(parent) && parent.expression === node;
            const declared = ts.isVariableDeclaration(parent) && parent.name === node;
            if (!usedAsReceiver && !declared) escapes = true;
          }
          ts.forEachChild(node, visit);
        };
        visit(fn);
        if (!ended || escapes) return false;
        // Only a hot function matters: one this file calls from a request handler or a loop (a nightly backup job
        // that opens its own pool is fine).
        const fnName = functionName(fn);
        const hotCaller = fnName ? hotCallSite(sourceFile, fnName) : undefined;
        if (!hotCaller) return false;
        where = 'and closed on every call';
        cost = 'moderate';
        runs = frequency.role === 'once' ? 'unknown' : frequency.role;
        reasons.push(`${name} is closed in the same function: nothing reuses it`, `${fnName ?? 'it'}() is called at line ${lineOf(hotCaller.call)}, which ${hotCaller.reason}`);
      }
      if (!where) return false;
      const graded = grade({
        cost,
        costReason: cost === 'heavy' ? `a new connection (TCP + TLS + authentication) on every execution${where.includes('never closed') ? ', and the connections it opens are never closed' : ''}` : 'a new connection on every call of a function called from a hot path in this file',
        role: runs,
        evidence: 'proven',
        inLoop: role.inLoop && role.kind !== 'request',
        includeOnce: opts.includeOnce,
        // The callers of a factory may keep what it returns in a cache the model does not recognise (a keyed
        // static map of queues): not the certainty a critical needs.
        ...(factory && returnsItself(site) ? { cap: { severity: 'high' as const, reason: "assumes the factory's callers do not keep the client it returns (a cache keyed by shard or tenant would make it one per key)" } } : {}),
      });
      if (!graded.severity) return false;
      const siteText = context.text(site);
      report({
        node: site,
        variant: 'per-call',
        messageId: 'perCall',
        data: { what, where },
        severity: graded.severity,
        confidence: graded.confidence,
        evidence: [`${context.text(site.expression)} builds a new ${what}`, ...reasons, ...graded.reasons],
        impact: `Each call opens fresh connection(s): TCP + TLS + authentication, typically 5-30 ms and several round trips per call, and the database sees a connection storm under load; created once, the set-up is paid at start-up only`,
        fix: perCallFix(site, what, isPool, siteText, sourceFile),
        effort: 'small',
        params: { driver: what, max: null, acquireTimeoutMs: null, expectedConcurrency: opts.expectedConcurrency },
      });
      return true;
    };

    const reportSingle = (site: ts.CallExpression | ts.NewExpression, driver: string, poolCall: string): void => {
      if (reportPerCall(site, `${driver} connection`, false)) return;
      const role = context.siteRole(site);
      if (role.kind !== 'startup' || !isShared(site)) return;
      const evidence = poolUse(bindingOf(site));
      if (!servesTraffic(evidence)) return;
      const graded = gradePool(evidence, 'moderate', 'one connection runs one query at a time for every request', true);
      if (!graded.severity) return;
      const callee = context.text(site.expression);
      const newCallee = callee.replace(/(createConnection|Client)$/, poolCall);
      const args = (site.arguments ?? []).map((a) => context.text(a));
      const firstObject = resolveObject(site.arguments?.[0]);
      const maxKey = driver === 'pg' ? 'max' : 'connectionLimit';
      const recommended = recommendedMax(driver === 'pg' ? 'postgres' : 'mysql');
      const sizedArgs = firstObject && site.arguments?.[0] && skipOuter(site.arguments[0]) === firstObject ? [addProperty(context.text(firstObject), `${maxKey}: Number(process.env.DB_POOL_MAX ?? ${recommended})`), ...args.slice(1)] : args;
      report({
        node: site,
        variant: 'single-connection',
        messageId: 'singleConnection',
        data: { driver },
        severity: graded.severity,
        confidence: graded.confidence,
        evidence: [...graded.reasons, `${callee} opens exactly one connection (${driver} identified through its import)`, ...role.reasons, evidence.reason, 'a connection runs one query at a time: concurrent requests queue behind each other'],
        impact: `Throughput is capped at one query at a time (~${Math.round(1000 / ASSUMED_QUERY_MS)} queries/s at ${ASSUMED_QUERY_MS} ms each) and one broken connection takes the server down; a pool of ${recommended} runs ${recommended} at once and replaces dead connections`,
        fix: {
          description: `Use a pool${driver === 'pg' ? ' (import Pool from pg; pool.query() has the same signature)' : ' (pool.query()/execute() have the same signature)'}.`,
          replacement: `${ts.isNewExpression(site) ? 'new ' : ''}${newCallee}(${sizedArgs.join(', ')})`,
          edits: [
            replaceNode(site, `${ts.isNewExpression(site) ? 'new ' : ''}${newCallee}(${sizedArgs.join(', ')})`, sourceFile),
            // `new Client(...)` -> `new Pool(...)`: Pool must be imported from pg unless it already is (mysql's is a member).
            ...(driver === 'pg' && newCallee === poolCall && !importsName(sourceFile, /^pg$/, poolCall) ? [importInsertion(sourceFile, `import { ${poolCall} } from 'pg';`)] : []),
          ],
        },
        effort: 'small',
        params: { driver, max: 1, acquireTimeoutMs: null, expectedConcurrency: opts.expectedConcurrency },
      });
    };

    const SHAPE_KEYS = new Set(['pool', 'extra', 'poolSize']);
    const visitObject = (node: ts.Node): void => {
      if (!ts.isObjectLiteralExpression(node)) return;
      if (node.properties.some((p) => !ts.isSpreadAssignment(p) && SHAPE_KEYS.has(propertyName(p.name) ?? ''))) shapes.push(node);
    };

    return {
      kinds: {
        [ts.SyntaxKind.CallExpression]: visitCall,
        [ts.SyntaxKind.NewExpression]: visitCall,
        [ts.SyntaxKind.ObjectLiteralExpression]: visitObject,
        // Every kind ts.isFunctionLike accepts that can have a body.
        [ts.SyntaxKind.FunctionDeclaration]: visitFunction,
        [ts.SyntaxKind.MethodDeclaration]: visitFunction,
        [ts.SyntaxKind.Constructor]: visitFunction,
        [ts.SyntaxKind.GetAccessor]: visitFunction,
        [ts.SyntaxKind.SetAccessor]: visitFunction,
        [ts.SyntaxKind.FunctionExpression]: visitFunction,
        [ts.SyntaxKind.ArrowFunction]: visitFunction,
      },
      fileEnd: () => {
        const handledObjects = new Set<ts.Node>();
        for (const { node, ref } of sites) {
          const pool = poolFromDriver(node, ref);
          if (pool) {
            for (const arg of node.arguments ?? []) {
              const object = resolveObject(arg);
              if (object) handledObjects.add(object);
            }
            if (!(pool.kind === 'db' && reportPerCall(node, `${pool.driver} pool`, true))) reportPool(pool);
            continue;
          }
          const fromEnv = prismaEnvPool(node, ref, context.project);
          if (fromEnv) {
            reportPool(fromEnv);
            continue;
          }
          const client = connectionClientOf(node, ref);
          if (client?.single) reportSingle(node, client.module === 'pg' ? 'pg' : client.module, client.single.poolCall);
          else if (client) reportPerCall(node, client.what, false);
        }
        // Config objects with an unmistakable driver shape, not passed to a driver call in this file.
        for (const object of shapes) {
          if (handledObjects.has(object)) continue;
          let inner: ts.Node = object;
          while (inner.parent && (ts.isParenthesizedExpression(inner.parent) || ts.isAsExpression(inner.parent) || ts.isSatisfiesExpression(inner.parent))) inner = inner.parent;
          const parentCall = inner.parent;
          if (parentCall && (ts.isCallExpression(parentCall) || ts.isNewExpression(parentCall)) && sites.some((s) => s.node === parentCall)) continue;
          const site = parentCall && (ts.isCallExpression(parentCall) || ts.isNewExpression(parentCall)) ? parentCall : undefined;
          const client = stringProp(object, 'client');
          const dialect = stringProp(object, 'dialect');
          const type = stringProp(object, 'type');
          const has = (key: string): boolean => findProperty(object, key).property !== undefined;
          let pool: PoolSite | undefined;
          if (client && KNEX_CLIENTS.test(client) && has('pool') && has('connection')) pool = knexShape(object, object, true, false);
          else if (dialect && ['postgres', 'mysql'].includes(dbFromName(dialect)) && has('pool')) pool = sequelizeShape(object, object, false);
          else if (type && ['postgres', 'mysql'].includes(dbFromName(type)) && (has('extra') || has('poolSize')) && (has('entities') || has('database') || has('url') || has('host'))) pool = typeormShape(object, object, false);
          if (!pool) continue;
          // Without a driver call nothing proves the defaults apply: only settings written here are checked.
          const written = (s: Setting | undefined): Setting | undefined => (s?.property ? s : undefined);
          pool = { ...pool, call: site, max: written(pool.max), min: written(pool.min), acquire: written(pool.acquire) };
          reportPool(pool);
        }
      },
    };

  },
});


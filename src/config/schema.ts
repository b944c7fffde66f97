import { z } from 'zod';
import { didYouMean } from './suggest.js';
import { SEVERITIES, type Severity } from '../findings.js';
import type { RegisteredRule } from '../rule.js';

import { DEFAULT_MAX_FILE_SIZE, FAIL_ON_LEVELS, type FailOn } from './plain.js';

export type { FailOn } from './plain.js';
export const severitySchema = z.enum(SEVERITIES);
export const failOnSchema = z.enum(FAIL_ON_LEVELS);

/** The config schema, with one entry per known rule so unknown ids and bad options are named exactly. */
export function buildConfigSchema(rules: RegisteredRule[]) {
  const ruleEntries: Record<string, z.ZodType> = {};
  for (const rule of rules) {
    const level = z.union([z.literal('off'), severitySchema]);
    ruleEntries[rule.meta.id] = z
      .union([
        level,
        z.strictObject({
          severity: level.optional(),
          options: rule.meta.options(z).optional(),
        }),
      ])
      .optional();
  }
  const ruleSettings = z.strictObject(ruleEntries);
  return z.strictObject({
    $schema: z.string().optional().describe('The JSON schema this file follows, for editor completion'),
    include: z.array(z.string()).optional().describe('Only scan files matching these globs'),
    exclude: z.array(z.string()).optional().describe('Skip files matching these globs'),
    failOn: failOnSchema.optional().describe('Exit 1 when a finding is at or above this severity (default critical)'),
    maxFileSize: z.number().int().positive().default(DEFAULT_MAX_FILE_SIZE).describe('Skip files larger than this many bytes'),
    rules: ruleSettings.default({}).describe('Per rule: "off", a severity, or { severity, options }'),
    overrides: z
      .array(
        z.strictObject({
          files: z.array(z.string()).min(1).describe('Globs, relative to the config file, of the files this entry applies to'),
          ignores: z.array(z.string()).optional().describe('Globs of files this entry does not apply to, among those `files` names'),
          rules: ruleSettings.describe('Rule settings for these files, over the top-level ones (later entries win)'),
        }),
      )
      .default([])
      .describe('Rule settings by path, applied in order after the top-level `rules`'),
    template: z.string().optional().describe('Handlebars template for the markdown report'),
    probe: z
      .strictObject({
        latency: z
          .record(z.string().regex(LATENCY_KEY, 'expected a member or module.member, e.g. pg.query'), z.number().min(0).max(60_000))
          .optional()
          .describe('probe --exec: the latency (ms) each stubbed call waits, by member or module.member (e.g. { "pg.query": 25 }); --latency flags override it'),
      })
      .optional()
      .describe('Settings of `bottleneck probe`'),
  });
}

/** A stubbed call's name as `--latency` and `probe.latency` take it: `query`, `pg.query`, `@aws-sdk/client-s3.send`. */
export const LATENCY_KEY = /^[A-Za-z_$@][\w$@./-]*$/;

export type BottleneckConfig = z.infer<ReturnType<typeof buildConfigSchema>>;

/** A config as written (a file, or the object given to the API); rule options are checked by each rule's schema. */
export interface BottleneckConfigInput {
  $schema?: string;
  include?: string[];
  exclude?: string[];
  failOn?: FailOn;
  maxFileSize?: number;
  rules?: Record<string, RuleSetting>;
  overrides?: Array<{ files: string[]; ignores?: string[]; rules: Record<string, RuleSetting> }>;
  template?: string;
  probe?: { latency?: Record<string, number> };
}

/** One rule's setting as written: `'off'`, a severity, or `{ severity, options }`. */
export type RuleSetting = 'off' | Severity | { severity?: 'off' | Severity; options?: unknown };

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

/** `rules.sequential-await.options.minAwaits`, `include[0]`. */
function showPath(path: readonly PathKey[]): string {
  if (path.length === 0) return '(root)';
  return path.map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index > 0 ? '.' : ''}${String(key)}`)).join('');
}

function valueAt(input: unknown, path: readonly PathKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** A value as the user wrote it, kept short. */
function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The sub-schema at a path (through optional, default and union), to list the keys an object allows. */
function schemaAt(schema: z.core.$ZodType | undefined, path: readonly PathKey[]): z.core.$ZodType | undefined {
  let current = schema;
  for (const key of [...path, undefined]) {
    // Unwrap wrappers until an object (or nothing) is reached, then step into the key.
    for (let depth = 0; current && depth < 8; depth++) {
      const def = current._zod.def as { type: string; innerType?: z.core.$ZodType; options?: z.core.$ZodType[] };
      if (def.innerType) current = def.innerType;
      else if (def.type === 'union') current = def.options?.find((option) => (option._zod.def as { type: string }).type === 'object') ?? def.options?.[0];
      else break;
    }
    if (key === undefined) return current;
    const def = current?._zod.def as { shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType } | undefined;
    current = typeof key === 'number' ? def?.element : def?.shape?.[String(key)];
  }
  return current;
}

function allowedKeys(schema: z.core.$ZodType | undefined, path: readonly PathKey[]): string[] {
  const target = schemaAt(schema, path);
  const shape = target && (target._zod.def as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

/** A union's branches: the one that got furthest into the value explains the problem best. */
function unionBranchIssues(issue: Extract<Issue, { code: 'invalid_union' }>): Issue[] {
  const flattened = issue.errors.map((branch) => branch.flatMap((inner) => (inner.code === 'invalid_union' && inner.path.length === 0 ? unionBranchIssues(inner) : [inner])));
  const depth = (issues: Issue[]) => Math.max(0, ...issues.map((inner) => inner.path.length));
  const deepest = Math.max(...flattened.map(depth));
  if (deepest > 0) return flattened.find((branch) => depth(branch) === deepest) ?? [];
  // Every branch failed at the value itself ('hgh' for a severity): report them together.
  return flattened.flat();
}

function expectedOf(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return `${issue.origin === 'number' ? 'a number' : `${issue.origin} length`} ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`;
    case 'too_big':
      return `${issue.origin === 'number' ? 'a number' : `${issue.origin} length`} ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}`;
    default:
      return issue.message;
  }
}

/**
 * Flattens zod issues to one line each that names the key path, the value found and what is allowed,
 * with "did you mean" for misspelt keys (rule ids, option names) and values, as knip and ESLint do.
 * `schema` and `input` are optional: without them the lines name the path and what is expected.
 */
export function formatConfigIssues(error: z.ZodError, input?: unknown, schema?: z.core.$ZodType): string[] {
  const lines: string[] = [];
  const describe = (issue: Issue, base: readonly PathKey[]): void => {
    const path = [...base, ...issue.path];
    const where = showPath(path);
    if (issue.code === 'invalid_union') {
      const branches = unionBranchIssues(issue);
      const atValue = branches.filter((inner) => inner.path.length === 0);
      if (atValue.length === branches.length && branches.length > 0) {
        const value = valueAt(input, path);
        const words = branches.flatMap((inner) => (inner.code === 'invalid_value' ? inner.values.filter((v): v is string => typeof v === 'string') : []));
        const hint = typeof value === 'string' ? didYouMean(value, words) : '';
        const values = branches.flatMap((inner) => (inner.code === 'invalid_value' ? inner.values : []));
        const expected = [...(values.length > 0 ? [`one of ${values.map((v) => JSON.stringify(v)).join(', ')}`] : []), ...new Set(branches.filter((inner) => inner.code !== 'invalid_value').map(expectedOf))];
        lines.push(`${where}: ${input === undefined ? '' : `got ${showValue(value)}; `}expected ${expected.join(' or ')}${hint}`);
        return;
      }
      for (const inner of branches) describe(inner, path);
      return;
    }
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(schema, path);
      for (const key of issue.keys) {
        const hint = didYouMean(key, allowed);
        const ruleIds = path[path.length - 1] === 'rules' && (path.length === 1 || (path[0] === 'overrides' && path.length === 3));
        const list = ruleIds ? 'run "bottleneck rules" to list the rule ids' : allowed.length > 0 ? `allowed: ${allowed.join(', ')}` : '';
        lines.push(`${where}: unknown ${ruleIds ? 'rule' : 'key'} "${key}"${hint}${list ? `; ${list}` : ''}`);
      }
      return;
    }
    const value = valueAt(input, path);
    const hint = issue.code === 'invalid_value' && typeof value === 'string' ? didYouMean(value, issue.values.filter((v): v is string => typeof v === 'string')) : '';
    lines.push(input === undefined ? `${where}: ${issue.message}` : `${where}: got ${showValue(value)}; expected ${expectedOf(issue)}${hint}`);
  };
  for (const issue of error.issues) describe(issue, []);
  return lines;
}

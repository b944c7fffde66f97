/**
 * The config's plain facts, and the common config checked without zod: a scan with no config file, or one that
 * only includes, excludes, sets a severity or turns rules off, does not load zod. Everything else (rule options,
 * `probe`, and every config with a mistake in it, so that its message names the key path and what is expected)
 * goes to the zod schema (schema.ts, validate.ts).
 */
import { SEVERITIES } from '../findings.js';
import type { RegisteredRule } from '../rule.js';
import type { BottleneckConfig } from './schema.js';

export const FAIL_ON_LEVELS = [...SEVERITIES, 'none'] as const;
export type FailOn = (typeof FAIL_ON_LEVELS)[number];

export const DEFAULT_MAX_FILE_SIZE = 1024 * 1024;

const LEVELS: readonly string[] = ['off', ...SEVERITIES];

/** Thrown inside the check only: "let zod decide". */
const UNSURE = Symbol('unsure');

function unsure(): never {
  // eslint-disable-next-line @typescript-eslint/only-throw-error
  throw UNSURE;
}

function plainObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) unsure();
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) unsure();
  return value as Record<string, unknown>;
}

function strings(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) unsure();
  return [...(value as string[])];
}

/** `rules`: known ids only, each a level or `{ severity }` (options go to zod), in the schema's order. */
function ruleSettings(value: unknown, rules: RegisteredRule[]): BottleneckConfig['rules'] {
  const input = plainObject(value);
  const ids = new Set(rules.map((rule) => rule.meta.id));
  for (const key of Object.keys(input)) if (!ids.has(key)) unsure();
  const out: Record<string, unknown> = {};
  for (const rule of rules) {
    const id = rule.meta.id;
    if (!Object.hasOwn(input, id) || input[id] === undefined) continue;
    const setting = input[id];
    if (typeof setting === 'string') {
      if (!LEVELS.includes(setting)) unsure();
      out[id] = setting;
      continue;
    }
    const entry = plainObject(setting);
    for (const key of Object.keys(entry)) if (key !== 'severity') unsure();
    if (entry.severity === undefined) out[id] = {};
    else if (typeof entry.severity === 'string' && LEVELS.includes(entry.severity)) out[id] = { severity: entry.severity };
    else unsure();
  }
  return out as BottleneckConfig['rules'];
}

/**
 * What `buildConfigSchema(rules).parse(raw)` returns, for the configs this check is sure of; undefined for the
 * rest (zod then validates them). Never accepts a config the schema rejects (test/config-plain.test.ts holds the
 * two side by side).
 */
export function plainConfig(raw: unknown, rules: RegisteredRule[]): BottleneckConfig | undefined {
  try {
    const input = plainObject(raw);
    const known = ['$schema', 'include', 'exclude', 'failOn', 'maxFileSize', 'rules', 'overrides', 'template'];
    for (const key of Object.keys(input)) if (!known.includes(key)) unsure();
    const present = (key: string) => Object.hasOwn(input, key) && input[key] !== undefined;
    const out: Record<string, unknown> = {};
    if (present('$schema')) out.$schema = typeof input.$schema === 'string' ? input.$schema : unsure();
    if (present('include')) out.include = strings(input.include);
    if (present('exclude')) out.exclude = strings(input.exclude);
    if (present('failOn')) out.failOn = (FAIL_ON_LEVELS as readonly unknown[]).includes(input.failOn) ? input.failOn : unsure();
    if (present('maxFileSize')) {
      const size = input.maxFileSize;
      out.maxFileSize = Number.isSafeInteger(size) && (size as number) > 0 ? size : unsure();
    } else out.maxFileSize = DEFAULT_MAX_FILE_SIZE;
    out.rules = present('rules') ? ruleSettings(input.rules, rules) : {};
    if (present('overrides')) {
      if (!Array.isArray(input.overrides)) unsure();
      out.overrides = (input.overrides as unknown[]).map((item) => {
        const entry = plainObject(item);
        for (const key of Object.keys(entry)) if (!['files', 'ignores', 'rules'].includes(key)) unsure();
        const files = strings(entry.files);
        if (files.length === 0) unsure();
        const override: Record<string, unknown> = { files };
        if (entry.ignores !== undefined) override.ignores = strings(entry.ignores);
        override.rules = ruleSettings(entry.rules, rules);
        return override;
      });
    } else out.overrides = [];
    if (present('template')) out.template = typeof input.template === 'string' ? input.template : unsure();
    return out as BottleneckConfig;
  } catch (thrown) {
    if (thrown === UNSURE) return undefined;
    throw thrown;
  }
}

import type { z } from 'zod';
import { loadedZod, type Zod } from './lazy-zod.js';
import type { Category, Confidence, Effort, Severity } from './findings.js';
import type { ImportScope } from './scanner/imports.js';
import type { ProjectFacts } from './scanner/project-facts.js';
import type { FileRole, SiteRole } from './scanner/roles.js';
import type { ts } from './scanner/ts.js';
import type { ModelView } from './model/view.js';

export interface RuleMeta<Options> {
  /** Public id, equal to the module's file name. */
  id: string;
  category: Category;
  defaultSeverity: Severity;
  /** One line for `bottleneck rules`. */
  description: string;
  /** Message templates by id; `{{name}}` placeholders are filled from `data`. */
  messages: Record<string, string>;
  /**
   * What must occur in a file's text for this rule to possibly report: a word as a substring, or a pattern.
   * One of them is enough. The engine skips parsing a file that holds none of the enabled rules' triggers,
   * so a trigger must be implied by every finding the rule can make, never merely typical of it.
   */
  triggers: Array<string | RegExp>;
  requiresTypeInfo: boolean;
  /** The options when none are given: equal to `options(z).parse({})` (test/rule-options-defaults.test.ts checks it). */
  defaults: Options;
  /**
   * Builds the options schema (every field has a default so `parse({})` yields `defaults`). A function, called
   * with zod on first use, so that a scan without rule options never loads zod.
   */
  options: (zod: Zod) => z.ZodType<Options>;
}

/** One edit a rule proposes, in offsets of the file it is analysing (the engine adds line and column). */
export interface EditSpec {
  start: number;
  end: number;
  text: string;
}

/** A fix as a rule reports it: readable code for reports, and the exact edits where the rule can write them. */
export interface FixSpec {
  description: string;
  replacement: string;
  edits?: EditSpec[];
  /** See `Fix.mechanical` in findings.ts. */
  mechanical?: boolean;
}

export interface ReportDescriptor {
  /** The smallest node that shows the problem. */
  node: ts.Node;
  /** Extends the reported range to the end of this node. */
  endNode?: ts.Node;
  /** Reported as `<rule id>/<variant>`. */
  variant?: string;
  messageId: string;
  data?: Record<string, string | number>;
  severity: Severity;
  confidence: Confidence;
  evidence: string[];
  impact: string;
  fix: FixSpec;
  effort: Effort;
  params?: Record<string, string | number | boolean | null | Array<string | number>>;
}

export interface RuleContext<Options> {
  /** Relative to the working directory, `/` separators. */
  readonly file: string;
  readonly sourceFile: ts.SourceFile;
  readonly options: Options;
  readonly project: ProjectFacts;
  readonly imports: ImportScope;
  readonly fileRole: FileRole;
  /** The project model: effects of expressions (across calls and files) and how often code runs. */
  readonly model: ModelView;
  siteRole(node: ts.Node): SiteRole;
  /** Source text of a node, as written. */
  text(node: ts.Node): string;
  report(descriptor: ReportDescriptor): void;
}

export type NodeVisitor = (node: ts.Node) => void;

export interface RuleVisitors {
  /** Keyed by `ts.SyntaxKind`; called on entering each node of that kind. */
  kinds: Partial<Record<ts.SyntaxKind, NodeVisitor>>;
  /** Called once after the walk, for checks that need the whole file. */
  fileEnd?: () => void;
}

/** What the engine knows of a file before parsing it. */
export interface FileFacts {
  /** Relative to the working directory, `/` separators. */
  path: string;
  role: FileRole;
}

export interface Rule<Options = unknown> {
  meta: RuleMeta<Options>;
  /**
   * Whether the rule can report anything in this file at all (tests, migrations, scripts... are often out
   * of scope). Asked before parsing: a file no rule applies to is not parsed. Default: every file.
   */
  appliesTo?(file: FileFacts, options: Options): boolean;
  create(context: RuleContext<Options>): RuleVisitors;
}

/** A rule as the engine holds it: options arrive as raw config and are parsed by the rule's own schema. */
export interface RegisteredRule {
  meta: RuleMeta<unknown>;
  /** Validates raw options against the rule's schema (throws a ZodError); none (undefined, `{}`) are the defaults. */
  parseOptions(raw: unknown): unknown;
  /** The options schema, built once (zod must be loaded: `loadZod()`). */
  optionsSchema(): z.ZodType;
  appliesTo(file: FileFacts, rawOptions: unknown): boolean;
  create(context: RuleContext<unknown>): RuleVisitors;
}

/** One shape for every rule, typed options merged with defaults (after typescript-eslint's `createRule`). */
export function defineRule<Options>(rule: Rule<Options>): RegisteredRule {
  const parsed = new Map<unknown, Options>();
  let schema: z.ZodType<Options> | undefined;
  const optionsSchema = (): z.ZodType<Options> => (schema ??= rule.meta.options(loadedZod()));
  const defaults = deepFreeze(rule.meta.defaults);
  const parse = (raw: unknown): Options => {
    if (raw === undefined || isEmptyObject(raw)) return defaults;
    let options = parsed.get(raw);
    if (options === undefined) {
      options = optionsSchema().parse(raw);
      parsed.set(raw, options);
    }
    return options;
  };
  const appliesTo = (file: FileFacts, raw: unknown): boolean => rule.appliesTo?.(file, parse(raw)) ?? true;
  return {
    meta: rule.meta,
    parseOptions: parse,
    optionsSchema,
    appliesTo,
    // The same answer decides both whether the engine parses a file for this rule and whether the rule runs.
    create: (context) => (appliesTo({ path: context.file, role: context.fileRole }, context.options) ? rule.create({ ...context, options: parse(context.options) }) : { kinds: {} }),
  };
}

/** `{}` as written in a config or passed by the engine: no options given. */
export function isEmptyObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  for (const _ in value) return false;
  return Object.getOwnPropertySymbols(value).length === 0;
}

/** The defaults are shared by every file a rule runs on: a rule that wrote to them would change the next file's. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

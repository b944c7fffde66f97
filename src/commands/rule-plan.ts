import path from 'node:path';
import picomatch from 'picomatch';
import type { BottleneckConfig, RuleSetting } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { SEVERITIES, type Severity } from '../findings.js';
import type { RegisteredRule } from '../rule.js';
import type { EnabledRule } from '../scanner/engine.js';
import { ALL_RULES, findRule } from '../../rules/index.js';

/** What the engine needs to know about rules: the set for files no override names, and the set for any file. */
export interface RulePlan {
  rules: EnabledRule[];
  rulesFor?: (absolute: string) => EnabledRule[];
  /** Whether a set `rulesFor` returns can hold rule options (the engine then loads zod to parse them). */
  rulesForOptions?: boolean;
  enabledRuleIds: string[];
}

/** One rule's effective setting after the top level and every matching override. */
interface Resolved {
  level: 'off' | Severity | undefined;
  options: Record<string, unknown> | undefined;
}

/**
 * Applies a setting over what came before: a level alone keeps the options; `{ severity, options }` replaces the
 * level when it names one and merges the options key by key (an override changes one option, not all of them).
 */
function apply(before: Resolved, setting: RuleSetting | undefined): Resolved {
  if (setting === undefined) return before;
  if (typeof setting === 'string') return { ...before, level: setting };
  const options = setting.options === undefined ? before.options : { ...(before.options ?? {}), ...(setting.options as Record<string, unknown>) };
  return { level: setting.severity ?? before.level, options };
}

/** Rules to run from resolved settings: `--rule` narrows (and re-enables rules turned off in config). */
function toEnabled(selected: RegisteredRule[], settings: Map<string, Resolved>, narrowed: boolean, includeOnce: boolean): EnabledRule[] {
  const enabled: EnabledRule[] = [];
  for (const rule of selected) {
    const { level, options } = settings.get(rule.meta.id) ?? { level: undefined, options: undefined };
    if (level === 'off' && !narrowed) continue;
    const severityOverride = level && level !== 'off' ? SEVERITIES.find((s) => s === level) : undefined;
    enabled.push({ rule, options: includeOnce ? withIncludeOnce(rule, options ?? {}) : (options ?? {}), ...(severityOverride ? { severityOverride } : {}) });
  }
  return enabled;
}

/** `--include-once` sets the rule's `includeOnce` option, for every rule that has one. */
function withIncludeOnce(rule: RegisteredRule, options: Record<string, unknown>): Record<string, unknown> {
  // The options were checked with the config, so the rule accepts `includeOnce` exactly when it has one.
  return Object.hasOwn(rule.meta.defaults as object, 'includeOnce') ? { ...options, includeOnce: true } : options;
}

/** Rules to run: `--rule` narrows (and re-enables rules turned off in config); config may turn off or re-level. */
export function enabledRules(config: BottleneckConfig, only: string[], includeOnce = false): EnabledRule[] {
  return rulePlan(config, only, undefined, includeOnce).rules;
}

/**
 * The rules for every file: the top-level `rules`, then each `overrides` entry whose `files` globs (relative to
 * `baseDir`, the config file's directory) match the file and whose `ignores` do not, in order, later entries
 * winning, as ESLint's flat config and Biome's overrides apply. Files with the same matching entries share one
 * rule set, so the engine's per-set work (prefilter, cache key) is done once per combination.
 */
export function rulePlan(config: BottleneckConfig, only: string[], baseDir: string | undefined, includeOnce = false): RulePlan {
  for (const id of only) {
    if (!findRule(id)) throw new UsageError(`Unknown rule "${id}". Run "bottleneck rules" to list the rules.`);
  }
  const selected: RegisteredRule[] = only.length > 0 ? ALL_RULES.filter((rule) => only.includes(rule.meta.id)) : ALL_RULES;
  const topLevel = new Map<string, Resolved>();
  for (const rule of selected) topLevel.set(rule.meta.id, apply({ level: undefined, options: undefined }, (config.rules as Record<string, RuleSetting | undefined>)[rule.meta.id]));
  const rules = toEnabled(selected, topLevel, only.length > 0, includeOnce);
  const overrides = config.overrides ?? [];
  if (overrides.length === 0 || baseDir === undefined) return { rules, enabledRuleIds: rules.map((enabled) => enabled.rule.meta.id) };

  const entries = overrides.map((entry) => ({
    files: picomatch(entry.files, { dot: true }),
    ignores: entry.ignores && entry.ignores.length > 0 ? picomatch(entry.ignores, { dot: true }) : undefined,
    rules: entry.rules as Record<string, RuleSetting | undefined>,
  }));
  const sets = new Map<string, EnabledRule[]>([['', rules]]);
  const setFor = (matching: number[]): EnabledRule[] => {
    const key = matching.join(',');
    let set = sets.get(key);
    if (!set) {
      const settings = new Map<string, Resolved>();
      for (const rule of selected) {
        let resolved = topLevel.get(rule.meta.id) ?? { level: undefined, options: undefined };
        for (const index of matching) resolved = apply(resolved, entries[index]?.rules[rule.meta.id]);
        settings.set(rule.meta.id, resolved);
      }
      set = toEnabled(selected, settings, only.length > 0, includeOnce);
      sets.set(key, set);
    }
    return set;
  };
  // Every combination that can occur is not known before discovery; the ids any entry can turn on are.
  const enabledRuleIds = selected
    .filter((rule) => rules.some((enabled) => enabled.rule === rule) || entries.some((entry) => { const setting = entry.rules[rule.meta.id]; return setting !== undefined && setting !== 'off' && !(typeof setting === 'object' && setting.severity === 'off'); }))
    .map((rule) => rule.meta.id);
  const hasOptions = (settings: Record<string, RuleSetting | undefined>) => Object.values(settings).some((setting) => typeof setting === 'object' && setting !== null && setting.options !== undefined);
  return {
    rules,
    enabledRuleIds,
    rulesForOptions: includeOnce || hasOptions(config.rules as Record<string, RuleSetting | undefined>) || entries.some((entry) => hasOptions(entry.rules)),
    rulesFor: (absolute) => {
      const relative = path.relative(baseDir, absolute).split(path.sep).join('/');
      if (relative.startsWith('../') || path.isAbsolute(relative)) return rules;
      const matching = entries.flatMap((entry, index) => (entry.files(relative) && !entry.ignores?.(relative) ? [index] : []));
      return matching.length === 0 ? rules : setFor(matching);
    },
  };
}

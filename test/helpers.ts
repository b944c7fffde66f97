import path from 'node:path';
import { FindingsCollector } from '../src/collector.js';
import type { Finding } from '../src/findings.js';
import { analyzeSource, type EnabledRule } from '../src/scanner/engine.js';
import type { ProjectFacts } from '../src/scanner/project-facts.js';
import { ALL_RULES } from '../rules/index.js';

export interface AnalyzeTextOptions {
  /** Relative path the code pretends to live at; decides the file role and script kind. */
  file?: string;
  /** Oldest supported Node major of the pretend project (undefined: unknown). */
  nodeMajor?: number;
  dependencies?: Record<string, string>;
  /** Rule ids to run (default: all). */
  rules?: string[];
  /** Raw options per rule id. */
  options?: Record<string, unknown>;
}


/** Runs the real engine over an in-memory snippet; returns findings with fingerprints. */
export function analyzeText(text: string, options: AnalyzeTextOptions = {}): { findings: Finding[]; errors: string[] } {
  const file = options.file ?? 'src/example.ts';
  const facts: ProjectFacts = {
    root: '/virtual',
    minNodeMajor: options.nodeMajor,
    nodeVersionSource: options.nodeMajor === undefined ? undefined : `engines.node ">=${options.nodeMajor}"`,
    dependencies: options.dependencies ?? {},
  };
  const rules: EnabledRule[] = ALL_RULES.filter((rule) => !options.rules || options.rules.includes(rule.meta.id)).map((rule) => ({
    rule,
    options: options.options?.[rule.meta.id] ?? {},
  }));
  const analysis = analyzeSource(path.resolve('/virtual', file), file, text, rules, facts);
  const collector = new FindingsCollector();
  collector.addFileFindings(analysis.findings);
  return { findings: collector.result(0).findings, errors: analysis.errors.map((e) => e.message) };
}

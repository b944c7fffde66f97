import { compactReporter } from './compact.js';
import { githubReporter } from './github.js';
import { jsonReporter } from './json.js';
import { junitReporter } from './junit.js';
import { markdownReporter } from './markdown.js';
import { sarifReporter } from './sarif.js';
import { terminalReporter } from './terminal.js';
import type { Reporter } from './types.js';

/** Output formats by name: adding one is adding an entry. */
export const REPORTERS: Record<string, Reporter> = {
  terminal: terminalReporter,
  compact: compactReporter,
  json: jsonReporter,
  markdown: markdownReporter,
  sarif: sarifReporter,
  github: githubReporter,
  junit: junitReporter,
};

/** Formats meant for machines: never coloured, never mixed with progress or notes. */
export const MACHINE_FORMATS = new Set(['json', 'sarif', 'junit', 'github', 'compact']);

export type { Reporter, ReportInput, RuleInfo, RepositoryLink } from './types.js';

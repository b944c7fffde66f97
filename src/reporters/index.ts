import { jsonReporter } from './json.js';
import { terminalReporter } from './terminal.js';
import type { Reporter } from './types.js';

/** Output formats by name: adding one is adding an entry. */
export const REPORTERS: Record<string, Reporter> = {
  terminal: terminalReporter,
  json: jsonReporter,
};

export type { Reporter, ReportInput } from './types.js';

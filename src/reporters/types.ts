import type { FailOn } from '../config/schema.js';
import type { Category, ScanResult, Severity } from '../findings.js';

/** What reporters need to know about a rule (SARIF rule descriptors, report headings). */
export interface RuleInfo {
  id: string;
  category: Category;
  defaultSeverity: Severity;
  description: string;
  /** The rule's markdown documentation, when available. */
  docs?: string;
}

/** Where the scanned code lives, so reports can link to `file#Lstart-Lend`. */
export interface RepositoryLink {
  /** e.g. `https://github.com/acme/api` (no trailing slash). */
  url: string;
  /** Commit or branch the links point at. */
  ref: string;
  /** Path of the working directory inside the repository (`''` or `packages/api/`). */
  prefix: string;
}

export interface ReportInput {
  result: ScanResult;
  tool: { name: string; version: string };
  /** Whether ANSI colours may be used. */
  color: boolean;
  failOn: FailOn;
  quiet: boolean;
  /** ISO 8601 time of the run: passed in (never read inside a reporter) so output is reproducible. */
  date?: string;
  /** Every rule that could have reported, for SARIF rule descriptors and JUnit suites. */
  rules?: RuleInfo[];
  /** Handlebars source of the markdown report (the default template or the user's `--template`). */
  template?: string;
  repository?: RepositoryLink;
  /** Columns the terminal report may use (default 80). */
  width?: number;
  /** Terminal report: print every finding's whole evidence chain. */
  verbose?: boolean;
  /** Markdown report: the short PR-comment summary instead of the full audit. */
  summary?: boolean;
}

/** A reporter is a pure function from results to text. */
export type Reporter = (input: ReportInput) => string;

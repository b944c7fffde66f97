import type { FailOn } from '../config/schema.js';
import type { ScanResult } from '../findings.js';

export interface ReportInput {
  result: ScanResult;
  tool: { name: string; version: string };
  /** Whether ANSI colours may be used. */
  color: boolean;
  failOn: FailOn;
  quiet: boolean;
}

/** A reporter is a pure function from results to text. */
export type Reporter = (input: ReportInput) => string;

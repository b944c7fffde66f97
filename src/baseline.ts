import { readFileSync } from 'node:fs';
import { loadZod, type Zod } from './lazy-zod.js';
import { UsageError } from './errors.js';
import { compareFindings, SEVERITIES, type BaselineEntry, type Finding } from './findings.js';

/**
 * A baseline records the findings a team has accepted for now, by fingerprint. Fingerprints hash the
 * rule, the file and the reported code but not its line (see `FindingsCollector`), so code that moves
 * keeps matching its entry, while a new occurrence of the same pattern is a new finding.
 *
 * The file is sorted and holds no date, so re-writing an unchanged baseline gives an identical file and
 * a reviewer sees exactly which entries a change adds or removes.
 */

export const BASELINE_VERSION = 1;

/** Built when a baseline is read: a scan without one does not load zod. */
function baselineSchema(z: Zod) {
  const entrySchema = z.object({
    fingerprint: z.string().min(1),
    ruleId: z.string(),
    file: z.string(),
    line: z.number().int(),
    severity: z.enum(SEVERITIES),
    message: z.string(),
  });
  return z.object({
    tool: z.literal('bottleneck'),
    version: z.literal(BASELINE_VERSION),
    findings: z.array(entrySchema),
  });
}

export function toBaselineEntries(findings: Finding[]): BaselineEntry[] {
  return [...findings].sort(compareFindings).map((f) => ({
    fingerprint: f.fingerprint,
    ruleId: f.ruleId,
    file: f.file,
    line: f.line,
    severity: f.severity,
    message: f.message,
  }));
}

export function formatBaseline(findings: Finding[]): string {
  return `${JSON.stringify({ tool: 'bottleneck', version: BASELINE_VERSION, findings: toBaselineEntries(findings) }, null, 2)}\n`;
}

/** Reads and validates a baseline; a missing or malformed file is a usage error (exit 2), never "no baseline". */
export async function readBaseline(absolute: string, shown: string): Promise<BaselineEntry[]> {
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch {
    throw new UsageError(`Baseline file not found: ${shown} (create it with --write-baseline ${shown})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`Baseline ${shown} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = baselineSchema(await loadZod()).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    throw new UsageError(`Baseline ${shown} is not a bottleneck baseline: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data.findings;
}

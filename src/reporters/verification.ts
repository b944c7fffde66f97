import type { Finding } from '../findings.js';

/**
 * The runtime verification a probe attached to a finding, read structurally. The probe (`src/probe/`)
 * owns the real type and adds `verification` to findings; reporters only read it, so they accept any
 * object of the documented shape and ignore what they do not know. Absent or malformed: undefined.
 */
export interface VerificationView {
  /** `verified`, `not-reproduced`, `inconclusive` or `skipped`. */
  status: string;
  /** Human wording of the status, e.g. "not reproduced". */
  statusText: string;
  reason?: string;
  /** `replica` (a faithful copy of the pattern ran) or `exec` (the user's own code ran). */
  mode?: string;
  metric?: string;
  unit?: string;
  before?: number;
  after?: number;
  /** > 1 means the fix is better. */
  ratio?: number;
  load?: string;
  notes: string[];
  /** Every before/after figure, the primary one first (connections, p50, p99...). */
  measurements: Array<{ metric: string; unit: string; before?: number; after?: number; ratio?: number }>;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

export function verificationOf(finding: Finding): VerificationView | undefined {
  const raw = record('verification' in finding ? finding.verification : undefined);
  const status = str(raw?.status);
  if (!raw || !status) return undefined;
  const notes = Array.isArray(raw.notes) ? raw.notes.filter((n): n is string => typeof n === 'string') : typeof raw.notes === 'string' ? [raw.notes] : [];
  const measurements = (Array.isArray(raw.measurements) ? raw.measurements : []).flatMap((item: unknown) => {
    const m = record(item);
    const metric = str(m?.metric);
    if (!m || !metric) return [];
    const figures = { before: num(m.before), after: num(m.after), ratio: num(m.ratio) };
    return [{ metric, unit: str(m.unit) ?? '', ...Object.fromEntries(Object.entries(figures).filter(([, v]) => v !== undefined)) }];
  });
  const view: VerificationView = { status, statusText: status.replace(/-/g, ' '), notes, measurements };
  const optional = {
    reason: str(raw.reason),
    mode: str(raw.mode),
    metric: str(raw.metric),
    unit: str(raw.unit),
    before: num(raw.before),
    after: num(raw.after),
    ratio: num(raw.ratio),
    load: str(raw.load),
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) Object.assign(view, { [key]: value });
  return view;
}

/** `1234.5` -> `1,235`, `3.14159` -> `3.14`, `0.000123` -> `0.000123`: enough digits to compare, no noise. */
export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (Number.isInteger(value) || abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs >= 1) return value.toLocaleString('en-US', { maximumFractionDigits: abs >= 10 ? 1 : 2 });
  return String(Number(value.toPrecision(3)));
}

import type { Finding } from '../findings.js';

/**
 * The runtime verification a probe attached to a finding, read structurally. The probe (`src/probe/`)
 * owns the real type and adds `verification` to findings; reporters only read it, so they accept any
 * object of the documented shape and ignore what they do not know. Absent or malformed: undefined.
 */
export interface VerificationView {
  /** One of the probe's statuses (`verified`, `demonstrated`, `not-reproduced`...). */
  status: string;
  /** Human wording of the status with what ran, e.g. "demonstrated (replica)", "verified on your code". */
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
  const view: VerificationView = { status, statusText: verdictText(status, str(raw.mode)).toLowerCase(), notes, measurements };
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

/** The verdict names every format prints. Only `verified` and `smaller-than-predicted` rest on the user's code. */
const VERDICT_TEXT: Record<string, string> = {
  verified: 'VERIFIED on your code',
  'smaller-than-predicted': 'SMALLER THAN PREDICTED on your code',
  demonstrated: 'DEMONSTRATED (replica)',
  'not-reached': 'FINDING NOT REACHED',
  'fix-failed': 'FIX FAILED',
  'not-reproduced': 'NOT REPRODUCED',
  inconclusive: 'INCONCLUSIVE',
  skipped: 'SKIPPED',
};

/** Statuses whose name does not already say what ran get it added: "NOT REPRODUCED (replica)". */
const MODE_SUFFIXED = new Set(['not-reproduced', 'inconclusive']);

export function verdictText(status: string, mode: string | undefined): string {
  // A report from elsewhere (an older version, a hand-written --from) may call a replica verified: it is not.
  if ((status === 'verified' || status === 'smaller-than-predicted') && mode !== 'exec') return VERDICT_TEXT.demonstrated as string;
  const base = VERDICT_TEXT[status] ?? status.replace(/-/g, ' ').toUpperCase();
  if (!MODE_SUFFIXED.has(status)) return base;
  return `${base} (${mode === 'exec' ? 'your code' : 'replica'})`;
}

/**
 * "0 verified on your code, 7 demonstrated (replica), 1 fix failed, 2 skipped": the summary of a probe run,
 * split by what ran. The verified count always appears, so a run of replicas says plainly that it verified
 * nothing.
 */
export function verdictSummary(verifications: Array<{ status: string; mode?: string | undefined }>): string {
  const counts = new Map<string, number>();
  for (const v of verifications) {
    const key = verdictText(v.status, v.mode).toLowerCase();
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const order = Object.keys(VERDICT_TEXT).flatMap((status) => (MODE_SUFFIXED.has(status) ? [verdictText(status, 'exec'), verdictText(status, 'replica')] : [verdictText(status, 'exec')]));
  const first = verdictText('verified', 'exec').toLowerCase();
  const parts = [`${counts.get(first) ?? 0} ${first}`];
  for (const text of order.map((t) => t.toLowerCase())) if (text !== first && counts.get(text)) parts.push(`${counts.get(text)} ${text}`);
  return parts.join(', ');
}

/**
 * One line for formats with no room for a table (GitHub annotations, JUnit details): the verdict with what
 * ran, the primary figure and the reason. "Probe: DEMONSTRATED (replica): bytes out 87,480 -> 10,689 (8.18x)".
 */
export function verificationLine(view: VerificationView): string {
  const figure = view.metric && view.before !== undefined && view.after !== undefined ? `: ${view.metric} ${formatNumber(view.before)} -> ${formatNumber(view.after)}${view.unit ? ` ${view.unit}` : ''}${view.ratio !== undefined ? ` (${formatNumber(view.ratio)}x)` : ''}` : '';
  return `Probe: ${verdictText(view.status, view.mode)}${figure}${view.reason ? ` (${view.reason})` : ''}`;
}

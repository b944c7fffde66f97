import { CATEGORIES, SEVERITIES, severityRank, type Category, type Finding, type Severity } from '../findings.js';
import { EFFORT_HOURS, GRADE_CAPS, GRADE_SCALE, LINES_FLOOR, SEVERITY_WEIGHTS, effortHours, formatHours, gradeFindings, type Grade } from './grade.js';
import type { ReportInput } from './types.js';
import { formatNumber, verdictSummary, verificationOf, type VerificationView } from './verification.js';

/**
 * The data a markdown report template sees. This is a public contract: user templates (`--template`)
 * read these names, so add fields freely but never rename or remove one. README "Report customisation"
 * documents it. Every string is raw text; the template helpers (`cell`, `text`, `code`, `fence`) escape
 * for the place it goes.
 */
export interface ReportContext {
  tool: { name: string; version: string };
  /** `YYYY-MM-DD` of the run (from the input date; empty when none was given). */
  date: string;
  /** Full ISO time of the run. */
  generatedAt: string;
  grade: GradeView;
  summary: SummaryView;
  /** Up to five findings of the highest severity present among critical and high; empty otherwise. */
  topItems: FindingView[];
  /** `critical` or `high`: the severity `topItems` were taken from. */
  topSeverity: Severity | '';
  /** One entry per severity that has findings, most severe first. */
  severities: Array<{ severity: Severity; label: string; count: number; findings: FindingView[] }>;
  /** Every reported finding, most severe first; `id` (F1, F2...) is the index in this list. */
  findings: FindingView[];
  /** The best ten quick wins; `hours` totals those shown, `more` counts the ones left out. */
  quickWins: { items: FindingView[]; hours: number; hoursText: string; more: number };
  /** Every category, in a fixed order, with its findings (possibly none) and what to watch at runtime. */
  categories: CategoryView[];
  actionPlan: { phases: Array<{ title: string; items: FindingView[]; hoursText: string }>; hoursText: string };
  /** Findings that carry a runtime verification (filled by `bottleneck probe`); empty: section omitted. */
  verifications: Array<{ finding: FindingView; verification: VerificationView }>;
  hasVerifications: boolean;
  /** "0 verified on your code, 7 demonstrated (replica), 1 fix failed": the verifications counted by verdict and by what ran. */
  verificationSummary: string;
  suppressed: Array<{ finding: FindingView; kind: string; reason: string; line: number }>;
  warnings: Array<{ location: string; message: string }>;
  errors: Array<{ location: string; message: string }>;
  skipped: Array<{ file: string; reason: string }>;
  baseline?: { source: string; newCount: number; presentCount: number; fixedCount: number };
  /** The constants behind the grade and effort totals, for the footer. */
  method: MethodView;
  /** Findings per category and severity: `counts` in the order of `severityLabels`. */
  matrix: { severityLabels: string[]; rows: Array<{ name: Category; counts: number[]; total: number }> };
  /** Mermaid sources (no fence) for GitHub-rendered charts; `''` when there is nothing to draw. */
  charts: { severity: string; categories: string; probe: string };
  /** `--summary`: the findings worth naming in a PR comment, most severe and most confident first. */
  summaryItems: FindingView[];
  /** How many findings `summaryItems` leaves out. */
  summaryMore: number;
}

export interface GradeView extends Grade {
  /** e.g. "2.4 weighted points per 1,000 lines" */
  densityText: string;
}

export interface SummaryView {
  files: number;
  lines: number;
  filesText: string;
  linesText: string;
  durationText: string;
  total: number;
  bySeverity: Array<{ severity: Severity; label: string; count: number }>;
  suppressedCount: number;
  errorCount: number;
  skippedCount: number;
  /** Hours to fix everything reported, from the effort mapping. */
  hoursText: string;
}

export interface FindingView {
  /** `F1`, `F2`... in report order (`S1`... for suppressed findings); `anchor` is the lower-case form for in-page links. */
  id: string;
  anchor: string;
  ruleId: string;
  severity: Severity;
  severityLabel: string;
  confidence: string;
  category: Category;
  message: string;
  file: string;
  line: number;
  endLine: number;
  column: number;
  /** `src/a.ts:12-14` (or `src/a.ts:12` for one line). */
  location: string;
  /** Link to the lines in the repository, when its URL is known. */
  url?: string;
  /** Fence language for the code blocks: `ts`, `tsx`, `js`, `jsx`. */
  language: string;
  snippet: string;
  evidence: string[];
  impact: string;
  fix: { description: string; replacement: string };
  /** The first sentence of the fix description, for checklists. */
  fixSummary: string;
  effort: string;
  effortHours: number;
  effortText: string;
  fingerprint: string;
  verification?: VerificationView;
}

export interface CategoryView {
  name: Category;
  count: number;
  findings: FindingView[];
  metrics: MetricView[];
}

export interface MetricView {
  metric: string;
  how: string;
}

export interface MethodView {
  weights: Array<{ severity: Severity; weight: number }>;
  scale: Array<{ letter: string; maxDensityText: string; verdict: string }>;
  caps: Array<{ severity: Severity; letter: string }>;
  linesFloor: number;
  effort: Array<{ effort: string; hoursText: string }>;
}

/** Runtime signals that confirm or rule out each category's bottlenecks in production. */
export const METRICS_BY_CATEGORY: Record<Category, MetricView[]> = {
  Database: [
    { metric: 'Pool utilisation (in use / max)', how: 'pool stats (`pool.totalCount - pool.idleCount`, Sequelize `pool.using`); sustained > 80% means the pool is the queue' },
    { metric: 'Acquire wait p99 and waiting clients', how: 'time from `connect()`/`acquire()` to a connection; `pool.waitingCount` > 0 at steady load' },
    { metric: 'Query p99 latency', how: 'driver or APM spans; compare with acquire wait to tell a slow database from a small pool' },
  ],
  Caching: [
    { metric: 'Cached payload size', how: 'bytes written per key (e.g. Redis `MEMORY USAGE`); should drop sharply after real compression' },
    { metric: 'Cache memory and evictions', how: 'Redis `INFO memory` / `evicted_keys`; larger values evict more and lower the hit ratio' },
    { metric: 'Serialisation CPU time', how: 'CPU profile share of `JSON.stringify`/`zlib` on the cache path' },
  ],
  'Network/API': [
    { metric: 'Outbound p99 latency', how: 'client spans per upstream host; TLS handshakes add 1-3 round trips each' },
    { metric: 'New connections per request', how: 'sockets created vs requests sent (`agent` `socket` events, `ss -s`, load-balancer new-connection metrics); about 1 means no reuse' },
    { metric: 'Active handles (sockets)', how: '`process.getActiveResourcesInfo()` count of `TCPSocketWrap`/`TLSSocket`; TIME_WAIT sockets on the host' },
  ],
  Memory: [
    { metric: 'Heap growth after GC', how: '`process.memoryUsage().heapUsed` sampled after GC over hours; a steady climb under flat load is a leak' },
    { metric: 'Active handles (timers)', how: '`process.getActiveResourcesInfo()` count of `Timeout`; should stay flat as requests complete' },
    { metric: 'GC pause time', how: '`perf_hooks` GC entries or `--trace-gc`; rising pauses follow a growing heap' },
  ],
  'Async/Concurrency': [
    { metric: 'Request p99 latency', how: 'per-route histograms; sequential calls add their latencies, parallel ones take the slowest' },
    { metric: 'Event-loop lag', how: '`perf_hooks.monitorEventLoopDelay()` p99; above ~50 ms every request waits' },
    { metric: 'Downstream calls per request', how: 'trace span waterfalls: stair-steps that could be side by side' },
  ],
};

const SEVERITY_LABELS: Record<Severity, string> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low', info: 'Info' };

const PHASES: Array<{ title: string; severities: Severity[] }> = [
  { title: 'Now: critical', severities: ['critical'] },
  { title: 'This cycle: high', severities: ['high'] },
  { title: 'Planned: medium', severities: ['medium'] },
  { title: 'When touching the code: low and info', severities: ['low', 'info'] },
];

const EFFORT_ORDER = ['trivial', 'small', 'medium', 'large'];
const CONFIDENCE_ORDER = ['high', 'medium', 'low'];

function plural(count: number, word: string): string {
  return `${count.toLocaleString('en-US')} ${word}${count === 1 ? '' : 's'}`;
}

function languageOf(file: string): string {
  const ext = /\.([cm]?[jt]sx?)$/.exec(file)?.[1] ?? 'ts';
  if (ext.endsWith('tsx')) return 'tsx';
  if (ext.endsWith('jsx')) return 'jsx';
  return ext.includes('j') ? 'js' : 'ts';
}

/** Up to the first sentence end outside code spans, so checklist items stay one line. */
function firstSentence(text: string): string {
  let inCode = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '`') inCode = !inCode;
    else if (!inCode && (c === '.' || c === ':' || c === ';') && (i + 1 === text.length || text[i + 1] === ' ')) return text.slice(0, c === '.' ? i + 1 : i);
  }
  return text;
}

const QUICK_WIN_LIMIT = 10;

function linkFor(input: ReportInput, finding: Finding): string | undefined {
  const repo = input.repository;
  if (!repo) return undefined;
  const lines = finding.endLine > finding.line ? `L${finding.line}-L${finding.endLine}` : `L${finding.line}`;
  const file = `${repo.prefix}${finding.file}`.split('/').map(encodeURIComponent).join('/');
  return `${repo.url.replace(/\/+$/, '')}/blob/${encodeURIComponent(repo.ref)}/${file}#${lines}`;
}

function findingView(input: ReportInput, finding: Finding, index: number, prefix = 'F'): FindingView {
  const verification = verificationOf(finding);
  const url = linkFor(input, finding);
  return {
    id: `${prefix}${index + 1}`,
    anchor: `${prefix.toLowerCase()}${index + 1}`,
    ruleId: finding.ruleId,
    severity: finding.severity,
    severityLabel: SEVERITY_LABELS[finding.severity],
    confidence: finding.confidence,
    category: finding.category,
    message: finding.message,
    file: finding.file,
    line: finding.line,
    endLine: finding.endLine,
    column: finding.column,
    location: finding.endLine > finding.line ? `${finding.file}:${finding.line}-${finding.endLine}` : `${finding.file}:${finding.line}`,
    ...(url ? { url } : {}),
    language: languageOf(finding.file),
    snippet: finding.snippet ?? '',
    evidence: finding.evidence,
    impact: finding.impact,
    fix: { description: finding.fix.description, replacement: finding.fix.replacement },
    fixSummary: firstSentence(finding.fix.description),
    effort: finding.effort,
    effortHours: EFFORT_HOURS[finding.effort],
    effortText: formatHours(EFFORT_HOURS[finding.effort]),
    fingerprint: finding.fingerprint,
    ...(verification ? { verification } : {}),
  };
}

/** Most severe first, then most confident, then by place: the order a reader should work in. */
function reportOrder(a: Finding, b: Finding): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    CONFIDENCE_ORDER.indexOf(a.confidence) - CONFIDENCE_ORDER.indexOf(b.confidence) ||
    (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column)
  );
}

/**
 * Quick wins: findings at medium severity or above that take at most a small effort, ordered by weight
 * per hour (impact over effort), then severity. Low and info findings are never "wins" worth a meeting.
 */
function quickWins(views: FindingView[]): FindingView[] {
  return views
    .filter((v) => severityRank(v.severity) <= severityRank('medium') && (v.effort === 'trivial' || v.effort === 'small'))
    .sort(
      (a, b) =>
        SEVERITY_WEIGHTS[b.severity] / b.effortHours - SEVERITY_WEIGHTS[a.severity] / a.effortHours ||
        severityRank(a.severity) - severityRank(b.severity) ||
        EFFORT_ORDER.indexOf(a.effort) - EFFORT_ORDER.indexOf(b.effort),
    );
}

/** Severity colours of the charts (GitHub's red, orange, yellow, blue, grey), as the icons show them. */
const SEVERITY_COLOURS: Record<Severity, string> = { critical: '#cf222e', high: '#fb8500', medium: '#d4a72c', low: '#0969da', info: '#8c959f' };

/** A string in a Mermaid chart: double quotes, with no quote or newline inside to break out of it. */
function mermaidString(text: string): string {
  return `"${text.replace(/["\r\n]/g, ' ')}"`;
}

function severityPie(counts: Record<Severity, number>): string {
  const present = SEVERITIES.filter((severity) => counts[severity] > 0);
  if (present.length === 0) return '';
  const colours = Object.fromEntries(present.map((severity, i) => [`pie${i + 1}`, SEVERITY_COLOURS[severity]]));
  return [
    `%%{init: {"themeVariables": ${JSON.stringify(colours)}}}%%`,
    'pie showData title Findings by severity',
    ...present.map((severity) => `    ${mermaidString(SEVERITY_LABELS[severity])} : ${counts[severity]}`),
  ].join('\n');
}

/** Bars per category: the whole bar counts every finding, the red part drawn over it the critical and high ones. */
function categoryBars(rows: Array<{ name: Category; counts: number[]; total: number }>): string {
  if (rows.every((row) => row.total === 0)) return '';
  const top = Math.max(...rows.map((row) => row.total));
  return [
    `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "#8c959f, ${SEVERITY_COLOURS.critical}"}}}}%%`,
    'xychart-beta',
    '    title "Findings by category (red: critical and high)"',
    `    x-axis [${rows.map((row) => mermaidString(row.name)).join(', ')}]`,
    `    y-axis "Findings" 0 --> ${top}`,
    `    bar [${rows.map((row) => row.total).join(', ')}]`,
    `    bar [${rows.map((row) => (row.counts[0] ?? 0) + (row.counts[1] ?? 0)).join(', ')}]`,
  ].join('\n');
}

/** Most probe results a chart shows: more bars than this are unreadable in a PR comment. */
const PROBE_CHART_LIMIT = 20;

/**
 * Before/after of probed findings on one scale: the cost after the fix as a percentage of before
 * (100 / ratio, so lower is better whatever the metric), with a line at 100 where the code is now.
 */
function probeBars(verifications: Array<{ finding: FindingView; verification: VerificationView }>): string {
  const measured = verifications.filter((v) => v.verification.ratio !== undefined && v.verification.ratio > 0).slice(0, PROBE_CHART_LIMIT);
  if (measured.length === 0) return '';
  const after = measured.map((v) => Math.round(10000 / (v.verification.ratio as number)) / 100);
  const top = Math.max(100, ...after);
  return [
    `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "#1a7f37, #8c959f"}}}}%%`,
    'xychart-beta',
    '    title "After the fix, % of before (line: before = 100; lower is better)"',
    `    x-axis [${measured.map((v) => mermaidString(v.finding.id)).join(', ')}]`,
    `    y-axis "% of before" 0 --> ${Math.ceil(top / 10) * 10}`,
    `    bar [${after.join(', ')}]`,
    `    line [${measured.map(() => 100).join(', ')}]`,
  ].join('\n');
}

/** Findings a PR comment names by default. */
export const SUMMARY_LIMIT = 10;

export function buildReportContext(input: ReportInput, summaryLimit = SUMMARY_LIMIT): ReportContext {
  const { result } = input;
  const ordered = [...result.findings].sort(reportOrder);
  const views = ordered.map((finding, index) => findingView(input, finding, index));
  const viewOf = new Map(ordered.map((finding, index) => [finding, views[index]]));
  const grade = gradeFindings(result.findings, result.summary.lines);
  const topSeverity = (['critical', 'high'] as const).find((s) => result.summary.bySeverity[s] > 0);
  const allWins = quickWins(views);
  const wins = allWins.slice(0, QUICK_WIN_LIMIT);
  const winHours = wins.reduce((sum, v) => sum + v.effortHours, 0);
  const suppressedList = result.suppressed ?? [];
  const date = input.date ?? '';
  const matrixRows = CATEGORIES.map((name) => {
    const counts = SEVERITIES.map((severity) => result.findings.filter((f) => f.category === name && f.severity === severity).length);
    return { name, counts, total: counts.reduce((sum, n) => sum + n, 0) };
  });
  const verifications = ordered.flatMap((finding) => {
    const view = viewOf.get(finding);
    return view?.verification ? [{ finding: view, verification: view.verification }] : [];
  });
  return {
    tool: input.tool,
    date: date.slice(0, 10),
    generatedAt: date,
    grade: { ...grade, densityText: `${formatNumber(grade.density)} weighted points per 1,000 lines` },
    summary: {
      files: result.summary.files,
      lines: result.summary.lines,
      filesText: plural(result.summary.files, 'file'),
      linesText: plural(result.summary.lines, 'line'),
      durationText: `${(result.summary.durationMs / 1000).toFixed(2)} s`,
      total: result.findings.length,
      bySeverity: SEVERITIES.map((severity) => ({ severity, label: SEVERITY_LABELS[severity], count: result.summary.bySeverity[severity] })),
      suppressedCount: suppressedList.length,
      errorCount: result.errors.length,
      skippedCount: result.skipped.length,
      hoursText: formatHours(effortHours(result.findings)),
    },
    topItems: topSeverity ? views.filter((v) => v.severity === topSeverity).slice(0, 5) : [],
    topSeverity: topSeverity ?? '',
    severities: SEVERITIES.map((severity) => {
      const findings = views.filter((v) => v.severity === severity);
      return { severity, label: SEVERITY_LABELS[severity], count: findings.length, findings };
    }).filter((group) => group.count > 0),
    findings: views,
    quickWins: { items: wins, hours: winHours, hoursText: formatHours(winHours), more: allWins.length - wins.length },
    categories: CATEGORIES.map((name) => {
      const findings = views.filter((v) => v.category === name);
      return { name, count: findings.length, findings, metrics: METRICS_BY_CATEGORY[name] };
    }),
    actionPlan: {
      phases: PHASES.map(({ title, severities }) => {
        const items = views
          .filter((v) => severities.includes(v.severity))
          .sort((a, b) => EFFORT_ORDER.indexOf(a.effort) - EFFORT_ORDER.indexOf(b.effort) || Number(a.id.slice(1)) - Number(b.id.slice(1)));
        return { title, items, hoursText: formatHours(items.reduce((sum, v) => sum + v.effortHours, 0)) };
      }).filter((phase) => phase.items.length > 0),
      hoursText: formatHours(effortHours(result.findings)),
    },
    verifications,
    hasVerifications: views.some((v) => v.verification !== undefined),
    verificationSummary: verdictSummary(views.flatMap((v) => (v.verification ? [v.verification] : []))),
    suppressed: suppressedList.map(({ finding, suppression }, index) => ({
      finding: findingView(input, finding, index, 'S'),
      kind: suppression.kind,
      reason: suppression.reason ?? '',
      line: suppression.line,
    })),
    warnings: (result.warnings ?? []).map((w) => ({ location: w.line ? `${w.file}:${w.line}` : w.file, message: w.message })),
    errors: result.errors.map((e) => ({ location: e.line ? `${e.file}:${e.line}` : e.file, message: e.message })),
    skipped: result.skipped,
    ...(result.baseline
      ? {
          baseline: {
            source: result.baseline.source,
            newCount: result.baseline.newCount,
            presentCount: result.baseline.present.length,
            fixedCount: result.baseline.fixed.length,
          },
        }
      : {}),
    method: {
      weights: SEVERITIES.map((severity) => ({ severity, weight: SEVERITY_WEIGHTS[severity] })),
      scale: GRADE_SCALE.map((step) => ({
        letter: step.letter,
        maxDensityText: Number.isFinite(step.maxDensity) ? `≤ ${step.maxDensity}` : `> ${GRADE_SCALE[GRADE_SCALE.length - 2]?.maxDensity ?? ''}`,
        verdict: step.verdict,
      })),
      caps: SEVERITIES.flatMap((severity) => {
        const letter = GRADE_CAPS[severity];
        return letter ? [{ severity, letter }] : [];
      }),
      linesFloor: LINES_FLOOR,
      effort: Object.entries(EFFORT_HOURS).map(([effort, hours]) => ({ effort, hoursText: formatHours(hours) })),
    },
    matrix: { severityLabels: SEVERITIES.map((severity) => SEVERITY_LABELS[severity]), rows: matrixRows },
    charts: { severity: severityPie(result.summary.bySeverity), categories: categoryBars(matrixRows), probe: probeBars(verifications) },
    summaryItems: views.slice(0, summaryLimit),
    summaryMore: Math.max(0, views.length - summaryLimit),
  };
}

/**
 * `bottleneck compare`: two evidence files (the service before and after the fix, each written by the
 * preload in the user's own process) joined by the finding's fingerprint, and per finding the change of its
 * family's primary metric with a bootstrap interval and a verdict.
 *
 * The verdict goes through the probe's own gate (`judgeInterval`, then `finalVerdict` in
 * src/probe/verdicts.ts) with `mode: 'exec'`: the service is the user's code. What the probe learns from V8
 * coverage ("the finding's line executed") comes here from the preload: the site was instrumented and its
 * code ran (`hits > 0`) on both sides; otherwise the finding is NOT REACHED and nothing is claimed.
 *
 * Pure: evidence in, plain data out. Reading files and printing live in src/commands/compare.ts and
 * src/reporters/compare.ts.
 */
import { FAMILY_METRICS, type EvidenceFamily, type EvidenceFile, type MetricEvidence, type SiteEvidence } from './format.js';
import type { EffectInterval, NoiseBand, ProbeOutcome } from '../probe/types.js';
// verdicts.ts and types.ts only: the probes' measuring modules load packages (hdr-histogram-js) that a
// user who runs compare without probing need not have installed.
import { DEFAULT_MIN_EFFECT, bootstrapRatio, effectiveMinimum, finalVerdict, judgeInterval, meanOf, medianOf, noiseBand, ratioOf, sequentialPrediction, type Statistic } from '../probe/verdicts.js';

/** Four significant digits: enough to read and compare, without float noise in the JSON. */
const round = (value: number): number => (Number.isFinite(value) ? Number(value.toPrecision(4)) : value);

export type CompareStatus = 'verified' | 'smaller-than-predicted' | 'not-reproduced' | 'inconclusive' | 'not-reached';

/** What compare uses of a finding from the scan's JSON report (`--findings`). */
export interface FindingInfo {
  fingerprint: string;
  ruleId: string;
  severity: string;
  file: string;
  line: number;
  message: string;
  impact: string;
  params?: Record<string, unknown> | undefined;
}

export interface SiteComparison {
  fingerprint: string;
  ruleId: string;
  family: EvidenceFamily;
  file: string;
  line: number;
  finding?: { severity: string; message: string; impact: string };
  status: CompareStatus;
  reason?: string;
  /** Times the site's code ran while watched, per side (absent: the side has no entry for the site). */
  hits: { before?: number; after?: number };
  /** The primary metric, when both sides recorded one of the family's metrics. */
  metric?: {
    name: string;
    unit: string;
    better: 'lower' | 'higher';
    /** `median` or `mean` of the samples (the mean for counts that are mostly 0 or 1). */
    statistic: 'median' | 'mean';
    before: number;
    after: number;
    /** Oriented: > 1 means the fix is better (a side of 0 counts as one unit, both 0 as 1x). */
    ratio: number;
    samples: { before: number; after: number };
  };
  interval?: EffectInterval;
  noise?: NoiseBand;
  /** The smallest ratio counted as an effect: the minimum effect, or the noise band's top if higher. */
  floor: number;
  /** The ratio the finding's own numbers promise, when it states one. */
  predicted?: number;
}

export interface CompareRun {
  file: string;
  label?: string;
  entry: string;
  wallMs: number;
  requests: number;
}

export interface Comparison {
  before: CompareRun;
  after: CompareRun;
  minEffect: number;
  sites: SiteComparison[];
  /** The evidence files' own warnings, prefixed with their side, and problems met while joining. */
  warnings: string[];
}

/**
 * Metrics whose values are mostly 0 or 1 per sample (a socket opened or not, a wait or none) compare by
 * their mean: their median is 0 or 1 whatever the fix does. A mean of 0 counts, in a ratio, as less than
 * one event among the samples (1/n), so "1 socket per request -> none" is a large ratio, not a division
 * by zero, and two zero sides are 1x. Durations, sizes and ratios compare by the median.
 */
const MEAN_METRICS = new Set(['sockets.per-request', 'tls.handshakes', 'pool.waiting', 'acquire.ms', 'timers.live', 'overlap']);

function flooredMean(values: number[]): number {
  return values.length === 0 ? 0 : Math.max(meanOf(values), 1 / values.length);
}

function statisticOf(name: string): { kind: 'median' | 'mean'; shown: Statistic; ratio: Statistic } {
  if (MEAN_METRICS.has(name)) return { kind: 'mean', shown: (v) => (v.length === 0 ? 0 : meanOf(v)), ratio: flooredMean };
  const med: Statistic = (v) => (v.length === 0 ? 0 : medianOf(v));
  return { kind: 'median', shown: med, ratio: med };
}

/** The ratio a finding promises, from its own numbers: only where the scan states a count to overlap. */
export function predictedRatio(finding: FindingInfo | undefined): number | undefined {
  if (!finding || !finding.ruleId.startsWith('sequential-await')) return undefined;
  const awaits = finding.params?.awaits;
  return typeof awaits === 'number' && awaits >= 2 ? sequentialPrediction(awaits) : undefined;
}

function primaryMetric(family: EvidenceFamily, before: SiteEvidence, after: SiteEvidence): string | undefined {
  return FAMILY_METRICS[family].find((name) => before.metrics[name] && after.metrics[name]);
}

function notReachedReason(side: 'before' | 'after', site: SiteEvidence | undefined, file: string): string | undefined {
  if (!site) return `${file} (${side}) has no entry for this site: the preload was not given this finding on that run`;
  switch (site.state) {
    case 'not-loaded':
      return `${side}: ${site.file} never loaded in the process`;
    case 'not-found':
      return `${side}: ${site.file}:${site.line} did not hold the code the finding names (the file changed since the scan)`;
    case 'unsupported':
      return `${side}: the preload cannot watch this site${site.reason ? ` (${site.reason})` : ''}`;
    case 'instrumented':
      return site.hits === 0 ? `${side}: ${site.file}:${site.line} never executed while watched (0 hits): the load did not reach it` : undefined;
  }
}

function compareSite(
  key: string,
  before: SiteEvidence | undefined,
  after: SiteEvidence | undefined,
  finding: FindingInfo | undefined,
  files: { before: string; after: string },
  minEffect: number,
): SiteComparison {
  const any = (before ?? after) as SiteEvidence | undefined;
  const ruleId = any?.ruleId ?? finding?.ruleId ?? 'unknown';
  const family = (any?.family ?? ruleId.split('/')[0]) as EvidenceFamily;
  const predicted = predictedRatio(finding);
  const base: SiteComparison = {
    fingerprint: key,
    ruleId,
    family,
    file: any?.file ?? finding?.file ?? '',
    line: any?.line ?? finding?.line ?? 0,
    ...(finding ? { finding: { severity: finding.severity, message: finding.message, impact: finding.impact } } : {}),
    status: 'not-reached',
    hits: { ...(before ? { before: before.hits } : {}), ...(after ? { after: after.hits } : {}) },
    floor: minEffect,
    ...(predicted !== undefined ? { predicted } : {}),
  };
  const missing = notReachedReason('before', before, files.before) ?? notReachedReason('after', after, files.after);
  if (missing || !before || !after) return { ...base, reason: missing ?? 'no evidence on either side' };
  const name = primaryMetric(family, before, after);
  if (!name) {
    const recorded = (site: SiteEvidence) => Object.keys(site.metrics).join(', ') || 'none';
    return { ...base, status: 'inconclusive', reason: `no ${family} metric (${FAMILY_METRICS[family].join(', ')}) recorded on both sides (before: ${recorded(before)}; after: ${recorded(after)})` };
  }
  const b = before.metrics[name] as MetricEvidence;
  const a = after.metrics[name] as MetricEvidence;
  const warnings: string[] = [];
  if (b.better !== a.better || b.unit !== a.unit) warnings.push(`the two files disagree on ${name} (${b.unit}, ${b.better} is better vs ${a.unit}, ${a.better} is better)`);
  const statistic = statisticOf(name);
  const pointBefore = statistic.shown(b.samples);
  const pointAfter = statistic.shown(a.samples);
  const ratio = ratioOf(statistic.ratio(b.samples), statistic.ratio(a.samples), b.better);
  const interval = bootstrapRatio(b.samples, a.samples, b.better, undefined, statistic.ratio);
  const noise = noiseBand(b.samples, b.better, undefined, statistic.ratio);
  const evidence = { minEffect, ...(noise ? { noise } : {}), ...(predicted !== undefined ? { predicted } : {}) };
  const floor = interval ? effectiveMinimum(evidence, interval) : minEffect;
  const judged = judgeInterval(ratio, interval, floor, predicted ?? floor);
  // The preload's hit count stands where the probe has V8 coverage: the site's own code ran on both sides.
  const outcome: ProbeOutcome = {
    ...judged,
    measurements: [{ metric: name, unit: b.unit, before: round(pointBefore), after: round(pointAfter), ratio, better: b.better }],
    load: '',
    notes: [],
    rounds: 0,
    mode: 'exec',
    evidence: { ...evidence, reached: { file: before.file, line: before.line, executed: true, count: Math.min(before.hits, after.hits), positions: 1 }, ...(interval ? { interval } : {}) },
  };
  const final = finalVerdict(outcome, 'exec');
  const status = final.status as CompareStatus;
  return {
    ...base,
    status,
    ...(final.reason || warnings.length > 0 ? { reason: [final.reason, ...warnings].filter(Boolean).join('; ') } : {}),
    metric: {
      name,
      unit: b.unit,
      better: b.better,
      statistic: statistic.kind,
      before: round(pointBefore),
      after: round(pointAfter),
      ratio: Number(ratio.toFixed(ratio >= 10 ? 1 : 2)),
      samples: { before: b.samples.length, after: a.samples.length },
    },
    ...(interval ? { interval } : {}),
    ...(noise ? { noise } : {}),
    floor,
  };
}

function runOf(file: string, evidence: EvidenceFile): CompareRun {
  return {
    file,
    ...(evidence.run.label ? { label: evidence.run.label } : {}),
    entry: evidence.run.entry,
    wallMs: evidence.run.wallMs,
    requests: evidence.requests.served,
  };
}

/**
 * Joins the two files by fingerprint (and the scan's findings, when given, for their words and
 * predictions). Every site of either file appears once; a finding of the report with no site in either
 * file appears as NOT REACHED, so a finding the preload was never given is not silently dropped.
 */
export function compareEvidence(
  before: { file: string; evidence: EvidenceFile },
  after: { file: string; evidence: EvidenceFile },
  options: { findings?: FindingInfo[]; minEffect?: number } = {},
): Comparison {
  const minEffect = options.minEffect ?? DEFAULT_MIN_EFFECT;
  const warnings = [...before.evidence.warnings.map((w) => `before: ${w}`), ...after.evidence.warnings.map((w) => `after: ${w}`)];
  const index = (evidence: EvidenceFile, file: string) => {
    const sites = new Map<string, SiteEvidence>();
    for (const site of evidence.sites) {
      if (sites.has(site.fingerprint)) warnings.push(`${file} lists site ${site.fingerprint} twice; the first entry is used`);
      else sites.set(site.fingerprint, site);
    }
    return sites;
  };
  const beforeSites = index(before.evidence, before.file);
  const afterSites = index(after.evidence, after.file);
  const findings = new Map((options.findings ?? []).map((f) => [f.fingerprint, f]));
  const keys = [...new Set([...beforeSites.keys(), ...afterSites.keys(), ...[...findings.values()].filter((f) => (FAMILY_METRICS as Record<string, unknown>)[f.ruleId.split('/')[0] ?? ''] !== undefined).map((f) => f.fingerprint)])];
  if (options.findings) {
    for (const key of [...beforeSites.keys(), ...afterSites.keys()]) {
      if (!findings.has(key)) warnings.push(`site ${key} is in the evidence but not in the findings report (a report from another scan?)`);
    }
  }
  const sites = keys.map((key) => compareSite(key, beforeSites.get(key), afterSites.get(key), findings.get(key), { before: before.file, after: after.file }, minEffect));
  sites.sort((x, y) => x.file.localeCompare(y.file) || x.line - y.line || x.ruleId.localeCompare(y.ruleId));
  return { before: runOf(before.file, before.evidence), after: runOf(after.file, after.evidence), minEffect, sites, warnings: [...new Set(warnings)] };
}

/** A regression: the interval lies wholly on the worse side of the noise floor (the fix made it worse). */
export function isRegression(site: SiteComparison): boolean {
  return site.interval !== undefined && site.interval.high < 1 / site.floor;
}

/**
 * k6's end-of-test numbers, as `k6 run --summary-export file.json` writes them (a trend's stats flat on the
 * metric: `{ "p(95)": 12.3 }`) or as `handleSummary(data)` receives them (under `values`), read into one shape:
 * metric name (with its tags, `http_req_duration{scenario:route}`) -> stat -> number. And a small evaluator of
 * the threshold expressions the generated scripts use (`p(95)<120.5`, `avg<=80`, `rate<0.05`), so a test or a
 * comparison can tell whether a run's summary passes a script's thresholds without running k6.
 */

export type K6Metrics = Record<string, Record<string, number>>;

/** The metrics of a k6 summary JSON, or a message saying why the value is not one. */
export function readK6Summary(json: unknown): { metrics: K6Metrics } | { error: string } {
  if (typeof json !== 'object' || json === null || !('metrics' in json) || typeof json.metrics !== 'object' || json.metrics === null) {
    return { error: 'expected a k6 summary (`k6 run --summary-export` or handleSummary JSON) with a "metrics" object' };
  }
  const metrics: K6Metrics = {};
  for (const [name, raw] of Object.entries(json.metrics as Record<string, unknown>)) {
    if (typeof raw !== 'object' || raw === null) continue;
    const source = 'values' in raw && typeof raw.values === 'object' && raw.values !== null ? (raw.values as Record<string, unknown>) : (raw as Record<string, unknown>);
    const stats: Record<string, number> = {};
    for (const [stat, value] of Object.entries(source)) if (typeof value === 'number' && Number.isFinite(value)) stats[stat] = value;
    // --summary-export writes a rate metric's rate as `value` (with passes and fails); handleSummary as `rate`.
    if (stats.rate === undefined && stats.value !== undefined && 'passes' in source && 'fails' in source) stats.rate = stats.value;
    if (Object.keys(stats).length > 0) metrics[name] = stats;
  }
  return { metrics };
}

const EXPRESSION = /^\s*(avg|min|max|med|count|rate|value|p\(\s*(\d+(?:\.\d+)?)\s*\))\s*(<=|<|>=|>|===|==|!=)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*$/i;

/** One threshold expression (`p(95)<120`) against a metric's stats; throws when the expression is not one this evaluator reads or the stat is missing. */
export function evaluateThreshold(expression: string, stats: Record<string, number>): boolean {
  const match = EXPRESSION.exec(expression);
  if (!match) throw new Error(`unsupported threshold expression "${expression}"`);
  const [, aggregate = '', percentile, operator, limitText = ''] = match;
  const stat = percentile !== undefined ? `p(${Number(percentile)})` : aggregate.toLowerCase();
  const actual = stats[stat];
  if (actual === undefined) throw new Error(`the summary has no ${stat} for "${expression}"`);
  const limit = Number(limitText);
  switch (operator) {
    case '<':
      return actual < limit;
    case '<=':
      return actual <= limit;
    case '>':
      return actual > limit;
    case '>=':
      return actual >= limit;
    case '!=':
      return actual !== limit;
    default:
      return actual === limit;
  }
}

export type ThresholdSpec = string | { threshold: string; abortOnFail?: boolean };

/** Every threshold of an options object against a summary: which pass and which fail (a missing metric throws). */
export function evaluateThresholds(thresholds: Record<string, ThresholdSpec[]>, metrics: K6Metrics): Array<{ metric: string; expression: string; ok: boolean }> {
  return Object.entries(thresholds).flatMap(([metric, specs]) => {
    const stats = metrics[metric];
    if (!stats) throw new Error(`the summary has no metric ${metric}`);
    return specs.map((spec) => {
      const expression = typeof spec === 'string' ? spec : spec.threshold;
      return { metric, expression, ok: evaluateThreshold(expression, stats) };
    });
  });
}

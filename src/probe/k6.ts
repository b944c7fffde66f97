/**
 * k6 scripts that load the route reaching a finding, on the user's own deployment, with thresholds derived
 * from what the finding predicts; and a k6-operator `TestRun` manifest beside each for distributed runs
 * (k6-operator is the engine: it splits the scenario across `parallelism` runners by execution segments).
 *
 * The route is the model's (`finding.reach.routes`, declared in the scanned code) or the user's (`--route`)
 * when the code declares none. The load is a constant arrival rate, so a slower service faces the same
 * requests per second instead of being sent fewer, as a closed loop of VUs would. Generating never sends traffic.
 */
import type { Finding, FindingRoute } from '../findings.js';
import type { K6Metrics, ThresholdSpec } from './k6-summary.js';

// This module loads without the probe's packages (hdr-histogram, esbuild): the CLI checks k6 flags with it
// before it knows whether they are installed, so it imports only dependency-free modules.
import { numberParam, splitRuleId } from './finding-params.js';

const K6_FAMILIES = new Set(['missing-keep-alive', 'sequential-await', 'undersized-pool']);

/** How far above the predicted "after" a threshold sits: noise between runs must not fail a fixed service. */
export const THRESHOLD_MARGIN = 0.2;
/** The share of failed requests a run may have; above it, fast errors could pass the latency thresholds. */
export const MAX_FAILED_RATE = 0.05;
const DEFAULT_RATE = 20;
const DEFAULT_DURATION_SECONDS = 60;
const READ_METHODS = new Set(['GET', 'HEAD', 'ALL']);

/** What loading the route shows of each family's finding, for the header. */
const FAMILY_LINES: Record<string, string[]> = {
  'sequential-await': ["// As found, each request to the route waits for the awaits' sum; fixed, for the longest of them."],
  'missing-keep-alive': ["// As found, the service opens a new upstream connection (and TLS session) for its outbound requests; the route's", '// latency carries each set-up. Fixed, the agent reuses them.'],
  'undersized-pool': ['// As found, requests beyond the pool\'s max wait for a connection inside the service; the route\'s latency carries the wait.'],
};

export function canEmitK6(finding: Finding): boolean {
  return K6_FAMILIES.has(splitRuleId(finding.ruleId).family);
}

/**
 * Text from the scanned code (file names, messages, rule ids) inside a `//` or `#` comment: every line
 * terminator (\n, \r, U+2028, U+2029) would end the comment and turn the rest into code.
 */
function commentText(text: string): string {
  return text.replace(/[\n\r\u2028\u2029]+/g, ' ');
}

/** A string literal holding `value` exactly, with U+2028/U+2029 escaped too (engines before ES2019 reject them raw). */
function stringLiteral(value: string): string {
  return JSON.stringify(value).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function k6FileName(finding: Finding): string {
  const base = finding.file.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return `${splitRuleId(finding.ruleId).family}-${base}-${finding.line}.js`;
}

/** `GET /orders/:id` from `--route`; throws a message for anything else. */
export function parseRoute(text: string): { method: string; path: string } {
  const match = /^\s*(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(\/\S*)\s*$/i.exec(text);
  if (!match) throw new Error(`Invalid --route "${text}": expected METHOD /path, e.g. 'GET /orders/:id'`);
  return { method: (match[1] as string).toUpperCase(), path: match[2] as string };
}

/** `id=42,sku=A-1` (repeatable): values for the route's path parameters. */
export function parseRouteParams(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of values.flatMap((v) => v.split(','))) {
    if (part.trim() === '') continue;
    const match = /^\s*([A-Za-z_]\w*)=(.*)$/.exec(part);
    if (!match || (match[2] as string).trim() === '') throw new Error(`Invalid --route-params "${part}": expected name=value, e.g. id=42`);
    out[match[1] as string] = (match[2] as string).trim();
  }
  return out;
}

/** The parameter names of a route path: `:id`, `:id?`, `{id}`. */
export function pathParameters(path: string): string[] {
  const names: string[] = [];
  for (const match of path.matchAll(/:([A-Za-z_]\w*)\??|\{([A-Za-z_]\w*)\}/g)) {
    const name = (match[1] ?? match[2]) as string;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** What the finding predicts for the time its code takes, as a ratio before/after (> 1: the fix is faster). */
export function findingPrediction(finding: Finding): { ratio?: number; why: string } {
  const { family, variant } = splitRuleId(finding.ruleId);
  const params = finding.params ?? {};
  if (family === 'sequential-await') {
    const loop = variant !== undefined && variant !== '' && variant !== 'consecutive';
    const calls = loop ? numberParam(params, ['iterations', 'items', 'awaits'], 5) : numberParam(params, ['awaits', 'calls'], 3);
    const n = Math.min(50, Math.max(2, Math.round(calls.value)));
    return {
      ratio: n,
      why: `${n} independent awaits${calls.defaulted ? ' (a default: the count is not in the code)' : ''} run one after another; with Promise.all their time falls from the sum to the longest: ${n}x when they take as long as each other`,
    };
  }
  if (family === 'undersized-pool') {
    const max = numberParam(params, ['max', 'poolSize', 'connectionLimit'], 10).value;
    const concurrency = numberParam(params, ['fanOut', 'expectedConcurrency', 'concurrency'], 50).value;
    if (concurrency <= max) return { why: `pool max ${max} covers the expected concurrency ${concurrency}: the finding predicts no queueing at that load` };
    // The fix sets the rule's recommended max: when that is still under the concurrency, the fixed pool
    // queues too (N / c' rounds instead of N / c), and a threshold at N / c would fail a service fixed as told.
    const recommended = numberParam(params, ['recommendedMax'], 0).value;
    if (recommended > max && recommended < concurrency) {
      const ratio = round(recommended / max, 2);
      return {
        ratio,
        why: `${concurrency} concurrent requests on a pool of ${max}: closed-loop queueing makes each wait S * N / c; with the suggested max of ${recommended} it is S * N / ${recommended}, ${ratio}x less`,
      };
    }
    return { ratio: round(concurrency / max, 2), why: `${concurrency} concurrent requests on a pool of ${max}: closed-loop queueing makes each wait S * N / c instead of S, ${round(concurrency / max, 2)}x` };
  }
  return { why: 'the saving is a connection (and TLS) set-up per outbound request, whose cost depends on the round trip to the upstream, which the code does not say' };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export interface K6Options {
  /** Base URL of the deployment (a mount prefix such as `/api` belongs here). */
  targetUrl: string;
  /** `--route`: for findings the model links to no declared route. */
  route?: { method: string; path: string };
  routeParams?: Record<string, string>;
  /** The as-found run's summary (`--baseline`). */
  baseline?: { file: string; metrics: K6Metrics };
  rate?: number;
  durationSeconds?: number;
  preAllocatedVUs?: number;
  /** `--k6-expect`: the route-level ratio the user expects, instead of the finding's. */
  expect?: number;
  /** `--k6-share`: the share (0..1] of the route's time the finding's code takes; default 1. */
  share?: number;
  parallelism?: number;
}

export interface K6Thresholds {
  thresholds: Record<string, ThresholdSpec[]>;
  /** True when the thresholds test the finding: the as-found numbers fail them, the predicted ones pass. */
  decisive: boolean;
  /** The route-level ratio the thresholds rest on, when there is one. */
  ratio?: number;
  notes: string[];
}

/**
 * Thresholds from the finding's predicted change and the as-found run's numbers: p(95) and p(99) of
 * http_req_duration at before / ratio, plus THRESHOLD_MARGIN. The as-found run fails them by construction
 * (its numbers exceed the limit whenever ratio > 1 + margin); a service that reaches the prediction passes.
 * Without a baseline or a prediction they are informative only, and the notes say so.
 */
export function k6Thresholds(finding: Finding, options: Pick<K6Options, 'baseline' | 'expect' | 'share'>): K6Thresholds {
  const failed: ThresholdSpec = `rate<${MAX_FAILED_RATE}`;
  const informative = (notes: string[]): K6Thresholds => ({
    thresholds: { http_req_failed: [{ threshold: failed, abortOnFail: false }] },
    decisive: false,
    notes: [...notes, `Its only threshold fails the run when more than ${MAX_FAILED_RATE * 100}% of requests fail: it says nothing about the finding.`],
  });
  const prediction = findingPrediction(finding);
  const notes: string[] = [];
  let ratio: number | undefined;
  if (options.expect !== undefined) {
    ratio = options.expect;
    notes.push(`Predicted change: ${ratio}x on the route's latency, as given by --k6-expect (the finding: ${prediction.why}).`);
  } else if (prediction.ratio !== undefined) {
    const share = options.share ?? 1;
    ratio = round(1 / (1 - share + share / prediction.ratio), 2);
    notes.push(`Predicted change: ${prediction.why}.`);
    notes.push(
      share === 1
        ? `Taken as the route's whole latency (${ratio}x): if the route does other work, give its share with --k6-share <0..1>.`
        : `The finding's code takes ${share} of the route's time (--k6-share), so the route's latency falls ${ratio}x (Amdahl).`,
    );
  } else {
    return informative([`THRESHOLDS NEED A PREDICTION: ${prediction.why}. Give the route-level ratio you expect with --k6-expect <ratio>.`]);
  }
  if (!options.baseline) {
    return {
      ...informative([
        ...notes,
        'THRESHOLDS NEED A BASELINE: this script does not yet test the finding. Run it against the service as found with',
        '`--summary-export before.json`, then regenerate with `--baseline before.json` for thresholds the as-found run fails.',
      ]),
      ratio,
    };
  }
  if (ratio <= 1 + THRESHOLD_MARGIN) {
    return { ...informative([...notes, `A ${ratio}x change is within the ${THRESHOLD_MARGIN * 100}% margin between runs: no threshold could tell the fixed service from the one as found.`]), ratio };
  }
  const duration = options.baseline.metrics.http_req_duration ?? {};
  const limits: ThresholdSpec[] = [];
  const lines: string[] = [];
  for (const stat of ['p(95)', 'p(99)']) {
    const before = duration[stat];
    if (before === undefined || before <= 0) continue;
    const limit = round((before / ratio) * (1 + THRESHOLD_MARGIN), 2);
    limits.push(`${stat}<${limit}`);
    lines.push(`${stat} ${round(before, 2)} ms as found -> predicted ${round(before / ratio, 2)} ms; threshold ${limit} ms (+${THRESHOLD_MARGIN * 100}% margin)`);
  }
  if (limits.length === 0) return { ...informative([...notes, `${options.baseline.file} has no p(95) or p(99) of http_req_duration.`]), ratio };
  return {
    thresholds: { http_req_duration: limits, http_req_failed: [failed] },
    decisive: true,
    ratio,
    notes: [
      ...notes,
      `Thresholds from ${options.baseline.file}: ${lines.join('; ')}.`,
      `The as-found run fails them; a service whose fix delivers the prediction passes. Run at the baseline's rate.`,
      `http_req_failed must stay under ${MAX_FAILED_RATE * 100}%, so fast errors cannot pass for a fix.`,
    ],
  };
}

/** Declared reads first (a GET can be replayed as is), then the rest, in the order the model lists them. */
export function chooseRoute(finding: Finding): FindingRoute | undefined {
  const routes = declaredRoutes(finding);
  return routes.find((r) => READ_METHODS.has(r.method)) ?? routes[0];
}

/** The finding's routes that have the shape a route has: `probe --from` reads them from a file, which may hold anything. */
function declaredRoutes(finding: Finding): FindingRoute[] {
  const routes: unknown = finding.reach?.routes;
  if (!Array.isArray(routes)) return [];
  return routes.filter(
    (r): r is FindingRoute =>
      typeof r === 'object' && r !== null && typeof r.method === 'string' && /^[A-Z]+$/.test(r.method) && typeof r.path === 'string' && r.path.startsWith('/') &&
      typeof r.file === 'string' && typeof r.line === 'number' && typeof r.framework === 'string' && typeof r.handler === 'string',
  );
}

export interface K6Output {
  script: string;
  scriptName: string;
  manifest: string;
  manifestName: string;
  decisive: boolean;
}

/** A script and its TestRun manifest for one finding, or why none can be written. */
export function k6Files(finding: Finding, options: K6Options): K6Output | { skip: string } {
  const declared = chooseRoute(finding);
  const route = declared ?? options.route;
  if (!route) {
    return { skip: `${finding.file}:${finding.line}: no route declared in the scanned code reaches this finding; give the route that runs it with --route 'METHOD /path'` };
  }
  const method = route.method === 'ALL' ? 'GET' : route.method;
  const { family } = splitRuleId(finding.ruleId);
  const params = finding.params ?? {};
  const checks = k6Thresholds(finding, options);
  const names = pathParameters(route.path);
  const given = options.routeParams ?? {};
  const missing = names.filter((name) => given[name] === undefined);

  const baselineRate = options.baseline?.metrics.http_reqs?.rate;
  let rate = options.rate;
  let rateWhy = '--k6-rate';
  if (rate === undefined && baselineRate !== undefined && baselineRate > 0) {
    rate = Math.max(1, Math.round(baselineRate));
    rateWhy = `the baseline's request rate (${options.baseline?.file})`;
  }
  const poolNotes: string[] = [];
  if (family === 'undersized-pool') {
    const max = numberParam(params, ['max', 'poolSize', 'connectionLimit'], 10).value;
    const concurrency = numberParam(params, ['fanOut', 'expectedConcurrency', 'concurrency'], 50).value;
    const service = numberParam(params, ['serviceTimeMs'], 20);
    const capacity = Math.round((max * 1000) / service.value);
    poolNotes.push(
      `The pool (max ${max}) serves about ${capacity} requests/s at ${service.value} ms per query${service.defaulted ? ' (a default: the code does not say)' : ''};`,
      `the finding's ${concurrency} concurrent requests arrive at about ${Math.round((concurrency * 1000) / service.value)}/s. Queueing shows only above ${capacity}/s.`,
    );
    if (rate === undefined) {
      // 80% of what a pool of N serves: the fixed service keeps up (a queue at 100% grows without bound), the one as found cannot.
      rate = Math.max(1, Math.round((0.8 * concurrency * 1000) / service.value));
      rateWhy = "80% of the finding's expected concurrency over the service time (Little's law), so a pool sized for it keeps up";
    }
  }
  if (rate === undefined) {
    rate = DEFAULT_RATE;
    rateWhy = 'the default; set --k6-rate';
  }
  const duration = options.durationSeconds ?? DEFAULT_DURATION_SECONDS;
  // Little's law: VUs busy = rate x latency. The as-found p(99) (or half a second) with room to spare.
  const latencySeconds = (options.baseline?.metrics.http_req_duration?.['p(99)'] ?? options.baseline?.metrics.http_req_duration?.['p(95)'] ?? 500) / 1000;
  const preAllocatedVUs = options.preAllocatedVUs ?? Math.max(5, Math.ceil(rate * latencySeconds * 1.5));
  const maxVUs = Math.max(preAllocatedVUs * 2, preAllocatedVUs + 10);

  const routeLines = declared
    ? [
        `// Route: ${commentText(`${declared.method} ${declared.path}`)}, declared at ${commentText(declared.file)}:${declared.line} (${commentText(declared.framework)}, handler ${commentText(declared.handler)});`,
        '// its handler\'s calls reach the finding. The path has the prefixes of the mounts found in the scanned code',
        '// (app.use(\'/api\', router), new Router({ prefix }), setGlobalPrefix); one they do not show is not: put it in TARGET_URL.',
        ...(declaredRoutes(finding).length > 1
          ? [`// Also reached from: ${declaredRoutes(finding).filter((r) => r !== declared).map((r) => commentText(`${r.method} ${r.path} (${r.file}:${r.line})`)).join(', ')}.`]
          : []),
      ]
    : [
        `// Route: ${commentText(`${route.method} ${route.path}`)}, given with --route. It is NOT declared in the scanned code: the model did`,
        '// not link it to this finding, so make sure that this route runs the code the finding names.',
      ];
  const options6 = {
    scenarios: {
      route: { executor: 'constant-arrival-rate', rate, timeUnit: '1s', duration: `${duration}s`, preAllocatedVUs, maxVUs },
    },
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
    thresholds: checks.thresholds,
  };
  const scriptName = k6FileName(finding);
  const header = [
    `// Generated by \`bottleneck probe --emit-k6\` for ${commentText(finding.file)}:${finding.line} (${commentText(finding.ruleId)}).`,
    `// ${commentText(finding.message)}`,
    '//',
    ...routeLines,
    ...FAMILY_LINES[family] ?? [],
    `// Load: ${rate} requests/s (from ${rateWhy}) for ${duration}s, constant arrival rate, ${preAllocatedVUs} VUs pre-allocated.`,
    ...poolNotes.map((line) => `// ${line}`),
    '//',
    ...checks.notes.map((line) => `// ${commentText(line)}`),
    '//',
    `// Run: k6 run -e TARGET_URL=<base url>${missing.map((name) => ` -e PARAM_${name}=<${name}>`).join('')} --summary-export before.json ${scriptName}`,
    '//      (as found: --summary-export before.json; with the fix deployed: after.json, for `bottleneck compare` or a look)',
    ...(method !== 'GET' && method !== 'HEAD' ? [`// ${method} sends the JSON in -e BODY='{...}' (none by default).`] : []),
    `// Distributed: ${scriptName.replace(/\.js$/, '.testrun.yaml')} (k6-operator TestRun) beside this file.`,
  ];
  const paramEntries = names.map((name) => `  ${name}: __ENV.PARAM_${name} || ${given[name] !== undefined ? stringLiteral(given[name] as string) : "''"},`);
  const script = [
    ...header,
    "import http from 'k6/http';",
    "import { check } from 'k6';",
    '',
    `const BASE = (__ENV.TARGET_URL || ${stringLiteral(options.targetUrl)}).replace(/\\/+$/, '');`,
    `const METHOD = ${stringLiteral(method)};`,
    `const PATH = ${stringLiteral(route.path)};`,
    `/** The route's path parameters: ${missing.length > 0 ? `${missing.join(', ')} must be given (-e PARAM_<name>=... or --route-params when generating)` : 'all given'}. */`,
    `const PARAMS = {${paramEntries.length > 0 ? `\n${paramEntries.join('\n')}\n` : ''}};`,
    'const BODY = __ENV.BODY || null;',
    '',
    `export const options = ${JSON.stringify(options6, null, 2)};`,
    '',
    '// A placeholder left unfilled would load a path that does not exist: refuse to start instead.',
    'export function setup() {',
    "  const missing = Object.keys(PARAMS).filter((name) => PARAMS[name] === '');",
    "  if (missing.length > 0) throw new Error('fill the path parameters ' + missing.join(', ') + ' of ' + PATH + ': -e PARAM_' + missing[0] + '=<value>');",
    '}',
    '',
    'export default function () {',
    '  const path = PATH.replace(/:([A-Za-z_]\\w*)\\??|\\{([A-Za-z_]\\w*)\\}/g, (_, a, b) => encodeURIComponent(PARAMS[a || b]));',
    "  const params = { tags: { name: PATH }, headers: BODY ? { 'Content-Type': 'application/json' } : {} };",
    '  const res = http.request(METHOD, BASE + path, BODY, params);',
    "  check(res, { 'status < 500': (r) => r.status < 500 });",
    '}',
    '',
  ].join('\n');
  return { script, scriptName, ...testRunManifest(scriptName, finding, options), decisive: checks.decisive };
}

/** A Kubernetes name (DNS-1123 label): lower case, digits and `-`, at most 63 characters. */
function kubeName(text: string): string {
  const base = text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  let hash = 0;
  for (const char of text) hash = (Math.imul(hash, 31) + (char.codePointAt(0) ?? 0)) >>> 0;
  const suffix = hash.toString(36).slice(0, 6);
  return `${base.slice(0, 63 - suffix.length - 1).replace(/-+$/, '')}-${suffix}`;
}

/** The k6-operator TestRun for a script held in a ConfigMap of the same name. */
export function testRunManifest(scriptName: string, finding: Finding, options: Pick<K6Options, 'targetUrl' | 'parallelism'>): { manifest: string; manifestName: string } {
  const name = kubeName(`bottleneck-${scriptName.replace(/\.js$/, '')}`);
  const parallelism = options.parallelism ?? 2;
  const manifest = [
    `# k6-operator TestRun for ${commentText(finding.file)}:${finding.line} (${commentText(finding.ruleId)}).`,
    `# k6-operator splits the script's arrival rate and VUs across ${parallelism} runner pods (execution segments),`,
    '# so the totals in the script hold for the whole run. Put the script in a ConfigMap first:',
    `#   kubectl create configmap ${name} --from-file=${scriptName}`,
    `#   kubectl apply -f ${scriptName.replace(/\.js$/, '.testrun.yaml')}`,
    'apiVersion: k6.io/v1alpha1',
    'kind: TestRun',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    `  parallelism: ${parallelism}`,
    '  script:',
    '    configMap:',
    `      name: ${name}`,
    `      file: ${JSON.stringify(scriptName)}`,
    '  runner:',
    '    env:',
    '      - name: TARGET_URL',
    `        value: ${JSON.stringify(options.targetUrl)}`,
    '',
  ].join('\n');
  return { manifest, manifestName: scriptName.replace(/\.js$/, '.testrun.yaml') };
}

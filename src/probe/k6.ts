/**
 * k6 scripts for HTTP-facing findings, so the same before/after scenario runs against a real deployment
 * (a URL the user gives) on k6's runners. k6-operator's `parallelism: N` splits each scenario across N
 * runners by execution segments, so the VU counts below are totals, not per runner. Generating a script
 * never sends traffic.
 */
import type { Finding } from '../findings.js';
import { splitRuleId } from './run.js';

const K6_FAMILIES = new Set(['missing-keep-alive', 'sequential-await', 'undersized-pool']);

export function canEmitK6(finding: Finding): boolean {
  return K6_FAMILIES.has(splitRuleId(finding.ruleId).family);
}

/**
 * Text from the scanned code (file names, messages, rule ids) inside a `//` comment: every JavaScript line
 * terminator (\n, \r, U+2028, U+2029) would end the comment and turn the rest into code.
 */
function commentText(text: string): string {
  return text.replace(/[\n\r\u2028\u2029]+/g, ' ');
}

/** A string literal holding `value` exactly, with U+2028/U+2029 escaped too (engines before ES2019 reject them raw). */
function stringLiteral(value: string): string {
  return JSON.stringify(value).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function num(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : fallback;
}

export function k6FileName(finding: Finding): string {
  const base = finding.file.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return `${splitRuleId(finding.ruleId).family}-${base}-${finding.line}.js`;
}

/** The parts every script shares: imports, the target, two scenarios run one after the other, and thresholds that make k6 print each scenario's sub-metrics. */
function assemble(parts: { header: string[]; targetUrl: string; scenarios: Array<{ name: string; exec: string; vus: number }>; durationSeconds: number; metrics: string[]; body: string[] }): string {
  const { header, targetUrl, scenarios, durationSeconds, metrics, body } = parts;
  return [
    ...header,
    "import http from 'k6/http';",
    "import { check } from 'k6';",
    '',
    `const TARGET = __ENV.TARGET_URL || ${stringLiteral(targetUrl)};`,
    '',
    'export const options = {',
    '  scenarios: {',
    ...scenarios.map(
      (scenario, i) =>
        `    ${scenario.name}: { executor: 'constant-vus', exec: '${scenario.exec}', vus: ${scenario.vus}, duration: '${durationSeconds}s'${i > 0 ? `, startTime: '${i * (durationSeconds + 5)}s'` : ''} },`,
    ),
    '  },',
    '  // Always-true thresholds make k6 print the per-scenario sub-metrics in its summary.',
    '  thresholds: {',
    ...metrics.flatMap((metric) => scenarios.map((scenario) => `    '${metric}{scenario:${scenario.name}}': ['${metric === 'http_reqs' ? 'count' : 'max'}>=0'],`)),
    '  },',
    '};',
    '',
    ...body,
    '',
  ].join('\n');
}

/**
 * An undersized pool is a server-side setting a client cannot switch, so its script compares load at the
 * pool's size (no queueing) with load at the expected concurrency (requests queue for a connection), and
 * is run again once the fix is deployed: the second scenario's latency should fall to the first's.
 */
function poolScript(finding: Finding, targetUrl: string, header: string[], durationSeconds: number): string {
  const params = finding.params ?? {};
  const size = num(params.max, 10);
  const concurrency = Math.max(num(params.expectedConcurrency, 50), size + 1);
  const serviceMs = num(params.serviceTimeMs, 20);
  // Closed loop, as constant VUs are: each of N clients waits S * (N / c - 1) on average for one of c connections.
  const predictedWaitMs = Math.round(serviceMs * (concurrency / size - 1));
  const guide = [
    `// The endpoint at TARGET_URL must use this pool (max ${size}); pick one that holds a connection for about`,
    `// ${serviceMs} ms. \`at_pool_size\` runs ${size} VUs (no queueing), \`at_expected_concurrency\` runs ${concurrency}:`,
    `// with the pool as found, expect its latency to exceed the first by about ${predictedWaitMs} ms (closed-loop`,
    `// queueing, S * (N / c - 1)). Deploy the fix and run the script again: the gap should close.`,
  ];
  return assemble({
    header: [...header, ...guide],
    targetUrl,
    scenarios: [
      { name: 'at_pool_size', exec: 'request', vus: size },
      { name: 'at_expected_concurrency', exec: 'request', vus: concurrency },
    ],
    durationSeconds,
    metrics: ['http_req_duration', 'http_reqs'],
    body: ['export function request() {', '  const res = http.get(TARGET);', "  check(res, { 'status < 500': (r) => r.status < 500 });", '}'],
  });
}

/** A k6 script with a `before` scenario (the pattern as found) and an `after` one (the fix), one after the other. */
export function k6Script(finding: Finding, targetUrl: string, options: { vus?: number; durationSeconds?: number } = {}): string {
  const { family } = splitRuleId(finding.ruleId);
  const params = finding.params ?? {};
  const vus = options.vus ?? num(params.concurrency, 10);
  const duration = options.durationSeconds ?? 30;
  const calls = num(params.awaits, 3);
  const header: string[] = [
    `// Generated by \`bottleneck probe --emit-k6\` for ${commentText(finding.file)}:${finding.line} (${commentText(finding.ruleId)}).`,
    `// ${commentText(finding.message)}`,
    '//',
    '// Run locally:      k6 run -e TARGET_URL=<url> this-file.js',
    '// Run distributed:  k6-operator TestRun with `parallelism: N` (each scenario is split across N runners',
    '//                   by execution segments; VUs below are totals).',
  ];
  if (family === 'undersized-pool') return poolScript(finding, targetUrl, header, duration);
  header.push('// Compare the `before` and `after` sub-metrics in the summary (tagged by scenario).');
  const before =
    family === 'missing-keep-alive'
      ? [
          '// As found: a new connection per request (TCP + TLS handshake every time).',
          'export function before() {',
          "  const res = http.get(TARGET, { headers: { Connection: 'close' } });",
          "  check(res, { 'status < 500': (r) => r.status < 500 });",
          '}',
          '',
          '// Fixed: k6 keeps each VU\'s connections alive, like an agent with keepAlive: true.',
          'export function after() {',
          '  const res = http.get(TARGET);',
          "  check(res, { 'status < 500': (r) => r.status < 500 });",
          '}',
        ]
      : [
          `// As found: ${calls} independent calls awaited one after another.`,
          'export function before() {',
          `  for (let i = 0; i < ${calls}; i++) {`,
          '    const res = http.get(TARGET);',
          "    check(res, { 'status < 500': (r) => r.status < 500 });",
          '  }',
          '}',
          '',
          `// Fixed: the ${calls} calls in parallel (Promise.all); http.batch issues them concurrently.`,
          'export function after() {',
          `  const responses = http.batch(Array.from({ length: ${calls} }, () => ['GET', TARGET]));`,
          "  for (const res of responses) check(res, { 'status < 500': (r) => r.status < 500 });",
          '}',
        ];
  const metric = family === 'missing-keep-alive' ? 'http_req_connecting' : 'iteration_duration';
  return assemble({
    header,
    targetUrl,
    scenarios: [
      { name: 'before', exec: 'before', vus },
      { name: 'after', exec: 'after', vus },
    ],
    durationSeconds: duration,
    metrics: [metric, 'http_req_duration'],
    body: before,
  });
}

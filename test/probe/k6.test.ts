import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings.js';
import { loadTypeScript, ts } from '../../src/scanner/ts.js';
import { k6Files, parseRoute, parseRouteParams, pathParameters, THRESHOLD_MARGIN, type K6Options } from '../../src/probe/k6.js';
import { evaluateThreshold, evaluateThresholds, readK6Summary, type K6Metrics, type ThresholdSpec } from '../../src/probe/k6-summary.js';

/**
 * The generated k6 scripts, checked without k6: parsed with the project's TypeScript parser (imports, the
 * scenario, the route, the thresholds), run in a stub of k6's API (the URL each iteration requests, the
 * refusal to start with an unfilled path parameter), and their thresholds evaluated against an as-found
 * summary (they must fail) and a summary at the predicted improvement (they must pass). Where k6 is
 * installed, `k6 inspect` reads each script too.
 */

function finding(ruleId: string, params: Finding['params'], routes: Array<{ method: string; path: string }> = [{ method: 'GET', path: '/orders/:id' }]): Finding {
  return {
    ruleId, severity: 'high', confidence: 'high', file: 'src/services/orders.ts', line: 8, column: 3, endLine: 9, endColumn: 4,
    message: 'awaits in sequence', evidence: [], impact: '', fix: { description: '', replacement: '' }, effort: 'small', category: 'Async/Concurrency', fingerprint: 'f',
    ...(params ? { params } : {}),
    ...(routes.length > 0 ? { reach: { routes: routes.map((r, i) => ({ ...r, file: 'src/routes/orders.ts', line: 10 + i, framework: 'express', handler: `h${i}` })) } } : {}),
  };
}

/** A k6 `--summary-export` file's metrics as k6 writes them (trend stats flat, a rate's rate as `value`). */
function summaryExport(p95: number, p99: number, rate = 50, failed = 0.001): unknown {
  return {
    metrics: {
      http_req_duration: { avg: p95 / 2, min: 1, med: p95 / 2.5, max: p99 * 1.5, 'p(90)': p95 * 0.9, 'p(95)': p95, 'p(99)': p99 },
      http_reqs: { count: rate * 60, rate },
      http_req_failed: { passes: 1, fails: 2999, value: failed },
    },
  };
}

function metricsOf(json: unknown): K6Metrics {
  const read = readK6Summary(json);
  if ('error' in read) throw new Error(read.error);
  return read.metrics;
}

interface Parsed {
  imports: string[];
  constants: Record<string, string>;
  options: { scenarios: Record<string, Record<string, unknown>>; thresholds: Record<string, ThresholdSpec[]>; summaryTrendStats: string[] };
  exported: string[];
}

/** The script read as source: its imports, string constants, the options object (plain literals) and its exports. */
function parseScript(script: string): Parsed {
  loadTypeScript();
  const source = ts.createSourceFile('script.js', script, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const parsed: Parsed = { imports: [], constants: {}, options: undefined as unknown as Parsed['options'], exported: [] };
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) parsed.imports.push(statement.moduleSpecifier.text);
    const exported = ts.canHaveModifiers(statement) && (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (ts.isFunctionDeclaration(statement) && exported) parsed.exported.push(statement.name?.text ?? 'default');
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (!ts.isIdentifier(declaration.name) || !declaration.initializer) continue;
      if (ts.isStringLiteral(declaration.initializer)) parsed.constants[declaration.name.text] = declaration.initializer.text;
      if (declaration.name.text === 'options') {
        expect(exported).toBe(true);
        expect(ts.isObjectLiteralExpression(declaration.initializer)).toBe(true);
        // Plain literals only (no code in the options): JSON reads them.
        parsed.options = JSON.parse(declaration.initializer.getText(source)) as Parsed['options'];
      }
    }
  }
  return parsed;
}

/** Runs the script's code against a stub of k6's modules: what setup() does and the URL an iteration requests. */
function runInStub(script: string, env: Record<string, string> = {}): { setup: () => unknown; iterate: () => Array<{ method: string; url: string; body: unknown }> } {
  const requests: Array<{ method: string; url: string; body: unknown }> = [];
  const http = { request: (method: string, url: string, body: unknown) => (requests.push({ method, url, body }), { status: 200 }) };
  const check = () => true;
  const body = script
    .replace(/^import .*$/gm, '')
    .replace(/^export default function/m, 'function __default')
    .replace(/^export /gm, '');
  const factory = new Function('__ENV', 'http', 'check', `${body}\nreturn { setup, __default };`) as (...args: unknown[]) => { setup: () => unknown; __default: () => void };
  const module = factory(env, http, check);
  return { setup: module.setup, iterate: () => (module.__default(), requests.splice(0)) };
}

function files(f: Finding, options: Omit<K6Options, 'targetUrl'> = {}) {
  const out = k6Files(f, { targetUrl: 'https://staging.example.com/api/', ...options });
  if ('skip' in out) throw new Error(out.skip);
  return out;
}

// js-yaml comes with cosmiconfig (a runtime dependency); it has no bundled types.
const yaml = createRequire(import.meta.url)('js-yaml') as { load: (text: string) => unknown };

const hasK6 = spawnSync('k6', ['version'], { encoding: 'utf8' }).status === 0;

describe('k6 scripts load the route that reaches the finding', () => {
  it('imports only k6 modules, runs one constant-arrival-rate scenario on the declared route, and fills its parameters', () => {
    const out = files(finding('sequential-await/consecutive', { awaits: 3 }), { routeParams: { id: '42' }, rate: 30, durationSeconds: 90, preAllocatedVUs: 12 });
    const parsed = parseScript(out.script);
    expect(parsed.imports).toEqual(['k6/http', 'k6']);
    expect(parsed.exported).toEqual(['setup', 'default']);
    expect(parsed.constants).toMatchObject({ METHOD: 'GET', PATH: '/orders/:id' });
    expect(parsed.options.scenarios).toEqual({ route: { executor: 'constant-arrival-rate', rate: 30, timeUnit: '1s', duration: '90s', preAllocatedVUs: 12, maxVUs: 24 } });
    expect(parsed.options.summaryTrendStats).toEqual(expect.arrayContaining(['p(95)', 'p(99)']));
    expect(out.script).toContain('// Route: GET /orders/:id, declared at src/routes/orders.ts:10 (express, handler h0);');
    const stub = runInStub(out.script);
    expect(stub.setup()).toBeUndefined();
    expect(stub.iterate()).toEqual([{ method: 'GET', url: 'https://staging.example.com/api/orders/42', body: null }]);
    // The environment overrides what was generated.
    expect(runInStub(out.script, { TARGET_URL: 'http://localhost:3000', PARAM_id: 'a b' }).iterate()[0]?.url).toBe('http://localhost:3000/orders/a%20b');
  });

  it('refuses to start while a path parameter is a placeholder', () => {
    const out = files(finding('sequential-await/consecutive', { awaits: 3 }, [{ method: 'GET', path: '/shops/{shop}/stock/:sku' }]), { routeParams: { shop: 's1' } });
    expect(pathParameters('/shops/{shop}/stock/:sku?')).toEqual(['shop', 'sku']);
    expect(out.script).toContain('-e PARAM_sku=<sku>');
    expect(() => runInStub(out.script).setup()).toThrow('fill the path parameters sku of /shops/{shop}/stock/:sku: -e PARAM_sku=<value>');
    expect(runInStub(out.script, { PARAM_sku: 'X-1' }).setup()).toBeUndefined();
  });

  it('prefers a declared read over a write, and uses --route only where no route is declared (and says so)', () => {
    const both = files(finding('sequential-await/consecutive', { awaits: 2 }, [{ method: 'POST', path: '/orders' }, { method: 'GET', path: '/orders/:id' }]), { route: parseRoute('GET /ignored') });
    expect(parseScript(both.script).constants.PATH).toBe('/orders/:id');
    expect(both.script).toContain('// Also reached from: POST /orders (src/routes/orders.ts:10).');
    const given = files(finding('sequential-await/consecutive', { awaits: 2 }, []), { route: parseRoute('post /checkout') });
    expect(parseScript(given.script).constants).toMatchObject({ METHOD: 'POST', PATH: '/checkout' });
    expect(given.script).toContain('It is NOT declared in the scanned code');
    expect(runInStub(given.script, { BODY: '{"a":1}' }).iterate()[0]).toMatchObject({ method: 'POST', body: '{"a":1}' });
    expect(k6Files(finding('sequential-await/consecutive', { awaits: 2 }, []), { targetUrl: 'https://x.test' })).toEqual({
      skip: "src/services/orders.ts:8: no route declared in the scanned code reaches this finding; give the route that runs it with --route 'METHOD /path'",
    });
    // A report read with --from may hold anything where the routes are.
    const garbled = { ...finding('sequential-await/consecutive', { awaits: 2 }, []), reach: { routes: [{ method: 'GET' }, 'x', null] } } as unknown as Finding;
    expect(k6Files(garbled, { targetUrl: 'https://x.test' })).toMatchObject({ skip: expect.stringContaining('no route declared') });
    expect(k6Files({ ...garbled, reach: { routes: 'GET /x' } } as unknown as Finding, { targetUrl: 'https://x.test' })).toMatchObject({ skip: expect.stringContaining('no route declared') });
    expect(() => parseRoute('/orders')).toThrow('expected METHOD /path');
    expect(parseRouteParams(['id=1,sku=A', 'x=y=z'])).toEqual({ id: '1', sku: 'A', x: 'y=z' });
    expect(() => parseRouteParams(['id='])).toThrow('expected name=value');
  });

  it('writes a k6-operator TestRun that takes the script from a ConfigMap', () => {
    const out = files(finding('undersized-pool/small-max', { max: 5, expectedConcurrency: 40, serviceTimeMs: 10 }), { routeParams: { id: '1' }, parallelism: 4 });
    expect(out.manifestName).toBe('undersized-pool-src-services-orders-ts-8.testrun.yaml');
    const name = /^ {2}name: (\S+)$/m.exec(out.manifest)?.[1] ?? '';
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    expect(out.manifest).toContain(['apiVersion: k6.io/v1alpha1', 'kind: TestRun', 'metadata:', `  name: ${name}`, 'spec:', '  parallelism: 4', '  script:', '    configMap:', `      name: ${name}`, '      file: "undersized-pool-src-services-orders-ts-8.js"'].join('\n'));
    expect(yaml.load(out.manifest)).toEqual({
      apiVersion: 'k6.io/v1alpha1',
      kind: 'TestRun',
      metadata: { name },
      spec: { parallelism: 4, script: { configMap: { name, file: 'undersized-pool-src-services-orders-ts-8.js' } }, runner: { env: [{ name: 'TARGET_URL', value: 'https://staging.example.com/api/' }] } },
    });
    expect(out.manifest).toContain(`kubectl create configmap ${name} --from-file=undersized-pool-src-services-orders-ts-8.js`);
    // The pool's load is 80% of what a pool of the expected concurrency serves: 0.8 * 40 / 10 ms.
    expect(parseScript(out.script).options.scenarios.route).toMatchObject({ rate: 3200 });
  });
});

describe('k6 thresholds come from the finding and the as-found numbers', () => {
  it('fail on the as-found summary and pass at the predicted improvement (sequential-await: 3 awaits, 3x)', () => {
    const before = summaryExport(600, 900);
    const out = files(finding('sequential-await/consecutive', { awaits: 3 }), { routeParams: { id: '1' }, baseline: { file: 'before.json', metrics: metricsOf(before) } });
    expect(out.decisive).toBe(true);
    const { thresholds, scenarios } = parseScript(out.script).options;
    expect(thresholds).toEqual({ http_req_duration: [`p(95)<${(600 / 3) * (1 + THRESHOLD_MARGIN)}`, `p(99)<${(900 / 3) * (1 + THRESHOLD_MARGIN)}`], http_req_failed: ['rate<0.05'] });
    // The load is the baseline's, so the numbers compare.
    expect(scenarios.route).toMatchObject({ rate: 50 });
    const failing = evaluateThresholds(thresholds, metricsOf(before));
    expect(failing.filter((t) => !t.ok).map((t) => t.expression)).toEqual(['p(95)<240', 'p(99)<360']);
    expect(evaluateThresholds(thresholds, metricsOf(summaryExport(200, 300))).every((t) => t.ok)).toBe(true);
    // Half the predicted improvement is not the fix the finding promised.
    expect(evaluateThresholds(thresholds, metricsOf(summaryExport(400, 600))).some((t) => !t.ok)).toBe(true);
    // A fast service that fails its requests does not pass either.
    expect(evaluateThresholds(thresholds, metricsOf(summaryExport(20, 30, 50, 0.4))).find((t) => t.metric === 'http_req_failed')?.ok).toBe(false);
  });

  it('read handleSummary JSON as well, and dilute the prediction by the share the user gives', () => {
    const handle = { metrics: { http_req_duration: { type: 'trend', contains: 'time', values: { avg: 150, 'p(95)': 500, 'p(99)': 800 } }, http_reqs: { type: 'counter', values: { count: 100, rate: 10 } }, http_req_failed: { type: 'rate', values: { rate: 0, passes: 0, fails: 100 } } } };
    const out = files(finding('undersized-pool/small-max', { max: 10, expectedConcurrency: 50 }), { routeParams: { id: '1' }, share: 0.5, baseline: { file: 'h.json', metrics: metricsOf(handle) } });
    // 5x on half the route: 1 / (0.5 + 0.5 / 5) = 1.67x.
    expect(out.script).toContain('so the route\'s latency falls 1.67x (Amdahl)');
    const { thresholds } = parseScript(out.script).options;
    expect(evaluateThresholds(thresholds, metricsOf(handle)).some((t) => !t.ok)).toBe(true);
    expect(evaluateThresholds(thresholds, { http_req_duration: { 'p(95)': 500 / 1.67, 'p(99)': 800 / 1.67 }, http_req_failed: { rate: 0 } }).every((t) => t.ok)).toBe(true);
  });

  it('predict a pool\'s change from the max the rule suggests: a suggested max under the concurrency still queues, so the ratio is suggested / max', () => {
    const baseline = { file: 'before.json', metrics: metricsOf(summaryExport(250, 300)) };
    // 50 in flight on 2 connections, fixed to 20: 25 rounds of queueing become 2.5, 10x (not 50 / 2 = 25x).
    const short = files(finding('undersized-pool/small-max', { max: 2, expectedConcurrency: 50, recommendedMax: 20 }), { routeParams: { id: '1' }, baseline });
    expect(short.script).toContain("Taken as the route's whole latency (10x)");
    expect(parseScript(short.script).options.thresholds.http_req_duration).toEqual(['p(95)<30', 'p(99)<36']);
    // A suggested max that covers the concurrency removes the queue: concurrency / max.
    const covering = files(finding('undersized-pool/small-max', { max: 2, expectedConcurrency: 10, recommendedMax: 20 }), { routeParams: { id: '1' }, baseline });
    expect(covering.script).toContain("Taken as the route's whole latency (5x)");
  });

  it('are informative only, and say so, without a baseline or without a prediction', () => {
    const noBaseline = files(finding('sequential-await/consecutive', { awaits: 3 }), { routeParams: { id: '1' } });
    expect(noBaseline.decisive).toBe(false);
    expect(parseScript(noBaseline.script).options.thresholds).toEqual({ http_req_failed: [{ threshold: 'rate<0.05', abortOnFail: false }] });
    expect(noBaseline.script).toContain('// THRESHOLDS NEED A BASELINE: this script does not yet test the finding.');
    expect(noBaseline.script).not.toContain('http_req_duration"');

    const baseline = { file: 'before.json', metrics: metricsOf(summaryExport(600, 900)) };
    const keepAlive = files(finding('missing-keep-alive/agent-without-keepalive', { keepAlive: false }), { routeParams: { id: '1' }, baseline });
    expect(keepAlive.decisive).toBe(false);
    expect(keepAlive.script).toContain('// THRESHOLDS NEED A PREDICTION:');
    const expected = files(finding('missing-keep-alive/agent-without-keepalive', { keepAlive: false }), { routeParams: { id: '1' }, baseline, expect: 1.5 });
    expect(expected.decisive).toBe(true);
    expect(parseScript(expected.script).options.thresholds.http_req_duration).toEqual(['p(95)<480', 'p(99)<720']);
    // A change inside the margin between runs cannot be told apart by a threshold.
    const small = files(finding('missing-keep-alive/agent-without-keepalive', {}), { routeParams: { id: '1' }, baseline, expect: 1.1 });
    expect(small.decisive).toBe(false);
    expect(small.script).toContain('within the 20% margin');
  });

  it('evaluates the threshold expressions k6 scripts use', () => {
    const stats = { avg: 10, 'p(95)': 20, 'p(99.9)': 30, rate: 0.02, count: 5 };
    expect(evaluateThreshold('p(95)<21', stats)).toBe(true);
    expect(evaluateThreshold('p(95) < 20', stats)).toBe(false);
    expect(evaluateThreshold('p(95)<=20', stats)).toBe(true);
    expect(evaluateThreshold('p(99.9)>29.5', stats)).toBe(true);
    expect(evaluateThreshold('avg>=10', stats)).toBe(true);
    expect(evaluateThreshold('rate<0.01', stats)).toBe(false);
    expect(evaluateThreshold('count==5', stats)).toBe(true);
    expect(() => evaluateThreshold('p(90)<1', stats)).toThrow('no p(90)');
    expect(() => evaluateThreshold('avg<1 && max<2', stats)).toThrow('unsupported');
    expect(readK6Summary({ findings: [] })).toEqual({ error: expect.stringContaining('expected a k6 summary') });
    expect(metricsOf(summaryExport(1, 2, 3, 0.25)).http_req_failed?.rate).toBe(0.25);
  });

  it.skipIf(!hasK6)('pass `k6 inspect` (k6 installed)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bottleneck-k6-inspect-'));
    try {
      const baseline = { file: 'before.json', metrics: metricsOf(summaryExport(600, 900)) };
      for (const [i, f] of [finding('sequential-await/consecutive', { awaits: 3 }), finding('undersized-pool/small-max', { max: 5 }), finding('missing-keep-alive/agent-without-keepalive', {})].entries()) {
        const file = path.join(dir, `s${i}.js`);
        writeFileSync(file, files(f, { routeParams: { id: '1' }, baseline }).script);
        const inspect = spawnSync('k6', ['inspect', file], { encoding: 'utf8' });
        expect(inspect.stderr).toBe('');
        expect(inspect.status).toBe(0);
        const options = JSON.parse(inspect.stdout) as { scenarios: Record<string, { executor: string }> };
        expect(options.scenarios.route?.executor).toBe('constant-arrival-rate');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import type { Finding, ScanResult } from '../../src/findings.js';
import type { ReportInput } from '../../src/reporters/types.js';

/**
 * A fixed, hand-made scan result for reporter snapshots: it does not change when rules change. It covers
 * every category, a pipe and backticks in text, a multi-line range, a suppressed finding, a warning, an
 * error, a baseline and one runtime verification.
 */
function finding(overrides: Partial<Finding> & Pick<Finding, 'ruleId' | 'severity' | 'file' | 'line' | 'category' | 'effort'>): Finding {
  return {
    confidence: 'high',
    column: 3,
    endLine: overrides.line,
    endColumn: 40,
    message: 'message',
    evidence: [],
    impact: '',
    fix: { description: 'fix', replacement: '' },
    fingerprint: `fp-${overrides.file}-${overrides.line}`,
    ...overrides,
  };
}

export const FINDINGS: Finding[] = [
  finding({
    ruleId: 'sequential-await',
    severity: 'critical',
    file: 'src/orders/service.ts',
    line: 12,
    endLine: 14,
    column: 5,
    endColumn: 44,
    category: 'Async/Concurrency',
    effort: 'small',
    message: 'Three independent awaits run one after another in `getOrder` (a request handler)',
    evidence: ['handler decorated with @Get: runs per request', 'the awaits share no variables'],
    impact: '3 calls of ~L ms each: ~3L -> ~L per request',
    fix: {
      description: 'Start the three calls together with Promise.all.',
      replacement: 'const [user, cart, prices] = await Promise.all([\n  users.get(id),\n  carts.get(id),\n  prices.list(),\n]);',
      edits: [
        {
          file: 'src/orders/service.ts',
          start: 240,
          end: 343,
          line: 12,
          column: 5,
          endLine: 14,
          endColumn: 44,
          text: 'const [user, cart, prices] = await Promise.all([users.get(id), carts.get(id), prices.list()]);',
        },
      ],
      mechanical: true,
    },
    snippet: 'const user = await users.get(id);\nconst cart = await carts.get(id);\nconst prices = await prices.list();',
    fingerprint: '1111111111111111',
  }),
  finding({
    ruleId: 'fake-compression/encoding-only',
    severity: 'high',
    file: 'src/cache.ts',
    line: 3,
    category: 'Caching',
    effort: 'trivial',
    message: 'compress() only base64-encodes: output is 1.33x | larger',
    evidence: ['named `compress`', 'body is `Buffer.from(v).toString("base64")`'],
    impact: 'Cache entries 33% larger instead of ~80% smaller for JSON',
    fix: { description: 'Gzip before encoding: `gzipSync(v).toString("base64")`.', replacement: "return gzipSync(v).toString('base64');" },
    snippet: "return Buffer.from(v).toString('base64');",
    fingerprint: '2222222222222222',
    verification: {
      status: 'demonstrated',
      mode: 'replica',
      metric: 'output size',
      unit: 'bytes',
      before: 87384,
      after: 9120,
      ratio: 9.58,
      load: '64 KB JSON payload, 200 calls, 5 rounds',
      notes: ['gzip level 6'],
      measurements: [
        { metric: 'output size', unit: 'bytes', before: 87384, after: 9120, ratio: 9.58, better: 'lower' },
        { metric: 'time per call', unit: 'ms', before: 0.04, after: 0.61, ratio: 0.07, better: 'lower' },
      ],
    },
  } as Finding & { verification: unknown }),
  finding({
    ruleId: 'undersized-pool',
    severity: 'high',
    file: 'src/db.ts',
    line: 8,
    category: 'Database',
    effort: 'medium',
    message: 'Pool max 5 for ~200 concurrent requests',
    evidence: ['`max: 5`', 'expectedConcurrency 200 (default)'],
    impact: "Little's law: 200 req/s x 20 ms = 4 busy connections on average, bursts queue",
    fix: { description: 'Size the pool from the load: max 20.', replacement: 'max: 20,' },
    snippet: 'max: 5,',
    fingerprint: '3333333333333333',
  }),
  finding({
    ruleId: 'missing-keep-alive',
    severity: 'medium',
    file: 'src/http.ts',
    line: 4,
    category: 'Network/API',
    effort: 'trivial',
    confidence: 'medium',
    message: 'new https.Agent() without keepAlive',
    evidence: ['`new https.Agent({ maxSockets: 50 })`'],
    impact: 'One TLS handshake per request',
    fix: { description: 'Enable keep-alive.', replacement: 'new https.Agent({ keepAlive: true, maxSockets: 50 })' },
    snippet: 'new https.Agent({ maxSockets: 50 })',
    fingerprint: '4444444444444444',
  }),
  finding({
    ruleId: 'uncleared-timer/race',
    severity: 'low',
    file: 'scripts/migrate.js',
    line: 20,
    category: 'Memory',
    effort: 'large',
    confidence: 'low',
    message: 'setTimeout in Promise.race is never cleared',
    evidence: ['script file: lowered'],
    impact: 'one timer per call kept until it fires',
    fix: { description: 'Clear the timer in finally.', replacement: 'finally { clearTimeout(timer); }' },
    snippet: 'Promise.race([work(), new Promise((_, r) => setTimeout(r, 30000))])',
    fingerprint: '5555555555555555',
  }),
];

export const RESULT: ScanResult = {
  findings: FINDINGS,
  errors: [{ file: 'src/broken.ts', message: 'Parse error at 1:18: Expression expected.', line: 1 }],
  skipped: [{ file: 'assets/blob.js', reason: 'binary file (contains NUL bytes)' }],
  summary: { files: 42, lines: 5120, durationMs: 812, bySeverity: { critical: 1, high: 2, medium: 1, low: 1, info: 0 } },
  suppressed: [
    {
      finding: finding({ ruleId: 'sequential-await', severity: 'high', file: 'src/jobs.ts', line: 30, category: 'Async/Concurrency', effort: 'small', message: 'Awaits in a loop', fingerprint: '6666666666666666' }),
      suppression: { kind: 'next-line', file: 'src/jobs.ts', line: 29, ruleIds: ['sequential-await'], reason: 'order matters: each step reads the previous one' },
    },
  ],
  warnings: [{ kind: 'unused-suppression', file: 'src/old.ts', line: 3, message: 'bottleneck-disable-next-line uncleared-timer suppresses nothing: remove it' }],
  baseline: { source: 'bottleneck-baseline.json', newCount: 5, present: [], fixed: [] },
};

export function sampleInput(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    result: RESULT,
    tool: { name: 'bottleneck', version: '9.9.9' },
    color: false,
    failOn: 'high',
    quiet: false,
    date: '2025-01-02T03:04:05.000Z',
    rules: [
      { id: 'sequential-await', category: 'Async/Concurrency', defaultSeverity: 'high', description: 'Independent awaits in a row', docs: '# sequential-await\n\nDocs.' },
      { id: 'fake-compression', category: 'Caching', defaultSeverity: 'high', description: 'Compression that only encodes' },
      { id: 'undersized-pool', category: 'Database', defaultSeverity: 'medium', description: 'Pools too small' },
      { id: 'missing-keep-alive', category: 'Network/API', defaultSeverity: 'medium', description: 'No keep-alive' },
      { id: 'uncleared-timer', category: 'Memory', defaultSeverity: 'medium', description: 'Timers never cleared' },
    ],
    repository: { url: 'https://github.com/acme/shop', ref: 'abc123', prefix: '' },
    ...overrides,
  };
}

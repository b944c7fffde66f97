import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scan } from '../../src/scanner/engine.js';
import { ALL_RULES } from '../../rules/index.js';

/**
 * Roles from CLI command handlers and metrics callbacks, and calls through interface- and abstract-class-typed
 * receivers resolved to the project's implementations. The fixtures carry the annotations; this pins the
 * grades, the roles and the evidence level, which annotations do not check.
 */
const root = path.resolve(import.meta.dirname, '../..');

async function findingsIn(paths: string[], options: Record<string, unknown> = {}) {
  const result = await scan({
    cwd: root,
    paths: paths.map((p) => `fixtures/sequential-await/${p}`),
    include: [],
    exclude: [],
    maxFileSize: 1024 * 1024,
    rules: ALL_RULES.filter((rule) => rule.meta.id === 'sequential-await').map((rule) => ({ rule, options })),
  });
  expect(result.errors).toEqual([]);
  return result.findings;
}

describe('entry roles of CLI commands and metrics callbacks', () => {
  it('grades CLI command handlers and what only they reach as run once, and a route a command registers per request', async () => {
    const silent = await findingsIn(['src/console']);
    expect(silent.map((f) => [f.file.split('/').pop(), f.line, f.severity])).toEqual([
      ['commands.ts', 33, 'high'],
      ['deploy-command.ts', 26, 'medium'],
    ]);
    expect(silent[0]?.evidence.join('\n')).toMatch(/registered as a route handler \(app\.get '\/reports\/:id'\)/);
    const all = await findingsIn(['src/console'], { includeOnce: true });
    const once = all.filter((f) => f.severity === 'low');
    expect(once.map((f) => [f.file.split('/').pop(), f.line])).toEqual([
      ['commands.ts', 12],
      ['commands.ts', 21],
      ['commands.ts', 47],
      ['deploy-command.ts', 7],
      ['deploy-command.ts', 14],
    ]);
    const evidence = once.map((f) => f.evidence.join('\n'));
    expect(evidence[0]).toMatch(/a CLI command's action \(command\(\.\.\.\)\.action\)/);
    expect(evidence[2]).toMatch(/a yargs command handler/);
    expect(evidence[4]).toMatch(/run\(\) of Deploy, a CLI command \(oclif/);
  });

  it('grades command objects, clipanion and commander instances, and command-line packages as run once', async () => {
    expect(await findingsIn(['release-tool', 'eval-harness', 'queue-cli'])).toHaveLength(1);
    const all = await findingsIn(['release-tool', 'eval-harness', 'queue-cli'], { includeOnce: true });
    const byLine = (file: string) => all.filter((f) => f.file.endsWith(file)).map((f) => [f.line, f.severity, f.evidence.join('\n')] as const);
    const promote = byLine('promote.ts');
    expect(promote.map(([line, severity]) => [line, severity])).toEqual([[10, 'low'], [20, 'low'], [30, 'low'], [40, 'low']]);
    expect(promote[0]?.[2]).toMatch(/a CLI command's action \(promote\.action\)/);
    expect(promote[1]?.[2]).toMatch(/execute\(\) of VerifyCommand, a CLI command \(oclif, clipanion/);
    expect(promote[2]?.[2]).toMatch(/the run\(\) of defineCommand\(\{ \.\.\. \}\), a CLI command/);
    expect(promote[3]?.[2]).toMatch(/release-tool is a command-line package \(bin in fixtures\/sequential-await\/release-tool\/package\.json/);
    expect(byLine('publish.ts')[0]?.[2]).toMatch(/handler of a yargs command module/);
    const harness = [...byLine('cases.ts'), ...byLine('run-evals.ts')];
    expect(harness.map(([, severity]) => severity)).toEqual(['low', 'low']);
    expect(harness[0]?.[2]).toMatch(/called from scoreSuites .*eval-harness is a command-line package \(script "eval": tsx src\/run-evals\.ts/);
    // A bin beside a queue library: a function no caller reaches may be a job, so its grade stays.
    expect(byLine('jobs.ts').map(([line, severity]) => [line, severity])).toEqual([[9, 'high']]);
  });

  it('grades metrics callbacks as background work', async () => {
    const findings = await findingsIn(['src/metrics']);
    expect(findings.map((f) => [f.line, f.severity])).toEqual([
      [15, 'low'],
      [23, 'medium'],
      [34, 'medium'],
      [43, 'high'],
    ]);
    const evidence = findings.map((f) => f.evidence.join('\n'));
    expect(evidence[0]).toMatch(/a metrics callback \(createObservableGauge\(\.\.\.\)\.addCallback\)/);
    expect(evidence[1]).toMatch(/a metrics callback \(lagGauge\.addCallback\)/);
    expect(evidence[2]).toMatch(/collect\(\) of a Gauge metric/);
    for (const text of evidence.slice(0, 3)) expect(text).toMatch(/runs in the background/);
  });
});

describe('calls through interfaces and abstract classes (loaders-api)', () => {
  it('follows every implementation: silent when none does I/O, proven when one does, assumed when there is none', async () => {
    const findings = await findingsIn(['loaders-api']);
    expect(findings.map((f) => [f.line, f.params?.evidence])).toEqual([
      [36, 'proven'],
      [44, 'proven'],
      [64, 'proven'],
      [72, 'assumed'],
    ]);
    expect(findings[0]?.evidence.join('\n')).toMatch(/TemplateSource\.fetchTemplate -> RemoteTemplates\.fetchTemplate -> axios\.get/);
    expect(findings[1]?.evidence.join('\n')).toMatch(/PgRecordStore\.fetchRecords/);
  });
});

describe('endpoints for administrators only', () => {
  it('grades a handler only administrators reach (roles, guards, middleware) one step below the traffic, and one that admits others per request', async () => {
    const found = await findingsIn(['admin-api']);
    expect(found.map((f) => [f.file.split('/').pop(), f.line, f.severity])).toEqual([
      ['router.ts', 19, 'medium'],
      ['router.ts', 27, 'high'],
      ['teams.controller.ts', 19, 'medium'],
      ['teams.controller.ts', 29, 'high'],
      ['teams.controller.ts', 39, 'high'],
      ['teams.controller.ts', 52, 'medium'],
    ]);
    const evidence = (file: string, line: number) => found.find((f) => f.file.endsWith(file) && f.line === line)?.evidence.join('\n') ?? '';
    expect(evidence('router.ts', 19)).toMatch(/behind `requireAdmin`, for administrators only/);
    expect(evidence('teams.controller.ts', 19)).toMatch(/for administrators only \(@Roles\(Role\.Admin\)\)/);
    expect(evidence('teams.controller.ts', 52)).toMatch(/for administrators only \(@UseGuards\(AdminGuard\)\)/);
    expect(evidence('teams.controller.ts', 29)).not.toMatch(/administrators/);
  });
});

describe('tRPC procedures and Next.js route handlers', () => {
  it('grades a query procedure and a GET route per request, a mutation and a POST one step below', async () => {
    const found = await findingsIn(['trpc-api']);
    expect(found.map((f) => [f.file.split('/').pop(), f.line, f.severity])).toEqual([
      ['route.ts', 9, 'high'],
      ['route.ts', 18, 'medium'],
      ['route.ts', 7, 'high'],
      ['projects.router.ts', 11, 'high'],
      ['projects.router.ts', 18, 'medium'],
    ]);
    const evidence = found.map((f) => f.evidence.join('\n'));
    expect(evidence[0]).toMatch(/exported GET of a Next\.js route file: runs per request/);
    expect(evidence[1]).toMatch(/exported POST of a Next\.js route file: a write endpoint/);
    // Loaders wrapped in React's cache() are followed to the queries they run.
    expect(evidence[2]).toMatch(/database read via .+ -> pool\.query \(pg\) \(fixtures\/sequential-await\/trpc-api\/src\/data\.ts:8\)/);
    expect(evidence[3]).toMatch(/a tRPC procedure \(publicProcedure\.\.\.query\(fn\)\)/);
    expect(evidence[4]).toMatch(/a tRPC mutation/);
  });
});

describe('a client exported by a workspace package', () => {
  it('proves the reads of prisma.<model>.<method> on a client imported from a package entry, directly and through wrappers', async () => {
    const found = await findingsIn(['prisma-workspace']);
    expect(found.map((f) => [f.file.split('/').pop(), f.line, f.severity, f.confidence])).toEqual([
      ['server.ts', 9, 'high', 'medium'],
      ['server.ts', 16, 'high', 'medium'],
    ]);
    expect(found[1]?.evidence.join('\n')).toMatch(/database read via prisma\.customer\.findUnique \(@prisma\/client\)/);
  });
});

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scan } from '../../src/scanner/engine.js';
import { ALL_RULES } from '../../rules/index.js';

/**
 * What the model links across files decides how sequential-await grades and what it proves: DI-injected
 * models, factories' clients, clients handed to callbacks, flag arguments. The fixture trees carry the
 * annotations; this pins the grades and the evidence, which annotations do not check.
 */
const root = path.resolve(import.meta.dirname, '../..');

async function findingsIn(project: string) {
  const result = await scan({
    cwd: root,
    paths: [`fixtures/sequential-await/${project}`],
    include: [],
    exclude: [],
    maxFileSize: 1024 * 1024,
    rules: ALL_RULES.filter((rule) => rule.meta.id === 'sequential-await').map((rule) => ({ rule, options: {} })),
  });
  expect(result.errors).toEqual([]);
  return result.findings;
}

describe('model links across files', () => {
  it('grades code under a flag by the callers that pass it (portfolio-api)', async () => {
    const findings = await findingsIn('portfolio-api');
    expect(findings.map((f) => [f.line, f.severity])).toEqual([
      [18, 'high'],
      [26, 'critical'],
      [38, 'high'],
    ]);
    expect(findings[0]?.evidence.join('\n')).toMatch(/reached only when `refreshQuotes` is true: called from PortfolioController\.nightly/);
    expect(findings[2]?.evidence.join('\n')).toMatch(/reached only when `options\.detailed` is true/);
  });

  it('proves I/O through factories, exported clients and callback parameters, and sees one connection (gateway-api)', async () => {
    const findings = await findingsIn('gateway-api');
    expect(findings.map((f) => f.line)).toEqual([12, 20, 29, 37, 53]);
    for (const finding of findings) expect(finding.params?.evidence).toBe('proven');
    const evidence = findings.map((f) => f.evidence.join('\n'));
    expect(evidence[1]).toMatch(/getPool\(\)\.query \(pg\)/);
    expect(evidence[3]).toMatch(/partnerClient\(\)\.get \(axios\)/);
    expect(evidence[4]).toMatch(/what withRetry passes\)\.query \(pg\)/);
  });

  it('sees ORM models injected as typeof Model, classes injected by property name or by class token (registry-api)', async () => {
    const findings = await findingsIn('registry-api');
    expect(findings.map((f) => [f.file.split('/').pop(), f.severity, f.params?.evidence])).toEqual([
      ['PackageController.ts', 'critical', 'proven'],
      ['PackageSyncService.ts', 'high', 'proven'],
    ]);
    expect(findings[0]?.evidence.join('\n')).toMatch(/PackageRepository\.findPackage -> Package\.findOne \(leoric\)/);
    expect(findings[1]?.evidence.join('\n')).toMatch(/this\.dataSource\.query \(typeorm\)/);
  });
});

describe('a dominant cost on the same path', () => {
  it('grades a few awaits one step lighter beside a loop of loops in the same handler', async () => {
    const result = await scan({
      cwd: root,
      paths: ['fixtures/sequential-await/src/services/dominant.ts'],
      include: [],
      exclude: [],
      maxFileSize: 1024 * 1024,
      rules: ALL_RULES.filter((rule) => rule.meta.id === 'sequential-await').map((rule) => ({ rule, options: {} })),
    });
    const consecutive = result.findings.filter((f) => f.ruleId === 'sequential-await/consecutive');
    // Three awaits beside a nested loop: high, not critical; the same two-await shape alone stays high.
    expect(consecutive.map((f) => [f.line, f.severity])).toEqual([
      [10, 'high'],
      [27, 'high'],
    ]);
    expect(consecutive[0]?.evidence.join('\n')).toMatch(/a larger sequential cost sits on the same path \(the for-of loop at line 14\)/);
    expect(consecutive[1]?.evidence.join('\n')).not.toMatch(/larger sequential cost/);
  });
});

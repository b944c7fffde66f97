import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scan } from '../../src/scanner/engine.js';
import { ALL_RULES } from '../../rules/index.js';

/**
 * Cross-file facts the other families use: defaults assigned on an imported client, numeric literals callers
 * pass, codec facts folded through helpers, env files beside the package. The fixture trees carry the
 * annotations; this pins the grades and the evidence, which annotations do not check.
 */
const root = path.resolve(import.meta.dirname, '../..');

async function findingsIn(dir: string, ruleId: string) {
  const result = await scan({
    cwd: root,
    paths: [`fixtures/${dir}`],
    include: [],
    exclude: [],
    maxFileSize: 1024 * 1024,
    rules: ALL_RULES.filter((rule) => rule.meta.id === ruleId).map((rule) => ({ rule, options: {} })),
  });
  expect(result.errors).toEqual([]);
  return result.findings;
}

describe('family facts linked across files', () => {
  it('missing-keep-alive: a client whose agents another file assigns is silent; an open engines range is stated and graded lower', async () => {
    const findings = await findingsIn('missing-keep-alive/node18-clients', 'missing-keep-alive');
    expect(findings.map((f) => `${path.basename(f.file)}:${f.line}:${f.severity}`)).toEqual([
      'billing-api.ts:9:medium',
      'products.ts:77:medium',
      'products.ts:83:medium',
      'shipping.ts:19:medium',
      'tracking-main.ts:6:medium',
    ]);
    // A helper declared below the route that calls it runs per request; a client exported by a file that runs
    // itself still serves the route handler importing it.
    expect(findings[3]?.evidence.join('\n')).toMatch(/inside quote\(\)[\s\S]*runs per request: high/);
    expect(findings[4]?.evidence.join('\n')).toMatch(/`trackingApi` is used by <anonymous>@12:\d+/);
    expect(findings[0]?.evidence.join('\n')).toMatch(/supports Node 18 \(engines\.node ">=18"\); assumes production may run it/);
    expect(await findingsIn('missing-keep-alive/docker-runtime', 'missing-keep-alive')).toEqual([]);
  });

  it('uncleared-timer: a helper whose delay is a parameter takes the callers\' literal; a pending-call table is a guard', async () => {
    const findings = await findingsIn('uncleared-timer/realtime-api', 'uncleared-timer');
    const helper = findings.find((f) => f.file.endsWith('deadline.ts'));
    expect(helper?.severity).toBe('high');
    expect(helper?.evidence.join('\n')).toMatch(/`ms` is 30 s at every call the project makes/);
    const table = findings.find((f) => f.ruleId === 'uncleared-timer/guard-timeout');
    expect(table?.evidence.join('\n')).toMatch(/`pending\.delete\(\.\.\.\)` \(line 53\) removes the entry/);
  });

  it('fake-compression: the chain compress -> encode -> toBase64 is named in the evidence', async () => {
    const findings = await findingsIn('fake-compression/multi-hop', 'fake-compression');
    expect(findings.map((f) => `${path.basename(f.file)}:${f.line}`)).toEqual(['cache.ts:10', 'state.ts:15']);
    expect(findings[0]?.evidence.join('\n')).toMatch(/followed through toBase64\(\) \(fixtures\/fake-compression\/multi-hop\/src\/lib\/base64\.ts:2\)/);
  });

  it('undersized-pool: connection_limit from .env.example is low with its assumption; Sequelize max 100 against an assumed limit is silent', async () => {
    const findings = await findingsIn('undersized-pool/env-api', 'undersized-pool');
    const prisma = findings.find((f) => f.file.endsWith('prisma.ts'));
    expect(prisma).toMatchObject({ severity: 'low', confidence: 'low' });
    expect(prisma?.evidence.join('\n')).toMatch(/connection_limit=3 in DATABASE_URL in \.env\.example/);
    expect(findings.some((f) => f.file.endsWith('sequelize.ts'))).toBe(false);
    const worker = findings.find((f) => f.ruleId === 'undersized-pool/below-fan-out');
    expect(worker).toMatchObject({ severity: 'medium', line: 9 });
  });
});

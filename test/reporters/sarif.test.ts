import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { sarifReporter } from '../../src/reporters/sarif.js';
import { scan } from '../../src/scanner/engine.js';
import { ALL_RULES } from '../../rules/index.js';
import { sampleInput } from './sample-result.js';

// The official OASIS SARIF 2.1.0 schema (errata01), shipped as test data: see test/data/README.md.
const schema = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../data/sarif-schema-2.1.0.json'), 'utf8')) as object;

function validator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

describe('SARIF reporter', () => {
  it('validates against the SARIF 2.1.0 schema', () => {
    const validate = validator();
    const log: unknown = JSON.parse(sarifReporter(sampleInput()));
    const valid = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('validates for the real findings on the bundled fixtures', async () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const result = await scan({ cwd: root, paths: ['fixtures'], include: [], exclude: [], maxFileSize: 1024 * 1024, rules: ALL_RULES.map((rule) => ({ rule, options: {} })) });
    expect(result.findings.length).toBeGreaterThan(0);
    const validate = validator();
    const log = JSON.parse(sarifReporter(sampleInput({ result, rules: [] }))) as { runs: Array<{ results: unknown[] }> };
    const valid = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(log.runs[0]?.results.length).toBe(result.findings.length + (result.suppressed?.length ?? 0));
  });

  it('rejects an invalid log (the validator is really checking)', () => {
    const validate = validator();
    const log = JSON.parse(sarifReporter(sampleInput())) as { runs: Array<{ results: Array<Record<string, unknown>> }> };
    const first = log.runs[0]?.results[0];
    if (first) first.level = 'fatal';
    expect(validate(log)).toBe(false);
  });

  it('maps severities, fingerprints, fixes, suppressions and rule help', () => {
    const log = JSON.parse(sarifReporter(sampleInput()));
    const run = log.runs[0];
    const byRule = (id: string) => run.results.find((r: { ruleId: string; suppressions?: unknown }) => r.ruleId === id && !r.suppressions);
    expect(byRule('sequential-await').level).toBe('error');
    expect(byRule('missing-keep-alive').level).toBe('warning');
    expect(byRule('uncleared-timer/race').level).toBe('note');
    expect(byRule('sequential-await').partialFingerprints).toEqual({ 'bottleneckFingerprint/v1': '1111111111111111' });
    expect(byRule('sequential-await').locations[0].physicalLocation).toMatchObject({
      artifactLocation: { uri: 'src/orders/service.ts', uriBaseId: '%SRCROOT%' },
      region: { startLine: 12, startColumn: 5, endLine: 14, endColumn: 44 },
    });
    expect(byRule('sequential-await').fixes[0].artifactChanges[0].replacements[0].insertedContent.text).toContain('Promise.all');
    // The exact edits, by line/column and by offset; a fix without edits is not published as a SARIF fix.
    expect(byRule('sequential-await').fixes[0].artifactChanges[0].replacements[0].deletedRegion).toEqual({ startLine: 12, startColumn: 5, endLine: 14, endColumn: 44, charOffset: 240, charLength: 103 });
    expect(byRule('sequential-await').fixes[0].properties).toEqual({ mechanical: true });
    expect(byRule('missing-keep-alive').fixes).toBeUndefined();
    expect(byRule('sequential-await').baselineState).toBe('new');
    const suppressed = run.results.filter((r: { suppressions?: unknown }) => r.suppressions);
    expect(suppressed).toHaveLength(1);
    expect(suppressed[0].suppressions[0]).toEqual({ kind: 'inSource', status: 'accepted', justification: 'order matters: each step reads the previous one' });
    const rules = run.tool.driver.rules;
    for (const result of run.results) expect(rules[result.ruleIndex].id).toBe(result.ruleId);
    expect(rules.find((r: { id: string }) => r.id === 'sequential-await').help.markdown).toContain('# sequential-await');
    expect(run.invocations[0].toolExecutionNotifications.length).toBe(2);
  });
});

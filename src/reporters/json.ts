import type { Finding } from '../findings.js';
import type { Reporter } from './types.js';

function findingJson(f: Finding) {
  return {
    ruleId: f.ruleId,
    severity: f.severity,
    confidence: f.confidence,
    file: f.file,
    line: f.line,
    column: f.column,
    endLine: f.endLine,
    endColumn: f.endColumn,
    message: f.message,
    evidence: f.evidence,
    impact: f.impact,
    fix: {
      description: f.fix.description,
      replacement: f.fix.replacement,
      ...(f.fix.edits ? { edits: f.fix.edits } : {}),
      ...(f.fix.mechanical ? { mechanical: true } : {}),
    },
    effort: f.effort,
    category: f.category,
    fingerprint: f.fingerprint,
    ...(f.params ? { params: f.params } : {}),
    ...(f.snippet !== undefined ? { snippet: f.snippet } : {}),
    ...(f.reach ? { reach: { routes: f.reach.routes.map((r) => ({ method: r.method, path: r.path, file: r.file, line: r.line, framework: r.framework, handler: r.handler })) } } : {}),
    ...('verification' in f && f.verification !== undefined ? { verification: f.verification } : {}),
  };
}

/** The JSON contract other tools read: field names and order are stable; new keys are only added. */
export const jsonReporter: Reporter = ({ result, tool }) => {
  const suppressed = result.suppressed ?? [];
  const output = {
    tool: { name: tool.name, version: tool.version },
    findings: result.findings.map(findingJson),
    // Kept beside the findings, as ESLint keeps suppressedMessages: silenced, never dropped.
    suppressed: suppressed.map(({ finding, suppression }) => ({
      ...findingJson(finding),
      suppression: { kind: suppression.kind, line: suppression.line, ...(suppression.reason ? { reason: suppression.reason } : {}) },
    })),
    warnings: (result.warnings ?? []).map((w) => ({ kind: w.kind, file: w.file, ...(w.line ? { line: w.line } : {}), message: w.message })),
    ...(result.baseline
      ? {
          baseline: {
            file: result.baseline.source,
            new: result.baseline.newCount,
            present: result.baseline.present.length,
            fixed: result.baseline.fixed.length,
            fixedFindings: result.baseline.fixed,
          },
        }
      : {}),
    ...(result.shard ? { shard: { index: result.shard.index, count: result.shard.count } } : {}),
    errors: result.errors.map((e) => ({ file: e.file, message: e.message, ...(e.ruleId ? { ruleId: e.ruleId } : {}), ...(e.line ? { line: e.line } : {}), ...(e.kind ? { kind: e.kind } : {}) })),
    skipped: result.skipped,
    summary: {
      files: result.summary.files,
      lines: result.summary.lines,
      durationMs: result.summary.durationMs,
      bySeverity: result.summary.bySeverity,
      suppressed: suppressed.length,
    },
  };
  return `${JSON.stringify(output, null, 2)}\n`;
};

import type { Reporter } from './types.js';

/** The JSON contract other tools read: field names and order are stable. */
export const jsonReporter: Reporter = ({ result, tool }) => {
  const output = {
    tool: { name: tool.name, version: tool.version },
    findings: result.findings.map((f) => ({
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
      fix: { description: f.fix.description, replacement: f.fix.replacement },
      effort: f.effort,
      category: f.category,
      fingerprint: f.fingerprint,
      ...(f.params ? { params: f.params } : {}),
      ...(f.snippet !== undefined ? { snippet: f.snippet } : {}),
    })),
    errors: result.errors.map((e) => ({ file: e.file, message: e.message, ...(e.ruleId ? { ruleId: e.ruleId } : {}), ...(e.line ? { line: e.line } : {}) })),
    skipped: result.skipped,
    summary: {
      files: result.summary.files,
      lines: result.summary.lines,
      durationMs: result.summary.durationMs,
      bySeverity: result.summary.bySeverity,
    },
  };
  return `${JSON.stringify(output, null, 2)}\n`;
};

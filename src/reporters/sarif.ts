import type { Finding, Severity } from '../findings.js';
import type { Reporter, RuleInfo } from './types.js';

/**
 * SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`) and other SARIF viewers.
 * Paths are relative to the working directory under `%SRCROOT%`: run the scan from the repository root
 * so GitHub can place results on files. `partialFingerprints` carries our line-independent fingerprint,
 * so GitHub tracks an alert across edits that move it.
 */

const SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

type Level = 'error' | 'warning' | 'note';

/** critical/high fail a build, medium is worth a look, low/info are notes. */
export const SARIF_LEVELS: Record<Severity, Level> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };

/** GitHub's `problem.severity` for non-security results. */
const PROBLEM_SEVERITY: Record<Level, string> = { error: 'error', warning: 'warning', note: 'recommendation' };

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown?: string };
  defaultConfiguration: { level: Level };
  properties: { tags: string[]; category: string; precision: string; 'problem.severity': string };
}

function familyOf(ruleId: string): string {
  return ruleId.split('/')[0] ?? ruleId;
}

function pascal(id: string): string {
  return id
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
}

function ruleDescriptor(id: string, info: RuleInfo | undefined, sample: Finding | undefined): SarifRule {
  const description = info?.description ?? sample?.message ?? id;
  const level = SARIF_LEVELS[info?.defaultSeverity ?? sample?.severity ?? 'medium'];
  const variant = id.includes('/') ? ` (variant ${id.slice(id.indexOf('/') + 1)})` : '';
  return {
    id,
    name: pascal(id),
    shortDescription: { text: `${description}${variant}` },
    fullDescription: { text: `${description}${variant}. Run \`bottleneck rules ${familyOf(id)}\` for the full documentation.` },
    help: {
      text: `${description}. See \`bottleneck rules ${familyOf(id)}\`.`,
      ...(info?.docs ? { markdown: info.docs } : {}),
    },
    defaultConfiguration: { level },
    properties: {
      tags: ['performance', info?.category ?? sample?.category ?? 'performance'],
      category: info?.category ?? sample?.category ?? '',
      precision: 'high',
      'problem.severity': PROBLEM_SEVERITY[level],
    },
  };
}

function region(f: Finding) {
  return {
    startLine: f.line,
    startColumn: f.column,
    endLine: f.endLine,
    endColumn: f.endColumn,
    ...(f.snippet ? { snippet: { text: f.snippet } } : {}),
  };
}

function messageText(f: Finding): string {
  const parts = [f.message];
  if (f.impact) parts.push(`Impact: ${f.impact}`);
  if (f.fix.description) parts.push(`Fix: ${f.fix.description}`);
  return parts.join('\n\n');
}

/**
 * The fix's exact edits, one artifactChange per file: applied as given they give a file that parses. Both
 * line/column and character offsets are stated (the same range), so a consumer may use either. A fix that
 * has no edits is not published as a SARIF fix; its description stays in the message.
 */
function sarifFix(f: Finding) {
  const edits = f.fix.edits ?? [];
  const files = [...new Set(edits.map((edit) => edit.file))];
  return {
    description: { text: f.fix.description || 'Suggested fix' },
    artifactChanges: files.map((file) => ({
      artifactLocation: { uri: encodeURI(file), uriBaseId: '%SRCROOT%' },
      replacements: edits
        .filter((edit) => edit.file === file)
        .map((edit) => ({
          deletedRegion: { startLine: edit.line, startColumn: edit.column, endLine: edit.endLine, endColumn: edit.endColumn, charOffset: edit.start, charLength: edit.end - edit.start },
          insertedContent: { text: edit.text },
        })),
    })),
    ...(f.fix.mechanical ? { properties: { mechanical: true } } : {}),
  };
}

export const sarifReporter: Reporter = ({ result, tool, rules = [] }) => {
  const suppressed = result.suppressed ?? [];
  const all = [...result.findings.map((finding) => ({ finding, suppression: undefined })), ...suppressed];
  const known = new Map(rules.map((rule) => [rule.id, rule]));
  const ids = [...new Set([...rules.map((rule) => rule.id), ...all.map(({ finding }) => finding.ruleId)])];
  const descriptors = ids.map((id) => ruleDescriptor(id, known.get(id) ?? known.get(familyOf(id)), all.find(({ finding }) => finding.ruleId === id)?.finding));
  const indexOf = new Map(ids.map((id, index) => [id, index]));

  const results = all.map(({ finding: f, suppression }) => {
    const level = SARIF_LEVELS[f.severity];
    return {
      ruleId: f.ruleId,
      ruleIndex: indexOf.get(f.ruleId) ?? 0,
      level,
      message: { text: messageText(f) },
      locations: [{ physicalLocation: { artifactLocation: { uri: encodeURI(f.file), uriBaseId: '%SRCROOT%' }, region: region(f) } }],
      partialFingerprints: { 'bottleneckFingerprint/v1': f.fingerprint },
      ...(result.baseline && !suppression ? { baselineState: 'new' } : {}),
      ...(suppression
        ? { suppressions: [{ kind: 'inSource', status: 'accepted', ...(suppression.reason ? { justification: suppression.reason } : {}) }] }
        : {}),
      ...(f.fix.edits && f.fix.edits.length > 0 ? { fixes: [sarifFix(f)] } : {}),
      properties: {
        severity: f.severity,
        confidence: f.confidence,
        category: f.category,
        effort: f.effort,
        evidence: f.evidence,
        impact: f.impact,
        ...(f.params ? { params: f.params } : {}),
        ...('verification' in f && f.verification !== undefined ? { verification: f.verification } : {}),
      },
    };
  });

  const notifications = [
    ...result.errors.map((e) => ({
      level: 'error' as const,
      message: { text: e.message },
      locations: [{ physicalLocation: { artifactLocation: { uri: encodeURI(e.file), uriBaseId: '%SRCROOT%' }, ...(e.line ? { region: { startLine: e.line } } : {}) } }],
      ...(e.ruleId ? { associatedRule: { id: e.ruleId } } : {}),
    })),
    ...(result.warnings ?? []).map((w) => ({
      level: 'warning' as const,
      message: { text: w.message },
      locations: [{ physicalLocation: { artifactLocation: { uri: encodeURI(w.file), uriBaseId: '%SRCROOT%' }, ...(w.line ? { region: { startLine: w.line } } : {}) } }],
    })),
  ];

  const log = {
    $schema: SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: tool.name,
            semanticVersion: tool.version,
            version: tool.version,
            rules: descriptors,
          },
        },
        invocations: [{ executionSuccessful: true, toolExecutionNotifications: notifications }],
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
};

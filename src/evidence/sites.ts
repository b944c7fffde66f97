/**
 * The sites the preload watches: the findings of one scan report (`bottleneck scan --format json`), each
 * reduced to what the load-time transform and the recorder need. Read once per process (and once more
 * in the ESM hooks thread, from the same data), so both sides number the sites the same way.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EVIDENCE_FAMILIES, type EvidenceFamily } from './format-constants.js';

export interface WatchedSite {
  /** Index in `sites`: the number the transformed code passes to the recorder. */
  index: number;
  fingerprint: string;
  ruleId: string;
  family: EvidenceFamily;
  /** As the report names it: relative to the scan root, `/` separators. */
  file: string;
  /** Absolute path of the scanned file. */
  absFile: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** The finding's function name, for fake-compression (params.functionName). */
  functionName?: string;
  /** The names of the calls the finding awaits (sequential-await params.calls / params.call), to check the line still holds them. */
  calls?: string[];
}

export interface SitePlan {
  root: string;
  sites: WatchedSite[];
  /** Findings the preload cannot watch (another rule family, a malformed entry), in words. */
  warnings: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function callNames(params: Record<string, unknown>): string[] | undefined {
  if (Array.isArray(params.calls)) {
    const names = params.calls.filter((name): name is string => typeof name === 'string' && name !== '');
    return names.length > 0 ? names : undefined;
  }
  return typeof params.call === 'string' && params.call !== '' ? [params.call] : undefined;
}

function familyOf(ruleId: string): EvidenceFamily | undefined {
  const family = ruleId.split('/')[0];
  return EVIDENCE_FAMILIES.find((known) => known === family);
}

/**
 * Reads the report at `reportPath` (absolute, or relative to `cwd`). The scan root is the report's `root`
 * when it carries one, else `cwd` (the scan writes paths relative to the directory it ran in).
 */
export function readSitePlan(reportPath: string, cwd: string): SitePlan {
  const absolute = path.resolve(cwd, reportPath);
  const report: unknown = JSON.parse(readFileSync(absolute, 'utf8'));
  if (!isRecord(report) || !Array.isArray(report.findings)) {
    throw new Error(`${reportPath} is not a bottleneck JSON report (no "findings" array); write one with bottleneck scan --format json -o findings.json`);
  }
  const root = typeof report.root === 'string' ? path.resolve(cwd, report.root) : cwd;
  const sites: WatchedSite[] = [];
  const warnings: string[] = [];
  for (const entry of report.findings) {
    if (!isRecord(entry)) continue;
    const { ruleId, file, line, fingerprint } = entry;
    if (typeof ruleId !== 'string' || typeof file !== 'string' || typeof line !== 'number' || typeof fingerprint !== 'string' || fingerprint === '') {
      warnings.push(`a finding in ${reportPath} lacks ruleId, file, line or fingerprint; skipped`);
      continue;
    }
    const family = familyOf(ruleId);
    if (!family) {
      warnings.push(`${file}:${line} ${ruleId}: no runtime evidence for this rule family`);
      continue;
    }
    const column = typeof entry.column === 'number' ? entry.column : 1;
    const params = isRecord(entry.params) ? entry.params : {};
    sites.push({
      index: sites.length,
      fingerprint,
      ruleId,
      family,
      file,
      absFile: path.resolve(root, file),
      line,
      column,
      endLine: typeof entry.endLine === 'number' ? entry.endLine : line,
      endColumn: typeof entry.endColumn === 'number' ? entry.endColumn : column,
      ...(typeof params.functionName === 'string' ? { functionName: params.functionName } : {}),
      ...(callNames(params) ? { calls: callNames(params) } : {}),
    });
  }
  return { root, sites, warnings };
}

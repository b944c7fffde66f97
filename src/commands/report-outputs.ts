import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { formatBaseline, readBaseline } from '../baseline.js';
import { ConfigError, UsageError } from '../errors.js';
import type { BaselineEntry, ScanResult } from '../findings.js';
import { changedFilesSince, repositoryPosition } from '../git.js';
import { createProgress, type Progress } from '../progress.js';
import { MACHINE_FORMATS, REPORTERS, type ReportInput, type RepositoryLink, type RuleInfo } from '../reporters/index.js';
import type { RegisteredRule } from '../rule.js';
import { loadHandlebars } from '../reporters/handlebars.js';
import { packageRoot } from '../version.js';
import { reportWidth, writeOutputFile, type Io } from './io.js';
import { checkFormatMatchesFile, exampleFile, inferFormat } from './output-format.js';

/**
 * The CI side of `scan`: which formats go where, the markdown template, report links, baselines and
 * `--changed-since`. Kept out of `scan.ts` so the command itself still reads top to bottom.
 */

export interface OutputTarget {
  format: string;
  /** Relative to the working directory; undefined means stdout. */
  file?: string;
}

function knownFormat(name: string): boolean {
  return Object.hasOwn(REPORTERS, name);
}

function unknownFormat(name: string): UsageError {
  return new UsageError(`Unknown format "${name}". Available: ${Object.keys(REPORTERS).join(', ')}`);
}

/**
 * `--format` is repeatable and `--output` takes `<format>=<file>` or a plain file:
 *
 *   --output bottleneck.sarif                      SARIF to the file: the extension names the format
 *   --format json --output x.json                  json to x.json (the one format, one plain file)
 *   --output sarif=bottleneck.sarif                terminal to stdout and SARIF to a file
 *   --format github --output sarif=a.sarif --output markdown=report.md
 *
 * A format named only in `--output fmt=file` is added; at most one format may print to stdout. A file
 * whose extension stands for another format than the one it would receive is refused (exit 2).
 */
export function planOutputs(formats: string[], outputs: string[]): OutputTarget[] {
  for (const format of formats) if (!knownFormat(format)) throw unknownFormat(format);
  const named: OutputTarget[] = [];
  const plain: string[] = [];
  for (const output of outputs) {
    const match = /^([a-z]+)=(.+)$/.exec(output);
    if (match?.[1] && match[2]) {
      if (!knownFormat(match[1])) throw unknownFormat(match[1]);
      named.push({ format: match[1], file: match[2] });
    } else {
      plain.push(output);
    }
  }
  if (plain.length > 1) throw new UsageError(`Only one --output may be a plain file; name the format of the others, e.g. --output sarif=${plain[1]}`);
  const plainFile = plain[0];
  const inferred = plainFile !== undefined ? inferFormat(plainFile) : undefined;
  // `-o x.sarif` alone means SARIF; with formats listed, the extension picks among them when it can.
  const listed = [...new Set(formats.length > 0 ? formats : [inferred ?? 'terminal'])];
  const unnamed = listed.filter((format) => !named.some((target) => target.format === format));
  const targets: OutputTarget[] = [];
  if (plainFile !== undefined) {
    const fileFormat = inferred !== undefined && unnamed.includes(inferred) ? inferred : unnamed.length === 1 ? unnamed[0] : undefined;
    if (fileFormat === undefined) {
      throw new UsageError(`--output ${plainFile} is ambiguous with ${unnamed.length === 0 ? 'no format left for it' : `formats ${unnamed.join(', ')}`}: use --output <format>=<file>`);
    }
    targets.push({ format: fileFormat, file: plainFile });
    const toStdout = unnamed.filter((format) => format !== fileFormat);
    if (toStdout.length > 1) throw new UsageError(`Only one format can print to stdout (${toStdout.join(', ')}); send the others to files, e.g. --output ${toStdout[1]}=${exampleFile(toStdout[1] ?? '')}`);
    targets.unshift(...toStdout.map((format) => ({ format })));
  } else {
    if (unnamed.length > 1) {
      throw new UsageError(`Only one format can print to stdout (${unnamed.join(', ')}); send the others to files, e.g. --output ${unnamed[1]}=${exampleFile(unnamed[1] ?? '')}`);
    }
    targets.push(...unnamed.map((format) => ({ format })));
  }
  targets.push(...named);
  for (const target of targets) if (target.file !== undefined) checkFormatMatchesFile(target.format, target.file);
  return targets;
}

/**
 * The markdown template: `--template` (relative to cwd), else the bundled summary for `--summary`, else
 * config `template` (relative to the config file), else the bundled audit report.
 */
export function loadTemplate(cwd: string, flag: string | undefined, configured: string | undefined, configFile: string | undefined, summary = false): string {
  if (flag !== undefined) {
    const file = path.resolve(cwd, flag);
    if (!existsSync(file)) throw new UsageError(`Template not found: ${flag}`);
    return checkedTemplate(readFileSync(file, 'utf8'), flag);
  }
  if (summary) return readFileSync(path.join(packageRoot(), 'templates', 'summary.md.hbs'), 'utf8');
  if (configured !== undefined) {
    const file = path.resolve(configFile ? path.dirname(configFile) : cwd, configured);
    if (!existsSync(file)) throw new ConfigError(`template: file not found: ${configured}`);
    return checkedTemplate(readFileSync(file, 'utf8'), configured);
  }
  return readFileSync(path.join(packageRoot(), 'templates', 'report.md.hbs'), 'utf8');
}

/** Parses a user template before the scan, so a syntax error is a usage error naming the file, not a crash after the work. */
function checkedTemplate(source: string, shown: string): string {
  try {
    // Loaded here, not imported: only a user template needs it before the scan.
    loadHandlebars().parse(source);
  } catch (error) {
    throw new UsageError(`Template ${shown} does not parse: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  return source;
}

/** `git+https://github.com/a/b.git`, `github:a/b`, `a/b` -> `https://github.com/a/b`. */
export function normaliseRepositoryUrl(raw: string): string | undefined {
  const value = raw.trim();
  const shorthand = /^(?:github:)?([\w.-]+)\/([\w.-]+)$/.exec(value);
  if (shorthand) return `https://github.com/${shorthand[1]}/${shorthand[2]?.replace(/\.git$/, '')}`;
  const ssh = /^git@([^:]+):(.+?)(?:\.git)?$/.exec(value);
  if (ssh) return `https://${ssh[1]}/${ssh[2]}`;
  const url = /^(?:git\+)?(https?):\/\/(?:[^@/]+@)?(.+?)(?:\.git)?\/?$/.exec(value);
  return url ? `${url[1]}://${url[2]}` : undefined;
}

/**
 * Where report links point: `--repo-url`, else the GitHub Actions repository, else `repository` in the
 * scanned project's package.json. The ref is the checked-out commit when known (links stay valid after
 * the branch moves), else `HEAD`.
 */
export function repositoryLink(io: Io, flag: string | undefined): RepositoryLink | undefined {
  let url: string | undefined;
  if (flag) url = normaliseRepositoryUrl(flag) ?? flag.replace(/\/+$/, '');
  else if (io.env.GITHUB_SERVER_URL && io.env.GITHUB_REPOSITORY) url = `${io.env.GITHUB_SERVER_URL}/${io.env.GITHUB_REPOSITORY}`;
  else {
    try {
      const pkg = JSON.parse(readFileSync(path.join(io.cwd, 'package.json'), 'utf8')) as { repository?: unknown };
      const repo = pkg.repository;
      const raw = typeof repo === 'string' ? repo : typeof repo === 'object' && repo !== null && 'url' in repo && typeof repo.url === 'string' ? repo.url : undefined;
      if (raw) url = normaliseRepositoryUrl(raw);
    } catch {
      // no package.json, or not JSON: no links
    }
  }
  if (!url) return undefined;
  const position = repositoryPosition(io.cwd);
  return { url, ref: io.env.GITHUB_SHA || position?.commit || 'HEAD', prefix: position?.prefix ?? '' };
}

export function ruleInfos(rules: RegisteredRule[], withDocs: boolean): RuleInfo[] {
  return rules.map(({ meta }) => {
    let docs: string | undefined;
    if (withDocs) {
      try {
        docs = readFileSync(path.join(packageRoot(), 'rules', `${meta.id}.md`), 'utf8');
      } catch {
        docs = undefined;
      }
    }
    return { id: meta.id, category: meta.category, defaultSeverity: meta.defaultSeverity, description: meta.description, ...(docs ? { docs } : {}) };
  });
}

/** The time a report states: `SOURCE_DATE_EPOCH` (reproducible builds) when set, else now. */
export function reportDate(io: Io): string {
  const epoch = Number(io.env.SOURCE_DATE_EPOCH);
  return (io.env.SOURCE_DATE_EPOCH && Number.isFinite(epoch) ? new Date(epoch * 1000) : new Date()).toISOString();
}

/** Renders every planned output; files are written, at most one goes to stdout. */
export function writeOutputs(targets: OutputTarget[], input: Omit<ReportInput, 'color' | 'width'>, io: Io, colorWanted: boolean, widthFlag?: string): void {
  for (const target of targets) {
    const reporter = REPORTERS[target.format];
    if (!reporter) throw unknownFormat(target.format);
    const color = colorWanted && !target.file && !MACHINE_FORMATS.has(target.format);
    const text = reporter({ ...input, color, width: reportWidth(widthFlag, io, !target.file) });
    if (target.file) {
      writeOutputFile(path.resolve(io.cwd, target.file), target.file, text);
      if (!input.quiet) io.stderr(`Report written to ${target.file}\n`);
    } else {
      io.stdout(text);
    }
  }
}

export async function loadBaseline(cwd: string, file: string | undefined): Promise<{ source: string; entries: BaselineEntry[] } | undefined> {
  return file === undefined ? undefined : { source: file, entries: await readBaseline(path.resolve(cwd, file), file) };
}

/** Records every finding still in the code (new and already baselined; not the suppressed ones). */
export function writeBaselineFile(cwd: string, file: string, result: ScanResult): number {
  const findings = [...result.findings, ...(result.baseline?.present ?? [])];
  writeOutputFile(path.resolve(cwd, file), file, formatBaseline(findings));
  return findings.length;
}

export function changedFiles(cwd: string, ref: string | undefined): ReadonlySet<string> | undefined {
  return ref === undefined ? undefined : changedFilesSince(cwd, ref);
}

/** A progress line on stderr, only on a terminal and never with --quiet. */
export function progressFor(io: Io, enabled: boolean): Progress {
  return createProgress({ write: io.stderr, isTTY: enabled && Boolean(io.stderrIsTTY) && !('CI' in io.env) });
}

import { UsageError } from '../errors.js';

/**
 * Which report formats a file name stands for, so `-o bottleneck.sarif` writes SARIF and
 * `--format json -o x.sarif` is refused instead of leaving a file the code-scanning upload rejects.
 * The first format of an entry is the one inferred; the others are accepted in such a file
 * (SARIF is JSON, and annotations or the compact list are plain text). Longest suffix first.
 */
const FORMATS_BY_SUFFIX: ReadonlyArray<readonly [suffix: string, formats: readonly string[]]> = [
  ['.sarif.json', ['sarif']],
  ['.sarif', ['sarif']],
  ['.json', ['json', 'sarif']],
  ['.md', ['markdown']],
  ['.markdown', ['markdown']],
  ['.xml', ['junit']],
  ['.txt', ['terminal', 'compact', 'github']],
  ['.log', ['terminal', 'compact', 'github']],
];

/** The formats a file's name allows, or undefined when its extension says nothing (`report`, `x.out`). */
export function formatsForFile(file: string): readonly string[] | undefined {
  const name = file.toLowerCase();
  return FORMATS_BY_SUFFIX.find(([suffix]) => name.endsWith(suffix))?.[1];
}

/** The format a plain `--output <file>` implies, or undefined when its extension says nothing. */
export function inferFormat(file: string): string | undefined {
  return formatsForFile(file)?.[0];
}

/** Throws a usage error (exit 2) when `format` is not what `file`'s extension stands for. */
export function checkFormatMatchesFile(format: string, file: string): void {
  const allowed = formatsForFile(file);
  if (!allowed || allowed.includes(format)) return;
  const inferred = allowed[0];
  throw new UsageError(
    `--output ${file} is a ${inferred} file name but the report format is ${format}: use --format ${inferred}, or a file name that fits ${format} (e.g. ${exampleFile(format)})`,
  );
}

/** A file name that fits a format, for error messages. */
export function exampleFile(format: string): string {
  const suffix = FORMATS_BY_SUFFIX.find(([, formats]) => formats[0] === format)?.[0] ?? '.txt';
  return `bottleneck${suffix}`;
}

/**
 * For commands with one report (probe, merge): the format given, else the one the output file's
 * extension implies, else terminal; a given format that contradicts the extension is refused.
 */
export function singleReportFormat(given: string | undefined, file: string | undefined): string {
  const format = given ?? (file ? inferFormat(file) : undefined) ?? 'terminal';
  if (file) checkFormatMatchesFile(format, file);
  return format;
}

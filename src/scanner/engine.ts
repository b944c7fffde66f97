import { closeSync, lstatSync, readSync } from 'node:fs';
import path from 'node:path';
import { FindingsCollector, type RawFinding } from '../collector.js';
import type { BaselineEntry, Fix, FixEdit, ScanResult, Severity, Suppression } from '../findings.js';
import type { EditSpec, FixSpec, RegisteredRule, ReportDescriptor, RuleContext, RuleVisitors, NodeVisitor } from '../rule.js';
import { AnalysisCache, codeFingerprint, hashText } from './cache.js';
import { discoverFiles, toPosixRelative } from './discover.js';
import { notRegularReason, openRegular } from '../safe-fs.js';
import { ImportScope } from './imports.js';
import { ProjectFactsCache, type ProjectFacts } from './project-facts.js';
import { fileRoleOf, siteRoleOf, type FileRole } from './roles.js';
import { parseSuppressions } from './suppressions.js';
import { analyzeInWorkers, type AnalysisJob } from './worker-pool.js';
import { loadTypeScript, ts, typeScriptFile } from './ts.js';
import { ProjectModel } from '../model/link.js';
import { summarizeFile } from '../model/summarize.js';
import { configStamps, fileStamp, ModelDigestStore, SummaryCache, type DigestEntry } from '../model/summary-cache.js';
import type { FileModelFacts, FileSummary } from '../model/types.js';
import { ModelView } from '../model/view.js';
import { loadZod } from '../lazy-zod.js';
import { isEmptyObject } from '../rule.js';

export interface EnabledRule {
  rule: RegisteredRule;
  /** Raw options from config; the rule's schema parses them. */
  options: unknown;
  /** Replaces the rule's reasoned severity when the user configured one. */
  severityOverride?: Severity;
}

export interface ScanRequest {
  cwd: string;
  paths: string[];
  include: string[];
  exclude: string[];
  maxFileSize: number;
  rules: EnabledRule[];
  /**
   * Rule sets by path (config `overrides`): the rules for one file, by absolute path, returning the same array
   * for the same set (per-set work is done once per array). `rules` applies to every file when absent.
   */
  rulesFor?: (absolute: string) => EnabledRule[];
  /** Whether the sets `rulesFor` returns can hold rule options (parsed with zod, loaded for them); assumed when absent. */
  rulesForOptions?: boolean;
  /** Every rule id some file runs (suppression warnings need it); the ids of `rules` when absent. */
  enabledRuleIds?: string[];
  /** Skip parsing files that hold none of the enabled rules' trigger words. */
  prefilter?: boolean;
  /** Reuse per-file results from earlier runs. */
  cache?: AnalysisCache;
  /** Scan only this shard of the files: `{ index: 1..count, count }`, assigned by a hash of the path. */
  shard?: { index: number; count: number };
  /** Worker threads for parsing and rules; 1 analyses on the main thread. */
  concurrency?: number;
  /** Part of every cache key, so an upgrade never reuses old results. */
  toolVersion?: string;
  /** Accumulates where the time went, when given. */
  timings?: PhaseTimings;
  /** Absolute paths: when set, only discovered files in this set are scanned (`--changed-since`). */
  onlyFiles?: ReadonlySet<string>;
  /** Findings recorded earlier; matching findings are counted as present instead of reported. */
  baseline?: { source: string; entries: BaselineEntry[] };
  /** Every rule id the tool knows, so a suppression naming an unknown rule is flagged. */
  knownRuleIds?: string[];
  /** Receives the linked project model once it is built (for `explain`). */
  onModel?: (model: ProjectModel) => void;
  /** Called before each file and once at the end with (files done, total), for a progress indicator. */
  onProgress?: (done: number, total: number) => void;
}

/** Milliseconds per phase, for `--timing`. */
export interface PhaseTimings {
  discover: number;
  read: number;
  prefilter: number;
  parse: number;
  rules: number;
  cache: number;
  filesParsed: number;
  /** Files whose bytes were read (a warm run reads only those whose stamp moved). */
  filesRead: number;
  cacheHits: number;
  /** Summarising files for the project model and linking it. */
  model: number;
}

export function emptyTimings(): PhaseTimings {
  return { discover: 0, read: 0, prefilter: 0, parse: 0, rules: 0, cache: 0, filesParsed: 0, filesRead: 0, cacheHits: 0, model: 0 };
}

const BINARY_SNIFF_BYTES = 8000;
/** Below this many files per thread, starting a worker (which loads the compiler) costs more than it saves. */
const MIN_FILES_PER_THREAD = 100;
const MAX_SNIPPET_LINES = 12;
/**
 * A project of at most KEEP_TREES_MAX_FILES files keeps the trees the model's pass parsed for its rule files
 * (up to KEEP_TREES_BYTES of their source), so the rules' pass does not parse them a second time. Larger trees
 * parse rule files again: on a 6k-file tree keeping every rule file's tree cost as much in garbage collection
 * as parsing again saved, and 110 MB more at peak; on the generated 8k monorepo even 1 MB of kept source
 * raised the peak from 363 to 472 MB, while on the generated 1k corpus 4 MB kept left it flat (187 MB) and
 * saved 6% of CPU, and on the fixtures 17% (paired runs, docs/performance.md).
 */
const KEEP_TREES_MAX_FILES = 1000;
const KEEP_TREES_BYTES = 4 * 1024 * 1024;

function scriptKindOf(file: string): ts.ScriptKind {
  switch (path.extname(file).toLowerCase()) {
    case '.tsx':
      return ts.ScriptKind.TSX;
    case '.js':
    case '.mjs':
    case '.cjs':
      return ts.ScriptKind.JS;
    case '.jsx':
      return ts.ScriptKind.JSX;
    default:
      return ts.ScriptKind.TS;
  }
}

type ReadOutcome = { text: string; stamp: string } | { skip: string };

// Reused across files: one open, read and close per file, and no Buffer allocated per file.
let readBuffer = Buffer.allocUnsafe(256 * 1024);

function readSource(absolute: string, maxFileSize: number): ReadOutcome {
  // Never a FIFO or device (opening one for reading can block forever), never through a link.
  const opened = openRegular(absolute);
  if ('notRegular' in opened) return { skip: notRegularReason(opened.notRegular) };
  if ('missing' in opened) return { skip: 'removed while the scan ran' };
  const { fd, stats } = opened;
  try {
    // Reads at most maxFileSize + 1 bytes, so a huge file is never read into memory.
    let length = 0;
    for (;;) {
      if (length === readBuffer.length) {
        if (length > maxFileSize) break;
        const grown = Buffer.allocUnsafe(Math.min(readBuffer.length * 2, maxFileSize + 1));
        readBuffer.copy(grown, 0, 0, length);
        readBuffer = grown;
      }
      const read = readSync(fd, readBuffer, length, readBuffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length > maxFileSize) return { skip: `larger than the size limit (${Math.max(stats.size, length)} > ${maxFileSize} bytes)` };
    if (readBuffer.subarray(0, Math.min(length, BINARY_SNIFF_BYTES)).includes(0)) return { skip: 'binary file (contains NUL bytes)' };
    return { text: readBuffer.toString('utf8', 0, length), stamp: fileStamp(stats) };
  } finally {
    closeSync(fd);
  }
}

function fillMessage(template: string, data: Record<string, string | number> | undefined): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => (data && key in data ? String(data[key]) : whole));
}

function parseErrors(sourceFile: ts.SourceFile): readonly ts.DiagnosticWithLocation[] {
  // The parser records syntax errors on the source file; reading them avoids building a Program.
  return (sourceFile as ts.SourceFile & { parseDiagnostics?: readonly ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
}

/** The stamp of a regular file, never following a link; undefined for anything else (it is then read, and skipped). */
function statStamp(absolute: string): string | undefined {
  try {
    const stats = lstatSync(absolute);
    return stats.isFile() ? fileStamp(stats) : undefined;
  } catch {
    return undefined;
  }
}

function lineCount(text: string): number {
  let count = text.length > 0 ? 1 : 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count += 1;
  return count;
}

export interface FileAnalysis {
  findings: RawFinding[];
  errors: Array<{ message: string; ruleId?: string; line?: number }>;
}

/** A parsed file with what every later step reads from it. */
export interface ParsedFile {
  sourceFile: ts.SourceFile;
  nodes: ts.Node[];
  imports: ImportScope;
}

/** `newFile`: false when this run already parsed the file once (for the model): it counts once in `filesParsed`. */
export function parseFile(absolute: string, text: string, timings?: PhaseTimings, newFile = true): ParsedFile {
  loadTypeScript();
  const parseStarted = performance.now();
  // The bundled compiler's own parser: ts-morph's wrapped source files cost 3x the time and 2x the memory
  // (docs/performance.md), and syntax-only rules need nothing they add.
  // Parents are set by linkAndList below, in the walk the engine needs anyway, instead of by a separate pass.
  // No rule reads JSDoc (comments are read as text), so its contents are not parsed: 3-10% of parse time.
  const sourceFile = ts.createSourceFile(absolute, text, { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone }, false, scriptKindOf(absolute));
  const nodes = linkAndList(sourceFile);
  if (timings) {
    timings.parse += performance.now() - parseStarted;
    if (newFile) timings.filesParsed += 1;
  }
  return { sourceFile, nodes, imports: new ImportScope(sourceFile) };
}

/** Parses one file, walks it once and dispatches nodes to the rules subscribed to their kind. */
export function analyzeSource(
  absolute: string,
  relative: string,
  text: string,
  rules: EnabledRule[],
  facts: ProjectFacts,
  timings?: PhaseTimings,
  // The scan loop already worked it out for the prefilter.
  fileRole: FileRole = fileRoleOf(relative),
  // The linked project model's facts for this file; without them the file is its own whole project.
  // `summary`: this file's summary from the model, made from the same text, so it is not made again.
  // `parsed`: the tree the model's pass made from the same text, when it was kept (KEEP_TREES_MAX_FILES).
  model?: { facts: FileModelFacts; summary?: FileSummary; parsedBefore?: boolean; parsed?: ParsedFile },
): FileAnalysis {
  const findings: RawFinding[] = [];
  const errors: FileAnalysis['errors'] = [];
  const parsed = model?.parsed ?? parseFile(absolute, text, timings, !model?.parsedBefore);
  const rulesStarted = performance.now();
  const { sourceFile, nodes } = parsed;
  try {
    const syntaxErrors = parseErrors(sourceFile);
    const firstError = syntaxErrors[0];
    if (firstError) {
      const { line, character } = sourceFile.getLineAndCharacterOfPosition(firstError.start);
      errors.push({
        message: `Parse error at ${line + 1}:${character + 1}: ${ts.flattenDiagnosticMessageText(firstError.messageText, ' ')}`,
        line: line + 1,
      });
      return { findings, errors };
    }
    const imports = parsed.imports;
    const summary = model?.summary ?? summarizeFile(relative, sourceFile, imports, nodes);
    const modelFacts = model?.facts ?? new ProjectModel(path.dirname(absolute), [summary], new Map([[relative, fileRole]])).factsFor(relative);
    const view = new ModelView(sourceFile, imports, summary, modelFacts);
    // Indexed by SyntaxKind: an array read per node is cheaper than a Map lookup on the hottest path of the walk.
    const dispatch: Array<Array<{ ruleIndex: number; visit: NodeVisitor }> | undefined> = [];
    const active: Array<{ enabled: EnabledRule; visitors: RuleVisitors | undefined; failed: boolean }> = [];

    rules.forEach((enabled, ruleIndex) => {
      const { rule } = enabled;
      const context: RuleContext<unknown> = {
        file: relative,
        sourceFile,
        options: enabled.options,
        project: facts,
        imports,
        fileRole,
        model: view,
        siteRole: siteRoleOf,
        text: (node) => node.getText(sourceFile),
        report: (descriptor) => {
          const raw = toRawFinding(descriptor, enabled, relative, sourceFile);
          const routes = view.routesAt(descriptor.node);
          if (routes.length > 0) raw.reach = { routes: [...routes].sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1)).map(({ method, path, file, line, framework, handler }) => ({ method, path, file, line, framework, handler })) };
          findings.push(raw);
        },
      };
      const entry = { enabled, visitors: undefined as RuleVisitors | undefined, failed: false };
      active.push(entry);
      try {
        entry.visitors = rule.create(context);
      } catch (error) {
        entry.failed = true;
        errors.push({ ruleId: rule.meta.id, message: `Rule ${rule.meta.id} failed to start: ${describe(error)}` });
        return;
      }
      for (const [kind, visit] of Object.entries(entry.visitors.kinds)) {
        if (!visit) continue;
        const key = Number(kind) as ts.SyntaxKind;
        const list = dispatch[key] ?? [];
        list.push({ ruleIndex, visit });
        dispatch[key] = list;
      }
    });

    const fail = (ruleIndex: number, node: ts.Node | undefined, error: unknown) => {
      const entry = active[ruleIndex];
      if (!entry || entry.failed) return;
      entry.failed = true;
      const line = node ? sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1 : undefined;
      errors.push({
        ruleId: entry.enabled.rule.meta.id,
        line,
        message: `Rule ${entry.enabled.rule.meta.id} threw${line ? ` at line ${line}` : ''}: ${describe(error)}`,
      });
    };

    for (const node of nodes) {
      const handlers = dispatch[node.kind];
      if (!handlers) continue;
      for (const { ruleIndex, visit } of handlers) {
        if (active[ruleIndex]?.failed) continue;
        try {
          visit(node);
        } catch (error) {
          fail(ruleIndex, node, error);
        }
      }
    }

    active.forEach((entry, ruleIndex) => {
      if (entry.failed || !entry.visitors?.fileEnd) return;
      try {
        entry.visitors.fileEnd();
      } catch (error) {
        fail(ruleIndex, undefined, error);
      }
    });
    return { findings, errors };
  } finally {
    if (timings) timings.rules += performance.now() - rulesStarted;
  }
}

type Linkable = { parent: ts.Node; jsDoc?: ts.Node[] };

/**
 * Sets every node's parent, JSDoc included, exactly as `createSourceFile(..., setParentNodes: true)` would,
 * and returns the nodes `forEachChild` reaches in pre-order: the order rules are called in. One walk instead
 * of the compiler's parent pass plus the engine's own (about a tenth of the parse time saved, docs/performance.md).
 */
export function linkAndList(sourceFile: ts.SourceFile): ts.Node[] {
  const nodes: ts.Node[] = [sourceFile];
  let parent: ts.Node = sourceFile;
  const linkJSDoc = (child: ts.Node): void => {
    const saved = parent;
    parent = child;
    ts.forEachChild(child, linkJSDoc);
    parent = saved;
    (child as unknown as Linkable).parent = saved;
  };
  const visit = (child: ts.Node): void => {
    const linkable = child as unknown as Linkable;
    linkable.parent = parent;
    if (linkable.jsDoc) {
      for (const doc of linkable.jsDoc) {
        const saved = parent;
        parent = child;
        linkJSDoc(doc);
        parent = saved;
      }
    }
    nodes.push(child);
    const saved = parent;
    parent = child;
    ts.forEachChild(child, visit);
    parent = saved;
  };
  ts.forEachChild(sourceFile, visit);
  return nodes;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// A file with many findings would otherwise split its whole text once per finding.
const linesOfFile = new WeakMap<ts.SourceFile, string[]>();

function textLines(sourceFile: ts.SourceFile): string[] {
  let lines = linesOfFile.get(sourceFile);
  if (lines === undefined) {
    // The compiler's own line breaks (CRLF, CR, LF, U+2028, U+2029), so a snippet starts at the reported line.
    lines = sourceFile.text.split(/\r\n|[\n\r\u2028\u2029]/);
    linesOfFile.set(sourceFile, lines);
  }
  return lines;
}

/**
 * A rule's fix with its edits placed by line and column. Edits that overlap or fall outside the file are a
 * bug in a fix builder: the fix then keeps only its readable form (a suggestion) rather than losing the finding.
 */
function toFix(spec: FixSpec, file: string, sourceFile: ts.SourceFile): Fix {
  const { edits, mechanical, ...readable } = spec;
  if (!edits || edits.length === 0) return readable;
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  const valid = sorted.every((edit, i) => 0 <= edit.start && edit.start <= edit.end && edit.end <= sourceFile.text.length && (i === 0 || (sorted[i - 1] as EditSpec).end <= edit.start));
  if (!valid) return readable;
  // An insertion that touches another edit is merged into it: two edits at one offset have no order a
  // consumer (a SARIF viewer) must keep.
  const merged: EditSpec[] = [];
  for (const edit of sorted) {
    const previous = merged[merged.length - 1];
    if (previous && previous.end === edit.start && (previous.start === previous.end || edit.start === edit.end)) merged[merged.length - 1] = { start: previous.start, end: edit.end, text: previous.text + edit.text };
    else merged.push(edit);
  }
  const at = (offset: number) => sourceFile.getLineAndCharacterOfPosition(offset);
  const placed: FixEdit[] = merged.map((edit) => {
    const start = at(edit.start);
    const end = at(edit.end);
    return { file, start: edit.start, end: edit.end, line: start.line + 1, column: start.character + 1, endLine: end.line + 1, endColumn: end.character + 1, text: edit.text };
  });
  return { ...readable, edits: placed, ...(mechanical ? { mechanical } : {}) };
}

function toRawFinding(descriptor: ReportDescriptor, enabled: EnabledRule, file: string, sourceFile: ts.SourceFile): RawFinding {
  const { meta } = enabled.rule;
  const start = descriptor.node.getStart(sourceFile);
  const end = (descriptor.endNode ?? descriptor.node).getEnd();
  const startPos = sourceFile.getLineAndCharacterOfPosition(start);
  const endPos = sourceFile.getLineAndCharacterOfPosition(end);
  const template = meta.messages[descriptor.messageId];
  if (template === undefined) throw new Error(`unknown messageId "${descriptor.messageId}"`);
  const lines = textLines(sourceFile).slice(startPos.line, Math.min(endPos.line + 1, startPos.line + MAX_SNIPPET_LINES));
  return {
    ruleId: descriptor.variant ? `${meta.id}/${descriptor.variant}` : meta.id,
    severity: enabled.severityOverride ?? descriptor.severity,
    confidence: descriptor.confidence,
    file,
    line: startPos.line + 1,
    column: startPos.character + 1,
    endLine: endPos.line + 1,
    endColumn: endPos.character + 1,
    message: fillMessage(template, descriptor.data),
    evidence: descriptor.evidence,
    impact: descriptor.impact,
    fix: toFix(descriptor.fix, file, sourceFile),
    effort: descriptor.effort,
    category: meta.category,
    ...(descriptor.params ? { params: descriptor.params } : {}),
    snippet: lines.join('\n').replace(/\r/g, ''),
    fingerprintText: sourceFile.text.slice(start, end),
  };
}

/**
 * Which rules' triggers occur in a text, in one pass over the words of all rules instead of one per rule.
 * The alternation lists longer words first and the search restarts one character after each match, so
 * every start position is tried; a match also counts for every rule whose word is inside it
 * (`createConnection` holds `onnection`). For words the answer is therefore exactly "does some word of
 * this rule occur as a substring"; a rule's patterns are tested only if none of its words occurred.
 */
export class TriggerMatcher {
  private readonly pattern: RegExp | undefined;
  private readonly owners = new Map<string, number[]>();
  private readonly alwaysMatch: boolean[];
  private readonly patterns: RegExp[][];

  constructor(triggers: ReadonlyArray<ReadonlyArray<string | RegExp>>) {
    this.alwaysMatch = triggers.map((ruleTriggers) => ruleTriggers.length === 0);
    this.patterns = triggers.map((ruleTriggers) => ruleTriggers.filter((t): t is RegExp => t instanceof RegExp).map((t) => new RegExp(t.source, t.flags.replace(/[gy]/g, ''))));
    const wordsOf = triggers.map((ruleTriggers) => ruleTriggers.filter((t): t is string => typeof t === 'string'));
    const words = [...new Set(wordsOf.flat())].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    for (const word of words) {
      this.owners.set(word, wordsOf.flatMap((ruleWords, index) => (ruleWords.some((inner) => word.includes(inner)) ? [index] : [])));
    }
    if (words.length > 0) this.pattern = new RegExp(words.map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  }

  /** `matched[i]`: rule i's triggers occur in `text` (or it has none, so it always runs). */
  match(text: string): boolean[] {
    const matched = [...this.alwaysMatch];
    let left = matched.filter((m) => !m).length;
    const pattern = this.pattern;
    if (pattern && left > 0) {
      pattern.lastIndex = 0;
      for (let found = pattern.exec(text); found; found = pattern.exec(text)) {
        for (const index of this.owners.get(found[0]) ?? []) {
          if (!matched[index]) {
            matched[index] = true;
            left -= 1;
          }
        }
        if (left === 0) break;
        pattern.lastIndex = found.index + 1;
      }
    }
    this.patterns.forEach((rulePatterns, index) => {
      if (!matched[index] && rulePatterns.some((p) => p.test(text))) matched[index] = true;
    });
    return matched;
  }
}

/** Stable assignment of a file to one of `count` shards: the same path lands in the same shard on every machine. */
export function inShard(relative: string, shard: { index: number; count: number }): boolean {
  return Number.parseInt(hashText(relative).slice(0, 8), 16) % shard.count === shard.index - 1;
}

/** Everything besides file content that decides a file's results; part of every cache key. */
function configurationKey(rules: EnabledRule[], version: string): string {
  return JSON.stringify({
    version,
    code: codeFingerprint(),
    rules: rules.map((enabled) => ({ id: enabled.rule.meta.id, options: enabled.options, severity: enabled.severityOverride ?? null })),
  });
}

export async function scan(request: ScanRequest): Promise<ScanResult> {
  const started = performance.now();
  // Fails at once, with what to install, when no TypeScript can be found (an install with --omit=optional and
  // no typescript); otherwise every file would fail on its own.
  typeScriptFile();
  const timings = request.timings;
  const collector = new FindingsCollector({
    enabledRuleIds: request.enabledRuleIds ?? request.rules.map((enabled) => enabled.rule.meta.id),
    ...(request.knownRuleIds ? { knownRuleIds: request.knownRuleIds } : {}),
    ...(request.baseline ? { baseline: request.baseline } : {}),
  });
  // Rule options other than the defaults are parsed with zod, synchronously, as files are analysed: loaded now,
  // only then (per-path rule sets come from a config that may hold options).
  if ((request.rulesFor && request.rulesForOptions !== false) || request.rules.some((enabled) => hasOptions(enabled.options))) await loadZod();
  const discovery = discoverFiles(request);
  // With no cached results every file needing analysis is parsed, so the compiler will be needed: loading it
  // now (synchronous) overlaps the directory reads discovery has in flight. A warm cache never loads it.
  // (With worker threads the main thread never parses, so it does not load the compiler at all.)
  const preloadStarted = performance.now();
  if ((request.concurrency ?? 1) <= 1 && (!request.cache || request.cache.empty)) loadTypeScript();
  const preloadMs = performance.now() - preloadStarted;
  const discovered = await discovery;
  for (const note of discovered.skipped) collector.addSkipped(note);
  for (const note of discovered.unreadable) collector.addError({ file: note.file, message: note.reason, kind: 'unreadable' });
  const files = discovered.files.filter(
    (file) => (!request.onlyFiles || request.onlyFiles.has(file.absolute)) && (!request.shard || inShard(file.relative, request.shard)),
  );
  // Loading the compiler is start-up, not discovery, even while they overlap.
  if (timings) timings.discover += performance.now() - started - preloadMs;
  const facts = new ProjectFactsCache();
  const prefilter = request.prefilter ?? true;
  // Per rule set (one without overrides): its prefilter and its part of the cache key, made once.
  const ruleSets = new Map<EnabledRule[], { triggers: TriggerMatcher; configKey: string }>();
  const ruleSetOf = (rules: EnabledRule[]) => {
    let set = ruleSets.get(rules);
    if (!set) {
      set = { triggers: new TriggerMatcher(rules.map((enabled) => enabled.rule.meta.triggers)), configKey: request.cache ? hashText(configurationKey(rules, request.toolVersion ?? '')) : '' };
      ruleSets.set(rules, set);
    }
    return set;
  };
  const factsKeys = new WeakMap<ProjectFacts, string>();
  const factsKey = (facts: ProjectFacts): string => {
    let key = factsKeys.get(facts);
    if (key === undefined) {
      key = hashText(JSON.stringify(facts));
      factsKeys.set(facts, key);
    }
    return key;
  };

  const threads = Math.max(1, Math.floor(request.concurrency ?? 1));
  const useWorkers = threads > 1 && files.length >= MIN_FILES_PER_THREAD * 2;
  const scanned = new Set(files.map((file) => file.absolute));

  // Phase 1: every discovered file is read, including files outside this shard or change set: their functions
  // are others' callees. Its summary key (its bytes and the tool's code) says whether the model can change.
  const summaryKeyPrefix = hashText(codeFingerprint(), request.toolVersion ?? '');
  const fileRoles = new Map<string, FileRole>();
  interface Loaded {
    file: (typeof files)[number];
    /** Undefined until needed when the file's stamp matched the last run's: its bytes are then not read. */
    text: string | undefined;
    stamp: string;
    lines: number;
    /** Directives in the file, parsed on first need (or taken from the last run with its stamp). */
    suppressions?: Suppression[];
    role: FileRole;
    summaryKey: string;
    inScan: boolean;
    /** The rules configured for this file (before the prefilter). */
    ruleSet: EnabledRule[];
    parsedForModel?: boolean;
    /** The model pass's tree, kept for this file's rules (KEEP_TREES_MAX_FILES); dropped once they ran. */
    parsed?: ParsedFile;
    /** The rules that can report in this file, decided once by the prefilter (on first need). */
    rules?: EnabledRule[];
  }
  // Not in a cache directory that failed its checks (a link, another user's): the same files would be trusted.
  const digestStore = request.cache && !request.cache.problem ? new ModelDigestStore(request.cache.dir) : undefined;
  const previousDigest = digestStore?.read();
  let stampsMoved = false;
  const loaded: Loaded[] = [];
  const ruleSetFor = (absolute: string, inScan: boolean): EnabledRule[] => (inScan && request.rulesFor ? request.rulesFor(absolute) : request.rules);
  for (const file of discovered.files) {
    const inScan = scanned.has(file.absolute);
    const readStarted = performance.now();
    const prior = previousDigest?.files.get(file.relative);
    if (prior) {
      // Unchanged since the last run by its stamp: what that run knew stands in for reading the bytes.
      const stamp = statStamp(file.absolute);
      if (stamp === prior.stamp) {
        if (timings) timings.read += performance.now() - readStarted;
        const role = fileRoleOf(file.relative);
        fileRoles.set(file.relative, role);
        loaded.push({ file, text: undefined, stamp, lines: prior.lines, suppressions: prior.suppressions, role, summaryKey: prior.summaryKey, inScan, ruleSet: ruleSetFor(file.absolute, inScan) });
        continue;
      }
    }
    let outcome: ReadOutcome;
    try {
      outcome = readSource(file.absolute, request.maxFileSize);
      if (timings) timings.filesRead += 1;
    } catch (error) {
      if (inScan) collector.addError({ file: file.relative, message: `Cannot read file: ${describe(error)}`, kind: 'unreadable' });
      continue;
    } finally {
      if (timings) timings.read += performance.now() - readStarted;
    }
    if ('skip' in outcome) {
      if (inScan) collector.addSkipped({ file: file.relative, reason: outcome.skip });
      continue;
    }
    // A file the digest holds and reads again (touched, checked out): its new stamp is worth recording. A file
    // skipped (too large, binary) is in no digest, so reading it again every run records nothing.
    if (prior) stampsMoved = true;
    const role = fileRoleOf(file.relative);
    fileRoles.set(file.relative, role);
    loaded.push({ file, text: outcome.text, stamp: outcome.stamp, lines: lineCount(outcome.text), role, summaryKey: hashText(summaryKeyPrefix, outcome.text), inScan, ruleSet: ruleSetFor(file.absolute, inScan) });
  }
  /** The file's text; undefined when it can no longer be read as it was (removed or replaced since discovery). */
  const textOf = (entry: Loaded): string | undefined => {
    if (entry.text !== undefined) return entry.text;
    const readStarted = performance.now();
    try {
      const outcome = readSource(entry.file.absolute, request.maxFileSize);
      if (timings) timings.filesRead += 1;
      // Changed between its stat and now: its analysis is from the new bytes under the old key, which the next
      // run cannot hit, since the change moved the stamp.
      if ('text' in outcome) entry.text = outcome.text;
    } catch {
      // Reported below as a file that could not be analysed.
    } finally {
      if (timings) timings.read += performance.now() - readStarted;
    }
    return entry.text;
  };
  const suppressionsOf = (entry: Loaded): Suppression[] => {
    if (entry.suppressions) return entry.suppressions;
    const text = textOf(entry);
    entry.suppressions = text === undefined ? [] : parseSuppressions(text, entry.file.relative);
    return entry.suppressions;
  };
  const rulesFor = (entry: Loaded): EnabledRule[] => {
    if (entry.rules) return entry.rules;
    const prefilterStarted = performance.now();
    let rules = entry.ruleSet;
    if (prefilter) {
      const matched = ruleSetOf(entry.ruleSet).triggers.match(textOf(entry) ?? '');
      const known = { path: entry.file.relative, role: entry.role };
      rules = entry.ruleSet.filter((enabled, index) => matched[index] && enabled.rule.appliesTo(known, enabled.options));
    }
    if (timings) timings.prefilter += performance.now() - prefilterStarted;
    entry.rules = rules;
    return rules;
  };

  // The model is built only when some file's findings are not in the cache: when no file changed since the
  // last run, the digest of that run gives every file's model facts hash, and nothing is parsed or linked.
  const configs = digestStore ? configStamps(request.cwd, loaded.map((entry) => entry.file.absolute)) : '';
  const unchanged =
    previousDigest !== undefined &&
    previousDigest.configs === configs &&
    previousDigest.files.size === loaded.length &&
    loaded.every((entry) => previousDigest.files.get(entry.file.relative)?.summaryKey === entry.summaryKey);
  let model: ProjectModel | undefined;
  const factsHashes = new Map<string, string>();
  const ensureModel = (): ProjectModel => {
    if (model) return model;
    const modelStarted = performance.now();
    const parseBefore = timings?.parse ?? 0;
    const summaryCache = request.cache && !request.cache.problem ? new SummaryCache(request.cache.dir) : undefined;
    const summaries: FileSummary[] = [];
    let keptBytes = 0;
    const keepTrees = !useWorkers && loaded.length <= KEEP_TREES_MAX_FILES;
    for (const entry of loaded) {
      let summary = summaryCache?.get(entry.file.relative, entry.summaryKey);
      if (!summary) {
        const text = textOf(entry);
        if (text === undefined) continue;
        entry.parsedForModel = true;
        let parsed: ParsedFile;
        try {
          parsed = parseFile(entry.file.absolute, text, timings);
        } catch {
          // Code the parser cannot take (nesting deep enough to exhaust the stack): that file adds nothing to
          // the model, and its own analysis below reports the error for it alone.
          continue;
        }
        if (parseErrors(parsed.sourceFile).length === 0) {
          try {
            summary = summarizeFile(entry.file.relative, parsed.sourceFile, parsed.imports, parsed.nodes);
            summaryCache?.set(entry.file.relative, entry.summaryKey, summary);
            // (Workers parse on their own threads: a tree kept here would only be garbage for them.)
            if (keepTrees && entry.inScan && keptBytes + text.length <= KEEP_TREES_BYTES && rulesFor(entry).length > 0) {
              entry.parsed = parsed;
              keptBytes += text.length;
            }
          } catch {
            // A file the model cannot summarise still gets its rules; it only adds nothing to the model.
          }
        }
      }
      if (summary) summaries.push(summary);
    }
    summaryCache?.save();
    model = new ProjectModel(request.cwd, summaries, fileRoles);
    if (timings) timings.model += performance.now() - modelStarted - (timings.parse - parseBefore);
    request.onModel?.(model);
    return model;
  };
  if (request.onModel || !request.cache) ensureModel();

  // Phase 2: rules, per file, with the model's facts for it. A file's cached findings are reused only when its
  // bytes and the model's facts about it (its functions, its callees in other files) are unchanged.
  const pending: Array<{ key: string; lines: number; job: AnalysisJob }> = [];
  const inScan = loaded.filter((entry) => entry.inScan);
  for (const [index, entry] of inScan.entries()) {
    const { file, lines } = entry;
    collector.countFile(lines, file.relative);
    // Directives are read even where no rule runs, so one that suppresses nothing is still reported.
    collector.addSuppressions(suppressionsOf(entry));
    const fileFacts = facts.forFile(file.absolute);

    let key = '';
    let modelFacts: FileModelFacts | undefined;
    if (request.cache) {
      const cacheStarted = performance.now();
      const storedHash = unchanged ? previousDigest?.files.get(file.relative)?.factsHash : undefined;
      if (storedHash === undefined) {
        modelFacts = ensureModel().factsFor(file.relative);
        factsHashes.set(file.relative, hashText(JSON.stringify(modelFacts)));
      }
      // The summary key stands for the bytes (it hashes them with the tool's code), so a hit needs no read.
      key = hashText(ruleSetOf(entry.ruleSet).configKey, factsKey(fileFacts), entry.summaryKey, storedHash ?? factsHashes.get(file.relative) ?? '');
      const hit = request.cache.get(file.relative, key);
      if (timings) timings.cache += performance.now() - cacheStarted;
      if (hit) {
        entry.parsed = undefined;
        if (timings) timings.cacheHits += 1;
        addAnalysis(collector, file.relative, hit.analysis);
        continue;
      }
    }
    const rules = rulesFor(entry);
    if (rules.length === 0) {
      storeAnalysis(collector, request.cache, file.relative, key, lines, { findings: [], errors: [] });
      continue;
    }
    modelFacts ??= ensureModel().factsFor(file.relative);
    const text = textOf(entry);
    if (text === undefined) {
      collector.addSkipped({ file: file.relative, reason: 'removed or replaced while the scan ran' });
      continue;
    }
    if (useWorkers) {
      // Workers re-read the file, so the main thread holds no source text while they run.
      const ruleConfigs = rules.map((enabled) => ({ id: enabled.rule.meta.id, options: enabled.options, ...(enabled.severityOverride ? { severityOverride: enabled.severityOverride } : {}) }));
      pending.push({ key, lines, job: { absolute: file.absolute, relative: file.relative, rules: ruleConfigs, facts: fileFacts, model: modelFacts } });
      continue;
    }
    request.onProgress?.(index, inScan.length);
    let analysis: FileAnalysis;
    try {
      const summary = model?.summaryOf(file.relative);
      const parsed = entry.parsed;
      entry.parsed = undefined;
      analysis = analyzeSource(file.absolute, file.relative, text, rules, fileFacts, timings, entry.role, { facts: modelFacts, ...(summary ? { summary } : {}), parsedBefore: entry.parsedForModel === true, ...(parsed ? { parsed } : {}) });
    } catch (error) {
      analysis = { findings: [], errors: [{ message: `Internal error while analysing: ${describe(error)}` }] };
    }
    storeAnalysis(collector, request.cache, file.relative, key, lines, analysis);
  }
  // A run that built the model records every file's facts hash, so the next unchanged run can skip it; a run
  // that read a file whose bytes were unchanged (a checkout, a touch) records its new stamp.
  if (digestStore && (model || (unchanged && stampsMoved))) {
    const built = model;
    const factsHashOf = (relative: string): string =>
      factsHashes.get(relative) ?? (built ? hashText(JSON.stringify(built.factsFor(relative))) : (previousDigest?.files.get(relative)?.factsHash ?? ''));
    digestStore.write(
      configs,
      loaded.map((entry): [string, DigestEntry] => [
        entry.file.relative,
        { summaryKey: entry.summaryKey, factsHash: factsHashOf(entry.file.relative), stamp: entry.stamp, lines: entry.lines, suppressions: suppressionsOf(entry) },
      ]),
    );
  }

  if (pending.length > 0) {
    const analysisStarted = performance.now();
    const analyses = await analyzeInWorkers(pending.map((p) => p.job), Math.max(1, Math.min(threads, Math.floor(pending.length / MIN_FILES_PER_THREAD))));
    if (timings) timings.rules += performance.now() - analysisStarted;
    pending.forEach((entry, i) => storeAnalysis(collector, request.cache, entry.job.relative, entry.key, entry.lines, analyses[i] ?? { findings: [], errors: [] }));
  }
  request.cache?.save();
  if (request.cache?.unread) collector.addSkipped({ file: toPosixRelative(request.cwd, request.cache.unread.file), reason: `results cache: ${request.cache.unread.reason}` });
  for (const note of facts.skipped) collector.addSkipped({ file: toPosixRelative(request.cwd, note.absolute), reason: note.reason });
  for (const note of facts.unreadable) collector.addError({ file: toPosixRelative(request.cwd, note.absolute), message: note.reason, kind: 'unreadable' });
  request.onProgress?.(files.length, files.length);
  return collector.result(performance.now() - started);
}

function storeAnalysis(collector: FindingsCollector, cache: AnalysisCache | undefined, file: string, key: string, lines: number, analysis: FileAnalysis): void {
  addAnalysis(collector, file, analysis);
  cache?.set(file, { key, lines, analysis });
}

function addAnalysis(collector: FindingsCollector, file: string, analysis: FileAnalysis): void {
  collector.addFileFindings(analysis.findings);
  for (const error of analysis.errors) collector.addError({ file, ...error });
}

/** Options a rule must parse (zod), as against none: undefined or `{}` are its defaults. */
export function hasOptions(options: unknown): boolean {
  return options !== undefined && !isEmptyObject(options);
}

/**
 * `--exec`: call the user's own function instead of a replica. Only fake-compression is supported: its
 * function takes a payload and returns the "compressed" form, so it can be called alone. The function is
 * cut out of its file, compiled with the bundled TypeScript (inline source map, its lines kept where they
 * are in the original file) and called in a child process: scrubbed environment, a timeout, and, where
 * `unshare` allows, a network namespace with no route anywhere. A function that needs something from its
 * module (an import, a module-level helper) fails with a ReferenceError and the finding is skipped with it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Io } from '../commands/io.js';
import type { Finding } from '../findings.js';
import { loadTypeScript, ts } from '../scanner/ts.js';
import { runChildScript } from './child.js';
import { COMPRESSORS, jsonPayload, PAYLOAD_SIZES } from './probes/fake-compression.js';
import { PROBES } from './run.js';
import { exact, round, verdict } from './stats.js';
import type { Measurement, Probe, ProbeOutcome, VerificationMode } from './types.js';

export interface ExtractedFunction {
  name: string;
  /** TypeScript source: blank lines, then the function, so line numbers match the original file. */
  source: string;
  line: number;
  /** What to pass: the JSON text when the first parameter is typed string (or untyped), else the parsed value. */
  argument: 'string' | 'object';
}

type FunctionLike = ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression | ts.MethodDeclaration;

function nameOf(node: FunctionLike): string | undefined {
  if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name && ts.isIdentifier(node.name)) return node.name.text;
  if (ts.isVariableDeclaration(node.parent) && ts.isIdentifier(node.parent.name)) return node.parent.name.text;
  if (ts.isPropertyAssignment(node.parent) && ts.isIdentifier(node.parent.name)) return node.parent.name.text;
  return undefined;
}

/** The innermost named function containing `line` (1-based), as a standalone TypeScript function. */
export function extractFunction(text: string, fileName: string, line: number): ExtractedFunction | { skip: string } {
  // The compiler loads on first use (`probe --from` never scans, so nothing has loaded it yet).
  loadTypeScript();
  const sourceFile = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, fileName.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const position = sourceFile.getPositionOfLineAndCharacter(Math.max(0, line - 1), 0);
  let found: FunctionLike | undefined;
  const visit = (node: ts.Node): void => {
    if (node.getStart(sourceFile) > position + 10_000 || node.getEnd() < position) return;
    if ((ts.isFunctionDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node) || ts.isMethodDeclaration(node)) && nameOf(node)) {
      const startLine = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1;
      const endLine = sourceFile.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
      if (startLine <= line && line <= endLine) found = node;
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  if (!found) return { skip: `no named function around ${fileName}:${line} to call` };
  const name = nameOf(found) as string;
  const start = found.getStart(sourceFile);
  const startLine = sourceFile.getLineAndCharacterOfPosition(start).line;
  const column = sourceFile.getLineAndCharacterOfPosition(start).character;
  const body = text.slice(start, found.getEnd());
  // Keep the function on its original line and column so the source map points at the real place.
  const prefix = '\n'.repeat(startLine) + ' '.repeat(column);
  let code: string;
  if (ts.isFunctionDeclaration(found)) {
    code = `${prefix}${body.replace(/^export\s+(default\s+)?/, '')}\nexport default ${name};\n`;
  } else if (ts.isMethodDeclaration(found)) {
    code = `${prefix}const __probe = { ${body.replace(/^(public|private|protected|static|async\s)\s*/g, (m) => (m.startsWith('async') ? m : ''))} };\nexport default __probe.${name}.bind(__probe);\n`;
  } else {
    code = `${prefix}const ${name} = ${body};\nexport default ${name};\n`;
  }
  const firstType = found.parameters[0]?.type;
  const argument = !firstType || firstType.kind === ts.SyntaxKind.StringKeyword ? 'string' : 'object';
  return { name, source: code, line: startLine + 1, argument };
}

/** Compiles to an ES module with an inline source map naming the original file. */
export function compileFunction(extracted: ExtractedFunction, originalPath: string): string {
  loadTypeScript();
  const output = ts.transpileModule(extracted.source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, inlineSourceMap: true, inlineSources: false, sourceRoot: '' },
    fileName: originalPath,
  });
  return output.outputText;
}

const EXEC_CHILD_SOURCE = `
import { findSourceMap } from 'node:module';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const config = JSON.parse(process.argv[1]);
const moduleUrl = pathToFileURL(config.modulePath).href;
const fn = (await import(moduleUrl)).default;
const compiled = readFileSync(config.modulePath, 'utf8').split('\\n');
const generatedLine = compiled.findIndex((l) => l.includes(config.name));
const entry = findSourceMap(config.modulePath)?.findEntry(Math.max(0, generatedLine), 0);
const size = (out) => typeof out === 'string' ? Buffer.byteLength(out) : out instanceof Uint8Array ? out.byteLength : out === undefined || out === null ? -1 : Buffer.byteLength(JSON.stringify(out));
const results = [];
for (const file of config.payloads) {
  const text = readFileSync(file, 'utf8');
  const preferred = config.argument === 'string' ? [text, JSON.parse(text)] : [JSON.parse(text), text];
  let arg = preferred[0];
  let out;
  try { out = await fn(arg); } catch (first) {
    try { arg = preferred[1]; out = await fn(arg); } catch (error) {
      process.stdout.write(JSON.stringify({ error: String(error && error.stack || error) }) + '\\n');
      process.exit(0);
    }
  }
  const times = [];
  for (let i = 0; i < config.calls; i++) { const t0 = performance.now(); await fn(arg); times.push(performance.now() - t0); }
  times.sort((a, b) => a - b);
  results.push({ inputBytes: Buffer.byteLength(text), outputBytes: size(out), ms: times[Math.floor(times.length / 2)], argument: typeof arg === 'string' ? 'string' : 'object' });
}
process.stdout.write(JSON.stringify({ results, mapped: entry && entry.originalLine !== undefined ? { source: entry.originalSource, line: entry.originalLine + 1 } : null }) + '\\n');
process.exit(0);
`;

let canUnshare: boolean | undefined;
/** Linux user + network namespaces: the child sees no network interface but a down loopback. */
function networkWrapper(): string[] {
  if (canUnshare === undefined) {
    try {
      execFileSync('unshare', ['-rn', 'true'], { stdio: 'ignore', timeout: 5_000 });
      canUnshare = true;
    } catch {
      canUnshare = false;
    }
  }
  return canUnshare ? ['unshare', '-rn'] : [];
}

interface ExecChildResult {
  error?: string;
  results?: Array<{ inputBytes: number; outputBytes: number; ms: number; argument: string }>;
  mapped?: { source: string; line: number } | null;
}

/** The fake-compression probe that calls the user's function. The plan carries the finding's location. */
export function execCompressionProbe(cwd: string): Probe<unknown> {
  return {
    family: 'fake-compression',
    plan(params) {
      const file = typeof params.__file === 'string' ? params.__file : undefined;
      const line = typeof params.__line === 'number' ? params.__line : undefined;
      if (!file || !line) return { skip: 'the finding has no file and line to load' };
      return { params: { file, line } };
    },
    async run(raw, context): Promise<ProbeOutcome> {
      const { file, line } = raw as { file: string; line: number };
      const absolute = path.resolve(cwd, file);
      const extracted = extractFunction(readFileSync(absolute, 'utf8'), absolute, line);
      if ('skip' in extracted) return { status: 'skipped', reason: extracted.skip, measurements: [], load: '', notes: [], rounds: 0, mode: 'exec' };
      const dir = mkdtempSync(path.join(os.tmpdir(), 'bottleneck-exec-'));
      try {
        const modulePath = path.join(dir, 'fn.mjs');
        writeFileSync(modulePath, compileFunction(extracted, absolute));
        const payloads = PAYLOAD_SIZES.map((size) => {
          const target = path.join(dir, `payload-${size}.json`);
          writeFileSync(target, jsonPayload(size));
          return target;
        });
        const wrapper = networkWrapper();
        const run = await runChildScript<ExecChildResult>(EXEC_CHILD_SOURCE, { modulePath, payloads, name: extracted.name, calls: 5, argument: extracted.argument }, {
          nodeFlags: ['--enable-source-maps'],
          wrapper,
          cwd: dir,
          timeoutMs: Math.max(1_000, Math.min(10_000, context.deadline - Date.now())),
          exitWaitMs: 500,
          signal: context.signal,
        });
        const where = `${file}:${extracted.line} ${extracted.name}()`;
        const isolation = wrapper.length > 0 ? 'no network (unshare -rn)' : 'network NOT isolated on this OS';
        const common = [`ran YOUR function ${where} in a child process: scrubbed environment, ${isolation}, time limit`];
        if (!run.result) return { status: 'skipped', reason: `the function did not answer in time${run.stderr ? `: ${run.stderr.split('\n')[0]}` : ''}`, measurements: [], load: '', notes: common, rounds: 0, mode: 'exec' };
        if (run.result.error) {
          const first = run.result.error.split('\n').slice(0, 2).join(' ');
          return { status: 'skipped', reason: `calling ${extracted.name}() alone failed (it needs its module's imports or state): ${first}`, measurements: [], load: '', notes: common, rounds: 0, mode: 'exec' };
        }
        const results = run.result.results ?? [];
        const measurements: Measurement[] = [];
        const notes = [...common];
        // The map's source is the original file name (relative to the temp module); its line is the evidence.
        const mapped = run.result.mapped;
        if (mapped && path.basename(mapped.source) === path.basename(file)) notes.push(`source map: the called function starts at ${file}:${mapped.line}`);
        results.forEach((r, i) => {
          const size = PAYLOAD_SIZES[i] as number;
          const gzipBytes = COMPRESSORS.gzip(Buffer.from(jsonPayload(size))).length;
          const label = size >= 1024 * 1024 ? '1 MB' : `${size / 1024} KB`;
          measurements.push(exact(`bytes out, ${label} JSON (your function vs gzip)`, 'bytes', 'lower', r.outputBytes, gzipBytes));
          notes.push(`${label}: your function returns ${round(r.outputBytes / r.inputBytes)}x the input (${r.argument} argument), gzip ${round(gzipBytes / r.inputBytes)}x; ${round(r.ms)} ms per call`);
        });
        // Primary at 64 KB, as in the replica.
        const primaryIndex = Math.min(1, measurements.length - 1);
        const ordered = [measurements[primaryIndex] as Measurement, ...measurements.filter((_, i) => i !== primaryIndex)];
        if (measurements.length === 0) return { status: 'skipped', reason: 'no result from the function', measurements: [], load: '', notes, rounds: 0, mode: 'exec' };
        return {
          ...verdict(ordered[0] as Measurement, 1.5),
          measurements: ordered,
          load: `your ${extracted.name}() called on seeded JSON payloads of 1 KB, 64 KB, 1 MB (median of 5 timed calls each)`,
          notes,
          rounds: 1,
          mode: 'exec',
        };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Probes for `--exec`: the user's code where supported (fake-compression), replicas elsewhere. */
export function execProbes(io: Io, cwd: string): { probes: Record<string, Probe<unknown>>; mode: (family: string) => VerificationMode; prepare: (findings: Finding[]) => Finding[] } {
  io.stderr(
    '\n!!! --exec: bottleneck will RUN YOUR CODE (fake-compression functions only) in a child process with a scrubbed\n' +
      '!!! environment, a time limit and, where the OS allows, no network. Other rules still run replicas.\n\n',
  );
  return {
    probes: { ...PROBES, 'fake-compression': execCompressionProbe(cwd) },
    mode: (family) => (family === 'fake-compression' ? 'exec' : 'replica'),
    // The exec probe needs the finding's location, which is not among the rule's params.
    prepare: (findings) => findings.map((f) => (f.ruleId.startsWith('fake-compression') ? { ...f, params: { ...(f.params ?? {}), __file: f.file, __line: f.line } } : f)),
  };
}

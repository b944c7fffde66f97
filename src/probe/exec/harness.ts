/**
 * Runs one family's measurement of the user's module in a child process: the bundle is written to a temp
 * directory (also the child's working directory), and the child, started with `--enable-source-maps`,
 * installs the stubs, imports the bundle, finds the target function and runs the family's measurement
 * body, printing one JSON line. The child gets the scrubbed environment and a time limit from
 * runChildScript and, where `unshare` works, its own network namespace: no interface but loopback, and
 * loopback itself down unless the family needs a local server (then it is brought up inside the namespace,
 * which still has no route anywhere else).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChildScript } from '../child.js';
import type { ProbeContext } from '../types.js';
import { bundleModule } from './bundle.js';
import { exportTarget, TARGET_EXPORT, type CallTarget } from './locate.js';
import { STUB_RUNTIME_SOURCE } from './stubs.js';

/**
 * What every family body can use: `config`, `emit(value)`, `describeError(error)`, `callTarget(args?)`,
 * `stubArgs()`, `functionLocation()`, `stubState`, `userSite(stack)`, `holder` (the exported binding).
 */
const PRELUDE = `
import { readFileSync, rmSync, writeSync } from 'node:fs';
import { findSourceMap } from 'node:module';
import { pathToFileURL } from 'node:url';
import inspector from 'node:inspector';
// The settings sit in a file (payloads can be megabytes, too much for an argument); argv names it.
const configPath = JSON.parse(process.argv[process.argv.length - 1]).configPath;
const config = JSON.parse(readFileSync(configPath, 'utf8'));
// The run's token authenticates our result line; it leaves the file and the shared config before your
// code loads, so code that writes to fd 3 cannot sign a result.
const resultToken = config.token;
delete config.token;
rmSync(configPath, { force: true });
${STUB_RUNTIME_SOURCE}
Object.assign(stubState, config.stub, { harnessDir: config.harnessDir });
// Results go on their own pipe (fd 3), signed: whatever your code prints on stdout or fd 3 is not read.
// The leading newline ends any partial line your code left on the pipe.
const emit = (value) => writeSync(3, '\\n' + JSON.stringify({ token: resultToken, value }) + '\\n');
// A promise the user's code leaves rejected (a timer firing after the race was won) must not end the
// child before it reports: the families count what they measure themselves.
process.on('unhandledRejection', () => {});
function describeError(error) {
  const text = String((error && error.message) || error).split('\\n')[0];
  const where = error && error.stack ? userSite(error.stack) : undefined;
  return where ? text + ' (at ' + where + ')' : text;
}
// Names the file only declares have no value at run time; a global of the same name stays as it is.
for (const name of config.target.ambient) if (!(name in globalThis)) globalThis[name] = makeStub(name);
// V8 precise coverage from before the module loads, so the finding's line can be checked afterwards.
const coverageSession = new inspector.Session();
coverageSession.connect();
const coveragePost = (method, params) => new Promise((resolve, reject) => coverageSession.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
await coveragePost('Profiler.enable');
await coveragePost('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
/**
 * Whether the finding's line executed: every generated position that the source map sends to that line
 * of the user's file, with the count of the innermost covered range around it (block coverage).
 */
async function findingReached() {
  const finding = config.finding;
  if (!finding) return undefined;
  const url = pathToFileURL(config.bundlePath).href;
  const { result } = await coveragePost('Profiler.takePreciseCoverage');
  const script = result.find((s) => s.url === url);
  const map = findSourceMap(url) ?? findSourceMap(config.bundlePath);
  if (!script || !map) return { executed: false, count: 0, positions: 0 };
  const ranges = script.functions.flatMap((f) => f.ranges);
  const countAt = (offset) => {
    let best;
    for (const r of ranges) if (r.startOffset <= offset && offset < r.endOffset && (!best || r.endOffset - r.startOffset < best.endOffset - best.startOffset)) best = r;
    return best ? best.count : 0;
  };
  const wanted = pathToFileURL(finding.file).href;
  const lines = readFileSync(config.bundlePath, 'utf8').split('\\n');
  let offset = 0, positions = 0, count = 0;
  for (let l = 0; l < lines.length; l++) {
    const text = lines[l];
    let last = -1;
    // The inline source map itself is one long comment line with no code.
    if (!text.startsWith('//# sourceMappingURL')) for (let c = 0; c < text.length; c++) {
      if (text[c] === ' ' || text[c] === '\\t') continue;
      const entry = map.findEntry(l, c);
      if (!entry || entry.generatedLine !== l || entry.generatedColumn === last) continue;
      last = entry.generatedColumn;
      if (entry.originalLine + 1 !== finding.line) continue;
      const source = String(entry.originalSource ?? '');
      if (source !== wanted && source !== finding.file) continue;
      positions++;
      count = Math.max(count, countAt(offset + c));
    }
    offset += text.length + 1;
  }
  return { executed: count > 0, count, positions };
}
let loaded;
try {
  loaded = await import(pathToFileURL(config.bundlePath).href);
} catch (error) {
  emit({ error: 'loading the module threw: ' + describeError(error) });
  process.exit(0);
}
const holder = loaded[config.target.exportName];
const member = config.target.member;
const fn = config.target.holder === 'function' ? holder : config.target.holder === 'class' ? holder?.prototype?.[member] : holder?.[member];
const self = config.target.holder === 'class' ? stubThis(holder.prototype, 'this') : config.target.holder === 'function' ? undefined : holder;
if (typeof fn !== 'function') {
  emit({ error: config.target.name + ' is not a function once the module has loaded' });
  process.exit(0);
}
// A parameter may be a promise the function awaits or chains (\`work.then(...)\`): each is a stub that is also
// already settled, so awaiting it costs no stub call and leaves no timer.
const stubArgs = () => Array.from({ length: config.target.parameters }, (_, i) => makeStub('arg' + i, Promise.resolve(makeStub('arg' + i))));
const callTarget = (args) => fn.apply(self, args ?? stubArgs());
/** Where V8 says the called function is ([[FunctionLocation]]), mapped back through the bundle's source map. */
async function functionLocation() {
  const session = new inspector.Session();
  session.connect();
  const post = (method, params) => new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  try {
    globalThis.__bottleneckCalled = fn;
    const { result } = await post('Runtime.evaluate', { expression: 'globalThis.__bottleneckCalled' });
    const { internalProperties } = await post('Runtime.getProperties', { objectId: result.objectId });
    const location = (internalProperties ?? []).find((p) => p.name === '[[FunctionLocation]]')?.value?.value;
    const map = findSourceMap(pathToFileURL(config.bundlePath).href) ?? findSourceMap(config.bundlePath);
    const entry = location && map ? map.findEntry(location.lineNumber, location.columnNumber) : undefined;
    return entry && entry.originalSource ? { source: entry.originalSource, line: entry.originalLine + 1 } : null;
  } catch {
    return null;
  } finally {
    delete globalThis.__bottleneckCalled;
    session.disconnect();
  }
}
`;

export type Isolation = 'no-network' | 'loopback-only' | 'none';

/** The child's V8 heap limit (`--max-old-space-size`): code that allocates without bound dies, not the machine. */
export const CHILD_HEAP_MB = 512;

function works(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Inside a new mount namespace: every mount read-only (but /proc, /dev and /sys), then the run's scratch
 * directory bound writable over itself; loopback up when asked. `$1` is the scratch directory.
 */
function sandboxScript(loopback: boolean): string {
  return [
    'set -e',
    's="$1"; shift',
    ...(loopback ? ['ip link set lo up'] : []),
    'mount --make-rprivate /',
    'mount --rbind / /',
    'while read -r _id _parent _dev _root m _rest; do case "$m" in /proc|/proc/*|/dev|/dev/*|/sys|/sys/*) ;; *) mount -o remount,bind,ro "$m" 2>/dev/null || true ;; esac; done < /proc/self/mountinfo',
    'mount --bind "$s" "$s"',
    'mount -o remount,bind,rw "$s"',
    'exec "$@"',
  ].join('\n');
}

/** What the child runs under: each level drops one namespace the OS may refuse (tried once, then remembered). */
export interface Sandbox {
  wrapper: string[];
  isolation: Isolation;
  /** `pid-namespace`: everything the child starts dies with it, even a detached grandchild. */
  processes: 'pid-namespace' | 'process-group';
  /** `scratch-only`: the file system is read-only but for the run's temp directory. */
  writes: 'scratch-only' | 'unconfined';
}

const levels = new Map<string, boolean>();
function level(key: string, command: string[], scratch: string): boolean {
  if (!levels.has(key)) levels.set(key, works(command[0] as string, [...command.slice(1), ...(key.includes('mount') ? [scratch] : []), 'true']));
  return levels.get(key) === true;
}

export function sandboxWrapper(needsLoopback: boolean, scratch: string): Sandbox {
  const net: Isolation = needsLoopback ? 'loopback-only' : 'no-network';
  const full = ['unshare', '-rnpm', '--fork', '--kill-child', 'sh', '-c', sandboxScript(needsLoopback), 'bottleneck-sandbox'];
  if (level(`mount:${needsLoopback}`, full, scratch)) return { wrapper: [...full, scratch], isolation: net, processes: 'pid-namespace', writes: 'scratch-only' };
  const pid = needsLoopback ? ['unshare', '-rnp', '--fork', '--kill-child', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"'] : ['unshare', '-rnp', '--fork', '--kill-child'];
  if (level(`pid:${needsLoopback}`, pid, scratch)) return { wrapper: pid, isolation: net, processes: 'pid-namespace', writes: 'unconfined' };
  const plain = needsLoopback ? ['unshare', '-rn', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"'] : ['unshare', '-rn'];
  if (level(`net:${needsLoopback}`, plain, scratch)) return { wrapper: plain, isolation: net, processes: 'process-group', writes: 'unconfined' };
  return { wrapper: [], isolation: 'none', processes: 'process-group', writes: 'unconfined' };
}

/** Kept for callers that only need the network part. */
export function networkWrapper(needsLoopback: boolean): { wrapper: string[]; isolation: Isolation } {
  const { wrapper, isolation } = sandboxWrapper(needsLoopback, os.tmpdir());
  return { wrapper, isolation };
}

export function describeIsolation(isolation: Isolation): string {
  if (isolation === 'no-network') return 'no network at all (unshare -rn)';
  if (isolation === 'loopback-only') return 'loopback only (unshare -rn, lo brought up inside the namespace)';
  return 'network NOT isolated (unshare is not available on this OS)';
}

export interface UserModuleRun<T> {
  result: T | null;
  stderr: string;
  exitDelayMs: number | null;
  /** Packages replaced by stubs. */
  stubbed: string[];
  isolation: Isolation;
  sandbox: Sandbox;
  /** True when the child died of its capped heap. */
  outOfMemory: boolean;
  killedBy?: 'deadline' | 'abort' | 'exit-wait';
}

/** Why a child gave no result, in words: out of memory, interrupted, out of time, or what it printed. */
export function noResultReason(run: { stderr: string; outOfMemory: boolean; killedBy?: string | undefined }, what: string): string {
  if (run.outOfMemory) return `${what} ran out of memory (heap capped at ${CHILD_HEAP_MB} MB) and was stopped`;
  if (run.killedBy === 'abort') return `interrupted (Ctrl-C): ${what} was stopped with its whole process group`;
  const first = run.stderr.split('\n').find((line) => line.trim().length > 0);
  const limit = run.killedBy === 'deadline' ? ' (its share of --budget ran out: raise --budget)' : '';
  return `${what} did not answer in time${limit}${first ? `: ${first}` : ''}`;
}

export interface UserModuleRequest {
  /** Absolute path of the user's file. */
  file: string;
  /** The module text (the original, or with the fix applied). */
  text: string;
  target: CallTarget;
  /** The family's measurement: JavaScript run after the prelude, ending in one emit(...). */
  body: string;
  /** Family settings, available to the body as `config.family`. */
  family: unknown;
  stub: { latencyMs: number; numberValue: number; items: number; recordSites: boolean; latencies?: Record<string, number> };
  /** The finding's line in the user's file, checked with V8 coverage (`findingReached()` in the body). */
  finding?: { line: number };
  realPackages?: string[];
  /** Packages replaced by probe-written modules (see bundle.ts). */
  shims?: Record<string, string>;
  needsLoopback?: boolean;
  /** A PEM certificate the child trusts besides the system CAs (NODE_EXTRA_CA_CERTS): a test server's own. */
  trustCertificate?: string;
  exitWaitMs?: number;
  context: ProbeContext;
}

/** Bundles the module without running it: `{ error }` when it does not compile. */
export async function compileCheck(request: { file: string; text: string; target: CallTarget; realPackages?: string[] }): Promise<{ ok: true } | { error: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bottleneck-compile-'));
  try {
    const bundled = await bundleModule({ file: request.file, text: exportTarget(request.text, request.target), outFile: path.join(dir, 'bundle.mjs'), ...(request.realPackages ? { realPackages: request.realPackages } : {}) });
    return 'error' in bundled ? { error: bundled.error } : { ok: true };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** How a child ran, for the notes: environment, network, processes, writes, memory, time. */
export function describeContainment(sandbox: Sandbox): string {
  return [
    'scrubbed environment',
    describeIsolation(sandbox.isolation),
    sandbox.processes === 'pid-namespace' ? 'own PID namespace and process group (everything it starts is killed with it)' : 'own process group, killed whole at the end (a process that leaves the group can outlive the run: no PID namespace here)',
    sandbox.writes === 'scratch-only' ? 'file system read-only but for a scratch directory (and /dev, /proc, /sys, left to the kernel\'s own permission checks)' : 'file system writes NOT confined (no mount namespace here: your files, and /dev, /proc, /sys as far as this user may write them)',
    `heap capped at ${CHILD_HEAP_MB} MB`,
    'results on a private pipe, not stdout',
    'time limit',
  ].join(', ');
}

/** Bundles and runs; `{ error }` when the module does not compile. */
export async function runUserModule<T>(request: UserModuleRequest): Promise<UserModuleRun<T> | { error: string }> {
  const prepared = await prepareUserModule(request);
  return 'error' in prepared ? prepared : prepared.run<T>();
}

/**
 * Bundles once, runs as often as asked: each run gets a fresh scratch directory with the bundle, the
 * harness and its settings written anew (what one run's code wrote there cannot reach the next) and a new
 * result token. `family` may change per run (a block of calls, say).
 */
export async function prepareUserModule(request: UserModuleRequest): Promise<{ run<T>(family?: unknown): Promise<UserModuleRun<T>> } | { error: string }> {
  const bundleDir = mkdtempSync(path.join(os.tmpdir(), 'bottleneck-exec-'));
  let bundled: Awaited<ReturnType<typeof bundleModule>>;
  try {
    // The source map's paths are relative to the bundle's directory: every run uses the same one.
    bundled = await bundleModule({ file: request.file, text: exportTarget(request.text, request.target), outFile: path.join(bundleDir, 'bundle.mjs'), ...(request.realPackages ? { realPackages: request.realPackages } : {}), ...(request.shims ? { shims: request.shims } : {}) });
  } finally {
    rmSync(bundleDir, { recursive: true, force: true });
  }
  if ('error' in bundled) return { error: bundled.error };
  const { code, stubbed } = bundled;
  return {
    async run<T>(family: unknown = request.family): Promise<UserModuleRun<T>> {
      mkdirSync(bundleDir, { mode: 0o700 });
      const dir = bundleDir;
      try {
        const bundlePath = path.join(dir, 'bundle.mjs');
        writeFileSync(bundlePath, code);
        const sandbox = sandboxWrapper(request.needsLoopback === true, dir);
        const { wrapper, isolation } = sandbox;
        const trusted = path.join(dir, 'trusted-ca.pem');
        if (request.trustCertificate) writeFileSync(trusted, request.trustCertificate);
        const exitWaitMs = request.exitWaitMs ?? 200;
        // A file, not `-e`: code evaluated with -e sees every builtin module as a global, a module does not.
        const harnessPath = path.join(dir, 'harness.mjs');
        writeFileSync(harnessPath, `${PRELUDE}\n${request.body}`);
        const configPath = path.join(dir, 'config.json');
        const token = randomBytes(24).toString('hex');
        writeFileSync(
          configPath,
          JSON.stringify({
            token,
            harnessDir: dir,
            bundlePath,
            target: { ...request.target, exportName: request.target.binding === 'default' ? 'default' : TARGET_EXPORT },
            stub: request.stub,
            family,
            ...(request.finding ? { finding: { file: request.file, line: request.finding.line } } : {}),
          }),
        );
        const run = await runChildScript<T>(
          '',
          { configPath },
          {
            nodeFlags: ['--enable-source-maps'],
            heapMb: CHILD_HEAP_MB,
            token,
            scriptPath: harnessPath,
            wrapper,
            ...(request.trustCertificate ? { env: { NODE_EXTRA_CA_CERTS: trusted } } : {}),
            cwd: dir,
            timeoutMs: Math.max(1_500, Math.min(20_000, request.context.deadline - Date.now())) + exitWaitMs,
            exitWaitMs,
            signal: request.context.signal,
          },
        );
        return { result: run.result, stderr: run.stderr, exitDelayMs: run.exitDelayMs, stubbed, isolation, sandbox, outOfMemory: run.outOfMemory, ...(run.killedBy ? { killedBy: run.killedBy } : {}) };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A source path or file URL from the child, relative to `cwd` with `/` separators. */
export function relativeSource(source: string, cwd: string): string {
  const absolute = source.startsWith('file:') ? fileURLToPath(source) : source;
  return path.relative(cwd, absolute).split(path.sep).join('/');
}

/** `file:line` sites from the child as `file:7, 8; other.ts:3`, relative to `cwd`, lines in order. */
export function formatSites(sites: Array<[string, number]>, cwd: string): string {
  const byFile = new Map<string, number[]>();
  for (const [site] of sites) {
    const colon = site.lastIndexOf(':');
    const file = relativeSource(site.slice(0, colon), cwd);
    byFile.set(file, [...(byFile.get(file) ?? []), Number(site.slice(colon + 1))]);
  }
  return [...byFile].map(([file, lines]) => `${file}:${[...new Set(lines)].sort((a, b) => a - b).join(', ')}`).join('; ');
}

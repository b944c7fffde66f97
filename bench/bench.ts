/**
 * `npm run bench`: times whole commands on generated corpora (flat trees of 1k, 5k and 20k files and an 8k
 * workspace shaped like a NestJS + front-end monorepo) or real directories (`--corpus <dir>`). Every ratio
 * comes from paired runs, A B A B after one warm-up each, as the median of the per-pair ratios, so drift of a
 * shared machine hits both sides of a pair alike: the scan against the parse floor of the files the scanner
 * itself scans, the warm re-scan against oxlint's cold run and ESLint (`no-await-in-loop` only) against the
 * scan, each when installed. A benchmark, not a test: it asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fg from 'fast-glob';
import { generateCorpus, generateMonorepo } from './corpus.js';
import { benchEvidence } from './evidence.js';

interface Args {
  sizes: number[];
  monorepo: number[];
  corpus: string[];
  runs: number;
  eslintMaxFiles: number;
  scanArgs: string[];
  /** The preload's overhead benchmark (bench/evidence.ts): pairs (0 leaves it out), requests per run, concurrency. */
  evidencePairs: number;
  evidenceRequests: number;
  evidenceConcurrency: number;
  /** The preload entry the benchmark runs (default the package's `./register` export, dist/bundle/register.js): another build's to compare. */
  evidenceRegister?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { sizes: [1000, 5000, 20000], monorepo: [8000], corpus: [], runs: 5, eslintMaxFiles: 5000, scanArgs: [], evidencePairs: 5, evidenceRequests: 20000, evidenceConcurrency: 16 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--corpus' && value) (args.corpus.push(value), i++);
    else if (flag === '--sizes' && value !== undefined) (args.sizes = value.split(',').filter(Boolean).map(Number), i++);
    else if (flag === '--monorepo' && value !== undefined) (args.monorepo = value.split(',').filter(Boolean).map(Number), i++);
    else if (flag === '--runs' && value) (args.runs = Math.max(1, Number(value)), i++);
    else if (flag === '--eslint-max-files' && value) (args.eslintMaxFiles = Number(value), i++);
    else if (flag === '--scan-arg' && value) (args.scanArgs.push(value), i++);
    else if (flag === '--evidence-pairs' && value) (args.evidencePairs = Math.max(0, Number(value)), i++);
    else if (flag === '--evidence-requests' && value) (args.evidenceRequests = Math.max(1, Number(value)), i++);
    else if (flag === '--evidence-concurrency' && value) (args.evidenceConcurrency = Math.max(1, Number(value)), i++);
    else if (flag === '--evidence-register' && value) (args.evidenceRegister = path.resolve(value), i++);
    else if (flag === '--evidence-only') (args.sizes = [], args.monorepo = [], args.corpus = []);
    else if (flag === '--help') {
      process.stdout.write('usage: npm run bench -- [--sizes 1000,5000,20000] [--monorepo 8000] [--corpus <dir>]... [--runs 5] [--eslint-max-files 5000] [--scan-arg <arg>]... [--evidence-pairs 5] [--evidence-requests 20000] [--evidence-concurrency 16] [--evidence-register dist/bundle/register.js] [--evidence-only]\n(--sizes \'\' or --monorepo \'\' leave a shape out; --evidence-pairs 0 leaves the preload benchmark out)\n');
      process.exit(0);
    }
  }
  if (args.corpus.length > 0 && !argv.includes('--sizes')) args.sizes = [];
  if (args.corpus.length > 0 && !argv.includes('--monorepo')) args.monorepo = [];
  return args;
}

interface Sample {
  wallSeconds: number;
  /** User + system CPU seconds of the process and its threads (and children it waited for). */
  cpuSeconds: number;
  peakRssMb: number;
  output: string;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Where the commands run: the tree being measured, as a user runs the tool from their project (results depend
 * on it: paths, and the project's own files, are read relative to it).
 */
let commandCwd = root;

/** One run of a command as a whole process, timed by GNU time (wall and CPU seconds, peak RSS). */
function timeOnce(command: string[], env: NodeJS.ProcessEnv = process.env): Sample {
  const hasGnuTime = existsSync('/usr/bin/time');
  const started = performance.now();
  const child = hasGnuTime
    ? spawnSync('/usr/bin/time', ['-f', '__TIME__ %e %M %U %S', ...command], { encoding: 'utf8', maxBuffer: 1 << 30, env, cwd: commandCwd })
    : spawnSync(command[0] ?? 'node', command.slice(1), { encoding: 'utf8', maxBuffer: 1 << 30, env, cwd: commandCwd });
  const wall = (performance.now() - started) / 1000;
  if (child.status !== 0 && child.status !== 1) throw new Error(`${command.join(' ')} failed (${child.status}): ${child.stderr.slice(-500)}`);
  const match = /__TIME__ ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(child.stderr);
  return {
    wallSeconds: match ? Number(match[1]) : wall,
    cpuSeconds: match ? Number(match[3]) + Number(match[4]) : NaN,
    peakRssMb: match ? Number(match[2]) / 1024 : NaN,
    output: child.stdout,
  };
}

interface Stats {
  median: number;
  min: number;
  max: number;
}

function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
  return { median, min: sorted[0] ?? NaN, max: sorted[sorted.length - 1] ?? NaN };
}

interface Side {
  wall: Stats;
  cpu: Stats;
  rss: Stats;
  output: string;
}

interface Paired {
  a: Side;
  b: Side;
  /** A's wall time over B's, pair by pair. */
  ratio: Stats;
  /** A's CPU time over B's, pair by pair: steadier than wall time on a machine shared with other work. */
  cpuRatio: Stats;
}

/** A and B in turn (A B A B ...) after one warm-up each, so a drifting machine slows both sides of a pair. */
function paired(a: string[], b: string[], runs: number, envA?: NodeJS.ProcessEnv, envB?: NodeJS.ProcessEnv): Paired {
  timeOnce(a, envA);
  timeOnce(b, envB);
  const as: Sample[] = [];
  const bs: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    as.push(timeOnce(a, envA));
    bs.push(timeOnce(b, envB));
  }
  return {
    a: side(as),
    b: side(bs),
    ratio: stats(as.map((sample, i) => sample.wallSeconds / (bs[i]?.wallSeconds ?? NaN))),
    cpuRatio: stats(as.map((sample, i) => sample.cpuSeconds / (bs[i]?.cpuSeconds ?? NaN))),
  };
}

function side(samples: Sample[]): Side {
  return { wall: stats(samples.map((s) => s.wallSeconds)), cpu: stats(samples.map((s) => s.cpuSeconds)), rss: stats(samples.map((s) => s.peakRssMb)), output: samples[0]?.output ?? '' };
}

function measure(command: string[], runs: number, env?: NodeJS.ProcessEnv): Side {
  timeOnce(command, env); // warm-up: disk cache, V8 code cache
  return side(Array.from({ length: runs }, () => timeOnce(command, env)));
}

const fmt = (s: Stats, digits = 2) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;

const oxlintBin = path.join(root, 'node_modules', '.bin', 'oxlint');

/**
 * The comparison tools, each an optional dev dependency: the version when installed and runnable, or why it is
 * skipped (printed once above the table, so a missing column is never silent).
 */
interface Tools {
  oxlint?: string;
  eslint?: string;
  skipped: string[];
}

function detectTools(): Tools {
  const tools: Tools = { skipped: [] };
  const ox = existsSync(oxlintBin) ? spawnSync(oxlintBin, ['--version'], { encoding: 'utf8' }) : undefined;
  if (ox && ox.status === 0) tools.oxlint = ox.stdout.replace(/^Version:\s*/i, '').trim();
  else tools.skipped.push(`oxlint: skipped, ${ox ? `\`oxlint --version\` failed (${ox.status ?? ox.signal}): its native binary is missing for this platform` : 'not installed'} (optional dev dependency: \`npm install\` without --omit=dev or --omit=optional)`);
  try {
    const eslintPkg = JSON.parse(readFileSync(path.join(root, 'node_modules', 'eslint', 'package.json'), 'utf8')) as { version: string };
    if (!existsSync(path.join(root, 'node_modules', '@typescript-eslint', 'parser', 'package.json'))) throw new Error('@typescript-eslint/parser');
    tools.eslint = eslintPkg.version;
  } catch {
    tools.skipped.push('ESLint: skipped, eslint or @typescript-eslint/parser not installed (dev dependencies)');
  }
  return tools;
}

/**
 * Warm re-scan of an unchanged tree (paired with oxlint's cold run when oxlint is installed), then with one
 * file edited (its content restored afterwards).
 */
function measureWarm(scanCommand: string[], dir: string, runs: number, tools: Tools): { unchanged: Side; oxlint?: Side; vsOxlint?: { wall: Stats; cpu: Stats }; oneChanged: Stats } {
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'bottleneck-bench-cache-'));
  const command = [...scanCommand, '--cache-location', cacheDir];
  try {
    let unchanged: Side;
    let oxlint: Side | undefined;
    let vsOxlint: { wall: Stats; cpu: Stats } | undefined;
    if (tools.oxlint) {
      // oxlint's defaults (its correctness rules), no config file, as a user's first run; oxlint keeps no
      // cache, so every run of it is cold.
      const run = paired(command, [oxlintBin, '--quiet', '--disable-nested-config', dir], runs);
      unchanged = run.a;
      oxlint = run.b;
      vsOxlint = { wall: run.ratio, cpu: run.cpuRatio };
    } else {
      unchanged = measure(command, runs);
    }
    let oneChanged: Stats = { median: NaN, min: NaN, max: NaN };
    const victim = fg.sync('**/*.{ts,tsx,js,mjs,cjs}', { cwd: dir, absolute: true, ignore: ['**/node_modules/**', '**/*.d.ts'] })[0];
    if (victim) {
      const file = victim;
      const original = readFileSync(file, 'utf8');
      const samples: number[] = [];
      try {
        for (let i = 0; i < runs; i++) {
          // The edit holds a trigger word, so the changed file is really parsed (worst case).
          appendFileSync(file, `\n// bench edit ${i}: await\n`);
          samples.push(timeOnce(command).wallSeconds);
        }
      } finally {
        writeFileSync(file, original);
      }
      oneChanged = stats(samples);
    }
    return { unchanged, ...(oxlint && vsOxlint ? { oxlint, vsOxlint } : {}), oneChanged };
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

function benchOne(label: string, dir: string, args: Args, tools: Tools): string {
  const node = process.execPath;
  commandCwd = dir;
  const scanCommand = [node, path.join(root, 'bin/bottleneck.js'), 'scan', '.', '--format', 'json', '--fail-on', 'none', ...args.scanArgs];
  const cold = [...scanCommand, '--no-cache'];
  const floorCommand = [node, path.join(root, 'dist/bench/floor.js'), dir];
  const scanVsFloor = paired(cold, floorCommand, args.runs);
  const summary = JSON.parse(scanVsFloor.a.output) as { summary: { files: number }; findings: unknown[] };
  const files = summary.summary.files;
  // The scanner loads TypeScript through a V8 code cache that the naive floor has not: shown without it too.
  const noCompileCache = paired(cold, floorCommand, args.runs, { ...process.env, BOTTLENECK_COMPILE_CACHE: '0' });
  const warm = measureWarm(scanCommand, dir, args.runs, tools);
  const eslint = tools.eslint && files <= args.eslintMaxFiles ? paired([node, path.join(root, 'dist/bench/eslint-runner.js'), dir], cold, Math.min(args.runs, 3)) : undefined;
  const cells = [
    label,
    String(files),
    String(summary.findings.length),
    fmt(scanVsFloor.a.wall),
    scanVsFloor.a.rss.median.toFixed(0),
    fmt(scanVsFloor.b.wall),
    fmt(scanVsFloor.ratio),
    fmt(scanVsFloor.cpuRatio),
    fmt(noCompileCache.ratio),
    `${fmt(warm.unchanged.wall)}; CPU ${fmt(warm.unchanged.cpu)}`,
    warm.oxlint ? `${fmt(warm.oxlint.wall)}; CPU ${fmt(warm.oxlint.cpu)}` : 'not installed',
    warm.vsOxlint ? fmt(warm.vsOxlint.wall) : '–',
    warm.vsOxlint ? fmt(warm.vsOxlint.cpu) : '–',
    fmt(warm.oneChanged),
    eslint ? fmt(eslint.a.wall) : !tools.eslint ? 'not installed' : `skipped (> ${args.eslintMaxFiles} files)`,
    eslint ? fmt(eslint.ratio) : '–',
    eslint ? fmt(eslint.cpuRatio) : '–',
  ];
  return `| ${cells.join(' | ')} |`;
}

/**
 * The directory's name, with its git commit when it is in a checkout (`repo/sub/dir (commit)` for a
 * directory inside one), so a row says which tree it measured.
 */
function corpusLabel(dir: string): string {
  const top = spawnSync('git', ['-C', dir, 'rev-parse', '--show-toplevel'], { encoding: 'utf8' });
  if (top.status !== 0) return path.basename(dir);
  const topDir = path.resolve(top.stdout.trim());
  const inside = path.relative(topDir, dir);
  const name = inside ? `${path.basename(topDir)}/${inside}` : path.basename(topDir);
  const commit = spawnSync('git', ['-C', dir, 'rev-parse', '--short=10', 'HEAD'], { encoding: 'utf8' });
  return commit.status === 0 ? `${name} (${commit.stdout.trim()})` : name;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const header = [
    '| corpus | files | findings | cold scan s, median (min–max) | scan peak RSS MB | parse floor s (same files) | scan / floor, paired | scan / floor CPU, paired | scan / floor, compile cache off, paired | warm re-scan s | oxlint cold s | warm re-scan / oxlint cold, paired | warm re-scan / oxlint cold CPU, paired | re-scan, 1 file changed s | ESLint no-await-in-loop s | ESLint / scan, paired | ESLint / scan CPU, paired |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const tools = detectTools();
  const versions = [`Node ${process.version}`, ...(tools.oxlint ? [`oxlint ${tools.oxlint}`] : []), ...(tools.eslint ? [`ESLint ${tools.eslint}`] : [])].join(', ');
  const skipped = tools.skipped.map((line) => `${line}\n`).join('');
  process.stdout.write(`${versions}; ${args.runs} pairs after 1 warm-up each (ESLint: at most 3); ratios are medians of per-pair ratios (min–max)\n${skipped}\n${header.join('\n')}\n`);
  for (const size of args.sizes) {
    const dir = generateCorpus(path.join(root, '.bench', `corpus-${size}`), size);
    process.stdout.write(`${benchOne(`generated ${size}`, dir, args, tools)}\n`);
  }
  for (const size of args.monorepo) {
    const dir = generateMonorepo(path.join(root, '.bench', `monorepo-${size}`), size);
    process.stdout.write(`${benchOne(`generated monorepo ${size}`, dir, args, tools)}\n`);
  }
  for (const dir of args.corpus) process.stdout.write(`${benchOne(corpusLabel(path.resolve(dir)), path.resolve(dir), args, tools)}\n`);
  if (args.evidencePairs > 0) {
    process.stdout.write(`\n${await benchEvidence(root, { pairs: args.evidencePairs, requests: args.evidenceRequests, concurrency: args.evidenceConcurrency, ...(args.evidenceRegister ? { register: args.evidenceRegister } : {}) })}`);
  }
}

await main();

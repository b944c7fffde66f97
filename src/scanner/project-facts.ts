import { existsSync } from 'node:fs';
import path from 'node:path';
import { notRegularReason, readRegularFile } from '../safe-fs.js';

/** What rules may know about the package a file belongs to. Read once per package root. */
export interface ProjectFacts {
  /** Directory holding the package.json, or undefined when none was found. */
  root: string | undefined;
  /** Oldest Node.js major the project supports, when the project says so. */
  minNodeMajor: number | undefined;
  /** Where `minNodeMajor` came from, for evidence: `engines.node ">=18"`. */
  nodeVersionSource: string | undefined;
  dependencies: Record<string, string>;
  /** `connection_limit=N` in a connection URL of the package's committed env files (`.env`, `.env.example`...):
   *  Prisma reads its pool size from that URL. Set only when some file has one. */
  envConnectionLimits?: Array<{ variable: string; limit: number; file: string }>;
  /** The variable Prisma's schema reads its URL from (`url = env("DATABASE_URL")`), when a schema says. */
  prismaUrlVariable?: string;
  /** A serverless deployment file (`vercel.json`, `serverless.yml`, `netlify.toml`): one connection per instance is the norm there. */
  serverlessConfig?: string;
  /** What says the package is built for a browser: its package.json `browser` field, a bundler config for pages
   *  (`vite.config.ts`, `next.config.js`...). Set only when one does. */
  browserBuild?: string;
  /** The package.json `bin` field names a command: the package is (also) a CLI. */
  cliBin?: string;
}

const BROWSER_CONFIGS = ['vite.config.ts', 'vite.config.js', 'vite.config.mjs', 'vite.config.mts', 'next.config.js', 'next.config.mjs', 'next.config.ts', 'nuxt.config.ts', 'svelte.config.js', 'astro.config.mjs', 'angular.json'];

/** Env files read for connection URLs, the one Prisma loads first. */
const ENV_FILES = ['.env', '.env.example', '.env.sample', '.env.template', '.env.development', '.env.local'];
const PRISMA_SCHEMAS = ['prisma/schema.prisma', 'schema.prisma'];
const SERVERLESS_FILES = ['vercel.json', 'serverless.yml', 'serverless.yaml', 'serverless.ts', 'netlify.toml'];

/** `VAR="postgresql://...?connection_limit=3"` lines of the package's env files. */
function envConnectionLimits(root: string, problems: FactsProblems | undefined): ProjectFacts['envConnectionLimits'] {
  const found: NonNullable<ProjectFacts['envConnectionLimits']> = [];
  for (const name of ENV_FILES) {
    const file = path.join(root, name);
    const text = existsSync(file) ? readProjectFile(file, problems) : undefined;
    for (const match of text?.matchAll(/^\s*(?:export\s+)?([A-Za-z_]\w*)\s*=\s*["']?[^\n]*?[?&]connection_limit=(\d+)/gm) ?? []) {
      if (found.length < 8 && !found.some((f) => f.variable === match[1])) found.push({ variable: match[1] ?? '', limit: Number(match[2]), file: name });
    }
  }
  return found.length > 0 ? found : undefined;
}

function prismaUrlVariable(root: string, problems: FactsProblems | undefined): string | undefined {
  for (const name of PRISMA_SCHEMAS) {
    const file = path.join(root, name);
    const text = existsSync(file) ? readProjectFile(file, problems) : undefined;
    const match = text ? /datasource\s+\w+\s*\{[^}]*?\burl\s*=\s*env\(\s*"(\w+)"\s*\)/.exec(text) : null;
    if (match?.[1]) return match[1];
  }
  return undefined;
}

const NVM_ALIASES: Record<string, number> = {
  argon: 4, boron: 6, carbon: 8, dubnium: 10, erbium: 12, fermium: 14, gallium: 16, hydrogen: 18, iron: 20, jod: 22, krypton: 24,
};

/** Lowest major version a semver range admits: `>=18`, `^16 || >=18`, `18.x`, `v20.1.0`. */
export function lowestMajor(range: string): number | undefined {
  let lowest: number | undefined;
  for (const alternative of range.split('||')) {
    const match = /(\d+)/.exec(alternative.replace(/^\s*v/, ''));
    const isUpperBoundOnly = /^\s*<[^=]?/.test(alternative) && !/>/.test(alternative);
    if (!match || isUpperBoundOnly) continue;
    const major = Number(match[1]);
    if (lowest === undefined || major < lowest) lowest = major;
  }
  return lowest;
}

function nvmrcMajor(text: string): number | undefined {
  const value = text.trim().toLowerCase();
  const alias = /^lts\/(\w+)/.exec(value);
  if (alias?.[1] && NVM_ALIASES[alias[1]] !== undefined) return NVM_ALIASES[alias[1]];
  return /^v?\d/.test(value) ? lowestMajor(value) : undefined;
}

interface PackageJson {
  engines?: { node?: unknown };
  browser?: unknown;
  bin?: unknown;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** Project files that were special files (never opened) or unreadable, by absolute path. */
export interface FactsProblems {
  skipped: Array<{ absolute: string; reason: string }>;
  unreadable: Array<{ absolute: string; reason: string }>;
}

/** A project file's text, or undefined when it is missing, special (a FIFO would block the read) or unreadable. */
function readProjectFile(file: string, problems: FactsProblems | undefined): string | undefined {
  try {
    const outcome = readRegularFile(file, 16 * 1024 * 1024);
    if ('text' in outcome) return outcome.text;
    if ('notRegular' in outcome) problems?.skipped.push({ absolute: file, reason: notRegularReason(outcome.notRegular) });
    if ('tooLarge' in outcome) problems?.skipped.push({ absolute: file, reason: `larger than the size limit (${outcome.tooLarge} bytes)` });
  } catch (error) {
    problems?.unreadable.push({ absolute: file, reason: `Cannot read ${path.basename(file)}: ${error instanceof Error ? error.message : String(error)}` });
  }
  return undefined;
}

function readJson(file: string, problems: FactsProblems | undefined): PackageJson | undefined {
  const text = readProjectFile(file, problems);
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as PackageJson) : undefined;
  } catch {
    return undefined;
  }
}

export function readProjectFacts(root: string | undefined, problems?: FactsProblems): ProjectFacts {
  if (!root) return { root, minNodeMajor: undefined, nodeVersionSource: undefined, dependencies: {} };
  const pkg = readJson(path.join(root, 'package.json'), problems) ?? {};
  const dependencies = { ...pkg.peerDependencies, ...pkg.devDependencies, ...pkg.dependencies };
  let minNodeMajor: number | undefined;
  let nodeVersionSource: string | undefined;
  const engines = typeof pkg.engines?.node === 'string' ? pkg.engines.node : undefined;
  if (engines !== undefined) {
    minNodeMajor = lowestMajor(engines);
    nodeVersionSource = `engines.node "${engines}"`;
  }
  const nvmrc = path.join(root, '.nvmrc');
  const nvmrcText = minNodeMajor === undefined && existsSync(nvmrc) ? readProjectFile(nvmrc, problems) : undefined;
  if (nvmrcText !== undefined) {
    minNodeMajor = nvmrcMajor(nvmrcText);
    if (minNodeMajor !== undefined) nodeVersionSource = `.nvmrc "${nvmrcText.trim()}"`;
  }
  const typesNode = pkg.devDependencies?.['@types/node'] ?? pkg.dependencies?.['@types/node'];
  if (minNodeMajor === undefined && typesNode) {
    minNodeMajor = lowestMajor(typesNode);
    if (minNodeMajor !== undefined) nodeVersionSource = `@types/node "${typesNode}"`;
  }
  const facts: ProjectFacts = { root, minNodeMajor, nodeVersionSource, dependencies };
  const browserConfig = BROWSER_CONFIGS.find((name) => existsSync(path.join(root, name)));
  if (pkg.browser !== undefined) facts.browserBuild = 'its package.json has a "browser" field';
  else if (browserConfig) facts.browserBuild = `its package has ${browserConfig}`;
  if (typeof pkg.bin === 'string') facts.cliBin = pkg.bin;
  else if (pkg.bin && typeof pkg.bin === 'object') facts.cliBin = Object.keys(pkg.bin)[0];
  const limits = envConnectionLimits(root, problems);
  if (limits) {
    facts.envConnectionLimits = limits;
    const variable = prismaUrlVariable(root, problems);
    if (variable) facts.prismaUrlVariable = variable;
    const serverless = SERVERLESS_FILES.find((name) => existsSync(path.join(root, name)));
    if (serverless) facts.serverlessConfig = serverless;
  }
  return facts;
}

/** Finds and caches the facts of the package each file belongs to. */
export class ProjectFactsCache implements FactsProblems {
  readonly skipped: FactsProblems['skipped'] = [];
  readonly unreadable: FactsProblems['unreadable'] = [];
  private readonly rootByDir = new Map<string, string | undefined>();
  private readonly factsByRoot = new Map<string | undefined, ProjectFacts>();

  forFile(absoluteFile: string): ProjectFacts {
    const root = this.packageRoot(path.dirname(absoluteFile));
    let facts = this.factsByRoot.get(root);
    if (!facts) {
      facts = readProjectFacts(root, this);
      this.factsByRoot.set(root, facts);
    }
    return facts;
  }

  private packageRoot(dir: string): string | undefined {
    if (this.rootByDir.has(dir)) return this.rootByDir.get(dir);
    const parent = path.dirname(dir);
    const root = existsSync(path.join(dir, 'package.json')) ? dir : parent === dir ? undefined : this.packageRoot(parent);
    this.rootByDir.set(dir, root);
    return root;
  }
}

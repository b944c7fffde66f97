import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** What rules may know about the package a file belongs to. Read once per package root. */
export interface ProjectFacts {
  /** Directory holding the package.json, or undefined when none was found. */
  root: string | undefined;
  /** Oldest Node.js major the project supports, when the project says so. */
  minNodeMajor: number | undefined;
  /** Where `minNodeMajor` came from, for evidence: `engines.node ">=18"`. */
  nodeVersionSource: string | undefined;
  dependencies: Record<string, string>;
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
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

function readJson(file: string): PackageJson | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return value && typeof value === 'object' ? (value as PackageJson) : undefined;
  } catch {
    return undefined;
  }
}

export function readProjectFacts(root: string | undefined): ProjectFacts {
  if (!root) return { root, minNodeMajor: undefined, nodeVersionSource: undefined, dependencies: {} };
  const pkg = readJson(path.join(root, 'package.json')) ?? {};
  const dependencies = { ...pkg.peerDependencies, ...pkg.devDependencies, ...pkg.dependencies };
  let minNodeMajor: number | undefined;
  let nodeVersionSource: string | undefined;
  const engines = typeof pkg.engines?.node === 'string' ? pkg.engines.node : undefined;
  if (engines !== undefined) {
    minNodeMajor = lowestMajor(engines);
    nodeVersionSource = `engines.node "${engines}"`;
  }
  const nvmrc = path.join(root, '.nvmrc');
  if (minNodeMajor === undefined && existsSync(nvmrc)) {
    const text = readFileSync(nvmrc, 'utf8');
    minNodeMajor = nvmrcMajor(text);
    if (minNodeMajor !== undefined) nodeVersionSource = `.nvmrc "${text.trim()}"`;
  }
  const typesNode = pkg.devDependencies?.['@types/node'] ?? pkg.dependencies?.['@types/node'];
  if (minNodeMajor === undefined && typesNode) {
    minNodeMajor = lowestMajor(typesNode);
    if (minNodeMajor !== undefined) nodeVersionSource = `@types/node "${typesNode}"`;
  }
  return { root, minNodeMajor, nodeVersionSource, dependencies };
}

/** Finds and caches the facts of the package each file belongs to. */
export class ProjectFactsCache {
  private readonly rootByDir = new Map<string, string | undefined>();
  private readonly factsByRoot = new Map<string | undefined, ProjectFacts>();

  forFile(absoluteFile: string): ProjectFacts {
    const root = this.packageRoot(path.dirname(absoluteFile));
    let facts = this.factsByRoot.get(root);
    if (!facts) {
      facts = readProjectFacts(root);
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

import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';

/**
 * A seeded generator of service-style TypeScript: mostly clean code, with each rule's patterns (and their
 * near misses) mixed in at realistic rates, so the benchmark exercises prefilter, parser and rules alike.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

const NOUNS = ['order', 'user', 'invoice', 'account', 'product', 'cart', 'session', 'report', 'shipment', 'payment'];

function cleanHelpers(random: Random, n: number): string {
  const noun = pick(random, NOUNS);
  return `
export interface ${cap(noun)}Row${n} {
  id: string;
  total: number;
  items: Array<{ sku: string; qty: number; price: number }>;
}

export function summarize${cap(noun)}${n}(rows: ${cap(noun)}Row${n}[]): { count: number; total: number } {
  let total = 0;
  for (const row of rows) {
    for (const item of row.items) total += item.qty * item.price;
  }
  return { count: rows.length, total: Math.round(total * 100) / 100 };
}

export function group${cap(noun)}${n}(rows: ${cap(noun)}Row${n}[]): Map<string, ${cap(noun)}Row${n}[]> {
  const groups = new Map<string, ${cap(noun)}Row${n}[]>();
  for (const row of rows) {
    const key = row.id.slice(0, ${2 + (n % 3)});
    const list = groups.get(key) ?? [];
    list.push(row);
    groups.set(key, list);
  }
  return groups;
}
`;
}

function asyncService(random: Random, n: number): string {
  const noun = pick(random, NOUNS);
  const independent = random() < 0.35;
  const body = independent
    ? `    const profile = await this.api.getProfile(id);
    const history = await this.api.getHistory(id);
    const settings = await this.api.getSettings(id);
    return { profile, history, settings };`
    : `    const profile = await this.api.getProfile(id);
    const history = await this.api.getHistory(profile.accountId);
    return { profile, history };`;
  const loop = random() < 0.3
    ? `
  async refreshAll(ids: string[]): Promise<void> {
    for (const id of ids) {
      await this.api.refresh(id);
    }
  }
`
    : `
  async pageThrough(): Promise<number> {
    let cursor: string | undefined;
    let seen = 0;
    do {
      const page = await this.api.list({ cursor });
      seen += page.items.length;
      cursor = page.next;
    } while (cursor);
    return seen;
  }
`;
  return `
interface Api${n} {
  getProfile(id: string): Promise<{ accountId: string }>;
  getHistory(id: string): Promise<unknown[]>;
  getSettings(id: string): Promise<unknown>;
  refresh(id: string): Promise<void>;
  list(q: { cursor?: string }): Promise<{ items: unknown[]; next?: string }>;
}

export class ${cap(noun)}Service${n} {
  constructor(private readonly api: Api${n}) {}

  async load(id: string) {
${body}
  }
${loop}}
`;
}

function timers(random: Random, n: number): string {
  return random() < 0.5
    ? `
export async function withTimeout${n}<T>(work: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    work,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms)),
  ]);
}
`
    : `
export async function withTimeout${n}<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
`;
}

function network(random: Random, n: number): string {
  return random() < 0.5
    ? `
import https from 'node:https';
export const agent${n} = new https.Agent({ rejectUnauthorized: false });
`
    : `
import https from 'node:https';
export const agent${n} = new https.Agent({ keepAlive: true, maxSockets: 50 });
`;
}

function cache(random: Random, n: number): string {
  return random() < 0.5
    ? `
export function compress${n}(value: string): string {
  return Buffer.from(value).toString('base64');
}
`
    : `
import { gzipSync } from 'node:zlib';
export function compress${n}(value: string): string {
  return gzipSync(value).toString('base64');
}
`;
}

function pool(random: Random, n: number): string {
  return random() < 0.5
    ? `
import { Pool } from 'pg';
export const pool${n} = new Pool({ max: 2, connectionTimeoutMillis: 60000 });
`
    : `
import { Pool } from 'pg';
export const pool${n} = new Pool({ max: Number(process.env.PG_POOL_MAX ?? 20), connectionTimeoutMillis: 5000 });
`;
}

function cap(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

export function generateFile(random: Random, index: number): string {
  const parts: string[] = [`// Generated benchmark module ${index}.`];
  const roll = random();
  if (roll < 0.4) {
    parts.push(cleanHelpers(random, index), cleanHelpers(random, index + 1));
  } else if (roll < 0.7) {
    parts.push(asyncService(random, index), cleanHelpers(random, index));
  } else if (roll < 0.8) {
    parts.push(timers(random, index), cleanHelpers(random, index));
  } else if (roll < 0.87) {
    parts.push(network(random, index), cleanHelpers(random, index));
  } else if (roll < 0.94) {
    parts.push(cache(random, index), cleanHelpers(random, index));
  } else {
    parts.push(pool(random, index), cleanHelpers(random, index));
  }
  // Imports must come first to be valid modules.
  const text = parts.join('\n');
  const imports = text.split('\n').filter((line) => line.startsWith('import '));
  const rest = text.split('\n').filter((line) => !line.startsWith('import '));
  return [...imports, ...rest].join('\n');
}

/** Writes `count` files under `dir` (100 per folder), once; returns the directory. */
export function generateCorpus(dir: string, count: number, seed = 42): string {
  const marker = path.join(dir, '.complete');
  if (existsSync(marker)) return dir;
  const random = mulberry32(seed);
  for (let i = 0; i < count; i++) {
    const folder = path.join(dir, `module-${String(Math.floor(i / 100)).padStart(3, '0')}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, `file-${i}.ts`), generateFile(random, i));
  }
  writeFileSync(marker, String(count));
  return dir;
}

function component(random: Random, index: number): string {
  const noun = pick(random, NOUNS);
  const name = `${cap(noun)}Panel${index}`;
  return `// Generated benchmark component ${index}.
import { useEffect, useState } from 'react';
import { format${cap(noun)} } from '@org/lib-${index % 12}';

export interface ${name}Props {
  id: string;
  onSelect?: (id: string) => void;
}

export function ${name}({ id, onSelect }: ${name}Props) {
  const [rows, setRows] = useState<Array<{ id: string; label: string }>>([]);
  useEffect(() => {
    let live = true;
    fetch(\`/api/${noun}s/\${id}\`)
      .then((response) => response.json())
      .then((data: Array<{ id: string; label: string }>) => live && setRows(data));
    return () => {
      live = false;
    };
  }, [id]);
  return (
    <ul className="${noun}-panel">
      {rows.map((row) => (
        <li key={row.id} onClick={() => onSelect?.(row.id)}>
          {format${cap(noun)}(row.label)}
        </li>
      ))}
    </ul>
  );
}
`;
}

function barrel(random: Random, lib: number, files: string[]): string {
  const noun = pick(random, NOUNS);
  const exports = files.map((file) => `export * from './${file}.js';`).join('\n');
  return `${exports}\nexport function format${cap(noun)}(value: string): string {\n  return value.trim().slice(0, ${20 + lib});\n}\n`;
}

/**
 * The shape of a large NestJS + front-end workspace: `apps/api` (services, ~45% of files), `apps/web`
 * (components in .tsx, ~35%), and `packages/lib-*` with barrels and their own package.json (~20%), joined by
 * tsconfig `paths`, so cross-file resolution, front-end detection and workspace packages are exercised.
 */
export function generateMonorepo(dir: string, count: number, seed = 42): string {
  const marker = path.join(dir, '.complete');
  if (existsSync(marker)) return dir;
  const random = mulberry32(seed);
  const write = (relative: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
    writeFileSync(path.join(dir, relative), text);
  };
  write('package.json', JSON.stringify({ name: 'workspace', private: true, workspaces: ['apps/*', 'packages/*'] }, null, 2));
  write('tsconfig.json', JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@org/*': ['packages/*/src'] } } }, null, 2));
  write('apps/api/package.json', JSON.stringify({ name: 'api', dependencies: { '@nestjs/core': '^10.0.0', pg: '^8.0.0', axios: '^1.0.0' } }, null, 2));
  write('apps/web/package.json', JSON.stringify({ name: 'web', dependencies: { react: '^18.0.0' } }, null, 2));
  const libFiles = new Map<number, string[]>();
  for (let i = 0; i < count; i++) {
    const roll = random();
    if (roll < 0.45) {
      write(`apps/api/src/module-${String(Math.floor(i / 80)).padStart(3, '0')}/service-${i}.ts`, generateFile(random, i));
    } else if (roll < 0.8) {
      write(`apps/web/src/feature-${String(Math.floor(i / 80)).padStart(3, '0')}/panel-${i}.tsx`, component(random, i));
    } else {
      const lib = i % 12;
      const name = `util-${i}`;
      libFiles.set(lib, [...(libFiles.get(lib) ?? []), name]);
      write(`packages/lib-${lib}/src/${name}.ts`, generateFile(random, i));
    }
  }
  for (let lib = 0; lib < 12; lib++) {
    write(`packages/lib-${lib}/package.json`, JSON.stringify({ name: `@org/lib-${lib}`, main: 'src/index.ts' }, null, 2));
    write(`packages/lib-${lib}/src/index.ts`, barrel(random, lib, libFiles.get(lib) ?? []));
  }
  writeFileSync(marker, String(count));
  return dir;
}

import { afterAll, describe, expect, it } from 'vitest';
import { scan } from '../../src/scanner/engine.js';
import { ALL_RULES } from '../../rules/index.js';
import type { ProjectModel } from '../../src/model/link.js';
import { cachingDecorator } from '../../src/model/memoize.js';
import path from 'node:path';
import { project, removeProjects } from './cli-project.js';

afterAll(removeProjects);

/**
 * Which functions answer from memory after their first call (LinkedFunction.memoisedRead): one-slot memos in
 * their shapes (a value, an in-flight promise, `??=`, a static or module slot), caching decorators, and functions
 * whose only I/O goes through one of those. Keyed memos, invalidating decorators and guards nothing fills are not.
 */
const service = `import axios from 'axios';
import { Cacheable, CacheEvict, CacheWarmup, CacheControl, Memoize } from './decorators';
import { Injectable, Scope } from '@nestjs/common';

export class Index {
  private index: string[] | undefined;
  private loading: Promise<string[]> | undefined;
  private p: Promise<string[]> | undefined;
  private q: Promise<string[]> | undefined;
  private value: string[] | undefined;
  private template: string | undefined;
  private readonly byId = new Map<string, Promise<string>>();

  private load() {
    return axios.get('https://s.example/index').then((r) => r.data as string[]);
  }
  inFlight() {
    if (this.index) return this.index;
    if (!this.loading) this.loading = this.load().then((i) => (this.index = i));
    return this.loading;
  }
  nullish() {
    this.p ??= this.load();
    return this.p;
  }
  selfStarted() {
    if (!this.q) this.q = (async () => (await axios.get('https://s.example/q')).data as string[])();
    return this.q;
  }
  async awaitedValue() {
    if (this.value) return this.value;
    this.value = await this.load();
    return this.value;
  }
  async through(term: string) {
    return (await this.inFlight()).includes(term);
  }
  async throughAndMore(term: string) {
    const terms = await this.inFlight();
    const extra = await axios.get('https://s.example/extra');
    return [...terms, ...(extra.data as string[])].includes(term);
  }
  async neverFilled() {
    if (this.template) return this.template;
    return (await axios.get('https://s.example/template')).data as string;
  }
  byKey(id: string) {
    const hit = this.byId.get(id);
    if (hit) return hit;
    const pending = axios.get('https://s.example/' + id).then((r) => r.data as string);
    this.byId.set(id, pending);
    return pending;
  }
  @Cacheable({ ttl: 60 })
  async cached() { return (await axios.get('https://s.example/c')).data; }
  @Cacheable({ ttl: 60 })
  async keyedCache(id: string) { return (await axios.get('https://s.example/c/' + id)).data; }
  @Memoize()
  async memoized() { return (await axios.get('https://s.example/m')).data; }
  @CacheEvict({ key: 'c' })
  async evicting() { return (await axios.get('https://s.example/c?fresh')).data; }
  @CacheWarmup()
  async warming() { return (await axios.get('https://s.example/w')).data; }
  @CacheControl('max-age=60')
  async header() { return (await axios.get('https://s.example/h')).data; }
}

let regionsLoad: Promise<string[]> | undefined;
export function regions() {
  if (!regionsLoad) regionsLoad = axios.get('https://s.example/regions').then((r) => r.data as string[]);
  return regionsLoad;
}

@Injectable({ scope: Scope.REQUEST })
export class PerRequest {
  private me: Promise<unknown> | undefined;
  current() {
    this.me ??= axios.get('https://s.example/me').then((r) => r.data);
    return this.me;
  }
}

export class Flags {
  private static pending: Promise<unknown> | undefined;
  static all() {
    Flags.pending ??= axios.get('https://s.example/flags').then((r) => r.data);
    return Flags.pending;
  }
}
`;

async function modelOf(files: Record<string, string>): Promise<ProjectModel> {
  const dir = project({ 'package.json': '{"name":"memo-test","dependencies":{"axios":"*"}}', ...files });
  let model: ProjectModel | undefined;
  await scan({
    cwd: dir,
    paths: ['src'],
    include: [],
    exclude: [],
    maxFileSize: 1024 * 1024,
    rules: ALL_RULES.filter((rule) => rule.meta.id === 'sequential-await').map((rule) => ({ rule, options: {} })),
    onModel: (built) => {
      model = built;
    },
  });
  if (!model) throw new Error('no model built');
  return model;
}

describe('memoised reads in the model', () => {
  it('knows one-slot memos in each shape, caching decorators, and functions that read only through them', async () => {
    const model = await modelOf({ 'src/service.ts': service, 'src/decorators.ts': 'export declare function Cacheable(o?: unknown): MethodDecorator;\n' });
    const read = (key: string) => model.linkedFunction('src/service.ts', key)?.memoisedRead;
    expect(read('Index.inFlight')).toBe('memoised (in-flight promise in this.loading)');
    expect(read('Index.nullish')).toBe('memoised (in-flight promise in this.p)');
    expect(read('Index.selfStarted')).toBe('memoised (in-flight promise in this.q)');
    expect(read('Index.awaitedValue')).toBe('memoised (value in this.value)');
    expect(read('regions')).toBe('memoised (in-flight promise in regionsLoad)');
    expect(read('Flags.all')).toBe('memoised (in-flight promise in Flags.pending)');
    expect(read('Index.cached')).toBe('cached by @Cacheable');
    expect(read('Index.memoized')).toBe('cached by @Memoize');
    expect(read('Index.through')).toBe('reads only through Index.inFlight, memoised (in-flight promise in this.loading)');
    // A decorator's cache has an entry per argument value; a one-slot memo has one, whatever its caller passes.
    const fn = (key: string) => model.linkedFunction('src/service.ts', key);
    expect(fn('Index.cached')?.memoisedByArguments).toBeUndefined();
    expect(fn('Index.keyedCache')?.memoisedByArguments).toBe(true);
    expect(fn('Index.through')?.memoisedByArguments).toBeUndefined();
  });

  it('does not take for memoised a function with I/O of its own, a guard nothing fills, a keyed memo, a field memo of a per-request provider or a decorator that evicts, warms or sets headers', async () => {
    const model = await modelOf({ 'src/service.ts': service });
    const fn = (key: string) => model.linkedFunction('src/service.ts', key);
    for (const key of ['PerRequest.current', 'Index.throughAndMore', 'Index.neverFilled', 'Index.byKey', 'Index.evicting', 'Index.warming', 'Index.header', 'Index.load']) {
      expect({ key, memoisedRead: fn(key)?.memoisedRead }).toEqual({ key, memoisedRead: undefined });
      expect(fn(key)?.effects.length).toBeGreaterThan(0);
    }
    // The keyed memo is still a memo (two calls with one key share its entry), just not a read from memory.
    expect(fn('Index.byKey')?.memos).toEqual([fn('Index.byKey')?.id]);
  });
});

describe("a project's own caching decorator", () => {
  it('is known by its body: it replaces the method with one that reads through a cache; one that only logs is not', async () => {
    const model = await modelOf({
      'src/decorators/remember.ts': `export function Remember(ttlMs: number) {
  return (target: object, key: string, descriptor: PropertyDescriptor) => {
    const original = descriptor.value;
    const store = new Map<string, { at: number; value: unknown }>();
    descriptor.value = async function (this: unknown, ...args: unknown[]) {
      const entryKey = JSON.stringify(args);
      const hit = store.get(entryKey);
      if (hit && Date.now() - hit.at < ttlMs) return hit.value;
      const value = await original.apply(this, args);
      store.set(entryKey, { at: Date.now(), value });
      return value;
    };
  };
}
export function Timed(label: string) {
  return (target: object, key: string, descriptor: PropertyDescriptor) => {
    const original = descriptor.value;
    descriptor.value = async function (this: unknown, ...args: unknown[]) {
      const started = Date.now();
      try { return await original.apply(this, args); } finally { console.log(label, Date.now() - started); }
    };
  };
}
`,
      'src/plans.ts': `import axios from 'axios';
import { Remember, Timed } from './decorators/remember';
export class Plans {
  @Remember(60_000)
  async all() { return (await axios.get('https://plans.example/all')).data; }
  @Timed('plan')
  async one(id: string) { return (await axios.get('https://plans.example/' + id)).data; }
}
`,
    });
    const all = model.linkedFunction('src/plans.ts', 'Plans.all');
    expect(all?.memoisedRead).toBe('cached by @Remember (src/decorators/remember.ts:1 replaces the method with one that reads through a cache)');
    expect(all?.memoisedByArguments).toBeUndefined();
    expect(model.linkedFunction('src/plans.ts', 'Plans.one')?.memoisedRead).toBeUndefined();
  });
});

describe('cachingDecorator', () => {
  it('takes decorators named for a cache read, whatever the library', () => {
    for (const name of ['Cacheable', 'Cached', 'Cache', 'Memoize', 'Memoise', 'MemoizeAsync', 'UseCache', 'CacheResult', 'WithCache', 'Memo']) expect(cachingDecorator([name])).toBe(name);
    expect(cachingDecorator(['Get', 'Cacheable'])).toBe('Cacheable');
  });

  it('refuses those that evict, write, warm, configure or opt out, and names with no cache word', () => {
    for (const name of ['CacheEvict', 'CacheInvalidate', 'CacheClear', 'InvalidateCache', 'CachePut', 'CacheWarmup', 'CacheKey', 'CacheTTL', 'CacheControl', 'NoCache', 'SkipCache', 'InjectCache', 'Cachet', 'Get', 'Transactional']) {
      expect({ name, found: cachingDecorator([name]) }).toEqual({ name, found: undefined });
    }
  });
});

describe('sequential-await over memoised reads', () => {
  const root = path.resolve(import.meta.dirname, '../..');
  const file = 'fixtures/sequential-await/src/services/memoised-reads.ts';

  it('counts a memoised read in a run as no round trip and says why; a loop over a cache keyed by the item still is one', async () => {
    const result = await scan({
      cwd: root,
      paths: [file],
      include: [],
      exclude: [],
      maxFileSize: 1024 * 1024,
      rules: ALL_RULES.filter((rule) => rule.meta.id === 'sequential-await').map((rule) => ({ rule, options: {} })),
    });
    expect(result.errors).toEqual([]);
    const three = result.findings.find((f) => f.message.includes('(query, get)') && f.endLine - f.line === 2);
    expect(three?.message).toMatch(/^2 independent reads/);
    expect(three?.evidence[0]).toBe('`search.terms()`: SearchIndex.terms is memoised (in-flight promise in this.loading): answers from memory after its first call, not counted as a round trip');
    expect(three?.impact).toMatch(/^2 calls/);
    // The fix still starts all three together: the memoised one is as independent as the others.
    expect(three?.fix.replacement).toMatch(/^const \[terms, recent, trending\] = await Promise\.all\(\[\s*search\.terms\(\),/);
    const loop = result.findings.find((f) => f.ruleId === 'sequential-await/loop');
    expect(loop?.message).toContain('profiles.profile(id)');
  });
});

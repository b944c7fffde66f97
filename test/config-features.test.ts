import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { configJsonSchemaText, SCHEMA_FILE } from '../src/config/json-schema.js';
import { validateConfig } from '../src/config/validate.js';
import { ALL_RULES } from '../rules/index.js';
import { project, removeProjects, runCli as run } from './model/cli-project.js';

// `bottleneck init`, the published JSON schema, `overrides` by path and TypeScript configs that import their
// siblings, all through the built CLI as a user runs it.
const root = path.resolve(import.meta.dirname, '..');

/** `scan --format json` findings as `file ruleId severity`. */
function findings(cwd: string, ...args: string[]): { code: number | null; found: string[]; stderr: string } {
  const result = run(cwd, 'scan', '--format', 'json', '--no-cache', '--fail-on', 'none', ...args);
  const found = result.code === 0 ? (JSON.parse(result.stdout) as { findings: Array<{ file: string; ruleId: string; severity: string }> }).findings.map((f) => `${f.file} ${f.ruleId} ${f.severity}`) : [];
  return { code: result.code, found, stderr: result.stderr };
}

afterAll(removeProjects);

// Reported by fake-compression (base64 is not compression), whatever the file's name.
const FAKE_COMPRESSION = `export function compress(value: string): string {
  return Buffer.from(value).toString('base64');
}
`;
// Three independent awaits in a request handler: sequential-await at the default minAwaits (2), not at 4.
const SEQUENTIAL = `import express from 'express';
const app = express();
app.get('/profile', async (req, res) => {
  const user = await fetch('https://users.internal/' + req.params.id);
  const orders = await fetch('https://orders.internal/' + req.params.id);
  const prefs = await fetch('https://prefs.internal/' + req.params.id);
  res.json({ user, orders, prefs });
});
`;

describe('bottleneck init', () => {
  it('writes a commented config in each format that the next scan loads', () => {
    for (const [format, name] of [['yaml', '.bottleneckrc.yaml'], ['json', '.bottleneckrc.json'], ['ts', 'bottleneck.config.ts'], ['mjs', 'bottleneck.config.mjs']] as const) {
      const dir = project({ 'src/a.ts': FAKE_COMPRESSION });
      const init = run(dir, 'init', '--format', format);
      expect(init.code, init.stderr).toBe(0);
      const text = readFileSync(path.join(dir, name), 'utf8');
      if (format !== 'json') expect(text).toMatch(/^(#|\/\/) bottleneck configuration/);
      if (format === 'yaml' || format === 'json') expect(text).toContain(`"https://unpkg.com/bottleneck-cli@`);
      // The written config is valid and in force: the finding is still reported, and failOn critical applies.
      const scan = findings(dir);
      expect(scan.code, scan.stderr).toBe(0);
      expect(scan.found).toEqual(['src/a.ts fake-compression/encoding-only medium']);
    }
  });

  it('refuses to overwrite without --force (exit 2), overwrites with it, and never writes a second config', () => {
    const dir = project({ '.bottleneckrc.yaml': 'failOn: high\n' });
    const again = run(dir, 'init');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('.bottleneckrc.yaml already exists; run "bottleneck init --force" to overwrite it');
    expect(readFileSync(path.join(dir, '.bottleneckrc.yaml'), 'utf8')).toBe('failOn: high\n');
    const forced = run(dir, 'init', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(path.join(dir, '.bottleneckrc.yaml'), 'utf8')).toContain('failOn: critical');
    const other = run(dir, 'init', '--format', 'json', '--force');
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('.bottleneckrc.yaml already configures bottleneck here');
    expect(existsSync(path.join(dir, '.bottleneckrc.json'))).toBe(false);
    const inPackage = project({ 'package.json': JSON.stringify({ name: 'x', bottleneck: { failOn: 'high' } }) });
    expect(run(inPackage, 'init').stderr).toContain('package.json ("bottleneck" key) already configures bottleneck here');
    expect(run(dir, 'init', '--format', 'toml').code).toBe(2);
  });

  it('points $schema at the installed package when the project has one', () => {
    const dir = project({ [`node_modules/bottleneck-cli/${SCHEMA_FILE}`]: '{}' });
    expect(run(dir, 'init', '--format', 'json').code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dir, '.bottleneckrc.json'), 'utf8')).$schema).toBe(`./node_modules/bottleneck-cli/${SCHEMA_FILE}`);
  });
});

describe('the JSON schema', () => {
  const schema = JSON.parse(readFileSync(path.join(root, SCHEMA_FILE), 'utf8')) as Record<string, unknown>;

  it('is the one generated from the zod schema (run "npm run schema" after changing the config or a rule option)', () => {
    expect(readFileSync(path.join(root, SCHEMA_FILE), 'utf8')).toBe(configJsonSchemaText(ALL_RULES));
  });

  it('accepts what the loader accepts and rejects what it rejects', () => {
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
    const good = {
      $schema: './node_modules/bottleneck-cli/schema/bottleneck.schema.json',
      failOn: 'high',
      rules: { 'sequential-await': { severity: 'low', options: { minAwaits: 3 } }, 'uncleared-timer': 'off' },
      overrides: [{ files: ['src/legacy/**'], ignores: ['src/legacy/keep.ts'], rules: { 'fake-compression': 'off' } }],
    };
    expect(validate(good), JSON.stringify(validate.errors)).toBe(true);
    for (const bad of [{ rules: { 'sequental-await': 'off' } }, { rules: { 'sequential-await': { options: { minAwaits: 1 } } } }, { overrides: [{ files: [], rules: {} }] }, { failOn: 'sometimes' }, { rulez: {} }]) {
      expect(validate(bad), JSON.stringify(bad)).toBe(false);
    }
    // The file is published: package.json lists it and exports it.
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { files: string[]; exports: Record<string, unknown> };
    expect(pkg.files).toContain('schema');
    expect(pkg.exports['./schema.json']).toBe(`./${SCHEMA_FILE}`);
  });
});

describe('overrides by path', () => {
  it('turns rules off, re-levels them and changes their options per glob, later entries winning', () => {
    const dir = project({
      'src/legacy/old.ts': FAKE_COMPRESSION,
      'src/legacy/keep.ts': FAKE_COMPRESSION,
      'src/app/new.ts': FAKE_COMPRESSION,
      'src/app/routes.ts': SEQUENTIAL,
      'src/jobs/routes.ts': SEQUENTIAL,
      '.bottleneckrc.json': JSON.stringify({
        rules: { 'fake-compression': 'low' },
        overrides: [
          { files: ['src/legacy/**'], ignores: ['src/legacy/keep.ts'], rules: { 'fake-compression': 'off' } },
          { files: ['src/app/**'], rules: { 'fake-compression': 'medium' } },
          { files: ['src/jobs/**'], rules: { 'sequential-await': { options: { minAwaits: 4 } } } },
        ],
      }),
    });
    const scan = findings(dir);
    expect(scan.code, scan.stderr).toBe(0);
    expect(scan.found.filter((f) => f.includes('fake-compression')).sort()).toEqual(['src/app/new.ts fake-compression/encoding-only medium', 'src/legacy/keep.ts fake-compression/encoding-only low']);
    // minAwaits 4 in src/jobs only: the three awaits stay reported in src/app.
    expect(scan.found.filter((f) => f.includes('sequential-await')).map((f) => f.split(' ')[0])).toEqual(['src/app/routes.ts']);
    // Without the overrides, every file reports.
    const plain = findings(dir, '--config', writeConfig(dir, 'plain.json', { rules: { 'fake-compression': 'low' } }));
    expect(plain.found.filter((f) => f.includes('fake-compression'))).toHaveLength(3);
    expect(plain.found.filter((f) => f.includes('sequential-await'))).toHaveLength(2);
  });

  it('matches globs relative to the config file, also when scanning from a subdirectory', () => {
    const dir = project({
      'src/legacy/old.ts': FAKE_COMPRESSION,
      'src/app/new.ts': FAKE_COMPRESSION,
      'package.json': '{"name":"x"}',
      '.bottleneckrc.json': JSON.stringify({ overrides: [{ files: ['src/legacy/**'], rules: { 'fake-compression': 'off' } }] }),
    });
    const fromSrc = findings(path.join(dir, 'src'), '.');
    expect(fromSrc.found).toEqual(['app/new.ts fake-compression/encoding-only medium']);
  });

  it('names the key path of a bad override, with "did you mean"', () => {
    const dir = project({
      'a.ts': FAKE_COMPRESSION,
      '.bottleneckrc.json': JSON.stringify({ overrides: [{ files: ['src/**'], rules: { 'fake-compresion': 'off', 'sequential-await': { options: { minAwait: 3 } } } }, { file: ['x'], rules: {} }] }),
    });
    const result = run(dir, 'scan');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('overrides[0].rules: unknown rule "fake-compresion" (did you mean "fake-compression"?)');
    expect(result.stderr).toMatch(/overrides\[0\]\.rules\.sequential-await\.options: unknown key "minAwait" \(did you mean "minAwaits"\?\)/);
    expect(result.stderr).toMatch(/overrides\[1\]: unknown key "file" \(did you mean "files"\?\); allowed: files, ignores, rules/);
    expect(result.stderr).toContain('overrides[1].files: got nothing; expected an array');
  });
});

describe('overrides with the cache and worker threads', () => {
  it('a changed override re-judges the files it names on a warm run', () => {
    const dir = project({ 'src/legacy/a.ts': FAKE_COMPRESSION, 'src/b.ts': FAKE_COMPRESSION, '.bottleneckrc.json': JSON.stringify({ overrides: [{ files: ['src/legacy/**'], rules: { 'fake-compression': 'low' } }] }) });
    const cached = (...args: string[]) => run(dir, 'scan', '--format', 'json', '--fail-on', 'none', '--cache-location', '.cache', ...args);
    const severities = (stdout: string) => (JSON.parse(stdout) as { findings: Array<{ file: string; severity: string }> }).findings.map((f) => `${f.file} ${f.severity}`).sort();
    expect(severities(cached().stdout)).toEqual(['src/b.ts medium', 'src/legacy/a.ts low']);
    writeFileSync(path.join(dir, '.bottleneckrc.json'), JSON.stringify({ overrides: [{ files: ['src/legacy/**'], rules: { 'fake-compression': 'off' } }] }));
    expect(severities(cached().stdout)).toEqual(['src/b.ts medium']);
  });

  it('worker threads run each file with its own rule set', { timeout: 120_000 }, () => {
    const files: Record<string, string> = { '.bottleneckrc.json': JSON.stringify({ overrides: [{ files: ['legacy/**'], rules: { 'fake-compression': 'off' } }, { files: ['app/1*.ts'], rules: { 'fake-compression': 'low' } }] }) };
    for (let i = 0; i < 120; i++) files[`app/${i}.ts`] = FAKE_COMPRESSION;
    for (let i = 0; i < 120; i++) files[`legacy/${i}.ts`] = FAKE_COMPRESSION;
    const dir = project(files);
    for (const concurrency of ['1', '2']) {
      const result = run(dir, 'scan', '--format', 'json', '--fail-on', 'none', '--no-cache', '--concurrency', concurrency);
      expect(result.code, result.stderr).toBe(0);
      const found = (JSON.parse(result.stdout) as { findings: Array<{ file: string; severity: string }> }).findings;
      expect(found.every((f) => f.file.startsWith('app/')), concurrency).toBe(true);
      // app/1.ts, app/10..19.ts, app/100..119.ts: 31 files at low, the other 89 at the rule's own severity.
      expect(found.filter((f) => f.severity === 'low')).toHaveLength(31);
      expect(found.filter((f) => f.severity === 'medium')).toHaveLength(89);
    }
  });
});

describe("the README's configuration example", () => {
  it('is a valid config', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'));
    const block = /```json\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBeDefined();
    const config = validateConfig(JSON.parse(block ?? '{}'), ALL_RULES);
    expect(config.overrides.length).toBeGreaterThan(0);
  });
});

function writeConfig(dir: string, name: string, config: unknown): string {
  writeFileSync(path.join(dir, name), JSON.stringify(config));
  return name;
}

describe('TypeScript configs that import other files', () => {
  it('loads bottleneck.config.ts importing a sibling (.js specifier), an extensionless file and an index', () => {
    const dir = project({
      'src/legacy/old.ts': FAKE_COMPRESSION,
      'src/app/new.ts': FAKE_COMPRESSION,
      'config/paths.ts': "export const legacy: string[] = ['src/legacy/**'];\n",
      'config/levels/index.ts': "import type { Level } from '../types';\nexport const level: Level = 'low';\n",
      'config/types.ts': "export type Level = 'high' | 'low';\n",
      'bottleneck.config.ts': [
        "import { legacy } from './config/paths.js';",
        "import { level } from './config/levels';",
        "export default { rules: { 'fake-compression': level }, overrides: [{ files: legacy, rules: { 'fake-compression': 'off' as const } }] };",
        '',
      ].join('\n'),
    });
    const scan = findings(dir);
    expect(scan.code, scan.stderr).toBe(0);
    expect(scan.found).toEqual(['src/app/new.ts fake-compression/encoding-only low']);
    // A changed sibling is read again on the next run (nothing is cached between loads).
    writeFileSync(path.join(dir, 'config/paths.ts'), "export const legacy: string[] = ['src/app/**'];\n");
    expect(findings(dir).found).toEqual(['src/legacy/old.ts fake-compression/encoding-only low']);
  });

  it('loads .mts configs and .mjs configs with imports, and names a missing import', () => {
    const mts = project({ 'a.ts': FAKE_COMPRESSION, 'levels.mts': "export const level = 'low' as const;\n", 'bottleneck.config.mts': "import { level } from './levels.mjs';\nexport default { rules: { 'fake-compression': level } };\n" });
    // .mts is not among the names searched for: it is loaded when named.
    expect(findings(mts, '--config', 'bottleneck.config.mts').found).toEqual(['a.ts fake-compression/encoding-only low']);
    const mjs = project({ 'a.ts': FAKE_COMPRESSION, 'levels.mjs': "export const level = 'medium';\n", 'bottleneck.config.mjs': "import { level } from './levels.mjs';\nexport default { rules: { 'fake-compression': level } };\n" });
    expect(findings(mjs).found).toEqual(['a.ts fake-compression/encoding-only medium']);
    const missing = project({ 'a.ts': FAKE_COMPRESSION, 'bottleneck.config.ts': "import { level } from './nowhere';\nexport default { rules: { 'fake-compression': level } };\n" });
    const result = run(missing, 'scan');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Cannot load .*bottleneck\.config\.ts: .*nowhere/);
  });
});

describe('probe.latency in the config', () => {
  it('declares stub latencies by member or module.member, and a bad entry names its key path', () => {
    expect(validateConfig({ probe: { latency: { 'pg.query': 25, 'prefs-client.get': 35 } } }, ALL_RULES).probe?.latency).toEqual({ 'pg.query': 25, 'prefs-client.get': 35 });
    expect(() => validateConfig({ probe: { latency: { 'pg.query': -1 } } }, ALL_RULES)).toThrow(/probe\.latency\.pg\.query/);
    expect(() => validateConfig({ probe: { latency: { 'pg query': 5 } } }, ALL_RULES)).toThrow(/probe\.latency/);
    expect(() => validateConfig({ probe: { latencies: {} } }, ALL_RULES)).toThrow(/probe/);
  });

  it('a broken probe.latency stops `bottleneck probe` with exit 2 before anything runs', () => {
    const dir = project({ '.bottleneckrc.json': JSON.stringify({ probe: { latency: { 'pg.query': 'slow' } } }), 'src/a.ts': FAKE_COMPRESSION });
    const result = run(dir, 'probe', 'src', '--budget', '5');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/probe\.latency\.pg\.query/);
  });
});

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * A plain scan (no config file, or one without rule options) never evaluates zod: the modules the built CLI
 * loads are recorded by a load hook, and none may hold zod's code. A config with rule options does load it,
 * which shows the check can see zod. Needs the build (npm test builds first).
 */
const bin = fileURLToPath(new URL('../bin/bottleneck.js', import.meta.url));
const root = mkdtempSync(path.join(os.tmpdir(), 'bottleneck-no-zod-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

writeFileSync(path.join(root, 'hook.mjs'), "import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) {\n  appendFileSync(process.env.LOADED_LOG, url + '\\n');\n  return next(url, context);\n}\n");
writeFileSync(path.join(root, 'register.mjs'), "import { register } from 'node:module';\nregister('./hook.mjs', import.meta.url);\n");

function project(name: string, config?: unknown): string {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), '{}');
  writeFileSync(path.join(dir, 'src', 'a.ts'), "export async function handler(req: { id: string }) {\n  const user = await db.user(req.id);\n  const orders = await db.orders(req.id);\n  return { user, orders };\n}\ndeclare const db: { user(id: string): Promise<unknown>; orders(id: string): Promise<unknown> };\n");
  if (config !== undefined) writeFileSync(path.join(dir, '.bottleneckrc.json'), JSON.stringify(config));
  return dir;
}

/** Scans twice (cold, then warm) and returns, per run, the loaded files that hold zod's code. */
function zodModules(dir: string): string[][] {
  return [1, 2].map((run) => {
    const log = path.join(root, `${path.basename(dir)}-${run}.log`);
    writeFileSync(log, '');
    const child = spawnSync(process.execPath, ['--import', path.join(root, 'register.mjs'), bin, 'scan', 'src', '--format', 'json', '--fail-on', 'none', '--cache-location', path.join(dir, 'cache')], { cwd: dir, encoding: 'utf8', env: { ...process.env, LOADED_LOG: log } });
    expect(child.status, child.stderr).toBe(0);
    const loaded = [...new Set(readFileSync(log, 'utf8').split('\n').filter((url) => url.startsWith('file:')))].map((url) => fileURLToPath(url));
    expect(loaded.some((file) => file.endsWith(path.join('dist', 'bundle', 'cli.js')))).toBe(true);
    return loaded.filter((file) => readFileSync(file, 'utf8').includes('$ZodObject'));
  });
}

describe('a scan without rule options does not load zod', () => {
  it('with no config file, cold and warm', () => {
    expect(zodModules(project('none'))).toEqual([[], []]);
  });

  it('with a config file that sets levels, excludes and overrides', () => {
    const config = { exclude: ['dist/**'], rules: { 'uncleared-timer': 'off', 'sequential-await': { severity: 'high' } }, overrides: [{ files: ['src/**'], rules: { 'fake-compression': 'low' } }] };
    expect(zodModules(project('levels', config))).toEqual([[], []]);
  });

  it('loads it for rule options (so the check sees zod when it is there)', () => {
    const runs = zodModules(project('options', { rules: { 'sequential-await': { options: { minAwaits: 3 } } } }));
    for (const found of runs) expect(found.length).toBeGreaterThan(0);
  });
});

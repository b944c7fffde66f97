import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The package as users get it: `npm pack`, installed into an empty project from npm's cache, then the bins, the
// programmatic API (the README's example, run as written) and its type declarations used from that project.
// Bounded by work, not time: a generous timeout only, no timing assertions.
const root = path.resolve(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let work: string;
let app: string;
let tarballPath: string;

const FAKE_COMPRESSION = `export function compress(value: string): string {
  return Buffer.from(value).toString('base64');
}
`;

/** The README's API example: the first js block after the "Programmatic API" heading. */
export function readmeApiExample(): string {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Programmatic API'));
  const match = /```js\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error('README: no js block under "## Programmatic API"');
  return match[1];
}

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'bottleneck-pack-'));
  // dist/ is built before the suite runs (npm test); prepack would only build it again.
  execFileSync(npm, ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: root, stdio: 'pipe' });
  const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack wrote no tarball');
  tarballPath = path.join(work, tarball);
  app = path.join(work, 'app');
  mkdirSync(path.join(app, 'src'), { recursive: true });
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }));
  writeFileSync(path.join(app, 'src/cache.ts'), FAKE_COMPRESSION);
  execFileSync(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(work, tarball)], { cwd: app, stdio: 'pipe', env: { ...process.env, npm_config_update_notifier: 'false' } });
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function runIn(cwd: string, command: string, args: string[]) {
  const child = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

describe('the packed package installed into an empty project', () => {
  it('has no install script, two bin names, and none of the probe-only packages', { timeout: 120_000 }, () => {
    const installed = path.join(app, 'node_modules/bottleneck-cli');
    const manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')) as { scripts?: Record<string, string>; bin: Record<string, string> };
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare']) expect(manifest.scripts?.[script], script).toBeUndefined();
    expect(Object.keys(manifest.bin).sort()).toEqual(['bottleneck', 'bottleneck-cli']);
    for (const name of ['esbuild', 'hdr-histogram-js', 'pg-pool', 'generic-pool', 'ts-morph']) expect(existsSync(path.join(app, 'node_modules', name)), name).toBe(false);
    // The CLI's own packages are compiled into dist/bundle (scripts/bundle.mjs): not installed, not needed by the types
    // (picomatch is left out of the list: @ts-morph/common's own dependencies install it).
    expect((manifest as { dependencies?: unknown }).dependencies).toBeUndefined();
    for (const name of ['chalk', 'commander', 'cosmiconfig', 'handlebars', 'ignore', 'zod']) expect(existsSync(path.join(app, 'node_modules', name)), name).toBe(false);
    expect(existsSync(path.join(installed, 'dist/bundle/cli.js'))).toBe(true);
    expect(existsSync(path.join(installed, 'dist/src/cli.js')), 'tsc output is not shipped').toBe(false);
    expect(existsSync(path.join(installed, 'schema/bottleneck.schema.json'))).toBe(true);
    expect(existsSync(path.join(installed, 'dist/src/api.d.ts'))).toBe(true);
  });

  it('ships every file package.json points at (main, types, bin, each export)', { timeout: 120_000 }, () => {
    const installed = path.join(app, 'node_modules/bottleneck-cli');
    const manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')) as { main: string; types: string; bin: Record<string, string>; exports: Record<string, string | Record<string, string>> };
    const targets = [manifest.main, manifest.types, ...Object.values(manifest.bin), ...Object.values(manifest.exports).flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target)))];
    expect(targets.length).toBeGreaterThan(5);
    for (const target of targets) expect(existsSync(path.join(installed, target)), target).toBe(true);
  });

  it('runs scan through both bin names', { timeout: 120_000 }, () => {
    for (const name of ['bottleneck-cli', 'bottleneck']) {
      const result = runIn(app, process.execPath, [path.join(app, 'node_modules/.bin', name), 'scan', 'src', '--format', 'json', '--no-cache']);
      // The finding is high; the default --fail-on is critical.
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as { findings: Array<{ ruleId: string; file: string }> };
      expect(report.findings.map((f) => `${f.file} ${f.ruleId}`)).toEqual(['src/cache.ts fake-compression/encoding-only']);
    }
    // The markdown report loads the bundled Handlebars on first use.
    const markdown = runIn(app, process.execPath, [path.join(app, 'node_modules/.bin/bottleneck'), 'scan', 'src', '--format', 'markdown', '--no-cache']);
    expect(markdown.code, markdown.stderr).toBe(0);
    expect(markdown.stdout).toContain('fake-compression/encoding-only');
  });

  it('says what to install when probe runs without the probe packages', { timeout: 120_000 }, () => {
    const result = runIn(app, process.execPath, [path.join(app, 'node_modules/.bin/bottleneck'), 'probe', 'src']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('probe needs esbuild, hdr-histogram-js, pg-pool, generic-pool');
    expect(result.stderr).toContain('npm install --save-dev esbuild hdr-histogram-js pg-pool generic-pool');
  });

  it("runs the README's API example as written, returning what the JSON report holds", { timeout: 120_000 }, () => {
    writeFileSync(path.join(app, 'example.mjs'), readmeApiExample());
    const result = runIn(app, process.execPath, ['example.mjs']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('src/cache.ts:1 fake-compression/encoding-only medium: ');
    expect(result.stdout).toContain('files: 1, exit code at --fail-on medium: 1');
    // The same object as `scan --format json`, apart from the duration.
    writeFileSync(path.join(app, 'same.mjs'), "import { scan } from 'bottleneck-cli';\nconsole.log(JSON.stringify(await scan({ paths: ['src'] })));\n");
    const api = JSON.parse(runIn(app, process.execPath, ['same.mjs']).stdout) as { summary: { durationMs: number } };
    const cli = JSON.parse(runIn(app, process.execPath, [path.join(app, 'node_modules/.bin/bottleneck'), 'scan', 'src', '--format', 'json', '--no-cache']).stdout) as { summary: { durationMs: number } };
    api.summary.durationMs = cli.summary.durationMs = 0;
    expect(api).toEqual(cli);
  });

  it('ships type declarations that type-check a consumer (and catch a wrong use)', { timeout: 180_000 }, () => {
    const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
    const flags = ['--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--typeRoots', path.join(root, 'node_modules/@types')];
    writeFileSync(
      path.join(app, 'typed.mts'),
      [
        "import { scan, probe, defineConfig, type Finding, type ScanReport, type ProbeReport, type BottleneckConfigInput } from 'bottleneck-cli';",
        "const config: BottleneckConfigInput = defineConfig({ failOn: 'high', overrides: [{ files: ['src/legacy/**'], rules: { 'sequential-await': 'off' } }] });",
        "const report: ScanReport = await scan({ paths: ['src'], config });",
        'const first: Finding | undefined = report.findings[0];',
        "const line: number = first?.line ?? 0; const message: string = first?.message ?? '';",
        'const probed: ProbeReport = await probe({ budgetSeconds: 5 });',
        'const verified: number = probed.probe.counts.verified;',
        'console.log(line, message, verified);',
        '',
      ].join('\n'),
    );
    const good = runIn(app, process.execPath, [tsc, ...flags, 'typed.mts']);
    expect(good.code, good.stdout + good.stderr).toBe(0);
    writeFileSync(path.join(app, 'wrong.mts'), "import { scan } from 'bottleneck-cli';\nconst report = await scan({ paths: 'src' });\nconst n: string = report.findings.length;\n");
    const wrong = runIn(app, process.execPath, [tsc, ...flags, 'wrong.mts']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout).toMatch(/wrong\.mts\(2,[^)]*\): error TS2322/);
    expect(wrong.stdout).toMatch(/wrong\.mts\(3,[^)]*\): error TS2322/);
  });

  it("without optional dependencies, parses with the project's own typescript, and says what is missing without one", { timeout: 300_000 }, () => {
    const lean = path.join(work, 'lean');
    mkdirSync(path.join(lean, 'src'), { recursive: true });
    writeFileSync(path.join(lean, 'package.json'), JSON.stringify({ name: 'lean', version: '1.0.0', private: true }));
    writeFileSync(path.join(lean, 'src/cache.ts'), FAKE_COMPRESSION);
    const install = (...args: string[]) => execFileSync(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', ...args], { cwd: lean, stdio: 'pipe' });
    const scanLean = () => runIn(lean, process.execPath, [path.join(lean, 'node_modules/.bin/bottleneck'), 'scan', 'src', '--format', 'json', '--no-cache']);
    install('--omit=optional', tarballPath);
    expect(existsSync(path.join(lean, 'node_modules/@ts-morph'))).toBe(false);
    const bare = scanLean();
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('no TypeScript parser: neither @ts-morph/common nor typescript is installed');
    // The version this repository builds with, so npm's cache has it.
    const version = (JSON.parse(readFileSync(path.join(root, 'node_modules/typescript/package.json'), 'utf8')) as { version: string }).version;
    install('--omit=optional', '--save-dev', `typescript@${version}`);
    const withTs = scanLean();
    expect(withTs.code, withTs.stderr).toBe(0);
    expect((JSON.parse(withTs.stdout) as { findings: Array<{ ruleId: string }> }).findings.map((f) => f.ruleId)).toEqual(['fake-compression/encoding-only']);
  });
});

import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AnalysisCache } from '../../src/scanner/cache.js';
import { emptyTimings, scan, type ScanRequest } from '../../src/scanner/engine.js';
import { ALL_RULES } from '../../rules/index.js';

const temp = mkdtempSync(path.join(tmpdir(), 'bottleneck-stamp-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

// Two awaits on an HTTP client, in a route: one finding. The memory version is the same size, no finding.
const io = `import axios from 'axios';
import express from 'express';
const app = express();
app.get('/a', async (req, res) => {
  const a = await axios.get('https://one.internal/a');
  const b = await axios.get('https://two.internal/b');
  res.json([a.data, b.data]);
});
`;
const suppressed = io.replace("  const a = await", "  // bottleneck-disable-next-line sequential-await -- ordered on purpose\n  const a = await");

function request(dir: string, cacheDir: string): ScanRequest & { timings: ReturnType<typeof emptyTimings> } {
  return {
    cwd: dir, paths: ['.'], include: [], exclude: [], maxFileSize: 1024 * 1024, toolVersion: 'test',
    rules: ALL_RULES.map((rule) => ({ rule, options: {} })), cache: new AnalysisCache(cacheDir), timings: emptyTimings(),
  };
}

async function run(dir: string, cacheDir: string) {
  const req = request(dir, cacheDir);
  const result = await scan(req);
  return { result, timings: req.timings, lines: result.findings.map((f) => `${f.file}:${f.line} ${f.ruleId}`) };
}

describe('a warm scan trusts a file stamp (size, times, inode) instead of reading the file', () => {
  it('reads nothing when nothing changed, reads a touched file once, and re-judges a same-size edit with its old mtime', async () => {
    const dir = path.join(temp, 'project');
    mkdirSync(path.join(dir, 'src'), { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), '{"name":"p","dependencies":{"express":"4","axios":"1"}}');
    const route = path.join(dir, 'src/route.ts');
    writeFileSync(route, io);
    writeFileSync(path.join(dir, 'src/other.ts'), 'export const x = 1;\n');
    const cacheDir = path.join(temp, 'cache');

    const cold = await run(dir, cacheDir);
    expect(cold.lines).toEqual(['src/route.ts:5 sequential-await/consecutive']);
    expect(cold.timings.filesRead).toBe(2);

    const warm = await run(dir, cacheDir);
    expect(warm.lines).toEqual(cold.lines);
    expect(warm.timings.filesRead).toBe(0);
    expect(warm.result.summary.files).toBe(cold.result.summary.files);
    expect(warm.result.summary.lines).toBe(cold.result.summary.lines);

    // Touched (a checkout, an editor saving the same bytes): read once, same findings, then trusted again.
    const later = new Date(Date.now() + 5000);
    utimesSync(route, later, later);
    const touched = await run(dir, cacheDir);
    expect(touched.timings.filesRead).toBe(1);
    expect(touched.timings.filesParsed).toBe(0);
    expect(touched.lines).toEqual(cold.lines);
    expect((await run(dir, cacheDir)).timings.filesRead).toBe(0);

    // New bytes of the same length, with the old modification time put back: the change time still moved.
    const before = statSync(route);
    const secondCall = "const b = await axios.get('https://two.internal/b');";
    writeFileSync(route, io.replace(secondCall, "const b = { data: 'two' };".padEnd(secondCall.length)));
    utimesSync(route, before.atime, before.mtime);
    expect(statSync(route).size).toBe(before.size);
    const sameSize = await run(dir, cacheDir);
    expect(sameSize.timings.filesRead).toBe(1);
    expect(sameSize.lines).toEqual([]);
  });

  it('keeps suppressions of files it did not read', async () => {
    const dir = path.join(temp, 'suppressed');
    mkdirSync(path.join(dir, 'src'), { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), '{"name":"p","dependencies":{"express":"4","axios":"1"}}');
    writeFileSync(path.join(dir, 'src/route.ts'), suppressed);
    const cacheDir = path.join(temp, 'cache-suppressed');
    const cold = await run(dir, cacheDir);
    const warm = await run(dir, cacheDir);
    expect(warm.timings.filesRead).toBe(0);
    expect(cold.result.suppressed?.length).toBe(1);
    expect(warm.result.suppressed).toEqual(cold.result.suppressed);
    expect(warm.result.findings).toEqual([]);
  });

  it('an unchanged run does not rewrite the digest for files skipped as too large or binary; a touched file is still recorded', async () => {
    const dir = path.join(temp, 'skipped');
    mkdirSync(path.join(dir, 'src'), { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), '{"name":"p","dependencies":{"express":"4","axios":"1"}}');
    const route = path.join(dir, 'src/route.ts');
    writeFileSync(route, io);
    writeFileSync(path.join(dir, 'src/huge.ts'), `export const big = '${'x'.repeat(2 * 1024 * 1024)}';\n`);
    writeFileSync(path.join(dir, 'src/blob.js'), Buffer.from([0x00, 0x01, 0x02, 0x61]));
    const cacheDir = path.join(temp, 'cache-skipped');
    const digest = path.join(cacheDir, 'model-digest.json');

    const cold = await run(dir, cacheDir);
    expect(cold.lines).toEqual(['src/route.ts:5 sequential-await/consecutive']);
    expect(cold.result.skipped.map((note) => note.file).sort()).toEqual(['src/blob.js', 'src/huge.ts']);
    const written = statSync(digest);

    // The skipped files are looked at again (they are in no digest), but nothing about them is recorded.
    const warm = await run(dir, cacheDir);
    expect(warm.timings.filesRead).toBe(2);
    expect(warm.lines).toEqual(cold.lines);
    expect(warm.result.skipped).toEqual(cold.result.skipped);
    expect(statSync(digest).ino).toBe(written.ino);
    expect(statSync(digest).mtimeMs).toBe(written.mtimeMs);

    // A touched file the digest holds: its new stamp is recorded, so the run after reads only the skipped ones.
    const later = new Date(Date.now() + 5000);
    utimesSync(route, later, later);
    const touched = await run(dir, cacheDir);
    expect(touched.timings.filesRead).toBe(3);
    expect(touched.lines).toEqual(cold.lines);
    expect(statSync(digest).ino).not.toBe(written.ino);
    expect((await run(dir, cacheDir)).timings.filesRead).toBe(2);
  });

  it('reads every file again when the digest is damaged', async () => {
    const dir = path.join(temp, 'damaged');
    mkdirSync(path.join(dir, 'src'), { recursive: true });
    writeFileSync(path.join(dir, 'src/a.ts'), 'export const a = 1;\n');
    writeFileSync(path.join(dir, 'src/b.ts'), 'export const b = 2;\n');
    const cacheDir = path.join(temp, 'cache-damaged');
    await run(dir, cacheDir);
    expect((await run(dir, cacheDir)).timings.filesRead).toBe(0);
    const digest = path.join(cacheDir, 'model-digest.json');
    const parsed = JSON.parse(readFileSync(digest, 'utf8')) as { files: unknown[][] };
    // A suppression that claims to be another file's.
    (parsed.files[0] as unknown[])[5] = [{ kind: 'file', file: 'elsewhere.ts', line: 1, ruleIds: [] }];
    writeFileSync(digest, JSON.stringify(parsed));
    const again = await run(dir, cacheDir);
    expect(again.timings.filesRead).toBe(2);
    expect(again.result.suppressed ?? []).toEqual([]);
  });

  it('re-judges files when a package.json or tsconfig.json they depend on changes, though no source file did', async () => {
    // A package with a `bin` and no server runs once: its loop of fetches is not reported. Without the `bin`
    // (nothing says how it runs) it is.
    const dir = path.join(temp, 'configs');
    mkdirSync(path.join(dir, 'src'), { recursive: true });
    const withBin = '{"name":"tool","bin":{"tool":"./dist/cli.js"},"dependencies":{"axios":"1"}}';
    writeFileSync(path.join(dir, 'package.json'), withBin);
    writeFileSync(
      path.join(dir, 'src/sync.ts'),
      "import axios from 'axios';\nexport async function syncAll(tags: string[]) {\n  const out = [];\n  for (const tag of tags) {\n    out.push(await axios.get(`https://releases.internal/${tag}`));\n  }\n  return out;\n}\n",
    );
    const cacheDir = path.join(temp, 'cache-configs');
    const cold = await run(dir, cacheDir);
    expect(cold.lines).toEqual([]);
    writeFileSync(path.join(dir, 'package.json'), '{"name":"tool","dependencies":{"axios":"1"}}');
    const edited = await run(dir, cacheDir);
    const uncached = await scan({ ...request(dir, cacheDir), cache: undefined });
    expect(edited.lines).toEqual(uncached.findings.map((f) => `${f.file}:${f.line} ${f.ruleId}`));
    expect(edited.lines).toEqual(['src/sync.ts:5 sequential-await/loop']);
    // A tsconfig.json appearing is a change too, and then nothing changes: nothing is read.
    writeFileSync(path.join(dir, 'tsconfig.json'), '{"compilerOptions":{"strict":true}}');
    expect((await run(dir, cacheDir)).lines).toEqual(edited.lines);
    expect((await run(dir, cacheDir)).timings.filesRead).toBe(0);
    writeFileSync(path.join(dir, 'package.json'), withBin);
    expect((await run(dir, cacheDir)).lines).toEqual([]);
  });
});

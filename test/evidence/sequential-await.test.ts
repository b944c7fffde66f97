import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixture, drive, repoRoot, findingsOf, readEvidence, removeDir, scanProject, siteOf, startService, startUpstream } from './harness.js';

const REQUESTS = 6;
let upstream: Awaited<ReturnType<typeof startUpstream>>;
const dirs: string[] = [];

beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(async () => {
  await upstream.close();
  for (const dir of dirs) removeDir(dir);
});

function project(): string {
  const dir = copyFixture('sequential-await');
  dirs.push(dir);
  scanProject(dir);
  return dir;
}

async function measure(dir: string, entry: string, via: 'import' | 'require', extra: Record<string, string> = {}) {
  const service = await startService({ dir, entry, via, env: { UPSTREAM_URL: upstream.url, ...extra } });
  await drive(service.port, REQUESTS);
  const ended = await service.stop('SIGTERM');
  return { ended, evidence: readEvidence(path.join(dir, 'evidence.json')), stderr: service.stderr() };
}

describe('preload: sequential-await', () => {
  it('records one execution per request with overlap 1 for the serial awaits, and 3 once they run in Promise.all', async () => {
    const dir = project();
    expect(findingsOf(path.join(dir, 'findings.json')).map((f) => `${f.ruleId} ${f.file}:${f.line}`)).toContain('sequential-await/consecutive profile.mjs:21');
    const before = await measure(dir, 'profile.mjs', 'import', { BOTTLENECK_EVIDENCE_LABEL: 'before' });
    // The signal ends the process as it would have without the preload.
    expect(before.ended.signal).toBe('SIGTERM');
    expect(before.evidence.run).toMatchObject({ label: 'before', endedBy: 'signal' });
    expect(before.evidence.requests.served).toBe(REQUESTS);
    const serial = before.evidence.sites.find((site) => site.file === 'profile.mjs')!;
    expect(serial).toMatchObject({ state: 'instrumented', hits: REQUESTS });
    expect(serial.metrics.overlap).toMatchObject({ count: REQUESTS, min: 1, max: 1 });
    expect(serial.metrics['span.ms']!.count).toBe(REQUESTS);
    expect(serial.metrics['span.ms']!.min).toBeGreaterThan(0);

    // The fix on the same lines, measured with the same findings.
    copyFileSync(path.join(dir, 'profile.after.mjs'), path.join(dir, 'profile.mjs'));
    const after = await measure(dir, 'profile.mjs', 'import');
    const parallel = after.evidence.sites.find((site) => site.file === 'profile.mjs')!;
    expect(parallel).toMatchObject({ state: 'instrumented', hits: REQUESTS });
    expect(parallel.metrics.overlap).toMatchObject({ count: REQUESTS, min: 3, max: 3 });
    expect(parallel.fingerprint).toBe(serial.fingerprint);
  });

  it('instruments a CommonJS module under -r and --import, and leaves the sites of files that never loaded as not-loaded', async () => {
    const dir = project();
    const { evidence } = await measure(dir, 'profile.cjs', 'require');
    const cjs = evidence.sites.find((site) => site.file === 'profile.cjs')!;
    expect(cjs).toMatchObject({ state: 'instrumented', hits: REQUESTS });
    expect(cjs.metrics.overlap).toMatchObject({ min: 1, max: 1 });
    const esm = evidence.sites.find((site) => site.file === 'profile.mjs')!;
    expect(esm).toMatchObject({ state: 'not-loaded', hits: 0, metrics: {} });
    // The same CommonJS entry under --import.
    const viaImport = await measure(dir, 'profile.cjs', 'import');
    expect(viaImport.evidence.sites.find((site) => site.file === 'profile.cjs')).toMatchObject({ state: 'instrumented', hits: REQUESTS });
  });

  it('maps compiled output back to the scanned .ts through its source map', async () => {
    const dir = project();
    buildSync({ entryPoints: [path.join(dir, 'src/profile.ts')], outfile: path.join(dir, 'dist/profile.js'), sourcemap: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'silent' });
    const { evidence } = await measure(dir, 'dist/profile.js', 'import');
    const site = siteOf(evidence, 'sequential-await/consecutive');
    const ts = evidence.sites.find((candidate) => candidate.file === 'src/profile.ts')!;
    expect(site).toBeDefined();
    expect(ts).toMatchObject({ state: 'instrumented', hits: REQUESTS });
    expect(ts.metrics.overlap).toMatchObject({ min: 1, max: 1 });
  });

  it('reports a site whose line no longer holds the awaits as not-found, with no figures', async () => {
    const dir = project();
    copyFileSync(path.join(dir, 'profile.after.mjs'), path.join(dir, 'profile.mjs'));
    // Shift the code down so the finding's lines hold something else.
    writeFileSync(path.join(dir, 'profile.mjs'), '\n'.repeat(12) + readFileSync(path.join(dir, 'profile.mjs'), 'utf8'));
    const { evidence } = await measure(dir, 'profile.mjs', 'import');
    const site = evidence.sites.find((candidate) => candidate.file === 'profile.mjs')!;
    expect(site.state).toBe('not-found');
    expect(site.reason).toMatch(/no longer call loadUser, loadOrders, loadPrefs/);
    expect(site.metrics).toEqual({});
  });

  it('resolves the package entry bottleneck-cli/register for --import and -r', async () => {
    for (const [via, entry] of [['import', 'profile.mjs'], ['require', 'profile.cjs']] as const) {
      const dir = project();
      // Installed in the project, the specifier resolves through package.json "exports".
      mkdirSync(path.join(dir, 'node_modules'));
      symlinkSync(repoRoot, path.join(dir, 'node_modules', 'bottleneck-cli'), 'dir');
      const service = await startService({ dir, entry, via, specifier: 'bottleneck-cli/register', env: { UPSTREAM_URL: upstream.url } });
      await drive(service.port, 2);
      expect((await service.stop('SIGINT')).signal).toBe('SIGINT');
      const site = readEvidence(path.join(dir, 'evidence.json')).sites.find((candidate) => candidate.file === entry)!;
      expect(site).toMatchObject({ state: 'instrumented', hits: 2 });
    }
  });
});

/**
 * When and how the evidence file is written (exit, signals, flush), what the process does meanwhile (a
 * signal ends it as it would have; the program's own handler keeps control), the environment, and the
 * generic-pool patch.
 */
import { existsSync, mkdirSync, readdirSync, realpathSync, symlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyFixture, get, readEvidence, removeDir, repoRoot, scanProject, siteOf, startService } from './harness.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) removeDir(dir);
});

function project(): string {
  const dir = copyFixture('lifecycle');
  dirs.push(dir);
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(realpathSync(path.join(repoRoot, 'node_modules', 'generic-pool')), path.join(dir, 'node_modules', 'generic-pool'), 'dir');
  scanProject(dir);
  return dir;
}

async function waitFor(file: string): Promise<void> {
  // Bounded by the test timeout, not by a guess at the machine's speed.
  while (!existsSync(file)) await sleep(20);
}

describe('preload: lifecycle', () => {
  it('writes the file when the program exits on its own, with its exit status unchanged', async () => {
    const dir = project();
    const service = await startService({ dir, entry: 'app.mjs', via: 'import' });
    await get(service.port, '/a');
    await get(service.port, '/quit');
    const ended = await new Promise<{ code: number | null }>((resolve) => service.child.once('exit', (code) => resolve({ code })));
    expect(ended.code).toBe(0);
    const evidence = readEvidence(path.join(dir, 'evidence.json'));
    expect(evidence.run.endedBy).toBe('exit');
    expect(evidence.requests.served).toBe(2);
    const codec = siteOf(evidence, 'fake-compression/encoding-only');
    expect(codec).toMatchObject({ state: 'instrumented', hits: 1 });
  });

  it('records generic-pool waits for the pool the site created', async () => {
    const dir = project();
    const service = await startService({ dir, entry: 'app.mjs', via: 'import' });
    for (let i = 0; i < 4; i += 1) await get(service.port, `/${i}`);
    await service.stop('SIGTERM');
    const pool = siteOf(readEvidence(path.join(dir, 'evidence.json')), 'undersized-pool/small-max');
    expect(pool).toMatchObject({ state: 'instrumented', hits: 12 });
    expect(pool.metrics['pool.waiting']).toMatchObject({ count: 12, min: 0, max: 1, sum: 4 });
  });

  it('flushes on SIGUSR2 without ending the process, and leaves a program\'s own SIGINT handler in control', async () => {
    const dir = project();
    const service = await startService({ dir, entry: 'app.mjs', via: 'import', env: { OWN_SIGINT: '1' } });
    await get(service.port, '/a');
    const file = path.join(dir, 'evidence.json');
    service.child.kill('SIGUSR2');
    await waitFor(file);
    expect(readEvidence(file).run.endedBy).toBe('flush');
    // Still serving.
    await get(service.port, '/b');
    const ended = await service.stop('SIGINT');
    expect(ended).toEqual({ code: 7, signal: null });
    expect(service.stderr()).toContain('own handler');
    const evidence = readEvidence(file);
    expect(evidence.run.endedBy).toBe('signal');
    expect(siteOf(evidence, 'fake-compression/encoding-only').hits).toBe(2);
    // Written by rename: no temporary file is left beside it.
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('reads a findings path relative to the working directory and writes bottleneck-evidence-<pid>.json there by default', async () => {
    const dir = project();
    const service = await startService({ dir, entry: 'app.mjs', via: 'require', env: { BOTTLENECK_FINDINGS: 'findings.json', BOTTLENECK_EVIDENCE: '' } });
    await get(service.port, '/a');
    const pid = service.child.pid!;
    await service.stop('SIGTERM');
    const evidence = readEvidence(path.join(dir, `bottleneck-evidence-${pid}.json`));
    expect(evidence.run.pid).toBe(pid);
    expect(siteOf(evidence, 'fake-compression/encoding-only').state).toBe('instrumented');
  });

  it('without BOTTLENECK_FINDINGS says so on stderr, records nothing and runs the program as usual', async () => {
    const dir = project();
    const service = await startService({ dir, entry: 'app.mjs', via: 'import', env: { BOTTLENECK_FINDINGS: '' } });
    expect(await get(service.port, '/a')).toBe(Buffer.from('token-/a').toString('base64'));
    const ended = await service.stop('SIGTERM');
    expect(ended.signal).toBe('SIGTERM');
    expect(service.stderr()).toMatch(/BOTTLENECK_FINDINGS is not set/);
    expect(existsSync(path.join(dir, 'evidence.json'))).toBe(false);
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// Spawns the built CLI: run `npm run build` first (npm test does).
const bin = path.resolve(import.meta.dirname, '../../bin/bottleneck.js');
const dir = mkdtempSync(path.join(tmpdir(), 'bottleneck-probe-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]) {
  const child = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 30_000 });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

const base = { severity: 'high', confidence: 'high', column: 1, endLine: 1, endColumn: 2, message: 'm', evidence: [], impact: '', fix: { description: '', replacement: '' }, effort: 'small', fingerprint: 'f' };
writeFileSync(
  path.join(dir, 'scan.json'),
  JSON.stringify({
    findings: [
      { ...base, ruleId: 'fake-compression/encoding-only', file: 'src/cache.ts', line: 3, category: 'Caching', params: { encoding: 'base64', sizeRatio: 1.33 } },
      { ...base, ruleId: 'uncleared-timer/interval', file: 'src/poll.ts', line: 9, category: 'Memory', params: { timer: 'setInterval' } },
      { ...base, ruleId: 'missing-keep-alive/agent-without-keepalive', file: 'src/http.ts', line: 4, category: 'Network/API', params: { keepAlive: false, protocol: 'https' } },
    ],
  }),
);

describe('bottleneck probe (CLI)', () => {
  it('probes the findings of a scan report and prints JSON with verification', () => {
    const result = run('probe', '--from', 'scan.json', '--format', 'json', '--rule', 'fake-compression', '--rule', 'uncleared-timer', '--budget', '4');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { findings: Array<{ ruleId: string; verification: { status: string; mode: string; metric: string; before: number; after: number; reason?: string } }> };
    expect(report.findings.map((f) => f.ruleId)).toEqual(['fake-compression/encoding-only', 'uncleared-timer/interval']);
    const [compression, interval] = report.findings;
    expect(compression?.verification).toMatchObject({ status: 'demonstrated', mode: 'replica', metric: 'bytes out, 64 KB JSON (as found vs gzip)' });
    expect(compression?.verification.before).toBeGreaterThan(compression?.verification.after ?? Infinity);
    expect(interval?.verification.status).toBe('skipped');
  });

  it('writes k6 scripts for HTTP-facing findings without contacting the target', () => {
    const result = run('probe', '--from', 'scan.json', '--rule', 'uncleared-timer', '--budget', '1', '--emit-k6', 'k6', '--target-url', 'https://staging.example.com/');
    expect(result.code).toBe(0);
    // --rule narrowed the probe, not the k6 export: only the keep-alive finding is HTTP-facing.
    expect(result.stderr).toContain('Wrote 0 k6 scripts');
    const all = run('probe', '--from', 'scan.json', '--rule', 'missing-keep-alive', '--budget', '3', '--emit-k6', 'k6', '--target-url', 'https://staging.example.com/');
    expect(all.code).toBe(0);
    const file = path.join(dir, 'k6', 'missing-keep-alive-src-http-ts-4.js');
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain('https://staging.example.com/');
    expect(all.stdout).toMatch(/src\/http\.ts:4:1 {2}missing-keep-alive\/agent-without-keepalive(?: {2}|\n {2})(DEMONSTRATED \(replica\)|NOT REPRODUCED \(replica\)|INCONCLUSIVE \(replica\)|SKIPPED)/);
    expect(all.stdout).toMatch(/Probed 1 finding: 0 verified on your code/);
  });

  it('refuses bad usage with exit code 2', () => {
    expect(run('probe', '--from', 'scan.json', '--emit-k6', 'k6').code).toBe(2);
    expect(run('probe', '--from', 'missing.json').code).toBe(2);
    expect(run('probe', '--from', 'scan.json', '--emit-k6', 'k6', '--target-url', 'ftp://x').code).toBe(2);
  });
});

describe('bottleneck probe interrupted by Ctrl-C', () => {
  it('stops the running probe, still prints the report, and exits 130', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [bin, 'probe', '--from', 'scan.json', '--format', 'json', '--rule', 'missing-keep-alive', '--budget', '60', '--output', 'interrupted.json'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Interrupt once the probe has started, as a user at a terminal would.
    await new Promise<void>((resolve) =>
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('probe 1/1')) resolve();
      }),
    );
    child.kill('SIGINT');
    const code = await exited;
    expect(stderr).toContain('Interrupted: stopping the running probe');
    expect(code).toBe(130);
    const report = JSON.parse(readFileSync(path.join(dir, 'interrupted.json'), 'utf8')) as { findings: unknown[] };
    expect(JSON.stringify(report)).toContain('"interrupted":true');
    expect(report.findings).toHaveLength(1);
  }, 30_000);
});

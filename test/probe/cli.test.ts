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
      {
        ...base, ruleId: 'sequential-await/consecutive', file: 'src/orders.ts', line: 12, category: 'Async/Concurrency', params: { awaits: 3 },
        reach: { routes: [{ method: 'GET', path: '/orders/:id', file: 'src/routes.ts', line: 5, framework: 'express', handler: 'getOrder' }] },
      },
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

  it('writes k6 scripts for the routes that reach findings, and asks for --route where none is declared', () => {
    const result = run('probe', '--from', 'scan.json', '--rule', 'sequential-await', '--rule', 'missing-keep-alive', '--budget', '2', '--emit-k6', 'k6', '--target-url', 'https://staging.example.com/');
    expect(result.code).toBe(0);
    // The keep-alive finding has no declared route, the sequential one has.
    expect(result.stderr).toContain("k6: no script for src/http.ts:4: no route declared in the scanned code reaches this finding; give the route that runs it with --route 'METHOD /path'");
    expect(result.stderr).toContain('Wrote 1 k6 script (each with a k6-operator TestRun) to k6; 0 with thresholds that test the finding');
    const script = readFileSync(path.join(dir, 'k6', 'sequential-await-src-orders-ts-12.js'), 'utf8');
    expect(script).toContain('// Route: GET /orders/:id, declared at src/routes.ts:5 (express, handler getOrder);');
    expect(script).toContain('"https://staging.example.com/"');
    expect(readFileSync(path.join(dir, 'k6', 'sequential-await-src-orders-ts-12.testrun.yaml'), 'utf8')).toContain('kind: TestRun');

    const all = run('probe', '--from', 'scan.json', '--rule', 'missing-keep-alive', '--budget', '3', '--emit-k6', 'k6', '--target-url', 'https://staging.example.com/', '--route', 'GET /health', '--k6-rate', '5');
    expect(all.code).toBe(0);
    const file = path.join(dir, 'k6', 'missing-keep-alive-src-http-ts-4.js');
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain('// Route: GET /health, given with --route. It is NOT declared in the scanned code');
    expect(readFileSync(file, 'utf8')).toContain('"rate": 5,');
    expect(all.stdout).toMatch(/src\/http\.ts:4:1 {2}missing-keep-alive\/agent-without-keepalive(?: {2}|\n {2})(DEMONSTRATED \(replica\)|NOT REPRODUCED \(replica\)|INCONCLUSIVE \(replica\)|SKIPPED)/);
    expect(all.stdout).toMatch(/Probed 1 finding: 0 verified on your code/);
  });

  it('derives thresholds from a --baseline k6 summary', () => {
    writeFileSync(path.join(dir, 'before.json'), JSON.stringify({ metrics: { http_req_duration: { avg: 300, med: 280, 'p(95)': 600, 'p(99)': 900 }, http_reqs: { count: 3000, rate: 49.8 } } }));
    const result = run('probe', '--from', 'scan.json', '--rule', 'sequential-await', '--budget', '1', '--emit-k6', 'k6b', '--target-url', 'https://staging.example.com/', '--baseline', 'before.json', '--route-params', 'id=7');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('1 with thresholds that test the finding');
    const script = readFileSync(path.join(dir, 'k6b', 'sequential-await-src-orders-ts-12.js'), 'utf8');
    // 3 awaits: 600 / 3 * 1.2 and 900 / 3 * 1.2; the baseline's rate.
    expect(script).toContain('"p(95)<240"');
    expect(script).toContain('"p(99)<360"');
    expect(script).toContain('"rate": 50,');
    expect(script).toContain('id: __ENV.PARAM_id || "7",');
  });

  it('refuses bad usage with exit code 2', () => {
    expect(run('probe', '--from', 'scan.json', '--emit-k6', 'k6').code).toBe(2);
    expect(run('probe', '--from', 'missing.json').code).toBe(2);
    expect(run('probe', '--from', 'scan.json', '--emit-k6', 'k6', '--target-url', 'ftp://x').code).toBe(2);
    const needsEmit = run('probe', '--from', 'scan.json', '--route', 'GET /x');
    expect(needsEmit.code).toBe(2);
    expect(needsEmit.stderr).toContain('--route shapes the k6 scripts: it needs --emit-k6 <dir>');
    expect(run('probe', '--from', 'scan.json', '--emit-k6', 'k6', '--target-url', 'https://x.test/', '--route', 'orders').stderr).toContain('Invalid --route "orders"');
    expect(run('probe', '--from', 'scan.json', '--emit-k6', 'k6', '--target-url', 'https://x.test/', '--baseline', 'scan.json').stderr).toContain('--baseline scan.json: expected a k6 summary');
    expect(run('probe', '--from', 'scan.json', '--emit-k6', 'k6', '--target-url', 'https://x.test/', '--k6-share', '1.5').code).toBe(2);
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

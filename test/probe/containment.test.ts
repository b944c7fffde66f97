/**
 * Containment of the code `--exec` runs: process groups (and a PID namespace where the OS allows one)
 * killed whole, results on their own pipe, a heap cap, writes confined to a scratch directory, `--from`
 * reports naming files outside the project refused. Every test is bounded by the child's own limits;
 * assertions are on outcomes (results, kills, surviving processes), never on durations.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killAllChildren, parseTokenLine, runChildScript } from '../../src/probe/child.js';
import { runUserModule, sandboxWrapper } from '../../src/probe/exec/harness.js';
import { outsideFiles, parseLatencies } from '../../src/commands/probe.js';
import type { Finding } from '../../src/findings.js';

const dir = mkdtempSync(path.join(tmpdir(), 'bottleneck-containment-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Processes whose command line carries `marker`, read from /proc (no signal sent to anything). */
function survivors(marker: string): number {
  let count = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) count++;
    } catch {
      // Gone while reading.
    }
  }
  return count;
}

/** Waits (a bounded number of short polls) for the kernel to reap killed processes. */
async function settledSurvivors(marker: string): Promise<number> {
  for (let i = 0; i < 40; i++) {
    if (survivors(marker) === 0) return 0;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return survivors(marker);
}

const grandchild = (marker: string, options: string) =>
  `(await import('node:child_process')).spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', ${JSON.stringify(marker)}], ${options})`;
const result = (value: string) => `(await import('node:fs')).writeSync(3, JSON.stringify(${value}) + '\\n');`;

describe('containment of the code --exec runs', () => {
  it('kills a child that loops forever, and the grandchild holding its pipes, at the deadline', async () => {
    const marker = `bottleneck-holder-${process.pid}-1`;
    const source = `${grandchild(marker, "{ stdio: 'inherit' }")};\nfor (;;) {}`;
    const run = await runChildScript(source, {}, { timeoutMs: 1_000, exitWaitMs: 100 });
    expect(run).toMatchObject({ result: null, killed: true, killedBy: 'deadline' });
    expect(await settledSurvivors(marker)).toBe(0);
  }, 20_000);

  it('leaves no detached grandchild behind where a PID namespace is available', async () => {
    const sandbox = sandboxWrapper(false, dir);
    if (sandbox.processes !== 'pid-namespace') return; // the notes say so on such systems (see describeContainment)
    const marker = `bottleneck-detached-${process.pid}-2`;
    const source = `const c = ${grandchild(marker, "{ detached: true, stdio: 'ignore' }")}; c.unref();\nawait new Promise((r) => setTimeout(r, 100));\n${result('{ started: true }')}\nprocess.exit(0);`;
    const run = await runChildScript<{ started: boolean }>(source, {}, { timeoutMs: 5_000, exitWaitMs: 100, wrapper: sandbox.wrapper, cwd: dir });
    expect(run.result).toEqual({ started: true });
    expect(await settledSurvivors(marker)).toBe(0);
  }, 20_000);

  it('reads the result from its own pipe: JSON printed on stdout at import is not a result', async () => {
    const source = `console.log(JSON.stringify({ fake: true }));\nprocess.stdout.write('{"also":"fake"}\\n');\n${result('{ real: true }')}`;
    const run = await runChildScript<Record<string, boolean>>(source, {}, { timeoutMs: 5_000, exitWaitMs: 100 });
    expect(run.result).toEqual({ real: true });
  }, 20_000);

  it('stops a child that allocates without bound at its heap cap', async () => {
    const source = `const keep = [];\nfor (;;) keep.push(new Array(100_000).fill(keep.length));`;
    const run = await runChildScript(source, {}, { timeoutMs: 15_000, exitWaitMs: 100, heapMb: 64 });
    expect(run.result).toBeNull();
    expect(run.outOfMemory).toBe(true);
    expect(run.killedBy).toBeUndefined();
  }, 30_000);

  it('stops the running child on abort (the first Ctrl-C) and on killAllChildren (SIGTERM, exit)', async () => {
    const controller = new AbortController();
    const aborted = runChildScript(`${result('{ up: true }')}\nfor (;;) {}`, {}, { timeoutMs: 60_000, exitWaitMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    expect(await aborted).toMatchObject({ killed: true, killedBy: 'abort' });
    const marker = `bottleneck-term-${process.pid}-3`;
    const terminated = runChildScript(`${grandchild(marker, "{ stdio: 'inherit' }")};\n${result('{ up: true }')}\nfor (;;) {}`, {}, { timeoutMs: 60_000, exitWaitMs: 60_000 });
    // Once the child has answered it is running; killing every group ends it and what it started.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(killAllChildren()).toBeGreaterThanOrEqual(1);
    expect((await terminated).result).toEqual({ up: true });
    expect(await settledSurvivors(marker)).toBe(0);
  }, 30_000);

  it('confines writes to the scratch directory where a mount namespace is available', async () => {
    const scratch = mkdtempSync(path.join(dir, 'scratch-'));
    const sandbox = sandboxWrapper(false, scratch);
    if (sandbox.writes !== 'scratch-only') return;
    const outside = path.join(dir, 'outside.txt');
    const source = `const fs = await import('node:fs');
const attempt = (file) => { try { fs.writeFileSync(file, 'x'); return 'written'; } catch (error) { return error.code; } };
${result(`{ outside: attempt(${JSON.stringify(outside)}), scratch: attempt(${JSON.stringify(path.join(scratch, 'inside.txt'))}) }`)}`;
    const run = await runChildScript<{ outside: string; scratch: string }>(source, {}, { timeoutMs: 5_000, exitWaitMs: 100, wrapper: sandbox.wrapper, cwd: scratch });
    expect(run.result).toEqual({ outside: 'EROFS', scratch: 'written' });
  }, 20_000);

  it("your code writing to fd 3 cannot forge a result: the harness's line carries a token your code never sees", async () => {
    const project = mkdtempSync(path.join(dir, 'forger-'));
    const file = path.join(project, 'forger.ts');
    const text = `import { readFileSync, writeSync } from 'node:fs';
let token = 'guessed';
try { token = JSON.parse(readFileSync(JSON.parse(process.argv[process.argv.length - 1]).configPath, 'utf8')).token ?? 'no token in the file'; } catch { token = 'config file gone'; }
writeSync(3, JSON.stringify({ token, value: { genuine: false, token } }) + '\\n');
writeSync(3, JSON.stringify({ genuine: false }) + '\\n');
writeSync(3, '{"genuine": false, "unterminated": true');
export function compress(s: string): string {
  return s;
}
`;
    writeFileSync(file, text);
    const target = { name: 'compress', binding: 'compress', holder: 'function' as const, line: 7, parameters: 1, firstParameter: 'string' as const, ambient: [] };
    const run = await runUserModule<{ genuine: boolean }>({
      file, text, target, body: 'emit({ genuine: true });\nprocess.exit(0);', family: {}, stub: { latencyMs: 0, numberValue: 1, items: 1, recordSites: false },
      context: { deadline: Date.now() + 10_000, signal: new AbortController().signal },
    });
    expect('error' in run).toBe(false);
    if ('error' in run) return;
    expect(run.result).toEqual({ genuine: true });
  }, 20_000);

  it('a line on an authenticated channel is a result only with its token', () => {
    expect(parseTokenLine('{"token":"abc","value":{"x":1}}', 'abc')).toEqual({ ok: true, value: { x: 1 } });
    expect(parseTokenLine('{"token":"abd","value":{"x":1}}', 'abc')).toEqual({ ok: false });
    expect(parseTokenLine('{"x":1}', 'abc')).toEqual({ ok: false });
    expect(parseTokenLine('not json', 'abc')).toEqual({ ok: false });
  });
});

describe('probe --exec stopped from outside', () => {
  const bin = path.resolve('bin/bottleneck.js');

  /** A project whose "compress" starts a process holding its pipes, then loops forever. */
  function loopingProject(marker: string): string {
    const project = mkdtempSync(path.join(dir, 'looping-'));
    mkdirSync(path.join(project, 'src'));
    writeFileSync(
      path.join(project, 'src/cache.ts'),
      `import { spawn } from 'node:child_process';\nexport function compress(value: unknown): string {\n  spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', ${JSON.stringify(marker)}], { stdio: 'inherit' });\n  for (;;) {}\n}\n`,
    );
    const finding: Finding = {
      ruleId: 'fake-compression/encoding-only', severity: 'high', confidence: 'high', file: 'src/cache.ts', line: 2, column: 1, endLine: 5, endColumn: 2,
      message: 'm', evidence: [], impact: '', fix: { description: '', replacement: '' }, effort: 'small', category: 'Caching', fingerprint: 'f', params: { functionName: 'compress' },
    };
    writeFileSync(path.join(project, 'report.json'), JSON.stringify({ findings: [finding] }));
    return project;
  }

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal}: the first one stops the run, and nothing the user's code started survives it`, async () => {
      const marker = `bottleneck-cli-${signal}-${process.pid}`;
      const project = loopingProject(marker);
      const { spawn } = await import('node:child_process');
      const child = spawn(process.execPath, [bin, 'probe', '--from', 'report.json', '--exec', '--budget', '600', '--format', 'json', '--output', 'out.json'], { cwd: project, env: { ...process.env, NO_COLOR: '1' } });
      let stderr = '';
      const exited = new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
      // Once the user's code is running (its grandchild exists), send the signal once.
      await new Promise<void>((resolve) => child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString(), stderr.includes('probe 1/1') && resolve())));
      for (let i = 0; i < 100 && survivors(marker) === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(survivors(marker)).toBeGreaterThan(0);
      child.kill(signal);
      expect(await exited).toBe(code);
      expect(await settledSurvivors(marker)).toBe(0);
      if (signal === 'SIGINT') {
        const report = JSON.parse(readFileSync(path.join(project, 'out.json'), 'utf8')) as { findings: Array<{ verification: { status: string; reason: string } }> };
        expect(report.findings[0]?.verification).toMatchObject({ status: 'skipped' });
        expect(report.findings[0]?.verification.reason).toMatch(/^interrupted \(Ctrl-C\)/);
      }
    }, 60_000);
  }
});

describe('probe --from report.json --exec', () => {
  const finding = (file: string): Finding => ({
    ruleId: 'fake-compression/encoding-only', severity: 'high', confidence: 'high', file, line: 1, column: 1, endLine: 1, endColumn: 2,
    message: 'm', evidence: [], impact: '', fix: { description: '', replacement: 'process.exit(1)' }, effort: 'small', category: 'Caching', fingerprint: file,
  });

  it('reads --latency <module.member>=<ms> and refuses anything else', () => {
    expect(parseLatencies(['pg.query=25', 'getRating=5.5'])).toEqual({ 'pg.query': 25, getRating: 5.5 });
    expect(() => parseLatencies(['pg.query'])).toThrow(/Invalid --latency/);
    expect(() => parseLatencies(['x=-1'])).toThrow(/Invalid --latency/);
  });

  it('names the files that lie outside the working directory', () => {
    expect(outsideFiles([finding('src/a.ts'), finding('../x.ts'), finding('/etc/passwd.ts'), finding('src/../../y.ts'), finding('src/./b.ts')], '/work/project')).toEqual(['../x.ts', '/etc/passwd.ts', 'src/../../y.ts']);
  });

  it('refuses a report naming ../x.ts with exit code 2, before running anything', () => {
    const project = mkdtempSync(path.join(dir, 'project-'));
    mkdirSync(path.join(project, 'src'));
    writeFileSync(path.join(dir, 'x.ts'), "export function compress(v: unknown): string { return Buffer.from(JSON.stringify(v)).toString('base64'); }\n");
    writeFileSync(path.join(project, 'report.json'), JSON.stringify({ findings: [finding('../x.ts')] }));
    const bin = path.resolve('bin/bottleneck.js');
    const child = spawnSync(process.execPath, [bin, 'probe', '--from', 'report.json', '--exec', '--budget', '5'], { cwd: project, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(child.status).toBe(2);
    expect(child.stderr).toContain('refusing to run code outside');
    expect(child.stderr).toContain('../x.ts');
    expect(child.stderr).not.toContain('RUN YOUR CODE');
  }, 30_000);
});

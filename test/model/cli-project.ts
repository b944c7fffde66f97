import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Temporary projects for CLI tests of the model, and the built CLI run in them. */
const bin = path.resolve(import.meta.dirname, '../../bin/bottleneck.js');
const temps: string[] = [];

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
}

export function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bottleneck-model-'));
  temps.push(dir);
  writeFiles(dir, files);
  return dir;
}

export function runCli(cwd: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

export function removeProjects(): void {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
}

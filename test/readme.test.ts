import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// js-yaml comes with cosmiconfig (a runtime dependency), so it is installed wherever the tests run; it has no bundled types.
const yaml = createRequire(import.meta.url)('js-yaml') as { load: (text: string) => unknown };

const readme = readFileSync(path.resolve(import.meta.dirname, '..', 'README.md'), 'utf8');
const yamlBlocks = [...readme.matchAll(/^```ya?ml\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');

describe('README YAML examples', () => {
  it('has YAML blocks to check', () => {
    expect(yamlBlocks.length).toBeGreaterThanOrEqual(3);
  });

  it.each(yamlBlocks.map((block, index) => [index + 1, block] as const))('block %i parses as YAML', (_index, block) => {
    expect(() => yaml.load(block)).not.toThrow();
  });

  it('the sharded workflow uploads each shard under its own name', () => {
    const sharded = yamlBlocks.find((block) => block.includes('--shard'));
    const workflow = yaml.load(sharded ?? '') as { jobs: { scan: { steps: Array<{ uses?: string; with?: Record<string, unknown> }> } } };
    const upload = workflow.jobs.scan.steps.find((step) => step.uses?.startsWith('actions/upload-artifact'));
    expect(upload?.with).toEqual({ name: 'shard-${{ matrix.shard }}', path: 'shard-${{ matrix.shard }}.json' });
  });
});

describe('README first command', () => {
  it('says that scanning the bundled fixtures exits 1, and that is what it does', () => {
    const root = path.resolve(import.meta.dirname, '..');
    const setUp = readme.slice(readme.indexOf('## Set up'), readme.indexOf('## Usage'));
    expect(setUp).toContain('npx bottleneck scan fixtures');
    expect(setUp).toMatch(/It exits 1, and that is expected: the fixtures are full of planted bottlenecks/);
    const bin = path.join(root, 'bin/bottleneck.js');
    const env = { ...process.env, NO_COLOR: '1' };
    expect(spawnSync(process.execPath, [bin, 'scan', 'fixtures', '--no-cache', '--format', 'json'], { cwd: root, env, encoding: 'utf8' }).status).toBe(1);
    expect(spawnSync(process.execPath, [bin, 'scan', 'fixtures', '--no-cache', '--format', 'json', '--fail-on', 'none'], { cwd: root, env, encoding: 'utf8' }).status).toBe(0);
  });
});

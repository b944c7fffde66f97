import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { project, removeProjects } from './cli-project.js';

const bin = path.resolve(import.meta.dirname, '../../bin/bottleneck.js');

afterAll(removeProjects);

describe('the model never opens special files', () => {
  it('finishes when tsconfig.json, a package.json above a file, or the model caches are FIFOs', () => {
    const dir = project({
      'src/a.ts': `import axios from 'axios';\nexport async function f() {\n  const a = await axios.get('/a');\n  const b = await axios.get('/b');\n  return [a, b];\n}\n`,
    });
    const cache = path.join(dir, '.cache');
    execFileSync('mkdir', ['-p', cache]);
    for (const fifo of ['tsconfig.json', 'src/package.json', '.cache/model-cache.json', '.cache/model-digest.json']) execFileSync('mkfifo', [path.join(dir, fifo)]);
    // A hang would run into the timeout: the child is killed and status is null.
    const child = spawnSync(process.execPath, [bin, 'scan', '.', '--format', 'json', '--fail-on', 'none', '--cache-location', cache], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(child.status).toBe(0);
    expect((JSON.parse(child.stdout) as { findings: unknown[] }).findings).toHaveLength(1);
  });
});

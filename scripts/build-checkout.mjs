// Reached only from a source checkout whose dist/ is missing (the published package always has dist/ and not
// this file): compiles it once with the repository's own TypeScript and bundles it (scripts/bundle.mjs), so `npm ci && npx bottleneck scan` works on
// a fresh clone without an install script in the published package.json.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
let tsc;
try {
  tsc = createRequire(path.join(root, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  process.stderr.write('bottleneck: dist/ is missing and typescript is not installed: run "npm ci" then "npm run build"\n');
  process.exit(2);
}
process.stderr.write('bottleneck: first run from a source checkout: building dist/ (npm run build)...\n');
const built = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { cwd: root, stdio: ['ignore', 2, 2] });
const bundled = built.status === 0 ? spawnSync(process.execPath, [path.join(root, 'scripts', 'bundle.mjs')], { cwd: root, stdio: ['ignore', 2, 2] }) : built;
if (bundled.status !== 0) {
  process.stderr.write('bottleneck: the build failed; run "npm run build" to see why\n');
  process.exit(2);
}

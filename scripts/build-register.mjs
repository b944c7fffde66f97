// Bundles the preload's CommonJS entry (`node -r bottleneck-cli/register`) into dist/bundle/register.cjs,
// beside the ES bundle's hooks.js it registers: Node 20 cannot require an ES module. zod and the other
// bundled packages go inside (they are dev dependencies); the parser and the probe's peers stay outside,
// loaded at run time from the installed package, as the scanner loads them.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
await build({
  entryPoints: [path.join(root, 'src/evidence/register-cjs.ts')],
  outfile: path.join(root, 'dist/bundle/register.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: [...Object.keys(pkg.optionalDependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})],
  // The modules read their own location through import.meta.url; in the bundle that is the bundle's.
  define: { 'import.meta.url': '__bottleneckModuleUrl' },
  banner: { js: 'const __bottleneckModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: 'warning',
});

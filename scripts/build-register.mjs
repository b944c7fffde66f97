// Bundles the preload's CommonJS entry (`node -r bottleneck-cli/register`) into dist/register.cjs: Node 20
// cannot require the ES modules tsc writes. The TypeScript parser stays outside the bundle (loaded at run
// time from the installed package, as the scanner loads it).
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
await build({
  entryPoints: [path.join(root, 'src/evidence/register-cjs.ts')],
  outfile: path.join(root, 'dist/register.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  // The modules read their own location through import.meta.url; in the bundle that is the bundle's.
  define: { 'import.meta.url': '__bottleneckModuleUrl' },
  banner: { js: 'const __bottleneckModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: 'warning',
});

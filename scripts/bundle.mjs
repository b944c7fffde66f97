// Bundles the package's entry points with esbuild, after `tsc` has written dist/ (`npm run build` runs both):
// the CLI starts by loading a few files instead of ~150 modules and the seven runtime packages, which are
// inside the bundle and so are dev dependencies. The parser (`@ts-morph/common`, else the user's `typescript`)
// and the probe's peers stay outside, resolved at run time as before.
//
// Adding an entry point is one line in ENTRIES; find its built file at run time with `entryFile(name)`
// (src/version.ts).
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { flattenDeclarations } from './flatten-declarations.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const OUT = path.join(root, 'dist', 'bundle');

/** name -> source: `dist/bundle/<name>.js`. */
export const ENTRIES = {
  cli: 'src/cli.ts',
  api: 'src/api.ts',
  worker: 'src/scanner/worker.ts',
  'ts-hooks': 'src/config/ts-hooks.ts',
  // The evidence preload (`node --import bottleneck-cli/register`) and the load hooks it registers beside it.
  register: 'src/evidence/register.ts',
  hooks: 'src/evidence/hooks.ts',
};

/** The packages compiled into the bundle (devDependencies); any other package an entry imports must stay external. */
export const BUNDLED = ['chalk', 'commander', 'cosmiconfig', 'handlebars', 'ignore', 'picomatch', 'zod'];

const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
/** Resolved at run time from the user's install: the parser and the probe's optional peers. */
const external = [...Object.keys(pkg.optionalDependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];

rmSync(OUT, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: ENTRIES,
  outdir: OUT,
  bundle: true,
  // Shared code goes to chunks loaded once; `import()` of the probe's modules stays lazy.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  // Stack traces map back to src/ with `--debug` (bin/bottleneck.js turns source maps on for it) or
  // NODE_OPTIONS=--enable-source-maps; the sources themselves are not copied into the maps.
  sourcemap: 'linked',
  sourcesContent: false,
  // Tells src/version.ts that the code runs from the bundle, where the entry files are siblings.
  define: { BOTTLENECK_BUNDLED: 'true' },
  // Bundled CommonJS packages call require() for Node's built-ins, which an ES module does not define.
  banner: { js: "import { createRequire as __bottleneckRequire } from 'node:module'; const require = __bottleneckRequire(import.meta.url);" },
  chunkNames: 'chunk-[hash]',
  metafile: true,
  logLevel: 'warning',
  legalComments: 'linked',
  // Whitespace and syntax only: names stay as written (messages and stack traces use them). 3.8 -> 3.0 MB.
  minifyWhitespace: true,
  minifySyntax: true,
});

// A package reached by mistake (a dev-only import in src/) would otherwise be copied in silently.
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (match) packages.add(match[1]);
}
const unexpected = [...packages].filter((name) => !BUNDLED.includes(name) && !BUNDLED.some((bundled) => isDependencyOf(name, bundled)));
if (unexpected.length > 0) {
  process.stderr.write(`bundle: ${unexpected.join(', ')} would be bundled but ${unexpected.length === 1 ? 'is' : 'are'} not in BUNDLED (scripts/bundle.mjs)\n`);
  process.exit(1);
}

// The published declarations must not need the bundled packages either (they are no longer installed).
flattenDeclarations(path.join(root, 'dist', 'src', 'api.d.ts'), BUNDLED);

/** Whether `name` is installed as a (transitive) dependency of the bundled package `parent`. */
function isDependencyOf(name, parent, seen = new Set()) {
  if (seen.has(parent)) return false;
  seen.add(parent);
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(root, 'node_modules', parent, 'package.json'), 'utf8'));
  } catch {
    return false;
  }
  const deps = Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies });
  return deps.includes(name) || deps.some((dep) => isDependencyOf(name, dep, seen));
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Replaced by `true` when scripts/bundle.mjs bundles the code; undeclared when tsc's output or the sources run. */
declare const BOTTLENECK_BUNDLED: boolean | undefined;

/** Whether this code runs from the bundle (dist/bundle/), where every entry point is a sibling file. */
export const BUNDLED = typeof BOTTLENECK_BUNDLED !== 'undefined' && BOTTLENECK_BUNDLED;

/**
 * The built file of an entry point that runs on its own (a worker thread, a loader hook): in the bundle, its
 * `<name>.js` beside this code (the names are ENTRIES in scripts/bundle.mjs); otherwise tsc's output,
 * `dist/<compiled>`, which tests run against the sources use (they run after `npm run build`).
 */
export function entryFile(name: string, compiled: string): string {
  return BUNDLED ? fileURLToPath(new URL(`./${name}.js`, import.meta.url)) : path.join(packageRoot(), 'dist', compiled);
}

/** The package root, found from this module whether it runs from `src/` (tests) or `dist/src/` (built). */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'bottleneck-cli') return dir;
    } catch {
      // not here: keep walking up
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('Cannot locate the bottleneck-cli package root');
    dir = parent;
  }
}

let cachedVersion: string | undefined;

export function toolVersion(): string {
  if (!cachedVersion) {
    const pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
    cachedVersion = pkg.version;
  }
  return cachedVersion;
}

export const TOOL_NAME = 'bottleneck';

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

/**
 * `node -r bottleneck-cli/register app.js`: the CommonJS entry (bundled to dist/bundle/register.cjs, since Node 20
 * cannot require an ES module). ES modules the program imports are instrumented through the same load
 * hook as with `--import`.
 */
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startEvidence } from './runtime.js';

declare const __filename: string;

const started = startEvidence();
// The ES bundle's hooks entry, built beside this file.
const hooks = path.join(path.dirname(__filename), 'hooks.js');
if (started && existsSync(hooks)) register(pathToFileURL(hooks), { data: { sites: started.sites } });

export { flush } from './runtime.js';

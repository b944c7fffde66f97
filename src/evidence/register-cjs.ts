/**
 * `node -r bottleneck-cli/register app.js`: the CommonJS entry (bundled to dist/register.cjs, since Node 20
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
const hooks = path.join(path.dirname(__filename), 'src', 'evidence', 'hooks.js');
if (started && existsSync(hooks)) register(pathToFileURL(hooks), { data: { sites: started.sites } });

export { flush } from './runtime.js';

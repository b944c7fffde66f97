/**
 * `node --import bottleneck-cli/register app.js`: records runtime evidence for the findings named by
 * BOTTLENECK_FINDINGS in this process (runtime.ts), for ES modules (a load hook) and CommonJS ones.
 */
import { register } from 'node:module';
import { startEvidence } from './runtime.js';

const started = startEvidence();
if (started) register(new URL('./hooks.js', import.meta.url), { data: { sites: started.sites } });

export { flush } from './runtime.js';

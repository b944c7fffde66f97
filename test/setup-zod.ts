// Rule options are parsed with zod, which the tool loads in its async steps (config loading, `scan`, a worker's
// batch) and tests that call the synchronous analysis directly (analyzeText with options) skip: loaded here.
import { loadZod } from '../src/lazy-zod.js';

await loadZod();

import { createRequire } from 'node:module';
import type HandlebarsModule from 'handlebars';

/**
 * Handlebars, loaded on first use: only markdown output and `--template` need it, and loading it costs every
 * scan 20 ms of start-up. In the bundle (scripts/bundle.mjs) the plain `require` call is what esbuild
 * compiles into a lazy call of the bundled copy; run from tsc's output, an ES module has no `require`, so
 * the package is resolved from here.
 */
export function loadHandlebars(): typeof HandlebarsModule {
  return (typeof require === 'function' ? require('handlebars') : createRequire(import.meta.url)('handlebars')) as typeof HandlebarsModule;
}

#!/usr/bin/env node
import { existsSync } from 'node:fs';

// The published package ships dist/; a fresh clone of the repository builds it on first run (no install script).
const cli = new URL('../dist/bundle/cli.js', import.meta.url);
if (!existsSync(cli)) await import('../scripts/build-checkout.mjs');
// A stack trace (--debug) names the TypeScript sources, through the bundle's source map; off otherwise, as
// reading the map costs every run its start-up.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
const { run } = await import(cli.href);
await run();

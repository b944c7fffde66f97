#!/usr/bin/env node
import { existsSync } from 'node:fs';

// The published package ships dist/; a fresh clone of the repository builds it on first run (no install script).
if (!existsSync(new URL('../dist/src/cli.js', import.meta.url))) await import('../scripts/build-checkout.mjs');
const { run } = await import('../dist/src/cli.js');
await run();

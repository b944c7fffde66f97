#!/usr/bin/env node
// Regenerates the README's pictures: docs/terminal.png (the terminal report at 80 columns, in colour) and
// docs/summary.png (the --summary markdown report as a GitHub comment shows it). Needs a build (npm run
// build) and Chromium (/usr/bin/chromium or CHROMIUM=...). GitHub draws the Mermaid charts; to draw them
// here too, point MERMAID_JS at a mermaid.min.js bundle (not a dependency: it is large), else they show as code.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChromium, findMermaid, markdownPage, screenshot, terminalPage } from './pictures.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const chromium = findChromium();
if (!chromium) {
  console.error('screenshots: no Chromium found (install Debian\'s chromium package, or set CHROMIUM=/path/to/chrome)');
  process.exit(2);
}
const cli = (...args) => {
  const run = spawnSync(process.execPath, [path.join(root, 'bin/bottleneck.js'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, SOURCE_DATE_EPOCH: '1796083200' } });
  if (run.status !== 0 && run.status !== 1) throw new Error(`bottleneck ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return run.stdout;
};

// Two findings of different shapes: a span inside one line, and a span over several lines with a block fix.
const terminal = cli('scan', 'fixtures/fake-compression/cache-codec.ts', 'fixtures/sequential-await/identity-api', '--rule', 'fake-compression', '--rule', 'sequential-await', '--color', '--width', '80', '--no-cache', '--fail-on', 'none');
const shown = terminal.split('\n\n').filter((block) => /cache-codec\.ts:19:|session\.routes\.ts:31:/.test(block));
const text = `${shown.join('\n\n')}\n`;
const term = screenshot(chromium, terminalPage(text, 80), path.join(root, 'docs/terminal.png'), { width: 760, waitMs: 500 });
console.log(`docs/terminal.png ${term.width}x${term.height}`);

const mermaid = findMermaid();
const summary = cli('scan', 'fixtures', '--format', 'markdown', '--summary', '--no-cache', '--fail-on', 'none');
const shot = screenshot(chromium, markdownPage(summary, { mermaid }), path.join(root, 'docs/summary.png'), { width: 924, waitMs: 6000 });
console.log(`docs/summary.png ${shot.width}x${shot.height}${mermaid ? '' : ' (charts as code: set MERMAID_JS to draw them)'}`);

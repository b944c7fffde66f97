// Pictures of the reports for the README and the tests: ANSI terminal text and markdown turned into HTML,
// then screenshotted by headless Chromium. Used by scripts/screenshots.mjs and test/reporters/pictures.test.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { marked } from 'marked';

const require = createRequire(import.meta.url);

/** The Chromium the machine has (CHROMIUM, else Debian's /usr/bin/chromium), or undefined. Never installs one. */
export function findChromium(env = process.env) {
  for (const candidate of [env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  return undefined;
}

const escapeHtml = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The 16 colours chalk's level 1 uses, as a dark terminal theme shows them. */
const PALETTE = ['#1e1e1e', '#f14c4c', '#23d18b', '#e5e510', '#3b8eea', '#d670d6', '#29b8db', '#e5e5e5'];
const BRIGHT = ['#8c8c8c', '#f14c4c', '#23d18b', '#f5f543', '#3b8eea', '#d670d6', '#29b8db', '#ffffff'];

/** SGR sequences (colours, bold, dim, underline) to HTML spans; any other escape sequence is dropped. */
export function ansiToHtml(text) {
  const state = { fg: undefined, bg: undefined, bold: false, dim: false, underline: false };
  let html = '';
  const style = () => {
    const css = [];
    if (state.fg) css.push(`color:${state.fg}`);
    if (state.bg) css.push(`background:${state.bg}`);
    if (state.bold) css.push('font-weight:bold');
    if (state.dim) css.push('opacity:0.6');
    if (state.underline) css.push('text-decoration:underline');
    return css.join(';');
  };
  // eslint-disable-next-line no-control-regex
  for (const part of text.split(/(\u001b\[[0-9;]*[A-Za-z])/)) {
    // eslint-disable-next-line no-control-regex
    const sgr = /^\u001b\[([0-9;]*)m$/.exec(part);
    if (sgr) {
      for (const code of (sgr[1] || '0').split(';').map(Number)) {
        if (code === 0) Object.assign(state, { fg: undefined, bg: undefined, bold: false, dim: false, underline: false });
        else if (code === 1) state.bold = true;
        else if (code === 2) state.dim = true;
        else if (code === 4) state.underline = true;
        else if (code === 22) Object.assign(state, { bold: false, dim: false });
        else if (code === 24) state.underline = false;
        else if (code >= 30 && code <= 37) state.fg = PALETTE[code - 30];
        else if (code >= 90 && code <= 97) state.fg = BRIGHT[code - 90];
        else if (code === 39) state.fg = undefined;
        else if (code >= 40 && code <= 47) state.bg = PALETTE[code - 40];
        else if (code >= 100 && code <= 107) state.bg = BRIGHT[code - 100];
        else if (code === 49) state.bg = undefined;
      }
      continue;
    }
    // eslint-disable-next-line no-control-regex
    if (part === '' || /^\u001b/.test(part)) continue;
    const css = style();
    html += css ? `<span style="${css}">${escapeHtml(part)}</span>` : escapeHtml(part);
  }
  return html;
}

/** A terminal window of `columns` columns showing ANSI text. */
export function terminalPage(ansi, columns) {
  return `<!doctype html><html><head><meta charset="utf-8"><style>
body { margin: 0; background: #1e1e1e; }
pre { margin: 0; padding: 16px; font: 14px/1.35 "DejaVu Sans Mono", monospace; color: #d4d4d4; width: ${columns}ch; white-space: pre; }
</style></head><body><pre>${ansiToHtml(ansi)}</pre></body></html>`;
}

/** A mermaid bundle to draw the charts with: MERMAID_JS, else an installed `mermaid` package, else none. */
export function findMermaid(env = process.env) {
  if (env.MERMAID_JS && existsSync(env.MERMAID_JS)) return env.MERMAID_JS;
  try {
    return require.resolve('mermaid/dist/mermaid.min.js');
  } catch {
    return undefined;
  }
}

/**
 * GitHub-flavoured markdown as a page styled like a GitHub comment. Mermaid blocks are drawn when a mermaid
 * bundle is given (GitHub draws them); without one they stay visible as code.
 */
export function markdownPage(markdown, { mermaid } = {}) {
  let body = marked.parse(markdown, { gfm: true, async: false });
  if (mermaid) body = body.replace(/<pre><code class="language-mermaid">([\s\S]*?)<\/code><\/pre>/g, '<pre class="mermaid">$1</pre>');
  const script = mermaid
    ? `<script src="${pathToFileURL(mermaid).href}"></script><script>mermaid.initialize({ startOnLoad: false, theme: 'default' }); mermaid.run().then(() => document.body.setAttribute('data-drawn', '1'));</script>`
    : '';
  return `<!doctype html><html><head><meta charset="utf-8"><style>
body { margin: 0; padding: 24px 32px; width: 860px; font: 14px/1.5 -apple-system, "Segoe UI", "DejaVu Sans", "Noto Color Emoji", sans-serif; color: #1f2328; background: #fff; }
h1, h2 { border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; } h2 { font-size: 1.5em; } h3 { font-size: 1.25em; }
table { border-collapse: collapse; margin: 0 0 16px; display: block; max-width: 100%; overflow: auto; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; } tr:nth-child(2n) { background: #f6f8fa; }
code { font: 85% "DejaVu Sans Mono", monospace; background: #eff1f3; padding: .2em .4em; border-radius: 6px; }
pre { background: #f6f8fa; padding: 16px; border-radius: 6px; overflow: auto; } pre code { background: none; padding: 0; }
pre.mermaid { background: #fff; text-align: center; } a { color: #0969da; text-decoration: none; } sub { color: #59636e; }
</style></head><body>${body}${script}</body></html>`;
}

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars', '--force-device-scale-factor=1'];

function runChromium(chromium, args) {
  const profile = mkdtempSync(path.join(tmpdir(), 'bottleneck-chromium-'));
  try {
    const run = spawnSync(chromium, [...FLAGS, `--user-data-dir=${profile}`, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (run.error) throw run.error;
    return run;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * Screenshots an HTML page at `width` pixels, as tall as its content (measured by a first run that prints
 * the page's height into the DOM), at most `maxHeight`. Returns the PNG's path and size.
 */
export function screenshot(chromium, html, out, { width, maxHeight = 4000, waitMs = 3000 } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'bottleneck-page-'));
  try {
    const measure = html.replace('</body>', `<script>addEventListener('load', () => setTimeout(() => { const h = document.documentElement.scrollHeight; const m = document.createElement('meta'); m.name = 'page-height'; m.content = String(h); document.head.append(m); }, ${Math.floor(waitMs / 2)}));</script></body>`);
    const page = path.join(dir, 'page.html');
    writeFileSync(page, measure);
    const dom = runChromium(chromium, [`--window-size=${width},1000`, `--virtual-time-budget=${waitMs}`, '--dump-dom', pathToFileURL(page).href]);
    const measured = Number(/name="page-height" content="(\d+)"/.exec(dom.stdout ?? '')?.[1]);
    const height = Math.min(maxHeight, Number.isFinite(measured) && measured > 0 ? measured : 1000);
    writeFileSync(page, html);
    const shot = runChromium(chromium, [`--window-size=${width},${height}`, `--virtual-time-budget=${waitMs}`, `--screenshot=${out}`, pathToFileURL(page).href]);
    if (!existsSync(out)) throw new Error(`chromium wrote no screenshot: ${shot.stderr?.split('\n').slice(-3).join(' ')}`);
    return { file: out, ...pngSize(readFileSync(out)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(buffer) {
  if (buffer.length < 24 || buffer.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  return { width: buffer.readUInt32BE(16), height: buffer.readUInt32BE(20) };
}

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings.js';
import { k6Files } from '../../src/probe/k6.js';

/** Generated k6 scripts hold names and messages from the scanned code: they must still parse, whatever those hold. */
const hostile = ['a\nb.ts', 'a\rb.ts', 'a\u2028b.ts', 'a\u2029b.ts', '*/ evil();\n/*.ts', "x'); require('child_process').execSync('id'); ('.ts"];

function finding(ruleId: string, file: string): Finding {
  // The route comes from the scanned code too: its path, file and handler are as hostile as the file name.
  const route = { method: 'GET', path: `/x/:id${file}`, file, line: 2, framework: file, handler: file };
  return {
    reach: { routes: [route, { ...route, line: 3 }] },
    ruleId, severity: 'high', confidence: 'high', file, line: 3, column: 1, endLine: 3, endColumn: 9,
    message: `message with ${file}`, evidence: [], impact: '', fix: { description: '', replacement: '' },
    effort: 'small', category: 'Network/IO', fingerprint: 'f', params: { concurrency: 4, awaits: 3, max: 5 },
  };
}

/** `node --check` parses the script as an ES module without running it or resolving `k6/http`. */
function parses(script: string): { ok: boolean; error: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'bottleneck-k6-'));
  try {
    const file = path.join(dir, 'script.mjs');
    writeFileSync(file, script);
    const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 30_000 });
    return { ok: check.status === 0, error: check.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('k6 scripts escape what they interpolate', () => {
  for (const ruleId of ['missing-keep-alive', 'sequential-await', 'undersized-pool']) {
    for (const file of hostile) {
      it(`${ruleId}, file name ${JSON.stringify(file)}: the script parses and the name stays inside its comment`, () => {
        const files = k6Files(finding(ruleId, file), { targetUrl: 'https://example.test/\u2028x?q="1"', routeParams: { id: "'); evil('" } });
        if ('skip' in files) throw new Error(files.skip);
        const script = files.script;
        const result = parses(script);
        // The manifest's scalars are JSON strings and its free text is in comments: no line of it runs or nests.
        for (const line of files.manifest.split(/\r\n|[\n\r\u2028\u2029]/)) if (line.includes('evil(') || line.includes('execSync(')) expect(line.trimStart().startsWith('#')).toBe(true);
        expect(result.error).toBe('');
        expect(result.ok).toBe(true);
        // Only the header's comment lines mention the file; no line of code does.
        for (const line of script.split(/\r\n|[\n\r\u2028\u2029]/)) if (line.includes('evil') || line.includes('execSync')) expect(line.trimStart().startsWith('//') || /^\s*(const PATH = |id: __ENV\.PARAM_id \|\| )"/.test(line)).toBe(true);
      });
    }
  }
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { project, removeProjects, runCli as run } from './cli-project.js';

afterAll(removeProjects);

// Three files: a route, a service with a neutral-named method, and the client that does the I/O.
const files = {
  'src/client.ts': `import axios from 'axios';
export const api = axios.create({ baseURL: 'https://ledger.internal' });
`,
  'src/ledger.ts': `import { api } from './client';
export async function balanceOf(account: string) {
  const response = await api.get(\`/accounts/\${account}/balance\`);
  return response.data;
}
export async function limitsOf(account: string) {
  const response = await api.get(\`/accounts/\${account}/limits\`);
  return response.data;
}
`,
  'src/routes.ts': `import express from 'express';
import { balanceOf, limitsOf } from './ledger';
const app = express();
app.get('/accounts/:id', async (req, res) => {
  const balance = await balanceOf(req.params.id);
  const limits = await limitsOf(req.params.id);
  res.json({ balance, limits });
});
`,
};

describe('bottleneck explain', () => {
  it("shows a callee's effects with the chain across files, its role from its caller, and its callers", () => {
    const dir = project(files);
    const { code, stdout } = run(dir, 'explain', 'src/ledger.ts:3');
    expect(code).toBe(0);
    expect(stdout).toContain('src/ledger.ts:2-5  balanceOf');
    expect(stdout).toContain('network read: balanceOf -> api.get');
    expect(stdout).toContain('(axios)');
    expect(stdout).toMatch(/runs: request — called from <anonymous>@4:\d+ \(src\/routes\.ts:5\)/);
    expect(stdout).toContain('src/routes.ts:5 <anonymous>@4');
  });

  it('lists the findings in the function and prints JSON on request', () => {
    const dir = project(files);
    const { code, stdout } = run(dir, 'explain', 'src/routes.ts:5', '--format', 'json');
    expect(code).toBe(0);
    const explanation = JSON.parse(stdout) as { function: { role: string; effects: Array<{ chain: string }> }; findings: Array<{ ruleId: string; severity: string }> };
    expect(explanation.function.role).toBe('request');
    expect(explanation.function.effects.map((e) => e.chain)).toEqual([expect.stringMatching(/^<anonymous>@4:\d+ -> balanceOf -> api\.get \(axios\)$/), expect.stringMatching(/-> limitsOf -> api\.get \(axios\)$/)]);
    expect(explanation.findings).toEqual([expect.objectContaining({ ruleId: 'sequential-await/consecutive', severity: 'high' })]);
  });

  it('says when a line is at module top level, and exits 2 on a bad location or an unscanned file', () => {
    const dir = project(files);
    expect(run(dir, 'explain', 'src/client.ts:2').stdout).toContain('module top level');
    const bad = run(dir, 'explain', 'src/ledger.ts');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Expected <file>:<line>');
    const missing = run(dir, 'explain', 'src/nope.ts:1');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('is not among the scanned files');
  });

  it("prints exactly the README's example, run in the wallet-api fixture", () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const command = '$ npx bottleneck explain src/wallet/wallet.service.ts:37\n';
    const start = readme.indexOf(command) + command.length;
    const shown = readme.slice(start, readme.indexOf('```', start));
    const { code, stdout } = run(path.join(root, 'fixtures/sequential-await/wallet-api'), 'explain', 'src/wallet/wallet.service.ts:37');
    expect(code).toBe(0);
    expect(stdout).toBe(shown);
  });
  it('prints why a function answers from memory after its first call', () => {
    const dir = project({
      'src/index.ts': `import axios from 'axios';
export class Search {
  private loading: Promise<string[]> | undefined;
  terms() {
    if (!this.loading) this.loading = axios.get('https://search.internal/index').then((r) => r.data as string[]);
    return this.loading;
  }
}
`,
    });
    const { code, stdout } = run(dir, 'explain', 'src/index.ts:4');
    expect(code).toBe(0);
    expect(stdout).toContain('answers from memory after its first call: memoised (in-flight promise in this.loading)');
  });
});

import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { project, removeProjects, runCli, writeFiles as write } from './cli-project.js';

function scan(cwd: string, cache: string) {
  const child = runCli(cwd, 'scan', '.', '--format', 'json', '--fail-on', 'none', '--cache-location', cache);
  expect(child.stderr).not.toContain('internal error');
  expect(child.code).toBe(0);
  return JSON.parse(child.stdout) as { findings: Array<{ file: string; line: number; ruleId: string; severity: string }> };
}

afterAll(removeProjects);

const ioService = `import axios from 'axios';
const api = axios.create({ baseURL: 'https://catalog.internal' });
export async function product(id: string) { return (await api.get(\`/products/\${id}\`)).data; }
export async function reviews(id: string) { return (await api.get(\`/reviews/\${id}\`)).data; }
`;
const memoryService = `const products = new Map<string, unknown>();
export async function product(id: string) { return products.get(id); }
export async function reviews(id: string) { return products.get(\`reviews:\${id}\`); }
`;

describe('the findings cache with the project model', () => {
  it('re-scans warm with a tsconfig alias, and re-judges a file when a callee in another file changes', () => {
    const dir = project({});
    const cache = path.join(dir, '.cache');
    write(dir, {
      'tsconfig.json': '{\n  // comments and trailing commas, as tsconfig allows\n  "compilerOptions": { "baseUrl": ".", "paths": { "@lib/*": ["src/lib/*"], }, },\n}\n',
      'src/lib/catalog.ts': ioService,
      'src/routes.ts': `import express from 'express';
import { product, reviews } from '@lib/catalog';
const app = express();
app.get('/products/:id', async (req, res) => {
  const item = await product(req.params.id);
  const notes = await reviews(req.params.id);
  res.json({ item, notes });
});
`,
    });
    const cold = scan(dir, cache);
    expect(cold.findings.map((f) => `${f.file}:${f.line} ${f.ruleId} ${f.severity}`)).toEqual(['src/routes.ts:5 sequential-await/consecutive high']);
    // Unchanged: every result comes from the cache (the compiler is not even loaded), same findings.
    expect(scan(dir, cache).findings).toEqual(cold.findings);
    // Only the callee's file changes: its functions now answer from memory, so the route's awaits are no I/O.
    write(dir, { 'src/lib/catalog.ts': memoryService });
    expect(scan(dir, cache).findings).toEqual([]);
    write(dir, { 'src/lib/catalog.ts': ioService });
    expect(scan(dir, cache).findings).toEqual(cold.findings);
  });

  it('re-judges the users of a factory\'s client when only the factory\'s file changes', () => {
    const dir = project({});
    const cache = path.join(dir, '.cache');
    const httpFactory = `import axios from 'axios';
export function createClient() { return axios.create({ baseURL: 'https://stock.internal' }); }
`;
    const memoryFactory = `export function createClient() { return new Map<string, unknown>(); }
`;
    write(dir, {
      'src/clients.ts': httpFactory,
      'src/routes.ts': `import express from 'express';
import { createClient } from './clients';
const app = express();
const client = createClient();
app.get('/stock/:id', async (req, res) => {
  const stock = await client.get(\`/stock/\${req.params.id}\`);
  const price = await client.get(\`/prices/\${req.params.id}\`);
  res.json({ stock, price });
});
`,
    });
    const cold = scan(dir, cache);
    // Proven through the factory in the other file: high (two round trips per request), not an assumption.
    expect(cold.findings.map((f) => `${f.file}:${f.line} ${f.ruleId} ${f.severity}`)).toEqual(['src/routes.ts:6 sequential-await/consecutive high']);
    expect(scan(dir, cache).findings).toEqual(cold.findings);
    write(dir, { 'src/clients.ts': memoryFactory });
    expect(scan(dir, cache).findings).toEqual([]);
    write(dir, { 'src/clients.ts': httpFactory });
    expect(scan(dir, cache).findings).toEqual(cold.findings);
  });
});

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scan } from '../../src/scanner/engine.js';
import { jsonReporter } from '../../src/reporters/json.js';
import { jsonReportSchema } from '../../src/result-schema.js';
import { ALL_RULES } from '../../rules/index.js';
import type { ProjectModel } from '../../src/model/link.js';
import { project as tempProject, removeProjects } from './cli-project.js';
import { afterAll } from 'vitest';

afterAll(removeProjects);

/**
 * Routes as facts: each handler's method and path, read where the framework declares them, carried by the
 * linker to the functions the handler reaches in other files, and listed on the findings there.
 */
const root = path.resolve(import.meta.dirname, '../..');
const project = 'fixtures/sequential-await/routes-api';

async function scanProject(rule: string, paths: string[]) {
  const result = await scan({
    cwd: root,
    paths,
    include: [],
    exclude: [],
    maxFileSize: 1024 * 1024,
    rules: ALL_RULES.filter((r) => r.meta.id === rule).map((r) => ({ rule: r, options: {} })),
  });
  expect(result.errors).toEqual([]);
  return result;
}

const routesOf = (finding: { reach?: { routes: Array<{ method: string; path: string; framework: string; handler: string; file: string; line: number }> } }) =>
  (finding.reach?.routes ?? []).map((r) => `${r.method} ${r.path} ${r.framework} ${r.handler} ${path.basename(r.file)}:${r.line}`);

describe('declared routes reach findings across files', () => {
  it('lists the Express, Koa-router, Fastify, Nest and tegg routes whose handlers call the service holding the finding, under the prefixes they are mounted at', async () => {
    const { findings } = await scanProject('sequential-await', [project]);
    const byLine = Object.fromEntries(findings.map((f) => [`${path.basename(f.file)}:${f.line}`, routesOf(f)]));
    expect(byLine).toEqual({
      'orders.ts:8': [
        // Mounted at /shop on a router app.ts mounts at /api; the Koa router has its own prefix.
        'GET /api/shop/orders/:id express getOrder orders.ts:10',
        'GET /api/shop/orders/:id/copy express <anonymous>@11:38 orders.ts:11',
        'GET /inventory/stock/:sku koa-router <anonymous>@6:27 stock.ts:6',
      ],
      'orders.ts:15': [
        'GET /quotes/:id fastify getQuote quotes.ts:10',
        'GET /quotes/:id/preview fastify <anonymous>@11:48 quotes.ts:11',
        'GET /api/invoices/:id tegg InvoiceController.show invoice.controller.ts:6',
      ],
      // Under the global prefix main.ts sets.
      'reports.service.ts:8': ['GET /v1/reports/:id/summary nest ReportsController.show reports.controller.ts:8', 'POST /v1/reports/:id/rebuild nest ReportsController.rebuild reports.controller.ts:13'],
    });
  });

  it('reaches a pool built at module level through the handlers that use it (undersized-pool, orders-api)', async () => {
    const { findings } = await scanProject('undersized-pool', ['fixtures/undersized-pool/orders-api']);
    expect(findings.map((f) => [f.line, routesOf(f).map((r) => r.split(' ').slice(0, 2).join(' '))])).toEqual([
      [6, ['GET /orders/:id']],
      [11, ['GET /totals']],
    ]);
  });

  it('leaves reach out where no declared route calls the code', async () => {
    const { findings } = await scanProject('undersized-pool', ['fixtures/undersized-pool/server/pg-pool.ts']);
    expect(findings.length).toBeGreaterThan(0);
    for (const finding of findings) expect(finding.reach).toBeUndefined();
  });

  it('writes reach into the JSON report, which reads back through the report schema', async () => {
    const result = await scanProject('sequential-await', [project]);
    const text = jsonReporter({ result, tool: { name: 'bottleneck', version: '0' }, color: false, failOn: 'none', quiet: false });
    const parsed = jsonReportSchema.parse(JSON.parse(text));
    const nest = parsed.findings.find((f) => f.file.endsWith('reports.service.ts'));
    expect(nest?.reach?.routes[0]).toEqual({ method: 'GET', path: '/v1/reports/:id/summary', file: `${project}/src/nest/reports.controller.ts`, line: 8, framework: 'nest', handler: 'ReportsController.show' });
  });
});

describe('what is not a declared route', () => {
  it('reads only literal paths on route registrations, handlers given as arguments, and decorated methods of controllers', async () => {
    const dir = tempProject({
      'src/app.ts': [
        "import express from 'express';",
        "import axios from 'axios';",
        "import { Get } from '@nestjs/common';",
        'const app = express();',
        "const prefix = '/v2';",
        "app.get(prefix + '/orders', (req, res) => res.end());",
        "app.use('/api', (req, res, next) => next());",
        "export const load = () => axios.get('/users', { transformResponse: (data: string) => data });",
        'export class NotAController {',
        "  @Get('items') list() { return []; }",
        '}',
        "app.get('/health', (req, res) => res.end());",
      ].join('\n'),
    });
    let model: ProjectModel | undefined;
    await scan({ cwd: dir, paths: ['.'], include: [], exclude: [], maxFileSize: 1024 * 1024, rules: [], onModel: (built) => (model = built) });
    const summary = model?.summaryOf('src/app.ts');
    const routes = (summary?.functions ?? []).flatMap((fn) => (fn.entry?.route ? [`${fn.entry.route.method} ${fn.entry.route.path} ${fn.entry.route.framework} ${fn.line}`] : []));
    expect(routes).toEqual(['GET /health express 12']);
  });
});

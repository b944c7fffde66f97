import { describe, expect, it } from 'vitest';
import { applyFix } from '../../src/probe/exec/apply-fix.js';
import { loadTypeScript } from '../../src/scanner/ts.js';

loadTypeScript();

// A Nest-style controller: a parameter decorator compiles only with legacy (experimental) decorators, which
// the project turns on in a tsconfig this check does not read.
const CONTROLLER = [
  "import { Controller, Get, Param } from '@nestjs/common';",
  '@Controller()',
  'export class InvoiceController {',
  '  constructor(private readonly invoices: { list(c: string): Promise<unknown>; total(c: string): Promise<unknown> }) {}',
  "  @Get(':customer')",
  "  async page(@Param('customer') customer: string) {",
  '    const items = await this.invoices.list(customer);',
  '    const total = await this.invoices.total(customer);',
  '    return { items, total };',
  '  }',
  '}',
  '',
].join('\n');
const FIX = 'const [items, total] = await Promise.all([this.invoices.list(customer), this.invoices.total(customer)]);';
const RANGE = { line: 7, column: 5, endLine: 8, endColumn: 55 };

describe('applyFix: a fix that fails to compile is the fix\'s failure only when the file compiled before it', () => {
  it('places a fix in a file with parameter decorators (legacy decorators assumed)', async () => {
    const placed = await applyFix(CONTROLLER, 'invoice.controller.ts', RANGE, FIX);
    expect('text' in placed ? placed.text : placed.skip).toContain(FIX);
  });

  it('a broken fix in that file is FIX FAILED', async () => {
    const placed = await applyFix(CONTROLLER, 'invoice.controller.ts', RANGE, FIX.replace('Promise.all([', 'Promise.all(['.slice(0, -1)));
    expect(placed).toMatchObject({ fixFailed: true });
  });

  it('a file that does not compile before any fix is a skip with the reason, never FIX FAILED', async () => {
    const broken = CONTROLLER.replace('return { items, total };', 'return { items, total ;');
    const placed = await applyFix(broken, 'invoice.controller.ts', RANGE, FIX);
    expect(placed).not.toHaveProperty('fixFailed');
    expect('skip' in placed ? placed.skip : '').toMatch(/^your file does not compile here before any fix is applied/);
  });
});

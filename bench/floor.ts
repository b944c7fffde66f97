/**
 * The parse floor: read every source file and build its AST with the same TypeScript the scanner uses
 * (ts-morph's bundled compiler, loaded alone as the scanner loads it, but compiled from scratch: no code
 * cache), parents set. Any TypeScript-AST tool pays at least this.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fg from 'fast-glob';
import type { ts as TsTypes } from '@ts-morph/common';

const require = createRequire(import.meta.url);
const ts = require(require.resolve('@ts-morph/common/dist/typescript.js')) as typeof TsTypes;

const dir = process.argv[2];
if (!dir) throw new Error('usage: floor <dir>');
const files = fg.sync('**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}', {
  cwd: dir,
  absolute: true,
  ignore: ['**/node_modules/**', '**/*.d.ts', '**/dist/**', '**/build/**'],
  followSymbolicLinks: false,
});
let nodes = 0;
for (const file of files) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  nodes += source.statements.length;
}
process.stdout.write(`${files.length} files, ${nodes} top-level statements\n`);

/**
 * The parse floor: the files the scanner itself would scan (its own discovery: .gitignore, default ignores,
 * the 1 MiB size limit, binary files left out), each read and parsed with the same TypeScript the scanner uses
 * (ts-morph's bundled compiler, loaded alone as the scanner loads it, but compiled from scratch: no code
 * cache), parents set. Any TypeScript-AST tool pays at least this for the same files.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ts as TsTypes } from '@ts-morph/common';
import { discoverFiles } from '../src/scanner/discover.js';

const require = createRequire(import.meta.url);
const ts = require(require.resolve('@ts-morph/common/dist/typescript.js')) as typeof TsTypes;

const dir = process.argv[2];
const maxFileSize = Number(process.argv[3] ?? 1024 * 1024);
if (!dir) throw new Error('usage: floor <dir> [maxFileSize]');
const discovered = await discoverFiles({ cwd: dir, paths: ['.'], include: [], exclude: [] });
let nodes = 0;
let parsed = 0;
for (const file of discovered.files) {
  const bytes = readFileSync(file.absolute);
  if (bytes.length > maxFileSize || bytes.subarray(0, 8000).includes(0)) continue;
  const source = ts.createSourceFile(file.absolute, bytes.toString('utf8'), ts.ScriptTarget.Latest, true);
  nodes += source.statements.length;
  parsed++;
}
process.stdout.write(`${parsed} files, ${nodes} top-level statements\n`);

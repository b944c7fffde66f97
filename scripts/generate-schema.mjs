#!/usr/bin/env node
// Regenerates schema/bottleneck.schema.json from the zod config schema (run `npm run build` first; `npm run schema`
// does both). test/config/schema-file.test.ts fails when the file is stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { configJsonSchemaText, SCHEMA_FILE } = await import(path.join(root, 'dist/src/config/json-schema.js'));
const { ALL_RULES } = await import(path.join(root, 'dist/rules/index.js'));
const target = path.join(root, SCHEMA_FILE);
mkdirSync(path.dirname(target), { recursive: true });
writeFileSync(target, configJsonSchemaText(ALL_RULES));
console.log(`wrote ${SCHEMA_FILE}`);

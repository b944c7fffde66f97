import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModuleResolver } from '../../src/model/resolve-module.js';

/** tsconfig `paths` the way TypeScript reads them: a pattern without `*` names one specifier, not a prefix. */
const root = mkdtempSync(path.join(os.tmpdir(), 'bottleneck-paths-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(file: string, text: string): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
}

describe('ModuleResolver and tsconfig paths', () => {
  write('package.json', JSON.stringify({ name: 'monorepo', private: true, workspaces: ['apps/*', 'packages/*'] }));
  write('packages/lib/package.json', JSON.stringify({ name: '@acme/lib' }));
  write('packages/lib/index.ts', 'export const lib = 1;\n');
  write('packages/lib/server-only/users.ts', 'export async function findUser() {}\n');
  write('apps/web/package.json', JSON.stringify({ name: 'web' }));
  // An exact mapping of the package's root only, as many apps write it, and a wildcard for their own folder.
  write('apps/web/tsconfig.json', JSON.stringify({ compilerOptions: { paths: { '@acme/lib': ['../../packages/lib/index.ts'], '~/*': ['./app/*'] } } }));
  write('apps/web/app/route.ts', "import { findUser } from '@acme/lib/server-only/users';\n");
  write('apps/web/app/util.ts', 'export const util = 1;\n');
  const files = new Set(['packages/lib/index.ts', 'packages/lib/server-only/users.ts', 'apps/web/app/route.ts', 'apps/web/app/util.ts']);

  it('resolves a deep import the exact pattern does not name through the workspace package, as TypeScript does', () => {
    const resolver = new ModuleResolver(root, files);
    expect(resolver.resolve('apps/web/app/route.ts', '@acme/lib/server-only/users')).toBe('packages/lib/server-only/users.ts');
  });

  it('resolves a workspace package by its exports entry', () => {
    write('packages/db/package.json', JSON.stringify({ name: '@acme/db', exports: { '.': { types: './src/client.ts', default: './dist/client.js' } } }));
    write('packages/db/src/client.ts', 'export const prisma = {};\n');
    const resolver = new ModuleResolver(root, new Set([...files, 'packages/db/src/client.ts']));
    expect(resolver.resolve('apps/web/app/route.ts', '@acme/db')).toBe('packages/db/src/client.ts');
  });

  it('still maps the exact specifier and wildcard patterns', () => {
    const resolver = new ModuleResolver(root, files);
    expect(resolver.resolve('apps/web/app/route.ts', '@acme/lib')).toBe('packages/lib/index.ts');
    expect(resolver.resolve('apps/web/app/route.ts', '~/util')).toBe('apps/web/app/util.ts');
  });
});

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRole } from '../../src/model/front-end.js';
import { readProjectFacts } from '../../src/scanner/project-facts.js';

const monorepo = path.resolve(import.meta.dirname, '../../fixtures/uncleared-timer/monorepo/packages');

describe('packageRole(): what each package of a monorepo is', () => {
  it('reads a server, a browser app (by its bundler config) and a CLI from their own package.json', () => {
    expect(packageRole(readProjectFacts(path.join(monorepo, 'api')))?.role).toBe('server');
    const web = packageRole(readProjectFacts(path.join(monorepo, 'web')));
    expect(web?.role).toBe('browser');
    expect(web?.reason).toContain('vite.config.ts');
    expect(packageRole(readProjectFacts(path.join(monorepo, 'prices-tool')))?.role).toBe('cli');
  });

  it('lets a server framework win over UI and bin, and needs an argument parser for a CLI', () => {
    const facts = (dependencies: Record<string, string>, extra: object = {}) => ({ root: '/x', minNodeMajor: undefined, nodeVersionSource: undefined, dependencies, ...extra });
    expect(packageRole(facts({ react: '18', express: '4' }))?.role).toBe('server');
    expect(packageRole(facts({ vue: '3' }))?.role).toBe('browser');
    expect(packageRole(facts({}, { browserBuild: 'its package.json has a "browser" field' }))?.role).toBe('browser');
    expect(packageRole(facts({}, { cliBin: 'tool' }))).toBeUndefined();
    expect(packageRole(facts({ yargs: '17' }, { cliBin: 'tool' }))?.role).toBe('cli');
  });

  it('takes a shared library that talks to a database, a queue or says server-only as server code, whatever UI kit it also uses', () => {
    const facts = (dependencies: Record<string, string>) => ({ root: '/x', minNodeMajor: undefined, nodeVersionSource: undefined, dependencies });
    const lib = packageRole(facts({ react: '18', '@react-email/components': '0.0.1', '@prisma/client': '6' }));
    expect(lib?.role).toBe('server');
    expect(lib?.reason).toContain('@prisma/client');
    expect(packageRole(facts({ react: '18', 'server-only': '0.0.1' }))?.role).toBe('server');
    expect(packageRole(facts({ react: '18', 'react-dom': '18' }))?.role).toBe('browser');
  });
});

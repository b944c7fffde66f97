import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ignore from 'ignore';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../bench/corpus.js';
import { discoverFiles, GitignoreRules } from '../../src/scanner/discover.js';

const temp = mkdtempSync(path.join(tmpdir(), 'bottleneck-gitignore-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

// Patterns of every kind the prefilter reads a literal run from, and the kinds it must leave to the package.
const PATTERNS = [
  'dist',
  '/tmp',
  'node_modules/',
  '*.log',
  '*.sqlite3-wal',
  '.env*',
  'apps/web/src/environments/environment.prod.ts',
  'apps/**/generated',
  '**/fixtures/big-*.ts',
  'Build',
  'coverage/**',
  'a?c.ts',
  '  spaced.ts  ',
  '{x,y}.js',
  '!keep.log',
  '!apps/web/src/environments/',
  '# a comment',
  '',
];
const LEFT_TO_THE_PACKAGE = ['gen[0-9].ts', 'odd\\#name.ts', '*', '/**', 'répertoire/'];

const SEGMENTS = ['apps', 'web', 'src', 'environments', 'dist', 'DIST', 'tmp', 'node_modules', 'generated', 'fixtures', 'build', 'Build', 'coverage', 'lib', 'x', 'y', 'abc', 'a1c', 'répertoire', 'keep', 'spaced'];
const NAMES = ['index.ts', 'environment.prod.ts', 'environment.ts', 'debug.log', 'keep.log', 'db.sqlite3-wal', '.env', '.env.local', 'big-one.ts', 'abc.ts', 'a1c.ts', 'x.js', 'y.js', '{x,y}.js', 'spaced.ts', 'gen1.ts', 'genx.ts', 'odd#name.ts', 'ÉTÉ.ts', 'Dist'];

function randomPaths(count: number, seed: number): string[] {
  const random = mulberry32(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T;
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const depth = Math.floor(random() * 5);
    const dirs = Array.from({ length: depth }, () => pick(SEGMENTS));
    const isDirectory = random() < 0.2;
    paths.push([...dirs, isDirectory ? `${pick(SEGMENTS)}/` : pick(NAMES)].join('/'));
  }
  return paths;
}

describe('GitignoreRules (the literal-run prefilter in front of the ignore package)', () => {
  it('answers as the ignore package does, pattern by pattern and for the whole file', () => {
    const texts = [...PATTERNS, ...LEFT_TO_THE_PACKAGE].map((pattern) => pattern);
    texts.push(PATTERNS.join('\n'), [...PATTERNS, ...LEFT_TO_THE_PACKAGE].join('\r\n'), PATTERNS.slice().reverse().join('\n'));
    const paths = randomPaths(3000, 7);
    let ignoredSomewhere = 0;
    for (const text of texts) {
      const reference = ignore().add(text);
      const rules = new GitignoreRules(text);
      for (const file of paths) {
        const expected = reference.ignores(file);
        if (expected) ignoredSomewhere++;
        expect(rules.ignores(file), `${JSON.stringify(text)} on ${file}`).toBe(expected);
      }
    }
    // The comparison is not vacuous: many paths are ignored, and many are not.
    expect(ignoredSomewhere).toBeGreaterThan(1000);
  });

  it('discovery still honours nested .gitignore files, negations and case (directory listing used for .gitignore and .git)', async () => {
    const root = path.join(temp, 'project');
    const write = (relative: string, text = 'export {};\n') => {
      mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
      writeFileSync(path.join(root, relative), text);
    };
    mkdirSync(path.join(root, '.git'), { recursive: true });
    write('.gitignore', 'generated\n*.gen.ts\n!keep.gen.ts\n/Tmp\n');
    write('src/a.ts');
    write('src/b.gen.ts');
    write('src/keep.gen.ts');
    write('src/generated/c.ts');
    write('tmp/d.ts');
    write('lib/.gitignore', 'local-*.ts\n');
    write('lib/local-e.ts');
    write('lib/f.ts');
    write('lib/deeper/local-g.ts');
    const found = await discoverFiles({ cwd: root, paths: ['.'], include: [], exclude: [] });
    expect(found.files.map((file) => file.relative)).toEqual(['lib/f.ts', 'src/a.ts', 'src/keep.gen.ts']);
  });
});

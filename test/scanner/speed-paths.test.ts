import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../bench/corpus.js';
import fg from 'fast-glob';
import { linkAndList, scan, TriggerMatcher } from '../../src/scanner/engine.js';
import { loadTypeScript, ts } from '../../src/scanner/ts.js';
import { ALL_RULES } from '../../rules/index.js';
import { CLAIM_WORDS, nameWordPattern, splitWords } from '../../rules/fake-compression.js';

const temp = mkdtempSync(path.join(tmpdir(), 'bottleneck-speed-paths-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('TriggerMatcher (the one-pass prefilter)', () => {
  const naive = (triggers: Array<Array<string | RegExp>>, text: string) =>
    triggers.map((ruleTriggers) => ruleTriggers.length === 0 || ruleTriggers.some((t) => (typeof t === 'string' ? text.includes(t) : t.test(text))));

  it("agrees with a per-rule substring test on the rules' own trigger words", () => {
    const triggers = ALL_RULES.map((rule) => rule.meta.triggers);
    const matcher = new TriggerMatcher(triggers);
    const random = mulberry32(11);
    // Texts stitched from fragments of trigger words, so words overlap, nest and are cut short.
    const pieces = [...triggers.flat().filter((t): t is string => typeof t === 'string'), ...CLAIM_WORDS, 'Gzip', 'PACK', 'x', ' ', 'Conn', 'createC', 'onnect', 'ionLimit', 'awai', 't('];
    for (let i = 0; i < 2_000; i++) {
      const length = Math.floor(random() * 12);
      let text = '';
      for (let j = 0; j < length; j++) {
        const piece = pieces[Math.floor(random() * pieces.length)] ?? '';
        text += random() < 0.3 ? piece.slice(Math.floor(random() * piece.length)) : piece;
      }
      expect(matcher.match(text), text).toEqual(naive(triggers, text));
    }
  });

  it('counts a word nested in a longer one for every rule that lists it', () => {
    const matcher = new TriggerMatcher([['createConnection'], ['onnection'], ['Connect'], []]);
    expect(matcher.match('db.createConnection()')).toEqual([true, true, true, true]);
    expect(matcher.match('nothing here')).toEqual([false, false, false, true]);
  });

  it('tests a pattern trigger only for its own rule', () => {
    const matcher = new TriggerMatcher([['await'], [/\bzip(?![a-z])/]]);
    expect(matcher.match('zip(a, b)')).toEqual([false, true]);
    expect(matcher.match('await zipped')).toEqual([true, false]);
  });
});

describe("fake-compression's prefilter pattern", () => {
  it('matches every name in which the rule finds a claim or flag word (checked against splitWords)', () => {
    const pattern = nameWordPattern(CLAIM_WORDS);
    const random = mulberry32(5);
    const cases = (word: string) => [word, word.toUpperCase(), `${word.charAt(0).toUpperCase()}${word.slice(1)}`];
    const pieces = [...CLAIM_WORDS.flatMap(cases), ...['value', 'Data', 'JSON', 'to', 'b64', 'V2', '2', 'age', 'ed', 'er', 'un', 'de', 'X', 'ING'].flatMap((w) => [w, w.toLowerCase()])];
    const separators = ['', '', '', '_', '$', '.', ' '];
    let claimed = 0;
    for (let i = 0; i < 20_000; i++) {
      let name = '';
      const parts = 1 + Math.floor(random() * 4);
      for (let j = 0; j < parts; j++) name += (j > 0 ? separators[Math.floor(random() * separators.length)] : '') + pieces[Math.floor(random() * pieces.length)];
      const hasWord = splitWords(name).some((word) => CLAIM_WORDS.includes(word));
      if (hasWord) {
        claimed += 1;
        expect(pattern.test(name), name).toBe(true);
      }
    }
    expect(claimed).toBeGreaterThan(1_000);
    for (const unrelated of ['package', 'zipped', 'pack2', 'Packages', 'unzipFile', 'shrinkwrap']) expect(pattern.test(unrelated), unrelated).toBe(false);
  });
});

describe('the V8 code cache for the bundled compiler', () => {
  it('writes a cache beside the module in node_modules on the first run and loads the same module from it, or without it when it is corrupt', () => {
    const packageDir = path.join(temp, 'node_modules', 'big');
    mkdirSync(packageDir, { recursive: true });
    const moduleFile = path.join(packageDir, 'big.cjs');
    writeFileSync(moduleFile, `exports.answer = (function () { return ${Array.from({ length: 200 }, (_, i) => i).join(' + ')}; })();\n`);
    const loader = path.resolve('dist/src/scanner/compile-cache.js');
    const load = (file: string, env: NodeJS.ProcessEnv = process.env) =>
      execFileSync(process.execPath, ['--input-type=module', '-e', `import { requireWithCodeCache } from ${JSON.stringify(loader)}; console.log(requireWithCodeCache(${JSON.stringify(file)}).answer);`], { env, encoding: 'utf8' }).trim();
    const answer = String((199 * 200) / 2);
    expect(load(moduleFile)).toBe(answer);
    const cacheDir = path.join(temp, 'node_modules', '.cache', 'bottleneck', 'compile');
    const cacheFiles = readdirSync(cacheDir).filter((name) => name.endsWith('.bin'));
    expect(cacheFiles).toHaveLength(1);
    expect(load(moduleFile)).toBe(answer);
    const cacheFile = path.join(cacheDir, cacheFiles[0] as string);
    writeFileSync(cacheFile, 'not a code cache');
    expect(load(moduleFile)).toBe(answer);
    expect(existsSync(cacheFile) && readFileSync(cacheFile, 'utf8')).not.toBe('not a code cache');
    expect(load(moduleFile, { ...process.env, BOTTLENECK_COMPILE_CACHE: '0' })).toBe(answer);
    // A changed file gets a new key; the old version's cache is removed when the new one is written.
    writeFileSync(moduleFile, `${readFileSync(moduleFile, 'utf8')}exports.more = 1;\n`);
    expect(load(moduleFile)).toBe(answer);
    const after = readdirSync(cacheDir).filter((name) => name.endsWith('.bin'));
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(cacheFiles[0]);
    // Outside node_modules nothing is cached (there is no tool-owned place to put it).
    const loose = path.join(temp, 'loose.cjs');
    writeFileSync(loose, 'exports.answer = 42;\n');
    expect(load(loose)).toBe('42');
    expect(readdirSync(cacheDir).filter((name) => name.endsWith('.bin'))).toHaveLength(1);
  });
});

describe('linkAndList (parents set in the engine walk)', () => {
  /** Every node, JSDoc included, with its parent's kind and range: what a rule can see of the parent links. */
  const shape = (sourceFile: ts.SourceFile): string[] => {
    const rows: string[] = [];
    const visit = (node: ts.Node): void => {
      const parent = node.parent as ts.Node | undefined;
      rows.push(`${node.kind}@${node.pos}-${node.end}<${parent ? `${parent.kind}@${parent.pos}-${parent.end}` : 'none'}`);
      for (const doc of (node as { jsDoc?: ts.Node[] }).jsDoc ?? []) visit(doc);
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
    return rows;
  };

  it('links every node as setParentNodes does, on every fixture file and on JSDoc', () => {
    loadTypeScript();
    const files = fg.sync('fixtures/**/*.{ts,tsx,js,mjs,cjs}', { absolute: true });
    const jsdoc = '/** @param {string} a the value\n * @returns {Promise<void>} */\nexport async function f(a) { /** inner */ const b = await g(a); return b; }\n';
    const inputs: Array<[string, string]> = [...files.map((file): [string, string] => [file, readFileSync(file, 'utf8')]), ['jsdoc.js', jsdoc], ['jsdoc.ts', jsdoc]];
    expect(inputs.length).toBeGreaterThan(20);
    for (const [file, text] of inputs) {
      const kind = file.endsWith('.js') || file.endsWith('.mjs') || file.endsWith('.cjs') ? ts.ScriptKind.JS : file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
      const expected = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
      const linked = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, kind);
      const nodes = linkAndList(linked);
      expect(shape(linked), file).toEqual(shape(expected));
      expect(nodes[0]).toBe(linked);
      expect(nodes.length).toBeGreaterThan(1);
    }
  });
});

describe('reading files into one reused buffer', () => {
  it('reads files beyond the first buffer size whole, and skips one just over the limit with its real size', async () => {
    const dir = path.join(temp, 'sizes');
    mkdirSync(dir, { recursive: true });
    const line = 'export const value = 1; // padding padding padding padding padding padding padding padding\n';
    const big = `${line.repeat(Math.floor(600_000 / line.length))}export async function f(teamId: string) { const total = await stats.count(); const recent = await events.findMany({ teamId }); return { total, recent }; }\n`;
    writeFileSync(path.join(dir, 'big.ts'), big);
    writeFileSync(path.join(dir, 'over.ts'), `${big}// one more line\n`);
    const limit = Buffer.byteLength(big);
    const result = await scan({ cwd: dir, paths: ['.'], include: [], exclude: [], maxFileSize: limit, rules: ALL_RULES.map((rule) => ({ rule, options: {} })) });
    expect(result.skipped).toEqual([{ file: 'over.ts', reason: `larger than the size limit (${limit + Buffer.byteLength('// one more line\n')} > ${limit} bytes)` }]);
    expect(result.summary.files).toBe(1);
    expect(result.summary.lines).toBe(big.split('\n').length);
    // The only finding is on the last line, past the first buffer's 256 KB: the file was read to its end.
    expect(result.findings.map((f) => f.line)).toContain(big.split('\n').length - 1);
  });
});

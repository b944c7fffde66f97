import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../bench/corpus.js';
import { TriggerMatcher } from '../../src/scanner/engine.js';
import { ALL_RULES } from '../../rules/index.js';

const temp = mkdtempSync(path.join(tmpdir(), 'bottleneck-speed-paths-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('TriggerMatcher (the one-pass prefilter)', () => {
  const naive = (triggers: string[][], text: string) => triggers.map((words) => words.length === 0 || words.some((word) => text.includes(word)));

  it("agrees with a per-rule substring test on the rules' own trigger words", () => {
    const triggers = ALL_RULES.map((rule) => rule.meta.triggers);
    const matcher = new TriggerMatcher(triggers);
    const random = mulberry32(11);
    // Texts stitched from fragments of trigger words, so words overlap, nest and are cut short.
    const pieces = [...triggers.flat(), 'x', ' ', 'Conn', 'createC', 'onnect', 'ionLimit', 'awai', 't('];
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
});

describe('the V8 code cache for the bundled compiler', () => {
  it('writes a cache on the first run and loads the same module from it, or without it when it is corrupt', () => {
    const moduleFile = path.join(temp, 'big.cjs');
    writeFileSync(moduleFile, `exports.answer = (function () { return ${Array.from({ length: 200 }, (_, i) => i).join(' + ')}; })();\n`);
    const env = { ...process.env, TMPDIR: temp };
    const loader = path.resolve('dist/src/scanner/compile-cache.js');
    const load = () => execFileSync(process.execPath, ['--input-type=module', '-e', `import { requireWithCodeCache } from ${JSON.stringify(loader)}; console.log(requireWithCodeCache(${JSON.stringify(moduleFile)}).answer);`], { env, encoding: 'utf8' }).trim();
    expect(load()).toBe(String((199 * 200) / 2));
    const cacheDir = readdirSync(temp).find((name) => name.startsWith('bottleneck-compile-cache'));
    expect(cacheDir).toBeDefined();
    const cacheFiles = readdirSync(path.join(temp, cacheDir as string));
    expect(cacheFiles.filter((name) => name.endsWith('.bin'))).toHaveLength(1);
    expect(load()).toBe(String((199 * 200) / 2));
    const cacheFile = path.join(temp, cacheDir as string, cacheFiles[0] as string);
    writeFileSync(cacheFile, 'not a code cache');
    expect(load()).toBe(String((199 * 200) / 2));
    expect(existsSync(cacheFile) && readFileSync(cacheFile, 'utf8')).not.toBe('not a code cache');
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', `import { requireWithCodeCache } from ${JSON.stringify(loader)}; console.log(requireWithCodeCache(${JSON.stringify(moduleFile)}).answer);`], { env: { ...env, BOTTLENECK_COMPILE_CACHE: '0' }, encoding: 'utf8' }).trim()).toBe(String((199 * 200) / 2));
  });
});

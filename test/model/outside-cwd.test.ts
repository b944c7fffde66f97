import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scan } from '../../src/scanner/engine.js';
import { ALL_RULES } from '../../rules/index.js';

const root = path.resolve(import.meta.dirname, '../..');

async function findingsFrom(cwd: string, target: string) {
  const result = await scan({ cwd, paths: [target], include: [], exclude: [], maxFileSize: 1024 * 1024, rules: ALL_RULES.map((rule) => ({ rule, options: {} })) });
  // The same file named from either directory: its path below fixtures/.
  return result.findings.map((f) => `${f.file.slice(f.file.indexOf('fixtures/'))}:${f.line} ${f.ruleId} ${f.severity} ${f.confidence}`).sort();
}

describe('the model resolves imports the same way when the scanned tree is outside the working directory', () => {
  it('scan ../fixtures from a sibling directory finds what scan fixtures finds from the root', async () => {
    const fromRoot = await findingsFrom(root, 'fixtures');
    const fromSibling = await findingsFrom(path.join(root, 'test'), '../fixtures');
    expect(fromRoot.length).toBeGreaterThan(0);
    expect(fromSibling).toEqual(fromRoot);
  });
});

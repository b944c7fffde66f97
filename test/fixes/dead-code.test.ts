import { describe, expect, it } from 'vitest';
import { deadAfter } from '../../src/fixes/dead-code.js';
import { applyEdits } from '../../src/fixes/edits.js';
import { IsolatedTypeChecker } from '../../src/fixes/verify.js';
import { loadTypeScript, ts } from '../../src/scanner/ts.js';

loadTypeScript();

/** Replaces the first expression whose text is `target` with `text`, plus whatever that leaves dead. */
function fix(source: string, target: string, text: string): { fixed: string; names: string[] } {
  const sourceFile = ts.createSourceFile('file.ts', source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  let node: ts.Node | undefined;
  const visit = (n: ts.Node): void => {
    if (!node && (ts.isCallExpression(n) || ts.isBinaryExpression(n)) && n.getText(sourceFile) === target) node = n;
    ts.forEachChild(n, visit);
  };
  visit(sourceFile);
  if (!node) throw new Error(`no call ${target}`);
  const dead = deadAfter([{ node, text }], sourceFile);
  const edits = [{ start: node.getStart(sourceFile), end: node.getEnd(), text }, ...dead.edits];
  return { fixed: applyEdits(source, edits), names: dead.names };
}

const GZIP = "gzipSync(JSON.stringify(v)).toString('base64')";

describe('deadAfter: what a fix leaves unused', () => {
  it('deletes a file-local helper only the replaced call used, and the helper it alone used in turn', () => {
    const source = [
      "import { gzipSync } from 'node:zlib';",
      '',
      'function toB64(text: string): string {',
      "  return Buffer.from(text).toString('base64');",
      '}',
      '',
      '/** Serialises for the wire. */',
      'function serialize(value: unknown): string {',
      '  return toB64(JSON.stringify(value));',
      '}',
      '',
      'export function compress(v: unknown): string {',
      '  return serialize(v);',
      '}',
      '',
    ].join('\n');
    const { fixed, names } = fix(source, 'serialize(v)', GZIP);
    expect(names.sort()).toEqual(['serialize', 'toB64']);
    expect(fixed).toBe(["import { gzipSync } from 'node:zlib';", '', 'export function compress(v: unknown): string {', `  return ${GZIP};`, '}', ''].join('\n'));
    const checker = new IsolatedTypeChecker({ noUnusedLocals: true });
    expect(checker.diagnostics(fixed, 'file.ts')).toEqual([]);
  });

  it('keeps a helper that is exported, used elsewhere, named by the new text, or was already unused', () => {
    const source = [
      'export function exportedHelper(v: unknown): string { return String(v); }',
      'function sharedHelper(v: unknown): string { return String(v); }',
      'function namedAgain(v: unknown): string { return String(v); }',
      'function alreadyDead(): void {}',
      'export function a(v: unknown) { return exportedHelper(v) + sharedHelper(v) + namedAgain(v); }',
      'export function b(v: unknown) { return sharedHelper(v); }',
      '',
    ].join('\n');
    // exportedHelper: exported; sharedHelper: b() still calls it; namedAgain: the new text calls it; alreadyDead: not ours.
    expect(fix(source, 'exportedHelper(v) + sharedHelper(v) + namedAgain(v)', 'namedAgain(v) + "x"').names).toEqual([]);
    // The same replacement without naming namedAgain makes it, and only it, dead.
    expect(fix(source, 'exportedHelper(v) + sharedHelper(v) + namedAgain(v)', '"x"').names).toEqual(['namedAgain']);
  });

  it('deletes a private method only the replaced call used, but not one read as this[...] elsewhere', () => {
    const source = [
      'export class Cache {',
      '  put(v: string): string {',
      '    return this.toWire(v);',
      '  }',
      '',
      '  private toWire(v: string): string {',
      "    return Buffer.from(v).toString('hex');",
      '  }',
      '',
      '  private toHex(v: string): string {',
      "    return Buffer.from(v).toString('hex');",
      '  }',
      '',
      '  other(v: string): string {',
      "    return this.toHex(v) + this['toHex'](v);",
      '  }',
      '}',
      '',
    ].join('\n');
    expect(fix(source, 'this.toWire(v)', "gzipSync(v).toString('hex')").names).toEqual(['toWire']);
    expect(fix(source, 'this.toHex(v)', "gzipSync(v).toString('hex')").names).toEqual([]);
  });

  it('deletes a single-name import and a side-effect-free constant only the replaced code used, never a call it cannot judge', () => {
    const source = [
      "import { encodeBase64 } from './codec.js';",
      "import { gzipSync } from 'node:zlib';",
      'const encoder = new TextEncoder();',
      'const client = createClient();',
      'export function compress(s: string) { return encodeBase64(encoder.encode(s)); }',
      'export function send(s: string) { return client.send(s); }',
      'declare function createClient(): { send(s: string): void };',
      '',
    ].join('\n');
    const { names, fixed } = fix(source, 'encodeBase64(encoder.encode(s))', "gzipSync(s).toString('base64')");
    expect(names.sort()).toEqual(['encodeBase64', 'encoder']);
    expect(fixed).toContain("import { gzipSync } from 'node:zlib';");
    expect(fixed).toContain('const client = createClient();');
  });
});

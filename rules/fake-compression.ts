import type { z } from 'zod';
import type { Zod } from '../src/lazy-zod.js';
import type { Confidence } from '../src/findings.js';
import { defineRule, type RuleContext } from '../src/rule.js';
import { refName, skipOuter } from '../src/scanner/imports.js';
import { ts } from '../src/scanner/ts.js';
import { grade, type Cost } from '../src/model/severity.js';
import { isCompressorRef } from '../src/model/codec.js';
import { deadAfter } from '../src/fixes/dead-code.js';
import { importInsertion, importsName, nameTaken, replaceNode, type EditSpec } from '../src/fixes/edits.js';

/**
 * fake-compression: a function whose name or role claims compression (compress, deflate, gzip, a
 * `compress` option branch...) but that reaches no real compressor and only encodes (base64, hex),
 * re-serialises (JSON.stringify, TextEncoder) or returns its input. Base64 makes the value 33% larger,
 * hex 100% larger; a typical JSON payload would have shrunk 4-10x with gzip.
 *
 * Proof is positive: every call the function (and one same-file helper it delegates to, then further helpers
 * through the model's codec facts) makes must be a known encoding step. Any call we cannot see into, any loop, any radix conversion or
 * truncation makes the function "not proven" and the rule stays silent.
 */

/** Built on first use (`RuleMeta.options`): a scan without options for this rule never loads zod. */
const optionsSchema = (z: Zod) =>
  z.strictObject({
  /** Extra module names whose calls count as real compression (in-house wrappers around zlib, etc.). */
  compressorModules: z.array(z.string()).default([]),
  /** Also report functions that only JSON.stringify / TextEncode / return their input (no size growth). */
  reportSerializeOnly: z.boolean().default(true),
  /** Also report code that runs once (scripts, start-up, migrations), at low. */
  includeOnce: z.boolean().default(false),
});
type Options = z.infer<ReturnType<typeof optionsSchema>>;

/** `optionsSchema(z).parse({})`, as plain data (checked by test/rule-options-defaults.test.ts). */
const defaults: Options = { compressorModules: [], reportSerializeOnly: true, includeOnce: false };

// ---------------------------------------------------------------- names

/** `compressPayload` -> ['compress', 'payload'], `GZIP_VALUE` -> ['gzip', 'value'], `lzString` -> ['lz', 'string']. */
export function splitWords(name: string): string[] {
  let words = wordsOfName.get(name);
  if (words === undefined) {
    words = splitWordsUncached(name);
    wordsOfName.set(name, words);
  }
  return words;
}

// The same names are split many times per file (every function, its container, every claim check); callers only read
// the array.
const wordsOfName = new Map<string, string[]>();

function splitWordsUncached(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase());
}

/** Words that by themselves promise a smaller output. */
const STRONG_WORDS = new Set(['compress', 'compression', 'compressor', 'compressed', 'deflate', 'gzip', 'brotli', 'zstd']);
/** Words that often mean "encode into a token" or something unrelated (lodash zip, bin packing, UI shrink). */
const WEAK_WORDS = new Set(['pack', 'packer', 'zip', 'shrink', 'squash', 'squeeze', 'crush']);
/** Words of the flags (`options.compress`, `useGzip`) that select a compress branch. */
const FLAG_WORDS = ['compress', 'compression', 'gzip', 'deflate', 'brotli', 'zstd'];

/**
 * Where `splitWords` could yield one of `words` from a name in a file's text: the word in lower case after
 * a character that is not a letter or digit (or at the start), or Capitalised or UPPER CASE anywhere (a
 * camelCase or acronym boundary), and in every case followed by something other than a lower-case letter
 * or digit, which would have extended the word (`package`, `zipped`, `pack2`). Every report needs such a
 * name (a claim or a flag), so this is the rule's prefilter trigger; it may match names the rule then
 * rejects, never the reverse (a test checks it against `splitWords`).
 */
export function nameWordPattern(words: Iterable<string>): RegExp {
  const forms = [...new Set(words)].flatMap((word) => [`(?<![A-Za-z0-9])${word}`, `${word.charAt(0).toUpperCase()}${word.slice(1)}`, word.toUpperCase()]);
  return new RegExp(`(?:${forms.join('|')})(?![a-z0-9])`);
}

export const CLAIM_WORDS: readonly string[] = [...STRONG_WORDS, ...WEAK_WORDS, ...FLAG_WORDS];

/** The decoding half: never reported themselves. */
const INVERSE_WORDS = new Set(['decompress', 'decompression', 'decompressor', 'decompressed', 'uncompress', 'uncompressed', 'inflate', 'gunzip', 'ungzip', 'unzip', 'unpack', 'unshrink', 'unsquash', 'expand']);
/** Names that read data back or describe a state rather than produce a compressed value. */
const DECODE_WORDS = new Set(['decode', 'deserialize', 'parse', 'read', 'load', 'restore', 'from', 'unwrap', 'fetch', 'get']);
const PREDICATE_FIRST = new Set(['is', 'has', 'should', 'can', 'needs', 'need', 'supports', 'support', 'allow', 'allows', 'enable', 'enabled', 'disable', 'disabled', 'use', 'was', 'will', 'did', 'check', 'detect', 'min', 'max', 'on', 'handle']);
/** Names and comments that declare a deliberate no-op strategy. */
const NOOP_WORDS = new Set(['noop', 'nop', 'none', 'identity', 'passthrough', 'dummy', 'mock', 'stub', 'fake', 'uncompressed', 'null', 'disabled', 'no']);
/** A leading comment declaring a deliberate pass-through; exempts identity/serialize-only functions (base64 still grows). */
const NOOP_COMMENT = /\bno-?op\b|\bpass[- ]?through\b|\bidentity\b|\bdoes not compress\b|\bno compression\b|\bcompression (is )?disabled\b/i;
/** Method names that produce the stored / sent form when their class or object claims compression. */
const FORWARD_METHODS = new Set(['serialize', 'encode', 'transform', 'stringify', 'write', 'apply', 'process', 'pack', 'dump', 'to']);
const UNRELATED_COMPOUNDS: Array<[string, string]> = [
  ['zip', 'code'],
  ['zip', 'codes'],
  ['zip', 'with'],
  ['zip', 'object'],
  ['zip', 'all'],
  ['zip', 'longest'],
  ['zip', 'deep'],
  ['pack', 'age'],
  ['back', 'pack'],
  ['shrink', 'wrap'],
];
const CACHE_CONTAINER = /(cache|store|storage|redis|memcache|memcached|session|kv|keyv)$/i;

type Strength = 'strong' | 'weak';

interface NameClaim {
  name: string;
  word: string;
  strength: Strength;
}

/** Does this name promise a compressed result? Word-aware: `zipCode`, `unpack`, `isCompressed` do not. */
function claimOfName(name: string): NameClaim | undefined {
  const words = splitWords(name);
  if (words.length === 0) return undefined;
  if (words.some((w) => INVERSE_WORDS.has(w) || NOOP_WORDS.has(w))) return undefined;
  if (PREDICATE_FIRST.has(words[0] ?? '')) return undefined;
  if (words.some((w) => DECODE_WORDS.has(w))) return undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    const next = words[i + 1];
    if (UNRELATED_COMPOUNDS.some(([a, b]) => (a === word && b === next) || (b === word && a === words[i - 1]))) return undefined;
    if (STRONG_WORDS.has(word)) {
      // `compressionLevel`, `compressorOptions`: the noun names a setting, not an action.
      if ((word === 'compression' || word === 'compressor') && next !== undefined) continue;
      // `compressedToBase64(x)`: the input is already compressed; `compressedSize`: a measurement.
      if (word === 'compressed' && next !== undefined && !['data', 'payload', 'value', 'body', 'string', 'buffer', 'text', 'json', 'blob'].includes(next)) continue;
      return { name, word, strength: 'strong' };
    }
    if (WEAK_WORDS.has(word)) return { name, word, strength: 'weak' };
  }
  return undefined;
}

/**
 * A base or default implementation meant to be overridden or replaced: `abstract class BaseCompressor`,
 * `class DefaultCodec` extended in the same file, `const defaultCompressor = {...}`. Its pass-through is a
 * hook, not a claim (base64 still grows and is reported regardless).
 */
function isDefaultImplementation(entry: FunctionEntry): boolean {
  const words = entry.containerName ? splitWords(entry.containerName) : [];
  if (words.some((w) => w === 'base' || w === 'abstract' || w === 'default')) return true;
  const container = entry.container;
  if (container && ts.isClassLike(container)) {
    if ((ts.getModifiers(container) ?? []).some((m) => m.kind === ts.SyntaxKind.AbstractKeyword)) return true;
    const name = container.name?.text;
    if (name) {
      let extended = false;
      const visit = (n: ts.Node): void => {
        if (extended) return;
        if (ts.isHeritageClause(n) && n.token === ts.SyntaxKind.ExtendsKeyword && n.types.some((t) => ts.isIdentifier(t.expression) && t.expression.text === name)) extended = true;
        ts.forEachChild(n, visit);
      };
      visit(container.getSourceFile());
      if (extended) return true;
    }
  }
  return false;
}

function isNoopName(name: string | undefined): boolean {
  return name !== undefined && splitWords(name).some((w) => NOOP_WORDS.has(w));
}

/** A strong, non-inverse compression word in a flag name: `compress`, `options.compression`, `shouldCompress`. */
function isCompressFlagName(name: string): boolean {
  const words = splitWords(name);
  if (words.some((w) => INVERSE_WORDS.has(w))) return false;
  return words.some((w) => FLAG_WORDS.includes(w));
}

// ---------------------------------------------------------------- compressors

// The compressor catalogue lives in the model (src/model/codec.ts): a helper in another file is judged with it too.

// ---------------------------------------------------------------- same-file function index

type FunctionNode = ts.FunctionDeclaration | ts.MethodDeclaration | ts.FunctionExpression | ts.ArrowFunction;

interface FunctionEntry {
  fn: FunctionNode;
  /** The name it is called by (declaration, variable, property or method name). */
  name: string;
  /** Class, or variable holding the object literal, it belongs to. */
  container?: ts.Node;
  containerName?: string;
  /** Node whose start is the reported position and whose text is the replaced range. */
  reportNode: ts.Node;
}

function isFunctionNode(node: ts.Node): node is FunctionNode {
  return ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node);
}

function propertyNameText(name: ts.PropertyName | ts.BindingName | undefined): string | undefined {
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isStringLiteralLike(name) || ts.isPrivateIdentifier(name)) return name.text.replace(/^#/, '');
  return undefined;
}

function containerOf(node: ts.Node): { container?: ts.Node; containerName?: string } {
  const holder = node.parent;
  if (!holder) return {};
  if (ts.isClassLike(holder)) return { container: holder, containerName: holder.name?.text };
  if (ts.isObjectLiteralExpression(holder)) {
    let up: ts.Node | undefined = holder.parent;
    while (up && (ts.isParenthesizedExpression(up) || ts.isAsExpression(up) || ts.isSatisfiesExpression(up))) up = up.parent;
    if (up && ts.isVariableDeclaration(up) && ts.isIdentifier(up.name)) return { container: holder, containerName: up.name.text };
    if (up && ts.isBinaryExpression(up) && up.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const left = up.left;
      const leftName = ts.isPropertyAccessExpression(left) ? left.name.text : ts.isIdentifier(left) ? left.text : undefined;
      return { container: holder, containerName: leftName };
    }
    if (up && ts.isNewExpression(up) && ts.isIdentifier(up.expression)) return { container: holder, containerName: up.expression.text };
    return { container: holder };
  }
  return {};
}

function entryOf(fn: FunctionNode): FunctionEntry | undefined {
  if (ts.isFunctionDeclaration(fn) && fn.name) return { fn, name: fn.name.text, reportNode: fn };
  if (ts.isMethodDeclaration(fn)) {
    const name = propertyNameText(fn.name);
    return name ? { fn, name, ...containerOf(fn), reportNode: fn } : undefined;
  }
  const parent = fn.parent;
  if (!parent) return undefined;
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name) && parent.initializer === fn) return { fn, name: parent.name.text, reportNode: fn };
  if ((ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.initializer === fn) {
    const name = propertyNameText(parent.name);
    return name ? { fn, name, ...containerOf(parent), reportNode: fn } : undefined;
  }
  if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && parent.right === fn) {
    const left = parent.left;
    if (ts.isPropertyAccessExpression(left)) return { fn, name: left.name.text, reportNode: fn };
    if (ts.isIdentifier(left)) return { fn, name: left.text, reportNode: fn };
  }
  if (ts.isFunctionExpression(fn) && fn.name) return { fn, name: fn.name.text, reportNode: fn };
  return undefined;
}

class FunctionIndex {
  readonly entries: FunctionEntry[] = [];
  private readonly byName = new Map<string, FunctionEntry[]>();

  /** `functions`: every function node of the file in walk order (pre-order, as forEachChild visits them). */
  constructor(functions: readonly FunctionNode[]) {
    for (const node of functions) {
      if (!node.body) continue;
      const entry = entryOf(node);
      if (entry) {
        this.entries.push(entry);
        const list = this.byName.get(entry.name) ?? [];
        list.push(entry);
        this.byName.set(entry.name, list);
      }
    }
  }

  /** A plain function (not a class member) of this name, when exactly one exists. */
  plain(name: string): FunctionEntry | undefined {
    const list = (this.byName.get(name) ?? []).filter((e) => !(e.container && ts.isClassLike(e.container)));
    return list.length === 1 ? list[0] : undefined;
  }

  /** `this.name` inside `site`'s class. */
  member(site: ts.Node, name: string): FunctionEntry | undefined {
    let cls: ts.Node | undefined = site.parent;
    while (cls && !ts.isClassLike(cls)) cls = cls.parent;
    if (!cls) return undefined;
    const list = (this.byName.get(name) ?? []).filter((e) => e.container === cls);
    return list.length === 1 ? list[0] : undefined;
  }

  byExactName(name: string): FunctionEntry[] {
    return this.byName.get(name) ?? [];
  }
}

// ---------------------------------------------------------------- body analysis

type Encoding = 'base64' | 'base64url' | 'hex' | 'binary' | 'utf8' | 'json' | 'uri';

/** Output characters per input byte. */
const OUTPUT_FACTOR: Record<Encoding, number> = { base64: 4 / 3, base64url: 4 / 3, hex: 2, binary: 1, utf8: 1, json: 1, uri: 1 };
/** Input characters per decoded byte, for `Buffer.from(x, enc)`. */
const INPUT_FACTOR: Partial<Record<string, number>> = { hex: 2, base64: 4 / 3, base64url: 4 / 3 };
const STRING_ENCODINGS = new Set(['base64', 'base64url', 'hex', 'binary', 'latin1', 'utf8', 'utf-8', 'ascii', 'ucs2', 'utf16le']);

interface EncodeSite {
  node: ts.Node;
  kind: 'toString' | 'btoa' | 'textEncoder' | 'json' | 'bufferFrom';
  encoding: Encoding;
  /** The raw data the site encodes. */
  data?: ts.Expression;
}

interface Analysis {
  /** Reasons the function is not proven fake (first one wins in debugging). */
  blockers: string[];
  compressor?: string;
  encodings: Set<Encoding>;
  sites: EncodeSite[];
  inputFactor: number;
  /** Every reachable return gives back a parameter untouched. */
  identity: boolean;
  returns: ts.Expression[];
  helper?: { entry: FunctionEntry; call: ts.CallExpression };
  /** A helper in another project file, known through the model's codec fact: `encode() (src/codec.ts:3)`. */
  remote?: { name: string; call: ts.CallExpression; encodings: string[] };
  /** Further helpers, same file or not, folded in through the model's codec facts: `toBase64() (src/b64.ts:1)`. */
  hops: string[];
  literals: boolean;
}

function stringArg(node: ts.Expression | undefined): string | undefined {
  return node && ts.isStringLiteralLike(node) ? node.text : undefined;
}

/** `/\+/g`, `/=+$/`, `'+'`: the base64 <-> base64url rewrites. */
function isBase64UrlReplace(call: ts.CallExpression): boolean {
  const first = call.arguments[0];
  const second = call.arguments[1];
  if (!first || !second || !ts.isStringLiteralLike(second) || !/^[-_+/=]?$/.test(second.text)) return false;
  if (ts.isStringLiteralLike(first)) return /^[-_+/=]$/.test(first.text);
  if (ts.isRegularExpressionLiteral(first)) {
    const body = first.text.replace(/\/[a-z]*$/, '').slice(1);
    return /^(\\?[-_+/=]|\[(\\?[-_+/=])+\])+[+*]?\$?$/.test(body);
  }
  return false;
}

function isTextEncoderReceiver(node: ts.Expression, sourceFile: ts.SourceFile): boolean {
  const receiver = skipOuter(node);
  if (ts.isNewExpression(receiver)) return ts.isIdentifier(receiver.expression) && receiver.expression.text === 'TextEncoder';
  if (ts.isIdentifier(receiver) || ts.isPropertyAccessExpression(receiver)) {
    const name = ts.isIdentifier(receiver) ? receiver.text : receiver.name.text;
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found) return;
      if ((ts.isVariableDeclaration(n) || ts.isPropertyDeclaration(n)) && propertyNameText(n.name) === name && n.initializer) {
        const init = skipOuter(n.initializer);
        if (ts.isNewExpression(init) && ts.isIdentifier(init.expression) && init.expression.text === 'TextEncoder') found = true;
      }
      ts.forEachChild(n, visit);
    };
    visit(sourceFile);
    return found;
  }
  return false;
}

function isTerminating(statement: ts.Statement): boolean {
  if (ts.isReturnStatement(statement) || ts.isThrowStatement(statement)) return true;
  if (ts.isBlock(statement)) return statement.statements.some(isTerminating);
  if (ts.isIfStatement(statement)) return statement.elseStatement !== undefined && isTerminating(statement.thenStatement) && isTerminating(statement.elseStatement);
  return false;
}

class Analyzer {
  constructor(
    private readonly context: RuleContext<Options>,
    private readonly index: FunctionIndex,
  ) {}

  /** Analyzes a function body (or an inline branch expression); `depth` 1 means no further helper hops. */
  analyze(root: ts.Node, params: ReadonlySet<string>, depth: number): Analysis {
    const a: Analysis = { blockers: [], encodings: new Set(), sites: [], inputFactor: 1, identity: false, returns: [], hops: [], literals: false };
    const { context } = this;
    const sf = context.sourceFile;

    const visit = (node: ts.Node): void => {
      if (node !== root && isFunctionNode(node)) {
        a.blockers.push('nested function');
        return;
      }
      if (ts.isBlock(node) || ts.isSourceFile(node) || ts.isCaseClause(node) || ts.isDefaultClause(node)) {
        // Statements after an unconditional return/throw are dead code: they neither compress nor encode.
        for (const statement of node.statements) {
          visit(statement);
          if (isTerminating(statement)) break;
        }
        return;
      }
      if (ts.isForStatement(node) || ts.isForOfStatement(node) || ts.isForInStatement(node) || ts.isWhileStatement(node) || ts.isDoStatement(node)) {
        a.blockers.push('loop');
        return;
      }
      if (ts.isReturnStatement(node) && node.expression) a.returns.push(node.expression);
      if (ts.isObjectLiteralExpression(node) || ts.isArrayLiteralExpression(node)) a.literals = true;
      if (ts.isNewExpression(node)) this.visitNew(node, a);
      if (ts.isCallExpression(node)) {
        this.visitCall(node, a, params, depth, sf);
      }
      ts.forEachChild(node, visit);
    };
    if (isFunctionNode(root)) {
      const body = root.body;
      if (body) {
        if (ts.isBlock(body)) visit(body);
        else {
          a.returns.push(body);
          visit(body);
        }
      }
    } else {
      visit(root);
    }
    a.identity = a.returns.length > 0 && a.returns.every((r) => this.isParamEcho(r, params));
    return a;
  }

  /** Folds a helper's codec fact (the model's, through its own callees) into the analysis; false when there is none. */
  private foldCodec(call: ts.CallExpression, a: Analysis): boolean {
    const linked = this.context.model.calleeOf(call);
    if (!linked?.codec) return false;
    const where = `${linked.name}() (${linked.file}:${linked.line})`;
    a.hops.push(where, ...(linked.codec.chain ?? []));
    if (linked.codec.compressor) a.compressor ??= `${linked.codec.compressor} in ${where}`;
    for (const encoding of linked.codec.encodings) if (encoding !== 'utf8') a.encodings.add(encoding as Encoding);
    return true;
  }

  private isParamEcho(expression: ts.Expression, params: ReadonlySet<string>): boolean {
    const inner = skipOuter(expression);
    if (ts.isIdentifier(inner)) return params.has(inner.text);
    if (ts.isCallExpression(inner) && inner.arguments.length === 1 && inner.arguments[0]) {
      const ref = this.context.imports.resolve(inner.expression);
      if (ref?.module === 'global' && ref.path.join('.') === 'Promise.resolve') return this.isParamEcho(inner.arguments[0], params);
    }
    return false;
  }

  private visitNew(node: ts.NewExpression, a: Analysis): void {
    const ref = this.context.imports.resolve(node.expression);
    if (ref && isCompressorRef(ref, this.context.options.compressorModules)) {
      a.compressor ??= `new ${refName(ref).replace(/^global\./, '')}()`;
      return;
    }
    if (ref?.module === 'global' && ['TextEncoder', 'Uint8Array'].includes(ref.path.join('.'))) return;
    a.blockers.push(`new ${this.context.text(node.expression)}`);
  }

  private visitCall(call: ts.CallExpression, a: Analysis, params: ReadonlySet<string>, depth: number, sf: ts.SourceFile): void {
    const { context } = this;
    const callee = call.expression;
    if (callee.kind === ts.SyntaxKind.ImportKeyword) {
      const spec = stringArg(call.arguments[0]);
      if (spec && isCompressorRef({ module: spec.replace(/^node:/, ''), path: [] }, context.options.compressorModules)) a.compressor ??= `import('${spec}')`;
      else a.blockers.push('dynamic import');
      return;
    }
    // Same-file helpers: one hop.
    let helper: FunctionEntry | undefined;
    if (ts.isIdentifier(callee) && context.imports.resolve(callee) === undefined) helper = this.index.plain(callee.text);
    else if (ts.isPropertyAccessExpression(callee) && callee.expression.kind === ts.SyntaxKind.ThisKeyword) helper = this.index.member(call, callee.name.text);
    if (helper) {
      if (depth >= 1 || a.helper) {
        // A further hop: only what the model proves about it (its codec fact, through its own callees) counts.
        if (!this.foldCodec(call, a)) a.blockers.push(`second helper hop ${helper.name}()`);
        return;
      }
      a.helper = { entry: helper, call };
      const inner = this.analyze(helper.fn, paramNames(helper.fn), depth + 1);
      if (inner.compressor) a.compressor ??= `${inner.compressor} in ${helper.name}()`;
      a.blockers.push(...inner.blockers.map((b) => `${b} in ${helper.name}()`));
      for (const e of inner.encodings) a.encodings.add(e);
      a.hops.push(...inner.hops);
      a.sites.push(...inner.sites);
      a.inputFactor = Math.max(a.inputFactor, inner.inputFactor);
      a.literals ||= inner.literals;
      if (inner.identity && inner.sites.length === 0) {
        // `compress(x) { return passthrough(x) }`: echoes only when the argument is itself a parameter.
        const arg = call.arguments[0] ? skipOuter(call.arguments[0]) : undefined;
        if (!(arg && ts.isIdentifier(arg) && params.has(arg.text))) a.blockers.push('helper echo of a non-parameter');
      }
      return;
    }
    const ref = context.imports.resolve(callee);
    if (ref && isCompressorRef(ref, context.options.compressorModules)) {
      a.compressor ??= refName(ref).replace(/^global\./, '');
      return;
    }
    // A helper in another project file: the model says what it does, when it is a small codec.
    if (ref && ref.module !== 'global') {
      const remote = context.model.calleeOf(call);
      if (remote?.codec) {
        const where = `${remote.name}() (${remote.file}:${remote.line})`;
        if (remote.codec.compressor) a.hops.push(...(remote.codec.chain ?? []));
        if (remote.codec.compressor) {
          a.compressor ??= `${remote.codec.compressor} in ${where}`;
          return;
        }
        if (depth >= 1 || a.helper || a.remote) {
          if (!this.foldCodec(call, a)) a.blockers.push(`second helper hop ${remote.name}()`);
          return;
        }
        a.remote = { name: where, call, encodings: remote.codec.encodings };
        a.hops.push(...(remote.codec.chain ?? []));
        for (const encoding of remote.codec.encodings) if (encoding !== 'utf8') a.encodings.add(encoding as Encoding);
        return;
      }
    }
    if (ref?.module === 'global') {
      // `globalThis.btoa`, `window.btoa`, `self.btoa` are the same functions.
      const path = ref.path.join('.').replace(/^(globalThis|window|self)\./, '');
      switch (path) {
        case 'Buffer.from': {
          const enc = stringArg(call.arguments[1]);
          if (call.arguments[1] && enc === undefined) a.blockers.push('Buffer.from with a computed encoding');
          const factor = enc ? INPUT_FACTOR[enc] : undefined;
          if (factor) a.inputFactor = Math.max(a.inputFactor, factor);
          a.sites.push({ node: call, kind: 'bufferFrom', encoding: 'utf8', data: call.arguments[0] });
          return;
        }
        case 'btoa':
          a.encodings.add('base64');
          a.sites.push({ node: call, kind: 'btoa', encoding: 'base64', data: call.arguments[0] });
          return;
        case 'JSON.stringify': {
          const replacer = call.arguments[1];
          if (replacer && !(replacer.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(replacer) && replacer.text === 'undefined'))) {
            a.blockers.push('JSON.stringify with a replacer (may drop fields)');
            return;
          }
          a.encodings.add('json');
          a.sites.push({ node: call, kind: 'json', encoding: 'json', data: call.arguments[0] });
          return;
        }
        case 'encodeURIComponent':
        case 'unescape':
        case 'escape':
          a.encodings.add('uri');
          return;
        // Byte and character plumbing: neither shrinks nor hides a compressor.
        case 'String.fromCharCode':
        case 'String.fromCodePoint':
        case 'atob':
        case 'decodeURIComponent':
        case 'Number':
        case 'Math.min':
        case 'Math.max':
        case 'Object.freeze':
        case 'console.log':
        case 'console.info':
        case 'console.warn':
        case 'console.error':
        case 'console.debug':
        case 'String':
        case 'Promise.resolve':
        case 'Buffer.isBuffer':
        case 'Buffer.byteLength':
        case 'Array.isArray':
        case 'Uint8Array.from':
          return;
        default:
          a.blockers.push(`call ${path}()`);
          return;
      }
    }
    if (ts.isPropertyAccessExpression(callee) && ref === undefined && !this.isUnknownImportedReceiver(callee)) {
      const method = callee.name.text;
      if (method === 'toString') {
        const arg = call.arguments[0];
        if (!arg) {
          a.sites.push({ node: call, kind: 'toString', encoding: 'utf8' });
          return;
        }
        const enc = stringArg(arg);
        if (enc && STRING_ENCODINGS.has(enc)) {
          const encoding: Encoding = enc === 'base64' || enc === 'base64url' || enc === 'hex' ? enc : enc === 'latin1' || enc === 'binary' ? 'binary' : 'utf8';
          if (encoding !== 'utf8') a.encodings.add(encoding);
          a.sites.push({ node: call, kind: 'toString', encoding, data: callee.expression });
          return;
        }
        // `.toString(36)`: a radix conversion really packs digits.
        a.blockers.push('toString with a radix or computed encoding');
        return;
      }
      if (method === 'encode' && isTextEncoderReceiver(callee.expression, sf)) {
        a.encodings.add('utf8');
        a.sites.push({ node: call, kind: 'textEncoder', encoding: 'utf8', data: call.arguments[0] });
        return;
      }
      if ((method === 'replace' || method === 'replaceAll') && isBase64UrlReplace(call)) return;
      // Typed-array and string plumbing that copies or slices bytes: the size stays what it was.
      if (method === 'slice' || method === 'subarray') {
        // A whole copy (`slice()`, `subarray(0, x.length)`) keeps the size; cutting bytes off is not an encoding.
        const [start, end] = call.arguments;
        const whole = (!start || (ts.isNumericLiteral(start) && start.text === '0')) && (!end || (ts.isPropertyAccessExpression(end) && end.name.text === 'length'));
        if (!whole) a.blockers.push(`truncation ${method}()`);
        return;
      }
      if (BYTE_PLUMBING.has(method)) return;
      // `logger.warn(...)`, `this.log.debug(...)`: logging neither shrinks nor hides a compressor.
      if (LOG_METHODS.has(method) && /(^|\.)(log|logger|_logger|console)$/i.test(context.text(callee.expression).replace(/^this\./, ''))) return;
    }
    a.blockers.push(`call ${context.text(callee)}()`);
  }

  /** `lib.fn()` where `lib` is imported from a non-compression module: a library call we cannot see. */
  private isUnknownImportedReceiver(callee: ts.PropertyAccessExpression): boolean {
    return this.context.imports.resolve(callee.expression) !== undefined;
  }
}

/** Methods that copy, slice or measure bytes and characters (`out.set(frame, 1)`, `bytes.subarray(0, n)`). */
const BYTE_PLUMBING = new Set(['set', 'fill', 'copyWithin', 'charCodeAt', 'codePointAt', 'padStart', 'padEnd', 'concat', 'trim', 'toUpperCase', 'toLowerCase', 'normalize']);

const LOG_METHODS = new Set(['log', 'info', 'warn', 'error', 'debug', 'trace', 'verbose']);

function paramNames(fn: FunctionNode): Set<string> {
  const names = new Set<string>();
  for (const p of fn.parameters) if (ts.isIdentifier(p.name)) names.add(p.name.text);
  return names;
}

// ---------------------------------------------------------------- verdict

type Variant = 'encoding-only' | 'serialize-only' | 'identity';

interface Verdict {
  variant: Variant;
  encoding: string;
  sizeRatio: number;
  what: string;
}

function verdictOf(a: Analysis, reportSerializeOnly: boolean): Verdict | undefined {
  if (a.compressor || a.blockers.length > 0) return undefined;
  const grows = a.encodings.has('base64') || a.encodings.has('base64url') || a.encodings.has('hex');
  if (grows) {
    const encoding = a.encodings.has('hex') ? 'hex' : a.encodings.has('base64url') ? 'base64url' : 'base64';
    const sizeRatio = Math.round((OUTPUT_FACTOR[encoding] / a.inputFactor) * 100) / 100;
    if (sizeRatio < 1) return undefined; // hex digits -> base64: a real (if modest) packing
    const via = a.sites.some((s) => s.kind === 'btoa') ? 'btoa()' : `Buffer#toString('${encoding}')`;
    const json = a.encodings.has('json') ? 'JSON.stringify + ' : '';
    return { variant: 'encoding-only', encoding, sizeRatio, what: `${json}${encoding}-encodes (${via})` };
  }
  if (!reportSerializeOnly) return undefined;
  if (a.inputFactor !== 1 || a.literals) return undefined;
  if (a.encodings.has('json') || a.sites.some((s) => s.kind === 'textEncoder' || s.kind === 'bufferFrom')) {
    if (a.encodings.has('binary') || a.encodings.has('uri')) return undefined;
    const what = a.encodings.has('json') ? 'JSON.stringify()s' : a.sites.some((s) => s.kind === 'textEncoder') ? 'UTF-8-encodes (TextEncoder)' : 'copies the text into a Buffer';
    return { variant: 'serialize-only', encoding: a.encodings.has('json') ? 'json' : 'utf8', sizeRatio: 1, what };
  }
  if (a.identity && a.sites.length === 0 && a.encodings.size === 0) return { variant: 'identity', encoding: 'none', sizeRatio: 1, what: 'returns its input unchanged' };
  return undefined;
}

// ---------------------------------------------------------------- write-path evidence

const CACHE_WRITE_METHODS = new Set(['set', 'setex', 'setEx', 'psetex', 'pSetEx', 'hset', 'hSet', 'hmset', 'mset', 'mSet', 'setItem', 'put', 'putItem', 'setnx', 'setNX']);
const NETWORK_WRITE_METHODS = new Set(['send', 'end', 'json', 'write', 'post', 'put', 'patch', 'publish', 'emit', 'sendMessage', 'fetch', 'request']);
const SERIALIZER_KEYS = new Set(['serialize', 'serializer', 'encode', 'encoder', 'stringify', 'compress', 'compression', 'compressor', 'transform']);

function calleeLastName(call: ts.CallExpression): string | undefined {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return undefined;
}

function writeSinkOf(value: ts.Node, context: RuleContext<Options>): string | undefined {
  let node = value;
  while (node.parent && (ts.isAwaitExpression(node.parent) || ts.isParenthesizedExpression(node.parent) || ts.isAsExpression(node.parent))) node = node.parent;
  const parent = node.parent;
  if (!parent) return undefined;
  if (ts.isCallExpression(parent) && parent.arguments.includes(node as ts.Expression)) {
    const name = calleeLastName(parent);
    if (name && (CACHE_WRITE_METHODS.has(name) || NETWORK_WRITE_METHODS.has(name))) {
      return `${CACHE_WRITE_METHODS.has(name) && !NETWORK_WRITE_METHODS.has(name) ? 'cache write' : 'write'} ${context.text(parent.expression)}(...)`;
    }
  }
  if (ts.isPropertyAssignment(parent) && parent.initializer === node && propertyNameText(parent.name) === 'body') return `request/response body (${context.text(parent.name)}: ...)`;
  if (ts.isBinaryExpression(parent) && parent.right === node && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(parent.left) && parent.left.name.text === 'body') {
    return `response body (${context.text(parent.left)} = ...)`;
  }
  if (ts.isVariableDeclaration(parent) && parent.initializer === node && ts.isIdentifier(parent.name)) {
    const varName = parent.name.text;
    let scope: ts.Node | undefined = parent.parent;
    while (scope && !ts.isBlock(scope) && !ts.isSourceFile(scope)) scope = scope.parent;
    let sink: string | undefined;
    const visit = (n: ts.Node): void => {
      if (sink) return;
      if (ts.isIdentifier(n) && n.text === varName && n !== parent.name) sink = writeSinkOf(n, context);
      else if (ts.isShorthandPropertyAssignment(n) && n.name.text === varName && varName === 'body') sink = `request/response body ({ body })`;
      ts.forEachChild(n, visit);
    };
    if (scope) visit(scope);
    return sink;
  }
  return undefined;
}

/** Call sites and serializer uses of a same-file function. */
function usesOf(entry: FunctionEntry, sourceFile: ts.SourceFile): Array<{ node: ts.Node; called: boolean }> {
  const uses: Array<{ node: ts.Node; called: boolean }> = [];
  const isMember = entry.container !== undefined && ts.isClassLike(entry.container);
  const visit = (n: ts.Node): void => {
    let ref: ts.Node | undefined;
    if (isMember && ts.isPropertyAccessExpression(n) && n.expression.kind === ts.SyntaxKind.ThisKeyword && n.name.text === entry.name) ref = n;
    else if (!isMember && ts.isIdentifier(n) && n.text === entry.name && !isDeclarationName(n)) ref = n;
    if (ref) {
      const parent = ref.parent;
      if (parent && ts.isCallExpression(parent) && parent.expression === ref) uses.push({ node: parent, called: true });
      else uses.push({ node: ref, called: false });
    }
    ts.forEachChild(n, visit);
  };
  visit(sourceFile);
  return uses;
}

function isDeclarationName(id: ts.Identifier): boolean {
  const parent = id.parent;
  if (!parent) return false;
  return (
    ((ts.isFunctionDeclaration(parent) || ts.isVariableDeclaration(parent) || ts.isMethodDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent) || ts.isParameter(parent) || ts.isFunctionExpression(parent)) && parent.name === id) ||
    (ts.isPropertyAccessExpression(parent) && parent.name === id)
  );
}

/** The `compress` flag guarding `node`, if any: `if (opts.compress)`, `this.compress ? a : b`. */
function compressFlagGuard(node: ts.Node, context: RuleContext<Options>): string | undefined {
  for (let child = node, parent = node.parent; parent; child = parent, parent = parent.parent) {
    if (isFunctionNode(parent)) return undefined;
    if (ts.isIfStatement(parent) && parent.thenStatement === child) {
      const flag = flagOfCondition(parent.expression, false, context);
      if (flag) return flag;
    }
    if (ts.isIfStatement(parent) && parent.elseStatement === child) {
      const flag = flagOfCondition(parent.expression, true, context);
      if (flag) return flag;
    }
    if (ts.isConditionalExpression(parent) && (parent.whenTrue === child || parent.whenFalse === child)) {
      const flag = flagOfCondition(parent.condition, parent.whenFalse === child, context);
      if (flag) return flag;
    }
  }
  return undefined;
}

const COMPRESSOR_LITERALS = /^(gzip|deflate|br|brotli|zstd|lz4|snappy)$/i;

/** The flag text when `condition` (negated or not) selects the compress branch. */
function flagOfCondition(condition: ts.Expression, negated: boolean, context: RuleContext<Options>): string | undefined {
  const cond = skipOuter(condition);
  if (ts.isPrefixUnaryExpression(cond) && cond.operator === ts.SyntaxKind.ExclamationToken) return flagOfCondition(cond.operand, !negated, context);
  if (ts.isBinaryExpression(cond)) {
    const op = cond.operatorToken.kind;
    if (op === ts.SyntaxKind.AmpersandAmpersandToken && !negated) return flagOfCondition(cond.left, false, context) ?? flagOfCondition(cond.right, false, context);
    if ((op === ts.SyntaxKind.EqualsEqualsEqualsToken || op === ts.SyntaxKind.EqualsEqualsToken) && !negated) {
      const literal = ts.isStringLiteralLike(cond.right) ? cond.right : ts.isStringLiteralLike(cond.left) ? cond.left : undefined;
      const other = literal === cond.right ? cond.left : cond.right;
      if (literal && COMPRESSOR_LITERALS.test(literal.text) && isCompressFlagRef(other)) return context.text(cond);
      if (cond.right.kind === ts.SyntaxKind.TrueKeyword && isCompressFlagRef(cond.left)) return context.text(cond);
    }
    return undefined;
  }
  if (negated) return undefined;
  if (isCompressFlagRef(cond)) return context.text(cond);
  if (ts.isCallExpression(cond) && isCompressFlagRef(cond.expression)) return context.text(cond);
  return undefined;
}

function isCompressFlagRef(node: ts.Node): boolean {
  const inner = skipOuter(node);
  if (ts.isIdentifier(inner)) return isCompressFlagName(inner.text);
  if (ts.isPropertyAccessExpression(inner)) return isCompressFlagName(inner.name.text);
  if (ts.isElementAccessExpression(inner) && ts.isStringLiteralLike(inner.argumentExpression)) return isCompressFlagName(inner.argumentExpression.text);
  return false;
}

// ---------------------------------------------------------------- fixes

interface FixPlan {
  expression: ts.Node;
  replacement: string;
}

function hasAsyncModifier(fn: ts.Node): boolean {
  return isFunctionNode(fn) && (ts.getModifiers(fn) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
}

/** How the fix compresses: Node's zlib, or fflate's identical sync API where there is no `Buffer` (browser code). */
interface Codec {
  async: boolean;
  browser: boolean;
}

/** Browser code: `btoa`/`atob` and no `Buffer` anywhere in the file, or a JSX file without `Buffer`. */
function isBrowserFile(context: RuleContext<Options>): boolean {
  const names = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n)) names.add(n.text);
    ts.forEachChild(n, visit);
  };
  visit(context.sourceFile);
  if (names.has('Buffer') || names.has('require') || [...context.imports.importedModules()].some((m) => ['zlib', 'fs', 'http', 'https', 'util', 'stream'].includes(m))) return false;
  return ['btoa', 'atob', 'localStorage', 'sessionStorage', 'window', 'document'].some((n) => names.has(n)) || /\.[jt]sx$/.test(context.file);
}

/** gzip of `data` (a string, or bytes when `maybeBytes`), as bytes or as a string in `encoding`. */
function gzipExpr(codec: Codec, data: string, encoding: 'bytes' | 'base64' | 'base64url' | 'hex', maybeBytes = false): string {
  if (codec.browser) {
    const bytes = maybeBytes ? `gzipSync(typeof ${data} === 'string' ? strToU8(${data}) : ${data})` : `gzipSync(strToU8(${data}))`;
    return encoding === 'bytes' ? bytes : `btoa(strFromU8(${bytes}, true))`;
  }
  // A value of unknown type (an identity "compress"): zlib takes strings and bytes, anything else as JSON.
  const input = maybeBytes ? `typeof ${data} === 'string' || ${data} instanceof Uint8Array ? ${data} : JSON.stringify(${data})` : data;
  const bytes = codec.async ? `(await gzipAsync(${input}))` : `gzipSync(${input})`;
  return encoding === 'bytes' ? bytes : `${bytes}.toString('${encoding}')`;
}

/** Rewrites the outermost encoding step into gzip + the same output encoding. */
function planCompressRewrite(a: Analysis, scope: ts.Node, codec: Codec, context: RuleContext<Options>): FixPlan | undefined {
  const inScope = (n: ts.Node) => n.getStart(context.sourceFile) >= scope.getStart(context.sourceFile) && n.getEnd() <= scope.getEnd();
  const sites = a.sites.filter((s) => inScope(s.node));
  const dataText = (data: ts.Expression | undefined): string | undefined => {
    if (!data) return undefined;
    let inner = skipOuter(data);
    // btoa(unescape(encodeURIComponent(s))): the UTF-8 shim; gzip takes the string directly.
    while (ts.isCallExpression(inner) && inner.arguments.length === 1 && inner.arguments[0] && ts.isIdentifier(inner.expression) && ['unescape', 'encodeURIComponent'].includes(inner.expression.text)) {
      inner = skipOuter(inner.arguments[0]);
    }
    return context.text(inner);
  };
  const isBufferFrom = (n: ts.Node): n is ts.CallExpression => {
    if (!ts.isCallExpression(n) || n.arguments.length !== 1) return false;
    const ref = context.imports.resolve(n.expression);
    return ref?.module === 'global' && ref.path.join('.') === 'Buffer.from';
  };
  const grow = sites.find((s) => (s.kind === 'toString' && s.encoding !== 'utf8') || s.kind === 'btoa');
  if (grow?.kind === 'toString' && grow.data) {
    const receiver = skipOuter(grow.data);
    const data = isBufferFrom(receiver) ? dataText(receiver.arguments[0]) : context.text(receiver);
    if (data === undefined) return undefined;
    return { expression: grow.data, replacement: gzipExpr({ ...codec, browser: false }, data, 'bytes') };
  }
  if (grow?.kind === 'btoa') {
    const data = dataText(grow.data);
    return data === undefined ? undefined : { expression: grow.node, replacement: gzipExpr(codec, data, 'base64') };
  }
  const encoder = sites.find((s) => s.kind === 'textEncoder' || s.kind === 'bufferFrom');
  if (encoder) {
    const data = dataText(encoder.data);
    return data === undefined ? undefined : { expression: encoder.node, replacement: gzipExpr(codec, data, 'bytes') };
  }
  const json = sites.find((s) => s.kind === 'json');
  if (json) return { expression: json.node, replacement: gzipExpr(codec, context.text(json.node), 'base64') };
  if (a.helper && inScope(a.helper.call)) {
    const arg = a.helper.call.arguments[0];
    const encoding = a.encodings.has('hex') ? 'hex' : a.encodings.has('base64url') ? 'base64url' : 'base64';
    if (!arg) return undefined;
    // The helper serialised the value first: keep that step.
    const data = a.encodings.has('json') ? `JSON.stringify(${context.text(arg)})` : context.text(arg);
    return { expression: a.helper.call, replacement: gzipExpr(codec, data, a.encodings.size > 0 && !a.encodings.has('utf8') ? encoding : 'bytes') };
  }
  const ret = a.returns[0];
  if (ret && a.identity) return { expression: skipOuter(ret), replacement: gzipExpr(codec, context.text(skipOuter(ret)), 'bytes', true) };
  return undefined;
}

/** In the matching decompress: `Buffer.from(s, 'base64')` -> `gunzipSync(Buffer.from(s, 'base64'))`, `atob(s)` likewise. */
function planDecompressRewrite(fn: FunctionNode, codec: Codec, context: RuleContext<Options>): FixPlan | undefined {
  const gunzip = (arg: string) => (codec.async ? `(await gunzipAsync(${arg}))` : `gunzipSync(${arg})`);
  const fromBase64Text = (text: string) => (codec.browser ? `strFromU8(gunzipSync(strToU8(atob(${text}), true)))` : `${gunzip(`Buffer.from(${text}, 'base64')`)}.toString('utf8')`);
  let plan: FixPlan | undefined;
  const visit = (n: ts.Node): void => {
    if (plan) return;
    if (ts.isCallExpression(n)) {
      const ref = context.imports.resolve(n.expression);
      const path = ref?.module === 'global' ? ref.path.join('.') : undefined;
      const enc = stringArg(n.arguments[1]);
      if (path === 'Buffer.from' && enc && INPUT_FACTOR[enc] && n.arguments[0]) {
        plan = { expression: n, replacement: gunzip(context.text(n)) };
        return;
      }
      if (path === 'atob' && n.arguments[0]) {
        plan = { expression: n, replacement: fromBase64Text(context.text(n.arguments[0])) };
        return;
      }
    }
    ts.forEachChild(n, visit);
  };
  // `JSON.parse(stored)` alone: the stored form was plain JSON, now base64 of gzip.
  const visitParse = (n: ts.Node): void => {
    if (plan) return;
    if (ts.isCallExpression(n) && n.arguments[0]) {
      const ref = context.imports.resolve(n.expression);
      if (ref?.module === 'global' && ref.path.join('.') === 'JSON.parse') {
        plan = { expression: n.arguments[0], replacement: fromBase64Text(context.text(n.arguments[0])) };
        return;
      }
    }
    ts.forEachChild(n, visitParse);
  };
  if (fn.body) visit(fn.body);
  if (fn.body && !plan) visitParse(fn.body);
  return plan;
}

function spliceText(outer: ts.Node, plan: FixPlan, context: RuleContext<Options>): string {
  const sf = context.sourceFile;
  const start = outer.getStart(sf);
  const text = context.text(outer);
  const from = plan.expression.getStart(sf) - start;
  const to = plan.expression.getEnd() - start;
  return text.slice(0, from) + plan.replacement + text.slice(to);
}

/** `gzipSync(x)`, or `(await gzipAsync(x))` in an async function. */
function codecCall(codec: Codec, data: string): string {
  return codec.async ? `(await gzipAsync(${data}))` : `gzipSync(${data})`;
}

function importLine(codec: Codec, withDecompress: boolean): string {
  if (codec.browser) return `import { gzipSync${withDecompress ? ', gunzipSync' : ''}, strToU8, strFromU8 } from 'fflate';`;
  if (codec.async) return `import { promisify } from 'node:util'; import { gzip${withDecompress ? ', gunzip' : ''} } from 'node:zlib'; const gzipAsync = promisify(gzip);${withDecompress ? ' const gunzipAsync = promisify(gunzip);' : ''}`;
  return `import { gzipSync${withDecompress ? ', gunzipSync' : ''} } from 'node:zlib';`;
}

/**
 * The imports the rewritten code needs, after the file's last import: each codec name the edits use and the
 * file does not import yet. Undefined when such a name is already taken by something else.
 */
function codecImportEdit(texts: string[], context: RuleContext<Options>): EditSpec[] | undefined {
  const sf = context.sourceFile;
  const used = (name: string) => texts.some((text) => new RegExp(`\\b${name}\\b`).test(text));
  const need = (module: RegExp, name: string): boolean | undefined => (!used(name) || importsName(sf, module, name) ? false : nameTaken(sf, name) ? undefined : true);
  const fflate = ['gzipSync', 'gunzipSync', 'strToU8', 'strFromU8'].filter((name) => used(name) && (texts.some((t) => /strToU8|strFromU8/.test(t))));
  const lines: string[] = [];
  if (fflate.length > 0) {
    const missing = fflate.map((name) => ({ name, need: need(/^fflate$/, name) }));
    if (missing.some((m) => m.need === undefined)) return undefined;
    const names = missing.filter((m) => m.need).map((m) => m.name);
    if (names.length > 0) lines.push(`import { ${names.join(', ')} } from 'fflate';`);
  } else {
    const zlib = ['gzipSync', 'gunzipSync'].map((name) => ({ name, need: need(/^(node:)?zlib$/, name) }));
    const promised = [
      { name: 'gzipAsync', from: 'gzip' },
      { name: 'gunzipAsync', from: 'gunzip' },
    ].filter((p) => used(p.name));
    if (zlib.some((m) => m.need === undefined)) return undefined;
    const zlibNames = [...zlib.filter((m) => m.need).map((m) => m.name)];
    const defs: string[] = [];
    for (const p of promised) {
      if (nameTaken(sf, p.name)) return undefined;
      if (!importsName(sf, /^(node:)?zlib$/, p.from)) {
        if (nameTaken(sf, p.from)) return undefined;
        zlibNames.push(p.from);
      }
      defs.push(`const ${p.name} = promisify(${p.from});`);
    }
    if (promised.length > 0 && !importsName(sf, /^(node:)?util$/, 'promisify')) {
      if (nameTaken(sf, 'promisify')) return undefined;
      lines.push("import { promisify } from 'node:util';");
    }
    if (zlibNames.length > 0) lines.push(`import { ${zlibNames.join(', ')} } from 'node:zlib';`);
    lines.push(...defs);
  }
  return lines.length > 0 ? [importInsertion(sf, lines.join('\n'))] : [];
}

/**
 * The fix with its edits: the compress step rewritten in place, the matching decompress (when there is one)
 * rewritten in place too (never a second declaration of it), the imports added, and for a function that
 * returned its input unchanged, its declared return type made the bytes it now returns, and the helpers only
 * the old encoding step used deleted.
 */
function compressFix(description: string, replacement: string, plans: Array<FixPlan | undefined>, context: RuleContext<Options>, retype?: { fn: FunctionNode; to: string }): { description: string; replacement: string; edits?: EditSpec[] } {
  const present = plans.filter((p): p is FixPlan => p !== undefined);
  if (present.length === 0 || present.length !== plans.length) return { description, replacement };
  const imports = codecImportEdit(present.map((p) => p.replacement), context);
  if (!imports) return { description, replacement };
  const typeEdit = retype?.fn.type ? [replaceNode(retype.fn.type, retype.to, context.sourceFile)] : [];
  // A helper only the old encoding step called is dead after the rewrite (TS6133 under noUnusedLocals).
  const dead = deadAfter(present.map((p) => ({ node: p.expression, text: p.replacement })), context.sourceFile);
  const removes = dead.names.length > 0 ? ` The edits also delete ${dead.names.map((n) => `\`${n}\``).join(', ')}, which only the replaced code used.` : '';
  return { description: description + removes, replacement, edits: [...imports, ...present.map((p) => replaceNode(p.expression, p.replacement, context.sourceFile)), ...typeEdit, ...dead.edits] };
}

// ---------------------------------------------------------------- the rule

const INVERSE_OF: Record<string, string[]> = {
  compress: ['decompress', 'uncompress'],
  compressed: ['decompressed', 'uncompressed'],
  compression: ['decompression'],
  compressor: ['decompressor'],
  deflate: ['inflate'],
  gzip: ['gunzip', 'ungzip'],
  pack: ['unpack'],
  packer: ['unpacker'],
  zip: ['unzip'],
  shrink: ['unshrink', 'expand'],
  squash: ['unsquash'],
  brotli: ['decompress'],
  zstd: ['decompress'],
};
const DECODE_METHODS = new Set(['decode', 'deserialize', 'parse', 'unpack', 'decompress', 'inflate', 'gunzip', 'unzip', 'read', 'load']);

function leadingComment(node: ts.Node, sf: ts.SourceFile): string {
  let target: ts.Node = node;
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))) target = parent.parent && ts.isVariableDeclarationList(parent.parent) ? (parent.parent.parent ?? parent) : parent;
  const ranges = ts.getLeadingCommentRanges(sf.text, target.getFullStart()) ?? [];
  // Test annotations (`// ok: <rule>`) are not the author's words.
  return ranges
    .map((r) => sf.text.slice(r.pos, r.end))
    .filter((c) => !/^\/\/\s*(todo)?(ruleid|ok):/.test(c))
    .join('\n');
}

export default defineRule<Options>({
  meta: {
    id: 'fake-compression',
    category: 'Caching',
    defaultSeverity: 'high',
    description: 'A "compress" function or compress option that only base64/hex-encodes, re-serialises or returns its input: nothing gets smaller.',
    messages: {
      encodingOnly: '`{{name}}` claims to compress but only {{what}}: the output is {{ratio}}x the input size, larger instead of smaller.',
      serializeOnly: '`{{name}}` claims to compress but only {{what}}: nothing gets smaller.',
      identity: '`{{name}}` claims to compress but {{what}}: nothing gets smaller.',
      optionBranch: 'The `{{flag}}` compression branch only {{what}}: the output is {{ratio}}x the input size, nothing is compressed.',
      optionNoop: 'The `{{flag}}` compression branch returns the same value as the branch without it (`{{same}}`): the option compresses nothing.',
    },
    // Every report needs a name claiming compression (or a compress flag): those words as words, not `package`.
    triggers: [nameWordPattern(CLAIM_WORDS)],
    requiresTypeInfo: false,
    defaults,
    options: optionsSchema,
  },
  // Fakes in tests are mocks standing in for a real codec.
  appliesTo: (file) => file.role !== 'test',
  create(context) {
    // Gathered during the engine's single walk (pre-order, like forEachChild), so fileEnd needs no walks of its own.
    const functions: FunctionNode[] = [];
    const branches: Array<ts.ConditionalExpression | ts.IfStatement> = [];
    const collectFunction = (node: ts.Node): void => {
      if (isFunctionNode(node)) functions.push(node);
    };
    const collectBranch = (node: ts.Node): void => {
      if (ts.isConditionalExpression(node) || ts.isIfStatement(node)) branches.push(node);
    };
    return {
      kinds: {
        [ts.SyntaxKind.FunctionDeclaration]: collectFunction,
        [ts.SyntaxKind.MethodDeclaration]: collectFunction,
        [ts.SyntaxKind.FunctionExpression]: collectFunction,
        [ts.SyntaxKind.ArrowFunction]: collectFunction,
        [ts.SyntaxKind.ConditionalExpression]: collectBranch,
        [ts.SyntaxKind.IfStatement]: collectBranch,
      },
      fileEnd: () => {
        const sf = context.sourceFile;
        const index = new FunctionIndex(functions);
        const analyzer = new Analyzer(context, index);
        const reportedFns = new Set<ts.Node>();

        for (const entry of index.entries) {
          const claim = claimOf(entry);
          if (!claim) continue;
          if (isNoopName(entry.containerName)) continue;
          // The input is already compressed: `toBase64(gzipped)`.
          if ([...paramNames(entry.fn)].some((p) => splitWords(p).some((w) => ['compressed', 'gzipped', 'zipped', 'deflated', 'packed', 'gz', 'brotli', 'zstd'].includes(w)))) continue;
          const analysis = analyzer.analyze(entry.fn, paramNames(entry.fn), 0);
          const verdict = verdictOf(analysis, context.options.reportSerializeOnly);
          if (!verdict) continue;
          if (verdict.variant !== 'encoding-only' && (NOOP_COMMENT.test(leadingComment(entry.fn, sf)) || isDefaultImplementation(entry))) continue;
          const evidence = collectWriteEvidence(entry);
          if (claim.strength === 'weak') {
            // `pack`, `zip`, `shrink` mean many things; need size growth plus a compression intent or write path.
            const intent = intentComment(entry);
            if (verdict.variant !== 'encoding-only' || (!intent && evidence.length === 0)) continue;
          }
          reportedFns.add(entry.fn);
          reportFunction(entry, claim, analysis, verdict, evidence);
        }

        // `compress` options / flags whose branch only encodes.
        for (const branch of branches) checkFlagBranch(branch);

        /** The one severity table: the cost of one value, how often the code runs (the model's role of its function). */
        function gradeFake(node: ts.Node, cost: Cost, costReason: string, match: Confidence, lower: string[]) {
          const frequency = context.model.frequencyOf(node);
          return grade({
            cost,
            costReason,
            // Module-level code (an option default) runs when its callers do: unknown, not once.
            role: frequency.fn ? frequency.role : 'unknown',
            evidence: 'proven',
            match,
            lower,
            includeOnce: context.options.includeOnce,
          });
        }

        function intentComment(entry: FunctionEntry): boolean {
          return /compress|smaller|less (space|room|memory)|fewer bytes|save (space|bytes|memory)|reduce (the )?size|shrink/i.test(leadingComment(entry.fn, sf));
        }

        function claimOf(entry: FunctionEntry): (NameClaim & { via: string }) | undefined {
          const own = claimOfName(entry.name);
          if (own) return { ...own, via: `named \`${entry.name}\`` };
          if (entry.containerName && FORWARD_METHODS.has(splitWords(entry.name)[0] ?? '') && !DECODE_METHODS.has(entry.name)) {
            const container = claimOfName(entry.containerName);
            if (container?.strength === 'strong') return { ...container, name: entry.name, via: `\`${entry.name}\` of \`${entry.containerName}\`` };
          }
          return undefined;
        }

        function collectWriteEvidence(entry: FunctionEntry): string[] {
          const evidence: string[] = [];
          if (entry.containerName && CACHE_CONTAINER.test(entry.containerName)) evidence.push(`member of ${entry.containerName}: on a cache write path`);
          for (const use of usesOf(entry, sf)) {
            if (use.called) {
              const sink = writeSinkOf(use.node, context);
              const line = sf.getLineAndCharacterOfPosition(use.node.getStart(sf)).line + 1;
              if (sink) evidence.push(`its result at line ${line} goes to ${sink}`);
              const flag = compressFlagGuard(use.node, context);
              if (flag) evidence.push(`called at line ${line} only when \`${flag}\` is set: the compression option reaches it`);
            } else {
              const parent = use.node.parent;
              if (parent && ts.isPropertyAssignment(parent) && parent.initializer === use.node && SERIALIZER_KEYS.has(propertyNameText(parent.name) ?? '')) {
                const line = sf.getLineAndCharacterOfPosition(use.node.getStart(sf)).line + 1;
                evidence.push(`used as the \`${propertyNameText(parent.name) ?? ''}\` hook at line ${line}: every stored/sent value goes through it`);
              }
            }
          }
          return [...new Set(evidence)];
        }

        function findDecompress(entry: FunctionEntry, claim: NameClaim): FunctionEntry | undefined {
          const words = splitWords(entry.name);
          const inverses = INVERSE_OF[claim.word] ?? [];
          const candidates = index.entries.filter((other) => other !== entry && other.container === entry.container);
          for (const other of candidates) {
            const otherWords = splitWords(other.name);
            if (otherWords.length !== words.length) continue;
            if (otherWords.every((w, i) => w === words[i] || (words[i] === claim.word && inverses.includes(w)))) return other;
          }
          if (entry.container) return candidates.find((other) => DECODE_METHODS.has(other.name));
          return undefined;
        }

        function reportFunction(entry: FunctionEntry, claim: NameClaim & { via: string }, a: Analysis, verdict: Verdict, writeEvidence: string[]): void {
          const async = hasAsyncModifier(entry.fn);
          const decompress = findDecompress(entry, claim);
          const decompressAnalysis = decompress ? analyzer.analyze(decompress.fn, paramNames(decompress.fn), 0) : undefined;
          const decompressIsFake = decompressAnalysis !== undefined && !decompressAnalysis.compressor;
          const evidence: string[] = [];
          const line = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
          evidence.push(`${claim.via}: the name promises a smaller value ("${claim.word}")`);
          evidence.push(`no compressor is reached (no zlib, brotli, CompressionStream, pako, fflate, lz-string, zstd, msgpack...)${a.helper ? `, also not in ${a.helper.entry.name}() it delegates to` : ''}${a.remote ? `, also not in ${a.remote.name} it delegates to (the model's summary of that file)` : ''}`);
          if (a.hops.length > 0) evidence.push(`followed through ${[...new Set(a.hops)].join(' -> ')}: none of them compresses`);
          if (verdict.variant === 'identity') evidence.push('every return gives back the parameter unchanged');
          else evidence.push(`it only ${verdict.what}${a.helper ? ` (via ${a.helper.entry.name}() at line ${line(a.helper.entry.fn)})` : ''}${a.remote ? ` (via ${a.remote.name}, which only ${a.remote.encodings.join(' + ')}-encodes)` : ''}`);
          evidence.push(...writeEvidence);
          if (decompress) evidence.push(`the matching \`${decompress.name}\` at line ${line(decompress.fn)} ${decompressIsFake ? 'only decodes, so both halves must change together' : 'exists and must change with it'}`);

          const onWritePath = writeEvidence.length > 0;
          const grows = verdict.variant === 'encoding-only';
          const match: Confidence = claim.strength === 'strong' && grows && !claim.via.includes(' of ') ? 'high' : claim.strength === 'weak' ? 'low' : 'medium';
          const graded = gradeFake(
            entry.fn,
            grows ? (onWritePath ? 'heavy' : 'moderate') : onWritePath ? 'moderate' : 'light',
            `${grows ? 'every value it handles grows instead of shrinking' : 'every value it handles keeps its full size'}${onWritePath ? ', on a cache/network write path' : ' (no cache/network write seen in this file)'}`,
            match,
            claim.strength === 'weak' ? [`"${claim.word}" often means encoding rather than compression${intentComment(entry) ? ', though the comment above it promises a smaller value' : ''}`] : [],
          );
          if (!graded.severity) return;
          const severity = graded.severity;
          const confidence = graded.confidence;
          evidence.push(...graded.reasons);

          const browser = isBrowserFile(context);
          const asyncUsed = async || (decompress !== undefined && hasAsyncModifier(decompress.fn));
          const plan = planCompressRewrite(a, entry.fn, { async, browser }, context);
          const decompressPlan = decompress && decompressIsFake ? planDecompressRewrite(decompress.fn, { async: decompress ? hasAsyncModifier(decompress.fn) : false, browser }, context) : undefined;
          let replacement = plan ? spliceText(entry.reportNode, plan, context) : context.text(entry.reportNode);
          // The encoding happens in another file: gzip the bytes it encodes, keeping the same string encoding.
          const remoteEncoding = a.remote?.encodings.find((e) => e === 'base64' || e === 'hex' || e === 'base64url');
          if (!plan && a.remote && remoteEncoding && !browser) {
            const callText = context.text(a.remote.call);
            const wrapped = `${codecCall({ async, browser }, `Buffer.from(${callText}, '${remoteEncoding}')`)}.toString('${remoteEncoding}')`;
            replacement = replacement.replace(callText, wrapped);
          }
          if (decompress && decompressPlan) replacement += `\n\n// and the matching ${decompress.name}:\n${spliceText(decompress.reportNode, decompressPlan, context)}`;
          const description = [
            `Compress for real with ${browser ? 'fflate (browser code: no zlib, no Buffer)' : 'zlib'}: add \`${importLine({ async: asyncUsed, browser }, decompressPlan !== undefined)}\` and gzip the data before ${verdict.encoding === 'none' || verdict.encoding === 'json' || verdict.encoding === 'utf8' ? 'returning it' : `the ${verdict.encoding} step (kept so the value stays a string)`}.`,
            decompress
              ? `Change \`${decompress.name}\` to gunzip after decoding (shown below), and flush or version existing cache entries written in the old format.`
              : 'Whatever reads these values must now gunzip them (gunzipSync / promisify(gunzip)); flush or version existing entries written in the old format.',
            browser ? 'Or use CompressionStream("gzip") if the callers can become async.' : 'For large text payloads brotliCompressSync / brotliDecompressSync gives ~15-25% smaller output at more CPU; skip compression below ~1 KB where headers outweigh the gain.',
            verdict.variant === 'identity' ? 'Note the return type becomes Buffer.' : '',
          ]
            .filter((s) => s.length > 0)
            .join(' ');

          const messageId = verdict.variant === 'encoding-only' ? 'encodingOnly' : verdict.variant === 'serialize-only' ? 'serializeOnly' : 'identity';
          const impact =
            verdict.variant === 'encoding-only'
              ? `${verdict.encoding} makes each value ${Math.round((verdict.sizeRatio - 1) * 100)}% larger than the raw data; gzip typically shrinks JSON/text 4-10x. Assuming a 30 KB JSON value: stored/sent as ~${Math.round(30 * verdict.sizeRatio)} KB now vs ~4-8 KB compressed (~${Math.round(40 * verdict.sizeRatio) / 10}x less cache memory and bandwidth after the fix), at ~0.3-1 ms of gzip CPU per value.`
              : `The value keeps its full size (1.0x). Assuming JSON/text, gzip would make it 4-10x smaller: a 30 KB value ~4-8 KB, at ~0.3-1 ms of CPU per value.`;
          context.report({
            node: entry.reportNode,
            variant: verdict.variant,
            messageId,
            data: { name: entry.name, what: verdict.what, ratio: verdict.sizeRatio.toFixed(2) },
            severity,
            confidence,
            evidence,
            impact,
            fix: compressFix(description, replacement, decompress && decompressIsFake ? [plan, decompressPlan] : [plan], context, verdict.variant === 'identity' ? { fn: entry.fn, to: browser ? 'Uint8Array' : 'Buffer' } : undefined),
            effort: decompress || onWritePath ? 'small' : 'trivial',
            params: {
              functionName: entry.name,
              encoding: verdict.encoding,
              sizeRatio: verdict.sizeRatio,
              async,
              decompressFunction: decompress?.name ?? null,
              writePath: onWritePath,
            },
          });
        }

        /**
         * `if (opts.compress) return JSON.stringify(v); return JSON.stringify(v);`: the compress branch yields the very
         * value the other branch does, so turning the option on changes nothing.
         */
        function reportSameBranch(node: ts.ConditionalExpression | ts.IfStatement, flag: string, values: ts.Expression[]): void {
          const value = values.length === 1 ? values[0] : undefined;
          if (!value) return;
          let other: ts.Expression | undefined;
          if (ts.isConditionalExpression(node)) other = node.whenFalse;
          else if (node.elseStatement) {
            const statement = ts.isBlock(node.elseStatement) && node.elseStatement.statements.length === 1 ? node.elseStatement.statements[0] : node.elseStatement;
            if (statement && ts.isReturnStatement(statement)) other = statement.expression;
          } else if (ts.isBlock(node.parent) || ts.isSourceFile(node.parent)) {
            const statements = node.parent.statements;
            const next = statements[statements.indexOf(node) + 1];
            if (next && ts.isReturnStatement(next) && ts.isReturnStatement(ts.isBlock(node.thenStatement) ? node.thenStatement.statements[0] ?? node.thenStatement : node.thenStatement)) other = next.expression;
          }
          const normalise = (n: ts.Node): string => context.text(n).replace(/\s+/g, '');
          if (!other || normalise(other) !== normalise(value)) return;
          const graded = gradeFake(value, 'moderate', 'the option promises smaller values and every value keeps its full size', 'high', []);
          if (!graded.severity) return;
          const line = sf.getLineAndCharacterOfPosition(other.getStart(sf)).line + 1;
          const codec: Codec = { async: false, browser: isBrowserFile(context) };
          context.report({
            node: value,
            variant: 'option-branch',
            messageId: 'optionNoop',
            data: { flag, same: context.text(value).slice(0, 60) },
            severity: graded.severity,
            confidence: graded.confidence,
            evidence: [
              `\`${flag}\` selects this branch: the code's own option says "compress here"`,
              `it returns \`${context.text(value).slice(0, 60)}\`, exactly what line ${line} returns without the option`,
              'no compressor is reached in the branch',
              ...graded.reasons,
            ],
            impact: 'With the option on, each value is exactly as large as with it off; gzip would shrink JSON/text 4-10x (assuming a 30 KB value: ~4-8 KB).',
            fix: {
              description: `Compress for real in this branch: add \`${importLine(codec, false)}\`; the reading side must gunzip when the flag is set (and old entries need a flush or version bump).`,
              replacement: `gzipSync(${context.text(value)}).toString('base64')`,
            },
            effort: 'small',
            params: { flag, encoding: 'json', sizeRatio: 1, async: false, writePath: true },
          });
        }

        function checkFlagBranch(node: ts.ConditionalExpression | ts.IfStatement): void {
          const condition = ts.isIfStatement(node) ? node.expression : node.condition;
          const positive = flagOfCondition(condition, false, context);
          const negative = positive ? undefined : flagOfCondition(condition, true, context);
          const flag = positive ?? negative;
          if (!flag) return;
          const branch: ts.Node | undefined = ts.isIfStatement(node) ? (positive ? node.thenStatement : node.elseStatement) : positive ? node.whenTrue : node.whenFalse;
          if (!branch) return;
          const enclosing = enclosingFn(node);
          // Inside a function already reported by name, the name finding covers it.
          if (enclosing && reportedFns.has(enclosing)) return;
          const params = enclosing ? paramNames(enclosing) : new Set<string>();
          let values: ts.Expression[];
          if (ts.isIfStatement(node)) {
            const statements = ts.isBlock(branch) ? [...branch.statements] : [branch as ts.Statement];
            values = [];
            for (const statement of statements) {
              if (ts.isExpressionStatement(statement) && ts.isBinaryExpression(statement.expression) && statement.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken) values.push(statement.expression.right);
              else if (ts.isVariableStatement(statement)) {
                for (const d of statement.declarationList.declarations) if (d.initializer) values.push(d.initializer);
              } else if (ts.isReturnStatement(statement) && statement.expression) values.push(statement.expression);
              else return;
            }
          } else {
            values = [branch as ts.Expression];
          }
          const first = values[0];
          if (!first || values.length > 3) return;
          // A helper already reported by name carries this flag as evidence.
          const direct = skipOuter(first);
          if (ts.isCallExpression(direct)) {
            const callee = direct.expression;
            const helper = ts.isIdentifier(callee) ? index.plain(callee.text) : ts.isPropertyAccessExpression(callee) && callee.expression.kind === ts.SyntaxKind.ThisKeyword ? index.member(direct, callee.name.text) : undefined;
            if (helper && reportedFns.has(helper.fn)) return;
          }
          const merged: Analysis = { blockers: [], encodings: new Set(), sites: [], inputFactor: 1, identity: false, returns: [], hops: [], literals: false };
          for (const value of values) {
            const a = analyzer.analyze(value, params, 0);
            merged.blockers.push(...a.blockers);
            merged.compressor ??= a.compressor;
            for (const e of a.encodings) merged.encodings.add(e);
            merged.sites.push(...a.sites);
            merged.inputFactor = Math.max(merged.inputFactor, a.inputFactor);
            merged.helper ??= a.helper;
            merged.hops.push(...a.hops);
            merged.literals ||= a.literals;
          }
          const verdict = verdictOf(merged, false);
          if (!verdict || verdict.variant !== 'encoding-only') {
            if (positive && !merged.compressor && merged.blockers.length === 0) reportSameBranch(node, flag, values);
            return;
          }
          const evidence = [
            `\`${flag}\` selects this branch: the code's own option says "compress here"`,
            `no compressor is reached in the branch${merged.helper ? ` nor in ${merged.helper.entry.name}() it calls` : ''}`,
            `it only ${verdict.what}${merged.helper ? ` (via ${merged.helper.entry.name}())` : ''}`,
          ];
          // Report where the size grows, not at an unrelated header assignment in the same branch.
          const target = values.find((v) => merged.sites.some((site) => site.node.getStart(sf) >= v.getStart(sf) && site.node.getEnd() <= v.getEnd() && site.encoding !== 'utf8')) ?? values.find((v) => merged.helper && merged.helper.call.getStart(sf) >= v.getStart(sf) && merged.helper.call.getEnd() <= v.getEnd()) ?? first;
          const sink = writeSinkOf(ts.isConditionalExpression(node) ? node : target, context);
          if (sink) evidence.push(`the value goes to ${sink}`);
          const graded = gradeFake(target, 'heavy', 'a compression option is by definition on a cache/network write path, and enabling it makes every value larger', 'high', []);
          if (!graded.severity) return;
          evidence.push(...graded.reasons);
          const async = enclosing ? hasAsyncModifier(enclosing) : false;
          const codec: Codec = { async, browser: isBrowserFile(context) };
          const plan = planCompressRewrite(merged, target, codec, context);
          const replacement = plan ? spliceText(target, plan, context) : context.text(target);
          context.report({
            node: target,
            variant: 'option-branch',
            messageId: 'optionBranch',
            data: { flag, what: verdict.what, ratio: verdict.sizeRatio.toFixed(2) },
            severity: graded.severity,
            confidence: graded.confidence,
            evidence,
            impact: `With the option on, each value is ${Math.round((verdict.sizeRatio - 1) * 100)}% larger than with it off; gzip would shrink JSON/text 4-10x (assuming a 30 KB value: ~${Math.round(30 * verdict.sizeRatio)} KB now vs ~4-8 KB).`,
            fix: compressFix(`Compress for real in this branch: add \`${importLine(codec, false)}\`; the reading side must gunzip when the flag is set (and old entries need a flush or version bump).`, replacement, [plan], context),
            effort: 'small',
            params: { flag, encoding: verdict.encoding, sizeRatio: verdict.sizeRatio, async, writePath: true },
          });
        }
      },
    };
  },
});

function enclosingFn(node: ts.Node): FunctionNode | undefined {
  for (let current = node.parent; current; current = current.parent) if (isFunctionNode(current)) return current;
  return undefined;
}

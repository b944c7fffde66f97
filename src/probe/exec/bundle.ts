/**
 * Compiles the user's module for `--exec` with esbuild: the module text (with its target exported, and for
 * the "after" side the fix in place) is the entry, resolved from the file's own directory with the
 * nearest tsconfig.json, so relative imports and tsconfig `paths` aliases are bundled as they are. Bare
 * package imports become generated stub modules (see stubs.ts) so no dependency runs and nothing needs
 * installing; Node builtins stay real (external), and a family may name packages it needs real. The output
 * is one ES module with an inline source map whose sources are the original files.
 *
 * Nothing here runs the user's code: esbuild only parses and prints it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { ts } from '../../scanner/ts.js';
import { errorText } from './apply-fix.js';
import { parseSource } from './locate.js';

const STUB_NAMESPACE = 'bottleneck-stub';
const SHIM_NAMESPACE = 'bottleneck-shim';
/** Where a shim's own imports resolve: this tool's install, not the user's project. */
const OWN_DIR = path.dirname(fileURLToPath(import.meta.url));
const BUILTINS = new Set(builtinModules);

/** The package name of a bare specifier: `@scope/pkg/sub` -> `@scope/pkg`, `pkg/sub` -> `pkg`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || BUILTINS.has(specifier) || BUILTINS.has(packageName(specifier));
}

/** The nearest tsconfig.json at or above the file's directory. */
export function nearestTsconfig(file: string): string | undefined {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'tsconfig.json');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** What a module imports from `specifier`: named bindings, and whether it uses the default or a namespace. */
export function importedNames(text: string, fileName: string, specifier: string): string[] {
  const sourceFile = parseSource(text, fileName);
  const names = new Set<string>();
  const namespaces = new Set<string>();
  for (const statement of sourceFile.statements) {
    const from = (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier) ? statement.moduleSpecifier.text : undefined;
    if (from !== specifier) continue;
    if (ts.isImportDeclaration(statement)) {
      const bindings = statement.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) names.add((element.propertyName ?? element.name).text);
      if (bindings && ts.isNamespaceImport(bindings)) namespaces.add(bindings.name.text);
    } else if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      for (const element of statement.exportClause.elements) names.add((element.propertyName ?? element.name).text);
    }
  }
  // `import * as ns from 'pkg'`: the members read off the namespace are the names the stub must export.
  if (namespaces.size > 0) {
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && namespaces.has(node.expression.text)) names.add(node.name.text);
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
  }
  names.delete('default');
  return [...names];
}

/**
 * The names esbuild's automatic JSX transform imports from `react/jsx-runtime` (and Preact's, Solid's...):
 * they appear only after the transform, so the module's own text never names them.
 */
function jsxRuntimeNames(specifier: string): string[] {
  return /\/jsx-(?:dev-)?runtime$/.test(specifier) ? ['jsx', 'jsxs', 'jsxDEV', 'Fragment'] : [];
}

/** An ES module standing in for a package: every imported name is a member of one recording stub. */
export function stubModule(specifier: string, names: string[]): string {
  const lines = [`const stub = globalThis.__bottleneckStub(${JSON.stringify(specifier)});`, 'export default stub;'];
  names.forEach((name, i) => lines.push(`const e${i} = stub[${JSON.stringify(name)}];`, `export { e${i} as ${/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name)} };`));
  return lines.join('\n');
}

export interface BundleRequest {
  /** Absolute path of the user's file. */
  file: string;
  /** The text to compile in its place. */
  text: string;
  /** Where the bundle will be written (source map paths are relative to it). */
  outFile: string;
  /** Packages to bundle for real instead of stubbing (resolved from the user's project). */
  realPackages?: string[];
  /**
   * Packages replaced by a module the probe writes (ES module source, resolved from this tool's own
   * install): e.g. `pg` as the real pg-pool whose client waits a declared latency instead of a database.
   */
  shims?: Record<string, string>;
}

export interface BundleResult {
  code: string;
  /** Packages replaced by stubs, for the notes. */
  stubbed: string[];
}

/**
 * The bundle runs from a temp directory, so `import.meta.url` would name the bundle, and code that finds
 * its files from it (`createRequire(import.meta.url)('../package.json')`, `readFileSync(new URL('x.sql',
 * import.meta.url))`, `path.join(__dirname, 'x.sql')`) would look in the wrong place. Each module gets its
 * own original location instead.
 */
export function pinModuleLocation(text: string, file: string): string {
  let pinned = text;
  if (pinned.includes('import.meta.')) {
    pinned = pinned
      .replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(file).href))
      .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(file))
      .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(path.dirname(file)));
  }
  // CommonJS-style TypeScript reads `__dirname` and `__filename`, which an ES bundle does not define:
  // declared on the first line (no line moves) unless the module declares them itself.
  const declarations = [
    ['__dirname', path.dirname(file)],
    ['__filename', file],
  ]
    .filter(([name]) => new RegExp(`\\b${name}\\b`).test(pinned) && !new RegExp(`\\b(?:const|let|var|function)\\s+${name}\\b|[{,]\\s*${name}\\s*[,}]`).test(pinned))
    .map(([name, value]) => `var ${name} = ${JSON.stringify(value)};`);
  return declarations.length > 0 ? `${declarations.join(' ')} ${pinned}` : pinned;
}

const PROJECT_SOURCE = /\.(?:[cm]?[jt]s|[jt]sx)$/;

function stubPlugin(entryText: string, file: string, realPackages: Set<string>, stubbed: Set<string>, shims: Record<string, string>): Plugin {
  return {
    name: 'bottleneck-stubs',
    setup(builder) {
      builder.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'resolving' || args.namespace === STUB_NAMESPACE) return undefined;
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        // A shim's own imports (the real pool library) resolve from this tool's install.
        if (args.namespace === SHIM_NAMESPACE) return undefined;
        // Shims stand in for the user's imports only: a real package bundled here (pg) keeps its own real
        // dependencies (pg-pool) even when a shim of the same name exists.
        const fromPackage = args.importer.split(path.sep).includes('node_modules');
        // A subpath with a shim of its own (mysql2/promise) before its package's.
        const shim = Object.hasOwn(shims, args.path) ? args.path : packageName(args.path);
        if (!fromPackage && Object.hasOwn(shims, shim)) return { path: shim, namespace: SHIM_NAMESPACE };
        // A tsconfig `paths` alias looks like a package: let esbuild resolve it, and keep it when it lands
        // in the project rather than in node_modules.
        const resolved = await builder.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'resolving' });
        const inProject = resolved.errors.length === 0 && !resolved.external && !resolved.path.split(path.sep).includes('node_modules');
        if (inProject) return { path: resolved.path };
        // Only a package bundled for real has files here (stubs have none): its own dependencies are real too
        // (axios needs follow-redirects and form-data).
        if (args.importer.split(path.sep).includes('node_modules') && resolved.errors.length === 0) return { path: resolved.path };
        if (realPackages.has(packageName(args.path))) {
          if (resolved.errors.length > 0) return { errors: [{ text: `${packageName(args.path)} is not installed where ${path.basename(file)} can resolve it` }] };
          return { path: resolved.path };
        }
        // The notes list what YOUR code imports; a real package's optional dependencies it lacks (pg's
        // pg-native, knex's other dialects' drivers) are stubbed too, but are not yours.
        if (!fromPackage) stubbed.add(packageName(args.path));
        // One stub module per importer, so each exports exactly the names that importer reads.
        return { path: `${args.path}?from=${args.importer}`, namespace: STUB_NAMESPACE, pluginData: { specifier: args.path, importer: args.importer, kind: args.kind } };
      });
      // The user's own modules, bundled from where they are: read with their location pinned.
      builder.onLoad({ filter: PROJECT_SOURCE, namespace: 'file' }, (args) => {
        if (args.path.split(path.sep).includes('node_modules')) return undefined;
        return { contents: pinModuleLocation(readFileSync(args.path, 'utf8'), args.path), loader: loaderOf(args.path), resolveDir: path.dirname(args.path) };
      });
      builder.onLoad({ filter: /.*/, namespace: SHIM_NAMESPACE }, (args) => ({ contents: shims[args.path] ?? '', loader: 'js', resolveDir: OWN_DIR }));
      builder.onLoad({ filter: /.*/, namespace: STUB_NAMESPACE }, (args) => {
        const { specifier, importer, kind } = args.pluginData as { specifier: string; importer: string; kind: string };
        if (kind === 'require-call' || kind === 'dynamic-import') return { contents: `module.exports = globalThis.__bottleneckStub(${JSON.stringify(specifier)});`, loader: 'js' };
        const importerText = importer === '' || importer === '<stdin>' ? entryText : readFileSync(importer, 'utf8');
        return { contents: stubModule(specifier, [...importedNames(importerText, importer || file, specifier), ...jsxRuntimeNames(specifier)]), loader: 'js' };
      });
    },
  };
}

function loaderOf(file: string): 'ts' | 'tsx' | 'js' | 'jsx' {
  return /\.tsx$/.test(file) ? 'tsx' : /\.jsx$/.test(file) ? 'jsx' : /\.[cm]?js$/.test(file) ? 'js' : 'ts';
}

/** Bundles the module, or says why it does not compile. */
export async function bundleModule(request: BundleRequest): Promise<BundleResult | { error: string }> {
  const stubbed = new Set<string>();
  const tsconfig = nearestTsconfig(request.file);
  const attempt = (legacyDecorators: boolean) =>
    build({
      stdin: { contents: pinModuleLocation(request.text, request.file), sourcefile: request.file, resolveDir: path.dirname(request.file), loader: loaderOf(request.file) },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: 'inline',
      write: false,
      outfile: request.outFile,
      logLevel: 'silent',
      ...(tsconfig ? { tsconfig } : {}),
      ...(legacyDecorators ? { tsconfigRaw: { compilerOptions: { experimentalDecorators: true } } } : {}),
      // A module that calls require() keeps working in the ES bundle, resolving from its own directory.
      banner: { js: `import { createRequire as __bottleneckCreateRequire } from 'node:module'; const require = __bottleneckCreateRequire(${JSON.stringify(request.file)});` },
      plugins: [stubPlugin(request.text, request.file, new Set(request.realPackages ?? []), stubbed, request.shims ?? {})],
    });
  try {
    let result;
    try {
      result = await attempt(false);
    } catch (error) {
      // Legacy decorators (a parameter decorator: Nest, TypeORM) where the tsconfig found does not turn them on
      // (none, or a parent's that is not the one the project builds with).
      if (!/experimental decorators/i.test(errorText(error))) throw error;
      stubbed.clear();
      result = await attempt(true);
    }
    const output = result.outputFiles?.[0];
    if (!output) return { error: 'esbuild produced no output' };
    return { code: output.text, stubbed: [...stubbed].sort() };
  } catch (error) {
    return { error: errorText(error) };
  }
}

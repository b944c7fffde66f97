import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire, Module } from 'node:module';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import vm from 'node:vm';

/**
 * Loads a large CommonJS file (the bundled TypeScript, 9 MB) through V8's code cache, so the next run
 * deserialises its bytecode instead of compiling it again: what Node 22's `module.enableCompileCache()`
 * does (and `tsc` itself turns on), done by hand because this tool runs on Node 20. The cache holds
 * compiled code only, never results, and V8 rejects it when the source, V8 version or flags differ, in
 * which case the file is compiled as usual and the cache rewritten. Set BOTTLENECK_COMPILE_CACHE=0 to
 * turn it off. Any failure to read or write it is silent: the cache is a speed-up, never a requirement.
 */
export function requireWithCodeCache(file: string): unknown {
  if (process.env.BOTTLENECK_COMPILE_CACHE === '0') return createRequire(file)(file);
  const source = readFileSync(file, 'utf8');
  const cacheFile = cacheFileFor(file);
  let cachedData: Buffer | undefined;
  try {
    cachedData = cacheFile ? readFileSync(cacheFile) : undefined;
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as unknown };
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  if (cacheFile && isMainThread && (!cachedData || script.cachedDataRejected)) {
    // Written at exit, so the functions the run actually used are in it, compiled.
    process.once('exit', () => writeCache(cacheFile, () => script.createCachedData()));
  }
  return module.exports;
}

/**
 * Next to the code it caches, in `node_modules/.cache/bottleneck/compile` of the node_modules holding the
 * file (as the results cache and other tools' caches live): only whoever can write the tool's own
 * dependencies can write it, unlike a shared temp directory, where another user could plant bytecode.
 * A file outside node_modules is not cached.
 */
function cacheFileFor(file: string): string | undefined {
  const marker = `${path.sep}node_modules${path.sep}`;
  const at = file.lastIndexOf(marker);
  if (at === -1) return undefined;
  try {
    const { size, mtimeMs } = statSync(file);
    const key = createHash('sha1').update(`${file}\0${size}\0${mtimeMs}\0${process.version}\0${process.arch}`).digest('hex').slice(0, 16);
    return path.join(file.slice(0, at + marker.length), '.cache', 'bottleneck', 'compile', `${path.basename(file, '.js')}-${key}.bin`);
  } catch {
    return undefined;
  }
}

function writeCache(cacheFile: string, data: () => Buffer): void {
  try {
    mkdirSync(path.dirname(cacheFile), { recursive: true });
    // Write then rename, so a concurrent run never reads half a file.
    const partial = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(partial, data());
    renameSync(partial, cacheFile);
    // Caches for an earlier version of the same file (another key) are dead weight: 2.5 MB each.
    const prefix = `${path.basename(cacheFile).replace(/-[0-9a-f]+\.bin$/, '')}-`;
    for (const name of readdirSync(path.dirname(cacheFile))) {
      if (name.startsWith(prefix) && name.endsWith('.bin') && name !== path.basename(cacheFile)) rmSync(path.join(path.dirname(cacheFile), name), { force: true });
    }
  } catch {
    // A read-only or full node_modules only costs the next run its speed-up.
  }
}

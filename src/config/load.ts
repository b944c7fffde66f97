import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cosmiconfig, type Loader } from 'cosmiconfig';
import { ZodError } from 'zod';
import { ConfigError } from '../errors.js';
import type { RegisteredRule } from '../rule.js';
import { loadTypeScript } from '../scanner/ts.js';
import { buildConfigSchema, formatConfigIssues, type BottleneckConfig } from './schema.js';

export const MODULE_NAME = 'bottleneck';

/** Transpiles a TypeScript config with the bundled compiler, so users need no `typescript` install. */
const loadTypeScriptConfig: Loader = async (filepath, content) => {
  const { ts } = loadTypeScript();
  const output = ts.transpileModule(content, {
    fileName: filepath,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const dir = mkdtempSync(path.join(tmpdir(), 'bottleneck-config-'));
  const compiled = path.join(dir, 'config.mjs');
  try {
    writeFileSync(compiled, output);
    const imported = (await import(pathToFileURL(compiled).href)) as { default?: unknown };
    return imported.default ?? imported;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

export interface LoadedConfig {
  config: BottleneckConfig;
  /** The file it came from, or undefined when defaults are used. */
  filepath: string | undefined;
}

export async function loadConfig(cwd: string, explicitPath: string | undefined, rules: RegisteredRule[]): Promise<LoadedConfig> {
  const explorer = cosmiconfig(MODULE_NAME, {
    searchStrategy: 'project',
    loaders: { '.ts': loadTypeScriptConfig, '.mts': loadTypeScriptConfig, '.cts': loadTypeScriptConfig },
  });
  let raw: unknown = {};
  let filepath: string | undefined;
  try {
    if (explicitPath) {
      const absolute = path.resolve(cwd, explicitPath);
      try {
        readFileSync(absolute);
      } catch {
        throw new ConfigError(`Config file not found: ${explicitPath}`);
      }
      const loaded = await explorer.load(absolute);
      raw = loaded?.config ?? {};
      filepath = absolute;
    } else {
      const found = await explorer.search(cwd);
      if (found && !found.isEmpty) {
        raw = found.config;
        filepath = found.filepath;
      }
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const where = filepath ?? explicitPath ?? 'configuration';
    throw new ConfigError(`Cannot load ${where}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { config: validateConfig(raw ?? {}, rules, filepath), filepath };
}

export function validateConfig(raw: unknown, rules: RegisteredRule[], filepath?: string): BottleneckConfig {
  const schema = buildConfigSchema(rules);
  try {
    return schema.parse(raw);
  } catch (error) {
    if (error instanceof ZodError) {
      const where = filepath ? path.relative(process.cwd(), filepath) || filepath : 'configuration';
      throw new ConfigError(`Invalid config in ${where}:\n${formatConfigIssues(error, raw, schema).map((line) => `  - ${line}`).join('\n')}`);
    }
    throw error;
  }
}

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { getDefaultSearchPlaces } from 'cosmiconfig';
import { MODULE_NAME } from '../config/load.js';
import { publishedSchemaUrl, SCHEMA_FILE } from '../config/json-schema.js';
import { UsageError } from '../errors.js';
import { TOOL_NAME, toolVersion } from '../version.js';
import { ALL_RULES } from '../../rules/index.js';
import { EXIT_OK, writeOutputFile, type Io } from './io.js';

const FORMATS = ['yaml', 'json', 'ts', 'mjs'] as const;
type InitFormat = (typeof FORMATS)[number];

const FILE_NAMES: Record<InitFormat, string> = {
  yaml: '.bottleneckrc.yaml',
  json: '.bottleneckrc.json',
  ts: 'bottleneck.config.ts',
  mjs: 'bottleneck.config.mjs',
};

export interface InitFlags {
  format: InitFormat;
  force?: boolean;
}

/**
 * The schema an editor should read: the installed package's copy when the project has one (works offline and
 * matches the installed version), else the published copy of this version.
 */
function schemaReference(cwd: string): string {
  const local = path.join('node_modules', 'bottleneck-cli', SCHEMA_FILE);
  return existsSync(path.join(cwd, local)) ? `./${local.split(path.sep).join('/')}` : publishedSchemaUrl(toolVersion());
}

/** The config files already in `cwd`, in the order the config search would find them. */
function existingConfigs(cwd: string): string[] {
  return getDefaultSearchPlaces(MODULE_NAME).filter((place) => {
    const file = path.join(cwd, place);
    if (!existsSync(file)) return false;
    if (place !== 'package.json') return true;
    try {
      return MODULE_NAME in (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>);
    } catch {
      return false;
    }
  });
}

const RULE_IDS = () => ALL_RULES.map((rule) => rule.meta.id);

/** The commented config, written by hand per format so each reads as its own kind of file. */
export function initConfigText(format: InitFormat, schema: string): string {
  const ids = RULE_IDS();
  const comment = (prefix: string) => (text: string, indent = '') =>
    text
      .split('\n')
      .map((line) => `${indent}${prefix}${line}`.trimEnd())
      .join('\n');
  const ruleList = `Rules: ${ids.join(', ')}.`;
  switch (format) {
    case 'json':
      // JSON has no comments: the schema's descriptions show in the editor instead.
      return `${JSON.stringify({ $schema: schema, failOn: 'critical', exclude: [], rules: {}, overrides: [] }, null, 2)}\n`;
    case 'yaml': {
      const c = comment('# ');
      return [
        c(`bottleneck configuration (${TOOL_NAME} ${toolVersion()}). Everything here is optional; see the README's "Configuration".`),
        `# yaml-language-server: $schema=${schema}`,
        `$schema: ${JSON.stringify(schema)}`,
        '',
        c('Exit 1 when a finding is at or above this severity: critical, high, medium, low, info, or none (never).'),
        'failOn: critical',
        '',
        c('Skip files matching these globs, relative to the working directory (node_modules, build output\nand .gitignore\'d files are skipped already).'),
        'exclude: []',
        '',
        c(`Per rule: off, a severity, or { severity, options }. ${ruleList}\n"bottleneck rules <id>" shows a rule's options.`),
        '# rules:',
        '#   sequential-await: { options: { minAwaits: 3 } }',
        '#   uncleared-timer: off',
        '',
        c('Rule settings by path, applied in order after `rules` (later entries win); globs are relative to this file.'),
        '# overrides:',
        '#   - files: ["scripts/**"]',
        '#     rules: { sequential-await: off }',
        '',
      ].join('\n');
    }
    case 'ts':
    case 'mjs': {
      const c = comment('// ');
      const typed = format === 'ts';
      return [
        c(`bottleneck configuration (${TOOL_NAME} ${toolVersion()}). Everything here is optional; see the README's "Configuration".`),
        ...(typed ? [c('The type import is erased when the config loads: it needs bottleneck-cli installed only for your editor.'), "import type { BottleneckConfigInput } from 'bottleneck-cli';", ''] : ['']),
        `const config${typed ? ': BottleneckConfigInput' : ''} = {`,
        c('Exit 1 when a finding is at or above this severity: critical, high, medium, low, info, or none (never).', '  '),
        "  failOn: 'critical',",
        c("Skip files matching these globs, relative to the working directory (node_modules, build output\nand .gitignore'd files are skipped already).", '  '),
        '  exclude: [],',
        c(`Per rule: 'off', a severity, or { severity, options }. ${ruleList}\n"bottleneck rules <id>" shows a rule's options.`, '  '),
        '  rules: {',
        "    // 'sequential-await': { options: { minAwaits: 3 } },",
        "    // 'uncleared-timer': 'off',",
        '  },',
        c('Rule settings by path, applied in order after `rules` (later entries win); globs are relative to this file.', '  '),
        '  overrides: [',
        "    // { files: ['scripts/**'], rules: { 'sequential-await': 'off' } },",
        '  ],',
        '};',
        '',
        'export default config;',
        '',
      ].join('\n');
    }
  }
}

export function runInit(flags: InitFlags, io: Io): number {
  const name = FILE_NAMES[flags.format];
  const existing = existingConfigs(io.cwd);
  const other = existing.filter((place) => place !== name);
  if (other.length > 0) {
    // Two config files would leave one silently unused: the search takes the first it finds.
    throw new UsageError(`${other.map((place) => (place === 'package.json' ? 'package.json ("bottleneck" key)' : place)).join(', ')} already configure${other.length === 1 ? 's' : ''} bottleneck here; edit ${other.length === 1 ? 'it' : 'them'} or remove ${other.length === 1 ? 'it' : 'them'} first`);
  }
  if (existing.includes(name) && !flags.force) throw new UsageError(`${name} already exists; run "bottleneck init --force" to overwrite it`);
  writeOutputFile(path.join(io.cwd, name), name, initConfigText(flags.format, schemaReference(io.cwd)));
  io.stderr(`Wrote ${name}${existing.includes(name) ? ' (overwritten)' : ''}\n`);
  return EXIT_OK;
}

export function initCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('init')
    .description('Write a commented config file in the current directory (refuses to overwrite one without --force)')
    .addOption(new Option('--format <format>', 'yaml (.bottleneckrc.yaml), json (.bottleneckrc.json), ts (bottleneck.config.ts) or mjs (bottleneck.config.mjs)').choices(FORMATS).default('yaml'))
    .option('--force', 'overwrite the config file of that name if it exists')
    .action((flags: InitFlags) => {
      setExit(runInit(flags, io));
    });
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { UsageError } from '../errors.js';
import { packageRoot } from '../version.js';
import { ALL_RULES, findRule } from '../../rules/index.js';
import { EXIT_OK, type Io } from './io.js';

function listRules(io: Io): number {
  const rows = ALL_RULES.map((rule) => [rule.meta.id, rule.meta.category, rule.meta.defaultSeverity, rule.meta.description]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => (row[i] ?? '').length), ['id', 'category', 'severity'][i]?.length ?? 0));
  const line = (row: string[]) => row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i] ?? 0) : cell)).join('  ');
  io.stdout(`${[line(['id', 'category', 'severity', 'description']), ...rows.map(line)].join('\n')}\n`);
  return EXIT_OK;
}

function showRule(id: string, io: Io): number {
  const rule = findRule(id);
  if (!rule) throw new UsageError(`Unknown rule "${id}". Run "bottleneck rules" to list the rules.`);
  io.stdout(readFileSync(path.join(packageRoot(), 'rules', `${rule.meta.id}.md`), 'utf8'));
  return EXIT_OK;
}

export function rulesCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('rules')
    .description("List the rules, or show one rule's documentation")
    .argument('[id]', 'rule id')
    .action((id: string | undefined) => {
      setExit(id ? showRule(id, io) : listRules(io));
    });
}

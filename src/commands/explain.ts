import path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { UsageError } from '../errors.js';
import type { Finding } from '../findings.js';
import type { ProjectModel } from '../model/link.js';
import type { FunctionSummary, LinkedFunction } from '../model/types.js';
import { chainText } from '../model/view.js';
import { scan } from '../scanner/engine.js';
import { toolVersion } from '../version.js';
import { ALL_RULES } from '../../rules/index.js';
import { EXIT_OK, type Io } from './io.js';
import { targetRequest } from './scan.js';

/**
 * `bottleneck explain <file>:<line>`: what the project model knows about the function at that line (its
 * effects with the chain behind each, its role and callers, its memo and limiters) and the findings in it,
 * so a user can see why the tool decided what it did.
 */

interface ExplainFlags {
  config?: string;
  format: string;
  root: string[];
}

export interface Explanation {
  file: string;
  line: number;
  function: {
    name: string;
    line: number;
    endLine: number;
    role: LinkedFunction['role'];
    roleReason: string;
    /** Declared routes whose handlers reach it: `GET /orders/:id (src/routes.ts:10, express, handler getOrder)`. */
    routes?: string[];
    effects: Array<{ kind: string; access: string; chain: string; at: string }>;
    memo?: string;
    /** Why a call of it answers from memory after its first one (LinkedFunction.memoisedRead). */
    memoisedRead?: string;
    limiters: string[];
    /** `runs inside a transaction opened by <caller> (file:line)`, when every call site is in one (link.ts). */
    transaction?: string;
    /** Some callers run it inside a transaction and some do not. */
    transactionPartly?: string;
    validatorOnly: boolean;
    /** Its work writes: the chain to the first write, whatever it reads first (`updateOne -> this.repo.update`). */
    writes?: { chain: string; at: string; assumed?: boolean };
    /** An existence or permission check: what it reads and where it throws on it. */
    guard?: string;
    callers: string[];
    calls: string[];
  } | null;
  /** `cost`: the grade's judgement of one execution, with its reason (for a loop, how large N is and why). */
  findings: Array<Pick<Finding, 'ruleId' | 'severity' | 'confidence' | 'line' | 'column' | 'message'> & { cost?: string }>;
}

function parseTarget(target: string): { file: string; line: number } {
  const match = /^(.+):(\d+)(?::\d+)?$/.exec(target);
  const line = Number(match?.[2]);
  if (!match?.[1] || !Number.isInteger(line) || line < 1) throw new UsageError(`Invalid location "${target}". Expected <file>:<line>, e.g. src/users/service.ts:42`);
  return { file: match[1], line };
}

function innermostAt(functions: FunctionSummary[], line: number): FunctionSummary | undefined {
  let best: FunctionSummary | undefined;
  for (const fn of functions) {
    if (fn.line <= line && line <= fn.endLine && (!best || fn.endLine - fn.line < best.endLine - best.line)) best = fn;
  }
  return best;
}

export async function explain(target: string, flags: ExplainFlags, io: Io): Promise<Explanation> {
  const { file: rawFile, line } = parseTarget(target);
  const file = path.relative(io.cwd, path.resolve(io.cwd, rawFile)).split(path.sep).join('/');
  const { config, filepath } = await loadConfig(io.cwd, flags.config, ALL_RULES);
  let model: ProjectModel | undefined;
  const result = await scan({
    ...targetRequest(flags.root, { include: [], exclude: [], rule: [] }, config, io, filepath),
    toolVersion: toolVersion(),
    onModel: (built) => {
      model = built;
    },
  });
  const summary = model?.summaryOf(file);
  if (!model || !summary) throw new UsageError(`${file} is not among the scanned files (scanned from ${flags.root.join(', ')}); pass --root to scan the project it belongs to`);
  const fn = innermostAt(summary.functions, line);
  const findings = result.findings
    .filter((f) => f.file === file && (fn ? f.line >= fn.line && f.line <= fn.endLine : f.line === line))
    .map((f) => {
      const cost = f.evidence.find((e) => e.startsWith('cost of one execution: '));
      return { ruleId: f.ruleId, severity: f.severity, confidence: f.confidence, line: f.line, column: f.column, message: f.message, ...(cost ? { cost: cost.slice('cost of one execution: '.length) } : {}) };
    });
  if (!fn) return { file, line, function: null, findings };
  const linked = model.linkedFunction(file, fn.key);
  return {
    file,
    line,
    function: {
      name: fn.key,
      line: fn.line,
      endLine: fn.endLine,
      role: linked?.role ?? 'unknown',
      roleReason: linked?.roleReason || 'no caller or entry point found in the scanned files: how often it runs is unknown',
      ...(linked?.routes?.length ? { routes: linked.routes.map((r) => `${r.method} ${r.path} (${r.file}:${r.line}, ${r.framework}, handler ${r.handler})`) } : {}),
      effects: (linked?.effects ?? []).map((e) => ({ kind: e.kind, access: e.access, chain: chainText(e, fn.key), at: `${e.file}:${e.line}` })),
      ...(fn.memo ? { memo: fn.memo } : {}),
      ...(linked?.memoisedRead ? { memoisedRead: linked.memoisedRead } : {}),
      limiters: linked?.limiters ?? [],
      ...(linked?.transaction ? { transaction: linked.transaction } : {}),
      ...(linked?.transactionPartly ? { transactionPartly: linked.transactionPartly } : {}),
      validatorOnly: fn.validatorOnly,
      ...(linked?.writes ? { writes: { chain: [fn.key, ...linked.writes.chain, linked.writes.via].join(' -> '), at: `${linked.writes.file}${linked.writes.line > 0 ? `:${linked.writes.line}` : ''}`, ...(linked.writes.assumed ? { assumed: true } : {}) } } : {}),
      ...(linked?.guard ? { guard: linked.guard } : {}),
      callers: model.callersOf(file, fn.key),
      calls: fn.calls.map((call) => {
        const id = model?.resolveRef(file, call.ref);
        return `${call.line}: ${describeRef(call.ref)} -> ${id ?? 'not found in the project'}`;
      }),
    },
    findings,
  };
}

function describeRef(ref: FunctionSummary['calls'][number]['ref']): string {
  switch (ref.kind) {
    case 'local':
      return ref.member ? `${ref.name}.${ref.member}` : ref.name;
    case 'import':
      return `${ref.path.join('.') || 'default'} from '${ref.module}'`;
    case 'this':
      return `this.${ref.method}`;
    case 'field':
      return `this.${ref.field}.${ref.method}`;
    case 'returned':
      return `(what ${describeRef(ref.factory)} returns).${ref.members.join('.')}`;
    case 'passed':
      return `(parameter ${ref.parameter + 1} of the callback given to ${describeRef(ref.callee)}).${ref.members.join('.')}`;
  }
}

export function formatExplanation(explanation: Explanation): string {
  const lines: string[] = [];
  const fn = explanation.function;
  if (!fn) {
    lines.push(`${explanation.file}:${explanation.line} is at module top level: it runs once, when the module loads.`);
  } else {
    lines.push(`${explanation.file}:${fn.line}-${fn.endLine}  ${fn.name}`);
    lines.push(`  runs: ${fn.role} — ${fn.roleReason}`);
    if (fn.routes) lines.push(`  reached from routes: ${fn.routes.join('; ')}`);
    lines.push('  effects:');
    if (fn.effects.length === 0) lines.push('    none found: no I/O in its body or in the project functions it calls');
    for (const effect of fn.effects) lines.push(`    ${effect.kind} ${effect.access}: ${effect.chain}  (${effect.at})`);
    if (fn.memoisedRead) lines.push(`  answers from memory after its first call: ${fn.memoisedRead}`);
    else if (fn.memo) lines.push(`  memoised in ${fn.memo}: later calls return the first result`);
    if (fn.limiters.length > 0) lines.push(`  goes through a limiter: ${fn.limiters.join(', ')}`);
    if (fn.transaction) lines.push(`  ${fn.transaction}: its database calls share one connection`);
    if (fn.transactionPartly) lines.push(`  ${fn.transactionPartly}`);
    if (fn.validatorOnly) lines.push('  a fail-fast check: throws on some path and returns no value');
    if (fn.writes) lines.push(`  writes: ${fn.writes.chain}  (${fn.writes.at})${fn.writes.assumed ? ' (assumed: a call the model cannot follow whose name reads as a write)' : ''}: a write for independence, whatever it reads first`);
    if (fn.guard) lines.push(`  a guard: ${fn.guard}; what is awaited after it stays after it`);
    lines.push(`  callers${fn.callers.length === 0 ? ': none found in the scanned files' : ':'}`);
    for (const caller of fn.callers) lines.push(`    ${caller}`);
    if (fn.calls.length > 0) {
      lines.push('  calls into project code:');
      for (const call of fn.calls) lines.push(`    ${call}`);
    }
  }
  lines.push(`  findings${explanation.findings.length === 0 ? ': none' : ':'}`);
  for (const f of explanation.findings) {
    lines.push(`    ${f.line}:${f.column} ${f.ruleId} ${f.severity} (${f.confidence} confidence): ${f.message}`);
    if (f.cost) lines.push(`      cost of one execution: ${f.cost}`);
  }
  return `${lines.join('\n')}\n`;
}

export function explainCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('explain')
    .description('Show what the project model knows about the function at <file>:<line>: effects, role, callers, findings')
    .argument('<location>', '<file>:<line>')
    .option('-c, --config <path>', 'use this config file instead of searching for one')
    .option('--root <path>', 'the files the model is built from (repeatable; default: the current directory)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('-f, --format <name>', 'terminal or json', 'terminal')
    .action(async (location: string, flags: ExplainFlags) => {
      if (flags.format !== 'terminal' && flags.format !== 'json') throw new UsageError(`Invalid --format "${flags.format}" for explain. Expected terminal or json`);
      const explanation = await explain(location, { ...flags, root: flags.root.length > 0 ? flags.root : ['.'] }, io);
      io.stdout(flags.format === 'json' ? `${JSON.stringify(explanation, null, 2)}\n` : formatExplanation(explanation));
      setExit(EXIT_OK);
    });
}

#!/usr/bin/env node
/**
 * Checks every fix of a JSON report against the files it names with the judgement `scan --fix` applies
 * (verifyFixed, src/fixes/plan.ts): applied as given, the file must parse, declare no name twice and gain no
 * type error when compiled on its own. For measuring the fixes on a
 * repository the tool was not written for; nothing is written to the scanned files.
 *
 *   node scripts/check-fixes.mjs REPORT.json [--root DIR] [--no-unused] [--json]
 *
 * DIR (default: the current directory) is where the report's relative paths start: the scan's cwd.
 * --no-unused also counts names a fix leaves unused (`noUnusedLocals`/`noUnusedParameters`), as a project
 * that turns those on would.
 * Exit code: 0 every fix passed, 1 some fix failed, 2 bad input.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const { applyEdits } = await import(path.join(here, '../dist/src/fixes/edits.js'));
const { IsolatedTypeChecker } = await import(path.join(here, '../dist/src/fixes/verify.js'));
// The same judgement `scan --fix` makes before it keeps a fix (src/fixes/plan.ts).
const { verifyFixed } = await import(path.join(here, '../dist/src/fixes/plan.js'));
const { loadTypeScript } = await import(path.join(here, '../dist/src/scanner/ts.js'));
loadTypeScript();

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] ? args[at + 1] : fallback;
};
const reportPath = args.find((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--root');
if (!reportPath) {
  console.error('usage: node scripts/check-fixes.mjs REPORT.json [--root DIR] [--no-unused] [--json]');
  process.exit(2);
}
const root = path.resolve(option('--root', '.'));

let report;
try {
  report = JSON.parse(readFileSync(reportPath, 'utf8'));
} catch (error) {
  console.error(`check-fixes: cannot read ${reportPath} as a JSON report: ${error.message}`);
  process.exit(2);
}
if (!Array.isArray(report.findings)) {
  console.error(`check-fixes: ${reportPath}: "findings" is not an array (expected a \`bottleneck scan --format json\` report)`);
  process.exit(2);
}

const checker = new IsolatedTypeChecker(flag('--no-unused') ? { noUnusedLocals: true, noUnusedParameters: true } : {});
const originals = new Map();
const original = (file) => {
  let entry = originals.get(file);
  if (!entry) {
    const text = readFileSync(path.resolve(root, file), 'utf8');
    entry = { text, diagnostics: checker.diagnostics(text, file) };
    originals.set(file, entry);
  }
  return entry;
};

const results = [];
for (const finding of report.findings) {
  const edits = finding.fix?.edits ?? [];
  if (edits.length === 0) continue;
  const problems = [];
  for (const file of new Set(edits.map((edit) => edit.file))) {
    let entry;
    try {
      entry = original(file);
    } catch (error) {
      problems.push(`${file}: unreadable (${error.code ?? error.message})`);
      continue;
    }
    let fixed;
    try {
      fixed = applyEdits(entry.text, edits.filter((edit) => edit.file === file));
    } catch (error) {
      problems.push(`${file}: the edits do not apply (${error.message})`);
      continue;
    }
    const problem = verifyFixed(entry.text, fixed, file, checker, entry.diagnostics);
    if (problem) problems.push(`${file}: ${problem}`);
  }
  results.push({ ruleId: finding.ruleId, location: `${finding.file}:${finding.line}:${finding.column}`, mechanical: Boolean(finding.fix.mechanical), ok: problems.length === 0, problems });
}

const failed = results.filter((r) => !r.ok);
if (flag('--json')) {
  process.stdout.write(`${JSON.stringify({ checked: results.length, failed: failed.length, results }, null, 2)}\n`);
} else {
  for (const r of results) {
    process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.location} ${r.ruleId}${r.mechanical ? ' (mechanical)' : ''}\n`);
    for (const problem of r.problems) process.stdout.write(`       ${problem}\n`);
  }
  process.stdout.write(`${results.length} fixes with edits checked: ${results.length - failed.length} pass, ${failed.length} fail\n`);
}
process.exit(failed.length > 0 ? 1 : 0);

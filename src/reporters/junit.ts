import { isAtOrAbove } from '../findings.js';
import type { Finding } from '../findings.js';
import type { Reporter } from './types.js';
import { verificationLine, verificationOf } from './verification.js';

/**
 * JUnit XML for CI systems that show test reports (GitLab `artifacts:reports:junit`, Jenkins, Azure).
 * One test suite per rule family; one test case per finding, failed when it is at or above `--fail-on`
 * (so the report agrees with the exit code), passed with its details in `system-out` below it, skipped
 * when suppressed inline. A rule with no findings gets one passing case so the suite shows it ran.
 */

// XML 1.0 forbids most control characters even when escaped.
const INVALID_XML = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function escapeXml(value: string): string {
  return value
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function familyOf(ruleId: string): string {
  return ruleId.split('/')[0] ?? ruleId;
}

function details(f: Finding): string {
  const verification = verificationOf(f);
  return [
    `${f.file}:${f.line}:${f.column} ${f.severity} (confidence ${f.confidence}) ${f.ruleId}`,
    f.message,
    ...f.evidence.map((e) => `- ${e}`),
    f.impact ? `Impact: ${f.impact}` : '',
    verification ? verificationLine(verification) : '',
    `Fix (${f.effort}): ${f.fix.description}`,
    f.fix.replacement,
  ]
    .filter(Boolean)
    .join('\n');
}

export const junitReporter: Reporter = ({ result, tool, failOn, rules = [] }) => {
  const suites = new Map<string, string[]>();
  const counts = new Map<string, { tests: number; failures: number; skipped: number }>();
  const suite = (family: string) => {
    if (!suites.has(family)) {
      suites.set(family, []);
      counts.set(family, { tests: 0, failures: 0, skipped: 0 });
    }
    return { cases: suites.get(family) ?? [], count: counts.get(family) ?? { tests: 0, failures: 0, skipped: 0 } };
  };
  for (const rule of rules) suite(rule.id);
  for (const f of result.findings) {
    const { cases, count } = suite(familyOf(f.ruleId));
    const name = escapeXml(`${f.file}:${f.line} ${f.message}`);
    const classname = escapeXml(f.file);
    count.tests += 1;
    if (failOn !== 'none' && isAtOrAbove(f.severity, failOn)) {
      count.failures += 1;
      cases.push(
        `    <testcase name="${name}" classname="${classname}" file="${classname}" line="${f.line}">\n` +
          `      <failure message="${escapeXml(f.message)}" type="${escapeXml(f.severity)}">${escapeXml(details(f))}</failure>\n` +
          `    </testcase>`,
      );
    } else {
      cases.push(
        `    <testcase name="${name}" classname="${classname}" file="${classname}" line="${f.line}">\n` +
          `      <system-out>${escapeXml(details(f))}</system-out>\n` +
          `    </testcase>`,
      );
    }
  }
  for (const { finding: f, suppression } of result.suppressed ?? []) {
    const { cases, count } = suite(familyOf(f.ruleId));
    count.tests += 1;
    count.skipped += 1;
    const reason = `suppressed by bottleneck-disable-${suppression.kind}${suppression.reason ? `: ${suppression.reason}` : ' (no reason given)'}`;
    cases.push(
      `    <testcase name="${escapeXml(`${f.file}:${f.line} ${f.message}`)}" classname="${escapeXml(f.file)}" file="${escapeXml(f.file)}" line="${f.line}">\n` +
        `      <skipped message="${escapeXml(reason)}"/>\n` +
        `    </testcase>`,
    );
  }
  const body: string[] = [];
  let tests = 0;
  let failures = 0;
  let skipped = 0;
  for (const [family, cases] of [...suites.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const count = counts.get(family) ?? { tests: 0, failures: 0, skipped: 0 };
    if (count.tests === 0) {
      count.tests = 1;
      cases.push(`    <testcase name="${escapeXml(`${family}: no findings`)}" classname="${escapeXml(tool.name)}"/>`);
    }
    tests += count.tests;
    failures += count.failures;
    skipped += count.skipped;
    body.push(
      `  <testsuite name="${escapeXml(`${tool.name}.${family}`)}" tests="${count.tests}" failures="${count.failures}" errors="0" skipped="${count.skipped}">\n${cases.join('\n')}\n  </testsuite>`,
    );
  }
  const errors = result.errors.length;
  if (errors > 0) {
    const cases = result.errors.map(
      (e) =>
        `    <testcase name="${escapeXml(e.line ? `${e.file}:${e.line}` : e.file)}" classname="${escapeXml(e.file)}">\n      <error message="${escapeXml(e.message)}"/>\n    </testcase>`,
    );
    body.push(`  <testsuite name="${escapeXml(`${tool.name}.errors`)}" tests="${errors}" failures="0" errors="${errors}" skipped="0">\n${cases.join('\n')}\n  </testsuite>`);
    tests += errors;
  }
  const time = (result.summary.durationMs / 1000).toFixed(3);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="${escapeXml(`${tool.name} ${tool.version}`)}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time}">\n` +
    `${body.join('\n')}\n</testsuites>\n`
  );
};

import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

// The scan is wrapped so that, by the clock, it takes a minute: no real waiting, and the outcome does not depend
// on how fast this machine is.
const SCAN_CLOCK_MS = 60_000;
let scanCalls = 0;
vi.mock('../../src/scanner/engine.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/scanner/engine.js')>();
  return {
    ...original,
    scan: async (...args: Parameters<typeof original.scan>) => {
      const result = await original.scan(...args);
      scanCalls++;
      vi.setSystemTime(Date.now() + SCAN_CLOCK_MS);
      return result;
    },
  };
});

const { main } = await import('../../src/cli.js');

const root = path.resolve(import.meta.dirname, '../..');

async function probe(budget: string) {
  let stdout = '';
  let stderr = '';
  const code = await main(['probe', 'fixtures/fake-compression/cache-codec.ts', '--rule', 'fake-compression', '--budget', budget, '--format', 'json'], {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
    isTTY: false,
    stderrIsTTY: false,
  });
  const report = JSON.parse(stdout) as { findings: Array<{ ruleId: string; verification?: { status: string; reason?: string } }> };
  return { code, stderr, report };
}

describe('probe --budget includes the scan', () => {
  afterEach(() => {
    vi.useRealTimers();
    scanCalls = 0;
  });

  it('a scan that used up the budget leaves no time for probes', async () => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    const { code, report } = await probe('30');
    expect(code).toBe(0);
    expect(scanCalls).toBe(1);
    expect(report.findings.length).toBeGreaterThan(0);
    for (const finding of report.findings) {
      expect(finding.verification?.status, finding.ruleId).toBe('skipped');
      expect(finding.verification?.reason).toMatch(/out of budget/);
    }
  });

  it('a budget larger than the scan still probes (the same finding, so the test above is not vacuous)', async () => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    // Two seconds left after the scan's minute: enough for the probe's minimum share.
    const { code, report } = await probe(String(SCAN_CLOCK_MS / 1000 + 2));
    expect(code).toBe(0);
    expect(scanCalls).toBe(1);
    expect(report.findings.some((finding) => finding.verification?.status === 'demonstrated')).toBe(true);
  });
});

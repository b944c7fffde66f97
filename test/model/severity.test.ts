import { describe, expect, it } from 'vitest';
import { grade } from '../../src/model/severity.js';

describe('grade(): the one severity table', () => {
  it('gives critical only to a heavy, proven, per-request cost the rule is sure of', () => {
    expect(grade({ cost: 'heavy', costReason: 'x', role: 'request', evidence: 'proven' }).severity).toBe('critical');
    // A match the rule is less sure of caps the confidence, and critical needs high confidence.
    const unsure = grade({ cost: 'heavy', costReason: 'x', role: 'request', evidence: 'proven', match: 'medium' });
    expect([unsure.severity, unsure.confidence]).toEqual(['high', 'medium']);
    expect(grade({ cost: 'heavy', costReason: 'x', role: 'request', evidence: 'assumed' }).severity).toBe('high');
    expect(grade({ cost: 'heavy', costReason: 'x', role: 'unknown', evidence: 'proven' }).severity).toBe('high');
    expect(grade({ cost: 'heavy', costReason: 'x', role: 'background', evidence: 'proven', inLoop: true }).severity).toBe('high');
  });

  it('lowers one step per named reason and says so', () => {
    const graded = grade({ cost: 'moderate', costReason: 'x', role: 'request', evidence: 'proven', lower: ['front-end code', '.unref()'] });
    expect(graded.severity).toBe('low');
    expect(graded.reasons.join('\n')).toContain('front-end code: lowered to medium');
    expect(graded.reasons.join('\n')).toContain('.unref(): lowered to low');
  });

  it('caps the grade where the setting bounds the cost (front-end code), after the loop raise', () => {
    const capped = grade({ cost: 'heavy', costReason: 'x', role: 'request', evidence: 'proven', inLoop: true, cap: { severity: 'low', reason: 'front-end code' } });
    expect(capped.severity).toBe('low');
    expect(capped.reasons.join('\n')).toContain('front-end code: at most low');
    expect(grade({ cost: 'light', costReason: 'x', role: 'background', evidence: 'proven', cap: { severity: 'low', reason: 'front-end code' } }).severity).toBe('low');
  });

  it('does not report code that runs once unless asked, except a cost its single run pays', () => {
    expect(grade({ cost: 'heavy', costReason: 'x', role: 'once', evidence: 'proven' }).severity).toBeUndefined();
    expect(grade({ cost: 'heavy', costReason: 'x', role: 'once', evidence: 'proven', includeOnce: true }).severity).toBe('low');
    const cli = grade({ cost: 'heavy', costReason: 'x', role: 'once', evidence: 'proven', onceCost: 'the CLI never exits' });
    expect(cli.severity).toBe('high');
    expect(cli.reasons.join('\n')).toContain('graded like background code');
  });
});

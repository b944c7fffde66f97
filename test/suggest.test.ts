import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance, suggestSimilar } from '../src/config/suggest.js';

describe('did you mean', () => {
  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('hgih', 'high')).toBe(1);
    expect(editDistance('minAwait', 'minAwaits')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests only close candidates', () => {
    expect(suggestSimilar('sequental-await', ['sequential-await', 'uncleared-timer'])).toEqual(['sequential-await']);
    expect(didYouMean('xyz', ['sequential-await', 'high'])).toBe('');
    expect(didYouMean('hihg', ['critical', 'high', 'low'])).toBe(' (did you mean "high"?)');
  });
});

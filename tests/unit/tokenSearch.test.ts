// Finding tokens by text: the exact token first, then the word with its leading space, then prefixes, then
// substrings; nothing for an empty query.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { findTokens, matchRank } from '../../src/engine/tokenSearch';

const VOCAB = ['sun', ' sunny', 'sunny', ' Sunny', ' sunshine', 'unsunny', ' cloudy', '晴朗', '晴', ' '];

describe('findTokens', () => {
  it('ranks an exact match, then the same word with its space, then prefixes, then substrings', () => {
    expect(findTokens(VOCAB.length, (id) => VOCAB[id], 'sunny', 10).map((m) => m.text)).toEqual(['sunny', ' sunny', ' Sunny', 'unsunny']);
    expect(findTokens(VOCAB.length, (id) => VOCAB[id], ' sunny', 10)[0]).toEqual({ id: 1, text: ' sunny' });
    expect(findTokens(VOCAB.length, (id) => VOCAB[id], 'sun', 3).map((m) => m.id)).toEqual([0, 2, 1]);
    expect(findTokens(VOCAB.length, (id) => VOCAB[id], '晴', 10).map((m) => m.text)).toEqual(['晴', '晴朗']);
  });

  it('finds nothing for an empty or blank query, and never more than the limit', () => {
    expect(findTokens(VOCAB.length, (id) => VOCAB[id], '', 10)).toEqual([]);
    expect(findTokens(VOCAB.length, (id) => VOCAB[id], '   ', 10).map((m) => m.text)).toEqual([]);
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 5 }), (q, limit) => {
      const found = findTokens(VOCAB.length, (id) => VOCAB[id], q, limit);
      expect(found.length).toBeLessThanOrEqual(limit);
      for (const m of found) expect(matchRank(m.text, q)).not.toBeNull();
    }));
  });
});

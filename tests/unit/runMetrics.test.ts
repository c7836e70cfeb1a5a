// Run metrics on hand-made runs: every formula checked against numbers worked out by hand.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bestAndWorst, distinctN, laneMetrics, rawTokenStats, repetition4, runMetrics, type MetricStep } from '../../src/core';

const step = (tokenId: number, logprobRaw: number, logprobSampled = 0, entropyRaw = 0): MetricStep => ({ tokenId, logprobRaw, logprobSampled, entropyRaw });

describe('run metrics', () => {
  it('logprob, perplexity, logprob_sampled and entropy_mean of a hand-made run', () => {
    const steps = [step(1, Math.log(0.5), Math.log(0.8), 1), step(2, Math.log(0.25), Math.log(0.5), 2), step(1, Math.log(0.5), 0, 0.5)];
    const m = runMetrics(steps);
    expect(m.logprob).toBeCloseTo(Math.log(0.5 * 0.25 * 0.5), 12);
    // exp(−logprob / n) = (1 / 0.0625)^(1/3)
    expect(m.perplexity).toBeCloseTo(16 ** (1 / 3), 12);
    expect(m.logprob_sampled).toBeCloseTo(Math.log(0.4), 12);
    expect(m.entropy_mean).toBeCloseTo(3.5 / 3, 12);
    expect(m.tokens).toBe(3);
  });

  it('distinct_1 and distinct_2: distinct n-grams over all n-grams', () => {
    expect(distinctN([[1, 2, 1, 2, 3]], 1)).toBeCloseTo(3 / 5);
    // bigrams 12, 21, 12, 23 → 3 distinct of 4
    expect(distinctN([[1, 2, 1, 2, 3]], 2)).toBeCloseTo(3 / 4);
    expect(distinctN([[7]], 2)).toBe(0);
    // pooled over samples: [1,2] and [1,2] → 2 distinct unigrams of 4
    expect(distinctN([[1, 2], [1, 2]], 1)).toBe(0.5);
  });

  it('repetition_4: share of 4-gram end positions whose 4-gram occurred earlier', () => {
    expect(repetition4([1, 2, 3])).toBe(0);
    expect(repetition4([1, 2, 3, 4])).toBe(0);
    // 1234 5 1234: grams 1234, 2345, 3451, 4512, 5123, 1234 → 1 repeat of 6
    expect(repetition4([1, 2, 3, 4, 5, 1, 2, 3, 4])).toBeCloseTo(1 / 6);
    // a a a a a a: aaaa ×3 → 2 repeats of 3
    expect(repetition4([9, 9, 9, 9, 9, 9])).toBeCloseTo(2 / 3);
  });

  it('a run without tokens has zeros, never NaN', () => {
    const m = runMetrics([]);
    for (const v of Object.values(m)) expect(v).toBe(0);
  });

  it('lane figures: mean over samples, distinct_n pooled, spread as the standard deviation', () => {
    const a = [step(1, -1), step(2, -1)];
    const b = [step(1, -3), step(1, -3)];
    const lane = laneMetrics([a, b]);
    expect(lane.value.logprob).toBe(-4);
    expect(lane.spread.logprob).toBe(2);
    expect(lane.value.distinct_1).toBe(0.5); // ids 1,2,1,1 → 2 of 4
    expect(lane.value.tokens).toBe(2);
  });

  it('rawTokenStats: log-softmax and entropy of raw logits, −Infinity tokens impossible', () => {
    const logits = [Math.log(1), Math.log(3), -Infinity];
    const s = rawTokenStats(logits, 1);
    expect(s.logprob).toBeCloseTo(Math.log(0.75), 12);
    expect(s.entropy).toBeCloseTo(-(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)), 12);
    expect(rawTokenStats(logits, 2).logprob).toBe(-Infinity);
    fc.assert(fc.property(fc.array(fc.double({ min: -30, max: 30, noNaN: true }), { minLength: 1, maxLength: 50 }), (zs) => {
      const max = Math.max(...zs);
      const z = zs.reduce((acc, v) => acc + Math.exp(v - max), 0);
      const p = zs.map((v) => Math.exp(v - max) / z);
      const h = -p.reduce((acc, q) => acc + (q > 0 ? q * Math.log(q) : 0), 0);
      const got = rawTokenStats(zs, 0);
      expect(got.logprob).toBeCloseTo(Math.log(p[0]), 9);
      expect(got.entropy).toBeCloseTo(h, 9);
    }));
  });

  it('best and worst lane by each metric’s better side', () => {
    expect(bestAndWorst([-5, -2, -9], 'logprob')).toEqual({ best: 1, worst: 2 });
    expect(bestAndWorst([3, 1.5, 8], 'perplexity')).toEqual({ best: 1, worst: 2 });
    expect(bestAndWorst([1, 1], 'distinct_1')).toBeNull();
    expect(bestAndWorst([1, 2], 'tokens')).toBeNull();
  });
});

// The table exponential against Math.exp, alone and as the softmax pass every stage's probabilities come from.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fastExp, softmaxPass } from '../../src/core/fastExp';
import { runs } from '../runs';

/** Relative error, with values below the normal range compared absolutely (subnormals carry few digits). */
function error(actual: number, expected: number): number {
  return expected < 1e-300 ? Math.abs(actual - expected) : Math.abs(actual - expected) / expected;
}

describe('fastExp', () => {
  it('is within 1e-14 of Math.exp for every x ≤ 0, and is Math.exp above 0', () => {
    fc.assert(fc.property(fc.double({ min: -800, max: 0, noNaN: true }), (x) => {
      expect(error(fastExp(x), Math.exp(x))).toBeLessThan(1e-14);
    }), { numRuns: runs(2_000, 20_000) });
    fc.assert(fc.property(fc.double({ min: 0, max: 700, noNaN: true, minExcluded: true }), (x) => {
      expect(fastExp(x)).toBe(Math.exp(x));
    }));
    expect(fastExp(0)).toBe(1);
    expect(fastExp(-Infinity)).toBe(0);
    expect(fastExp(Number.NaN)).toBe(0);
  });

  it('holds at the edges of its tables: whole steps of 1/256 and the subnormal end', () => {
    for (let k = 0; k < 190_720; k += 97) {
      const x = -k / 256;
      expect(error(fastExp(x), Math.exp(x))).toBeLessThan(1e-14);
    }
    expect(fastExp(-744.9)).toBeGreaterThan(0);
    expect(fastExp(-745.2)).toBe(0);
  });
});

describe('softmaxPass', () => {
  const logitsArb = fc.array(fc.double({ min: -900, max: 60, noNaN: true }), { minLength: 1, maxLength: 300 });

  function exact(logits: number[], ref: number): { weights: number[]; sum: number; xsum: number } {
    const weights = logits.map((z) => Math.exp(z - ref));
    return {
      weights,
      sum: weights.reduce((s, w) => s + w, 0),
      xsum: weights.reduce((s, w, i) => s + (w > 0 ? w * (logits[i] - ref) : 0), 0),
    };
  }

  it('gives every weight, Σw and Σw·x of Math.exp, for a reference at the maximum or above it', () => {
    fc.assert(fc.property(logitsArb, fc.double({ min: 0, max: 30, noNaN: true }), (logits, above) => {
      const ref = Math.max(...logits) + above;
      const weights = new Float64Array(logits.length);
      const { sum, xsum } = softmaxPass(Float64Array.from(logits), weights, logits.length, ref);
      const want = exact(logits, ref);
      weights.forEach((w, i) => expect(error(w, want.weights[i])).toBeLessThan(1e-14));
      expect(error(sum, want.sum)).toBeLessThan(1e-13);
      expect(Math.abs(xsum - want.xsum)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(want.xsum)));
    }));
  });

  it('stays exact when some logits lie above the reference (a caller bug it survives)', () => {
    fc.assert(fc.property(logitsArb, fc.double({ min: 0.01, max: 50, noNaN: true }), (logits, below) => {
      const ref = Math.max(...logits) - below;
      const weights = new Float64Array(logits.length);
      const { sum, xsum } = softmaxPass(Float64Array.from(logits), weights, logits.length, ref);
      const want = exact(logits, ref);
      weights.forEach((w, i) => expect(error(w, want.weights[i])).toBeLessThan(1e-14));
      expect(error(sum, want.sum)).toBeLessThan(1e-13);
      expect(Number.isFinite(xsum)).toBe(true);
      expect(Math.abs(xsum - want.xsum)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(want.xsum)));
    }));
  });
});

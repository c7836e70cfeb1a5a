// Sweep proposers: grid and random counts, bounds and seeds; the Bayesian proposer against random search.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BayesProposer, categoricalDimension, createProposer, expectedImprovement, fitGaussianProcess, gridSettings, gridValues,
  numericDimension, randomSettings, settingQuery, type Proposer, type SweepDimension, type SweepSetting, type Trial,
} from '../../src/core/sweep';

const deep = Boolean(process.env.LOGITLAB_DEEP_TESTS);

describe('grid', () => {
  it('spans every combination, the last parameter fastest, ends included', () => {
    const dims = [numericDimension('temperature', 0.2, 1.6, 3), numericDimension('top_p', 0.5, 1, 3)];
    const settings = gridSettings(dims);
    expect(settings).toHaveLength(9);
    expect(settings.slice(0, 4)).toEqual([[0.2, 0.5], [0.2, 0.75], [0.2, 1], [0.9, 0.5]]);
    expect(settings.map((s) => settingQuery(dims, s))[4]).toBe('temperature=0.9&top_p=0.75');
  });
  it('takes a categorical order and a third dimension', () => {
    const dims = [numericDimension('temperature', 0.5, 1.5, 2), categoricalDimension('order', ['hf', 'llama.cpp']), numericDimension('top_k', 0, 40, 3)];
    const settings = gridSettings(dims);
    expect(settings).toHaveLength(12);
    expect(new Set(settings.map((s) => s[1]))).toEqual(new Set(['hf', 'llama.cpp']));
    expect(settingQuery(dims, settings[3])).toBe('temperature=0.5&order=llama.cpp&top_k=0');
  });
  it('log-spaces a range of decades and deduplicates rounded integers', () => {
    expect(gridValues(numericDimension('min_p', 0.001, 0.1, 3))).toEqual([0.001, 0.01, 0.1]);
    expect(gridValues(numericDimension('top_k', 1, 3, 5))).toEqual([1, 2, 3]);
  });
  it('rounds values to 6 significant digits', () => {
    const values = gridValues(numericDimension('temperature', 0, 1, 4));
    expect(values).toEqual([0, 0.333333, 0.666667, 1]);
  });
  it('refuses unknown parameters, values outside the registry range and too many values', () => {
    expect(() => numericDimension('nonsense', 0, 1, 3)).toThrow(/sweep/);
    expect(() => numericDimension('top_p', 0.5, 1.5, 3)).toThrow(/top_p/);
    expect(() => numericDimension('temperature', 0, 1, 0)).toThrow();
    expect(() => categoricalDimension('order', ['hf', 'nope'])).toThrow(/order/);
  });
});

describe('random', () => {
  const dims: SweepDimension[] = [numericDimension('temperature', 0.1, 2, 5), numericDimension('min_p', 0.001, 0.1, 5), categoricalDimension('order', ['hf', 'llama.cpp'])];
  it('draws N settings inside the bounds, the same for a seed and others for another seed', () => {
    const a = randomSettings(dims, 50, 7);
    expect(a).toHaveLength(50);
    expect(randomSettings(dims, 50, 7)).toEqual(a);
    expect(randomSettings(dims, 50, 8)).not.toEqual(a);
    for (const [t, m, o] of a) {
      expect(t).toBeGreaterThanOrEqual(0.1);
      expect(t).toBeLessThanOrEqual(2);
      expect(m).toBeGreaterThanOrEqual(0.001);
      expect(m).toBeLessThanOrEqual(0.1);
      expect(['hf', 'llama.cpp']).toContain(o);
    }
  });
  it('draws log-uniformly over decades: about a half below the geometric middle', () => {
    const draws = randomSettings([numericDimension('min_p', 0.001, 0.1, 5)], 2000, 3).map((s) => s[0] as number);
    const below = draws.filter((v) => v < 0.01).length / draws.length;
    expect(below).toBeGreaterThan(0.45);
    expect(below).toBeLessThan(0.55);
  });
  it('property: every draw lies in its range for any range and seed', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 0xffffffff }), (a, b, seed) => {
      const lo = Math.min(a, b);
      const hi = Math.max(a, b);
      const dim = numericDimension('min_p', lo, hi, 3);
      for (const [v] of randomSettings([dim], 20, seed)) {
        expect(v as number).toBeGreaterThanOrEqual(Number(lo.toPrecision(6)) - 1e-12);
        expect(v as number).toBeLessThanOrEqual(Number(hi.toPrecision(6)) + 1e-12);
      }
    }), { numRuns: deep ? 500 : 50 });
  });
  it('proposes in order and stops at its count', () => {
    const p = createProposer('random', dims, 5, 1);
    const trials: Trial[] = [];
    const first = p.propose(trials, 3);
    expect(first).toHaveLength(3);
    for (const s of first) trials.push({ setting: s, score: 0 });
    expect(p.propose(trials, 3)).toHaveLength(2);
    expect(p.propose([...trials, ...p.propose(trials, 3).map((s) => ({ setting: s, score: 0 }))], 3)).toHaveLength(0);
  });
});

describe('Gaussian process', () => {
  it('interpolates what it saw and is unsure far from it', () => {
    const xs = [[0.1], [0.4], [0.9]];
    const ys = [1, 0, 2];
    const gp = fitGaussianProcess(xs, ys);
    for (let i = 0; i < xs.length; i++) expect(gp.predict(xs[i]).mean).toBeCloseTo(ys[i], 1);
    expect(gp.predict([0.65]).variance).toBeGreaterThan(gp.predict([0.4]).variance);
  });
  it('expected improvement grows with uncertainty and with a lower mean', () => {
    expect(expectedImprovement(1, 0.5, 1)).toBeGreaterThan(expectedImprovement(1, 0.1, 1));
    expect(expectedImprovement(0.5, 0.1, 1)).toBeGreaterThan(expectedImprovement(0.9, 0.1, 1));
    expect(expectedImprovement(2, 0, 1)).toBe(0);
  });
});

/** Evaluations until the best score so far is within `tolerance` of the minimum (the budget + 1 if never). */
function evaluationsToFind(proposer: Proposer, f: (s: SweepSetting) => number, minimum: number, tolerance: number, batch: number): number {
  const trials: Trial[] = [];
  while (trials.length < proposer.total) {
    const next = proposer.propose(trials, batch);
    if (next.length === 0) break;
    for (const s of next) {
      const score = f(s);
      trials.push({ setting: s, score });
      if (score <= minimum + tolerance) return trials.length;
    }
  }
  return proposer.total + 1;
}

describe('Bayesian search beats random search on known functions (mean over seeds)', () => {
  const seeds = Array.from({ length: deep ? 30 : 12 }, (_, i) => 1000 + i);
  const budget = 40;
  it('1-D: a dip at temperature 1.23', () => {
    const dims = [numericDimension('temperature', 0, 2, 5)];
    const f = (s: SweepSetting) => { const t = s[0] as number; return (t - 1.23) ** 2 + 0.3 * Math.sin(6 * t) ** 2 * (t - 1.23) ** 2; };
    const tol = 1e-3;
    const bayes = seeds.map((seed) => evaluationsToFind(new BayesProposer(dims, budget, seed), f, 0, tol, 1));
    const random = seeds.map((seed) => evaluationsToFind(createProposer('random', dims, budget, seed), f, 0, tol, 1));
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean(bayes)).toBeLessThan(mean(random));
  });
  it('2-D: a Branin-shaped valley over temperature × top_p, proposals in batches of 4', () => {
    const dims = [numericDimension('temperature', 0, 2, 5), numericDimension('top_p', 0.05, 1, 5)];
    // Branin rescaled onto the box; three global minima of 0.397887.
    const f = (s: SweepSetting) => {
      const x = -5 + 15 * ((s[0] as number) / 2);
      const y = 15 * (((s[1] as number) - 0.05) / 0.95);
      return (y - (5.1 / (4 * Math.PI ** 2)) * x * x + (5 / Math.PI) * x - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x) + 10;
    };
    const tol = 0.5;
    const bayes = seeds.map((seed) => evaluationsToFind(new BayesProposer(dims, budget, seed), f, 0.397887, tol, 4));
    const random = seeds.map((seed) => evaluationsToFind(createProposer('random', dims, budget, seed), f, 0.397887, tol, 4));
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean(bayes)).toBeLessThan(mean(random));
  });
  it('is deterministic for a seed and resumes where it left off', () => {
    const dims = [numericDimension('temperature', 0, 2, 5), categoricalDimension('order', ['hf', 'llama.cpp'])];
    const f = (s: SweepSetting) => ((s[0] as number) - 0.7) ** 2 + (s[1] === 'hf' ? 0 : 0.2);
    const run = (stopAt: number | null) => {
      let p = new BayesProposer(dims, 12, 5);
      const trials: Trial[] = [];
      while (trials.length < 12) {
        if (stopAt !== null && trials.length === stopAt) p = new BayesProposer(dims, 12, 5);
        for (const s of p.propose(trials, 2)) trials.push({ setting: s, score: f(s) });
      }
      return trials.map((t) => settingQuery(dims, t.setting));
    };
    expect(run(null)).toEqual(run(6));
    expect(new Set(run(null)).size).toBe(12);
  });
});

// Where a sweep looks next: every point of a grid, seeded random draws (log-uniform over ranges that span
// decades), or Bayesian optimisation (a Gaussian process and expected improvement, see gaussianProcess.ts).
import { createRng, type Rng } from '../rng';
import { fitGaussianProcess, expectedImprovement } from './gaussianProcess';
import { settingQuery, unitOf, valueAt, type SweepDimension, type SweepSetting } from './space';

export type SearchMethod = 'grid' | 'random' | 'bayes';
export const SEARCH_METHODS: readonly SearchMethod[] = ['grid', 'random', 'bayes'];

/** An evaluated setting and its objective score, lower is better (NaN: no score, e.g. every sample failed). */
export interface Trial {
  setting: SweepSetting;
  score: number;
}

export interface Proposer {
  /** How many settings the sweep evaluates in all. */
  readonly total: number;
  /** Up to `count` settings to evaluate next, given the trials so far (fewer at the end; none when done). */
  propose(trials: readonly Trial[], count: number): SweepSetting[];
}

/** Every combination, the last dimension varying fastest. */
export function gridSettings(dims: readonly SweepDimension[]): SweepSetting[] {
  const axes = dims.map((d) => gridValues(d));
  const out: SweepSetting[] = [];
  const walk = (i: number, prefix: SweepSetting) => {
    if (i === axes.length) {
      out.push(prefix);
      return;
    }
    for (const v of axes[i]) walk(i + 1, [...prefix, v]);
  };
  walk(0, []);
  return out;
}

/** n values from `from` to `to` inclusive (log-spaced over decades); integers deduplicated after rounding. */
export function gridValues(dim: SweepDimension): (number | string)[] {
  if (dim.kind === 'categorical') return [...dim.values];
  if (dim.count === 1) return [valueAt(dim, 0)];
  const values: number[] = [];
  for (let i = 0; i < dim.count; i++) {
    const v = valueAt(dim, i / (dim.count - 1));
    if (!values.includes(v)) values.push(v);
  }
  return values;
}

function drawSetting(dims: readonly SweepDimension[], rng: Rng): SweepSetting {
  return dims.map((d) => (d.kind === 'categorical' ? d.values[Math.min(d.values.length - 1, Math.floor(rng.next() * d.values.length))] : valueAt(d, rng.next())));
}

/** N settings drawn independently, uniform in each dimension (log-uniform where the range spans decades). */
export function randomSettings(dims: readonly SweepDimension[], trials: number, seed: number): SweepSetting[] {
  const rng = createRng(seed >>> 0);
  return Array.from({ length: trials }, () => drawSetting(dims, rng));
}

class ListProposer implements Proposer {
  constructor(private readonly settings: SweepSetting[]) {}
  get total(): number {
    return this.settings.length;
  }
  propose(trials: readonly Trial[], count: number): SweepSetting[] {
    return this.settings.slice(trials.length, trials.length + Math.max(0, count));
  }
}

export function gridProposer(dims: readonly SweepDimension[]): Proposer {
  return new ListProposer(gridSettings(dims));
}

export function randomProposer(dims: readonly SweepDimension[], trials: number, seed: number): Proposer {
  return new ListProposer(randomSettings(dims, trials, seed));
}

/** Candidates scored for expected improvement per proposal: random ones plus some near the best so far. */
const RANDOM_CANDIDATES = 400;
const LOCAL_CANDIDATES = 100;

/**
 * Bayesian optimisation: the first settings are seeded random draws; after them a Gaussian process fitted to the
 * scores so far proposes the candidate with the largest expected improvement. A batch of several proposals is
 * built one at a time, each earlier one entered as if it had scored the surrogate's mean ("kriging believer"), so
 * a batch spreads out instead of proposing one point k times. Deterministic for a seed and the trials so far, so
 * a resumed sweep proposes what the uninterrupted one would have.
 */
export class BayesProposer implements Proposer {
  readonly total: number;
  private readonly initial: SweepSetting[];

  constructor(private readonly dims: readonly SweepDimension[], trials: number, private readonly seed: number, initial?: number) {
    this.total = trials;
    const n = Math.min(trials, initial ?? Math.max(3, 2 * dims.length));
    this.initial = randomSettings(dims, n, seed);
  }

  propose(trials: readonly Trial[], count: number): SweepSetting[] {
    const out: SweepSetting[] = [];
    const wanted = Math.min(Math.max(0, count), this.total - trials.length);
    let index = trials.length;
    while (out.length < wanted && index < this.initial.length) out.push(this.initial[index++]);
    if (out.length === wanted) return out;

    const scored = trials.filter((t) => Number.isFinite(t.score));
    const xs = scored.map((t) => this.toUnit(t.setting));
    const ys = scored.map((t) => t.score);
    const rng = createRng((this.seed ^ Math.imul(trials.length + 1, 0x9e3779b1)) >>> 0);
    const seen = new Set(trials.map((t) => settingQuery(this.dims, t.setting)));
    for (const s of out) seen.add(settingQuery(this.dims, s));
    while (out.length < wanted) {
      const next = xs.length < 2 ? drawSetting(this.dims, rng) : this.bestCandidate(xs, ys, rng, seen);
      out.push(next);
      seen.add(settingQuery(this.dims, next));
      if (xs.length >= 2) {
        const x = this.toUnit(next);
        const model = fitGaussianProcess(xs, ys);
        xs.push(x);
        ys.push(model.predict(x).mean);
      }
    }
    return out;
  }

  private bestCandidate(xs: number[][], ys: number[], rng: Rng, seen: Set<string>): SweepSetting {
    const model = fitGaussianProcess(xs, ys);
    const best = Math.min(...ys);
    const order = ys.map((y, i) => [y, i] as const).sort((a, b) => a[0] - b[0]).slice(0, 3).map(([, i]) => xs[i]);
    let winner: SweepSetting | null = null;
    let winnerEi = -Infinity;
    const consider = (unit: number[]) => {
      const setting = this.fromUnit(unit);
      if (seen.has(settingQuery(this.dims, setting))) return;
      const { mean, variance } = model.predict(this.toUnit(setting));
      const ei = expectedImprovement(mean, Math.sqrt(variance), best);
      if (ei > winnerEi) {
        winnerEi = ei;
        winner = setting;
      }
    };
    for (let k = 0; k < RANDOM_CANDIDATES; k++) consider(this.dims.map(() => rng.next()));
    for (let k = 0; k < LOCAL_CANDIDATES; k++) {
      const centre = order[k % order.length];
      consider(centre.map((c) => Math.min(1, Math.max(0, c + 0.08 * gaussian(rng)))));
    }
    // A small discrete space can run out of unseen settings: then any draw will do.
    return winner ?? drawSetting(this.dims, rng);
  }

  private toUnit(setting: SweepSetting): number[] {
    return this.dims.map((d, i) => unitOf(d, setting[i]));
  }

  private fromUnit(unit: number[]): SweepSetting {
    return this.dims.map((d, i) => {
      if (d.kind === 'numeric') return valueAt(d, unit[i]);
      return d.values[Math.min(d.values.length - 1, Math.round(unit[i] * (d.values.length - 1)))];
    });
  }
}

/** A standard normal draw (Box–Muller). */
function gaussian(rng: Rng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function createProposer(method: SearchMethod, dims: readonly SweepDimension[], trials: number, seed: number): Proposer {
  switch (method) {
    case 'grid':
      return gridProposer(dims);
    case 'random':
      return randomProposer(dims, trials, seed);
    case 'bayes':
      return new BayesProposer(dims, trials, seed);
  }
}

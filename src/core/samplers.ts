// The stages of one step as small objects: each changes or filters the candidate set in place.
// Edge cases, stated once: top_k ≤ 0 off; top_p, typical_p ≥ 1 off; min_p ≤ 0 off; temperature 1 off and
// 0 greedy (then it is left out of the display chain); every filter keeps at least min_tokens_to_keep tokens,
// adding the most probable ones.
import type { Candidates } from './candidates';
import { softmaxPass } from './fastExp';
import type { TokenHistory } from './history';
import type { StageName } from './types';

export interface StageOutcome {
  /** The filter's threshold for charts: mass for top_p / typical_p, probability for min_p. */
  threshold?: number;
}

export interface Sampler {
  readonly name: StageName;
  /** Keeps the most probable survivors in order (so the head of the distribution carries over). */
  readonly keepsHeadOrder: boolean;
  apply(c: Candidates): StageOutcome;
  accept?(tokenId: number): void;
  reset?(promptIds: ArrayLike<number>): void;
}

const NOTHING: StageOutcome = {};

export function createRepetitionPenalty(history: TokenHistory, penalty: number): Sampler {
  return {
    name: 'repetition_penalty',
    keepsHeadOrder: false,
    apply(c) {
      for (const id of history.distinct) {
        const z = c.logits[id];
        if (z === -Infinity) continue;
        c.setLogit(id, z > 0 ? z / penalty : z * penalty);
      }
      return NOTHING;
    },
  };
}

export function createFrequencyPresencePenalty(history: TokenHistory, frequency: number, presence: number): Sampler {
  return {
    name: 'frequency_presence_penalty',
    keepsHeadOrder: false,
    apply(c) {
      for (const id of history.generated) {
        const z = c.logits[id];
        if (z === -Infinity) continue;
        c.setLogit(id, z - (history.count(id) * frequency + presence));
      }
      return NOTHING;
    },
  };
}

export function createLogitBias(bias: Record<number, number>): Sampler {
  const entries = Object.entries(bias).map(([id, b]) => [Number(id), b] as const);
  return {
    name: 'logit_bias',
    keepsHeadOrder: false,
    apply(c) {
      for (const [id, b] of entries) {
        const z = c.logits[id];
        if (z === -Infinity) continue;
        c.setLogit(id, z + b);
      }
      return NOTHING;
    },
  };
}

export function createTemperature(temperature: number): Sampler {
  const inverse = 1 / temperature;
  return {
    name: 'temperature',
    keepsHeadOrder: true,
    apply(c) {
      const { logits, size } = c;
      c.ensureStats();
      // Scaling keeps the argmax, so the old reference scaled is still ≥ every scaled logit: the softmax cache
      // is rebuilt in the same pass.
      const ref = c.ref * inverse;
      const { sum, xsum } = softmaxPass(logits, c.weights, size, inverse, ref);
      c.ref = ref;
      c.sum = sum;
      c.xsum = xsum;
      return NOTHING;
    },
  };
}

export function createTopK(k: number, minKeep: number): Sampler {
  return {
    name: 'top_k',
    keepsHeadOrder: true,
    apply(c) {
      const kept = Math.max(k, minKeep);
      if (kept >= c.size) return NOTHING;
      const threshold = c.sorted ? c.logits[kept - 1] : kthLargest(c, kept);
      // Ties with the k-th are kept (Hugging Face semantics).
      const mask = c.keepMask;
      for (let i = 0; i < c.size; i++) mask[i] = c.logits[i] >= threshold ? 1 : 0;
      c.compact(mask);
      return NOTHING;
    },
  };
}

export function createTopP(p: number, minKeep: number): Sampler {
  return {
    name: 'top_p',
    keepsHeadOrder: true,
    apply(c) {
      c.ensureStats();
      const target = p * c.sum;
      sortHeadFor(c, p, minKeep);
      let cumulative = 0;
      let n = 0;
      while (n < c.size && (cumulative < target || n < minKeep)) cumulative += c.weights[n++];
      c.truncate(n);
      c.sorted = true;
      return { threshold: p };
    },
  };
}

export function createMinP(m: number, minKeep: number): Sampler {
  return {
    name: 'min_p',
    keepsHeadOrder: true,
    apply(c) {
      c.ensureStats();
      let wMax = 0;
      for (let i = 0; i < c.size; i++) if (c.weights[i] > wMax) wMax = c.weights[i];
      const cut = m * wMax;
      const mask = c.keepMask;
      let kept = 0;
      for (let i = 0; i < c.size; i++) {
        const keep = c.weights[i] >= cut ? 1 : 0;
        mask[i] = keep;
        kept += keep;
      }
      const threshold = cut / c.sum;
      if (kept >= minKeep) {
        if (kept < c.size) c.compact(mask);
      } else {
        sortHeadFor(c, 1, minKeep);
        c.truncate(Math.min(minKeep, c.size));
        c.sorted = true;
      }
      return { threshold };
    },
  };
}

export function createTypical(tau: number, minKeep: number): Sampler {
  return {
    name: 'typical_p',
    keepsHeadOrder: false,
    apply(c) {
      c.ensureStats();
      const { size, weights, logits, ids, ref } = c;
      const lnZ = Math.log(c.sum);
      const entropy = c.entropy();
      // −log p = ln Z − (z − ref): no logarithm per token.
      const score = c.scratch;
      for (let i = 0; i < size; i++) score[i] = Math.abs(lnZ - (logits[i] - ref) - entropy);
      // Typical sampling is off by default and rare on huge vocabularies; a plain index sort is enough here.
      const order = Array.from({ length: size }, (_, i) => i);
      order.sort((a, b) => score[a] - score[b] || ids[a] - ids[b]);
      const mask = c.keepMask;
      mask.fill(0, 0, size);
      const target = tau * c.sum;
      let cumulative = 0;
      let kept = 0;
      for (const i of order) {
        mask[i] = 1;
        kept++;
        cumulative += weights[i];
        if (cumulative >= target) break;
      }
      if (kept < minKeep) {
        const byProbability = Array.from({ length: size }, (_, i) => i);
        byProbability.sort((a, b) => logits[b] - logits[a] || ids[a] - ids[b]);
        for (const i of byProbability) {
          if (kept >= minKeep) break;
          if (!mask[i]) {
            mask[i] = 1;
            kept++;
          }
        }
      }
      if (kept < size) c.compact(mask);
      c.sorted = false;
      return { threshold: tau };
    },
  };
}

/** k-th largest logit by quickselect on a scratch copy: O(n), no sort of the vocabulary. */
function kthLargest(c: Candidates, k: number): number {
  const a = c.scratch;
  const n = c.size;
  for (let i = 0; i < n; i++) a[i] = c.logits[i];
  let lo = 0;
  let hi = n - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        const t = a[i]; a[i] = a[j]; a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return a[target];
  }
  return a[target];
}

const BINS_PER_NAT = 8;
const BIN_COUNT = 64 * BINS_PER_NAT + 1;
const binMass = new Float64Array(BIN_COUNT);
const binCount = new Int32Array(BIN_COUNT);

/**
 * Leaves the set sorted, or replaced by a sorted head holding at least `massShare` of the probability and
 * `minCount` tokens: a histogram of logits below the reference finds the cut, and only that head is sorted.
 * Callers keep a prefix of the result.
 */
function sortHeadFor(c: Candidates, massShare: number, minCount: number): void {
  if (c.sorted) return;
  if (c.size <= 2048) {
    c.sortAll();
    return;
  }
  c.ensureStats();
  binMass.fill(0);
  binCount.fill(0);
  const { logits, weights, size, ref } = c;
  for (let i = 0; i < size; i++) {
    let b = ((ref - logits[i]) * BINS_PER_NAT) | 0;
    if (b < 0) b = 0;
    else if (b >= BIN_COUNT) b = BIN_COUNT - 1;
    binMass[b] += weights[i];
    binCount[b]++;
  }
  const target = massShare * c.sum;
  let mass = 0;
  let count = 0;
  let b = 0;
  for (; b < BIN_COUNT - 1; b++) {
    mass += binMass[b];
    count += binCount[b];
    // One bin of slack keeps rounding at the boundary from cutting a token that belongs in the head.
    if (mass >= target && count >= minCount) {
      b++;
      break;
    }
  }
  if (b >= BIN_COUNT - 1) c.sortAll();
  else c.takeSortedHead(ref - (b + 1) / BINS_PER_NAT);
}

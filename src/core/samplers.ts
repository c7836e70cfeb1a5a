// The stages of one step as small objects: each changes or filters the candidate set in place.
// Edge cases, stated once: top_k ≤ 0 off; top_p, typical_p ≥ 1 off; min_p ≤ 0 off; temperature 1 off and
// 0 greedy (then it is left out of the display chain); every filter keeps at least min_tokens_to_keep tokens,
// adding the most probable ones.
// On a large vocabulary most tokens are summarised in the set's tail (./tail.ts): a filter first makes sure the
// tokens it could keep are listed, and lists everything when the tail's error bound could change its answer.
import type { Candidates } from './candidates';
import { countAtLeast, maxOf } from './select';
import type { TokenHistory } from './history';
import type { SamplerNote, StageName } from './types';

export interface StageOutcome {
  /** The filter's threshold for charts: mass for top_p / typical_p, probability for min_p and the probability cuts. */
  threshold?: number;
  /** What a newer sampler decided (./moreSamplers.ts). */
  note?: SamplerNote;
}

export interface Sampler {
  readonly name: StageName;
  /** Keeps the most probable survivors in order (so the head of the distribution carries over). */
  readonly keepsHeadOrder: boolean;
  apply(c: Candidates): StageOutcome;
  /** After the step's token is chosen (drawn or forced), before the next step: stateful samplers update here. */
  accept?(tokenId: number): void;
  /** At the start of a run. */
  reset?(): void;
}

const NOTHING: StageOutcome = {};

export function createRepetitionPenalty(history: TokenHistory, penalty: number): Sampler {
  return {
    name: 'repetition_penalty',
    keepsHeadOrder: false,
    apply(c) {
      for (const id of history.distinct) {
        const i = c.listed(id);
        if (i < 0) continue;
        const z = c.logits[i];
        c.setLogit(i, z > 0 ? z / penalty : z * penalty);
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
        const i = c.listed(id);
        if (i < 0) continue;
        c.setLogit(i, c.logits[i] - (history.count(id) * frequency + presence));
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
        const i = c.listed(id);
        if (i < 0) continue;
        c.setLogit(i, c.logits[i] + b);
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
      c.ensureStats();
      c.scale(inverse);
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
      if (kept >= c.allowedCount()) return NOTHING;
      const threshold = c.kthLargest(kept);
      // Ties with the k-th are kept (Hugging Face semantics).
      c.keepAtLeast(c.logits, threshold);
      return NOTHING;
    },
  };
}

export function createTopP(p: number, minKeep: number): Sampler {
  return {
    name: 'top_p',
    keepsHeadOrder: true,
    apply(c) {
      if (c.tail.active && cutTopPAboveTail(c, p, minKeep)) return { threshold: p };
      c.ensureStats();
      keepMostProbable(c, p * c.sum, minKeep);
      return { threshold: p };
    },
  };
}

/**
 * top_p while the tail is summarised: finds the cut among the listed head when the tail's error bound cannot
 * move it, listing more of the tail when the head holds too little mass. False when only listing everything can
 * decide (the caller then runs the exact path).
 */
function cutTopPAboveTail(c: Candidates, p: number, minKeep: number): boolean {
  for (;;) {
    c.ensureStats();
    const head = c.ensureHead(minKeep);
    if (!c.tail.active) return false;
    const target = p * c.sum;
    const margin = p * c.sumError;
    let headMass = 0;
    for (let i = 0; i < head; i++) headMass += c.weights[i];
    if (headMass >= target + margin) {
      const key = byProbabilityKey(c, head);
      const high = c.selectPrefix(key, 0, head, target + margin, minKeep);
      const low = c.selectPrefix(key, 0, high, target - margin, minKeep);
      if (low !== high) return listAllFor(c);
      c.truncate(high);
      return true;
    }
    if (headMass > target - margin) return listAllFor(c);
    // List bins until the head could reach the target, with one bin of slack.
    const tail = c.tail;
    let k = tail.start;
    let mass = headMass;
    while (k < tail.end && mass < target + margin) mass += tail.binMass(k++, c.ref);
    c.listTail(k >= tail.end ? Infinity : k + 1);
  }
}

function listAllFor(c: Candidates): false {
  c.listAll();
  return false;
}

/** The selection key that orders candidates [from, to) from most to least probable (ties: lower id first). */
function byProbabilityKey(c: Candidates, to: number, from = 0): Float64Array {
  const key = c.scratch;
  for (let i = from; i < to; i++) key[i] = -c.logits[i];
  return key;
}

/** Keeps the fewest most probable tokens whose weights reach `mass`, at least `count` of them. */
function keepMostProbable(c: Candidates, mass: number, count: number): void {
  c.listAll();
  c.ensureStats();
  c.truncate(c.selectPrefix(byProbabilityKey(c, c.size), 0, c.size, mass, count));
}

export function createMinP(m: number, minKeep: number): Sampler {
  return {
    name: 'min_p',
    keepsHeadOrder: true,
    apply(c) {
      if (c.tail.active) listAboveMinP(c, m);
      c.ensureStats();
      const cut = m * maxOf(c.weights, c.size);
      const kept = countAtLeast(c.weights, c.size, cut);
      const threshold = cut / c.sum;
      if (kept >= minKeep) {
        if (kept < c.allowedCount()) c.keepAtLeast(c.weights, cut);
      } else {
        keepMostProbable(c, 0, minKeep);
      }
      return { threshold };
    },
  };
}

/** Lists every summarised token min_p could keep: those within ln(1/m) of the largest logit. */
function listAboveMinP(c: Candidates, m: number): void {
  c.ensureHead(1);
  if (!c.tail.active) return;
  const threshold = maxOf(c.logits, c.size) + Math.log(m);
  if (!(threshold > c.tailGuard())) c.listTail(c.tail.listBoundFor(threshold));
}

export function createTypical(tau: number, minKeep: number): Sampler {
  return {
    name: 'typical_p',
    keepsHeadOrder: false,
    apply(c) {
      c.listAll();
      c.ensureStats();
      const { size } = c;
      const key = typicalityKey(c);
      let kept = c.selectPrefix(key, 0, size, tau * c.sum, 1);
      // Too few: add the most probable of the rest.
      if (kept < minKeep && kept < size) kept = c.selectPrefix(byProbabilityKey(c, size, kept), kept, size, 0, minKeep - kept);
      if (kept < size) c.truncate(kept);
      return { threshold: tau };
    },
  };
}

/** |−log p − H| per candidate, the order typical_p keeps tokens in; −log p = ln Z − (z − ref), no logarithm per token. */
function typicalityKey(c: Candidates): Float64Array {
  const { size, logits, ref } = c;
  const center = Math.log(c.sum) - c.entropy() + ref;
  const key = c.scratch;
  for (let i = 0; i < size; i++) key[i] = Math.abs(center - logits[i]);
  return key;
}


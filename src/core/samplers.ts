// The stages of one step as small objects: each changes or filters the candidate set in place.
// Edge cases, stated once: top_k ≤ 0 off; top_p, typical_p ≥ 1 off; min_p ≤ 0 off; temperature 1 off and
// 0 greedy (then it is left out of the display chain); every filter keeps at least min_tokens_to_keep tokens,
// adding the most probable ones.
// On a large vocabulary most tokens are summarised in the set's tail (./tail.ts); the operations of
// ./candidateOps.ts list what a filter's answer depends on, so the filters here read like their definitions.
import type { Candidates } from './candidates';
import { byProbabilityKey, keepProbabilityRatio, keepProbableMass } from './candidateOps';
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
      // With a summarised tail, the scaled sums are kept exact in scale's own pass. Without one, the softmax waits
      // for whoever needs it next: after a top_k that is a pass over k tokens instead of two over the vocabulary.
      if (c.tail.active) c.ensureStats();
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
      keepProbableMass(c, p, minKeep);
      return { threshold: p };
    },
  };
}

export function createMinP(m: number, minKeep: number): Sampler {
  return {
    name: 'min_p',
    keepsHeadOrder: true,
    apply(c) {
      return { threshold: keepProbabilityRatio(c, m, minKeep) };
    },
  };
}

export function createTypical(tau: number, minKeep: number): Sampler {
  return {
    name: 'typical_p',
    keepsHeadOrder: false,
    apply(c) {
      c.listAll();
      c.ensureStats();
      const { size } = c;
      let kept = c.selectPrefix(typicalityKey(c), 0, size, tau * c.sum, 1);
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


// The samplers of SAMPLING.md "More samplers" (llama.cpp's and text-generation-webui's family), each a few lines
// over the operations of ./candidateOps.ts. Edge cases, stated once: dry_multiplier 0, top_n_sigma ≤ 0,
// xtc_probability 0 or xtc_threshold > 0.5, epsilon/eta 0, dynatemp_range 0 and mirostat 0 are off (the chain
// leaves them out); min_tokens_to_keep applies to every filter but mirostat, which keeps at least one token.
import type { Candidates } from './candidates';
import {
  exactEntropy, keepLogitsAtLeast, keepProbabilityAtLeast, logitSpread, removeTokens, settleProbabilityCut,
} from './candidateOps';
import type { TokenHistory } from './history';
import type { Sampler, StageOutcome } from './samplers';

export interface DryOptions {
  multiplier: number;
  base: number;
  allowedLength: number;
  /** ≤ 0: the whole context. */
  lastN: number;
  breakerIds: readonly number[];
}

/**
 * DRY: a token that would extend a repeat of length L ≥ a (the longest over the context's earlier places it
 * followed that repeat) loses m · b^(L − a). Match lengths come from a Z-function over the reversed context, O(n).
 */
export function createDry(history: TokenHistory, vocabSize: number, o: DryOptions): Sampler {
  const breaker = new Uint8Array(vocabSize);
  for (const id of o.breakerIds) breaker[id] = 1;
  let z = new Int32Array(0);
  return {
    name: 'dry',
    keepsHeadOrder: false,
    apply(c) {
      const s = history.sequence;
      const n = s.length;
      const len = o.lastN > 0 ? Math.min(o.lastN, n) : n;
      // No match may include a breaker, and every match equals the context's last L tokens.
      let open = 0;
      while (open < len && !breaker[s[n - 1 - open]]) open++;
      if (len < 2 || open < o.allowedLength) return { note: { matchLength: 0, penalised: 0 } };
      if (z.length < len) z = new Int32Array(2 * len);
      reversedZ(s, n, len, z);
      const longest = new Map<number, number>();
      for (let i = 1; i < len; i++) {
        const L = Math.min(z[i], open);
        if (L < o.allowedLength) continue;
        const next = s[n - i];
        if ((longest.get(next) ?? 0) < L) longest.set(next, L);
      }
      let best = 0;
      let extendedBy = -1;
      for (const [id, L] of longest) {
        const i = c.listed(id);
        if (i >= 0) c.setLogit(i, c.logits[i] - o.multiplier * Math.pow(o.base, L - o.allowedLength));
        if (L > best || (L === best && id < extendedBy)) [best, extendedBy] = [L, id];
      }
      if (best === 0) return { note: { matchLength: 0, penalised: 0 } };
      const penalty = o.multiplier * Math.pow(o.base, best - o.allowedLength);
      return { note: { matchLength: best, match: s.slice(n - best), extendedBy, penalty, penalised: longest.size } };
    },
  };
}

/** z[i] = longest common prefix of r and r[i..], r = the last `len` of s[0, n) reversed (r[0] = s[n − 1]). */
function reversedZ(s: readonly number[], n: number, len: number, z: Int32Array): void {
  const at = (k: number) => s[n - 1 - k];
  z[0] = len;
  let l = 0;
  let r = 0;
  for (let i = 1; i < len; i++) {
    let k = i < r ? Math.min(r - i, z[i - l]) : 0;
    while (i + k < len && at(k) === at(i + k)) k++;
    z[i] = k;
    if (i + k > r) [l, r] = [i, i + k];
  }
}

/** top-nσ: removes tokens with z < M − n·σ (M the largest logit, σ the logits' population standard deviation). */
export function createTopNSigma(n: number, minKeep: number): Sampler {
  return {
    name: 'top_n_sigma',
    keepsHeadOrder: true,
    apply(c) {
      const { max, sigma } = logitSpread(c);
      const line = max - n * sigma;
      keepLogitsAtLeast(c, line, minKeep);
      return { note: { line, max, sigma } };
    },
  };
}

/**
 * XTC: when the step's coin u < P and two or more tokens have probability ≥ t, removes all of those but the least
 * probable (ties: the highest id stays), unless that leaves fewer than minKeep.
 */
export function createXtc(probability: number, threshold: number, minKeep: number, coin: () => number): Sampler {
  return {
    name: 'xtc',
    keepsHeadOrder: true,
    apply(c) {
      const u = coin();
      if (!(u < probability)) return { note: { coin: u, fired: false } };
      settleProbabilityCut(c, threshold);
      c.ensureStats();
      const cut = threshold * c.sum;
      const above: number[] = [];
      let stays = -1;
      for (let i = 0; i < c.size; i++) {
        if (!(c.weights[i] >= cut)) continue;
        above.push(c.ids[i]);
        const w = c.weights[i];
        if (stays < 0 || w < c.weights[stays] || (w === c.weights[stays] && c.ids[i] > c.ids[stays])) stays = i;
      }
      const note = { coin: u, fired: true, above: above.length, cut: threshold };
      if (above.length < 2 || c.allowedCount() - (above.length - 1) < minKeep) return { note };
      const staying = c.ids[stays];
      removeTokens(c, above.filter((id) => id !== staying));
      return { threshold, note };
    },
  };
}

/** ε-cutoff: removes tokens with probability < ε. */
export function createEpsilonCutoff(epsilon: number, minKeep: number): Sampler {
  return {
    name: 'epsilon_cutoff',
    keepsHeadOrder: true,
    apply(c) {
      keepProbabilityAtLeast(c, epsilon, minKeep);
      return { threshold: epsilon, note: { cut: epsilon } };
    },
  };
}

/** η-cutoff: removes tokens with probability < min(η, √η · e^(−H)). */
export function createEtaCutoff(eta: number, minKeep: number): Sampler {
  return {
    name: 'eta_cutoff',
    keepsHeadOrder: true,
    apply(c) {
      const cut = Math.min(eta, Math.sqrt(eta) * Math.exp(-exactEntropy(c)));
      keepProbabilityAtLeast(c, cut, minKeep);
      return { threshold: cut, note: { cut } };
    },
  };
}

/** Dynamic temperature: T_dyn = T_min + (T_max − T_min) · (H / ln N)^e, then z / T_dyn. */
export function createDynatemp(temperature: number, range: number, exponent: number): Sampler {
  const low = Math.max(0, temperature - range);
  const high = temperature + range;
  return {
    name: 'dynatemp',
    keepsHeadOrder: true,
    apply(c) {
      const entropy = exactEntropy(c);
      const count = c.allowedCount();
      if (count <= 1) return NO_NOTE;
      const entropyRatio = entropy / Math.log(count);
      const chosen = low + (high - low) * Math.pow(entropyRatio, exponent);
      if (chosen > 0) c.scale(1 / chosen);
      else keepLogitsAtLeast(c, c.logits[c.strongest()], 1);
      return { note: { temperature: chosen, entropyRatio } };
    },
  };
}

/** What mirostat keeps between steps. */
export interface MirostatState {
  mu: number;
}

/**
 * Mirostat 2: removes tokens whose surprise −log2 p exceeds μ (the most probable stays if none is left); after the
 * draw, μ ← μ − η · (−log2 p'(drawn) − τ), p' the probability after the cut.
 */
export function createMirostat(tau: number, eta: number, state: MirostatState): Sampler {
  let last: Candidates | null = null;
  return {
    name: 'mirostat',
    keepsHeadOrder: true,
    apply(c) {
      const mu = state.mu;
      const cut = Math.pow(2, -mu);
      keepProbabilityAtLeast(c, cut, 1);
      last = c;
      return { note: { mu, cut } };
    },
    accept(tokenId) {
      const c = last;
      last = null;
      if (!c) return;
      const i = c.indexOf(tokenId);
      // A forced token the cut removed has no p'; μ stays.
      if (i < 0) return;
      c.ensureStats();
      state.mu -= eta * (-Math.log2(c.weights[i] / c.sum) - tau);
    },
    reset() {
      last = null;
      state.mu = 2 * tau;
    },
  };
}

const NO_NOTE: StageOutcome = {};

// SAMPLING.md with "More samplers", written out the plain way — float64, Math.exp, full sorts, DRY by brute force —
// as the yardstick for the fast core (independent of src/core's code).
import { DEFAULT_ORDER, type SamplingParams, type WarperName } from '../../src/core';

export interface ReferenceStep {
  kept: number[];
  probs: number[];
  greedy: number;
}

/** Softmax over the allowed ids (z > -Infinity) and the entropy in nats. */
export function referenceSoftmax(z: ArrayLike<number>, ids: number[]): { p: Map<number, number>; entropy: number } {
  let max = -Infinity;
  for (const i of ids) max = Math.max(max, z[i]);
  let total = 0;
  for (const i of ids) total += Math.exp(z[i] - max);
  const p = new Map<number, number>();
  let entropy = 0;
  for (const i of ids) {
    const q = Math.exp(z[i] - max) / total;
    p.set(i, q);
    if (q > 0) entropy -= q * Math.log(q);
  }
  return { p, entropy };
}

/** Math.max without spreading (a vocabulary overflows the call stack). */
function largest(values: Iterable<number>): number {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  return max;
}

export interface ZooExtras {
  xtcRoll?: number;
  mirostatMu?: number;
}

/** DRY's penalty per token from its definition: every j < n − 1, the longest L, the largest L per next token. */
export function referenceDryPenalties(context: number[], params: SamplingParams): Map<number, number> {
  const s = params.dry_penalty_last_n > 0 ? context.slice(-params.dry_penalty_last_n) : context;
  const n = s.length;
  const breakers = new Set(params.dry_breaker_ids ?? []);
  const longest = new Map<number, number>();
  for (let j = 0; j < n - 1; j++) {
    let L = 0;
    while (L <= j && s[j - L] === s[n - 1 - L] && !breakers.has(s[j - L])) L++;
    const next = s[j + 1];
    longest.set(next, Math.max(longest.get(next) ?? 0, L));
  }
  const out = new Map<number, number>();
  for (const [t, L] of longest) {
    if (L >= params.dry_allowed_length) out.set(t, params.dry_multiplier * params.dry_base ** (L - params.dry_allowed_length));
  }
  return out;
}

/** Logits after the penalties, DRY and bias (the stages before the warpers), NaN → -Infinity. */
export function referencePenalised(logits: ArrayLike<number>, params: SamplingParams, promptIds: number[], generatedIds: number[]): number[] {
  const z = Array.from(logits, (x) => (Number.isNaN(x) ? -Infinity : x === Infinity ? Number.MAX_VALUE : x));
  if (params.repetition_penalty !== 1) {
    for (const id of new Set([...promptIds, ...generatedIds])) {
      if (z[id] === -Infinity) continue;
      z[id] = z[id] > 0 ? z[id] / params.repetition_penalty : z[id] * params.repetition_penalty;
    }
  }
  const counts = new Map<number, number>();
  for (const id of generatedIds) counts.set(id, (counts.get(id) ?? 0) + 1);
  for (const [id, c] of counts) {
    if (z[id] !== -Infinity) z[id] -= c * params.frequency_penalty + (c > 0 ? params.presence_penalty : 0);
  }
  if (params.dry_multiplier > 0) {
    for (const [id, penalty] of referenceDryPenalties([...promptIds, ...generatedIds], params)) if (z[id] !== -Infinity) z[id] -= penalty;
  }
  for (const [id, b] of Object.entries(params.logit_bias)) if (z[Number(id)] !== -Infinity) z[Number(id)] += b;
  return z;
}

export function referenceStep(
  logits: ArrayLike<number>, params: SamplingParams, promptIds: number[] = [], generatedIds: number[] = [], extras: ZooExtras = {},
): ReferenceStep {
  let z = referencePenalised(logits, params, promptIds, generatedIds);
  let allowed = z.flatMap((x, i) => (x > -Infinity ? [i] : []));
  let greedy = allowed[0];
  for (const i of allowed) if (z[i] > z[greedy]) greedy = i;
  if (!params.do_sample || params.temperature === 0) return { kept: [greedy], probs: [1], greedy };
  const minKeep = params.min_tokens_to_keep;
  // Most probable first, by logit: probabilities far below the top underflow to equal zeros, logits keep their order.
  const byProb = (ids: number[]) => [...ids].sort((a, b) => z[b] - z[a] || a - b);
  const atLeast = (p: Map<number, number>, floor: number) => {
    const keep = allowed.filter((i) => p.get(i)! >= floor);
    return keep.length < minKeep ? byProb(allowed).slice(0, minKeep) : keep;
  };
  const order: WarperName[] = params.mirostat === 2 ? ['temperature'] : [...params.order, ...DEFAULT_ORDER.filter((w) => !params.order.includes(w))];
  for (const stage of order) {
    const { p, entropy } = referenceSoftmax(z, allowed);
    let keep = allowed;
    if (stage === 'temperature') {
      if (params.dynatemp_range > 0 && params.mirostat !== 2) {
        if (allowed.length <= 1) continue;
        const low = Math.max(0, params.temperature - params.dynatemp_range);
        const high = params.temperature + params.dynatemp_range;
        const t = low + (high - low) * (entropy / Math.log(allowed.length)) ** params.dynatemp_exponent;
        if (t > 0) z = z.map((x) => x / t);
        else {
          const top = largest(allowed.map((i) => z[i]));
          keep = allowed.filter((i) => z[i] === top);
        }
      } else if (params.temperature !== 1) z = z.map((x) => x / params.temperature);
    } else if (stage === 'top_k' && params.top_k > 0) {
      const k = Math.max(params.top_k, minKeep);
      if (k < allowed.length) {
        const t = allowed.map((i) => z[i]).sort((a, b) => b - a)[k - 1];
        keep = allowed.filter((i) => z[i] >= t);
      }
    } else if (stage === 'top_p' && params.top_p < 1) {
      const sorted = byProb(allowed);
      let cum = 0;
      let n = 0;
      while (n < sorted.length && (cum < params.top_p || n < minKeep)) cum += p.get(sorted[n++])!;
      keep = sorted.slice(0, n);
    } else if (stage === 'min_p' && params.min_p > 0) {
      keep = atLeast(p, params.min_p * largest(p.values()));
    } else if (stage === 'typical_p' && params.typical_p < 1) {
      const score = (i: number) => Math.abs(-Math.log(p.get(i)!) - entropy);
      const sorted = [...allowed].sort((a, b) => score(a) - score(b) || a - b);
      let cum = 0;
      let n = 0;
      while (n < sorted.length && cum < params.typical_p) cum += p.get(sorted[n++])!;
      const set = new Set(sorted.slice(0, n));
      for (const i of byProb(allowed)) if (set.size < minKeep) set.add(i);
      keep = [...set];
    } else if (stage === 'epsilon_cutoff' && params.epsilon_cutoff > 0) {
      keep = atLeast(p, params.epsilon_cutoff);
    } else if (stage === 'eta_cutoff' && params.eta_cutoff > 0) {
      keep = atLeast(p, Math.min(params.eta_cutoff, Math.sqrt(params.eta_cutoff) * Math.exp(-entropy)));
    } else if (stage === 'top_n_sigma' && params.top_n_sigma > 0) {
      const values = allowed.map((i) => z[i]);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const sigma = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
      const line = largest(values) - params.top_n_sigma * sigma;
      keep = allowed.filter((i) => z[i] >= line);
      if (keep.length < minKeep) keep = byProb(allowed).slice(0, minKeep);
    } else if (stage === 'xtc' && params.xtc_probability > 0 && params.xtc_threshold <= 0.5 && (extras.xtcRoll ?? 0) < params.xtc_probability) {
      const above = allowed.filter((i) => p.get(i)! >= params.xtc_threshold);
      if (above.length >= 2) {
        // The least probable stays; ties: the highest id.
        const stays = [...above].sort((a, b) => p.get(a)! - p.get(b)! || b - a)[0];
        const removed = new Set(above.filter((i) => i !== stays));
        if (allowed.length - removed.size >= minKeep) keep = allowed.filter((i) => !removed.has(i));
      }
    }
    allowed = [...keep].sort((a, b) => a - b);
  }
  if (params.mirostat === 2) {
    const { p } = referenceSoftmax(z, allowed);
    const mu = extras.mirostatMu ?? 2 * params.mirostat_tau;
    const keep = allowed.filter((i) => -Math.log2(p.get(i)!) <= mu);
    allowed = keep.length > 0 ? keep : byProb(allowed).slice(0, 1);
  }
  const { p } = referenceSoftmax(z, allowed);
  return { kept: allowed, probs: allowed.map((i) => p.get(i)!), greedy };
}

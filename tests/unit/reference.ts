// SAMPLING.md written out the plain way — float64, Math.exp, full sorts — as the yardstick for the fast core.
import type { SamplingParams } from '../../src/core';

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

/** Logits after repetition / frequency / presence penalties and bias (stages 1–3), NaN → -Infinity. */
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
    if (z[id] === -Infinity) continue;
    z[id] -= c * params.frequency_penalty + (c > 0 ? params.presence_penalty : 0);
  }
  for (const [id, b] of Object.entries(params.logit_bias)) {
    if (z[Number(id)] !== -Infinity) z[Number(id)] += b;
  }
  return z;
}

export function referenceStep(logits: ArrayLike<number>, params: SamplingParams, promptIds: number[] = [], generatedIds: number[] = []): ReferenceStep {
  let z = referencePenalised(logits, params, promptIds, generatedIds);
  let allowed = z.flatMap((x, i) => (x > -Infinity ? [i] : []));
  let greedy = allowed[0];
  for (const i of allowed) if (z[i] > z[greedy]) greedy = i;
  if (!params.do_sample || params.temperature === 0) return { kept: [greedy], probs: [1], greedy };
  const minKeep = params.min_tokens_to_keep;
  const byProb = (ids: number[], p: Map<number, number>) => [...ids].sort((a, b) => p.get(b)! - p.get(a)! || a - b);
  for (const stage of params.order) {
    const { p, entropy } = referenceSoftmax(z, allowed);
    if (stage === 'temperature') {
      if (params.temperature !== 1) z = z.map((x) => x / params.temperature);
      continue;
    }
    let keep: number[] = allowed;
    if (stage === 'top_k' && params.top_k > 0) {
      const k = Math.max(params.top_k, minKeep);
      if (k < allowed.length) {
        const t = [...allowed].map((i) => z[i]).sort((a, b) => b - a)[k - 1];
        keep = allowed.filter((i) => z[i] >= t);
      }
    } else if (stage === 'top_p' && params.top_p < 1) {
      const order = byProb(allowed, p);
      let cum = 0;
      let n = 0;
      while (n < order.length && (cum < params.top_p || n < minKeep)) cum += p.get(order[n++])!;
      keep = order.slice(0, n);
    } else if (stage === 'min_p' && params.min_p > 0) {
      let pmax = 0;
      for (const q of p.values()) pmax = Math.max(pmax, q);
      keep = allowed.filter((i) => p.get(i)! >= params.min_p * pmax);
      if (keep.length < minKeep) keep = byProb(allowed, p).slice(0, minKeep);
    } else if (stage === 'typical_p' && params.typical_p < 1) {
      const score = (i: number) => Math.abs(-Math.log(p.get(i)!) - entropy);
      const order = [...allowed].sort((a, b) => score(a) - score(b) || a - b);
      let cum = 0;
      let n = 0;
      while (n < order.length && cum < params.typical_p) cum += p.get(order[n++])!;
      keep = order.slice(0, n);
      if (keep.length < minKeep) {
        const set = new Set(keep);
        for (const i of byProb(allowed, p)) {
          if (set.size >= minKeep) break;
          set.add(i);
        }
        keep = [...set];
      }
    }
    allowed = [...keep].sort((a, b) => a - b);
  }
  const { p } = referenceSoftmax(z, allowed);
  return { kept: allowed, probs: allowed.map((i) => p.get(i)!), greedy };
}

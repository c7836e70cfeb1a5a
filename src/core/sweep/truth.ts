// Teaching-point distance: how far the next-token distribution a setting produces lies from the grammar's
// known one (teaching_points.json), as total variation over the whole vocabulary.

/** A final distribution: the kept ids and their probabilities (every other token has probability 0). */
export interface TokenDistribution {
  ids: ArrayLike<number>;
  probs: ArrayLike<number>;
}

/**
 * The known distribution over continuations moved onto first tokens: each continuation's probability goes to the
 * first token it is written with, and continuations sharing a first token (小明, 小红) add up. A continuation
 * whose first token is unknown (null) is an error: the distance would silently shrink.
 */
export function mapTruthToFirstTokens(next: Record<string, number>, firstToken: (continuation: string) => number | null): Map<number, number> {
  const out = new Map<number, number>();
  for (const [continuation, p] of Object.entries(next)) {
    const id = firstToken(continuation);
    if (id === null) throw new Error(`no first token for the continuation ${JSON.stringify(continuation)}`);
    out.set(id, (out.get(id) ?? 0) + p);
  }
  return out;
}

/** ½ Σ_v |p(v) − q(v)| over every token v, with q the mapped truth. */
export function totalVariation(dist: TokenDistribution, truth: ReadonlyMap<number, number>): number {
  let outside = 0;
  const inside = new Map<number, number>();
  for (let i = 0; i < dist.ids.length; i++) {
    const id = dist.ids[i];
    const p = dist.probs[i];
    if (truth.has(id)) inside.set(id, (inside.get(id) ?? 0) + p);
    else outside += p;
  }
  let sum = outside;
  for (const [id, q] of truth) sum += Math.abs((inside.get(id) ?? 0) - q);
  return sum / 2;
}

/** The mean total variation over teaching prompts. */
export function teachingDistance(points: readonly { dist: TokenDistribution; truth: ReadonlyMap<number, number> }[]): number {
  if (points.length === 0) return NaN;
  return points.reduce((s, p) => s + totalVariation(p.dist, p.truth), 0) / points.length;
}

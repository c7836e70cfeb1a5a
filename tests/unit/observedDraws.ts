// The decode loop draws without an observer and the step observer re-runs the chain with one: both must see the
// same step. Runs one pipeline each way over the same logits, seed and history, and returns what each decided.
import { SamplingPipeline, createRng, type SamplingParams } from '../../src/core';

export function drawsBothWays(logits: ArrayLike<number>, params: SamplingParams, seed: number, steps: number, topN = 30) {
  const decide = (observed: boolean) => {
    const pipe = new SamplingPipeline(logits.length);
    pipe.setParams(params);
    pipe.reset([]);
    const rng = createRng(seed);
    const out: { tokenId: number; greedyId: number; probability: number; rank: number; entropy: number; keptCount: number }[] = [];
    for (let i = 0; i < steps; i++) {
      const r = observed ? pipe.step(logits, rng, { topN }) : pipe.step(logits, rng);
      pipe.accept(r.tokenId);
      out.push({ tokenId: r.tokenId, greedyId: r.greedyId, probability: r.probability, rank: r.rank, entropy: r.entropy, keptCount: r.keptCount });
    }
    return out;
  };
  return { unobserved: decide(false), observed: decide(true) };
}

/**
 * Same tokens, ranks and kept counts; probabilities and entropies equal to the last few bits (observing can
 * change the order in which a sum adds the same weights).
 */
export function expectSameDecisions(a: ReturnType<typeof drawsBothWays>['observed'], b: typeof a, expect: (x: unknown) => { toEqual(y: unknown): void; toBeLessThan(y: number): void }): void {
  expect(a.map(({ tokenId, greedyId, rank, keptCount }) => [tokenId, greedyId, rank, keptCount])).toEqual(b.map(({ tokenId, greedyId, rank, keptCount }) => [tokenId, greedyId, rank, keptCount]));
  a.forEach((x, i) => {
    expect(Math.abs(x.probability - b[i].probability)).toBeLessThan(1e-12);
    expect(Math.abs(x.entropy - b[i].entropy)).toBeLessThan(1e-12 * Math.max(1, b[i].entropy));
  });
}

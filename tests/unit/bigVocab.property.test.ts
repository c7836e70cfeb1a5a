// Large vocabularies list only the head of the distribution and summarise the rest in logit bins: whatever the
// shape of the logits, the settings and the history, every decision must be the one SAMPLING.md gives, and the
// views must match the exact distribution.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HF_ORDER, OFF_PARAMS, SamplingPipeline, TAIL_MIN_VOCAB, createRng, sampleStep, type SamplingParams, type WarperName } from '../../src/core';
import { drawsBothWays, expectSameDecisions } from './observedDraws';
import { referencePenalised, referenceSoftmax, referenceStep } from './reference';
import { DEEP_TESTS, runs } from '../runs';

type Shape = 'realistic' | 'flat' | 'peaked' | 'quantized' | 'sparse';

/** Logits of a few shapes that stress different paths: a thin head, a head of thousands, ties on bin edges, holes. */
function makeLogits(vocab: number, shape: Shape, seed: number): Float32Array {
  const rng = createRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const z = new Float32Array(vocab);
  for (let i = 0; i < vocab; i++) {
    switch (shape) {
      case 'realistic': z[i] = -2 + 2.5 * gauss(); break;
      case 'flat': z[i] = 0.3 * rng.next(); break;
      case 'peaked': z[i] = -10 + gauss(); break;
      case 'quantized': z[i] = Math.round(4 * gauss() * 128) / 128; break;
      case 'sparse': z[i] = rng.next() < 0.7 ? -Infinity : gauss(); break;
    }
  }
  const lifted = shape === 'peaked' ? 3 : 40;
  for (let j = 0; j < lifted; j++) z[Math.floor(rng.next() * vocab)] += 6 + 8 * rng.next();
  if (shape === 'sparse') z[7] = Number.NaN;
  return z;
}

const orderArb = fc.shuffledSubarray([...HF_ORDER], { minLength: 5, maxLength: 5 }) as fc.Arbitrary<WarperName[]>;
const paramsArb: fc.Arbitrary<SamplingParams> = fc.record({
  temperature: fc.oneof(fc.constant(1), fc.double({ min: 0.1, max: 4, noNaN: true })),
  top_k: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3000 })),
  top_p: fc.oneof(fc.constant(1), fc.double({ min: 0.05, max: 0.999, noNaN: true })),
  min_p: fc.oneof(fc.constant(0), fc.double({ min: 1e-4, max: 0.5, noNaN: true })),
  typical_p: fc.oneof(fc.constant(1), fc.constant(1), fc.double({ min: 0.2, max: 0.99, noNaN: true })),
  repetition_penalty: fc.oneof(fc.constant(1), fc.double({ min: 0.5, max: 2, noNaN: true })),
  frequency_penalty: fc.double({ min: -2, max: 2, noNaN: true }),
  presence_penalty: fc.double({ min: -2, max: 2, noNaN: true }),
  min_tokens_to_keep: fc.integer({ min: 1, max: 700 }),
  order: orderArb,
}).map((r) => ({ ...OFF_PARAMS, ...r, logit_bias: {}, do_sample: true }));
const shapeArb = fc.constantFrom<Shape>('realistic', 'flat', 'peaked', 'quantized', 'sparse');
const vocabArb = fc.constantFrom(TAIL_MIN_VOCAB, 20_000, 40_000);

describe('big vocabularies: the summarised tail never changes a decision', () => {
  it('kept set, final probabilities and greedy id equal the plain reference', () => {
    fc.assert(fc.property(vocabArb, shapeArb, fc.integer({ min: 0, max: 1e6 }), paramsArb, fc.array(fc.nat(), { maxLength: 400 }), fc.boolean(),
      (vocab, shape, seed, params, history, bias) => {
        const logits = makeLogits(vocab, shape, seed);
        const ids = history.map((h) => (h * 7919) % vocab);
        const prompt = ids.slice(0, ids.length >> 1);
        const generated = ids.slice(ids.length >> 1);
        const p = bias ? { ...params, logit_bias: { [ids[0] ?? 3]: 50, 11: -100, 12: 9 } } : params;
        const ours = sampleStep({ logits, params: p, promptIds: prompt, generatedIds: generated, rng: createRng(seed), topN: 30 });
        const ref = referenceStep(logits, p, prompt, generated);
        expect(ours.greedyId).toBe(ref.greedy);
        expect(ours.kept!.ids).toEqual(ref.kept);
        ours.kept!.probs.forEach((q, i) => expect(Math.abs(q - ref.probs[i])).toBeLessThan(1e-9));
        expect(ref.kept).toContain(ours.tokenId);
      }), { numRuns: runs(15, 120) });
  });

  it('observing a step never changes what it decides, with the tail summarised', () => {
    fc.assert(fc.property(vocabArb, shapeArb, fc.integer({ min: 0, max: 1e6 }), paramsArb, (vocab, shape, seed, params) => {
      const { unobserved, observed } = drawsBothWays(makeLogits(vocab, shape, seed), params, seed, 3);
      expectSameDecisions(unobserved, observed, expect);
    }), { numRuns: runs(10, 60) });
  });

  it('top_p set a hair either side of a cumulative boundary cuts exactly where the reference does', () => {
    fc.assert(fc.property(vocabArb, shapeArb, fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 0.3, max: 2, noNaN: true }),
      fc.integer({ min: 1, max: 400 }), fc.constantFrom(-1e-6, -1e-9, 1e-9, 1e-6),
      (vocab, shape, seed, temperature, k, nudge) => {
        const logits = makeLogits(vocab, shape, seed);
        const all = Array.from(logits.keys()).filter((i) => logits[i] > -Infinity);
        const { p } = referenceSoftmax(Array.from(logits, (x) => x / temperature), all);
        const sorted = [...all].sort((a, b) => p.get(b)! - p.get(a)! || a - b);
        let cum = 0;
        for (let i = 0; i < Math.min(k, sorted.length - 1); i++) cum += p.get(sorted[i])!;
        const topP = cum * (1 + nudge);
        fc.pre(topP > 0 && topP < 1);
        // Within 1e-12 of a cumulative sum the answer is rounding (of exp and of the sums), not semantics.
        let before = 0;
        for (const id of sorted) {
          const after = before + p.get(id)!;
          if (after >= topP) {
            fc.pre(topP - before > 1e-12 && after - topP > 1e-12);
            break;
          }
          before = after;
        }
        const params = { ...OFF_PARAMS, temperature, top_p: topP };
        expect(sampleStep({ logits, params }).kept!.ids).toEqual(referenceStep(logits, params).kept);
      }), { numRuns: runs(10, 80) });
  });

  it('greedy finds the argmax when penalties push the whole head below the tail', () => {
    const vocab = 30_000;
    const logits = makeLogits(vocab, 'realistic', 5);
    // Every token in the listed head is in the history, and a strong penalty sinks them all.
    const head = Array.from(logits.keys()).sort((a, b) => logits[b] - logits[a]).slice(0, 2000);
    const params = { ...OFF_PARAMS, temperature: 0, frequency_penalty: 2, presence_penalty: 2 };
    const generated = [...head, ...head, ...head, ...head, ...head, ...head];
    const r = sampleStep({ logits, params, generatedIds: generated, topN: 30 });
    expect(r.greedyId).toBe(referenceStep(logits, params, [], generated).greedy);
  });

  it('stage views match the exact distribution at 151,936 tokens', () => {
    const vocab = 151_936;
    for (const shape of (DEEP_TESTS ? ['realistic', 'flat', 'quantized'] : ['realistic']) as Shape[]) {
      const logits = makeLogits(vocab, shape, 42);
      const params: SamplingParams = { ...OFF_PARAMS, temperature: 0.8, top_p: 0.95, min_p: 0.05, repetition_penalty: 1.1, frequency_penalty: 0.3, presence_penalty: 0.2 };
      const generated = Array.from({ length: 256 }, (_, i) => (i * 7919) % 5000);
      const r = sampleStep({ logits, params, generatedIds: generated, rng: createRng(1), topN: 30 });
      const all = Array.from(logits.keys()).filter((i) => logits[i] > -Infinity);
      const raw = referenceSoftmax(Array.from(logits), all);
      const z = referencePenalised(logits, params, [], generated);
      const penalised = referenceSoftmax(z, all);
      const scaled = referenceSoftmax(z.map((x) => x / 0.8), all);
      const byStage = Object.fromEntries(r.views.map((v) => [v.stage, v]));
      const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-6 * Math.max(1, Math.abs(b)));
      close(byStage.raw.entropy, raw.entropy);
      byStage.raw.ids.forEach((id, i) => close(byStage.raw.before[i], raw.p.get(id)!));
      close(byStage.frequency_presence_penalty.entropy, penalised.entropy);
      close(byStage.temperature.entropy, scaled.entropy);
      byStage.temperature.ids.forEach((id, i) => close(byStage.temperature.after[i], scaled.p.get(id)!));
      expect(byStage.raw.keptBefore).toBe(all.length);
      expect(byStage.top_p.keptAfter).toBe(referenceStep(logits, { ...params, min_p: 0 }, [], generated).kept.length);
      // The raw view lists the 30 most probable tokens, most probable first.
      const top = [...all].sort((a, b) => logits[b] - logits[a] || a - b).slice(0, 30);
      expect(byStage.raw.ids).toEqual(top);
    }
  });

  it('pipelines stepping in turn share the tail bins without mixing their steps', () => {
    const a = makeLogits(30_000, 'realistic', 1);
    const b = makeLogits(50_000, 'flat', 2);
    const params = { ...OFF_PARAMS, temperature: 0.7, top_p: 0.9, repetition_penalty: 1.3 };
    const alone = (logits: Float32Array) => {
      const pipe = new SamplingPipeline(logits.length);
      pipe.setParams(params);
      pipe.reset([1, 2, 3]);
      return pipe.step(logits, createRng(3), { topN: 30 });
    };
    const expectedA = alone(a);
    const expectedB = alone(b);
    const pipeA = new SamplingPipeline(a.length);
    const pipeB = new SamplingPipeline(b.length);
    for (const pipe of [pipeA, pipeB]) {
      pipe.setParams(params);
      pipe.reset([1, 2, 3]);
    }
    for (let round = 0; round < 3; round++) {
      expect(pipeA.step(a, createRng(3), { topN: 30 })).toEqual(expectedA);
      expect(pipeB.step(b, createRng(3), { topN: 30 })).toEqual(expectedB);
    }
    // A finished step's kept set is still there after another pipeline's step.
    pipeA.step(a, createRng(3));
    pipeB.step(b, createRng(3));
    expect(pipeA.keptDistribution(false, expectedA.greedyId).ids).toEqual(referenceStep(a, params, [1, 2, 3]).kept);
  });

  it('seeded draws over a whole large vocabulary follow the distribution (chi-square)', () => {
    const vocab = TAIL_MIN_VOCAB;
    const logits = makeLogits(vocab, 'peaked', 9);
    const params = { ...OFF_PARAMS, temperature: 1.3 };
    const ref = referenceStep(logits, params);
    const pipe = new SamplingPipeline(vocab);
    pipe.setParams(params);
    const rng = createRng(20261124);
    const n = 6000;
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const t = pipe.step(logits, rng).tokenId;
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    // Bucket the expected counts: the few big tokens alone, everything else as one "rest" bucket.
    const big = ref.kept.filter((_, i) => ref.probs[i] * n >= 50);
    let chi2 = 0;
    let restExpected = n;
    let restSeen = n;
    for (const id of big) {
      const e = n * ref.probs[ref.kept.indexOf(id)];
      const seen = counts.get(id) ?? 0;
      chi2 += (seen - e) ** 2 / e;
      restExpected -= e;
      restSeen -= seen;
    }
    chi2 += (restSeen - restExpected) ** 2 / restExpected;
    expect(big.length).toBeGreaterThan(1);
    expect(big.length).toBeLessThan(20);
    // 99.9th percentile of chi-square with ≤ 20 degrees of freedom is below 46.
    expect(chi2).toBeLessThan(46);
  });
});

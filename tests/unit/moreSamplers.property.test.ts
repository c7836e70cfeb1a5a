// The samplers of SAMPLING.md "More samplers" against a plain reference and their own invariants: top-nσ's kept
// set ignores a temperature before it, XTC keeps min_tokens_to_keep and the least likely of the tokens above its
// threshold, DRY never raises a logit, mirostat's μ steers the observed surprise to τ; exact on large vocabularies.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Candidates, DEFAULT_ORDER, OFF_PARAMS, SamplingPipeline, TAIL_MIN_VOCAB, TokenHistory, buildChain, createRng, sampleStep,
  type SamplingParams, type WarperName,
} from '../../src/core';
import { referenceStep } from './reference';

const DEEP = Boolean(process.env.LOGITLAB_DEEP_TESTS);
const runs = (everyday: number, deep: number) => (DEEP ? deep : everyday);

// Logits on a 1e-6 grid: two logits a denormal apart tie in probability but not in order, a rounding question
// SAMPLING.md does not settle.
const logitsArb = (min: number, max: number) => fc.array(fc.oneof(
  { weight: 12, arbitrary: fc.double({ min: -8, max: 8, noNaN: true }).map((x) => Math.round(x * 1e6) / 1e6) },
  { weight: 1, arbitrary: fc.constant(-Infinity) },
), { minLength: min, maxLength: max }).filter((z) => z.some((x) => x > -Infinity));

const orderArb = fc.shuffledSubarray([...DEFAULT_ORDER], { minLength: 0, maxLength: DEFAULT_ORDER.length }) as fc.Arbitrary<WarperName[]>;

const zooParamsArb: fc.Arbitrary<SamplingParams> = fc.record({
  temperature: fc.oneof(fc.constant(1), fc.double({ min: 0.2, max: 3, noNaN: true })),
  top_k: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 })),
  min_p: fc.oneof(fc.constant(0), fc.double({ min: 0.01, max: 0.3, noNaN: true })),
  repetition_penalty: fc.oneof(fc.constant(1), fc.double({ min: 0.8, max: 1.5, noNaN: true })),
  min_tokens_to_keep: fc.integer({ min: 1, max: 4 }),
  dry_multiplier: fc.oneof(fc.constant(0), fc.double({ min: 0.1, max: 3, noNaN: true })),
  dry_base: fc.double({ min: 1.05, max: 3, noNaN: true }),
  dry_allowed_length: fc.integer({ min: 1, max: 4 }),
  dry_penalty_last_n: fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: 30 })),
  top_n_sigma: fc.oneof(fc.constant(0), fc.double({ min: 0.2, max: 3, noNaN: true })),
  xtc_probability: fc.oneof(fc.constant(0), fc.double({ min: 0.05, max: 1, noNaN: true })),
  xtc_threshold: fc.double({ min: 0.01, max: 0.6, noNaN: true }),
  epsilon_cutoff: fc.oneof(fc.constant(0), fc.double({ min: 1e-4, max: 0.1, noNaN: true })),
  eta_cutoff: fc.oneof(fc.constant(0), fc.double({ min: 1e-4, max: 0.1, noNaN: true })),
  dynatemp_range: fc.oneof(fc.constant(0), fc.double({ min: 0.1, max: 2, noNaN: true })),
  dynatemp_exponent: fc.double({ min: 0.2, max: 3, noNaN: true }),
  mirostat: fc.constantFrom(0, 0, 0, 2),
  mirostat_tau: fc.double({ min: 0.5, max: 8, noNaN: true }),
  order: orderArb,
}).map((r) => ({ ...OFF_PARAMS, ...r, logit_bias: {}, do_sample: true }));

function expectSameStep(ours: ReturnType<typeof sampleStep>, ref: ReturnType<typeof referenceStep>, tolerance: number): void {
  expect(ours.greedyId).toBe(ref.greedy);
  expect(ours.kept!.ids).toEqual(ref.kept);
  ours.kept!.probs.forEach((q, i) => expect(Math.abs(q - ref.probs[i])).toBeLessThan(tolerance));
}

describe('more samplers: the reference, small vocabularies', () => {
  it('kept set, probabilities and greedy id equal the plain reference for any mix, order and history', () => {
    fc.assert(fc.property(logitsArb(1, 60), zooParamsArb, fc.array(fc.nat(), { maxLength: 40 }), fc.double({ min: 0, max: 0.999, noNaN: true }),
      fc.double({ min: 0.5, max: 12, noNaN: true }), fc.array(fc.nat(), { maxLength: 3 }),
      (logits, params, history, xtcRoll, mirostatMu, breakers) => {
        const vocab = logits.length;
        // Few distinct ids make repeats (DRY's matches) common.
        const ids = history.map((h) => h % Math.min(vocab, 5));
        const prompt = ids.slice(0, ids.length >> 1);
        const generated = ids.slice(ids.length >> 1);
        const p = { ...params, dry_breaker_ids: breakers.map((b) => b % vocab) };
        const ours = sampleStep({ logits, params: p, promptIds: prompt, generatedIds: generated, xtcRoll, mirostatMu, topN: 10 });
        const ref = referenceStep(logits, p, prompt, generated, { xtcRoll, mirostatMu });
        expectSameStep(ours, ref, 1e-9);
      }), { numRuns: runs(400, 4000) });
  });
  it('dynatemp reads a near-zero entropy exactly after DRY moved a logit (found by the deep run)', () => {
    // DRY takes token 2 from -1.1 to -41.9: the entropy left is ~3e-17 nats, lost in the cancellation of sums moved
    // by differences; raised to the power 0.2 it decides whether the temperature is ~2e-4 (both kept) or 0 (one).
    const logits = [-Infinity, 0, -1.098613];
    const params: SamplingParams = {
      ...OFF_PARAMS, logit_bias: {}, do_sample: true, order: [], temperature: 0.2, top_k: 1, min_tokens_to_keep: 2,
      dry_multiplier: 0.16773148000645027, dry_base: 2.9999999999999996, dry_allowed_length: 1, dry_penalty_last_n: -1,
      top_n_sigma: 0.2, dynatemp_range: 0.2, dynatemp_exponent: 0.2, dry_breaker_ids: [],
    };
    const [prompt, generated] = [[2, 2, 2], [2, 2, 2, 2]];
    const ours = sampleStep({ logits, params, promptIds: prompt, generatedIds: generated, xtcRoll: 0, mirostatMu: 0.5, topN: 10 });
    const ref = referenceStep(logits, params, prompt, generated, { xtcRoll: 0, mirostatMu: 0.5 });
    expect(ref.kept).toEqual([1, 2]);
    expectSameStep(ours, ref, 1e-9);
  });
});

describe('more samplers: invariants', () => {
  it('top-nσ keeps the same tokens whatever temperature runs before it', () => {
    fc.assert(fc.property(logitsArb(2, 80), fc.double({ min: 0.1, max: 3, noNaN: true }), fc.double({ min: 0.05, max: 5, noNaN: true }),
      (logits, n, temperature) => {
        const plain = { ...OFF_PARAMS, top_n_sigma: n, order: ['top_n_sigma'] as WarperName[] };
        const heated = { ...plain, temperature, order: ['temperature', 'top_n_sigma'] as WarperName[] };
        expect(sampleStep({ logits, params: heated }).kept!.ids).toEqual(sampleStep({ logits, params: plain }).kept!.ids);
      }), { numRuns: runs(300, 3000) });
  });

  it('XTC never leaves fewer than min_tokens_to_keep and never removes the least likely of the tokens above its threshold', () => {
    fc.assert(fc.property(logitsArb(1, 40), fc.double({ min: 0.01, max: 0.5, noNaN: true }), fc.integer({ min: 1, max: 6 }),
      (logits, threshold, minKeep) => {
        const params = { ...OFF_PARAMS, xtc_probability: 1, xtc_threshold: threshold, min_tokens_to_keep: minKeep };
        const allowed = logits.filter((z) => z > -Infinity).length;
        const kept = sampleStep({ logits, params, xtcRoll: 0 }).kept!.ids;
        expect(kept.length).toBeGreaterThanOrEqual(Math.min(minKeep, allowed));
        const max = Math.max(...logits);
        const total = logits.reduce((s, z) => s + Math.exp(z - max), 0);
        const p = logits.map((z) => Math.exp(z - max) / total);
        const above = logits.flatMap((z, id) => (z > -Infinity && p[id] >= threshold ? [id] : []));
        if (above.length === 0) return;
        // The least probable of them (ties: the highest id) always stays.
        const least = [...above].sort((a, b) => p[a] - p[b] || b - a)[0];
        expect(kept).toContain(least);
      }), { numRuns: runs(400, 4000) });
  });

  it('DRY never raises a logit, and lowers only tokens that would extend a repeat of the allowed length', () => {
    fc.assert(fc.property(logitsArb(2, 30), fc.array(fc.nat(), { maxLength: 60 }), fc.double({ min: 0.01, max: 5, noNaN: true }),
      fc.double({ min: 1.01, max: 4, noNaN: true }), fc.integer({ min: 1, max: 5 }), fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: 40 })),
      (logits, history, multiplier, base, allowed, lastN) => {
        const vocab = logits.length;
        const ids = history.map((h) => h % Math.min(vocab, 4));
        const params = { ...OFF_PARAMS, dry_multiplier: multiplier, dry_base: base, dry_allowed_length: allowed, dry_penalty_last_n: lastN };
        const tokens = new TokenHistory(vocab);
        tokens.reset(ids);
        const { pre } = buildChain(params, tokens);
        const c = new Candidates(vocab);
        c.load(logits);
        for (const stage of pre) stage.apply(c);
        for (let id = 0; id < vocab; id++) {
          const i = c.indexOf(id);
          if (i < 0) continue;
          expect(c.logits[i]).toBeLessThanOrEqual(logits[id]);
          // A token that never followed anything in the window is untouched.
          const window = lastN > 0 ? ids.slice(-lastN) : ids;
          if (!window.slice(1).includes(id)) expect(c.logits[i]).toBe(logits[id]);
        }
      }), { numRuns: runs(300, 3000) });
  });

  it('mirostat moves μ against the surprise error at every step and brings the average surprise to τ', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 2.5, max: 5.5, noNaN: true }), (seed, tau) => {
      // A Zipf-like vocabulary of 400 tokens: surprises from ~2 to ~11 bits, so any τ here is reachable.
      const logits = Array.from({ length: 400 }, (_, i) => -1.1 * Math.log(i + 1));
      const eta = 0.1;
      const pipe = new SamplingPipeline(logits.length);
      pipe.setParams({ ...OFF_PARAMS, mirostat: 2, mirostat_tau: tau, mirostat_eta: eta });
      pipe.reset([]);
      const rng = createRng(seed);
      const surprises: number[] = [];
      for (let step = 0; step < 600; step++) {
        const mu = pipe.mirostatMu;
        const r = pipe.step(logits, rng);
        pipe.accept(r.tokenId);
        const surprise = -Math.log2(r.probability);
        surprises.push(surprise);
        expect(pipe.mirostatMu - mu).toBeCloseTo(-eta * (surprise - tau), 9);
      }
      const late = surprises.slice(200);
      const mean = late.reduce((a, b) => a + b, 0) / late.length;
      expect(Math.abs(mean - tau)).toBeLessThan(0.6);
    }), { numRuns: runs(10, 60) });
  });

  it('XTC takes its coin from the run\'s generator before the draw: same seed, same tokens, observed or not', () => {
    const logits = Array.from({ length: 50 }, (_, i) => Math.sin(i) * 3);
    const params = { ...OFF_PARAMS, xtc_probability: 0.5, xtc_threshold: 0.05, top_n_sigma: 2 };
    const run = (observed: boolean) => {
      const pipe = new SamplingPipeline(logits.length);
      pipe.setParams(params);
      pipe.reset([]);
      const rng = createRng(7);
      return Array.from({ length: 40 }, () => {
        const r = observed ? pipe.step(logits, rng, { topN: 10 }) : pipe.step(logits, rng);
        pipe.accept(r.tokenId);
        return [r.tokenId, r.xtcRoll];
      });
    };
    const plain = run(false);
    expect(run(true)).toEqual(plain);
    // The coin is the generator's first number of each step; the token's draw is its second.
    const rng = createRng(7);
    const coins = plain.map(() => {
      const coin = rng.next();
      rng.next();
      return coin;
    });
    expect(plain.map(([, roll]) => roll)).toEqual(coins);
    expect(new Set(coins.map((c) => c! < 0.5)).size).toBe(2);
  });

  it('an observer given the step\'s coin sees what the draw saw', () => {
    const logits = Array.from({ length: 30 }, (_, i) => Math.cos(i * 1.7) * 2);
    const params = { ...OFF_PARAMS, xtc_probability: 0.6, xtc_threshold: 0.03 };
    const drawer = new SamplingPipeline(30);
    const observer = new SamplingPipeline(30);
    for (const p of [drawer, observer]) {
      p.setParams(params);
      p.reset([]);
    }
    const rng = createRng(3);
    for (let step = 0; step < 30; step++) {
      const drawn = drawer.step(logits, rng);
      const seen = observer.step(logits, null, { topN: 30 }, { xtcRoll: drawn.xtcRoll });
      expect(seen.keptCount).toBe(drawn.keptCount);
      const xtc = seen.views.find((v) => v.stage === 'xtc')!;
      expect(xtc.note!.coin).toBe(drawn.xtcRoll);
      expect(xtc.note!.fired).toBe(drawn.xtcRoll! < 0.6);
      drawer.accept(drawn.tokenId);
      observer.accept(drawn.tokenId);
    }
  });
});

describe('more samplers: large vocabularies stay exact with the tail summarised', () => {
  const vocabArb = fc.constantFrom(TAIL_MIN_VOCAB, 24_000, 40_000);
  function bigLogits(vocab: number, seed: number, spread: number): Float32Array {
    const rng = createRng(seed);
    const z = new Float32Array(vocab);
    for (let i = 0; i < vocab; i++) z[i] = -2 + spread * Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    for (let j = 0; j < 30; j++) z[Math.floor(rng.next() * vocab)] += 5 + 8 * rng.next();
    return z;
  }

  it('kept set and probabilities equal the plain reference', () => {
    fc.assert(fc.property(vocabArb, fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 0.3, max: 3, noNaN: true }), zooParamsArb,
      fc.array(fc.nat(), { maxLength: 200 }), fc.double({ min: 0, max: 0.999, noNaN: true }),
      (vocab, seed, spread, params, history, xtcRoll) => {
        const logits = bigLogits(vocab, seed, spread);
        const ids = history.map((h) => (h % 7) * 977);
        const prompt = ids.slice(0, ids.length >> 1);
        const generated = ids.slice(ids.length >> 1);
        const ours = sampleStep({ logits, params, promptIds: prompt, generatedIds: generated, xtcRoll, topN: 30 });
        const ref = referenceStep(logits, params, prompt, generated, { xtcRoll });
        expectSameStep(ours, ref, 1e-9);
      }), { numRuns: runs(8, 80) });
  }, DEEP ? 1_200_000 : undefined);

  it('top-nσ, XTC, ε and mirostat at 151,936 tokens match the reference', () => {
    const vocab = 151_936;
    const logits = bigLogits(vocab, 11, 2.5);
    // The plain reference takes ~10 s a case at this size: the deep run checks them all.
    const cases: Partial<SamplingParams>[] = [
      { top_n_sigma: 1.5, xtc_probability: 1, xtc_threshold: 0.01, min_p: 0.05, dry_multiplier: 0.8 },
      ...(DEEP ? [{ top_n_sigma: 3, temperature: 0.7 }, { top_n_sigma: 1 }, { xtc_probability: 1, xtc_threshold: 0.02 }, { epsilon_cutoff: 1e-5 }, { mirostat: 2, mirostat_tau: 5 }] : []),
    ];
    const generated = Array.from({ length: 300 }, (_, i) => [5, 9, 13][i % 3] * 1000 + (i % 7 === 0 ? 1 : 0));
    for (const c of cases) {
      const params = { ...OFF_PARAMS, ...c };
      expectSameStep(sampleStep({ logits, params, generatedIds: generated, xtcRoll: 0, topN: 30 }), referenceStep(logits, params, [], generated, { xtcRoll: 0 }), 1e-9);
    }
  }, DEEP ? 600_000 : undefined);
});

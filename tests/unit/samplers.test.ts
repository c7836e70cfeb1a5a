// Table-driven checks of each stage, the views, typed errors and numeric edge cases.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PARAMS, LLAMA_CPP_ORDER, NoAllowedTokenError, OFF_PARAMS, SamplingParamError, SamplingPipeline,
  createRng, parseLogitBias, parseParamValue, sampleStep, validateParams, type SamplingParams,
} from '../../src/core';

const weather = [3.0, 2.5, 2.0, 1.0];
const p = (over: Partial<SamplingParams>): SamplingParams => ({ ...OFF_PARAMS, ...over });

describe('filters keep what SAMPLING.md says', () => {
  const flat = [2.0, 1.9, 1.8, 1.7];
  it.each([
    ['top_k 3', weather, p({ top_k: 3 }), [0, 1, 2]],
    ['top_k 1 with the top two tied keeps both', [3.0, 3.0, 2.0, 1.0], p({ top_k: 1 }), [0, 1]],
    ['top_p 0.85 on a flat distribution keeps all four', flat, p({ top_p: 0.85 }), [0, 1, 2, 3]],
    ['min_p 0.2', weather, p({ min_p: 0.2 }), [0, 1, 2]],
    ['min_p 0.5 keeps tokens at least half the top', weather, p({ min_p: 0.5 }), [0, 1]],
    ['typical 0.5', weather, p({ typical_p: 0.5 }), [0, 1]],
    ['min_tokens_to_keep 3 beats top_k 1', weather, p({ top_k: 1, min_tokens_to_keep: 3 }), [0, 1, 2]],
    ['min_tokens_to_keep 2 beats min_p 0.9', weather, p({ min_p: 0.9, min_tokens_to_keep: 2 }), [0, 1]],
    ['min_tokens_to_keep 4 beats typical 0.1', weather, p({ typical_p: 0.1, min_tokens_to_keep: 4 }), [0, 1, 2, 3]],
  ])('%s', (_name, logits, params, kept) => {
    expect(sampleStep({ logits, params }).kept!.ids).toEqual(kept);
  });

  it('top_k keeps every token tied with the k-th', () => {
    expect(sampleStep({ logits: [1, 1, 1, 0], params: p({ top_k: 2 }) }).kept!.ids).toEqual([0, 1, 2]);
  });

  it('llama.cpp order applies temperature after the filters', () => {
    const hf = sampleStep({ logits: weather, params: p({ temperature: 2, top_p: 0.7 }) }).kept!.ids;
    const llama = sampleStep({ logits: weather, params: p({ temperature: 2, top_p: 0.7, order: [...LLAMA_CPP_ORDER] }) }).kept!.ids;
    expect(hf).toEqual([0, 1, 2]);
    expect(llama).toEqual([0, 1]);
  });
});

describe('penalties and bias', () => {
  it('repetition penalty divides positive and multiplies negative logits of seen tokens', () => {
    const r = sampleStep({ logits: [2, -1, 0.5], params: p({ repetition_penalty: 2 }), promptIds: [0, 1] });
    const z = [1, -2, 0.5];
    const zs = z.map(Math.exp);
    const total = zs.reduce((a, b) => a + b);
    r.kept!.probs.forEach((q, i) => expect(q).toBeCloseTo(zs[i] / total, 12));
  });

  it('frequency counts only generated ids, presence once', () => {
    const r = sampleStep({ logits: [0, 0, 0], params: p({ frequency_penalty: 1, presence_penalty: 0.5 }), promptIds: [2], generatedIds: [0, 0, 1] });
    const z = [-2.5, -1.5, 0].map(Math.exp);
    const total = z.reduce((a, b) => a + b);
    r.kept!.probs.forEach((q, i) => expect(q).toBeCloseTo(z[i] / total, 12));
  });

  it('a bias of -100 lowers a token without removing it', () => {
    const r = sampleStep({ logits: weather, params: p({ logit_bias: { 0: -100 } }) });
    expect(r.kept!.ids).toEqual([0, 1, 2, 3]);
    expect(r.greedyId).toBe(1);
  });
});

describe('greedy', () => {
  it.each([
    ['temperature 0', p({ temperature: 0 })],
    ['do_sample false', p({ do_sample: false, temperature: 1.7 })],
  ])('%s picks the argmax with probability 1', (_n, params) => {
    const r = sampleStep({ logits: [1, 5, 5, 2], params, rng: createRng(7) });
    expect(r.tokenId).toBe(1);
    expect(r.probability).toBe(1);
    expect(r.kept).toEqual({ ids: [1], probs: [1] });
  });
});

describe('numeric edge cases', () => {
  it('NaN counts as -Infinity', () => {
    expect(sampleStep({ logits: [NaN, 1, 0], params: OFF_PARAMS }).kept!.ids).toEqual([1, 2]);
  });
  it('all -Infinity is a typed error, never NaN', () => {
    expect(() => sampleStep({ logits: [-Infinity, NaN], params: OFF_PARAMS })).toThrow(NoAllowedTokenError);
  });
  it('logits of ±1e30 do not break softmax', () => {
    const r = sampleStep({ logits: [1e30, -1e30, 1e30], params: OFF_PARAMS, rng: createRng(1), topN: 3 });
    expect(r.kept!.probs).toEqual([0.5, 0, 0.5]);
    for (const v of r.views) for (const x of [...v.before, ...v.after, v.entropy]) expect(Number.isFinite(x)).toBe(true);
  });
  it.each([
    ['temperature 0.5 on +Infinity', p({ temperature: 0.5, top_p: 0.9 }), [5, 6], []],
    ['repetition_penalty 0.5 on the largest finite logit', p({ repetition_penalty: 0.5 }), [5, 6], [5]],
  ])('%s stays finite: the tied top tokens share the mass', (_name, params, kept, prompt) => {
    for (const vocab of [8, 20_000]) {
      const logits = new Float32Array(vocab).fill(1);
      logits[5] = Infinity;
      logits[6] = Infinity;
      const r = sampleStep({ logits, params, promptIds: prompt, rng: createRng(1), topN: 5 });
      expect(r.kept!.ids.filter((id) => r.kept!.probs[r.kept!.ids.indexOf(id)] > 0)).toEqual(kept);
      for (const v of r.views) for (const x of [...v.before, ...v.after, v.entropy, v.removedMass]) expect(Number.isFinite(x)).toBe(true);
      expect(r.probability).toBeCloseTo(0.5, 12);
    }
  });
  it('a large vocabulary with one allowed token, or nearly all NaN, still draws', () => {
    const one = new Float32Array(20_000).fill(-Infinity);
    one[123] = 0.5;
    expect(sampleStep({ logits: one, params: p({ top_p: 0.9, temperature: 0.7 }), rng: createRng(1), topN: 5 }).tokenId).toBe(123);
    const nan = new Float32Array(20_000).fill(NaN);
    nan[7] = 2;
    nan[8] = 3;
    const r = sampleStep({ logits: nan, params: p({ top_k: 5 }), rng: createRng(1), topN: 5 });
    expect(r.kept!.ids).toEqual([7, 8]);
    expect(r.kept!.probs[1]).toBeCloseTo(Math.exp(1) / (1 + Math.exp(1)), 12);
  });
  it('a vocabulary of one token works with every filter on', () => {
    const r = sampleStep({ logits: [0.3], params: p({ top_k: 5, top_p: 0.5, min_p: 0.5, typical_p: 0.5, temperature: 0.7 }), rng: createRng(3), topN: 5 });
    expect(r.tokenId).toBe(0);
    expect(r.probability).toBe(1);
  });
});

describe('typed parameter errors name the parameter and its range', () => {
  it.each([
    ['temperature', { temperature: -1 }],
    ['top_p', { top_p: 1.5 }],
    ['top_p', { top_p: 0 }],
    ['top_k', { top_k: 2.5 }],
    ['repetition_penalty', { repetition_penalty: 0 }],
    ['frequency_penalty', { frequency_penalty: 3 }],
    ['min_tokens_to_keep', { min_tokens_to_keep: 0 }],
    ['temperature', { temperature: NaN }],
    ['logit_bias', { logit_bias: { 10: 1 } }],
    ['logit_bias[1]', { logit_bias: { 1: 101 } }],
    ['order', { order: ['top_k', 'top_k', 'top_p', 'min_p', 'typical_p'] as SamplingParams['order'] }],
  ])('%s', (param, over) => {
    try {
      validateParams(p(over as Partial<SamplingParams>), 4);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SamplingParamError);
      expect((e as SamplingParamError).param).toBe(param);
      expect((e as SamplingParamError).message).toContain(param);
    }
  });

  it.each([['top_p', '7'], ['top_p', ''], ['temperature', 'abc'], ['top_k', '1e999'], ['top_k', '3.5'], ['seed', '-1'], ['temperature', '0.5x']])(
    'parseParamValue(%s, %j) refuses', (name, raw) => {
      expect(() => parseParamValue(name, raw)).toThrow(SamplingParamError);
    });

  it('parseParamValue accepts good values exactly', () => {
    expect(parseParamValue('top_p', '0.9')).toBe(0.9);
    expect(parseParamValue('temperature', '3')).toBe(3);
    expect(parseParamValue('seed', '4294967295')).toBe(4294967295);
  });

  it('parseParamValue reads "-0" as 0, the value a link writes back (found by the deep URL property run)', () => {
    expect(Object.is(parseParamValue('top_k', '-0'), 0)).toBe(true);
    expect(Object.is(parseParamValue('temperature', '-0.0'), 0)).toBe(true);
    expect(Object.is(parseLogitBias('13:-0')[13], 0)).toBe(true);
  });
});

describe('stage views', () => {
  it('report removed count, removed mass, thresholds and the stage that cut each token', () => {
    const r = sampleStep({ logits: weather, params: p({ top_k: 3, top_p: 0.6, min_p: 0.1 }), rng: createRng(1), topN: 10 });
    const names = r.views.map((v) => v.stage);
    expect(names).toEqual(['raw', 'top_k', 'top_p', 'min_p', 'draw']);
    const topK = r.views[1];
    expect(topK.removedCount).toBe(1);
    expect(topK.removedMass).toBeCloseTo(0.06414768542935738, 10);
    const topP = r.views[2];
    expect(topP.threshold).toBe(0.6);
    expect(topP.keptAfter).toBe(2);
    expect(r.fates.find((f) => f.id === 3)!.removedBy).toBe('top_k');
    expect(r.fates.find((f) => f.id === 2)!.removedBy).toBe('top_p');
    expect(r.fates.find((f) => f.id === 0)!.removedBy).toBeNull();
    for (const v of r.views) expect(v.ids.length).toBeLessThanOrEqual(10);
  });

  it('never builds a view larger than top-N on a big vocabulary', () => {
    const logits = Float32Array.from({ length: 50_000 }, (_, i) => Math.sin(i) * 5);
    const pipe = new SamplingPipeline(logits.length);
    pipe.setParams({ ...DEFAULT_PARAMS, top_k: 0, top_p: 0.9, temperature: 0.8 });
    const r = pipe.step(logits, createRng(2), { topN: 30 });
    for (const v of r.views) expect(v.ids.length).toBeLessThanOrEqual(30);
  });
});

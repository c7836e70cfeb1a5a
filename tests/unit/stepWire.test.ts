// The packed step on the worker → main thread wire: what the main thread rebuilds equals what the worker built,
// for real pipeline output and for arbitrary events; token texts travel once per model.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_PARAMS, STAGE_NAMES, SamplingPipeline, createRng, type StageName, type StageView, type TokenFate } from '../../src/core';
import type { StepEvent } from '../../src/engine/protocol';
import { StepPacker, StepUnpacker } from '../../src/engine/stepWire';

const STAGES: readonly StageName[] = STAGE_NAMES;

function eventFrom(step: number, views: StageView[], fates: TokenFate[], tokenId: number, text: (id: number) => string): StepEvent {
  const tokenTexts: Record<number, string> = {};
  for (const v of views) for (const id of v.ids) tokenTexts[id] = text(id);
  for (const f of fates) tokenTexts[f.id] = text(f.id);
  tokenTexts[tokenId] = text(tokenId);
  return {
    runId: 3, step, tokenId, tokenText: text(tokenId), textDelta: step % 2 ? text(tokenId) : '', views, fates, entropy: 1.5,
    probability: 0.25, rank: 1, greedyId: views[0]?.ids[0] ?? tokenId, tokenTexts, timings: { forwardMs: 1.25, pipelineMs: 0.0625, observeMs: 0.03125 },
  };
}

/** One step alone through the wire as postMessage would carry it (a structured clone), then unpacked. */
function roundTrip(packer: StepPacker, unpacker: StepUnpacker, event: StepEvent): StepEvent {
  packer.add(event);
  const { packed, transfer } = packer.take();
  expect(transfer).toEqual([packed.numbers.buffer]);
  const events = unpacker.unpack(structuredClone(packed));
  expect(events).toHaveLength(1);
  return events[0];
}

/** The packed form of one step (its strings show which texts travel). */
function packOne(packer: StepPacker, event: StepEvent) {
  packer.add(event);
  return packer.take().packed;
}

describe('StepPacker / StepUnpacker', () => {
  it('rebuilds sampled pipeline steps exactly, with every stage of a long chain', () => {
    const vocab = 500;
    const pipeline = new SamplingPipeline(vocab);
    pipeline.setParams({
      ...DEFAULT_PARAMS, temperature: 0.8, top_k: 40, top_p: 0.9, min_p: 0.02, typical_p: 0.95, repetition_penalty: 1.2,
      frequency_penalty: 0.3, presence_penalty: 0.2, logit_bias: { 7: 3, 9: -100 },
    });
    pipeline.reset([1, 2, 3]);
    const rng = createRng(5);
    const packer = new StepPacker();
    const unpacker = new StepUnpacker();
    for (let step = 0; step < 20; step++) {
      const logits = Float32Array.from({ length: vocab }, (_, i) => Math.sin(i * 12.9898 + step) * 6);
      const result = pipeline.step(logits, rng, { topN: 30 });
      pipeline.accept(result.tokenId);
      const event = eventFrom(step, result.views, result.fates, result.tokenId, (id) => `‹${id}›`);
      const back = roundTrip(packer, unpacker, event);
      expect(back).toEqual(event);
      expect(back.views.map((v) => v.stage)).toEqual(event.views.map((v) => v.stage));
      expect(back.views.some((v) => v.threshold !== undefined)).toBe(true);
    }
  });

  it('a batch of many steps travels as one buffer and comes back as the same steps in order', () => {
    const vocab = 300;
    const pipeline = new SamplingPipeline(vocab);
    pipeline.setParams({ ...DEFAULT_PARAMS, temperature: 0.9, top_p: 0.95 });
    pipeline.reset([]);
    const rng = createRng(8);
    const packer = new StepPacker();
    const unpacker = new StepUnpacker();
    const sent: StepEvent[] = [];
    // Enough steps to outgrow the packer's first buffer, and texts that first travel mid-batch.
    for (let step = 0; step < 60; step++) {
      const logits = Float32Array.from({ length: vocab }, (_, i) => Math.cos(i * 7.31 + step) * 5);
      const result = pipeline.step(logits, rng, { topN: 30 });
      const event = eventFrom(step, result.views, result.fates, result.tokenId, (id) => `「${id}」`);
      sent.push(event);
      packer.add(event);
    }
    expect(packer.pending).toBe(60);
    const { packed, transfer } = packer.take();
    expect(transfer).toEqual([packed.numbers.buffer]);
    expect(packer.pending).toBe(0);
    expect(unpacker.unpack(structuredClone(packed))).toEqual(sent);
    // The next batch starts empty and still knows which texts went.
    packer.add(sent[59]);
    const next = packer.take().packed;
    expect(next.count).toBe(1);
    expect(next.strings).toHaveLength(2);
    expect(unpacker.unpack(next)).toEqual([sent[59]]);
  });

  it('round-trips any event, including -0, NaN-free extremes, empty views and null fates', () => {
    const id = fc.integer({ min: 0, max: 151_935 });
    const prob = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constant(-0));
    const view = fc.record({
      stage: fc.constantFrom(...STAGES), n: fc.integer({ min: 0, max: 40 }), keptBefore: fc.nat(), keptAfter: fc.nat(), removedCount: fc.nat(),
      removedMass: prob, entropy: fc.double({ min: 0, max: 20, noNaN: true }), threshold: fc.option(prob, { nil: undefined }),
      ids: fc.array(id, { maxLength: 40 }),
    }).map(({ n, ids, threshold, ...rest }): StageView => {
      const count = Math.min(n, ids.length);
      const v: StageView = { ...rest, ids: ids.slice(0, count), before: ids.slice(0, count).map((x) => (x % 97) / 97), after: ids.slice(0, count).map((x) => (x % 89) / 89) };
      if (threshold !== undefined) v.threshold = threshold;
      return v;
    });
    const fate = fc.record({ id, rawProb: prob, finalProb: prob, removedBy: fc.option(fc.constantFrom(...STAGES), { nil: null }) });
    fc.assert(fc.property(fc.array(view, { maxLength: 10 }), fc.array(fate, { maxLength: 40 }), id, fc.string(), (views, fates, tokenId, delta) => {
      const event = { ...eventFrom(0, views, fates, tokenId, (x) => `t${x}`), textDelta: delta };
      expect(roundTrip(new StepPacker(), new StepUnpacker(), event)).toEqual(event);
    }));
  });

  it('sends each token text once, and again only when it changed', () => {
    const packer = new StepPacker();
    const unpacker = new StepUnpacker();
    const view = (ids: number[]): StageView => ({
      stage: 'raw', ids, before: ids.map(() => 0.1), after: ids.map(() => 0.1), keptBefore: 10, keptAfter: 10, removedCount: 0, removedMass: 0, entropy: 1,
    });
    const first = packOne(packer, eventFrom(0, [view([4, 5, 6])], [], 4, (id) => `a${id}`));
    expect(first.strings.slice(2)).toEqual(['a4', 'a5', 'a6']);
    unpacker.unpack(first);
    const second = packOne(packer, eventFrom(1, [view([5, 6, 7])], [], 7, (id) => `a${id}`));
    expect(second.strings.slice(2)).toEqual(['a7']);
    expect(unpacker.unpack(second)[0].tokenTexts).toEqual({ 5: 'a5', 6: 'a6', 7: 'a7' });
    const changed = packOne(packer, eventFrom(2, [view([5])], [], 5, (id) => `b${id}`));
    expect(changed.strings.slice(2)).toEqual(['b5']);
    expect(unpacker.unpack(changed)[0].tokenTexts).toEqual({ 5: 'b5' });
  });

  it('a reset unpacker (a new model) refuses a step whose texts went to the old one', () => {
    const packer = new StepPacker();
    const unpacker = new StepUnpacker();
    const view: StageView = { stage: 'raw', ids: [1], before: [1], after: [1], keptBefore: 1, keptAfter: 1, removedCount: 0, removedMass: 0, entropy: 0 };
    unpacker.unpack(packOne(packer, eventFrom(0, [view], [], 1, (id) => `x${id}`)));
    unpacker.reset();
    expect(() => unpacker.unpack(packOne(packer, eventFrom(1, [view], [], 1, (id) => `x${id}`)))).toThrow(/token 1.*never arrived/);
  });
});

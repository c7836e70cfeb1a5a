// Beam search on the bundled model in Node: the batched run (one prefill, then every beam in one forward per
// step, cache rows following the surviving beams) finds the same hypotheses as the core's search over each beam's
// sequence run alone; B = 1 is the greedy decode loop's text; a node of the tree opens as a step.
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, beamSearchAsync, type BeamSettings } from '../../src/core';
import { TransformersBatchRunner, type BatchRunner } from '../../src/engine/batchRunner';
import { BeamRunner, beamPrefix } from '../../src/engine/beamRun';
import { Generator } from '../../src/engine/Generator';
import { loadModel, type LoadedModel } from '../../src/engine/modelLoader';
import { TransformersRunner } from '../../src/engine/modelRunner';
import type { GenerateSettings } from '../../src/engine/protocol';

let loaded: LoadedModel;

beforeAll(async () => {
  loaded = await loadModel({ source: { kind: 'catalog', id: 'logitlab-tiny' }, device: 'cpu', dtype: 'fp32', localModelPath: 'public/models/' });
});

const settings = (over: Partial<GenerateSettings> = {}): GenerateSettings => ({
  prompt: 'The weather today is very', params: { ...DEFAULT_PARAMS, repetition_penalty: 1.2 }, seed: 1,
  max_new_tokens: 8, stop: [], ignore_eos: false, chat: false, topN: 20, ...over,
});
const beam = (over: Partial<BeamSettings> = {}): BeamSettings => ({ num_beams: 3, length_penalty: 1, early_stopping: true, num_return_sequences: 3, max_new_tokens: 8, ...over });

/** Counts the batched runner's calls and rows, to check one prefill and one forward per step. */
class CountingRunner implements BatchRunner {
  prefills = 0;
  stepRows: number[] = [];
  constructor(private readonly inner: BatchRunner) {}
  get vocabSize() { return this.inner.vocabSize; }
  get rows() { return this.inner.rows; }
  get length() { return this.inner.length; }
  prefill(ids: readonly number[]) { this.prefills++; return this.inner.prefill(ids); }
  selectRows(sources: readonly number[]) { this.inner.selectRows(sources); }
  step(ids: readonly number[]) { this.stepRows.push(ids.length); return this.inner.step(ids); }
  recycle(logits: Float32Array) { this.inner.recycle(logits); }
  reset() { this.inner.reset(); }
}

describe('beam search on the model', () => {
  it('batched, it finds what the core finds running every beam alone; one prefill, then one forward of all beams a step', async () => {
    const s = settings();
    const ids = loaded.codec.encode(s.prompt);
    const counting = new CountingRunner(new TransformersBatchRunner(loaded.model, loaded.vocabSize));
    const runner = new BeamRunner(counting, loaded.codec, loaded.eosIds, loaded.contextLength);
    const record = await runner.run(1, s, beam(), ids, { isCancelled: () => false, onStep: () => undefined });
    expect(counting.prefills).toBe(1);
    expect(counting.stepRows.length).toBe(record.steps.length - 1);
    record.steps.slice(1).forEach((step, i) => expect(counting.stepRows[i]).toBe(record.steps[i].kept.length));

    const alone = new TransformersRunner(loaded.model, loaded.vocabSize);
    const reference = await beamSearchAsync(
      { vocabSize: loaded.vocabSize, promptIds: ids, params: s.params, settings: beam(), eosIds: loaded.eosIds },
      async (beams) => {
        const rows = new Float32Array(beams.length * loaded.vocabSize);
        for (let i = 0; i < beams.length; i++) {
          alone.reset();
          rows.set(await alone.forward([...ids, ...beams[i].generated]), i * loaded.vocabSize);
        }
        return rows;
      },
    );
    expect(record.hypotheses.map((h) => h.ids)).toEqual(reference.all.map((h) => h.ids));
    record.hypotheses.forEach((h, i) => expect(Math.abs(h.score - reference.all[i].score)).toBeLessThan(1e-4));
    // Beams differ at some step: the batch really carried several rows.
    expect(record.steps.some((st) => new Set(st.kept.map((k) => k.source)).size > 1 || st.kept.length > 1)).toBe(true);
  });

  it('with B = 1 the winner is the greedy decode loop\'s text', async () => {
    const s = settings({ params: { ...DEFAULT_PARAMS, temperature: 0 }, max_new_tokens: 12 });
    const generator = new Generator(loaded.runner, loaded.codec, loaded.eosIds, loaded.contextLength);
    const greedy = await generator.generate(s, { onStep: () => undefined, isCancelled: () => false });
    const runner = new BeamRunner(new TransformersBatchRunner(loaded.model, loaded.vocabSize), loaded.codec, loaded.eosIds, loaded.contextLength);
    const record = await runner.run(7, s, beam({ num_beams: 1, num_return_sequences: 1, max_new_tokens: 12 }), loaded.codec.encode(s.prompt), { isCancelled: () => false, onStep: () => undefined });
    const best = runner.hypothesesOf(record)[0];
    expect(best.text).toBe(greedy.text);
  });

  it('opens any kept node as a step of its parent beam, and a cancel ends the search within a step', async () => {
    const s = settings({ max_new_tokens: 6 });
    const runner = new BeamRunner(new TransformersBatchRunner(loaded.model, loaded.vocabSize), loaded.codec, loaded.eosIds, loaded.contextLength);
    const record = await runner.run(3, s, beam({ early_stopping: false, max_new_tokens: 6 }), loaded.codec.encode(s.prompt), { isCancelled: () => false, onStep: () => undefined });
    const step = 2;
    const node = record.steps[step].kept[1];
    const opened = runner.describeNode(record, step, node.source, node.tokenId, 20);
    expect(opened.generatedIds).toEqual(beamPrefix(record.steps, step, node.source));
    expect(opened.generatedIds.length).toBe(step);
    expect(opened.event.tokenId).toBe(node.tokenId);
    // The node's probability is e^(its log p): the step panel shows what the beam ranked.
    expect(opened.event.probability).toBeCloseTo(Math.exp(node.logp), 4);
    let steps = 0;
    const cut = await runner.run(4, s, beam({ early_stopping: false }), loaded.codec.encode(s.prompt), { isCancelled: () => steps >= 2, onStep: () => { steps++; } });
    expect(cut.reason).toBe('cancelled');
    expect(cut.steps.length).toBe(2);
    expect(cut.hypotheses.length).toBeGreaterThan(0);
  });

  it('ends a hypothesis at a stop string, its text cut before it', async () => {
    const s = settings({ stop: [' '], max_new_tokens: 6 });
    const runner = new BeamRunner(new TransformersBatchRunner(loaded.model, loaded.vocabSize), loaded.codec, loaded.eosIds, loaded.contextLength);
    const record = await runner.run(5, s, beam({ max_new_tokens: 6 }), loaded.codec.encode(s.prompt), { isCancelled: () => false, onStep: () => undefined });
    const views = runner.hypothesesOf(record);
    expect(views.some((h) => h.end === 'stop')).toBe(true);
    for (const h of views) if (h.end === 'stop') expect(h.text.includes(' ')).toBe(false);
  });
});

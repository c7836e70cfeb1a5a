// Beam lanes on the bundled model in Node: a lane with num_beams > 1 gives exactly the text and tokens of the beam
// run alone with the same prompt and settings; its steps carry the run metrics' numbers (raw log p and entropy as
// an unbatched forward pass of the winner's prefix gives them, logprob_sampled 0); the worker's loop over a
// comparison's beam lanes posts each as its request row, with its num_return_sequences hypotheses.
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, rawTokenStats, runMetrics, type BeamOptions } from '../../src/core';
import { TransformersBatchRunner } from '../../src/engine/batchRunner';
import { BeamRunner } from '../../src/engine/beamRun';
import { runBeamLane, runBeamLanes, type BeamRow } from '../../src/engine/compareBeamLane';
import { loadModel, type LoadedModel } from '../../src/engine/modelLoader';
import { TransformersRunner } from '../../src/engine/modelRunner';
import type { CompareRow, WorkerMessage } from '../../src/engine/protocol';

let loaded: LoadedModel;
const PROMPT = 'The weather today is very';

beforeAll(async () => {
  loaded = await loadModel({ source: { kind: 'catalog', id: 'logitlab-tiny' }, device: 'cpu', dtype: 'fp32', localModelPath: 'public/models/' });
});

const newRunner = () => new BeamRunner(new TransformersBatchRunner(loaded.model, loaded.vocabSize), loaded.codec, loaded.eosIds, loaded.contextLength);
const beamOptions = (over: Partial<BeamOptions> = {}): BeamOptions => ({ num_beams: 3, length_penalty: 1, early_stopping: true, num_return_sequences: 1, ...over });
const row = (over: Partial<CompareRow> = {}, beam: Partial<BeamOptions> = {}): BeamRow => ({
  lane: 1, sample: 0, params: { ...DEFAULT_PARAMS }, seed: 1, max_new_tokens: 10, stop: [], ignore_eos: false, ...over, beam: beamOptions(beam),
});
const never = { isCancelled: () => false };

/** The beam run alone, as the page's beam search runs it (worker handleBeamSearch): its best hypothesis. */
async function beamAlone(r: BeamRow) {
  const ids = loaded.codec.encode(PROMPT);
  const runner = newRunner();
  const settings = { prompt: PROMPT, chat: false, topN: 20, params: r.params, seed: r.seed, max_new_tokens: r.max_new_tokens, stop: r.stop, ignore_eos: r.ignore_eos };
  const record = await runner.run(1, settings, { ...r.beam, max_new_tokens: r.max_new_tokens }, ids, { isCancelled: () => false, onStep: () => undefined });
  return { record, hypotheses: runner.hypothesesOf(record) };
}

describe('a beam lane on the model', () => {
  it.each([
    ['3 beams', row(), 'max_new_tokens'],
    ['3 beams to the end of text', row({ max_new_tokens: 40 }), 'eos'],
    ['4 beams, repetition penalty, no early stop, 3 sequences', row({ params: { ...DEFAULT_PARAMS, repetition_penalty: 1.3 }, max_new_tokens: 8 }, { num_beams: 4, early_stopping: false, num_return_sequences: 3 }), 'max_new_tokens'],
    ['2 beams, length_penalty -1, a stop string', row({ stop: ['.', ' the'], max_new_tokens: 16 }, { num_beams: 2, length_penalty: -1 }), 'stop'],
  ])('%s: the lane’s text and tokens are the beam run’s alone; its numbers are the unbatched model’s', async (_name, r, end) => {
    const ids = loaded.codec.encode(PROMPT);
    const lane = await runBeamLane(newRunner(), loaded.codec, ids, { prompt: PROMPT, chat: false }, r, never);
    const alone = await beamAlone(r);
    const best = alone.hypotheses[0];
    expect(best.end).toBe(end);
    expect(lane.text).toBe(best.text);
    expect(lane.steps.map((s) => s.tokenId)).toEqual(best.ids);
    expect(lane.steps.map((s) => s.step)).toEqual(best.ids.map((_, i) => i));
    expect(lane.beam.hypotheses.map((h) => h.text)).toEqual(alone.hypotheses.slice(0, r.beam.num_return_sequences).map((h) => h.text));
    expect(lane.beam.hypotheses.map((h) => h.score)).toEqual(alone.hypotheses.slice(0, r.beam.num_return_sequences).map((h) => h.score));
    expect(lane.beam.num_beams).toBe(r.beam.num_beams);
    expect(lane.reason).toBe(best.end === 'eos' ? 'eos' : best.end === 'stop' ? 'stop' : 'max_new_tokens');
    // Streamed like a sampled row: the deltas add up to the text.
    expect(lane.steps.map((s) => s.textDelta).join('')).toBe(lane.text);
    // Each token's raw log p and entropy: those of one unbatched forward pass over the prompt and the winner's prefix.
    const alone1 = new TransformersRunner(loaded.model, loaded.vocabSize);
    for (const [i, s] of lane.steps.entries()) {
      alone1.reset();
      const logits = await alone1.forward([...ids, ...best.ids.slice(0, i)]);
      const expected = rawTokenStats(logits, s.tokenId);
      expect(Math.abs(s.logprobRaw - expected.logprob)).toBeLessThan(1e-3);
      expect(Math.abs(s.entropyRaw - expected.entropy)).toBeLessThan(1e-3);
      expect(s.logprobSampled).toBe(0);
      expect(s.probability).toBeGreaterThan(0);
      expect(s.probability).toBeLessThanOrEqual(1);
      expect(s.tokenText).toBe(loaded.codec.tokenText(s.tokenId));
    }
    const metrics = runMetrics(lane.steps);
    expect(metrics.logprob_sampled).toBe(0);
    expect(metrics.perplexity).toBeGreaterThanOrEqual(1);
    expect(Number.isFinite(metrics.logprob)).toBe(true);
  });

  it('with no penalties, each chip’s probability is the token’s raw probability (a beam ranks the raw softmax)', async () => {
    const lane = await runBeamLane(newRunner(), loaded.codec, loaded.codec.encode(PROMPT), { prompt: PROMPT, chat: false }, row({ max_new_tokens: 6 }), never);
    for (const s of lane.steps) expect(Math.abs(Math.log(s.probability) - s.logprobRaw)).toBeLessThan(1e-4);
  });

  it('a cancel before the first step ends the lane cancelled, with no steps', async () => {
    const lane = await runBeamLane(newRunner(), loaded.codec, loaded.codec.encode(PROMPT), { prompt: PROMPT, chat: false }, row(), { isCancelled: () => true });
    expect(lane.reason).toBe('cancelled');
    expect(lane.steps).toEqual([]);
  });

  it('the worker’s loop posts every beam lane as its request row, skipping the sampled rows, and lets messages in', async () => {
    const sampled: CompareRow = { lane: 0, sample: 0, params: { ...DEFAULT_PARAMS, temperature: 0 }, seed: 1, max_new_tokens: 6, stop: [], ignore_eos: false };
    const rows: CompareRow[] = [sampled, row({ lane: 1, max_new_tokens: 6 }, { num_beams: 3, num_return_sequences: 2 }), { ...sampled, lane: 2, sample: 0 }, row({ lane: 3, max_new_tokens: 6 }, { num_beams: 2 })];
    const posted: WorkerMessage[] = [];
    let turns = 0;
    await runBeamLanes(newRunner(), loaded.codec, loaded.codec.encode(PROMPT), { requestId: 42, prompt: PROMPT, chat: false, rows }, [1, 3], {
      isCancelled: () => false, post: (m) => posted.push(m), yieldTurn: async () => { turns++; }, yieldEveryMs: 0,
    });
    expect(turns).toBeGreaterThan(0);
    const done = posted.filter((m) => m.type === 'compareRowDone');
    expect(done.map((m) => m.row)).toEqual([1, 3]);
    for (const m of posted) expect(m.requestId).toBe(42);
    for (const [i, index] of [1, 3].entries()) {
      const steps = posted.flatMap((m) => (m.type === 'compareSteps' ? m.steps : [])).filter((s) => s.row === index);
      const alone = await beamAlone(rows[index] as BeamRow);
      expect(steps.map((s) => s.tokenId)).toEqual(alone.hypotheses[0].ids);
      expect(done[i].text).toBe(alone.hypotheses[0].text);
      expect(done[i].beam?.hypotheses).toHaveLength((rows[index] as BeamRow).beam.num_return_sequences);
    }
  });
});

// The batched decode loop on the bundled model in Node: every row's tokens, text and finish reason are exactly
// those of a single run (Generator) with the same settings and seed — whatever the settings, seeds and stops,
// however rows finish early and drop out of the batch.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_PARAMS, HF_ORDER, LLAMA_CPP_ORDER, runMetrics, type SamplingParams, type WarperName } from '../../src/core';
import { BatchGenerator, type BatchRowSettings, type BatchStep } from '../../src/engine/BatchGenerator';
import { TransformersBatchRunner } from '../../src/engine/batchRunner';
import { Generator } from '../../src/engine/Generator';
import { loadModel, type LoadedModel } from '../../src/engine/modelLoader';
import type { GenerateSettings, StepEvent } from '../../src/engine/protocol';

let loaded: LoadedModel;
let single: Generator;
let batched: BatchGenerator;
const PROMPT = 'The weather today is very';

beforeAll(async () => {
  loaded = await loadModel({ source: { kind: 'catalog', id: 'logitlab-tiny' }, device: 'cpu', localModelPath: 'public/models/' });
  single = new Generator(loaded.runner, loaded.codec, loaded.eosIds, loaded.contextLength);
  batched = new BatchGenerator(new TransformersBatchRunner(loaded.model, loaded.vocabSize), loaded.codec, loaded.eosIds, loaded.contextLength);
});

async function alone(row: BatchRowSettings) {
  const settings: GenerateSettings = { prompt: PROMPT, chat: false, topN: 5, ...row };
  const steps: StepEvent[] = [];
  const outcome = await single.generate(settings, { onStep: (e) => { steps.push(e); }, isCancelled: () => false });
  return { tokens: steps.map((s) => s.tokenId), text: outcome.text, reason: outcome.reason };
}

const row = (params: Partial<SamplingParams>, seed: number, extra: Partial<BatchRowSettings> = {}): BatchRowSettings => ({
  params: { ...DEFAULT_PARAMS, ...params }, seed, max_new_tokens: 12, stop: [], ignore_eos: false, ...extra,
});

describe('BatchGenerator on the bundled model', () => {
  it('lanes of different settings give exactly the tokens, text and reason of single runs; rows drop out as they finish', async () => {
    const rows = [
      row({ temperature: 0 }, 1),
      row({ temperature: 0.3 }, 7),
      row({ top_p: 0.8 }, 7, { max_new_tokens: 5 }),
      row({ temperature: 1.5, top_k: 0 }, 3, { stop: [' '] }),
      row({ repetition_penalty: 1.3, order: [...LLAMA_CPP_ORDER] }, 11, { max_new_tokens: 20, ignore_eos: true }),
    ];
    const perPass: number[] = [];
    const steps: BatchStep[] = [];
    const results = await batched.run(loaded.codec.encode(PROMPT), rows, {
      isCancelled: () => false,
      onSteps: (events) => { perPass.push(events.length); steps.push(...events); },
    });
    for (let i = 0; i < rows.length; i++) {
      const expected = await alone(rows[i]);
      expect(results[i].tokens).toEqual(expected.tokens);
      expect(results[i].text).toBe(expected.text);
      expect(results[i].reason).toBe(expected.reason);
      expect(steps.filter((s) => s.row === i).map((s) => s.tokenId)).toEqual(expected.tokens);
    }
    // The batch shrinks as rows finish, never grows.
    for (let p = 1; p < perPass.length; p++) expect(perPass[p]).toBeLessThanOrEqual(perPass[p - 1]);
    expect(perPass[0]).toBe(rows.length);
    expect(perPass[perPass.length - 1]).toBeLessThan(rows.length);
    // A greedy row sampled from a one-token distribution.
    expect(runMetrics(results[0].steps).logprob_sampled).toBe(0);
    expect(runMetrics(results[0].steps).logprob).toBeLessThan(0);
  });

  it('the same settings and seed in two rows give identical rows; K samples use seeds seed, seed+1, …', async () => {
    const rows = [0, 1, 2, 3].map((k) => row({ temperature: 1.2, top_k: 0 }, 40 + k));
    rows.push(row({ temperature: 1.2, top_k: 0 }, 40));
    const results = await batched.run(loaded.codec.encode(PROMPT), rows, { isCancelled: () => false });
    expect(results[4].tokens).toEqual(results[0].tokens);
    expect(new Set(results.slice(0, 4).map((r) => r.tokens.join(','))).size).toBeGreaterThan(1);
  });

  it('keeps the raw logits of the rows asked for, equal to the single run’s within 1e-4', async () => {
    const rows = [row({ temperature: 0 }, 1, { max_new_tokens: 4 }), row({ temperature: 0.7 }, 2, { max_new_tokens: 4 })];
    const results = await batched.run(loaded.codec.encode(PROMPT), rows, { isCancelled: () => false, keepLogitsFor: new Set([1]) });
    expect(results[0].logits).toBeUndefined();
    expect(results[1].logits).toHaveLength(results[1].tokens.length);
    const settings: GenerateSettings = { prompt: PROMPT, chat: false, topN: 5, ...rows[1] };
    const outcome = await single.generate(settings, { onStep: () => {}, isCancelled: () => false });
    for (let s = 0; s < outcome.run.logits.length; s++) {
      let max = 0;
      for (let i = 0; i < loaded.vocabSize; i++) max = Math.max(max, Math.abs(outcome.run.logits[s][i] - results[1].logits![s][i]));
      expect(max).toBeLessThan(1e-4);
    }
  });

  it('cancel ends every row within one step', async () => {
    let passes = 0;
    const results = await batched.run(loaded.codec.encode(PROMPT), [row({}, 1), row({}, 2)], {
      isCancelled: () => passes >= 2, onSteps: () => { passes++; },
    });
    expect(results.map((r) => r.reason)).toEqual(['cancelled', 'cancelled']);
    expect(results[0].tokens).toHaveLength(2);
  });

  it('whole rows (textPerStep false) end with the text a streamed row shows; only rows with stops stream', async () => {
    const rows = [
      row({ temperature: 1.3, top_k: 0 }, 5, { max_new_tokens: 16 }),
      row({ temperature: 0.8 }, 9, { max_new_tokens: 14, ignore_eos: true }),
      row({ temperature: 1.5, top_k: 0 }, 3, { stop: [' '] }),
      row({ temperature: 0 }, 1, { max_new_tokens: 6 }),
      row({ temperature: 0.9 }, 2, { max_new_tokens: 10, stop: ['never in this text'], ignore_eos: true }),
    ];
    const ids = loaded.codec.encode(PROMPT);
    const streamed = await batched.run(ids, rows, { isCancelled: () => false });
    const deltas: string[] = rows.map(() => '');
    const textSteps = rows.map(() => 0);
    const whole = await batched.run(ids, rows, {
      isCancelled: () => false, textPerStep: false,
      onSteps: (events) => {
        for (const e of events) {
          deltas[e.row] += e.textDelta;
          if (e.textDelta !== '') textSteps[e.row]++;
        }
      },
    });
    for (let i = 0; i < rows.length; i++) {
      expect(whole[i].tokens).toEqual(streamed[i].tokens);
      expect(whole[i].reason).toBe(streamed[i].reason);
      expect(whole[i].text).toBe(streamed[i].text);
      // The deltas still add up to the text: a whole row's arrives with its last step.
      expect(deltas[i]).toBe(whole[i].text);
    }
    expect(whole[0].text.length).toBeGreaterThan(0);
    expect(whole[2].reason).toBe('stop');
    // Rows without stops were decoded once, at their end; the row with a stop streamed as before.
    expect(textSteps[0]).toBe(1);
    expect(textSteps[1]).toBe(1);
    expect(textSteps[4]).toBeGreaterThan(1);
  });

  it('a whole row cancelled midway still gets the text of the tokens it drew', async () => {
    let passes = 0;
    const ids = loaded.codec.encode(PROMPT);
    const [cut] = await batched.run(ids, [row({ temperature: 1.2, top_k: 0 }, 4, { ignore_eos: true })], {
      isCancelled: () => passes >= 5, onSteps: () => { passes++; }, textPerStep: false,
    });
    expect(cut.reason).toBe('cancelled');
    expect(cut.tokens).toHaveLength(5);
    expect(cut.text).toBe(loaded.codec.text.decode([...ids, ...cut.tokens]).slice(loaded.codec.text.decode(ids).length));
  });

  it('property: batching never changes a lane’s tokens (random settings and seeds)', async () => {
    const params = fc.record({
      temperature: fc.constantFrom(0, 0.5, 1, 1.5),
      top_k: fc.constantFrom(0, 5, 50),
      top_p: fc.constantFrom(0.5, 0.9, 1),
      min_p: fc.constantFrom(0, 0.05),
      typical_p: fc.constantFrom(0.7, 1),
      repetition_penalty: fc.constantFrom(1, 1.3),
      frequency_penalty: fc.constantFrom(0, 0.5),
      presence_penalty: fc.constantFrom(0, -0.5),
      order: fc.constantFrom<WarperName[]>([...HF_ORDER], [...LLAMA_CPP_ORDER]),
    });
    const settings = fc.record({ params, seed: fc.integer({ min: 0, max: 0xffffffff }), max_new_tokens: fc.integer({ min: 1, max: 10 }) });
    await fc.assert(fc.asyncProperty(fc.array(settings, { minLength: 2, maxLength: 5 }), async (lanes) => {
      const rows = lanes.map((l) => row(l.params, l.seed, { max_new_tokens: l.max_new_tokens }));
      const results = await batched.run(loaded.codec.encode(PROMPT), rows, { isCancelled: () => false });
      for (let i = 0; i < rows.length; i++) expect(results[i].tokens).toEqual((await alone(rows[i])).tokens);
    }), { numRuns: process.env.LOGITLAB_DEEP_TESTS ? 60 : 8 });
  });
});

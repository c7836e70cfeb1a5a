// The runner over the bundled model in Node: the first pass of a sequence goes through transformers.js's
// forward, the steps after it through the session directly, and both give the logits of an uncached pass.
// The bundled model outputs its fed positions' keys and values, so the runner keeps the cache itself; a fixture
// model that does not is stepped with the runtime's present.* as the cache.
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoModelForCausalLM, Tensor, env, type PreTrainedModel } from '@huggingface/transformers';
import { TransformersRunner } from '../../src/engine/modelRunner';

let model: PreTrainedModel;
let fixture: PreTrainedModel;
let vocabSize: number;

/** The last position's logits of one pass over `ids` with no cache. */
async function uncached(ids: number[], on: PreTrainedModel = model): Promise<Float32Array> {
  const outputs = (await on.forward({
    input_ids: new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
    attention_mask: new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
    position_ids: new Tensor('int64', BigInt64Array.from(ids, (_, i) => BigInt(i)), [1, ids.length]),
    past_key_values: null,
  })) as Record<string, Tensor>;
  const data = outputs.logits.data as Float32Array;
  const vocab = outputs.logits.dims[outputs.logits.dims.length - 1];
  return data.slice(data.length - vocab);
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** The model, with its forward counted (the session underneath is the model's own). */
function counted(sessionInputs?: string[]): { model: PreTrainedModel; calls: () => number } {
  let calls = 0;
  const sessions = (model as unknown as { sessions: Record<string, { inputNames: string[] }> }).sessions;
  const view = Object.create(model) as PreTrainedModel;
  if (sessionInputs) Object.defineProperty(view, 'sessions', { value: { ...sessions, model: { ...sessions.model, inputNames: sessionInputs } } });
  view.forward = (inputs: Record<string, unknown>) => {
    calls++;
    return model.forward(inputs);
  };
  return { model: view, calls: () => calls };
}

beforeAll(async () => {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = 'public/models/';
  model = await AutoModelForCausalLM.from_pretrained('logitlab-tiny', { dtype: 'fp32' });
  vocabSize = (model.config as unknown as { vocab_size: number }).vocab_size;
  env.localModelPath = 'tests/fixtures/models/';
  fixture = await AutoModelForCausalLM.from_pretrained('tiny-llama-bytelevel', { dtype: 'fp32' });
  env.localModelPath = 'public/models/';
});

describe('TransformersRunner', () => {
  it('runs steps after the first straight through the session, with the logits of an uncached pass', async () => {
    const { model: view, calls } = counted();
    const runner = new TransformersRunner(view, vocabSize);
    expect(maxDifference(await runner.forward([5, 6, 7]), await uncached([5, 6, 7]))).toBeLessThan(1e-3);
    expect(calls()).toBe(1);
    expect(runner.keepsCache).toBe(true);
    expect(maxDifference(await runner.forward([8]), await uncached([5, 6, 7, 8]))).toBeLessThan(1e-3);
    // Several tokens on top of a cache (a branch's chosen token and what follows), still direct.
    expect(maxDifference(await runner.forward([9, 10]), await uncached([5, 6, 7, 8, 9, 10]))).toBeLessThan(1e-3);
    expect(runner.length).toBe(6);
    expect(calls()).toBe(1);
    runner.reset();
    expect(maxDifference(await runner.forward([11, 12]), await uncached([11, 12]))).toBeLessThan(1e-3);
    expect(calls()).toBe(2);
  });

  it('steps a model without step outputs with the runtime\'s cache, and a long run outgrows the first buffers', async () => {
    const vocab = (fixture.config as unknown as { vocab_size: number }).vocab_size;
    const plain = new TransformersRunner(fixture, vocab);
    await plain.forward([5, 6, 7]);
    expect(plain.keepsCache).toBe(false);
    expect(maxDifference(await plain.forward([8, 9]), await uncached([5, 6, 7, 8, 9], fixture))).toBeLessThan(1e-3);
    const runner = new TransformersRunner(model, vocabSize);
    const ids = [5, 6, 7];
    await runner.forward(ids);
    for (let i = 0; i < 80; i++) {
      ids.push(20 + (i % 40));
      await runner.forward([ids[ids.length - 1]]);
    }
    ids.push(9);
    expect(maxDifference(await runner.forward([9]), await uncached(ids))).toBeLessThan(1e-3);
  });

  it('sends every step through transformers.js when the session takes an input it does not know', async () => {
    const inputs = [...(model as unknown as { sessions: { model: { inputNames: string[] } } }).sessions.model.inputNames, 'token_type_ids'];
    const { model: view, calls } = counted(inputs);
    const runner = new TransformersRunner(view, vocabSize);
    await runner.forward([5, 6, 7]);
    expect(maxDifference(await runner.forward([8]), await uncached([5, 6, 7, 8]))).toBeLessThan(1e-3);
    expect(calls()).toBe(2);
  });
});

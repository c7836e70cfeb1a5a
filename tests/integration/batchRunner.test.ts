// The batched runner over the bundled model in Node: one prefill, rows copied, reordered and dropped, and each
// row's logits equal to those of the same sequence run alone (fp32 and the weight-only quantized q8 weights).
// The bundled model outputs its steps' keys and values, so the batch keeps the cache itself; a fixture model that
// does not is run with the runtime's whole present.* tensors as the cache, and must agree just the same.
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoModelForCausalLM, env, type PreTrainedModel } from '@huggingface/transformers';
import { TransformersBatchRunner } from '../../src/engine/batchRunner';
import { TransformersRunner } from '../../src/engine/modelRunner';

const models: Record<string, PreTrainedModel> = {};
const vocabSizes: Record<string, number> = {};
/** Which models keep the cache on our side (they output step_key_values.*). */
const KEEPS_CACHE: Record<string, boolean> = { fp32: true, q8: true, 'fixture fp32': false };

beforeAll(async () => {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = 'public/models/';
  for (const dtype of ['fp32', 'q8'] as const) models[dtype] = await AutoModelForCausalLM.from_pretrained('logitlab-tiny', { dtype });
  env.localModelPath = 'tests/fixtures/models/';
  models['fixture fp32'] = await AutoModelForCausalLM.from_pretrained('tiny-llama-bytelevel', { dtype: 'fp32' });
  env.localModelPath = 'public/models/';
  for (const name in models) vocabSizes[name] = (models[name].config as unknown as { vocab_size: number }).vocab_size;
});

function maxDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** The logits after `prompt` + `continuation` run as a single sequence, one token a step. */
async function single(model: PreTrainedModel, prompt: number[], continuation: number[]): Promise<Float32Array> {
  const runner = new TransformersRunner(model, (model.config as unknown as { vocab_size: number }).vocab_size);
  let logits = await runner.forward(prompt);
  for (const id of continuation) logits = await runner.forward([id]);
  return logits;
}

describe.each(['fp32', 'q8', 'fixture fp32'])('TransformersBatchRunner (%s)', (dtype) => {
  const row = (all: Float32Array, r: number) => all.subarray(r * vocabSizes[dtype], (r + 1) * vocabSizes[dtype]);

  it('prefills once, fans out, and every row matches its sequence run alone; rows can be reordered, copied and dropped', async () => {
    const model = models[dtype];
    const prompt = [5, 6, 7];
    const runner = new TransformersBatchRunner(model, vocabSizes[dtype]);
    const first = await runner.prefill(prompt);
    expect(runner.keepsCache).toBe(KEEPS_CACHE[dtype]);
    expect(maxDifference(first, await single(model, prompt, []))).toBeLessThan(1e-4);
    runner.selectRows([0, 0, 0, 0]);
    expect(runner.rows).toBe(4);
    const paths = [[11], [12], [13], [14]];
    let logits = await runner.step(paths.map((p) => p[0]));
    for (let r = 0; r < 4; r++) expect(maxDifference(row(logits, r), await single(model, prompt, paths[r]))).toBeLessThan(1e-4);
    // Beams: row 2 survives twice, row 0 once, rows 1 and 3 are dropped; then a row finishes.
    runner.selectRows([2, 0, 2]);
    const next = [[...paths[2], 20], [...paths[0], 21], [...paths[2], 22]];
    logits = await runner.step(next.map((p) => p[p.length - 1]));
    for (let r = 0; r < 3; r++) expect(maxDifference(row(logits, r), await single(model, prompt, next[r]))).toBeLessThan(1e-4);
    runner.selectRows([2, 1]);
    runner.selectRows([1, 0]); // composed: old rows 1 then 2
    const last = [[...next[1], 30], [...next[2], 31]];
    logits = await runner.step(last.map((p) => p[p.length - 1]));
    expect(runner.rows).toBe(2);
    expect(runner.length).toBe(prompt.length + 3);
    for (let r = 0; r < 2; r++) expect(maxDifference(row(logits, r), await single(model, prompt, last[r]))).toBeLessThan(1e-4);
    // Long enough to outgrow the cache's first buffers (64 positions of headroom), one row dropped on the way.
    let seqs = last;
    // Each step's logits come in an array of their own: a caller (the beam record) keeps them without a copy.
    const kept = logits;
    const keptCopy = kept.slice();
    for (let s = 0; s < 70; s++) {
      if (s === 35) {
        runner.selectRows([1]);
        seqs = [seqs[1]];
      }
      seqs = seqs.map((seq, r) => [...seq, 40 + ((s + r) % 50)]);
      logits = await runner.step(seqs.map((seq) => seq[seq.length - 1]));
    }
    expect(runner.length).toBe(prompt.length + 73);
    expect(logits).not.toBe(kept);
    expect(kept).toEqual(keptCopy);
    expect(maxDifference(row(logits, 0), await single(model, prompt, seqs[0]))).toBeLessThan(1e-4);
  });

  it('refuses rows that do not exist and steps with the wrong number of tokens', async () => {
    const runner = new TransformersBatchRunner(models[dtype], vocabSizes[dtype]);
    await expect(runner.step([1])).rejects.toThrow(/before prefill/);
    await runner.prefill([5, 6]);
    expect(() => runner.selectRows([1])).toThrow(/row 1 does not exist/);
    expect(() => runner.selectRows([])).toThrow(/at least one row/);
    await expect(runner.step([1, 2])).rejects.toThrow(/2 tokens for 1 rows/);
  });
});

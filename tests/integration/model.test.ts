// The bundled model as committed: loads with transformers.js in Node as is, its ONNX graph has the Optimum
// decoder layout that config.json describes, the tokenizer round-trips, greedy text is fixed, size ≤ 8 MB.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoModelForCausalLM, AutoTokenizer, Tensor, env, type PreTrainedModel, type PreTrainedTokenizer } from '@huggingface/transformers';

const DIR = 'public/models/logitlab-tiny';
const config = JSON.parse(readFileSync(join(DIR, 'config.json'), 'utf8'));
let tokenizer: PreTrainedTokenizer;
let model: PreTrainedModel;

function folderBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => {
    const path = join(dir, name);
    const st = statSync(path);
    return sum + (st.isDirectory() ? folderBytes(path) : st.size);
  }, 0);
}

type Outputs = Record<string, Tensor>;

async function forward(ids: number[], past: Outputs | null, pastLength: number): Promise<Outputs> {
  const total = pastLength + ids.length;
  return (await model.forward({
    input_ids: new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
    attention_mask: new Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
    position_ids: new Tensor('int64', BigInt64Array.from(ids, (_, i) => BigInt(pastLength + i)), [1, ids.length]),
    past_key_values: past,
  })) as Outputs;
}

beforeAll(async () => {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = 'public/models/';
  tokenizer = await AutoTokenizer.from_pretrained('logitlab-tiny');
  model = await AutoModelForCausalLM.from_pretrained('logitlab-tiny', { dtype: 'fp32' });
});

describe('bundled model files', () => {
  it('holds the Hugging Face browser layout and stays within 8 MB', () => {
    for (const f of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'teaching_points.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx']) {
      expect(statSync(join(DIR, f)).size).toBeGreaterThan(0);
    }
    expect(config.model_type).toBe('llama');
    expect(folderBytes(DIR)).toBeLessThanOrEqual(8 * 1024 * 1024);
  });

  it('has the Optimum decoder inputs and outputs with the shapes config.json implies', async () => {
    const session = (model as unknown as { sessions: { model: { inputNames: string[]; outputNames: string[] } } }).sessions.model;
    const layers = config.num_hidden_layers;
    const kv = [...Array(layers).keys()].flatMap((i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`]);
    expect(session.inputNames.sort()).toEqual(['attention_mask', 'input_ids', 'position_ids', ...kv].sort());
    // Beside present.* (past and new together), the keys and values of the fed positions alone: a batch keeps its cache with those.
    expect(session.outputNames.sort()).toEqual(['logits', ...kv.map((n) => n.replace('past_key_values', 'present')), ...kv.map((n) => n.replace('past_key_values', 'step_key_values'))].sort());
    const first = await forward([5, 6, 7], null, 0);
    expect(first.logits.dims).toEqual([1, 3, config.vocab_size]);
    const headDim = config.head_dim ?? config.hidden_size / config.num_attention_heads;
    expect(first['present.0.key'].dims).toEqual([1, config.num_key_value_heads, 3, headDim]);
    const past: Outputs = {};
    for (const [k, v] of Object.entries(first)) if (k.startsWith('present')) past[k.replace('present', 'past_key_values')] = v;
    const second = await forward([8], past, 3);
    expect(second.logits.dims).toEqual([1, 1, config.vocab_size]);
    expect(second[`present.${layers - 1}.value`].dims).toEqual([1, config.num_key_value_heads, 4, headDim]);
    // step_key_values is present's last position: what the batch appends to its own cache.
    const fed = second[`step_key_values.${layers - 1}.value`];
    expect(fed.dims).toEqual([1, config.num_key_value_heads, 1, headDim]);
    const whole = second[`present.${layers - 1}.value`].data as Float32Array;
    for (let h = 0; h < config.num_key_value_heads; h++) {
      expect(Array.from((fed.data as Float32Array).subarray(h * headDim, (h + 1) * headDim))).toEqual(Array.from(whole.subarray((h * 4 + 3) * headDim, (h * 4 + 4) * headDim)));
    }
    // Cached and uncached passes agree on the last position.
    const full = await forward([5, 6, 7, 8], null, 0);
    const a = second.logits.data as Float32Array;
    const b = (full.logits.data as Float32Array).subarray(3 * config.vocab_size);
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    expect(maxDiff).toBeLessThan(1e-3);
  });

  it.each([
    'The weather today is very sunny.', '今天天气非常晴朗。', 'Digits 0123456789 and 3.14!', '“引号”、逗号，问号？',
    'emoji 🤖🎉👨‍👩‍👧 done', '  spaces\tand\nnewlines  ', 'Ünïcödé Ελληνικά 日本語',
  ])('round-trips %j through the tokenizer', (text) => {
    const ids = tokenizer.encode(text, { add_special_tokens: false });
    expect(tokenizer.decode(ids, { skip_special_tokens: false })).toBe(text);
  });

  it('continues the weather prompt greedily with the fixed text', async () => {
    const ids = Array.from(tokenizer.encode('The weather today is very', { add_special_tokens: false }) as number[]);
    let outputs = await forward(ids, null, 0);
    const generated: number[] = [];
    let length = ids.length;
    for (let step = 0; step < 8; step++) {
      const data = outputs.logits.data as Float32Array;
      const last = data.subarray(data.length - config.vocab_size);
      let best = 0;
      for (let i = 1; i < last.length; i++) if (last[i] > last[best]) best = i;
      generated.push(best);
      const past: Outputs = {};
      for (const [k, v] of Object.entries(outputs)) if (k.startsWith('present')) past[k.replace('present', 'past_key_values')] = v;
      outputs = await forward([best], past, length);
      length++;
    }
    expect(tokenizer.decode(generated)).toBe(' sunny. The cat is sleeping on the');
  });

  it('loads the int8 file too, and it agrees with fp32 on the top token', async () => {
    const q8 = await AutoModelForCausalLM.from_pretrained('logitlab-tiny', { dtype: 'q8' });
    const ids = Array.from(tokenizer.encode('今天天气非常', { add_special_tokens: false }) as number[]);
    const input = {
      input_ids: new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
      attention_mask: new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
      position_ids: new Tensor('int64', BigInt64Array.from(ids, (_, i) => BigInt(i)), [1, ids.length]),
      past_key_values: null,
    };
    const a = ((await model.forward(input)) as Outputs).logits.data as Float32Array;
    const b = ((await q8.forward(input)) as Outputs).logits.data as Float32Array;
    const argmax = (x: Float32Array) => x.subarray(x.length - config.vocab_size).reduce((best, v, i, arr) => (v > arr[best] ? i : best), 0);
    expect(argmax(b)).toBe(argmax(a));
  });
});

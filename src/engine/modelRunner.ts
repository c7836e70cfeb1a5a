// One forward pass at a time over a transformers.js causal LM, keeping its KV cache between calls; only the
// last position's logits come back. Per step it builds three small input tensors and nothing else: the
// forward pass of the bundled model takes under a millisecond, so every allocation shows.
import { Tensor, type PreTrainedModel } from '@huggingface/transformers';

export interface ModelRunner {
  readonly vocabSize: number;
  /** Feeds `ids` after everything fed since the last reset; returns the logits of the last position. */
  forward(ids: number[]): Promise<Float32Array>;
  /** Forgets the cache (the next forward starts a new sequence). */
  reset(): void;
  /** Tokens currently in the cache. */
  readonly length: number;
}

type TensorMap = Record<string, Tensor>;

export class TransformersRunner implements ModelRunner {
  readonly vocabSize: number;
  private past: TensorMap | null = null;
  private cached = 0;
  /** [present.* output, past_key_values.* input] pairs, learnt from the first outputs. */
  private cacheNames: [string, string][] | null = null;
  /** A row of ones as long as the longest sequence so far: each step's attention mask is a view of it. */
  private ones = new BigInt64Array(0);
  /** Whether the runtime keeps the cache on the GPU (WebGPU), where it must be released by hand. */
  private cacheOnGpu = false;

  constructor(private readonly model: PreTrainedModel, vocabSize: number) {
    this.vocabSize = vocabSize;
  }

  get length(): number {
    return this.cached;
  }

  reset(): void {
    this.releasePast();
    this.past = null;
    this.cached = 0;
  }

  async forward(ids: number[]): Promise<Float32Array> {
    if (ids.length === 0) throw new Error('forward needs at least one token');
    const start = this.cached;
    const total = start + ids.length;
    const idData = new BigInt64Array(ids.length);
    const positionData = new BigInt64Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      idData[i] = BigInt(ids[i]);
      positionData[i] = BigInt(start + i);
    }
    if (this.ones.length < total) this.ones = new BigInt64Array(Math.max(total, 2 * this.ones.length)).fill(1n);
    // The model's forward (not generate): raw outputs, present.* become the next past_key_values.*.
    const outputs = (await this.model.forward({
      input_ids: new Tensor('int64', idData, [1, ids.length]),
      attention_mask: new Tensor('int64', this.ones.subarray(0, total), [1, total]),
      position_ids: new Tensor('int64', positionData, [1, ids.length]),
      past_key_values: this.past,
    })) as TensorMap;
    if (!this.cacheNames) {
      this.cacheNames = Object.keys(outputs).filter((name) => name.startsWith('present')).map((name) => [name, name.replace('present', 'past_key_values')]);
      this.cacheOnGpu = this.cacheNames.some(([name]) => outputs[name].location === 'gpu-buffer');
    }
    const next: TensorMap = {};
    for (const [output, input] of this.cacheNames) next[input] = outputs[output];
    this.releasePast();
    this.past = next;
    this.cached = total;
    const logits = outputs.logits;
    const vocab = logits.dims[logits.dims.length - 1];
    const data = logits.data as Float32Array;
    // The output is already our own copy out of the runtime's memory; one position needs no slice.
    return data.length === vocab ? data : data.slice(data.length - vocab);
  }

  private releasePast(): void {
    // GPU-resident cache tensors hold device buffers that garbage collection does not free; CPU ones need nothing.
    if (this.past && this.cacheOnGpu) for (const name in this.past) this.past[name].dispose();
  }
}

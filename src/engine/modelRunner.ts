// One forward pass at a time over a transformers.js causal LM, keeping its KV cache between calls; only the
// last position's logits come back, copied out of the output tensor.
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
    const total = this.cached + ids.length;
    const input_ids = new Tensor('int64', BigInt64Array.from(ids, (id) => BigInt(id)), [1, ids.length]);
    const attention_mask = new Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]);
    const position_ids = new Tensor('int64', BigInt64Array.from(ids, (_, i) => BigInt(this.cached + i)), [1, ids.length]);
    // The model's forward (not generate): raw outputs, present.* become the next past_key_values.*.
    const outputs = (await this.model.forward({ input_ids, attention_mask, position_ids, past_key_values: this.past })) as TensorMap;
    const next: TensorMap = {};
    for (const [name, tensor] of Object.entries(outputs)) {
      if (name.startsWith('present')) next[name.replace('present', 'past_key_values')] = tensor;
    }
    this.releasePast();
    this.past = next;
    this.cached = total;
    const logits = outputs.logits;
    const vocab = logits.dims[logits.dims.length - 1];
    const data = logits.data as Float32Array;
    const last = data.slice(data.length - vocab);
    logits.dispose?.();
    return last;
  }

  private releasePast(): void {
    // On WebGPU these hold GPU buffers; letting them go without dispose leaks device memory every step.
    if (this.past) for (const t of Object.values(this.past)) t.dispose?.();
  }
}

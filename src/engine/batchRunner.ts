// Several sequences that share a prompt advancing through the model as one batch: the prompt is prefilled once
// (batch 1), its cache rows are then copied, reordered or dropped by `selectRows`, and every `step` feeds one
// token per row and returns one row of logits each. Compare lanes, samples, beams and sweeps all run on this.
// All rows always have the same length, so there is no padding: one attention mask of ones serves every row.
import { Tensor, type PreTrainedModel } from '@huggingface/transformers';
import { KeptCache, directSessionOf, timedPass, type DirectSession, type OrtSession, type OrtTensorMap } from './modelRunner';
import { runtimeOutputs } from './outputPool';
import type { CacheData } from './rowCache';

export interface BatchRunner {
  readonly vocabSize: number;
  /** Rows in the cache (1 after a prefill). */
  readonly rows: number;
  /** Tokens in each row's cache. */
  readonly length: number;
  /** Forgets every row and feeds `promptIds` as one row; returns the logits of its last position (an array of its own). */
  prefill(promptIds: readonly number[]): Promise<Float32Array>;
  /**
   * Row r of the next step continues old row `sources[r]`: copies (one prompt to many samples, a beam that
   * survives twice), reorders (beams sorted by score) and drops (finished rows) in one call. Applied lazily,
   * at the next step, so several calls in a row cost one copy.
   */
  selectRows(sources: readonly number[]): void;
  /**
   * Feeds `tokenIds[r]` to row r; returns rows × vocab logits, row-major (row r at r·vocab), in an array of its own
   * each call: a caller may keep it without a copy (a copy is a fresh allocation, as slow as the runtime's own).
   */
  step(tokenIds: readonly number[]): Promise<Float32Array>;
  /** The caller will not read these logits (from prefill or step) again: a later step may write into them. */
  recycle(logits: Float32Array): void;
  /** Frees the cache. */
  reset(): void;
}

/** onnxruntime's own tensor, which a transformers.js Tensor wraps. */
type OrtTensor = Tensor['ort_tensor'];
type TensorMap = Record<string, Tensor>;


export class TransformersBatchRunner implements BatchRunner {
  readonly vocabSize: number;
  private past: OrtTensorMap | null = null;
  private cacheNames: [string, string][] | null = null;
  private cacheOnGpu = false;
  private rowCount = 0;
  private cached = 0;
  /** Row sources not applied to the cache yet (null: the cache is as the last step left it). */
  private pendingSources: number[] | null = null;
  private readonly session: OrtSession | null;
  private readonly directFeeds: DirectSession['feeds'];
  /** The cache on our side, when the model allows it (then `past` stays null); else present.* read back whole each step. */
  private kept: KeptCache | null = null;

  constructor(private readonly model: PreTrainedModel, vocabSize: number) {
    this.vocabSize = vocabSize;
    ({ session: this.session, feeds: this.directFeeds } = directSessionOf(model));
  }

  get rows(): number {
    return this.pendingSources?.length ?? this.rowCount;
  }

  get length(): number {
    return this.cached;
  }

  /** Whether the cache lives on our side (see `kept`). */
  get keepsCache(): boolean {
    return this.kept !== null;
  }

  reset(): void {
    this.release(this.past);
    this.past = null;
    this.kept = null;
    this.rowCount = 0;
    this.cached = 0;
    this.pendingSources = null;
  }

  async prefill(promptIds: readonly number[]): Promise<Float32Array> {
    if (promptIds.length === 0) throw new Error('prefill needs at least one token');
    this.reset();
    const n = promptIds.length;
    const inputIds = new Tensor('int64', BigInt64Array.from(promptIds, BigInt), [1, n]);
    const mask = new Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]);
    const positions = new Tensor('int64', BigInt64Array.from({ length: n }, (_, i) => BigInt(i)), [1, n]);
    const outputs = (await timedPass(this.model.forward({ input_ids: inputIds, attention_mask: mask, position_ids: positions, past_key_values: null }))) as TensorMap;
    const unwrapped: OrtTensorMap = {};
    for (const name in outputs) unwrapped[name] = outputs[name].ort_tensor;
    this.keepCache(unwrapped, 1, n);
    this.kept = KeptCache.from(this.session, this.cacheNames ?? [], unwrapped, 1, n);
    if (this.kept) this.past = null;
    return this.lastPositionRows(unwrapped.logits, 1);
  }

  recycle(logits: Float32Array): void {
    runtimeOutputs.recycle(logits);
  }

  selectRows(sources: readonly number[]): void {
    if (sources.length === 0) throw new Error('a batch needs at least one row');
    const base = this.pendingSources;
    const current = base?.length ?? this.rowCount;
    for (const s of sources) {
      if (!Number.isInteger(s) || s < 0 || s >= current) throw new Error(`row ${s} does not exist (the batch has ${current})`);
    }
    const composed = base ? sources.map((s) => base[s]) : [...sources];
    const identity = composed.length === this.rowCount && composed.every((s, r) => s === r);
    this.pendingSources = identity ? null : composed;
  }

  async step(tokenIds: readonly number[]): Promise<Float32Array> {
    if (this.kept) return this.stepOnKeptCache(tokenIds, this.kept);
    if (!this.past) throw new Error('step before prefill');
    if (tokenIds.length !== this.rows) throw new Error(`step got ${tokenIds.length} tokens for ${this.rows} rows`);
    await this.applyPendingSources();
    const rows = this.rowCount;
    const total = this.cached + 1;
    const { inputIds, mask, positions } = stepInputs(tokenIds, rows, this.cached);
    let outputs: OrtTensorMap;
    if (this.session) {
      outputs = await timedPass(this.session.run({ ...this.past, ...this.directFeeds(inputIds, mask, positions) }));
    } else {
      const past: TensorMap = Object.fromEntries(Object.entries(this.past).map(([name, t]) => [name, new Tensor(t)]));
      const wrapped = (await timedPass(this.model.forward({ input_ids: inputIds, attention_mask: mask, position_ids: positions, past_key_values: past }))) as TensorMap;
      outputs = {};
      for (const name in wrapped) outputs[name] = wrapped[name].ort_tensor;
    }
    const previous = this.past;
    this.keepCache(outputs, rows, total);
    this.release(previous);
    return this.lastPositionRows(outputs.logits, rows);
  }

  private async stepOnKeptCache(tokenIds: readonly number[], kept: KeptCache): Promise<Float32Array> {
    if (tokenIds.length !== this.rows) throw new Error(`step got ${tokenIds.length} tokens for ${this.rows} rows`);
    if (this.pendingSources) {
      kept.cache.select(this.pendingSources);
      this.pendingSources = null;
    }
    const rows = kept.cache.rows;
    const { inputIds, mask, positions } = stepInputs(tokenIds, rows, kept.cache.length);
    const outputs = await kept.run(this.directFeeds(inputIds, mask, positions));
    this.rowCount = rows;
    this.cached = kept.cache.length;
    return this.lastPositionRows(outputs.logits, rows);
  }

  private keepCache(outputs: OrtTensorMap, rows: number, length: number): void {
    if (!this.cacheNames) {
      this.cacheNames = Object.keys(outputs).filter((name) => name.startsWith('present')).map((name) => [name, name.replace('present', 'past_key_values')]);
      this.cacheOnGpu = this.cacheNames.some(([name]) => outputs[name].location === 'gpu-buffer');
    }
    const next: OrtTensorMap = {};
    for (const [output, input] of this.cacheNames) next[input] = outputs[output];
    this.past = next;
    this.rowCount = rows;
    this.cached = length;
  }

  /** Copies the cache rows that `pendingSources` names into new tensors (downloaded first when on the GPU). */
  private async applyPendingSources(): Promise<void> {
    const sources = this.pendingSources;
    if (!sources || !this.past) return;
    const next: OrtTensorMap = {};
    for (const name in this.past) {
      const tensor = this.past[name];
      const data = (tensor.location === 'gpu-buffer' ? await tensor.getData() : tensor.data) as CacheData;
      const [batch, ...rest] = tensor.dims;
      const rowSize = data.length / batch;
      const copy = new (data.constructor as new (length: number) => CacheData)(rowSize * sources.length);
      for (let r = 0; r < sources.length; r++) copy.set(data.subarray(sources[r] * rowSize, (sources[r] + 1) * rowSize), r * rowSize);
      // A GPU session takes CPU inputs too (it uploads them): the copied rows go back up at the next run.
      next[name] = new Tensor(tensor.type, copy, [sources.length, ...rest]).ort_tensor;
    }
    this.release(this.past);
    this.past = next;
    this.rowCount = sources.length;
    this.pendingSources = null;
  }

  /** The logits of each row's last position, rows × vocab (a step's output already is exactly that). */
  private lastPositionRows(logits: OrtTensor, rows: number): Float32Array {
    const data = logits.data as Float32Array;
    const vocab = logits.dims[logits.dims.length - 1];
    if (vocab !== this.vocabSize) throw new Error(`the model gives ${vocab} logits a position, its config says ${this.vocabSize}`);
    if (data.length === rows * vocab) return data;
    const positions = data.length / (rows * vocab);
    const out = new Float32Array(rows * vocab);
    for (let r = 0; r < rows; r++) out.set(data.subarray(((r + 1) * positions - 1) * vocab, (r + 1) * positions * vocab), r * vocab);
    return out;
  }

  private release(cache: OrtTensorMap | null): void {
    // GPU-resident cache tensors hold device buffers that garbage collection does not free.
    if (cache && this.cacheOnGpu) for (const name in cache) if (cache[name].location === 'gpu-buffer') cache[name].dispose();
  }
}

/** One token a row after `cached` positions: the ids, a mask of ones over every position, each row's position. */
function stepInputs(tokenIds: readonly number[], rows: number, cached: number): { inputIds: Tensor; mask: Tensor; positions: Tensor } {
  return {
    inputIds: new Tensor('int64', BigInt64Array.from(tokenIds, BigInt), [rows, 1]),
    mask: new Tensor('int64', new BigInt64Array(rows * (cached + 1)).fill(1n), [rows, cached + 1]),
    positions: new Tensor('int64', new BigInt64Array(rows).fill(BigInt(cached)), [rows, 1]),
  };
}

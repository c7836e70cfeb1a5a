// A batch's key/value cache kept on our side of the runtime, in buffers that live as long as the batch.
// onnxruntime-web hands every output back in a newly allocated array: for a cache of 8 rows × 40 positions that is
// about 640 KB of fresh memory a step, which Chromium fills at a fraction of the speed of a copy into memory
// already in use (4.1 against 0.03 ms a step measured on 2 cores). A model that also outputs the key and value of
// the positions it was fed (`step_key_values.*`) lets a step read back only those; the cache grows here, in place.
// Both the batch (batchRunner.ts) and a single run (modelRunner.ts) keep their cache this way when they can.
export type CacheData = Float32Array | Uint16Array;
type CacheArray = new (length: number) => CacheData;

/** Positions of room added beyond what a step needs, so a buffer is not reallocated every step. */
const HEADROOM = 64;

export class RowCache {
  /** One buffer per cache tensor, at least rows × heads × length × headDim long; only that dense start is used. */
  private buffers: CacheData[];
  /** Where selectRows writes, then swapped in (rows may be copied, reordered and dropped at once). */
  private spares: CacheData[];
  private rowCount = 0;
  private positions = 0;

  constructor(
    readonly tensors: number,
    private readonly heads: number,
    private readonly headDim: number,
    private readonly ArrayType: CacheArray,
  ) {
    this.buffers = Array.from({ length: tensors }, () => new ArrayType(0));
    this.spares = Array.from({ length: tensors }, () => new ArrayType(0));
  }

  get rows(): number {
    return this.rowCount;
  }

  get length(): number {
    return this.positions;
  }

  /** The shape of each view: [rows, heads, length, headDim]. */
  dims(): number[] {
    return [this.rowCount, this.heads, this.positions, this.headDim];
  }

  /** The cache as the model takes it: one dense [rows, heads, length, headDim] view per tensor. */
  views(): CacheData[] {
    const used = this.rowCount * this.heads * this.positions * this.headDim;
    return this.buffers.map((b) => b.subarray(0, used));
  }

  /** Starts from whole cache tensors, [rows, heads, length, headDim] each (a prefill's present.* outputs). */
  load(tensors: readonly CacheData[], rows: number, length: number): void {
    this.check(tensors, rows * this.heads * length * this.headDim, 'load');
    this.rowCount = rows;
    this.positions = length;
    tensors.forEach((data, i) => {
      this.buffers[i] = this.roomFor(this.buffers[i], rows, length, 0);
      this.buffers[i].set(data);
    });
  }

  /** Row r continues old row `sources[r]`: copies, reorders and drops rows in one pass. */
  select(sources: readonly number[]): void {
    for (const s of sources) if (!Number.isInteger(s) || s < 0 || s >= this.rowCount) throw new Error(`row ${s} does not exist (the cache has ${this.rowCount})`);
    const rowSize = this.heads * this.positions * this.headDim;
    for (let i = 0; i < this.tensors; i++) {
      const from = this.buffers[i];
      const to = this.roomFor(this.spares[i], sources.length, this.positions, 0);
      sources.forEach((s, r) => to.set(from.subarray(s * rowSize, (s + 1) * rowSize), r * rowSize));
      this.spares[i] = from;
      this.buffers[i] = to;
    }
    this.rowCount = sources.length;
  }

  /** Adds n positions to every row: `fed[i]` is [rows, heads, n, headDim], the fed positions' keys or values. */
  append(fed: readonly CacheData[]): void {
    const perPosition = this.rowCount * this.heads * this.headDim;
    const added = fed.length > 0 && perPosition > 0 ? fed[0].length / perPosition : 0;
    if (!Number.isInteger(added) || added < 1) throw new Error(`append: a cache tensor of ${fed[0]?.length ?? 0} values is not whole positions of ${perPosition}`);
    this.check(fed, perPosition * added, 'append');
    const blocks = this.rowCount * this.heads;
    const oldStride = this.positions * this.headDim;
    const addedStride = added * this.headDim;
    const newStride = oldStride + addedStride;
    for (let i = 0; i < this.tensors; i++) {
      const buffer = this.roomFor(this.buffers[i], this.rowCount, this.positions + added, blocks * oldStride);
      const values = fed[i];
      // Last block first: each block moves to a higher offset, over space its successors have already left.
      for (let k = blocks - 1; k >= 0; k--) {
        if (k > 0 && oldStride > 0) buffer.copyWithin(k * newStride, k * oldStride, (k + 1) * oldStride);
        // A position or two of one head: a loop costs less than a view and a set (an object each, 2 × rows × heads a step).
        const from = k * addedStride;
        const to = k * newStride + oldStride;
        for (let j = 0; j < addedStride; j++) buffer[to + j] = values[from + j];
      }
      this.buffers[i] = buffer;
    }
    this.positions += added;
  }

  /** `buffer` when it holds `needed` values, else a new one with room for HEADROOM more positions, keeping its first `keep`. */
  private roomFor(buffer: CacheData, rows: number, positions: number, keep: number): CacheData {
    const needed = rows * this.heads * positions * this.headDim;
    if (buffer.length >= needed) return buffer;
    const grown = new this.ArrayType(Math.max(needed + rows * this.heads * HEADROOM * this.headDim, 2 * buffer.length));
    if (keep > 0) grown.set(buffer.subarray(0, keep));
    return grown;
  }

  private check(tensors: readonly CacheData[], each: number, what: string): void {
    if (tensors.length !== this.tensors) throw new Error(`${what}: ${tensors.length} cache tensors for ${this.tensors}`);
    for (const t of tensors) if (t.length !== each) throw new Error(`${what}: a cache tensor of ${t.length} values, expected ${each}`);
  }
}

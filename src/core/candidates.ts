// The candidate set one step works on: typed arrays reused across steps, a size that filters shrink,
// and a cached softmax (weights relative to a reference logit) that stages keep up to date cheaply.
import { fastExp, softmaxPass } from './fastExp';

export class Candidates {
  readonly vocabSize: number;
  readonly ids: Int32Array;
  readonly logits: Float64Array;
  /** weights[i] = e^(logits[i] − ref); valid while statsValid. */
  readonly weights: Float64Array;
  /** position of a token id in ids[] after the first compaction (check ids[pos[id]] === id). */
  readonly pos: Int32Array;
  size = 0;
  /** ids[] is in final-probability order (descending, ties lower id first). */
  sorted = false;
  /** ids[i] === i for every i < size: penalties and bias index logits by id directly. */
  dense = true;
  ref = 0;
  sum = 0;
  /** Σ weights[i] · (logits[i] − ref): with sum, gives the entropy without a logarithm per token. */
  xsum = 0;
  statsValid = false;
  /** The maximum logit when a stage already knows it (saves a pass); consumed by ensureStats. */
  maxHint: number | null = null;
  /** Tokens not at -Infinity after load (penalties and bias never change that). */
  allowed = 0;
  /** Scratch space for selection and partial sorts. */
  readonly scratch: Float64Array;
  readonly scratchIds: Int32Array;
  readonly scratchWeights: Float64Array;
  /** Reused keep/remove mask for compaction. */
  readonly keepMask: Uint8Array;

  constructor(vocabSize: number) {
    if (!Number.isInteger(vocabSize) || vocabSize < 1) throw new RangeError(`vocabulary size must be a positive integer, got ${vocabSize}`);
    this.vocabSize = vocabSize;
    this.ids = new Int32Array(vocabSize);
    this.logits = new Float64Array(vocabSize);
    this.weights = new Float64Array(vocabSize);
    this.pos = new Int32Array(vocabSize);
    this.scratch = new Float64Array(vocabSize);
    this.scratchIds = new Int32Array(vocabSize);
    this.keepMask = new Uint8Array(vocabSize);
    this.scratchWeights = new Float64Array(vocabSize);
  }

  /** Copies raw logits in: NaN becomes -Infinity, +Infinity the largest finite number. Returns how many are allowed. */
  load(src: ArrayLike<number>): number {
    if (src.length !== this.vocabSize) {
      throw new RangeError(`expected ${this.vocabSize} logits, got ${src.length}`);
    }
    const { ids, logits } = this;
    let allowed = 0;
    for (let i = 0; i < this.vocabSize; i++) {
      let z = src[i];
      if (z !== z) z = -Infinity;
      else if (z === Infinity) z = Number.MAX_VALUE;
      logits[i] = z;
      ids[i] = i;
      if (z !== -Infinity) allowed++;
    }
    this.size = this.vocabSize;
    this.sorted = false;
    this.dense = true;
    this.statsValid = false;
    this.maxHint = null;
    this.allowed = allowed;
    return allowed;
  }

  /** Recomputes the softmax cache over the current set in one fused pass. */
  ensureStats(): void {
    if (this.statsValid) return;
    const { logits, weights, size } = this;
    let ref = this.maxHint;
    if (ref === null) {
      ref = -Infinity;
      for (let i = 0; i < size; i++) if (logits[i] > ref) ref = logits[i];
    }
    this.maxHint = null;
    const { sum, xsum } = softmaxPass(logits, weights, size, 1, ref);
    this.ref = ref;
    this.sum = sum;
    this.xsum = xsum;
    this.statsValid = true;
  }

  /** Entropy in nats of the current distribution: H = ln Z − Σ e^x·x / Z. */
  entropy(): number {
    this.ensureStats();
    const h = Math.log(this.sum) - this.xsum / this.sum;
    return h > 0 ? h : 0;
  }

  /** Index of a token id in the current set, or -1 when it is no longer allowed. */
  indexOf(id: number): number {
    if (this.dense) return id < this.size && this.logits[id] !== -Infinity ? id : -1;
    const p = this.pos[id];
    return p < this.size && this.ids[p] === id ? p : -1;
  }

  /** Probability of the candidate at index i. */
  probAt(i: number): number {
    this.ensureStats();
    return this.weights[i] / this.sum;
  }

  /** Changes one logit and keeps the softmax cache exact without a full pass. */
  setLogit(i: number, value: number): void {
    const old = this.logits[i];
    if (old === value) return;
    this.logits[i] = value;
    if (!this.statsValid) return;
    const x = value - this.ref;
    if (x > 700) {
      this.statsValid = false;
      return;
    }
    const wOld = this.weights[i];
    const w = fastExp(x);
    this.weights[i] = w;
    this.sum += w - wOld;
    this.xsum += w * x - wOld * (old - this.ref);
    // Subtracting most of the mass loses digits: start again from scratch instead.
    if (wOld > 0.25 * (this.sum + wOld)) this.statsValid = false;
  }

  /**
   * Keeps candidates with keep[i] != 0 (in their current order). Returns the kept share of the old mass
   * when the cache was valid (so a stage can report the mass it removed), else NaN.
   */
  compact(keep: Uint8Array): number {
    const { ids, logits, weights, pos } = this;
    const oldSum = this.sum;
    let n = 0;
    let sum = 0;
    let xsum = 0;
    for (let i = 0; i < this.size; i++) {
      if (!keep[i]) continue;
      const id = ids[i];
      ids[n] = id;
      logits[n] = logits[i];
      const w = weights[i];
      weights[n] = w;
      sum += w;
      xsum += w * (logits[i] - this.ref);
      pos[id] = n;
      n++;
    }
    this.size = n;
    this.dense = false;
    if (!this.statsValid) return NaN;
    this.sum = sum;
    this.xsum = xsum;
    return sum / oldSum;
  }

  /** Keeps the first n candidates (after a sort) and returns the kept share of the old mass. */
  truncate(n: number): number {
    const oldSum = this.sum;
    this.size = Math.min(n, this.size);
    n = this.size;
    if (this.dense) {
      for (let i = 0; i < n; i++) this.pos[this.ids[i]] = i;
      this.dense = false;
    }
    if (!this.statsValid) return NaN;
    let sum = 0;
    let xsum = 0;
    for (let i = 0; i < n; i++) {
      sum += this.weights[i];
      xsum += this.weights[i] * (this.logits[i] - this.ref);
    }
    this.sum = sum;
    this.xsum = xsum;
    return sum / oldSum;
  }

  /** Removes tokens at -Infinity so later stages never see them. */
  dropDisallowed(): void {
    if (!this.dense || this.allowed === this.size) return;
    const keep = this.keepMask;
    for (let i = 0; i < this.size; i++) keep[i] = this.logits[i] === -Infinity ? 0 : 1;
    this.compact(keep);
  }

  /** Sorts the whole set by logit descending, ties lower id first. */
  sortAll(): void {
    if (this.sorted) return;
    sortRange(this, 0, this.size);
    this.sorted = true;
    this.dense = false;
    for (let i = 0; i < this.size; i++) this.pos[this.ids[i]] = i;
  }

  /**
   * Replaces the set with its head — every candidate whose logit is ≥ `floor` — sorted. Only for filters that
   * then keep a prefix of that head (top_p, min_p's floor): the tail is dropped without being touched twice.
   */
  takeSortedHead(floor: number): void {
    const { ids, logits, weights, scratch, scratchIds } = this;
    const tailWeights = this.scratchWeights;
    let n = 0;
    for (let i = 0; i < this.size; i++) {
      if (logits[i] >= floor) {
        scratchIds[n] = ids[i];
        scratch[n] = logits[i];
        tailWeights[n] = weights[i];
        n++;
      }
    }
    ids.set(scratchIds.subarray(0, n));
    logits.set(scratch.subarray(0, n));
    weights.set(tailWeights.subarray(0, n));
    // The sum still covers the whole old set, so shares computed by truncate() stay shares of the entering mass.
    this.size = n;
    this.dense = false;
    sortRange(this, 0, n);
    for (let i = 0; i < n; i++) this.pos[ids[i]] = i;
    this.sorted = true;
  }
}

function swap(ids: Int32Array, logits: Float64Array, weights: Float64Array, a: number, b: number): void {
  if (a === b) return;
  const id = ids[a]; ids[a] = ids[b]; ids[b] = id;
  const z = logits[a]; logits[a] = logits[b]; logits[b] = z;
  const w = weights[a]; weights[a] = weights[b]; weights[b] = w;
}

/** a comes before b: higher logit first, ties lower id first. */
function before(la: number, ia: number, lb: number, ib: number): boolean {
  return la > lb || (la === lb && ia < ib);
}

/** In-place quicksort of parallel arrays (no comparator closures, no allocation). */
function sortRange(c: Candidates, lo: number, hi: number): void {
  const { ids, logits, weights } = c;
  while (hi - lo > 16) {
    const mid = (lo + hi) >>> 1;
    // median of three as pivot
    if (before(logits[mid], ids[mid], logits[lo], ids[lo])) swap(ids, logits, weights, mid, lo);
    if (before(logits[hi - 1], ids[hi - 1], logits[lo], ids[lo])) swap(ids, logits, weights, hi - 1, lo);
    if (before(logits[hi - 1], ids[hi - 1], logits[mid], ids[mid])) swap(ids, logits, weights, hi - 1, mid);
    const pl = logits[mid];
    const pi = ids[mid];
    let i = lo;
    let j = hi - 1;
    while (i <= j) {
      while (before(logits[i], ids[i], pl, pi)) i++;
      while (before(pl, pi, logits[j], ids[j])) j--;
      if (i <= j) {
        swap(ids, logits, weights, i, j);
        i++;
        j--;
      }
    }
    // Recurse into the smaller side, loop on the larger: bounded stack depth.
    if (j - lo < hi - i) {
      sortRange(c, lo, j + 1);
      lo = i;
    } else {
      sortRange(c, i, hi);
      hi = j + 1;
    }
  }
  for (let i = lo + 1; i < hi; i++) {
    for (let j = i; j > lo && before(logits[j], ids[j], logits[j - 1], ids[j - 1]); j--) swap(ids, logits, weights, j, j - 1);
  }
}

// Selection over candidate arrays, each a leaf loop over typed arrays: the strongest candidates by logit (ties:
// lower id first) for the top-N of a stage view and the k-th largest logit of top_k — a floor guessed from a
// strided sample picks a small pool in one compare-only pass, and a small heap ranks the pool, O(n + pool·log N)
// with no sort of the set — plus the maximum, the argmax and threshold counts.

/** Every SAMPLE_STRIDE-th candidate is sampled to guess the floor. */
const SAMPLE_STRIDE = 8;
/** Extra sampled places below the expected rank, so the guessed floor is rarely too high. */
const SAMPLE_SLACK = 4;

let heap = new Int32Array(64);
let pool = new Int32Array(256);
let sample = new Float64Array(256);

/** a is weaker than b: lower logit, or the same logit and a higher id. */
function weaker(logits: Float64Array, ids: Int32Array, a: number, b: number): boolean {
  return logits[a] < logits[b] || (logits[a] === logits[b] && ids[a] > ids[b]);
}

function siftDown(h: Int32Array, length: number, logits: Float64Array, ids: Int32Array): void {
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < length && weaker(logits, ids, h[l], h[m])) m = l;
    if (r < length && weaker(logits, ids, h[r], h[m])) m = r;
    if (m === i) return;
    const t = h[i]; h[i] = h[m]; h[m] = t;
    i = m;
  }
}

/**
 * Fills h with the `limit` strongest of the candidate indices idx[0, count) as a min-heap (root: the weakest
 * of them); returns its length.
 */
function heapStrongest(logits: Float64Array, ids: Int32Array, idx: Int32Array, count: number, limit: number, h: Int32Array): number {
  let length = 0;
  let floor = -Infinity;
  for (let p = 0; p < count; p++) {
    const i = idx[p];
    const z = logits[i];
    if (z < floor) continue;
    if (length < limit) {
      let j = length++;
      h[j] = i;
      while (j > 0) {
        const parent = (j - 1) >> 1;
        if (!weaker(logits, ids, h[j], h[parent])) break;
        const t = h[j]; h[j] = h[parent]; h[parent] = t;
        j = parent;
      }
      if (length === limit) floor = logits[h[0]];
    } else if (weaker(logits, ids, h[0], i)) {
      h[0] = i;
      siftDown(h, length, logits, ids);
      floor = logits[h[0]];
    }
  }
  return length;
}

/** Indices [0, size) whose logit is ≥ floor, into out; returns how many (stops counting past out's length). */
function collectAtLeast(logits: Float64Array, size: number, floor: number, out: Int32Array): number {
  const cap = out.length;
  let n = 0;
  for (let i = 0; i < size; i++) {
    if (logits[i] >= floor) {
      if (n < cap) out[n] = i;
      n++;
    }
  }
  return n;
}

/** A logit that about `need` · SAMPLE_STRIDE candidates reach or pass, from a strided sample (-Infinity if unsure). */
function guessFloor(logits: Float64Array, size: number, need: number): number {
  const rank = Math.ceil(need / SAMPLE_STRIDE) + SAMPLE_SLACK;
  const m = Math.floor((size - 1) / SAMPLE_STRIDE) + 1;
  if (rank >= m) return -Infinity;
  if (sample.length < m) sample = new Float64Array(2 * m);
  for (let p = 0, i = 0; i < size; p++, i += SAMPLE_STRIDE) sample[p] = logits[i];
  return kthOfSample(sample, m, rank);
}

/** The k-th largest of a[0, n) by quickselect (reorders a). */
function kthOfSample(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        const t = a[i]; a[i] = a[j]; a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return a[target];
  }
  return a[target];
}

/** A heap holding the `limit` strongest of [0, size), with its length: the pool pass when the guess holds, every candidate otherwise. */
function strongestHeap(logits: Float64Array, ids: Int32Array, size: number, limit: number): number {
  if (heap.length < limit) heap = new Int32Array(2 * limit);
  const floor = guessFloor(logits, size, limit);
  if (floor > -Infinity) {
    let count = collectAtLeast(logits, size, floor, pool);
    if (count > pool.length) {
      pool = new Int32Array(2 * count);
      count = collectAtLeast(logits, size, floor, pool);
    }
    // Every candidate below the floor is weaker than `limit` of the pool: the pool holds the answer.
    if (count >= limit) return heapStrongest(logits, ids, pool, count, limit, heap);
  }
  if (pool.length < size) pool = new Int32Array(size);
  for (let i = 0; i < size; i++) pool[i] = i;
  return heapStrongest(logits, ids, pool, size, limit, heap);
}

/** Ids of the n strongest of [0, size), strongest first. */
export function strongestIds(logits: Float64Array, ids: Int32Array, size: number, n: number): number[] {
  const limit = Math.min(n, size);
  if (limit <= 0) return [];
  const length = strongestHeap(logits, ids, size, limit);
  const out = new Array<number>(length);
  // Pop the weakest first into the back of the result.
  for (let k = length - 1; k >= 0; k--) {
    out[k] = ids[heap[0]];
    heap[0] = heap[k];
    siftDown(heap, k, logits, ids);
  }
  return out;
}

/** The k-th largest logit of [0, size) (1 ≤ k ≤ size). */
export function kthLargest(logits: Float64Array, ids: Int32Array, size: number, k: number): number {
  strongestHeap(logits, ids, size, k);
  return logits[heap[0]];
}

/**
 * The largest of values[0, n). Long loops live in small functions that return a number: code the optimiser
 * compiles in the middle of a loop has no type feedback for what comes after it, and V8 kept re-entering such
 * code and bailing out at every call (seen in ensureStats, 759 times in 600 steps).
 */
export function maxOf(values: Float64Array, n: number): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (values[i] > max) max = values[i];
  return max;
}

/** How many of values[0, n) are at least `threshold`. */
export function countAtLeast(values: Float64Array, n: number, threshold: number): number {
  let count = 0;
  for (let i = 0; i < n; i++) if (values[i] >= threshold) count++;
  return count;
}

/** Index of the largest logit in [0, size), ties to the lower id. */
export function strongestIndex(logits: Float64Array, ids: Int32Array, size: number): number {
  let best = 0;
  for (let i = 1; i < size; i++) if (logits[i] > logits[best] || (logits[i] === logits[best] && ids[i] < ids[best])) best = i;
  return best;
}

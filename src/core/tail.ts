// The low end of a large vocabulary, summarised instead of listed. Tokens far below the head go into narrow
// logit bins that keep, per bin, the count and the sum of each token's offset inside the bin; those give the
// softmax sums at any temperature in one walk over the bins, without touching the tokens again. Every sum comes
// with a rigorous error bound, so a decision that could depend on it can fall back to listing the tokens.

export const TAIL_BINS_PER_NAT = 128;
/** 64 nats of bins; tokens further down are counted in one overflow slot (their weight is bounded, not summed). */
export const TAIL_BIN_COUNT = 64 * TAIL_BINS_PER_NAT;
/**
 * Each bin is one float holding Σ (PACK + u) over its tokens, u = k + t their offset in bin widths: the count is
 * ⌊value / (PACK + k)⌋ and Σt the remainder, exactly, while a bin holds fewer than PACK tokens. One add per
 * token instead of two: the load loop is a quarter faster.
 */
const PACK = 1 << 20;
/** Larger vocabularies would overfill a bin's packing: they are listed whole. */
export const TAIL_MAX_VOCAB = PACK / 4;

/**
 * The bins live in one module-level array shared by every tail in this thread: a loop over a typed array the
 * optimiser sees as a constant runs about a third faster than over one it must load from an object. A step
 * builds and uses its tail synchronously, so two tails never need the bins at once; each build is numbered and
 * the bin readers check that the number is still theirs.
 */
const sharedBins = new Float64Array(TAIL_BIN_COUNT + 1);
let builds = 0;
/** Bins the last build wrote, to clear before the next one. */
let dirtyEnd = TAIL_BIN_COUNT;
const MAX_FINITE = Number.MAX_VALUE;

/**
 * The load loop: lists tokens whose raw logit is ≥ top into ids / logits / pos and bins the rest, counting those
 * beyond the last bin in the overflow slot (NaN and -Infinity are dropped). Returns how many it listed. Nothing but
 * a local is touched after the loop: code the optimiser compiled mid-loop has no type feedback for what follows
 * it and would be thrown away at every call.
 */
function listAndBin(src: ArrayLike<number>, top: number, ids: Int32Array, logits: Float64Array, pos: Int32Array): number {
  let n = 0;
  const length = src.length;
  for (let i = 0; i < length; i++) {
    const z = src[i];
    if (z >= top) {
      ids[n] = i;
      logits[n] = z === Infinity ? MAX_FINITE : z;
      pos[i] = n;
      n++;
    } else {
      const u = (top - z) * TAIL_BINS_PER_NAT;
      if (u < TAIL_BIN_COUNT) sharedBins[u | 0] += PACK + u;
      else if (z > -Infinity) sharedBins[TAIL_BIN_COUNT] += 1;
    }
  }
  return n;
}

/**
 * Tokens in a bin's packed value. Σt / (PACK + k) stays below a quarter (a bin never holds PACK / 4 tokens), so the
 * quarter added makes the floor immune to rounding left by removals either way.
 */
function countIn(value: number, k: number): number {
  return Math.floor(value / (PACK + k) + 0.25);
}

/** Σt of a bin with n tokens, clamped to what n offsets in [0, 1) can sum to. */
function offsetSum(value: number, k: number, n: number): number {
  const m1 = value - n * (PACK + k);
  return m1 < 0 ? 0 : m1 > n ? n : m1;
}

export interface TailSums {
  /** Σ e^(x), x = scaled logit − ref, over the tail (the middle of its bounds). */
  sum: number;
  /** Σ e^(x) · x over the tail (for the entropy; display only). */
  xsum: number;
  /** Bound on |error of sum|. */
  error: number;
}

export class LogitTail {
  /** Raw logit at the top of bin 0; every summarised token's raw logit is below it. */
  top = 0;
  /** Bins below `start` were listed (moved out of the summary). */
  start = 0;
  /** One past the last bin that holds a token. */
  end = 0;
  /** Tokens in the summary, overflow included. */
  count = 0;
  /** Product of the temperatures applied since the summary was built (the bins stay in raw units). */
  scale = 1;
  active = false;
  /** Which build of the shared bins is this tail's. */
  private buildNumber = 0;

  /**
   * The one pass over a step's logits: lists the tokens at or above `top` into ids / logits / pos (returns how
   * many) and summarises the rest.
   */
  build(src: ArrayLike<number>, top: number, ids: Int32Array, logits: Float64Array, pos: Int32Array): number {
    sharedBins.fill(0, 0, dirtyEnd);
    sharedBins[TAIL_BIN_COUNT] = 0;
    this.buildNumber = ++builds;
    this.top = top;
    this.start = 0;
    this.scale = 1;
    const listed = listAndBin(src, top, ids, logits, pos);
    let end = TAIL_BIN_COUNT;
    while (end > 0 && sharedBins[end - 1] === 0) end--;
    this.end = end;
    dirtyEnd = end;
    let count = sharedBins[TAIL_BIN_COUNT];
    for (let k = 0; k < end; k++) count += countIn(sharedBins[k], k);
    this.count = count;
    this.active = count > 0;
    return listed;
  }

  /** The shared bins, checked to still hold this tail's summary. */
  private get bins(): Float64Array {
    this.checkBins();
    return sharedBins;
  }

  private checkBins(): void {
    if (this.buildNumber !== builds) throw new Error('internal: a summarised tail was read after another pipeline reused the bins');
  }

  /** The first bin b ≥ start such that bins [start, b) hold at least `n` tokens (`end` if they never do). */
  binHolding(n: number): number {
    const bins = this.bins;
    let k = this.start;
    let held = 0;
    while (k < this.end && held < n) {
      held += countIn(bins[k], k);
      k++;
    }
    return k;
  }

  /** Offset of a raw logit below `top` in bin widths, computed exactly as the load loop does. */
  offsetOf(raw: number): number {
    return (this.top - raw) * TAIL_BINS_PER_NAT;
  }

  /** Takes one token out of the summary (it is being listed). */
  remove(raw: number): void {
    const u = this.offsetOf(raw);
    const bins = this.bins;
    if (u < TAIL_BIN_COUNT) bins[u | 0] -= PACK + u;
    else bins[TAIL_BIN_COUNT] -= 1;
    if (--this.count === 0) this.active = false;
  }

  /** Forgets bins [start, to), and the overflow too when `to` reaches past the last bin: those were listed. */
  release(to: number): void {
    if (to >= TAIL_BIN_COUNT) {
      // Everything was listed: no bin needs reading.
      this.count = 0;
      this.active = false;
      this.start = TAIL_BIN_COUNT;
      return;
    }
    const stop = Math.min(to, this.end);
    const bins = this.bins;
    for (let k = this.start; k < stop; k++) this.count -= countIn(bins[k], k);
    if (stop > this.start) bins.fill(0, this.start, stop);
    this.start = Math.max(this.start, to);
    if (this.count <= 0) {
      this.count = 0;
      this.active = false;
    }
  }

  /** Every summarised token's scaled logit is at most this. */
  ceiling(): number {
    return this.scale * (this.top - this.start / TAIL_BINS_PER_NAT);
  }

  /**
   * Softmax sums of the summary at the current scale, relative to `ref` (a scaled logit at or above every
   * summarised one). A token at offset t in bin k weighs e^(a − c·k) · e^(−c·t), c = scale / bins-per-nat;
   * e^(−c·t) is convex in t, so per bin Σ e^(−c·t) lies between n·e^(−c·mean t) (Jensen) and
   * n − (1 − e^(−c))·Σt (the chord): the sum is the middle of the two, its error at most half their gap.
   */
  sums(ref: number): TailSums {
    const bins = this.bins;
    const c = this.scale / TAIL_BINS_PER_NAT;
    const chord = 1 - Math.exp(-c);
    const a0 = this.scale * this.top - ref;
    const step = Math.exp(-c);
    let sum = 0;
    let xsum = 0;
    let gap = 0;
    let factor = 0;
    for (let k = this.start; k < this.end; k++) {
      // Resynchronise the running e^(a0 − c·k) now and then so rounding cannot drift.
      if (((k - this.start) & 255) === 0) factor = Math.exp(a0 - c * k);
      else factor *= step;
      const packed = bins[k];
      if (packed === 0) continue;
      const n = countIn(packed, k);
      if (n === 0) continue;
      const m1 = offsetSum(packed, k, n);
      // The cubic below e^(−x) never exceeds it (the next term of the series is positive), so `low` stays a bound.
      const x = (c * m1) / n;
      const low = n * (x < 0.1 ? 1 - x * (1 - x * (0.5 - x / 6)) : Math.exp(-x));
      const high = n - chord * m1;
      const s0 = 0.5 * (low + high);
      sum += factor * s0;
      // The packed sum rounds once per token: Σt is off by at most n ulps of the packed value.
      gap += factor * (high - low + c * n * packed * Number.EPSILON);
      // Σ t·e^(−c·t) ≈ e^(−c·mean t)·Σt: enough for the entropy shown beside the chart.
      xsum += factor * ((a0 - c * k) * s0 - c * m1 * (low / n));
    }
    const overflow = bins[TAIL_BIN_COUNT];
    const farWeight = overflow > 0 ? overflow * Math.exp(a0 - c * TAIL_BIN_COUNT) : 0;
    return { sum, xsum, error: 0.5 * gap + sum * 1e-12 + farWeight };
  }

  /** Approximate mass of bin k relative to `ref` (for choosing how far to list; never for a decision). */
  binMass(k: number, ref: number): number {
    const packed = this.bins[k];
    const n = countIn(packed, k);
    if (n === 0) return 0;
    const c = this.scale / TAIL_BINS_PER_NAT;
    return Math.exp(this.scale * this.top - ref - c * k) * n * Math.exp((-c * offsetSum(packed, k, n)) / n);
  }

  /**
   * How far to list so that every token whose scaled logit is ≥ `threshold` is listed: a `release` bound, with
   * one bin of slack for rounding; TAIL_BIN_COUNT or more means everything, overflow included.
   */
  listBoundFor(threshold: number): number {
    const u = (this.top - threshold / this.scale) * TAIL_BINS_PER_NAT;
    if (u < 0) return this.start;
    if (!(u < TAIL_BIN_COUNT)) return TAIL_BIN_COUNT;
    return Math.max(this.start, Math.floor(u) + 2);
  }
}

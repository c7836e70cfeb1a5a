// The candidate set one step works on: typed arrays reused across steps, a size that filters shrink, a cached
// softmax (weights relative to a reference logit) that stages keep up to date cheaply, and — for large
// vocabularies — a summarised tail (./tail.ts) so that only the head of the distribution is listed token by token.
import { fastExp, softmaxPass } from './fastExp';
import { kthLargest, maxOf, strongestIds, strongestIndex } from './select';
import { LogitTail, TAIL_BINS_PER_NAT, TAIL_BIN_COUNT, TAIL_MAX_VOCAB } from './tail';

/** Vocabularies at least this large list only their head at load and summarise the rest. */
export const TAIL_MIN_VOCAB = 16_384;
/** The head listed at load is about SAMPLE_STRIDE × SAMPLE_RANK tokens: the cut is the SAMPLE_RANK-th largest of every SAMPLE_STRIDE-th logit. */
const SAMPLE_STRIDE = 256;
const SAMPLE_RANK = 2;
/**
 * A view's ranking reaches as far as top_k's k, so top_k reads its threshold there instead of selecting again;
 * beyond this k, ranking that many for every view would cost more than top_k's own selection.
 */
const MAX_RANK_AHEAD = 256;

export class Candidates {
  readonly vocabSize: number;
  /** The listed candidates: ids[i], logits[i] (scaled by every temperature so far), weights[i] for i < size. */
  readonly ids: Int32Array;
  readonly logits: Float64Array;
  /** weights[i] = e^(logits[i] − ref); valid while statsValid. */
  readonly weights: Float64Array;
  /** Position of a token id in ids[] (check ids[pos[id]] === id and pos[id] < size). */
  readonly pos: Int32Array;
  size = 0;
  /** Tokens not listed: far below the head, summarised by logit bins (large vocabularies only). */
  readonly tail = new LogitTail();
  /** The raw logits of this step, for listing tail tokens later in the step. */
  private source: ArrayLike<number> = [];
  ref = 0;
  /** Σ e^(x) over the set, x = logit − ref (listed exactly, the tail summarised). */
  sum = 0;
  /** Σ e^(x)·x: with sum, gives the entropy without a logarithm per token. */
  xsum = 0;
  /** Bound on the absolute error of `sum` (0 when nothing is summarised). */
  sumError = 0;
  statsValid = false;
  /**
   * sum / xsum were last moved by setLogit's differences rather than summed afresh: right to ~1e-16 of the mass
   * they held before, which is all a probability needs but not an entropy near 0 (see exactStats).
   */
  private statsMoved = false;
  /** The largest listed logit when known without a pass (set by load, kept by setLogit when it can be). */
  private knownMax: number | null = null;
  /** Index of the most probable listed token (ties: lower id) when known without a pass; -1 when not. */
  private knownStrongest = -1;
  /** Scratch space for selection and partial sorts. */
  readonly scratch: Float64Array;
  /** Tokens listed out of the tail one by one (penalties, bias) this step, flagged so a listing pass skips them. */
  private readonly pulled: Uint8Array;
  private readonly pulledIds: number[] = [];
  /** Ids of the strongest tokens of the set, strongest first (ties: lower id), while `rankedValid`. */
  private ranked: number[] = [];
  /** False once a logit changed, a token was listed or a filter ran since `ranked` was built. */
  private rankedValid = false;
  /** How far strongestIds ranks ahead of what it is asked. */
  private rankAhead = 0;

  constructor(vocabSize: number) {
    if (!Number.isInteger(vocabSize) || vocabSize < 1) throw new RangeError(`vocabulary size must be a positive integer, got ${vocabSize}`);
    this.vocabSize = vocabSize;
    this.ids = new Int32Array(vocabSize);
    this.logits = new Float64Array(vocabSize);
    this.weights = new Float64Array(vocabSize);
    this.pos = new Int32Array(vocabSize);
    this.scratch = new Float64Array(vocabSize);
    this.pulled = new Uint8Array(vocabSize);
  }

  /**
   * Takes a step's raw logits: NaN and -Infinity are not allowed (never listed), +Infinity becomes the largest
   * finite number. Returns how many tokens are allowed.
   */
  load(src: ArrayLike<number>): number {
    if (src.length !== this.vocabSize) {
      throw new RangeError(`expected ${this.vocabSize} logits, got ${src.length}`);
    }
    this.source = src;
    this.statsValid = false;
    this.forgetOrder();
    this.tail.active = false;
    for (const id of this.pulledIds) this.pulled[id] = 0;
    this.pulledIds.length = 0;
    const summarise = this.vocabSize >= TAIL_MIN_VOCAB && this.vocabSize <= TAIL_MAX_VOCAB;
    const top = summarise ? sampleCut(src) : -Infinity;
    if (top > -Infinity && top < Infinity) this.loadHead(src, top);
    else this.loadAll(src);
    return this.allowedCount();
  }

  private loadAll(src: ArrayLike<number>): void {
    this.size = listAllowed(src, this.ids, this.logits, this.pos);
    this.knownMax = listedMax;
    this.knownStrongest = listedStrongest;
  }

  /** Lists tokens at or above `top` and bins the rest: the one pass over the whole vocabulary in a step. */
  private loadHead(src: ArrayLike<number>, top: number): void {
    this.size = this.tail.build(src, top, this.ids, this.logits, this.pos);
  }

  /** The step's raw logits, as loaded (a summarised token's logit is its raw one times `tail.scale`). */
  rawLogits(): ArrayLike<number> {
    return this.source;
  }

  /** Tokens still in the set, listed or summarised. */
  allowedCount(): number {
    return this.size + (this.tail.active ? this.tail.count : 0);
  }

  /** Recomputes the softmax cache over the current set: one fused pass over the listed tokens, one walk over the tail's bins. */
  ensureStats(): void {
    if (this.statsValid) return;
    const { logits, weights, size, tail } = this;
    let ref = this.knownMax ?? maxOf(logits, size);
    if (tail.active) ref = Math.max(ref, tail.ceiling());
    const { sum, xsum } = softmaxPass(logits, weights, size, ref);
    this.ref = ref;
    this.sum = sum;
    this.xsum = xsum;
    this.sumError = 0;
    if (tail.active) this.addTailSums();
    this.statsValid = true;
    this.statsMoved = false;
  }

  /**
   * ensureStats, summed afresh if setLogit moved the sums: an entropy of 1e-17 (one token holding all but e^-40 of
   * the mass) is lost in the cancellation of a moved xsum, and dynatemp raises it to a small power.
   */
  exactStats(): void {
    if (this.statsMoved) this.statsValid = false;
    this.ensureStats();
  }

  /** Adds the tail's share to sum / xsum (after the listed tokens' share is in). */
  addTailSums(): void {
    const t = this.tail.sums(this.ref);
    this.sum += t.sum;
    this.xsum += t.xsum;
    this.sumError = t.error;
  }

  /** Entropy in nats of the current distribution: H = ln Z − Σ e^x·x / Z. */
  entropy(): number {
    this.ensureStats();
    const h = Math.log(this.sum) - this.xsum / this.sum;
    return h > 0 ? h : 0;
  }

  /** Index of the most probable candidate (ties: lower id), with every token listed or provably below it. */
  strongest(): number {
    this.ensureHead(1);
    if (this.knownStrongest < 0) this.knownStrongest = strongestIndex(this.logits, this.ids, this.size);
    return this.knownStrongest;
  }

  /**
   * Ids of the n strongest tokens (all of them when fewer), strongest first, ties lower id. Ranks as far as
   * `rankFor` asked at once and keeps the ranking while the order cannot have changed.
   */
  strongestIds(n: number): number[] {
    const reaches = this.ranked.length >= n || this.ranked.length === this.allowedCount();
    if (!this.rankedValid || !reaches) {
      const head = this.ensureHead(n);
      // Only tokens provably above the tail may be ranked: at least n of them are, after ensureHead.
      this.ranked = strongestIds(this.logits, this.ids, head, Math.min(Math.max(n, this.rankAhead), head));
      this.rankedValid = true;
    }
    return this.ranked.length <= n ? this.ranked : this.ranked.slice(0, n);
  }

  /** Lets strongestIds rank far enough for a top_k of k to read its threshold from the ranking. */
  rankFor(k: number): void {
    this.rankAhead = k > 0 && k <= MAX_RANK_AHEAD ? k : 0;
  }

  /** The k-th largest logit of the set (1 ≤ k ≤ allowedCount()), read from the ranking when it reaches that far. */
  kthLargest(k: number): number {
    if (this.rankedValid && this.ranked.length >= k) return this.logits[this.indexOf(this.ranked[k - 1])];
    // The k-th largest is among the tokens provably above the tail, listed at the front.
    const head = this.ensureHead(k);
    return kthLargest(this.logits, this.ids, head, k);
  }

  /**
   * After scaling: rounding can make neighbours equal, and equal logits rank by id. The ranking keeps its runs
   * of equal logits up to the first whose ids are out of order, and never its last run unless it ranks every
   * token (a token outside it may now tie with the last).
   */
  private trimRanking(): void {
    const { ranked, logits, pos } = this;
    const length = ranked.length;
    const complete = length === this.allowedCount();
    let trusted = 0;
    while (trusted < length) {
      const z = logits[pos[ranked[trusted]]];
      let end = trusted + 1;
      let inOrder = true;
      for (; end < length && logits[pos[ranked[end]]] === z; end++) if (ranked[end - 1] > ranked[end]) inOrder = false;
      if (!inOrder || (end === length && !complete)) break;
      trusted = end;
    }
    if (trusted < length) this.ranked = ranked.slice(0, trusted);
  }

  /** Index of a token id among the listed candidates, or -1 (not allowed, removed, or summarised). */
  indexOf(id: number): number {
    const p = this.pos[id];
    return p >= 0 && p < this.size && this.ids[p] === id ? p : -1;
  }

  /** Index of a token id, listing it first when it is in the tail; -1 when it is not in the set. */
  listed(id: number): number {
    const i = this.indexOf(id);
    if (i >= 0 || !this.tail.active) return i;
    const raw = this.source[id];
    if (!(raw > -Infinity) || this.tail.offsetOf(raw) < this.tail.start) return -1;
    // Its share of the cached sums was an estimate inside the tail's; it stays there (the error is the tail's).
    this.tail.remove(raw);
    this.rankedValid = false;
    this.pulled[id] = 1;
    this.pulledIds.push(id);
    const n = this.size++;
    const z = raw * this.tail.scale;
    this.knownStrongest = -1;
    if (this.knownMax !== null && z > this.knownMax) this.knownMax = z;
    this.ids[n] = id;
    this.logits[n] = z;
    this.weights[n] = this.statsValid ? fastExp(z - this.ref) : 0;
    this.pos[id] = n;
    return n;
  }

  /** Changes one logit and keeps the softmax cache exact without a full pass. */
  setLogit(i: number, value: number): void {
    value = finite(value);
    const old = this.logits[i];
    if (old === value) return;
    this.logits[i] = value;
    this.knownStrongest = -1;
    this.rankedValid = false;
    if (this.knownMax !== null) {
      if (value >= this.knownMax) this.knownMax = value;
      else if (old === this.knownMax) this.knownMax = null;
    }
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
    this.statsMoved = true;
    // Subtracting most of the mass loses digits: start again from scratch instead.
    if (wOld > 0.25 * (this.sum + wOld)) this.statsValid = false;
  }

  /** Scales every logit (temperature): the listed ones now, the tail's through its scale factor. */
  scale(factor: number): void {
    scaleFinite(this.logits, this.size, factor);
    this.knownMax = this.knownMax === null ? null : finite(this.knownMax * factor);
    if (this.tail.active) this.tail.scale *= factor;
    if (this.rankedValid) this.trimRanking();
    if (!this.statsValid) return;
    // Scaling keeps the order, so the old reference scaled is still ≥ every scaled logit.
    const ref = finite(this.ref * factor);
    const { sum, xsum } = softmaxPass(this.logits, this.weights, this.size, ref);
    this.ref = ref;
    this.sum = sum;
    this.xsum = xsum;
    this.sumError = 0;
    if (this.tail.active) this.addTailSums();
  }

  /** The scaled logit a listed token must exceed to be provably above every summarised one (-Infinity: no tail). */
  tailGuard(): number {
    if (!this.tail.active) return -Infinity;
    const ceiling = this.tail.ceiling();
    return ceiling + 1e-9 * Math.max(1, Math.abs(ceiling));
  }

  /**
   * How many listed tokens are provably above every summarised one (all of them when nothing is summarised),
   * after moving them to the front [0, n) in their current relative order.
   */
  partitionHead(): number {
    if (!this.tail.active) return this.size;
    this.knownStrongest = -1;
    const guard = this.tailGuard();
    const { ids, logits, weights, pos } = this;
    let n = 0;
    for (let i = 0; i < this.size; i++) {
      if (!(logits[i] > guard)) continue;
      if (i !== n) {
        const id = ids[i]; ids[i] = ids[n]; ids[n] = id;
        const z = logits[i]; logits[i] = logits[n]; logits[n] = z;
        const w = weights[i]; weights[i] = weights[n]; weights[n] = w;
        pos[ids[i]] = i;
        pos[ids[n]] = n;
      }
      n++;
    }
    return n;
  }

  /** Makes sure at least `count` listed tokens (or every token) are provably above the tail; returns how many are. */
  ensureHead(count: number): number {
    for (;;) {
      const head = this.partitionHead();
      if (head >= count || !this.tail.active) return head;
      // List bins until they hold enough tokens, with one bin of slack.
      const k = this.tail.binHolding(count - head);
      this.listTail(k >= this.tail.end ? TAIL_BIN_COUNT : k + 1);
    }
  }

  /**
   * Moves the tail's bins [start, to) into the listed set (everything, overflow included, when `to` reaches
   * TAIL_BIN_COUNT): one pass over the step's raw logits.
   */
  listTail(to: number): void {
    const tail = this.tail;
    if (!tail.active) return;
    this.size = listRange(this.source, tail.top, tail.start, to >= TAIL_BIN_COUNT ? Infinity : to, tail.scale, this.ids, this.logits, this.pos, this.size, this.pulled);
    tail.release(to);
    this.statsValid = false;
    this.forgetOrder();
  }

  /** Lists every token still in the set. */
  listAll(): void {
    this.listTail(TAIL_BIN_COUNT);
  }

  /**
   * Keeps the candidates whose `values[i]` (their logits or their weights) is at least `threshold`, in their
   * order, and forgets the tail: callers have made sure no summarised token would pass. Returns how many remain.
   */
  keepAtLeast(values: Float64Array, threshold: number): number {
    const n = compactAtLeast(this.ids, this.logits, this.weights, this.pos, this.size, values, threshold, this.ref);
    this.size = n;
    this.forgetTail();
    if (this.statsValid) {
      this.sum = compactedSum;
      this.xsum = compactedXsum;
      this.statsMoved = false;
    }
    return n;
  }

  /** Keeps the first n candidates (after a selection) and forgets the tail. */
  truncate(n: number): void {
    this.size = Math.min(n, this.size);
    n = this.size;
    this.forgetTail();
    if (!this.statsValid) return;
    let sum = 0;
    let xsum = 0;
    for (let i = 0; i < n; i++) {
      sum += this.weights[i];
      xsum += this.weights[i] * (this.logits[i] - this.ref);
    }
    this.sum = sum;
    this.xsum = xsum;
    this.statsMoved = false;
  }

  /** A filter kept only listed tokens: nothing is summarised any more, and the cached order facts are stale. */
  private forgetTail(): void {
    this.tail.active = false;
    this.sumError = 0;
    this.forgetOrder();
  }

  /** The largest logit, the strongest index and the ranking are no longer known. */
  private forgetOrder(): void {
    this.knownMax = null;
    this.knownStrongest = -1;
    this.rankedValid = false;
  }

  /**
   * Weighted selection: moves to [lo, n) the shortest run of [lo, hi), taken in ascending `key` order (ties:
   * lower id first), whose weights sum to at least `mass` and whose length is at least `count` (all of it when
   * the range holds less), and returns n. Expected O(hi − lo): a quickselect that partitions around a pivot and
   * keeps only the side the cut lies in; the run itself is left unordered. `key` is parallel to the candidates
   * (a scratch array the caller filled) and is permuted with them. Weights must be current.
   */
  selectPrefix(key: Float64Array, lo: number, hi: number, mass: number, count: number): number {
    const { ids, logits, weights, pos } = this;
    this.knownStrongest = -1;
    let cum = 0;
    let from = lo;
    let to = hi;
    for (;;) {
      if (to - from <= 16) {
        // A few left: order them and walk.
        for (let i = from + 1; i < to; i++) {
          for (let j = i; j > from && keyBefore(key[j], ids[j], key[j - 1], ids[j - 1]); j--) swap4(ids, logits, weights, key, j, j - 1);
        }
        let n = from;
        while (n < to && (cum < mass || n - lo < count)) cum += weights[n++];
        for (let i = lo; i < hi; i++) pos[ids[i]] = i;
        return n;
      }
      const mid = (from + to) >>> 1;
      if (keyBefore(key[mid], ids[mid], key[from], ids[from])) swap4(ids, logits, weights, key, mid, from);
      if (keyBefore(key[to - 1], ids[to - 1], key[from], ids[from])) swap4(ids, logits, weights, key, to - 1, from);
      if (keyBefore(key[to - 1], ids[to - 1], key[mid], ids[mid])) swap4(ids, logits, weights, key, to - 1, mid);
      const pk = key[mid];
      const pi = ids[mid];
      let i = from;
      let j = to - 1;
      while (i <= j) {
        while (keyBefore(key[i], ids[i], pk, pi)) i++;
        while (keyBefore(pk, pi, key[j], ids[j])) j--;
        if (i <= j) {
          swap4(ids, logits, weights, key, i, j);
          i++;
          j--;
        }
      }
      // [from, i) comes before [i, to): the cut lies in the first part, or after all of it.
      let partMass = 0;
      for (let k = from; k < i; k++) partMass += weights[k];
      if (cum + partMass >= mass && i - lo >= count) {
        to = i;
      } else {
        cum += partMass;
        from = i;
      }
    }
  }
}

/** a comes before b in ascending key order, ties lower id first. */
function keyBefore(ka: number, ia: number, kb: number, ib: number): boolean {
  return ka < kb || (ka === kb && ia < ib);
}

function swap4(ids: Int32Array, logits: Float64Array, weights: Float64Array, key: Float64Array, a: number, b: number): void {
  if (a === b) return;
  const id = ids[a]; ids[a] = ids[b]; ids[b] = id;
  const z = logits[a]; logits[a] = logits[b]; logits[b] = z;
  const w = weights[a]; weights[a] = weights[b]; weights[b] = w;
  const k = key[a]; key[a] = key[b]; key[b] = k;
}

const MAX_FINITE = Number.MAX_VALUE;

/** Keeps arithmetic on huge logits finite: ±Infinity from an overflow becomes the largest finite number. */
function finite(z: number): number {
  return z > MAX_FINITE ? MAX_FINITE : z < -MAX_FINITE ? -MAX_FINITE : z;
}

/** Multiplies values[0, n) by `factor`, keeping them finite. */
function scaleFinite(values: Float64Array, n: number, factor: number): void {
  for (let i = 0; i < n; i++) {
    const z = values[i] * factor;
    values[i] = z > MAX_FINITE ? MAX_FINITE : z < -MAX_FINITE ? -MAX_FINITE : z;
  }
}


/**
 * A listing pass over a step's raw logits: appends, from index n on, every allowed token below `top` whose offset
 * (top − z) in tail bin widths lies in [from, to) and that is not flagged in `skip`, with its logit times `scale`
 * Returns the new size. Only a local is touched after the loop, so code compiled mid-loop is not thrown away at
 * every call.
 */
function listRange(
  src: ArrayLike<number>, top: number, from: number, to: number, scale: number,
  ids: Int32Array, logits: Float64Array, pos: Int32Array, n: number, skip: Uint8Array,
): number {
  const perNat = TAIL_BINS_PER_NAT;
  const maxFinite = MAX_FINITE;
  const length = src.length;
  for (let i = 0; i < length; i++) {
    const z = src[i];
    if (!(z > -Infinity) || z >= top) continue;
    const u = (top - z) * perNat;
    if (u < from || u >= to || skip[i]) continue;
    let scaled = (z === Infinity ? maxFinite : z) * scale;
    if (scaled === Infinity) scaled = maxFinite;
    ids[n] = i;
    logits[n] = scaled;
    pos[i] = n;
    n++;
  }
  return n;
}

/** Σw and Σw·x of what compactAtLeast kept (module variables: no type feedback needed after its loop). */
let compactedSum = 0;
let compactedXsum = 0;

/** Moves candidates with values[i] ≥ threshold to the front, in order; returns how many. */
function compactAtLeast(
  ids: Int32Array, logits: Float64Array, weights: Float64Array, pos: Int32Array, size: number,
  values: Float64Array, threshold: number, ref: number,
): number {
  let n = 0;
  let sum = 0;
  let xsum = 0;
  for (let i = 0; i < size; i++) {
    if (!(values[i] >= threshold)) continue;
    const id = ids[i];
    const z = logits[i];
    const w = weights[i];
    ids[n] = id;
    logits[n] = z;
    weights[n] = w;
    pos[id] = n;
    sum += w;
    xsum += w * (z - ref);
    n++;
  }
  compactedSum = sum;
  compactedXsum = xsum;
  return n;
}

/** The largest logit listAllowed listed (a module variable: stores to it need no type feedback after the loop). */
let listedMax = -Infinity;
let listedStrongest = -1;

/** Lists every allowed token of a step's raw logits, in id order; returns how many. */
function listAllowed(src: ArrayLike<number>, ids: Int32Array, logits: Float64Array, pos: Int32Array): number {
  const maxFinite = MAX_FINITE;
  const length = src.length;
  let n = 0;
  let max = -Infinity;
  let strongest = -1;
  for (let i = 0; i < length; i++) {
    let z = src[i];
    if (!(z > -Infinity)) continue;
    if (z === Infinity) z = maxFinite;
    ids[n] = i;
    logits[n] = z;
    pos[i] = n;
    // Ids come in ascending order, so the first of tied maxima has the lowest id.
    if (z > max) {
      max = z;
      strongest = n;
    }
    n++;
  }
  listedMax = max;
  listedStrongest = strongest;
  return n;
}

const sampleBest = new Float64Array(SAMPLE_RANK);

/** A guess at the head's lower edge: the SAMPLE_RANK-th largest of every SAMPLE_STRIDE-th logit (-Infinity if too few are allowed). */
function sampleCut(src: ArrayLike<number>): number {
  const best = sampleBest.fill(-Infinity);
  const last = SAMPLE_RANK - 1;
  for (let i = 0; i < src.length; i += SAMPLE_STRIDE) {
    const z = src[i];
    if (!(z > best[last]) || z === Infinity) continue;
    let j = last;
    while (j > 0 && best[j - 1] < z) {
      best[j] = best[j - 1];
      j--;
    }
    best[j] = z;
  }
  return best[last];
}

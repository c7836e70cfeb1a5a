// The few operations the newer samplers (./moreSamplers.ts) are written in: keep the tokens whose logit or
// probability reaches a cut, keep the most probable, drop named tokens, and the logits' spread. Each is exact on a
// large vocabulary: it lists the summarised tail (./tail.ts) as far as its answer could depend on it, and all of it
// when the tail's error bound leaves a token's side of the cut in doubt.
import type { Candidates } from './candidates';
import { countAtLeast, maxOf } from './select';

/**
 * Keeps the fewest most probable tokens whose weights reach `mass` (0: none needed), and at least `count` of them
 * (ties: lower id first); all when fewer are allowed.
 */
export function keepMostProbable(c: Candidates, count: number, mass = 0): void {
  c.listAll();
  c.ensureStats();
  c.truncate(c.selectPrefix(byProbabilityKey(c, c.size), 0, c.size, mass, count));
}

/** The selection key that orders candidates [from, to) from most to least probable (ties: lower id first). */
export function byProbabilityKey(c: Candidates, to: number, from = 0): Float64Array {
  const key = c.scratch;
  for (let i = from; i < to; i++) key[i] = -c.logits[i];
  return key;
}

/** top_p: keeps the fewest most probable tokens whose probability sums to at least `p`, and at least `minKeep`. */
export function keepProbableMass(c: Candidates, p: number, minKeep: number): void {
  if (c.tail.active && cutMassAboveTail(c, p, minKeep)) return;
  c.ensureStats();
  keepMostProbable(c, minKeep, p * c.sum);
}

/**
 * keepProbableMass while the tail is summarised: finds the cut among the listed head when the tail's error bound
 * cannot move it, listing more of the tail when the head holds too little mass. False when only listing everything
 * can decide (the caller then runs the exact path).
 */
function cutMassAboveTail(c: Candidates, p: number, minKeep: number): boolean {
  for (;;) {
    // The head first: listing tokens out of the tail leaves their weights unset until the stats are redone.
    const head = c.ensureHead(minKeep);
    if (!c.tail.active) return false;
    c.ensureStats();
    const target = p * c.sum;
    const margin = p * c.sumError;
    let headMass = 0;
    for (let i = 0; i < head; i++) headMass += c.weights[i];
    if (headMass >= target + margin) {
      const key = byProbabilityKey(c, head);
      const high = c.selectPrefix(key, 0, head, target + margin, minKeep);
      const low = c.selectPrefix(key, 0, high, target - margin, minKeep);
      if (low !== high) return listEverything(c);
      c.truncate(high);
      return true;
    }
    if (headMass > target - margin) return listEverything(c);
    // List bins until the head could reach the target, with one bin of slack.
    const tail = c.tail;
    let k = tail.start;
    let mass = headMass;
    while (k < tail.end && mass < target + margin) mass += tail.binMass(k++, c.ref);
    c.listTail(k >= tail.end ? Infinity : k + 1);
  }
}

function listEverything(c: Candidates): false {
  c.listAll();
  return false;
}

/**
 * min_p: keeps the tokens at least `m` times as probable as the most probable one, and at least `minKeep` (the most
 * probable). Returns the cut as a probability.
 */
export function keepProbabilityRatio(c: Candidates, m: number, minKeep: number): number {
  if (c.tail.active) {
    // Every summarised token min_p could keep lies within ln(1/m) of the largest logit: list those.
    c.ensureHead(1);
    if (c.tail.active) {
      const threshold = maxOf(c.logits, c.size) + Math.log(m);
      if (!(threshold > c.tailGuard())) c.listTail(c.tail.listBoundFor(threshold));
    }
  }
  c.ensureStats();
  const cut = m * maxOf(c.weights, c.size);
  const threshold = cut / c.sum;
  const kept = countAtLeast(c.weights, c.size, cut);
  if (kept < minKeep) keepMostProbable(c, minKeep);
  else if (kept < c.allowedCount()) c.keepAtLeast(c.weights, cut);
  return threshold;
}

/** Removes tokens whose (current) logit is below `threshold`, keeping at least `minKeep` (the most probable). */
export function keepLogitsAtLeast(c: Candidates, threshold: number, minKeep: number): void {
  if (c.tail.active && !(threshold > c.tailGuard())) c.listTail(c.tail.listBoundFor(threshold));
  // Every token still summarised is below the threshold now.
  const kept = countAtLeast(c.logits, c.size, threshold);
  if (kept < minKeep) keepMostProbable(c, minKeep);
  else if (kept < c.allowedCount()) c.keepAtLeast(c.logits, threshold);
}

/**
 * Lists every token whose probability could reach `q`, and everything when a listed token's side of `q` is in
 * doubt: afterwards `weights[i] ≥ q · sum` decides `p ≥ q` exactly for the listed tokens, and no summarised
 * token reaches q.
 */
export function settleProbabilityCut(c: Candidates, q: number): void {
  for (;;) {
    c.ensureStats();
    if (!c.tail.active) return;
    const low = q * (c.sum - c.sumError);
    const high = q * (c.sum + c.sumError);
    if (!(low > 0)) return c.listAll();
    if (c.tail.ceiling() - c.ref >= Math.log(low)) {
      c.listTail(c.tail.listBoundFor(c.ref + Math.log(low)));
      continue;
    }
    for (let i = 0; i < c.size; i++) {
      const w = c.weights[i];
      if (w >= low && w < high) return c.listAll();
    }
    return;
  }
}

/** Removes tokens whose probability is below `q`, keeping at least `minKeep` (the most probable). */
export function keepProbabilityAtLeast(c: Candidates, q: number, minKeep: number): void {
  settleProbabilityCut(c, q);
  c.ensureStats();
  const cut = q * c.sum;
  const kept = countAtLeast(c.weights, c.size, cut);
  if (kept < minKeep) keepMostProbable(c, minKeep);
  else if (kept < c.allowedCount()) c.keepAtLeast(c.weights, cut);
}

/** Removes the named tokens (listed ones; the tail is listed first so it can be let go of). */
export function removeTokens(c: Candidates, ids: readonly number[]): void {
  if (ids.length === 0) return;
  c.listAll();
  c.ensureStats();
  const keep = c.scratch;
  for (let i = 0; i < c.size; i++) keep[i] = 1;
  for (const id of ids) {
    const i = c.indexOf(id);
    if (i >= 0) keep[i] = 0;
  }
  c.keepAtLeast(keep, 1);
}

/** Exact entropy (nats) of the current distribution: the tail's share of it is only estimated, so it is listed. */
export function exactEntropy(c: Candidates): number {
  c.listAll();
  c.exactStats();
  return c.entropy();
}

export interface LogitSpread {
  /** The largest logit. */
  max: number;
  /** Population standard deviation of the allowed tokens' logits. */
  sigma: number;
}

/**
 * The largest logit and the population standard deviation of every allowed token's logit. With a summarised tail,
 * one pass over the step's raw logits gives the tail's share (its tokens' logits are the raw ones times the tail's
 * scale: penalties and bias list a token before changing it).
 */
export function logitSpread(c: Candidates): LogitSpread {
  const max = c.logits[c.strongest()];
  const { logits, size } = c;
  if (!c.tail.active) {
    let mean = 0;
    for (let i = 0; i < size; i++) mean += logits[i];
    mean /= size;
    let square = 0;
    for (let i = 0; i < size; i++) {
      const d = logits[i] - mean;
      square += d * d;
    }
    return { max, sigma: Math.sqrt(square / size) };
  }
  // Sums of (z − max) and its square over every allowed token, then the listed tokens' raw share swapped for
  // their current logits.
  const raw = c.rawLogits();
  const scale = c.tail.scale;
  let count = 0;
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < raw.length; i++) {
    const z = raw[i];
    if (!(z > -Infinity)) continue;
    const d = (z === Infinity ? Number.MAX_VALUE : z) * scale - max;
    s1 += d;
    s2 += d * d;
    count++;
  }
  for (let i = 0; i < size; i++) {
    const z = raw[c.ids[i]];
    const was = (z === Infinity ? Number.MAX_VALUE : z) * scale - max;
    const now = logits[i] - max;
    s1 += now - was;
    s2 += now * now - was * was;
  }
  const mean = s1 / count;
  const variance = s2 / count - mean * mean;
  return { max, sigma: Math.sqrt(variance > 0 ? variance : 0) };
}

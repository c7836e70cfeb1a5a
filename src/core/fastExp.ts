// A table-driven e^x for x ≤ 0: relative error below 1e-14 at a fraction of Math.exp's cost on hot loops.

const INT_STEPS = 746;
const FRAC_STEPS = 256;
/** e^-i. */
const EXP_INT = new Float64Array(INT_STEPS);
/** e^(-j/256). */
const EXP_FRAC = new Float64Array(FRAC_STEPS);
for (let i = 0; i < INT_STEPS; i++) EXP_INT[i] = Math.exp(-i);
for (let j = 0; j < FRAC_STEPS; j++) EXP_FRAC[j] = Math.exp(-j / FRAC_STEPS);

/** e^x, fast for x ≤ 0 (the shape every softmax here takes after subtracting the maximum). */
export function fastExp(x: number): number {
  if (x > 0) return Math.exp(x);
  if (!(x > -745)) return 0; // also -Infinity and NaN
  // −x · 256 is exact, so the two tables and the remainder split x with no rounding.
  const u = -x * FRAC_STEPS;
  const k = u | 0;
  // The remainder t < 1/256, so four Taylor terms leave an error near 1e-15.
  const t = (u - k) * (1 / FRAC_STEPS);
  const poly = 1 - t * (1 - t * (0.5 - t * (1 / 6 - t * (1 / 24))));
  return EXP_INT[k >> 8] * EXP_FRAC[k & 255] * poly;
}

/**
 * One pass over a candidate set: fills weights[i] = e^(z_i − ref) with fastExp's arithmetic inlined, and returns
 * Σw and Σw·x. Callers pass a `ref` at or above every logit, and the loop relies on it: a Math.exp call or a
 * second branch in it made the pass a third slower. A logit above `ref` shows as a NaN sum, and the checked pass
 * redoes the work.
 */
export function softmaxPass(logits: Float64Array, weights: Float64Array, size: number, ref: number): { sum: number; xsum: number } {
  let sum = 0;
  let xsum = 0;
  for (let i = 0; i < size; i++) {
    const x = logits[i] - ref;
    let w = 0;
    if (x > -745) {
      const u = -x * 256;
      const k = u | 0;
      const t = (u - k) * 0.00390625;
      w = EXP_INT[k >> 8] * EXP_FRAC[k & 255] * (1 - t * (1 - t * (0.5 - t * (0.16666666666666666 - t * 0.041666666666666664))));
    }
    weights[i] = w;
    sum += w;
    xsum += w * x;
  }
  return sum >= 0 && xsum === xsum ? { sum, xsum } : checkedSoftmaxPass(logits, weights, size, ref);
}

/**
 * Σ e^(x) and Σ e^(x)·x over values[offset, offset + length), x = value − ref, with `ref` at or above every
 * value: softmaxPass's arithmetic without storing weights (a row of raw logits read once for its statistics).
 * NaN and -Infinity count as nothing.
 */
export function expSums(values: ArrayLike<number>, offset: number, length: number, ref: number): { sum: number; xsum: number } {
  let sum = 0;
  let xsum = 0;
  const end = offset + length;
  for (let i = offset; i < end; i++) {
    const x = values[i] - ref;
    if (!(x > -745)) continue;
    const u = -x * 256;
    const k = u | 0;
    const t = (u - k) * 0.00390625;
    const w = EXP_INT[k >> 8] * EXP_FRAC[k & 255] * (1 - t * (1 - t * (0.5 - t * (0.16666666666666666 - t * 0.041666666666666664))));
    sum += w;
    xsum += w * x;
  }
  return { sum, xsum };
}

/** softmaxPass for any `ref`: logits above it through Math.exp, and no NaN from a weight of 0 times an infinite offset. */
function checkedSoftmaxPass(logits: Float64Array, weights: Float64Array, size: number, ref: number): { sum: number; xsum: number } {
  let sum = 0;
  let xsum = 0;
  for (let i = 0; i < size; i++) {
    const x = logits[i] - ref;
    const w = fastExp(x);
    weights[i] = w;
    sum += w;
    if (w > 0) xsum += w * x;
  }
  return { sum, xsum };
}

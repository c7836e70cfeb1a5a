// A small Gaussian-process regression over the unit cube (Matérn 5/2 kernel, length-scale and noise picked by
// marginal likelihood from a short list) and the expected-improvement rule, for the Bayesian sweep proposer.
// A sweep has at most a few hundred points, so plain Cholesky in float64 is plenty.

export interface GaussianProcess {
  predict(x: readonly number[]): { mean: number; variance: number };
  readonly lengthScale: number;
  readonly noise: number;
}

const LENGTH_SCALES = [0.05, 0.1, 0.2, 0.35, 0.6, 1];
const NOISES = [1e-6, 1e-3, 1e-2, 0.1];
/** Added to the diagonal so a kernel matrix of nearly repeated points still factors. */
const JITTER = 1e-9;

function matern52(a: readonly number[], b: readonly number[], length: number): number {
  let d2 = 0;
  for (let i = 0; i < a.length; i++) d2 += (a[i] - b[i]) ** 2;
  const r = (Math.sqrt(5 * d2)) / length;
  return (1 + r + (r * r) / 3) * Math.exp(-r);
}

/** Lower-triangular L with L·Lᵀ = A (row-major n×n), or null when A is not positive definite. */
function cholesky(a: Float64Array, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(sum > 0)) return null;
        l[i * n + i] = Math.sqrt(sum);
      } else {
        l[i * n + j] = sum / l[j * n + j];
      }
    }
  }
  return l;
}

/** Solves L·x = b. */
function forward(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= l[i * n + k] * x[k];
    x[i] = sum / l[i * n + i];
  }
  return x;
}

/** Solves Lᵀ·x = b. */
function backward(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = b[i];
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i] * x[k];
    x[i] = sum / l[i * n + i];
  }
  return x;
}

/** Fits a GP to scores ys at points xs (each in [0, 1]^d); scores are standardised inside. */
export function fitGaussianProcess(xs: readonly (readonly number[])[], ys: readonly number[]): GaussianProcess {
  const n = xs.length;
  if (n === 0 || n !== ys.length) throw new Error('a Gaussian process needs as many scores as points, at least one');
  const mean = ys.reduce((s, y) => s + y, 0) / n;
  const sd = Math.sqrt(ys.reduce((s, y) => s + (y - mean) ** 2, 0) / n) || 1;
  const z = ys.map((y) => (y - mean) / sd);

  let best: { l: Float64Array; alpha: Float64Array; length: number; noise: number; lml: number } | null = null;
  for (const length of LENGTH_SCALES) {
    for (const noise of NOISES) {
      const k = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) {
          const v = matern52(xs[i], xs[j], length) + (i === j ? noise + JITTER : 0);
          k[i * n + j] = v;
          k[j * n + i] = v;
        }
      }
      const l = cholesky(k, n);
      if (!l) continue;
      const alpha = backward(l, n, forward(l, n, z));
      let logDet = 0;
      for (let i = 0; i < n; i++) logDet += Math.log(l[i * n + i]);
      let fit = 0;
      for (let i = 0; i < n; i++) fit += z[i] * alpha[i];
      const lml = -0.5 * fit - logDet;
      if (!best || lml > best.lml) best = { l, alpha, length, noise, lml };
    }
  }
  if (!best) throw new Error('no kernel matrix could be factored');
  const { l, alpha, length, noise } = best;
  return {
    lengthScale: length,
    noise,
    predict(x) {
      const ks = xs.map((xi) => matern52(xi, x, length));
      let m = 0;
      for (let i = 0; i < n; i++) m += ks[i] * alpha[i];
      const v = forward(l, n, ks);
      let reduction = 0;
      for (let i = 0; i < n; i++) reduction += v[i] * v[i];
      const variance = Math.max(1e-12, 1 - reduction);
      return { mean: mean + sd * m, variance: variance * sd * sd };
    },
  };
}

/** Standard normal density and distribution function (Abramowitz–Stegun 7.1.26 for erf, error < 1.5e-7). */
function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

export function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Expected improvement below `best` (minimisation) of a normal prediction with this mean and deviation. */
export function expectedImprovement(mean: number, sd: number, best: number, xi = 0): number {
  const gain = best - mean - xi;
  if (!(sd > 0)) return Math.max(0, gain);
  const u = gain / sd;
  return gain * normalCdf(u) + sd * normalPdf(u);
}

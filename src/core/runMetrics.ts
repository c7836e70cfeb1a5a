// Numbers that compare whole runs: how likely the model found the text (logprob, perplexity), how likely the
// distribution actually sampled from found it (logprob_sampled), how uncertain the model was on the way
// (entropy_mean), how varied and how repetitive the generated ids are (distinct_n, repetition_4). Compare lanes
// and sweeps both read these; every formula is the one the page's "?" states.
import { expSums } from './fastExp';

/** What a run keeps of each step for its metrics. */
export interface MetricStep {
  tokenId: number;
  /** log p_raw(token): softmax of the model's raw logits, before any stage. */
  logprobRaw: number;
  /** log p_final(token) under the distribution sampled from (0 for a greedy step). */
  logprobSampled: number;
  /** Entropy in nats of the raw distribution. */
  entropyRaw: number;
}

export type RunMetricName =
  | 'logprob' | 'perplexity' | 'logprob_sampled' | 'entropy_mean' | 'distinct_1' | 'distinct_2' | 'repetition_4' | 'tokens';

export const RUN_METRIC_NAMES: readonly RunMetricName[] = [
  'logprob', 'perplexity', 'logprob_sampled', 'entropy_mean', 'distinct_1', 'distinct_2', 'repetition_4', 'tokens',
];

/** Which way is "better" when a table highlights best and worst; null: neither (tokens, entropy). */
export const METRIC_BETTER: Readonly<Record<RunMetricName, 'higher' | 'lower' | null>> = {
  logprob: 'higher', perplexity: 'lower', logprob_sampled: null, entropy_mean: null,
  distinct_1: 'higher', distinct_2: 'higher', repetition_4: 'lower', tokens: null,
};

export type RunMetrics = Record<RunMetricName, number>;

/**
 * log p_raw(token) and the raw entropy of one row of logits in one pass: with x = z − max, Z = Σ e^x,
 * log p = x_token − ln Z and H = ln Z − Σ e^x·x / Z (no logarithm per token). −Infinity and NaN logits count
 * as impossible tokens.
 */
export function rawTokenStats(logits: ArrayLike<number>, tokenId: number, offset = 0, length = logits.length - offset): { logprob: number; entropy: number } {
  let max = -Infinity;
  for (let i = 0; i < length; i++) {
    const z = logits[offset + i];
    if (z > max) max = z;
  }
  if (max === -Infinity || max !== max) return { logprob: -Infinity, entropy: 0 };
  const { sum, xsum } = expSums(logits, offset, length, max);
  const logZ = Math.log(sum);
  const zt = logits[offset + tokenId];
  const logprob = zt === zt ? zt - max - logZ : -Infinity;
  return { logprob, entropy: Math.max(0, logZ - xsum / sum) };
}

/** Distinct n-grams / all n-grams over one or several id sequences pooled (0 when there is no n-gram). */
export function distinctN(runs: readonly (readonly number[])[], n: number): number {
  const seen = new Set<string>();
  let total = 0;
  for (const ids of runs) {
    for (let i = 0; i + n <= ids.length; i++) {
      seen.add(ids.slice(i, i + n).join(','));
      total++;
    }
  }
  return total === 0 ? 0 : seen.size / total;
}

/** Among the n − 3 positions where a 4-gram ends, the share whose 4-gram occurred earlier in the run (0 when n < 4). */
export function repetition4(ids: readonly number[]): number {
  if (ids.length < 4) return 0;
  const seen = new Set<string>();
  let repeated = 0;
  for (let i = 3; i < ids.length; i++) {
    const gram = `${ids[i - 3]},${ids[i - 2]},${ids[i - 1]},${ids[i]}`;
    if (seen.has(gram)) repeated++;
    else seen.add(gram);
  }
  return repeated / (ids.length - 3);
}

/** Every metric of one run from its steps. `perplexity` and `entropy_mean` are 0 for a run without tokens. */
export function runMetrics(steps: readonly MetricStep[]): RunMetrics {
  const n = steps.length;
  const ids = steps.map((s) => s.tokenId);
  let logprob = 0;
  let sampled = 0;
  let entropy = 0;
  for (const s of steps) {
    logprob += s.logprobRaw;
    sampled += s.logprobSampled;
    entropy += s.entropyRaw;
  }
  return {
    logprob,
    perplexity: n === 0 ? 0 : Math.exp(-logprob / n),
    logprob_sampled: sampled,
    entropy_mean: n === 0 ? 0 : entropy / n,
    distinct_1: distinctN([ids], 1),
    distinct_2: distinctN([ids], 2),
    repetition_4: repetition4(ids),
    tokens: n,
  };
}

/** A lane's figure and spread: distinct_n pooled over its samples, every other metric the mean (and std). */
export interface LaneMetrics {
  value: RunMetrics;
  /** Standard deviation over the samples (0 for one sample; for distinct_n, over the samples' own values). */
  spread: RunMetrics;
}

export function laneMetrics(samples: readonly (readonly MetricStep[])[]): LaneMetrics {
  const per = samples.map(runMetrics);
  const value = {} as RunMetrics;
  const spread = {} as RunMetrics;
  for (const name of RUN_METRIC_NAMES) {
    const xs = per.map((m) => m[name]);
    const mean = xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.length === 0 ? 0 : xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    value[name] = mean;
    spread[name] = Math.sqrt(variance);
  }
  const ids = samples.map((steps) => steps.map((s) => s.tokenId));
  value.distinct_1 = distinctN(ids, 1);
  value.distinct_2 = distinctN(ids, 2);
  return { value, spread };
}

/** Index of the best and the worst lane for a metric (null when the metric has no better side or all tie). */
export function bestAndWorst(values: readonly number[], name: RunMetricName): { best: number; worst: number } | null {
  const better = METRIC_BETTER[name];
  if (!better || values.length < 2) return null;
  const finite = values.map((v, i) => [v, i] as const).filter(([v]) => Number.isFinite(v));
  if (finite.length < 2) return null;
  let hi = finite[0];
  let lo = finite[0];
  for (const entry of finite) {
    if (entry[0] > hi[0]) hi = entry;
    if (entry[0] < lo[0]) lo = entry;
  }
  if (hi[0] === lo[0]) return null;
  return better === 'higher' ? { best: hi[1], worst: lo[1] } : { best: lo[1], worst: hi[1] };
}

// Pipeline benchmark: our full sampling step against transformers.js's own processors and sampler,
// on the same logits in the same run, at three vocabulary sizes.
import { RepetitionPenaltyLogitsProcessor, TemperatureLogitsWarper } from '@huggingface/transformers';
// The sampler class is not exported by the package; its source file is the one generate() uses.
// @ts-expect-error -- plain JS module without type declarations
import { LogitsSampler } from '../../node_modules/@huggingface/transformers/src/generation/logits_sampler.js';
// @ts-expect-error -- plain JS module without type declarations
import { Tensor as SrcTensor } from '../../node_modules/@huggingface/transformers/src/utils/tensor.js';
// @ts-expect-error -- plain JS module without type declarations
import { GenerationConfig } from '../../node_modules/@huggingface/transformers/src/generation/configuration_utils.js';
import { DEFAULT_PARAMS, SamplingPipeline, createRng, type SamplingParams } from '../../src/core';
import { median, percentile, round, type BenchRow } from './format';

const VOCABS = [32_000, 49_152, 151_936];
const WARMUP = 50;
const STEPS = 300;
const HISTORY = 256;
const POOL = 8;

/**
 * Logits shaped like a language model's: a broad normal tail (mean −2, sd 2.5) and a few dozen plausible tokens
 * lifted 6–14 above it, so top_p 0.95 after temperature 0.8 keeps a handful to a few dozen tokens, as on real text.
 */
function realisticLogits(vocab: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const z = new Float32Array(vocab);
  for (let i = 0; i < vocab; i++) z[i] = -2 + 2.5 * gauss();
  for (let j = 0; j < 40; j++) z[Math.floor(rng.next() * vocab)] += 6 + 8 * rng.next();
  return z;
}

function history(vocab: number): number[] {
  const rng = createRng(99);
  return Array.from({ length: HISTORY }, () => Math.floor(rng.next() * Math.min(vocab, 5000)));
}

async function timeSteps(step: (i: number) => void | Promise<void>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + STEPS; i++) {
    const t0 = performance.now();
    await step(i);
    if (i >= WARMUP) times.push(performance.now() - t0);
  }
  return times;
}

/** Heap growth per step with GC held off by a large young generation; a vocabulary-sized copy would show as ≥ 128 KB. */
function allocationPerStep(step: () => void): number | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  gc();
  const before = process.memoryUsage().heapUsed;
  const n = 100;
  for (let i = 0; i < n; i++) step();
  return Math.max(0, (process.memoryUsage().heapUsed - before) / n);
}

async function ours(vocab: number, topK: number, pool: Float32Array[], hist: number[]): Promise<BenchRow> {
  const params: SamplingParams = {
    ...DEFAULT_PARAMS, temperature: 0.8, top_p: 0.95, min_p: 0.05, top_k: topK,
    repetition_penalty: 1.1, frequency_penalty: 0.3, presence_penalty: 0.2,
  };
  const pipe = new SamplingPipeline(vocab);
  pipe.setParams(params);
  pipe.reset([]);
  for (const id of hist) pipe.accept(id);
  const rng = createRng(1);
  const observe = { topN: 30 };
  const times = await timeSteps((i) => {
    pipe.step(pool[i % POOL], rng, observe);
  });
  let k = 0;
  const alloc = allocationPerStep(() => pipe.step(pool[k++ % POOL], rng, observe));
  return {
    bench: 'pipeline', impl: 'logitlab', case: topK ? 'full+top_k50' : 'full', vocab, top_k: topK,
    median_ms: round(median(times)), p95_ms: round(percentile(times, 0.95)),
    alloc_bytes_per_step: alloc === null ? null : Math.round(alloc),
  };
}

/** A 1024-token context that repeats phrases, so DRY finds matches to penalise at every step. */
function repetitiveHistory(vocab: number): number[] {
  const rng = createRng(7);
  const phrases = Array.from({ length: 12 }, () => Array.from({ length: 3 + Math.floor(rng.next() * 8) }, () => Math.floor(rng.next() * Math.min(vocab, 5000))));
  const out: number[] = [];
  while (out.length < 1024) out.push(...(rng.next() < 0.7 ? phrases[Math.floor(rng.next() * phrases.length)] : [Math.floor(rng.next() * vocab)]));
  return out.slice(0, 1024);
}

/** The "More samplers" case of issue 18: DRY over a 1024-token window, top-nσ, XTC and min-p, observed as the page does. */
async function zoo(vocab: number, pool: Float32Array[]): Promise<BenchRow> {
  const params: SamplingParams = {
    ...DEFAULT_PARAMS, top_k: 0, temperature: 0.8, min_p: 0.05,
    dry_multiplier: 0.8, dry_penalty_last_n: 1024, dry_breaker_ids: [0, 1, 2, 3], top_n_sigma: 1, xtc_probability: 0.5, xtc_threshold: 0.1,
  };
  const pipe = new SamplingPipeline(vocab);
  pipe.setParams(params);
  pipe.reset(repetitiveHistory(vocab));
  const rng = createRng(1);
  const observe = { topN: 30 };
  // Each step sees the same 1024-token window: accepting would grow the context (and DRY's work) over the run.
  const times = await timeSteps((i) => {
    pipe.step(pool[i % POOL], rng, observe);
  });
  let k = 0;
  const alloc = allocationPerStep(() => pipe.step(pool[k++ % POOL], rng, observe));
  return {
    bench: 'pipeline', impl: 'logitlab', case: 'zoo', vocab, top_k: 0,
    median_ms: round(median(times)), p95_ms: round(percentile(times, 0.95)),
    alloc_bytes_per_step: alloc === null ? null : Math.round(alloc),
  };
}

async function theirs(vocab: number, topK: number, pool: Float32Array[], hist: number[]): Promise<BenchRow> {
  const repetition = new RepetitionPenaltyLogitsProcessor(1.1);
  const temperature = new TemperatureLogitsWarper(0.8);
  const sampler = LogitsSampler.getSampler(new GenerationConfig({ do_sample: true, top_k: topK }));
  const ids = [hist.map(BigInt)];
  const data = new Float32Array(vocab);
  const logits = new SrcTensor('float32', data, [1, vocab]);
  const times = await timeSteps(async (i) => {
    data.set(pool[i % POOL]); // processors work in place, as on fresh model output
    repetition(ids, logits);
    temperature(ids, logits);
    await sampler(logits);
  });
  return {
    bench: 'pipeline', impl: 'transformers.js', case: `temp+rep+sampler top_k${topK}`, vocab, top_k: topK,
    median_ms: round(median(times)), p95_ms: round(percentile(times, 0.95)), alloc_bytes_per_step: null,
  };
}

export async function runPipelineBench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const vocab of VOCABS) {
    const pool = Array.from({ length: POOL }, (_, i) => realisticLogits(vocab, 1000 + i));
    const hist = history(vocab);
    const a = await ours(vocab, 0, pool, hist);
    const b = await ours(vocab, 50, pool, hist);
    const c50 = await theirs(vocab, 50, pool, hist);
    const c0 = await theirs(vocab, 0, pool, hist);
    a.ratio_vs_tjs_top_k0 = round(Number(a.median_ms) / Number(c0.median_ms), 4);
    a.speedup_vs_tjs_top_k0 = round(Number(c0.median_ms) / Number(a.median_ms), 1);
    b.ratio_vs_tjs_top_k50 = round(Number(b.median_ms) / Number(c50.median_ms), 4);
    b.speedup_vs_tjs_top_k50 = round(Number(c50.median_ms) / Number(b.median_ms), 1);
    rows.push(a, b, c50, c0);
    if (vocab === 151_936) {
      const z = await zoo(vocab, pool);
      z.ratio_vs_full = round(Number(z.median_ms) / Number(a.median_ms), 4);
      rows.push(z);
    }
  }
  return rows;
}

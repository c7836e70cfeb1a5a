// Runs a sweep: asks the proposer for settings, runs all their samples through the batched engine (several
// settings per batch), measures each setting, scores it with the objective and hands each point on as it is
// done. Engine-agnostic (the page passes the worker's batched loop, tests a fake), so it runs in Node too.
import { sampleStep, type SamplingParams } from '../core';
import {
  applySetting, createProposer, grammaticalRate, mapTruthToFirstTokens, scoreOf, teachingDistance,
  type GrammarRecogniser, type MetricValues, type Objective, type SweepDefinition, type SweepPoint, type SweepSample,
  type SweepSetting, type TokenDistribution, type Trial,
} from '../core/sweep';
import type { FinishReason, PromptLogits } from '../engine/protocol';
import type { TeachingPoint } from './types';
import { mapSliced, type TimeSlicer } from './timeSlicer';

/** One sequence of a batch: its prompt, its own parameters and seed. */
export interface SweepRow {
  prompt: string;
  params: SamplingParams;
  seed: number;
}

/** What a row produced. */
export interface RowOutcome {
  text: string;
  tokenIds: number[];
  reason: FinishReason;
  /** The run metrics of this one sample (the compare view's), by metric name. */
  metrics: MetricValues;
}

export interface SweepEngine {
  /** One forward pass per prompt, no sampling. */
  promptLogits(prompts: string[], continuations: string[][]): Promise<PromptLogits[]>;
  /** Runs every row to its end in as few batches as the engine likes; rejects when cancelled. */
  runRows(rows: SweepRow[], maxNewTokens: number): Promise<RowOutcome[]>;
}

/** The run metrics pooled over a setting's samples where a mean would be wrong (distinct-n: unique n-grams of all samples). */
export type PoolMetrics = (samples: readonly RowOutcome[]) => MetricValues;

export interface SweepProgress {
  done: number;
  total: number;
  elapsedMs: number;
  /** Estimated from the pace so far; null before the first batch ends. */
  remainingMs: number | null;
}

export interface SweepRunOptions {
  definition: SweepDefinition;
  base: { params: SamplingParams; seed: number; max_new_tokens: number };
  prompts: string[];
  objective: Objective;
  /** The model's teaching points (bundled model only): tv_distance when present. */
  teaching: TeachingPoint[] | null;
  grammar: GrammarRecogniser | null;
  engine: SweepEngine;
  pool: PoolMetrics;
  /** Points of an earlier, interrupted run of the same definition: the sweep carries on after them. */
  previous?: readonly SweepPoint[];
  /** Rows per batch (settings × prompts × samples are packed up to this). */
  rowsPerBatch?: number;
  onPoint(point: SweepPoint): void;
  onProgress?(progress: SweepProgress): void;
  isCancelled(): boolean;
  now?(): number;
  /** Cuts the points' measuring into short tasks (the page's); one slice that never yields when absent. */
  slicer?: TimeSlicer;
}

/**
 * The longest the sweep measures points before the page gets a turn (ms): a point's metrics run the sampling chain
 * on every teaching prompt and the grammar over every sample, 10–80 ms a point in one piece.
 */
export const POINT_SLICE_MS = 12;

export const DEFAULT_ROWS_PER_BATCH = 64;

/** The mapped truth and logits of each teaching prompt, fetched once per sweep. */
interface TeachingItem {
  logits: Float32Array;
  promptIds: number[];
  truth: Map<number, number>;
}

async function teachingItems(engine: SweepEngine, points: TeachingPoint[]): Promise<TeachingItem[]> {
  const continuations = points.map((p) => Object.keys(p.next));
  const answers = await engine.promptLogits(points.map((p) => p.prompt), continuations);
  return answers.map((a, i) => ({
    logits: a.logits,
    promptIds: a.promptIds,
    truth: mapTruthToFirstTokens(points[i].next, (c) => a.firstTokens[continuations[i].indexOf(c)] ?? null),
  }));
}

/** The final distribution a setting gives at one teaching prompt, beside the truth there (no sampling). */
function teachingPair(item: TeachingItem, params: SamplingParams): { dist: TokenDistribution; truth: Map<number, number> } {
  const step = sampleStep({ logits: item.logits, params, promptIds: item.promptIds });
  const dist: TokenDistribution = step.kept ?? { ids: [step.greedyId], probs: [1] };
  return { dist, truth: item.truth };
}

/** The final distribution a setting gives at each teaching prompt, against the truth (no sampling). */
export function teachingDistanceFor(items: readonly TeachingItem[], params: SamplingParams): number {
  return teachingDistance(items.map((item) => teachingPair(item, params)));
}

/** Made-up rows the warm-up samples: small enough that one call is short even before the code is compiled. */
const WARM_VOCAB = 256;
const WARM_CALLS = 40;

/**
 * Runs the sampling chain on small made-up rows, a slice at a time, while the first batch is on the engine. The
 * first teaching prompts a point measures would otherwise meet the chain's code cold: one call over the bundled
 * model's vocabulary then held the page for ~50 ms, and one call cannot be cut into slices.
 */
async function warmSamplingChain(params: SamplingParams, slicer: TimeSlicer): Promise<void> {
  // The bias and DRY's breakers name token ids of the real vocabulary, which the made-up rows do not have.
  const warmParams: SamplingParams = { ...params, logit_bias: {}, dry_breaker_ids: [] };
  const logits = new Float32Array(WARM_VOCAB);
  for (let call = 0; call < WARM_CALLS; call++) {
    for (let id = 0; id < WARM_VOCAB; id++) logits[id] = 3 * Math.sin(id * 7.1 + call) - (id % 31) * 0.1;
    try {
      sampleStep({ logits, params: warmParams, promptIds: [call % WARM_VOCAB] });
    } catch {
      return; // Settings the made-up rows cannot take: the real calls run cold, as they would have.
    }
    await slicer.pause();
  }
}

/** Mean of each per-sample metric (NaN values left out), then the pooled ones on top. */
export function measureSetting(samples: readonly RowOutcome[], pool: PoolMetrics): MetricValues {
  const sums = new Map<string, { sum: number; n: number }>();
  for (const s of samples) {
    for (const [name, v] of Object.entries(s.metrics)) {
      if (v === undefined || !Number.isFinite(v)) continue;
      const acc = sums.get(name) ?? { sum: 0, n: 0 };
      acc.sum += v;
      acc.n++;
      sums.set(name, acc);
    }
  }
  const out: MetricValues = {};
  for (const [name, { sum, n }] of sums) (out as Record<string, number>)[name] = sum / n;
  return { ...out, ...pool(samples) };
}

export async function runSweep(options: SweepRunOptions): Promise<'completion' | 'cancelled'> {
  const { definition, base, prompts, engine } = options;
  const now = options.now ?? (() => performance.now());
  const proposer = createProposer(definition.method, definition.dims, definition.trials, base.seed);
  const trials: Trial[] = (options.previous ?? []).map((p) => ({ setting: p.setting, score: p.score }));
  const total = proposer.total;
  const rowsPerSetting = prompts.length * definition.samples;
  const settingsPerBatch = Math.max(1, Math.floor((options.rowsPerBatch ?? DEFAULT_ROWS_PER_BATCH) / rowsPerSetting));
  const slicer = options.slicer ?? { pause: () => Promise.resolve(), yieldNow: () => Promise.resolve() };
  const start = now();
  let doneHere = 0;
  const report = () => {
    const elapsedMs = now() - start;
    const remaining = total - trials.length;
    options.onProgress?.({ done: trials.length, total, elapsedMs, remainingMs: doneHere > 0 ? (elapsedMs / doneHere) * remaining : null });
  };
  report();

  const teaching = options.teaching && options.teaching.length > 0 ? await teachingItems(engine, options.teaching) : null;
  // A batch: its settings, their parameters and rows, and the engine's answer on its way.
  const launch = (planned: readonly Trial[]) => {
    const settings = proposer.propose(planned, settingsPerBatch);
    if (settings.length === 0) return null;
    const paramsOf: SamplingParams[] = settings.map((s) => applySetting(base.params, definition.dims, s));
    const rows: SweepRow[] = [];
    settings.forEach((_, i) => {
      for (const prompt of prompts) {
        // The same seeds for every setting: settings differ by their parameters, not by their luck.
        for (let k = 0; k < definition.samples; k++) rows.push({ prompt, params: paramsOf[i], seed: (base.seed + k) >>> 0 });
      }
    });
    const outcomes = engine.runRows(rows, base.max_new_tokens);
    // A batch started ahead may be abandoned (the sweep cancelled while it ran): its failure is then nobody's.
    outcomes.catch(() => undefined);
    return { settings, paramsOf, rows, outcomes };
  };
  // Grid and random proposals depend only on how many settings came before, so the next batch runs on the engine
  // while this one's points are measured on the page; Bayesian ones need this batch's scores first.
  const aheadOfScores = definition.method !== 'bayes';
  let batch = options.isCancelled() ? null : launch(trials);
  if (batch && teaching) await warmSamplingChain(batch.paramsOf[0], slicer);
  while (batch && !options.isCancelled()) {
    const { settings, paramsOf, rows } = batch;
    let outcomes: RowOutcome[];
    try {
      outcomes = await batch.outcomes;
    } catch (error) {
      if (options.isCancelled()) return 'cancelled';
      throw error;
    }
    if (options.isCancelled()) return 'cancelled';
    const planned = [...trials, ...settings.map((setting) => ({ setting, score: NaN }))];
    batch = aheadOfScores ? launch(planned) : null;
    // The batch's answer arrived in a task of its own; its points are measured in later ones, a slice at a time,
    // each point handed on as soon as it is measured (a batch's eight points in one task held the main thread
    // for 100–150 ms, one point with its teaching prompts for up to 80 ms).
    await slicer.yieldNow();
    for (let i = 0; i < settings.length; i++) {
      if (i > 0) await slicer.pause();
      const setting = settings[i];
      const mine = outcomes.slice(i * rowsPerSetting, (i + 1) * rowsPerSetting);
      const point = await makePoint(setting, paramsOf[i], rows.slice(i * rowsPerSetting, (i + 1) * rowsPerSetting), mine, options, teaching, slicer);
      trials.push({ setting, score: point.score });
      doneHere++;
      options.onPoint(point);
    }
    report();
    if (!aheadOfScores && !options.isCancelled()) batch = launch(trials);
  }
  if (!batch && !options.isCancelled()) return 'completion';
  return 'cancelled';
}

async function makePoint(
  setting: SweepSetting, params: SamplingParams, rows: SweepRow[], outcomes: RowOutcome[], options: SweepRunOptions, teaching: TeachingItem[] | null, slicer: TimeSlicer,
): Promise<SweepPoint> {
  const metrics = measureSetting(outcomes, options.pool);
  if (options.grammar) {
    const grammar = options.grammar;
    await slicer.pause();
    metrics.grammatical_rate = grammaticalRate(await mapSliced(outcomes, slicer, (o, r) => grammar.judge(rows[r].prompt, o.text)));
  }
  if (teaching) {
    await slicer.pause();
    metrics.tv_distance = teachingDistance(await mapSliced(teaching, slicer, (item) => teachingPair(item, params)));
  }
  const samples: SweepSample[] = outcomes.map((o, r) => ({ prompt: rows[r].prompt, seed: rows[r].seed, text: o.text, tokens: o.tokenIds.length, reason: o.reason }));
  return { setting, metrics, score: scoreOf(options.objective, metrics), samples };
}

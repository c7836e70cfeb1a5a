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
import { nextTask } from './nextTask';

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
}

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

/** The final distribution a setting gives at each teaching prompt, against the truth (no sampling). */
export function teachingDistanceFor(items: readonly TeachingItem[], params: SamplingParams): number {
  return teachingDistance(items.map((item) => {
    const step = sampleStep({ logits: item.logits, params, promptIds: item.promptIds });
    const dist: TokenDistribution = step.kept ?? { ids: [step.greedyId], probs: [1] };
    return { dist, truth: item.truth };
  }));
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
  const start = now();
  let doneHere = 0;
  const report = () => {
    const elapsedMs = now() - start;
    const remaining = total - trials.length;
    options.onProgress?.({ done: trials.length, total, elapsedMs, remainingMs: doneHere > 0 ? (elapsedMs / doneHere) * remaining : null });
  };
  report();

  const teaching = options.teaching && options.teaching.length > 0 ? await teachingItems(engine, options.teaching) : null;
  while (!options.isCancelled()) {
    const settings = proposer.propose(trials, settingsPerBatch);
    if (settings.length === 0) return 'completion';
    const rows: SweepRow[] = [];
    const paramsOf: SamplingParams[] = settings.map((s) => applySetting(base.params, definition.dims, s));
    settings.forEach((_, i) => {
      for (const prompt of prompts) {
        // The same seeds for every setting: settings differ by their parameters, not by their luck.
        for (let k = 0; k < definition.samples; k++) rows.push({ prompt, params: paramsOf[i], seed: (base.seed + k) >>> 0 });
      }
    });
    let outcomes: RowOutcome[];
    try {
      outcomes = await engine.runRows(rows, base.max_new_tokens);
    } catch (error) {
      if (options.isCancelled()) return 'cancelled';
      throw error;
    }
    if (options.isCancelled()) return 'cancelled';
    for (let i = 0; i < settings.length; i++) {
      // A point's metrics (its teaching-point distances run the chain on every teaching prompt) and the page's
      // update for it make one task: a batch's eight points in one task held the main thread for 100–150 ms.
      if (i > 0) await nextTask();
      const setting = settings[i];
      const mine = outcomes.slice(i * rowsPerSetting, (i + 1) * rowsPerSetting);
      const point = makePoint(setting, paramsOf[i], rows.slice(i * rowsPerSetting, (i + 1) * rowsPerSetting), mine, options, teaching);
      trials.push({ setting, score: point.score });
      doneHere++;
      options.onPoint(point);
    }
    report();
  }
  return 'cancelled';
}

function makePoint(setting: SweepSetting, params: SamplingParams, rows: SweepRow[], outcomes: RowOutcome[], options: SweepRunOptions, teaching: TeachingItem[] | null): SweepPoint {
  const metrics = measureSetting(outcomes, options.pool);
  if (options.grammar) {
    const grammar = options.grammar;
    metrics.grammatical_rate = grammaticalRate(outcomes.map((o, r) => grammar.judge(rows[r].prompt, o.text)));
  }
  if (teaching) metrics.tv_distance = teachingDistanceFor(teaching, params);
  const samples: SweepSample[] = outcomes.map((o, r) => ({ prompt: rows[r].prompt, seed: rows[r].seed, text: o.text, tokens: o.tokenIds.length, reason: o.reason }));
  return { setting, metrics, score: scoreOf(options.objective, metrics), samples };
}

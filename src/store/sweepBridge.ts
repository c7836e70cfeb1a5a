// Connects the sweep to the page: starts, cancels and resumes runSweep on the worker's batched engine, writes
// its points and progress to the store, and opens saved sweeps.
import {
  GrammarRecogniser, parseSweepCsv, parseSweepJson, settingCount, checkSize, applySetting, sweepQuery,
  type GrammarJson, type MetricValues, type SweepPoint, type SweepResults, type SweepSetting,
} from '../core/sweep';
import { MAX_SAMPLES, distinctN, overridesOf, runMetrics, type RunMetrics, type RunSettings } from '../core';
import type { CompareRow } from '../engine/protocol';
import { BUNDLED_MODEL_ID } from '../engine/catalog';
import { compare, engine } from './engineBridge';
import { useStore } from './store';
import { effectiveObjective } from './sweepSlice';
import { POINT_SLICE_MS, runSweep, type RowOutcome, type SweepEngine, type SweepRow } from './sweepRunner';
import { refusalOf } from './urlState';
import { mapSliced, timeSlicer } from './timeSlicer';
import type { TeachingPoint } from './types';

let cancelRequested = false;
let grammar: Promise<GrammarRecogniser | null> | null = null;

/** The bundled model's grammar recogniser (grammar.json beside the model), or null for any other model. */
function grammarFor(modelId: string): Promise<GrammarRecogniser | null> {
  if (modelId !== BUNDLED_MODEL_ID) return Promise.resolve(null);
  grammar ??= fetch(`/models/${BUNDLED_MODEL_ID}/grammar.json`)
    .then(async (r) => (r.ok ? new GrammarRecogniser((await r.json()) as GrammarJson) : null))
    .catch(() => null);
  return grammar;
}

/** The prompts the definition names, from the store. */
export function sweepPrompts(): string[] {
  const s = useStore.getState();
  const def = s.sweepDefinition;
  switch (def.prompts.kind) {
    case 'page':
      return s.prompt.trim() === '' ? [] : [s.prompt];
    case 'teaching':
      return s.teachingPoints.map((p) => p.prompt);
    case 'typed':
      return def.prompts.prompts.filter((p) => p.trim() !== '');
  }
}

/**
 * The worker's batched loop, as the sweep sees it: each prompt's rows as one comparison (the compare view's request,
 * one row per sample), read back whole; the run metrics come from the rows' steps as the compare view's do.
 */
function workerEngine(): SweepEngine {
  const client = engine();
  const { chat, stop } = useStore.getState();
  return {
    promptLogits: (prompts, continuations) => client.promptLogits(prompts, continuations, chat),
    async runRows(rows: SweepRow[], maxNewTokens: number): Promise<RowOutcome[]> {
      const out: RowOutcome[] = new Array(rows.length);
      const prompts = [...new Set(rows.map((r) => r.prompt))];
      for (const prompt of prompts) {
        const indices = rows.flatMap((r, i) => (r.prompt === prompt ? [i] : []));
        const compareRows: CompareRow[] = indices.map((i, k) => ({
          lane: k, sample: 0, params: rows[i].params, seed: rows[i].seed, max_new_tokens: maxNewTokens, stop, ignore_eos: false,
        }));
        const answer = await client.compareRows({ prompt, chat, rows: compareRows });
        // The run metrics of a batch's rows, a slice at a time: not in the task that brought the batch in.
        const slicer = timeSlicer(POINT_SLICE_MS);
        await slicer.yieldNow();
        const outcomes = await mapSliced(answer.rows, slicer, (row): RowOutcome => ({
          text: row.text, tokenIds: row.steps.map((step) => step.tokenId), reason: row.reason, metrics: sampleMetrics(runMetrics(row.steps)),
        }));
        outcomes.forEach((outcome, k) => {
          out[indices[k]] = outcome;
        });
        // A cancel that reached the batch (the sweep's, or a new model's load) leaves rows cut short: the sweep
        // stops there, resumable, rather than score them.
        if (answer.rows.some((row) => row.reason === 'cancelled' || row.reason === 'interrupted')) cancelRequested = true;
        if (cancelRequested) break;
      }
      return out;
    },
  };
}

/** The compare view's run metrics of one sample, under the sweep's names. */
function sampleMetrics(m: RunMetrics): MetricValues {
  return { logprob: m.logprob, perplexity: m.tokens > 0 ? m.perplexity : NaN, entropy_mean: m.tokens > 0 ? m.entropy_mean : NaN, repetition_4: m.repetition_4 };
}

/** distinct-n pooled over a setting's samples (unique n-grams of all of them over all their n-grams). */
export function pooledDistinct(samples: readonly RowOutcome[]): MetricValues {
  const ids = samples.map((s) => s.tokenIds);
  return { distinct_1: distinctN(ids, 1), distinct_2: distinctN(ids, 2) };
}

export async function startSweep(resume = false): Promise<void> {
  const s = useStore.getState();
  if (s.sweepState === 'running') return;
  if (s.modelStatus !== 'ready' || !s.loaded) {
    s.endSweep('error', { key: 'sweep.noModel' });
    return;
  }
  const definition = resume && s.sweepResults ? s.sweepResults.definition : s.sweepDefinition;
  try {
    checkSize(definition);
  } catch (error) {
    s.endSweep('error', { key: 'params.refused', params: { name: 'sweep' }, why: refusalOf(error) });
    return;
  }
  // The teaching points arrive beside the model; a sweep started by a link may be first to need them.
  if (s.loaded.modelId === BUNDLED_MODEL_ID && s.teachingPoints.length === 0) {
    try {
      const r = await fetch(`/models/${BUNDLED_MODEL_ID}/teaching_points.json`);
      if (r.ok) useStore.getState().setTeachingPoints((await r.json()) as TeachingPoint[]);
    } catch {
      // Without them the sweep still runs, without tv_distance.
    }
  }
  const teachingPoints = useStore.getState().teachingPoints;
  const prompts = sweepPrompts();
  if (prompts.length === 0) {
    s.endSweep('error', { key: 'sweep.noPrompt' });
    return;
  }

  const hasTruth = teachingPoints.length > 0;
  const objective = effectiveObjective(definition, hasTruth);
  const previous = resume && s.sweepResults ? s.sweepResults.points : [];
  const results: SweepResults = resume && s.sweepResults ? s.sweepResults : {
    format: 'logitlab-sweep', version: 1, model: s.loaded.modelId,
    definition: { ...definition, objective },
    base: { params: s.params, seed: s.seed, max_new_tokens: s.maxNewTokens },
    points: [],
  };
  s.beginSweep(results);
  cancelRequested = false;
  try {
    const state = await runSweep({
      definition, base: results.base, prompts, objective,
      teaching: hasTruth ? teachingPoints : null,
      grammar: await grammarFor(s.loaded.modelId),
      engine: workerEngine(),
      pool: pooledDistinct,
      previous,
      onPoint: (point) => useStore.getState().addSweepPoint(point),
      onProgress: (progress) => useStore.getState().setSweepProgress(progress),
      isCancelled: () => cancelRequested,
      slicer: timeSlicer(POINT_SLICE_MS),
    });
    useStore.getState().endSweep(state);
  } catch (error) {
    useStore.getState().endSweep('error', { key: 'errors.internal', detail: error instanceof Error ? error.message : String(error) });
  }
}

export function cancelSweep(): void {
  if (useStore.getState().sweepState !== 'running') return;
  cancelRequested = true;
  engine().cancel();
}

/** Opens a saved sweep (JSON, or CSV with the settings as they are now). */
export async function openSweepFile(file: File): Promise<void> {
  const s = useStore.getState();
  try {
    const text = await file.text();
    const results = /\.csv$/i.test(file.name) || !text.trimStart().startsWith('{')
      ? parseSweepCsv(text, { params: s.params, seed: s.seed, max_new_tokens: s.maxNewTokens }, s.modelRef, s.sweepDefinition.objective)
      : parseSweepJson(text);
    s.openSweepResults(results);
    s.notify({ key: 'sweep.opened' });
  } catch (error) {
    s.notify({ key: 'sweep.badFile', why: refusalOf(error) });
  }
}

/** A link that reproduces the sweep's definition (and with run=1, runs it). */
export function sweepLinkQuery(run: boolean): string {
  const s = useStore.getState();
  const q = sweepQuery(s.sweepDefinition);
  if (s.prompt) q.set('prompt', s.prompt);
  q.set('max_new_tokens', String(s.maxNewTokens));
  q.set('seed', String(s.seed));
  if (run) q.set('run', '1');
  return q.toString();
}

/** Puts a sweep point's setting into the playground's controls. */
export function applySettingToPlayground(setting: SweepSetting): void {
  const s = useStore.getState();
  const results = s.sweepResults;
  if (!results) return;
  const params = applySetting(results.base.params, results.definition.dims, setting);
  s.adoptSettings({ params, seed: results.base.seed, maxNewTokens: results.base.max_new_tokens });
  s.setMode('model');
}

/**
 * Opens a point in the compare view: its setting as a lane beside `best`'s (beside the page's own settings when
 * it is the best), K samples each on the prompt of its first sample, from the sweep's seed and fixed settings —
 * so its lane draws the samples the sweep drew (batching never changes a row's tokens).
 */
export function openPointInCompare(point: SweepPoint, best: SweepPoint | null): void {
  const s = useStore.getState();
  const results = s.sweepResults;
  if (!results) return;
  const base: RunSettings = { params: results.base.params, seed: results.base.seed, max_new_tokens: results.base.max_new_tokens, stop: s.stop, beam: s.beam };
  const laneOf = (setting: SweepSetting) => overridesOf({ ...base, params: applySetting(base.params, results.definition.dims, setting) }, base);
  s.adoptSettings({ prompt: point.samples[0]?.prompt ?? s.prompt, params: base.params, seed: base.seed, maxNewTokens: base.max_new_tokens }, { clearRefusals: true });
  s.openLanes([laneOf(point.setting), best && best !== point ? laneOf(best.setting) : ''], Math.min(results.definition.samples, MAX_SAMPLES));
  s.setMode('model');
  compare();
}

export { settingCount };

// Connects the store to the inference worker: actions that send requests, and the event stream written back
// through store actions (step events batched at most four times a second so charts keep up without long tasks).
import { EngineClient } from '../client/EngineClient';
import { BUNDLED_MODEL_ID, findModel, isHubRepoId } from '../engine/catalog';
import type { CompareRow, CompareStep, EngineEvent, GenerateSettings, ModelSource, StepEvent } from '../engine/protocol';
import type { RunSettings } from '../core';
import type { Comparison } from './compareSlice';
import { liveEngineRun, useStore } from './store';
import type { TeachingPoint } from './types';
import { remoteWeightBytes } from '../engine/modelSize';

let client: EngineClient | null = null;
let pending: { requestId: number; step: StepEvent }[] = [];
let flushScheduled = false;

function flushSteps(): void {
  flushScheduled = false;
  if (pending.length === 0) return;
  const batch = pending;
  pending = [];
  const byRequest = new Map<number, StepEvent[]>();
  for (const { requestId, step } of batch) byRequest.set(requestId, [...(byRequest.get(requestId) ?? []), step]);
  for (const [requestId, steps] of byRequest) useStore.getState().appendSteps(requestId, steps);
}

let compareSteps: { requestId: number; steps: CompareStep[] }[] = [];
let compareFlushScheduled = false;
/** A lane's step opened in the step panel: selected once its single run has finished. */
let selectAfter: { requestId: number; step: number } | null = null;

function flushCompareSteps(): void {
  compareFlushScheduled = false;
  const batch = compareSteps;
  compareSteps = [];
  for (const { requestId, steps } of batch) useStore.getState().appendCompareSteps(requestId, steps);
}

function onEngineEvent(event: EngineEvent): void {
  if (event.type === 'compareSteps') {
    compareSteps.push({ requestId: event.requestId, steps: event.steps });
    if (!compareFlushScheduled) {
      compareFlushScheduled = true;
      // As with a run's steps: a few store updates a second, so 64 streaming rows never make a long task.
      setTimeout(flushCompareSteps, 250);
    }
    return;
  }
  if (event.type === 'compareStarted' || event.type === 'compareRowDone' || event.type === 'compareDone'
    || (event.type === 'error' && event.requestId === useStore.getState().compareRequest)) {
    flushCompareSteps();
    useStore.getState().handleCompareEvent(event);
    return;
  }
  if (event.type === 'done' && selectAfter && selectAfter.requestId === event.requestId) {
    const chosen = selectAfter.step;
    selectAfter = null;
    flushSteps();
    useStore.getState().handleEngineEvent(event);
    void inspect(chosen);
    return;
  }
  if (event.type === 'step') {
    pending.push({ requestId: event.requestId, step: event.event });
    if (!flushScheduled) {
      flushScheduled = true;
      // At most ~4 store updates a second: charts keep up, and rendering never piles up behind the model. A plain
      // task, not an animation frame: React's render and commit then run apart from the frame's style, layout and
      // paint instead of adding up with them in one long task.
      setTimeout(flushSteps, 250);
    }
    return;
  }
  // Everything queued belongs before a run's end.
  flushSteps();
  useStore.getState().handleEngineEvent(event);
}

export function engine(): EngineClient {
  if (!client) {
    client = new EngineClient();
    client.onEvent(onEngineEvent);
  }
  return client;
}

/** catalog id, "owner/name" Hub id, or a URL of a folder in the Hub layout. */
export function modelSourceOf(ref: string): ModelSource | null {
  const text = ref.trim();
  if (findModel(text)?.bundled || findModel(text)) return { kind: 'catalog', id: findModel(text)!.id };
  if (/^https?:\/\//i.test(text) || text.startsWith('/')) return { kind: 'url', url: new URL(text, location.href).href };
  if (isHubRepoId(text)) return { kind: 'hub', repo: text };
  return null;
}

/** Loads a model; its precision is `dtype`, or (by default) the one asked for before if it is the same model. */
export function loadModel(ref = useStore.getState().modelRef, dtype: string | null = ref === useStore.getState().modelRef ? useStore.getState().dtype : null): void {
  const store = useStore.getState();
  const source = modelSourceOf(ref);
  if (!source) {
    useStore.setState({ modelStatus: 'error', modelError: { key: 'errors.badModelRef', params: { ref } } });
    return;
  }
  store.setModelRef(ref);
  if (store.modelConfirm) useStore.setState({ modelConfirm: null });
  if (ref !== store.modelRef) useStore.setState({ dtypesAvailable: [] });
  store.setDtype(dtype);
  if (store.activeRequest !== null) engine().cancel();
  useStore.setState({ modelStatus: 'loading', progress: {}, modelError: null, modelNotice: null, loaded: null, genState: 'loading', activeRequest: null });
  engine().load(source, 'auto', dtype === null ? {} : { dtype });
  void loadTeachingPoints(source);
}

/** The host of a model URL on another host than the page's own, else null (catalog, Hub id, our own folders). */
export function foreignModelHost(ref: string): string | null {
  const source = modelSourceOf(ref);
  if (source?.kind !== 'url') return null;
  const url = new URL(source.url);
  return url.host !== location.host ? url.host : null;
}

/**
 * The first load, of the link's model: a URL on another host waits for the user's click (ModelPicker asks, with
 * the host and the download size — HEAD requests only, no body — before anything is downloaded from there).
 */
export function loadModelFromLink(): void {
  const ref = useStore.getState().modelRef;
  const host = foreignModelHost(ref);
  if (host === null) {
    loadModel(ref);
    return;
  }
  useStore.setState({ modelConfirm: { ref, host, bytes: null }, modelStatus: 'idle' });
  const url = new URL((modelSourceOf(ref) as Extract<ModelSource, { kind: 'url' }>).url);
  const folder = `${url.origin}${url.pathname.replace(/\/+$/, '')}/`;
  void remoteWeightBytes(folder, 'q8').then((bytes) => {
    const pending = useStore.getState().modelConfirm;
    if (pending?.ref === ref) useStore.setState({ modelConfirm: { ...pending, bytes: bytes ?? 'unknown' } });
  });
}

/** The user's answer to a link's model from another host: load it, or the bundled model instead. */
export function confirmLinkModel(load: boolean): void {
  const pending = useStore.getState().modelConfirm;
  if (!pending) return;
  useStore.setState({ modelConfirm: null });
  loadModel(load ? pending.ref : BUNDLED_MODEL_ID);
}

async function loadTeachingPoints(source: ModelSource): Promise<void> {
  if (source.kind !== 'catalog' || source.id !== BUNDLED_MODEL_ID) {
    useStore.getState().setTeachingPoints([]);
    return;
  }
  try {
    const response = await fetch(`/models/${BUNDLED_MODEL_ID}/teaching_points.json`);
    if (response.ok) useStore.getState().setTeachingPoints((await response.json()) as TeachingPoint[]);
  } catch {
    // Teaching points are an extra; the page works without them.
  }
}

function settings(): GenerateSettings {
  const s = useStore.getState();
  return {
    prompt: s.prompt, params: s.params, seed: s.seed, max_new_tokens: s.maxNewTokens, stop: s.stop,
    ignore_eos: false, chat: s.chat, topN: 30,
  };
}

function canRun(): boolean {
  const s = useStore.getState();
  if (s.modelStatus !== 'ready') {
    useStore.setState({ genState: 'error', genError: { key: 'errors.notLoadedYet' } });
    return false;
  }
  if (s.prompt.trim() === '') {
    useStore.setState({ genState: 'error', genError: { key: 'errors.emptyPrompt' } });
    return false;
  }
  if (Object.keys(s.paramErrors).length > 0) {
    const [name, why] = Object.entries(s.paramErrors)[0];
    useStore.setState({ genState: 'error', genError: { key: 'params.refused', params: { name }, why } });
    return false;
  }
  return true;
}

export function generate(): void {
  if (!canRun()) return;
  if (useStore.getState().activeRequest !== null) engine().cancel();
  const id = engine().generate(settings());
  useStore.getState().setActiveRequest(id, 'running');
}

/** One more token: continues the current run when it can, else starts a one-token run. */
export function step(): void {
  if (!canRun()) return;
  const s = useStore.getState();
  if (s.activeRequest !== null) return;
  const run = s.currentRunId !== null ? s.runs[s.currentRunId] : undefined;
  const engineRun = liveEngineRun(s, run);
  // The run shown grows by one token while it can: same prompt, not ended by EOS or a stop, short of max_new_tokens.
  // A finished run is not grown past its end: Step then starts a new run.
  const continuable = run && engineRun && run.prompt === s.prompt && (run.reason === 'max_new_tokens' || run.reason === 'cancelled')
    && run.steps.length > 0 && run.steps.length < s.maxNewTokens;
  const id = continuable
    ? engine().generate(settings(), { branch: { runId: engineRun.runId, step: run.steps.length }, singleStep: true })
    : engine().generate(settings(), { singleStep: true });
  s.setActiveRequest(id, 'running', true);
}

export function stop(): void {
  if (useStore.getState().activeRequest !== null) engine().cancel();
}

/** Whether the run's tokens are still in the worker (not imported, not from an earlier model load). */
export function canBranchFrom(runId: number | null): boolean {
  const s = useStore.getState();
  return runId !== null && liveEngineRun(s, s.runs[runId]) !== undefined;
}

export function branch(stepIndex: number, tokenId: number): void {
  const s = useStore.getState();
  if (s.currentRunId === null || !canRun()) return;
  const engineRun = liveEngineRun(s, s.runs[s.currentRunId]);
  if (!engineRun) {
    useStore.setState({ genState: 'error', genError: { key: 'errors.notKept' } });
    return;
  }
  if (s.activeRequest !== null) engine().cancel();
  const id = engine().generate(settings(), { branch: { runId: engineRun.runId, step: stepIndex, tokenId } });
  s.setActiveRequest(id, 'running');
}

/** Tokens of the loaded model whose text matches `query`, best first; none while no model is loaded. */
export async function findTokens(query: string): Promise<{ id: number; text: string }[]> {
  if (!client || useStore.getState().modelStatus !== 'ready' || query === '') return [];
  try {
    return await engine().findTokens(query);
  } catch {
    return [];
  }
}

/** The texts of the given token ids, learnt into the store's tokenNames. */
export async function nameTokens(ids: number[]): Promise<void> {
  if (!client || useStore.getState().modelStatus !== 'ready' || ids.length === 0) return;
  try {
    useStore.getState().nameTokens(await engine().decodeTokens(ids));
  } catch {
    // The list shows the ids alone.
  }
}

/**
 * Opens a step in the charts and fetches its raw logits for what-if — the logits of the run on screen, from the
 * worker's run behind it; an imported run (or one from an earlier model load) has none.
 */
export async function inspect(stepIndex: number | null): Promise<void> {
  const s = useStore.getState();
  s.selectStep(stepIndex);
  if (stepIndex === null || s.currentRunId === null || !client) return;
  const runId = s.currentRunId;
  const engineRun = liveEngineRun(s, s.runs[runId]);
  if (!engineRun) {
    s.setStepLogits(null);
    return;
  }
  try {
    const view = await engine().getStepLogits(engineRun.runId, stepIndex);
    const now = useStore.getState();
    if (now.currentRunId === runId && now.selectedStep === stepIndex && liveEngineRun(now, now.runs[runId]) === engineRun) {
      now.setStepLogits({ runId, step: stepIndex, ...view });
    }
  } catch {
    // A run the worker has forgotten has no logits: the charts show the recorded views instead.
    if (useStore.getState().currentRunId === runId) useStore.getState().setStepLogits(null);
  }
}

function pageSettings(): RunSettings {
  const s = useStore.getState();
  return { params: s.params, seed: s.seed, max_new_tokens: s.maxNewTokens, stop: s.stop };
}

/** Every lane's K samples as rows of one comparison; lanes start from the page's settings. */
export function compare(options: { forceSequential?: boolean } = {}): void {
  if (!canRun()) return;
  const s = useStore.getState();
  const lanes = s.resolveLanes(pageSettings());
  if (!lanes) {
    useStore.setState({ compareState: 'error', compareError: { key: 'compare.laneRefused' } });
    return;
  }
  if (s.activeRequest !== null || s.compareRequest !== null) engine().cancel();
  const rows: CompareRow[] = [];
  const comparison: Comparison = { prompt: s.prompt, model: s.modelRef, promptIds: [], samples: s.samples, lanes: [], rows: [], mode: null };
  lanes.forEach((settings, lane) => {
    const view = { lane, overrides: s.laneQueries[lane], settings, rows: [] as number[] };
    for (let sample = 0; sample < s.samples; sample++) {
      // K samples draw with seeds seed, seed+1, … (wrapping at 2^32).
      const seed = (settings.seed + sample) >>> 0;
      view.rows.push(rows.length);
      comparison.rows.push({ row: rows.length, lane, sample, seed, steps: [], text: '', reason: null });
      rows.push({ lane, sample, params: settings.params, seed, max_new_tokens: settings.max_new_tokens, stop: settings.stop, ignore_eos: false });
    }
    comparison.lanes.push(view);
  });
  const id = engine().compare({ prompt: s.prompt, chat: s.chat, rows, ...(options.forceSequential ? { forceSequential: true } : {}) });
  s.beginComparison(id, comparison);
}

/**
 * Opens a lane's step in the step panel: the page takes that sample's settings and runs it once more as a
 * single run — the same tokens, since batching never changes a row's tokens — so the step's stage views,
 * what-if and branching all work on it.
 */
export function openLaneStep(row: number, step: number): void {
  const s = useStore.getState();
  const c = s.comparison;
  const view = c?.rows[row];
  if (!c || !view) return;
  const lane = c.lanes[view.lane].settings;
  useStore.setState({
    prompt: c.prompt, params: lane.params, seed: view.seed, maxNewTokens: lane.max_new_tokens, stop: lane.stop,
    paramErrors: {},
  });
  if (!canRun()) return;
  if (s.activeRequest !== null) engine().cancel();
  const id = engine().generate(settings());
  selectAfter = { requestId: id, step };
  useStore.getState().setActiveRequest(id, 'running');
}


// Connects the store to the inference worker: actions that send requests, and the event stream written back
// through store actions (step events batched at most four times a second so charts keep up without long tasks).
import { EngineClient, type WatchdogTimings } from '../client/EngineClient';
import { BUNDLED_MODEL_ID, findModel, isHubRepoId } from '../engine/catalog';
import { BATCHING, type CompareStep, type EngineEvent, type GenerateSettings, type ModelSource, type StepEvent } from '../engine/protocol';
import { DEFAULT_BEAM_SETTINGS, isBeamSearch, type RunSettings } from '../core';
import { planComparison } from './compareSlice';
import { liveEngineRun } from './selectors';
import { useStore } from './store';
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
      setTimeout(flushCompareSteps, BATCHING.storeFlushMs);
    }
    return;
  }
  if (event.type === 'compareStarted' || event.type === 'compareRowDone' || event.type === 'compareDone'
    || (event.type === 'error' && event.requestId === useStore.getState().compareRequest)) {
    flushCompareSteps();
    useStore.getState().handleCompareEvent(event);
    return;
  }
  if ((event.type === 'done' || event.type === 'beamDone') && selectAfter && selectAfter.requestId === event.requestId) {
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
      setTimeout(flushSteps, BATCHING.storeFlushMs);
    }
    return;
  }
  // Everything queued belongs before a run's end.
  flushSteps();
  useStore.getState().handleEngineEvent(event);
  if (event.type === 'done') void fetchShownStepLogits();
}

/**
 * When a run ends (or pauses after a Step) on its last step, that step's raw logits come along, so a knob changed
 * right then shows its what-if without a click on the token first.
 */
async function fetchShownStepLogits(): Promise<void> {
  const s = useStore.getState();
  const runId = s.currentRunId;
  const run = runId !== null ? s.runs[runId] : undefined;
  // The worker's run behind the run on screen: a run imported meanwhile may be the one shown, and has no logits.
  const engineRun = liveEngineRun(s, run);
  if (runId === null || !run || !engineRun || run.steps.length === 0 || s.selectedStep !== null || !client) return;
  const step = run.steps.length - 1;
  try {
    const view = await engine().getStepLogits(engineRun.runId, step);
    const now = useStore.getState();
    if (now.currentRunId === runId && now.selectedStep === null && now.runs[runId]?.steps.length === step + 1 && liveEngineRun(now, now.runs[runId]) === engineRun) {
      now.setStepLogits({ runId, step, ...view });
    }
  } catch {
    // A run the worker no longer keeps: what-if waits for a click, as before.
  }
}

export function engine(): EngineClient {
  if (!client) {
    client = new EngineClient();
    client.onEvent(onEngineEvent);
    installTestHooks(client);
  }
  return client;
}

/** A download with no new bytes for this long is reported as stalled, with Retry (tests shorten it). */
let stallMs: number | undefined;

/**
 * Only under automation (navigator.webdriver): lets e2e tests crash or wedge a worker and shorten the
 * watchdog's and the download's patience, so the page's recovery can be tested in seconds.
 */
function installTestHooks(engineClient: EngineClient): void {
  if (typeof navigator === 'undefined' || !navigator.webdriver) return;
  (window as unknown as { logitlabTest: unknown }).logitlabTest = {
    fault: (worker: 'inference' | 'observer', fault: 'close' | 'hang' | 'terminate', which?: 'current' | 'loading') => engineClient.injectFault(worker, fault, which),
    setWatchdog: (timings: Partial<WatchdogTimings>) => engineClient.setWatchdog(timings),
    setStallMs: (ms: number) => { stallMs = ms; },
  };
}

/** Run ids of a new worker start above every run the page has (its own, and imported ones). */
function nextRunId(): number {
  return Math.max(0, ...useStore.getState().runOrder) + 1;
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
    store.refuseModelRef(ref);
    return;
  }
  store.prepareLoad(ref, dtype);
  if (store.activeRequest !== null) stop();
  const requestId = engine().load(source, store.devicePref, { stallMs, firstRunId: nextRunId(), ...(dtype === null ? {} : { dtype }) });
  useStore.getState().startLoad(ref, requestId);
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
  useStore.getState().askModelConfirm(ref, host);
  const url = new URL((modelSourceOf(ref) as Extract<ModelSource, { kind: 'url' }>).url);
  const folder = `${url.origin}${url.pathname.replace(/\/+$/, '')}/`;
  void remoteWeightBytes(folder, 'q8').then((bytes) => useStore.getState().setModelConfirmBytes(ref, bytes ?? 'unknown'));
}

/** The user's answer to a link's model from another host: load it, or the bundled model instead. */
export function confirmLinkModel(load: boolean): void {
  const pending = useStore.getState().modelConfirm;
  if (!pending) return;
  useStore.getState().clearModelConfirm();
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
    s.refuseRun({ key: 'errors.notLoadedYet' });
    return false;
  }
  if (s.prompt.trim() === '') {
    s.refuseRun({ key: 'errors.emptyPrompt' });
    return false;
  }
  if (Object.keys(s.paramErrors).length > 0) {
    const [name, why] = Object.entries(s.paramErrors)[0];
    s.refuseRun({ key: 'params.refused', params: { name }, why });
    return false;
  }
  return true;
}

/** With num_beams > 1 a run is a beam search; otherwise the sampling (or greedy) decode loop. */
export function isBeamRun(): boolean {
  return useStore.getState().beam.num_beams > 1;
}

export function generate(): void {
  // A run in flight is stopped first (Stop); Generate, its keyboard shortcut included, starts nothing meanwhile.
  if (useStore.getState().activeRequest !== null || !canRun()) return;
  const s = useStore.getState();
  const id = isBeamRun() ? engine().beamSearch(settings(), { ...s.beam }) : engine().generate(settings());
  useStore.getState().setActiveRequest(id, 'running');
}

/** Opens one node of the current beam run's tree in the step panel: that beam's step, with its row for what-if. */
export async function inspectBeamNode(step: number, source: number, tokenId: number): Promise<void> {
  const s = useStore.getState();
  const runId = s.currentRunId;
  if (runId === null || !client) return;
  const engineRun = liveEngineRun(s, s.runs[runId]);
  if (!engineRun) {
    // An imported beam run (or one from an earlier model load): its tree is drawn from the file, its rows are not in the worker.
    useStore.getState().notify({ key: 'beam.nodeNotKept' });
    return;
  }
  try {
    const node = await engine().getBeamNode(engineRun.runId, step, source, tokenId);
    if (useStore.getState().currentRunId !== runId) return;
    useStore.getState().showBeamNode(
      // The node's step under the page's run id, like every step the page keeps.
      { runId, step, source, tokenId, event: { ...node.event, runId } },
      { runId, step, logits: node.logits, promptIds: node.promptIds, generatedIds: node.generatedIds },
    );
  } catch (error) {
    useStore.getState().notify({ key: 'beam.nodeUnavailable', detail: error instanceof Error ? error.message : String(error) });
  }
}

/** One more token: continues the current run when it can, else starts a one-token run. */
export function step(): void {
  if (!canRun()) return;
  const s = useStore.getState();
  // A beam search has no single next token to add; the button says so and is off (see PromptAndActions).
  if (s.activeRequest !== null || isBeamRun()) return;
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

/**
 * Stops the comparison in flight (the compare view's Stop; `stop` only knows single runs): the worker ends every
 * row within a step, and a beam lane keeps its best hypothesis so far.
 */
export function stopComparison(): void {
  if (useStore.getState().compareRequest === null) return;
  engine().cancel();
}

/** How long Stop waits for the worker to end the run before ending it on the page. */
const STOP_GRACE_MS = 1500;

/**
 * Stops the run in flight. The worker ends it between two forward passes; if a pass takes long (the first on
 * WebGPU compiles its shaders: tens of seconds on a software adapter) the page ends the run itself, keeping the
 * steps it has, and Generate works again at once: a later run waits in the worker behind the stopped one.
 */
export function stop(): void {
  const requestId = useStore.getState().activeRequest;
  if (requestId === null) return;
  engine().cancel();
  setTimeout(() => {
    if (useStore.getState().activeRequest !== requestId) return;
    flushSteps();
    useStore.getState().endRunOnPage();
  }, STOP_GRACE_MS);
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
    s.refuseRun({ key: 'errors.notKept' });
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
  return { params: s.params, seed: s.seed, max_new_tokens: s.maxNewTokens, stop: s.stop, beam: s.beam };
}

/** Every lane's K samples as rows of one comparison; lanes start from the page's settings. */
export function compare(options: { forceSequential?: boolean } = {}): void {
  if (!canRun()) return;
  const s = useStore.getState();
  const lanes = s.resolveLanes(pageSettings());
  if (!lanes) {
    s.refuseComparison({ key: 'compare.laneRefused' });
    return;
  }
  if (s.activeRequest !== null || s.compareRequest !== null) engine().cancel();
  const { rows, comparison } = planComparison({ prompt: s.prompt, model: s.modelRef, samples: s.samples, queries: s.laneQueries, lanes });
  const id = engine().compare({ prompt: s.prompt, chat: s.chat, rows, ...(options.forceSequential ? { forceSequential: true } : {}) });
  s.beginComparison(id, comparison);
}

/**
 * Opens a lane's step in the step panel: the page takes that sample's settings and runs it once more as a
 * single run — the same tokens, since batching never changes a row's tokens — so the step's stage views,
 * what-if and branching all work on it. A beam lane runs as the page's beam search (the same search, so the same
 * winner), which draws its tree beside the step.
 */
export function openLaneStep(row: number, step: number): void {
  const s = useStore.getState();
  const c = s.comparison;
  const view = c?.rows[row];
  if (!c || !view) return;
  const lane = c.lanes[view.lane].settings;
  // An export from before beam lanes has no beam settings: its lanes were sampled.
  const beam = { ...(lane.beam ?? DEFAULT_BEAM_SETTINGS) };
  s.adoptSettings({ prompt: c.prompt, params: lane.params, seed: view.seed, maxNewTokens: lane.max_new_tokens, stop: lane.stop }, { clearRefusals: true });
  s.setBeamOptions(beam);
  if (!canRun()) return;
  if (s.activeRequest !== null) engine().cancel();
  const id = isBeamSearch({ beam }) ? engine().beamSearch(settings(), beam) : engine().generate(settings());
  selectAfter = { requestId: id, step };
  useStore.getState().setActiveRequest(id, 'running');
}


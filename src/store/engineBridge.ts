// Connects the store to the inference worker: actions that send requests, and the event stream written back
// through store actions (step events batched at most four times a second so charts keep up without long tasks).
import { EngineClient, type WatchdogTimings } from '../client/EngineClient';
import { BUNDLED_MODEL_ID, findModel, isHubRepoId } from '../engine/catalog';
import type { EngineEvent, GenerateSettings, ModelSource, StepEvent } from '../engine/protocol';
import { useStore } from './store';
import type { TeachingPoint } from './types';

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

function onEngineEvent(event: EngineEvent): void {
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

export function loadModel(ref = useStore.getState().modelRef): void {
  const store = useStore.getState();
  const source = modelSourceOf(ref);
  if (!source) {
    useStore.setState({ modelStatus: 'error', modelError: { key: 'errors.badModelRef', params: { ref } } });
    return;
  }
  if (store.activeRequest !== null) stop();
  const requestId = engine().load(source, store.devicePref, { stallMs, firstRunId: nextRunId() });
  useStore.getState().startLoad(ref, requestId);
  void loadTeachingPoints(source);
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
  // A run in flight is stopped first (Stop); Generate, its keyboard shortcut included, starts nothing meanwhile.
  if (useStore.getState().activeRequest !== null || !canRun()) return;
  const id = engine().generate(settings());
  useStore.getState().setActiveRequest(id, 'running');
}

/** One more token: continues the current run when it can, else starts a one-token run. */
export function step(): void {
  if (!canRun()) return;
  const s = useStore.getState();
  if (s.activeRequest !== null) return;
  const run = s.currentRunId !== null ? s.runs[s.currentRunId] : undefined;
  const continuable = run && run.prompt === s.prompt && (run.reason === 'max_new_tokens' || run.reason === 'cancelled') && run.steps.length > 0;
  const id = continuable
    ? engine().generate(settings(), { branch: { runId: run.runId, step: run.steps.length }, singleStep: true })
    : engine().generate(settings(), { singleStep: true });
  s.setActiveRequest(id, 'running');
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
    const s = useStore.getState();
    if (s.activeRequest !== requestId) return;
    flushSteps();
    const run = s.currentRunId !== null ? s.runs[s.currentRunId] : undefined;
    const runs = run && run.reason === null ? { ...s.runs, [run.runId]: { ...run, reason: 'cancelled' as const } } : s.runs;
    useStore.setState({ runs, activeRequest: null, genState: s.modelStatus === 'loading' ? 'loading' : 'done' });
  }, STOP_GRACE_MS);
}

export function branch(stepIndex: number, tokenId: number): void {
  const s = useStore.getState();
  if (s.currentRunId === null || !canRun()) return;
  if (s.activeRequest !== null) engine().cancel();
  const id = engine().generate(settings(), { branch: { runId: s.currentRunId, step: stepIndex, tokenId } });
  s.setActiveRequest(id, 'running');
}

/** Opens a step in the charts and fetches its raw logits for what-if. */
export async function inspect(stepIndex: number | null): Promise<void> {
  const s = useStore.getState();
  s.selectStep(stepIndex);
  if (stepIndex === null || s.currentRunId === null || !client) return;
  const runId = s.currentRunId;
  try {
    const view = await engine().getStepLogits(runId, stepIndex);
    if (useStore.getState().selectedStep === stepIndex) useStore.getState().setStepLogits({ runId, step: stepIndex, ...view });
  } catch {
    // An imported run or a forgotten one has no logits: the charts show the recorded views instead.
    useStore.getState().setStepLogits(null);
  }
}

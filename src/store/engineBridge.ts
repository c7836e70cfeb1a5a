// Connects the store to the inference worker: actions that send requests, and the event stream written back
// through store actions (step events batched at most four times a second so charts keep up without long tasks).
import { EngineClient } from '../client/EngineClient';
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
  if (ref !== store.modelRef) useStore.setState({ dtypesAvailable: [] });
  store.setDtype(dtype);
  if (store.activeRequest !== null) engine().cancel();
  useStore.setState({ modelStatus: 'loading', progress: {}, modelError: null, modelNotice: null, loaded: null, genState: 'loading', activeRequest: null });
  engine().load(source, 'auto', dtype === null ? {} : { dtype });
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
  const continuable = run && run.prompt === s.prompt && (run.reason === 'max_new_tokens' || run.reason === 'cancelled') && run.steps.length > 0;
  const id = continuable
    ? engine().generate(settings(), { branch: { runId: run.runId, step: run.steps.length }, singleStep: true })
    : engine().generate(settings(), { singleStep: true });
  s.setActiveRequest(id, 'running');
}

export function stop(): void {
  if (useStore.getState().activeRequest !== null) engine().cancel();
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

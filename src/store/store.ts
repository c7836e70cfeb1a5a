// The one zustand store, built from slices: model, sampling, generation (runs, branches, the inspected step),
// and ui (language, mode, notices, toy distribution). Actions live beside their state; components only read
// fields and call actions.
import { create, type StateCreator } from 'zustand';
import {
  DEFAULT_PARAMS, LLAMA_CPP_ORDER, HF_ORDER, MAX_STOP_SEQUENCES, PARAM_SPECS, SamplingParamError, checkParam,
  checkBreakers, completeOrder, parseParamValue, type ParamName, type SamplingParamName, type SamplingParams, type WarperName,
} from '../core';
import type { DevicePreference, Dtype, EngineEvent, ErrorCode, LoadErrorDetails, StepEvent } from '../engine/protocol';
import { BUNDLED_MODEL_ID } from '../engine/catalog';
import { PRESETS, type PresetName } from './presets';
import { biasIdsOutside } from './schemas';
import { compareSlice, type CompareSlice } from './compareSlice';
import { parseLogitBias, refusalOf } from './urlState';
import { beamSlice, type BeamSlice } from './beamSlice';
import { sweepSlice, type SweepSlice } from './sweepSlice';
import type { GenState, LoadedInfo, Notice, Refusal, RunView, StepLogitsView, TeachingPoint, ToyToken, UserMessage } from './types';

export interface ModelConfirm {
  ref: string;
  host: string;
  /** The weights' download size; null while asked for, 'unknown' when the host does not say. */
  bytes: number | 'unknown' | null;
}

export interface ModelSlice {
  /** The model the picker and the link show: the one loaded, or the one loading. */
  modelRef: string;
  /** The weights' precision asked for (a link's dtype, the picker); null: the model's default. */
  dtype: string | null;
  /** The precisions the model last loaded or refused has. */
  dtypesAvailable: Dtype[];
  modelStatus: 'idle' | 'loading' | 'ready' | 'error';
  /** Which device to run on (the link's device=…); auto passes over a software WebGPU adapter. */
  devicePref: DevicePreference;
  /** Request id of the newest load: events of any other load are stale and ignored. */
  loadRequest: number | null;
  /** What is loading now, and what the loaded model was loaded as (the picker goes back to it if a switch fails). */
  loadingRef: string | null;
  loadedRef: string | null;
  /** The model a failed load asked for: Retry loads it again. */
  failedRef: string | null;
  progress: Record<string, { loaded: number; total: number }>;
  loaded: LoadedInfo | null;
  modelError: UserMessage | null;
  modelNotice: UserMessage | null;
  chat: boolean;
  teachingPoints: TeachingPoint[];
  /** A link's model on another host, waiting for the user's yes before anything is fetched from there. */
  modelConfirm: ModelConfirm | null;
  setModelRef(ref: string): void;
  setDevicePref(device: DevicePreference): void;
  /** A load was sent to the engine as `requestId`. */
  startLoad(ref: string, requestId: number): void;
  setDtype(dtype: string | null): void;
  setChat(chat: boolean): void;
  setTeachingPoints(points: TeachingPoint[]): void;
}

export interface SamplingSlice {
  params: SamplingParams;
  seed: number;
  maxNewTokens: number;
  stop: string[];
  prompt: string;
  /** Refused inputs by parameter name, with the reason; the last good value stays in force. */
  paramErrors: Record<string, Refusal>;
  setParam(name: SamplingParamName, value: number): boolean;
  /** A knob's text box: parsed by the registry's strict parser (the one links use), then set like its slider. */
  setParamText(name: ParamName, text: string): boolean;
  setDoSample(on: boolean): void;
  setOrder(order: WarperName[]): void;
  moveWarper(name: WarperName, delta: -1 | 1): void;
  setLogitBiasText(text: string): boolean;
  /** DRY's sequence breakers (strings); refused with the reason when not a short list of non-empty strings. */
  setDryBreakers(breakers: string[]): boolean;
  setSeed(seed: number): boolean;
  rerollSeed(): void;
  setMaxNewTokens(n: number): boolean;
  setPrompt(prompt: string): void;
  addStop(stop: string): void;
  removeStop(stop: string): void;
  applyPreset(name: PresetName): void;
}

export interface GenerationSlice {
  genState: GenState;
  genError: UserMessage | null;
  runs: Record<number, RunView>;
  runOrder: number[];
  currentRunId: number | null;
  selectedStep: number | null;
  stepLogits: StepLogitsView | null;
  /** Request id of the generation in flight (events for others are ignored). */
  activeRequest: number | null;
  /** Counts model loads: a run's logits are in the worker only while the session it ran in lasts. */
  engineSession: number;
  /** The worker's run ids of this session → the page's run ids. */
  engineRunIds: Record<number, number>;
  selectStep(step: number | null): void;
  openRun(runId: number): void;
  /** Takes a run out of the page (the way out of a run that cannot be drawn); steps still arriving for it are dropped. */
  closeRun(runId: number): void;
  setStepLogits(view: StepLogitsView | null): void;
  /** Adds runs from an export beside the others, with new ids; returns those ids. Never touches a live run. */
  importRuns(runs: RunView[]): number[];
  handleEngineEvent(event: EngineEvent): void;
  appendSteps(requestId: number, steps: StepEvent[]): void;
  /** `stepping`: the request is one Step, so a run that stops short of max_new_tokens is paused, not done. */
  setActiveRequest(id: number | null, state: GenState, stepping?: boolean): void;
  stepping: boolean;
  /** The last number given to a run in the history. */
  runCounter: number;
}

export interface UiSlice {
  lang: 'en' | 'zh';
  classroom: boolean;
  mode: 'model' | 'toy' | 'sweep';
  notices: Notice[];
  toyTokens: ToyToken[];
  /** Set while the settings are too big for any link (the address bar then stops following them). */
  linkTooBig: { size: number; max: number } | null;
  /** Toy mode's logit bias, by index into toyTokens (the model's bias is params.logit_bias, by token id). */
  toyBias: Record<number, number>;
  /** Whether the settings column is shown; collapsed, the prompt and charts get the room. */
  controlsOpen: boolean;
  /** The knob an example prompt illustrates, highlighted in the settings. */
  spotlight: string | null;
  setSpotlight(name: string | null): void;
  /** Texts of the model's tokens that the bias list names (learnt from searches, charts and the engine). */
  tokenNames: Record<number, string>;
  nameTokens(names: Record<number, string>): void;
  setLang(lang: 'en' | 'zh'): void;
  setClassroom(on: boolean): void;
  setMode(mode: 'model' | 'toy' | 'sweep'): void;
  notify(message: UserMessage): void;
  dismiss(id: number): void;
  setToyTokens(tokens: ToyToken[]): void;
  setToyBias(bias: Record<number, number>): void;
  setControlsOpen(open: boolean): void;
  /** Sets (or with null removes) the bias of one token: a model token id in model mode, a toy index in toy mode. */
  biasToken(id: number, bias: number | null): void;
}

export type Store = ModelSlice & SamplingSlice & GenerationSlice & UiSlice & BeamSlice & CompareSlice & SweepSlice;

let noticeId = 1;
let pageRunId = 1;

/** The worker's run behind a page run, while the worker still holds it (same model session). */
export function liveEngineRun(state: Pick<GenerationSlice, 'engineSession'>, run: RunView | undefined): RunView['engineRun'] {
  return run?.engineRun && run.engineRun.session === state.engineSession ? run.engineRun : undefined;
}

/** The toy mode's weather example, in the page's language; its labels follow a language switch while unchanged. */
export const TOY_DEFAULT_LABELS: Record<'en' | 'zh', string[]> = { en: ['sunny', 'cloudy', 'overcast', 'rainy'], zh: ['晴朗', '多云', '阴天', '雨天'] };
export const TOY_DEFAULT_LOGITS = [3.0, 2.5, 2.0, 1.0];

/** Whether the toy tokens are still the weather example (in either language), which links leave out. */
export function isDefaultToy(tokens: ToyToken[]): boolean {
  return tokens.length === 4 && Object.values(TOY_DEFAULT_LABELS).some((labels) => tokens.every((x, i) => x.label === labels[i] && x.logit === TOY_DEFAULT_LOGITS[i]));
}

/** An engine error in the page's language: a headline by its code, the engine's specifics after it. */
function engineError(code: ErrorCode, message: string, details?: LoadErrorDetails): UserMessage {
  if (code === 'dtype_unavailable' && details) {
    return details.available.length > 0
      ? { key: 'errors.dtypeUnavailable', params: { dtype: details.dtype, available: details.available.join(', ') } }
      : { key: 'errors.dtypeNoneFound', params: { dtype: details.dtype } };
  }
  return { key: `errors.${code}`, detail: message };
}

/** Engine notices are about the device: WebGPU missing, failed or lost, and WASM used instead. */
function engineNotice(message: string): UserMessage {
  return { key: 'errors.deviceNotice', detail: message };
}
export function randomSeed(): number {
  // Seeds are user-visible data, not part of core's reproducibility: the browser's generator is fine here.
  const buf = new Uint32Array(1);
  globalThis.crypto.getRandomValues(buf);
  return buf[0];
}

const modelSlice: StateCreator<Store, [], [], ModelSlice> = (set) => ({
  modelRef: BUNDLED_MODEL_ID,
  dtype: null,
  dtypesAvailable: [],
  modelStatus: 'idle',
  devicePref: 'auto',
  loadRequest: null,
  loadingRef: null,
  loadedRef: null,
  failedRef: null,
  progress: {},
  loaded: null,
  modelError: null,
  modelNotice: null,
  chat: false,
  teachingPoints: [],
  modelConfirm: null,
  setModelRef: (modelRef) => set({ modelRef }),
  setDevicePref: (devicePref) => set({ devicePref }),
  startLoad: (ref, loadRequest) => set((s) => ({
    modelRef: ref, loadingRef: ref, loadRequest, modelStatus: 'loading', progress: {}, modelError: null, failedRef: null, modelNotice: null,
    genState: s.genState === 'running' ? 'running' : 'loading', genError: null,
  })),
  setDtype: (dtype) => set({ dtype }),
  setChat: (chat) => set({ chat }),
  setTeachingPoints: (teachingPoints) => set({ teachingPoints }),
});

const samplingSlice: StateCreator<Store, [], [], SamplingSlice> = (set, get) => {
  const refuse = (name: string, error: unknown) => {
    set({ paramErrors: { ...get().paramErrors, [name]: refusalOf(error) } });
    return false;
  };
  const accept = (name: string) => {
    const { [name]: _gone, ...rest } = get().paramErrors;
    return rest;
  };
  return {
    params: { ...DEFAULT_PARAMS, logit_bias: {}, order: [...HF_ORDER], dry_sequence_breakers: [...DEFAULT_PARAMS.dry_sequence_breakers] },
    seed: 0,
    maxNewTokens: PARAM_SPECS.max_new_tokens.default,
    stop: [],
    prompt: '',
    paramErrors: {},
    setParam: (name, value) => {
      try {
        checkParam(name, value);
      } catch (error) {
        return refuse(name, error);
      }
      set({ params: { ...get().params, [name]: value }, paramErrors: accept(name) });
      return true;
    },
    setParamText: (name, text) => {
      let value: number;
      try {
        value = parseParamValue(name, text);
      } catch (error) {
        return refuse(name, error);
      }
      if (name === 'seed') return get().setSeed(value);
      if (name === 'max_new_tokens') return get().setMaxNewTokens(value);
      if (name === 'num_beams' || name === 'length_penalty' || name === 'num_return_sequences') return get().setBeamParam(name, value);
      return get().setParam(name, value);
    },
    setDoSample: (do_sample) => set({ params: { ...get().params, do_sample } }),
    setOrder: (order) => set({ params: { ...get().params, order: [...order] } }),
    moveWarper: (name, delta) => {
      // A partial order runs the rest after it: moving one of those makes the whole order explicit.
      const order = completeOrder(get().params.order);
      const i = order.indexOf(name);
      const j = i + delta;
      if (i < 0 || j < 0 || j >= order.length) return;
      [order[i], order[j]] = [order[j], order[i]];
      set({ params: { ...get().params, order } });
    },
    setLogitBiasText: (text) => {
      try {
        const logit_bias = parseLogitBias(text);
        const vocab = get().loaded?.vocabSize;
        const outside = Object.keys(logit_bias).map(Number).find((id) => vocab !== undefined && id >= vocab);
        if (outside !== undefined) throw new SamplingParamError('logit_bias', outside, { kind: 'tokenIds', vocabSize: vocab });
        set({ params: { ...get().params, logit_bias }, paramErrors: accept('logit_bias') });
        return true;
      } catch (error) {
        return refuse('logit_bias', error);
      }
    },
    setDryBreakers: (breakers) => {
      try {
        checkBreakers(breakers);
      } catch (error) {
        return refuse('dry_sequence_breakers', error);
      }
      set({ params: { ...get().params, dry_sequence_breakers: [...breakers] }, paramErrors: accept('dry_sequence_breakers') });
      return true;
    },
    setSeed: (seed) => {
      try {
        checkParam('seed', seed);
      } catch (error) {
        return refuse('seed', error);
      }
      set({ seed, paramErrors: accept('seed') });
      return true;
    },
    rerollSeed: () => set({ seed: randomSeed(), paramErrors: accept('seed') }),
    setMaxNewTokens: (n) => {
      try {
        checkParam('max_new_tokens', n);
        const context = get().loaded?.contextLength;
        if (context !== undefined && n > context) throw new SamplingParamError('max_new_tokens', n, { kind: 'context', max: context });
      } catch (error) {
        return refuse('max_new_tokens', error);
      }
      set({ maxNewTokens: n, paramErrors: accept('max_new_tokens') });
      return true;
    },
    setPrompt: (prompt) => set({ prompt }),
    addStop: (stop) => {
      const stops = get().stop;
      if (stop === '' || stops.includes(stop)) return;
      if (stops.length >= MAX_STOP_SEQUENCES) {
        refuse('stop', new SamplingParamError('stop', stop, { kind: 'stopCount', max: MAX_STOP_SEQUENCES }));
        return;
      }
      set({ stop: [...stops, stop], paramErrors: accept('stop') });
    },
    removeStop: (stop) => set({ stop: get().stop.filter((s) => s !== stop) }),
    applyPreset: (name) => {
      const preset = PRESETS.find((p) => p.name === name);
      if (preset) {
        set({
          params: { ...preset.params, logit_bias: { ...get().params.logit_bias }, order: [...preset.params.order], dry_sequence_breakers: [...preset.params.dry_sequence_breakers] },
          paramErrors: {},
        });
      }
    },
  };
};

const generationSlice: StateCreator<Store, [], [], GenerationSlice> = (set, get) => ({
  genState: 'idle',
  genError: null,
  runs: {},
  runOrder: [],
  currentRunId: null,
  selectedStep: null,
  stepLogits: null,
  activeRequest: null,
  engineSession: 0,
  engineRunIds: {},
  stepping: false,
  runCounter: 0,
  selectStep: (selectedStep) => set({ selectedStep, stepLogits: selectedStep === null ? null : get().stepLogits, beamFocus: null }),
  openRun: (runId) => set({ currentRunId: runId, selectedStep: null, stepLogits: null, beamFocus: null }),
  setStepLogits: (stepLogits) => set({ stepLogits }),
  closeRun: (runId) => {
    const state = get();
    const { [runId]: _closed, ...runs } = state.runs;
    const runOrder = state.runOrder.filter((id) => id !== runId);
    const engineRunIds = Object.fromEntries(Object.entries(state.engineRunIds).filter(([, id]) => id !== runId));
    const current = state.currentRunId === runId ? runOrder[runOrder.length - 1] ?? null : state.currentRunId;
    set({ runs, runOrder, engineRunIds, currentRunId: current, ...(state.currentRunId === runId ? { selectedStep: null, stepLogits: null, beamFocus: null } : {}) });
  },
  importRuns: (imported) => {
    const state = get();
    const newIds = new Map<number, number>();
    for (const r of imported) if (!newIds.has(r.runId)) newIds.set(r.runId, pageRunId++);
    const runs = { ...state.runs };
    const added: number[] = [];
    // Imported runs are numbered on after the page's own, so no two runs in the list share a label.
    let runCounter = state.runCounter;
    for (const r of imported) {
      const runId = newIds.get(r.runId)!;
      if (runs[runId]) continue; // a file that repeats a run id: its first run stands
      // A parent that is not in the file is not in the page either: the branch becomes a run of its own.
      const parentRunId = r.parentRunId !== undefined ? newIds.get(r.parentRunId) : undefined;
      const { engineRun: _none, parentRunId: _old, branchStep, ...rest } = r;
      runs[runId] = {
        ...rest, runId, label: ++runCounter, imported: true, steps: r.steps.map((s) => ({ ...s, runId })),
        ...(parentRunId !== undefined && parentRunId !== runId ? { parentRunId, branchStep } : {}),
      };
      added.push(runId);
    }
    // While a run streams in it stays on screen; the imported runs wait in the history.
    const show = state.activeRequest === null && added.length > 0;
    set({
      runs, runOrder: [...state.runOrder, ...added], runCounter,
      ...(show ? { currentRunId: added[0], selectedStep: null, stepLogits: null, beamFocus: null } : {}),
    });
    return added;
  },
  setActiveRequest: (activeRequest, genState, stepping = false) => set({ activeRequest, genState, genError: null, stepping }),
  appendSteps: (requestId, steps) => {
    if (requestId !== get().activeRequest || steps.length === 0) return;
    const ids = get().engineRunIds;
    const runs = { ...get().runs };
    for (const step of steps) {
      const runId = ids[step.runId];
      const run = runId !== undefined ? runs[runId] : undefined;
      if (!run) continue;
      runs[runId] = { ...run, steps: [...run.steps, { ...step, runId }], text: run.text + step.textDelta };
    }
    set({ runs });
  },
  handleEngineEvent: (event) => {
    const state = get();
    switch (event.type) {
      case 'progress':
        if (event.requestId !== state.loadRequest) break;
        set({ progress: { ...state.progress, [event.file]: { loaded: event.loaded, total: event.total } } });
        break;
      case 'loaded': {
        // A reload after a lost device answers the request that loaded the model; any other load's answer is stale.
        if (event.requestId !== state.loadRequest) break;
        const ref = state.loadingRef ?? state.loadedRef ?? state.modelRef;
        const outside = biasIdsOutside(state.params.logit_bias, event.vocabSize);
        set({
          modelStatus: 'ready', modelError: null, failedRef: null, modelNotice: event.notice ? engineNotice(event.notice) : null,
          genState: state.genState === 'loading' ? afterLoading(state) : state.genState, modelRef: ref, loadedRef: ref, loadingRef: null,
          // A new worker pair: the runs of the one before it, and their logits, are gone with it.
          engineSession: state.engineSession + 1, engineRunIds: {},
          loaded: {
            modelId: event.modelId, device: event.device, threads: event.threads, dtype: event.dtype, dtypes: event.dtypes, vocabSize: event.vocabSize,
            contextLength: event.contextLength, deviceReason: event.deviceReason, ...(event.adapter ? { adapter: event.adapter } : {}),
          },
          dtypesAvailable: event.dtypes,
        });
        if (outside.length > 0) {
          // Ids the model lacks are refused as soon as the model is known, not at Generate.
          const kept = Object.fromEntries(Object.entries(state.params.logit_bias).filter(([id]) => Number(id) < event.vocabSize));
          set({ params: { ...get().params, logit_bias: kept } });
          get().notify({
            key: 'notices.biasOutside', params: { pairs: outside.map((id) => `${id}:${state.params.logit_bias[id]}`).join(',') },
            why: { kind: 'tokenIds', vocabSize: event.vocabSize },
          });
        }
        break;
      }
      case 'runStarted': {
        if (event.requestId !== state.activeRequest) break;
        const parentId = event.parentRunId !== undefined ? state.engineRunIds[event.parentRunId] : undefined;
        const parent = parentId !== undefined ? state.runs[parentId] : undefined;
        const run: RunView = {
          runId: pageRunId++, prompt: parent?.prompt ?? state.prompt, promptIds: event.promptIds, params: state.params,
          seed: state.seed, steps: [], text: '', reason: null, engineRun: { session: state.engineSession, runId: event.runId },
          ...(parent ? { parentRunId: parent.runId, branchStep: event.branchStep } : {}),
          ...(event.beam ? { beam: { options: { ...event.beam }, steps: [], hypotheses: [], reason: null } } : {}),
        };
        // Continuing a run one Step at a time replaces it in the history instead of piling up copies.
        const continued = parent && parent.steps.length === event.branchStep && parent.parentRunId === undefined;
        const runOrder = continued ? state.runOrder.map((id) => (id === parent.runId ? run.runId : id)) : [...state.runOrder, run.runId];
        let runCounter = state.runCounter;
        if (continued) {
          run.parentRunId = undefined;
          run.branchStep = undefined;
          run.label = parent.label ?? parent.runId;
        } else {
          run.label = ++runCounter;
        }
        set({
          runs: { ...state.runs, [run.runId]: run }, runOrder, runCounter, currentRunId: run.runId, selectedStep: null, stepLogits: null, beamFocus: null,
          engineRunIds: { ...state.engineRunIds, [event.runId]: run.runId },
        });
        break;
      }
      case 'step':
        break; // batched by the bridge into appendSteps
      case 'done': {
        if (event.requestId !== state.activeRequest) break;
        const runId = state.engineRunIds[event.runId];
        const run = runId !== undefined ? state.runs[runId] : undefined;
        const runs = run ? { ...state.runs, [runId]: { ...run, text: event.text, reason: event.reason } } : state.runs;
        // A Step ends its one-token request at max_new_tokens; the run itself goes on until the user's limit.
        const paused = state.stepping && event.reason === 'max_new_tokens' && run !== undefined && run.steps.length < state.maxNewTokens;
        set({ runs, genState: paused ? 'paused' : 'done', activeRequest: null, stepping: false });
        break;
      }
      case 'notice':
        set({ modelNotice: engineNotice(event.message) });
        break;
      case 'error': {
        const problem = engineError(event.code, event.message, event.details);
        if (event.requestId === state.loadRequest && state.modelStatus === 'loading') {
          // Shown once, by the model panel, with Retry; a model loaded before keeps working and the picker and the link go back to it.
          const genState = state.genState === 'loading' ? 'idle' : state.genState;
          const failedRef = state.loadingRef ?? state.modelRef;
          // A precision the model lacks: the picker offers the ones it has.
          const available = event.details ? { dtypesAvailable: event.details.available } : {};
          if (state.loaded && state.loadedRef !== null) {
            set({ modelStatus: 'ready', modelRef: state.loadedRef, loadingRef: null, modelError: problem, failedRef, genState, progress: {}, ...available });
          } else {
            set({ modelStatus: 'error', loadingRef: null, modelError: problem, failedRef, genState, progress: {}, ...available });
          }
        } else if (event.requestId === state.activeRequest || event.requestId === 0) {
          set({ genState: 'error', genError: problem, activeRequest: null, stepping: false });
        }
        break;
      }
      case 'workerRestarted': {
        const run = state.currentRunId !== null ? state.runs[state.currentRunId] : undefined;
        const interrupted = event.runRequestId !== null && event.runRequestId === state.activeRequest;
        const runs = interrupted && run && run.reason === null ? { ...state.runs, [run.runId]: { ...run, reason: 'interrupted' as const } } : state.runs;
        const reloading = event.reloadRequestId !== null;
        set({
          runs,
          ...(interrupted ? { activeRequest: null, genState: reloading ? 'loading' as const : 'done' as const } : {}),
          ...(reloading ? { modelStatus: 'loading' as const, loadRequest: event.reloadRequestId, loadingRef: state.loadedRef ?? state.modelRef, progress: {} } : {}),
        });
        state.notify({
          key: `notices.${event.worker}Restarted${interrupted && run ? 'Run' : ''}`,
          params: { run: run?.label ?? run?.runId ?? 0, steps: run?.steps.length ?? 0 },
        });
        break;
      }
      case 'beamSteps':
      case 'beamDone':
        state.handleBeamEvent(event);
        break;
      case 'stepLogits':
      case 'tokenTexts':
      case 'beamNode':
      case 'pong':
      case 'webgpuFailed':
      case 'tokenMatches':
      case 'promptLogits':
        break;
      case 'compareStarted':
      case 'compareSteps':
      case 'compareRowDone':
      case 'compareDone':
        state.handleCompareEvent(event);
        break;
      default: {
        const unknown: never = event;
        throw new Error(`unhandled engine event ${JSON.stringify(unknown)}`);
      }
    }
  },
});

const uiSlice: StateCreator<Store, [], [], UiSlice> = (set, get) => ({
  lang: 'en',
  classroom: false,
  mode: 'model',
  notices: [],
  linkTooBig: null,
  toyTokens: TOY_DEFAULT_LABELS.en.map((label, i) => ({ label, logit: TOY_DEFAULT_LOGITS[i] })),
  toyBias: {},
  // A phone opens with the prompt and Generate in view and the settings folded away.
  controlsOpen: typeof matchMedia !== 'function' || !matchMedia('(max-width: 700px)').matches,
  spotlight: null,
  setSpotlight: (spotlight) => set({ spotlight }),
  tokenNames: {},
  nameTokens: (names) => set({ tokenNames: { ...get().tokenNames, ...names } }),
  setLang: (lang) => set({ lang }),
  setClassroom: (classroom) => set({ classroom }),
  setMode: (mode) => set({ mode }),
  notify: (message) => set({ notices: [...get().notices, { ...message, id: noticeId++ }] }),
  dismiss: (id) => set({ notices: get().notices.filter((n) => n.id !== id) }),
  setToyTokens: (toyTokens) => {
    // A removed toy token takes its bias with it; the ones after it move up one index.
    const old = get().toyTokens;
    const toyBias: Record<number, number> = {};
    if (toyTokens.length < old.length) {
      const removed = old.findIndex((x, i) => toyTokens[i] !== x);
      for (const [k, v] of Object.entries(get().toyBias)) {
        const i = Number(k);
        if (i !== removed) toyBias[i > removed ? i - 1 : i] = v;
      }
    } else Object.assign(toyBias, get().toyBias);
    set({ toyTokens, toyBias });
  },
  setToyBias: (toyBias) => set({ toyBias }),
  setControlsOpen: (controlsOpen) => set({ controlsOpen }),
  biasToken: (id, bias) => {
    if (get().mode === 'toy') {
      const { [id]: _gone, ...rest } = get().toyBias;
      set({ toyBias: bias === null ? rest : { ...rest, [id]: bias } });
      return;
    }
    const { [id]: _gone, ...rest } = get().params.logit_bias;
    const { logit_bias: _refused, ...paramErrors } = get().paramErrors;
    set({ params: { ...get().params, logit_bias: bias === null ? rest : { ...rest, [id]: bias } }, paramErrors });
  },
});

export const useStore = create<Store>()((...a) => ({
  ...modelSlice(...a),
  ...samplingSlice(...a),
  ...generationSlice(...a),
  ...uiSlice(...a),
  ...beamSlice(...a),
  ...compareSlice(...a),
  ...sweepSlice(...a),
}));

export { HF_ORDER, LLAMA_CPP_ORDER };

/** What the run panel says once a model is ready: a run a worker's restart interrupted still says so. */
function afterLoading(state: { currentRunId: number | null; runs: Record<number, { reason: string | null } | undefined> }): GenState {
  const run = state.currentRunId !== null ? state.runs[state.currentRunId] : undefined;
  return run?.reason === 'interrupted' ? 'done' : 'idle';
}

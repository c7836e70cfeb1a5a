// The one zustand store, built from slices: model, sampling, generation (runs, branches, the inspected step),
// and ui (language, mode, notices, toy distribution). Actions live beside their state; components only read
// fields and call actions.
import { create, type StateCreator } from 'zustand';
import {
  DEFAULT_PARAMS, LLAMA_CPP_ORDER, HF_ORDER, MAX_STOP_SEQUENCES, PARAM_SPECS, SamplingParamError, checkParam,
  parseParamValue, type ParamName, type SamplingParamName, type SamplingParams, type WarperName,
} from '../core';
import type { Dtype, EngineEvent, ErrorCode, LoadErrorDetails, StepEvent } from '../engine/protocol';
import { BUNDLED_MODEL_ID } from '../engine/catalog';
import { PRESETS, type PresetName } from './presets';
import { parseLogitBias, refusalOf } from './urlState';
import { sweepSlice, type SweepSlice } from './sweepSlice';
import type { GenState, LoadedInfo, Notice, Refusal, RunView, StepLogitsView, TeachingPoint, ToyToken, UserMessage } from './types';

export interface ModelSlice {
  modelRef: string;
  /** The weights' precision asked for (a link's dtype, the picker); null: the model's default. */
  dtype: string | null;
  /** The precisions the model last loaded or refused has. */
  dtypesAvailable: Dtype[];
  modelStatus: 'idle' | 'loading' | 'ready' | 'error';
  progress: Record<string, { loaded: number; total: number }>;
  loaded: LoadedInfo | null;
  modelError: UserMessage | null;
  modelNotice: UserMessage | null;
  chat: boolean;
  teachingPoints: TeachingPoint[];
  setModelRef(ref: string): void;
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
  selectStep(step: number | null): void;
  openRun(runId: number): void;
  setStepLogits(view: StepLogitsView | null): void;
  importRuns(runs: RunView[]): void;
  handleEngineEvent(event: EngineEvent): void;
  appendSteps(requestId: number, steps: StepEvent[]): void;
  setActiveRequest(id: number | null, state: GenState): void;
}

export interface UiSlice {
  lang: 'en' | 'zh';
  classroom: boolean;
  mode: 'model' | 'toy' | 'sweep';
  notices: Notice[];
  toyTokens: ToyToken[];
  setLang(lang: 'en' | 'zh'): void;
  setClassroom(on: boolean): void;
  setMode(mode: 'model' | 'toy' | 'sweep'): void;
  notify(message: UserMessage): void;
  dismiss(id: number): void;
  setToyTokens(tokens: ToyToken[]): void;
}

export type Store = ModelSlice & SamplingSlice & GenerationSlice & UiSlice & SweepSlice;

let noticeId = 1;

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
  progress: {},
  loaded: null,
  modelError: null,
  modelNotice: null,
  chat: false,
  teachingPoints: [],
  setModelRef: (modelRef) => set({ modelRef }),
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
    params: { ...DEFAULT_PARAMS, logit_bias: {}, order: [...HF_ORDER] },
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
      return get().setParam(name, value);
    },
    setDoSample: (do_sample) => set({ params: { ...get().params, do_sample } }),
    setOrder: (order) => set({ params: { ...get().params, order: [...order] } }),
    moveWarper: (name, delta) => {
      const order = [...get().params.order];
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
      if (preset) set({ params: { ...preset.params, logit_bias: { ...get().params.logit_bias }, order: [...preset.params.order] }, paramErrors: {} });
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
  selectStep: (selectedStep) => set({ selectedStep, stepLogits: selectedStep === null ? null : get().stepLogits }),
  openRun: (runId) => set({ currentRunId: runId, selectedStep: null, stepLogits: null }),
  setStepLogits: (stepLogits) => set({ stepLogits }),
  importRuns: (runs) => {
    const map: Record<number, RunView> = {};
    for (const r of runs) map[r.runId] = r;
    set({ runs: map, runOrder: runs.map((r) => r.runId), currentRunId: runs[0]?.runId ?? null, selectedStep: null, genState: 'done', genError: null });
  },
  setActiveRequest: (activeRequest, genState) => set({ activeRequest, genState, genError: null }),
  appendSteps: (requestId, steps) => {
    if (requestId !== get().activeRequest || steps.length === 0) return;
    const runs = { ...get().runs };
    for (const step of steps) {
      const run = runs[step.runId];
      if (!run) continue;
      runs[step.runId] = { ...run, steps: [...run.steps, step], text: run.text + step.textDelta };
    }
    set({ runs });
  },
  handleEngineEvent: (event) => {
    const state = get();
    switch (event.type) {
      case 'progress':
        set({ progress: { ...state.progress, [event.file]: { loaded: event.loaded, total: event.total } } });
        break;
      case 'loaded':
        set({
          modelStatus: 'ready', modelError: null, modelNotice: event.notice ? engineNotice(event.notice) : null, genState: 'idle',
          loaded: { modelId: event.modelId, device: event.device, threads: event.threads, dtype: event.dtype, dtypes: event.dtypes, vocabSize: event.vocabSize, contextLength: event.contextLength },
          dtypesAvailable: event.dtypes,
        });
        break;
      case 'runStarted': {
        if (event.requestId !== state.activeRequest) break;
        const parent = event.parentRunId !== undefined ? state.runs[event.parentRunId] : undefined;
        const run: RunView = {
          runId: event.runId, prompt: parent?.prompt ?? state.prompt, promptIds: event.promptIds, params: state.params,
          seed: state.seed, steps: [], text: '', reason: null,
          ...(event.parentRunId !== undefined ? { parentRunId: event.parentRunId, branchStep: event.branchStep } : {}),
        };
        // Continuing a run one Step at a time replaces it in the history instead of piling up copies.
        const continued = parent && parent.steps.length === event.branchStep && parent.parentRunId === undefined;
        const runOrder = continued ? state.runOrder.map((id) => (id === parent.runId ? run.runId : id)) : [...state.runOrder, run.runId];
        if (continued) {
          run.parentRunId = undefined;
          run.branchStep = undefined;
        }
        set({ runs: { ...state.runs, [run.runId]: run }, runOrder, currentRunId: run.runId, selectedStep: null, stepLogits: null });
        break;
      }
      case 'step':
        break; // batched by the bridge into appendSteps
      case 'done': {
        if (event.requestId !== state.activeRequest) break;
        const run = state.runs[event.runId];
        const runs = run ? { ...state.runs, [event.runId]: { ...run, text: event.text, reason: event.reason } } : state.runs;
        set({ runs, genState: 'done', activeRequest: null });
        break;
      }
      case 'notice':
        set({ modelNotice: engineNotice(event.message) });
        break;
      case 'error':
        if (state.modelStatus === 'loading' && event.requestId !== state.activeRequest) {
          const problem = engineError(event.code, event.message, event.details);
          set({ modelStatus: 'error', modelError: problem, genState: 'error', genError: problem, ...(event.details ? { dtypesAvailable: event.details.available } : {}) });
        } else {
          set({ genState: 'error', genError: engineError(event.code, event.message), activeRequest: null });
        }
        break;
      case 'stepLogits':
      case 'tokenTexts':
      case 'promptLogits':
      case 'sweepBatchDone':
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
  toyTokens: [
    { label: 'sunny', logit: 3.0 },
    { label: 'cloudy', logit: 2.5 },
    { label: 'overcast', logit: 2.0 },
    { label: 'rainy', logit: 1.0 },
  ],
  setLang: (lang) => set({ lang }),
  setClassroom: (classroom) => set({ classroom }),
  setMode: (mode) => set({ mode }),
  notify: (message) => set({ notices: [...get().notices, { ...message, id: noticeId++ }] }),
  dismiss: (id) => set({ notices: get().notices.filter((n) => n.id !== id) }),
  setToyTokens: (toyTokens) => set({ toyTokens }),
});

export const useStore = create<Store>()((...a) => ({
  ...modelSlice(...a),
  ...samplingSlice(...a),
  ...generationSlice(...a),
  ...uiSlice(...a),
  ...sweepSlice(...a),
}));

export { HF_ORDER, LLAMA_CPP_ORDER };

// The store's shape: the interfaces of the slices that read or call each other (model, sampling, generation, ui,
// beam), and `Store`, all of them together. They live here, not beside their slices, because each of those slices
// is typed over the whole store: a slice file that declared its interface and imported `Store` would close an
// import circle with this file. Compare and sweep touch only their own state, so they keep their interfaces.
import type { StateCreator } from 'zustand';
import type { BeamParamName, ParamName, SamplingParamName, SamplingParams, WarperName } from '../core';
import type { BeamOptions, DevicePreference, Dtype, EngineEvent, StepEvent } from '../engine/protocol';
import type { CompareSlice } from './compareSlice';
import type { PresetName } from './presets';
import type { SweepSlice } from './sweepSlice';
import type {
  BeamFocus, GenState, LoadedInfo, Notice, Refusal, RunView, StepLogitsView, TeachingPoint, ToyToken, UserMessage,
} from './types';

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
  /** A load of `ref` at `dtype` is about to be sent: a pending question is answered, another model's precisions are forgotten. */
  prepareLoad(ref: string, dtype: string | null): void;
  /** A load was sent to the engine as `requestId`. */
  startLoad(ref: string, requestId: number): void;
  /** A model reference that names no catalog model, Hub repo or URL: nothing is loaded. */
  refuseModelRef(ref: string): void;
  /** A link's model on another host: the picker asks before anything is fetched from `host`. */
  askModelConfirm(ref: string, host: string): void;
  /** The download size the question about `ref` shows, once the host has answered (or not). */
  setModelConfirmBytes(ref: string, bytes: number | 'unknown'): void;
  clearModelConfirm(): void;
  /** A file of the newest load advanced. */
  loadProgress(file: string, loaded: number, total: number): void;
  /** The newest load's model is ready. */
  modelLoaded(event: Extract<EngineEvent, { type: 'loaded' }>): void;
  /** The newest load failed: a model loaded before stays (picker and link go back to it); `available`: the precisions the model has. */
  modelFailed(problem: UserMessage, available?: Dtype[]): void;
  /** The engine's word about the device (WebGPU missing, failed or lost; WASM used instead). */
  deviceNotice(message: string): void;
  /** A restarted worker reloads the model as `requestId`. */
  reloadStarted(requestId: number): void;
  setDtype(dtype: string | null): void;
  setChat(chat: boolean): void;
  setTeachingPoints(points: TeachingPoint[]): void;
}

/** Settings taken over whole from a run, a lane or a sweep point (the fields given; the rest stay). */
export type AdoptedSettings = Partial<Pick<SamplingSlice, 'prompt' | 'params' | 'seed' | 'maxNewTokens' | 'stop'>>;

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
  /** `clearRefusals`: the refused texts go too (the settings replace everything they were refused for). */
  adoptSettings(settings: AdoptedSettings, options?: { clearRefusals?: boolean }): void;
  /** A model with `vocabSize` tokens loaded: biases of ids it lacks are dropped, with a notice naming them. */
  dropBiasOutside(vocabSize: number): void;
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
  /** A beam tree's node opened in the step panel, with its row's logits for what-if. */
  showBeamNode(focus: BeamFocus, stepLogits: StepLogitsView): void;
  /** Adds runs from an export beside the others, with new ids; returns those ids. Never touches a live run. */
  importRuns(runs: RunView[]): number[];
  /** Every engine event goes through here: the run's own are handled here, the others handed to their slices. */
  handleEngineEvent(event: EngineEvent): void;
  appendSteps(requestId: number, steps: StepEvent[]): void;
  /** `stepping`: the request is one Step, so a run that stops short of max_new_tokens is paused, not done. */
  setActiveRequest(id: number | null, state: GenState, stepping?: boolean): void;
  /** A model load began: the run panel waits for it (a run in flight goes on). */
  waitForModel(): void;
  /** A run the page will not start, and why (shown by the run panel). */
  refuseRun(problem: UserMessage): void;
  /** Stop's fallback when the worker has not ended the run in time: the run shown ends as cancelled, with its steps. */
  endRunOnPage(): void;
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
  setLinkTooBig(tooBig: { size: number; max: number } | null): void;
  /** The page's state as a link gave it, at start: every slice's fields the link carries, in one write. */
  restoreFromLink(restored: RestoredFromLink): void;
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

export interface BeamSlice {
  beam: BeamOptions;
  beamFocus: BeamFocus | null;
  setBeamParam(name: BeamParamName, value: number): boolean;
  /** The beam settings taken over whole (a lane's, say), already checked where they came from. */
  setBeamOptions(beam: BeamOptions): void;
  setEarlyStopping(on: boolean): void;
  setBeamFocus(focus: BeamFocus | null): void;
  /** beamSteps and beamDone of the active request. */
  handleBeamEvent(event: Extract<EngineEvent, { type: 'beamSteps' | 'beamDone' }>): void;
}

/** What a link restores (urlState's shared state, under the store's names). */
export type RestoredFromLink = Partial<Pick<Store,
  'prompt' | 'modelRef' | 'dtype' | 'params' | 'seed' | 'maxNewTokens' | 'stop' | 'lang' | 'devicePref' | 'beam' | 'mode' | 'toyBias'
  | 'classroom' | 'toyTokens' | 'laneQueries' | 'samples' | 'compareOpen'>>;

export type Store = ModelSlice & SamplingSlice & GenerationSlice & UiSlice & BeamSlice & CompareSlice & SweepSlice;

/** A slice that reads or calls the others: it sees the whole store. */
export type SliceCreator<Slice> = StateCreator<Store, [], [], Slice>;

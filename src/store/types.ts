// Shapes the store keeps: runs as the UI sees them, teaching points, toy tokens, notices.
import type { ParamRule, SamplingParams } from '../core';
import type { BeamStopReason } from '../core';
import type { BeamHypothesisView, BeamOptions, BeamStepView, EngineEvent, FinishReason, StepEvent, StepLogits } from '../engine/protocol';

/** 'paused': a run grown by Step that can take more steps (it has not reached max_new_tokens or its end). */
export type GenState = 'idle' | 'loading' | 'running' | 'paused' | 'done' | 'error';

/** Where a run's raw logits live: run `runId` of the worker's generator in model session `session`. */
export interface EngineRunRef {
  session: number;
  runId: number;
}

export interface RunView {
  /** The page's own id, unique in the page whatever the worker's ids or an import's were. */
  runId: number;
  /** The number the history shows: a run grown by Step keeps its number although the engine gives each Step a new id. */
  label?: number;
  parentRunId?: number;
  branchStep?: number;
  prompt: string;
  promptIds: number[];
  params: SamplingParams;
  seed: number;
  steps: StepEvent[];
  text: string;
  reason: FinishReason | null;
  /** The worker's run, whose logits what-if and branching use; absent for an imported run. */
  engineRun?: EngineRunRef;
  /** Opened from an export: no logits, no branching, never written to by a live run. */
  imported?: boolean;
  /** A beam run: its settings and tree; `steps` are then its winner's steps and `text` the best hypothesis's. */
  beam?: BeamRunView;
}

export interface BeamRunView {
  options: BeamOptions;
  steps: BeamStepView[];
  /** Best first; empty until the run ends. */
  hypotheses: BeamHypothesisView[];
  reason: BeamStopReason | null;
}

/** A node of a beam tree opened in the step panel: its step as an event (the panel shows it instead of the run's own step). */
export interface BeamFocus {
  runId: number;
  step: number;
  /** Index of the parent beam among the beams that entered the step. */
  source: number;
  tokenId: number;
  event: StepEvent;
}

/** What the worker said about the loaded model (the protocol's 'loaded' event, minus routing fields). */
export type LoadedInfo = Pick<Extract<EngineEvent, { type: 'loaded' }>, 'modelId' | 'device' | 'threads' | 'dtype' | 'dtypes' | 'vocabSize' | 'contextLength' | 'deviceReason' | 'adapter'>;

export interface TeachingPoint {
  prompt: string;
  lang: 'en' | 'zh';
  next: Record<string, number>;
}

export interface ToyToken {
  label: string;
  logit: number;
}

/** Why a value was refused: the core's rule as data (worded in the page's language when shown), or a text. */
export type Refusal = ParamRule | { kind: 'text'; text: string };

/**
 * A message for the user, by i18n key so it follows the language switch. `why` fills the key's {{why}};
 * `detail` is the engine's own explanation (file names, sizes, in English), shown after it.
 */
export interface UserMessage {
  key: string;
  params?: Record<string, string | number>;
  why?: Refusal;
  detail?: string;
}

export interface Notice extends UserMessage {
  id: number;
}

/** The step panel's step logits under the page's run id; a beam node's carry no DRY breakers (missing: no token breaks a match). */
export type StepLogitsView = { runId: number; step: number } & Omit<StepLogits, 'dryBreakerIds'> & Partial<Pick<StepLogits, 'dryBreakerIds'>>;

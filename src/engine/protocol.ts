// The typed message protocol between the main thread (client) and the inference worker.
// Every message carries `type`; both sides switch on it exhaustively.
import type { SamplingParams, StageView } from '../core/types';
import type { TokenFate } from '../core/pipeline';
import type { TokenizerOptions } from './modelLoader';
import type { DrawnStep, ObservedRun } from './stepObserver';

export type Device = 'webgpu' | 'wasm';
export type DevicePreference = 'auto' | Device;
export type Dtype = 'fp32' | 'fp16' | 'q8' | 'q4' | 'int8' | 'uint8' | 'q4f16';

/** What a refused precision was and which ones the model has, for a message in the page's language. */
export interface LoadErrorDetails {
  dtype: string;
  available: Dtype[];
}

/** Where a model comes from: the catalog, any Hub repo id, or a URL of a folder in the Hub layout. */
export type ModelSource =
  | { kind: 'catalog'; id: string }
  | { kind: 'hub'; repo: string }
  | { kind: 'url'; url: string };

export interface GenerateSettings {
  prompt: string;
  params: SamplingParams;
  seed: number;
  max_new_tokens: number;
  stop: string[];
  ignore_eos: boolean;
  /** Apply the model's chat template (chat models only); false = raw completion. */
  chat: boolean;
  /** How many top tokens each stage view carries. */
  topN: number;
}

/**
 * Continue an earlier run from step `step` (0-based): its tokens before that step are kept, and `tokenId` is
 * forced at `step`; without tokenId the step is drawn as usual (continuing a run one Step at a time).
 */
export interface BranchPoint {
  runId: number;
  step: number;
  tokenId?: number;
}

export type EngineRequest =
  | {
      type: 'load';
      requestId: number;
      source: ModelSource;
      device: DevicePreference;
      /** Weights' precision; a name the model lacks is refused with the list it has. Absent: the model's default. */
      dtype?: string;
      /** WASM threads; fixed by the first load of a worker (onnxruntime starts its thread pool once). */
      threads?: number;
      /** A Hub mirror (self-hosted, classroom, tests) instead of the real Hub. */
      hubHost?: string;
    }
  | { type: 'generate'; requestId: number; settings: GenerateSettings; branch?: BranchPoint; singleStep?: boolean }
  /** Lanes and their samples on one prompt, advanced together as one batch (see BatchGenerator.ts). */
  | { type: 'compare'; requestId: number; prompt: string; chat: boolean; rows: CompareRow[]; forceSequential?: boolean }
  | { type: 'cancel'; requestId: number }
  | { type: 'getStepLogits'; requestId: number; runId: number; step: number }
  | { type: 'decodeTokens'; requestId: number; ids: number[] }
  /** Tokens whose text matches `query` (see tokenSearch.ts), best first. */
  | { type: 'findTokens'; requestId: number; query: string; limit: number }
  /** The port to the step observer's worker (see stepObserver.ts); null when that worker failed. */
  | { type: 'attachObserver'; requestId: number; port: MessagePort | null };

/** One row of a comparison: sample `sample` of lane `lane`, with its own settings and seed. */
export interface CompareRow {
  lane: number;
  sample: number;
  params: SamplingParams;
  seed: number;
  max_new_tokens: number;
  stop: string[];
  ignore_eos: boolean;
}

/** A row's token at one step of a comparison, with what its run metrics need. */
export interface CompareStep {
  row: number;
  step: number;
  tokenId: number;
  /** The token's own text (for chips and the tree). */
  tokenText: string;
  textDelta: string;
  /** p_final(token): the probability it had under the distribution the row sampled from (1 when greedy). */
  probability: number;
  logprobRaw: number;
  logprobSampled: number;
  entropyRaw: number;
}

/** batched: all rows in one forward pass a step; sequential: the model could not batch, rows ran one after another. */
export type CompareMode = 'batched' | 'sequential';

export interface StepTimings {
  forwardMs: number;
  /** The chain that draws the token, on the decode path. */
  pipelineMs: number;
  /** The chain re-run with its observer for the stage views, fates and labels (off the decode path in a browser). */
  observeMs: number;
}

export interface StepEvent {
  runId: number;
  step: number;
  tokenId: number;
  /** Decoded text of this one token alone (for labels; may be a partial character). */
  tokenText: string;
  /** Text newly safe to show after this step (UTF-8-complete, stop-suffix held back). */
  textDelta: string;
  views: StageView[];
  /** The top tokens' raw and final probabilities and the stage that cut each. */
  fates: TokenFate[];
  /** Entropy (nats) of the final distribution. */
  entropy: number;
  /** Final probability of the drawn token, and its rank (0 = most probable). */
  probability: number;
  rank: number;
  greedyId: number;
  /** id → decoded text for every id that appears in `views`. */
  tokenTexts: Record<number, string>;
  timings: StepTimings;
}

/** StepEvents as the worker posts them, a batch at a time (stepWire.ts packs and unpacks them). */
export interface PackedSteps {
  /** Per step: header, views, fates, then the ids of the step's token texts and the ids whose text travels in `strings`. */
  numbers: Float64Array;
  /** Per step: the token's own text, the text delta, then the texts this step sends for the first time. */
  strings: string[];
  count: number;
}

export type FinishReason = 'eos' | 'stop' | 'max_new_tokens' | 'cancelled' | 'context_full';

export type ErrorCode =
  | 'not_found'
  | 'network'
  | 'unsupported_architecture'
  | 'too_large'
  | 'device_lost'
  | 'busy'
  | 'invalid_params'
  | 'not_loaded'
  | 'dtype_unavailable'
  | 'internal';

export type EngineEvent =
  | { type: 'progress'; requestId: number; file: string; loaded: number; total: number }
  | {
      type: 'loaded';
      requestId: number;
      modelId: string;
      device: Device;
      threads: number;
      dtype: Dtype;
      /** The precisions the model has, for the picker. */
      dtypes: Dtype[];
      vocabSize: number;
      contextLength: number;
      eosIds: number[];
      /** Shown when the preferred device was unavailable or lost. */
      notice?: string;
    }
  | { type: 'runStarted'; requestId: number; runId: number; promptIds: number[]; parentRunId?: number; branchStep?: number }
  | { type: 'step'; requestId: number; event: StepEvent }
  | {
      type: 'done';
      requestId: number;
      runId: number;
      reason: FinishReason;
      text: string;
      /** Per step, the worker's time to pack the step and hand it to postMessage: the messaging cost on the decode path. */
      messagingMs: number[];
      /** Whether the step observer's worker built the steps' views (off the decode path) or this worker did. */
      observedApart: boolean;
    }
  | {
      type: 'stepLogits';
      requestId: number;
      runId: number;
      step: number;
      logits: Float32Array;
      promptIds: number[];
      generatedIds: number[];
      /** DRY's breakers of the run's settings as token ids (the page cannot resolve strings without the vocabulary). */
      dryBreakerIds: number[];
    }
  | { type: 'tokenTexts'; requestId: number; texts: Record<number, string> }
  | { type: 'compareStarted'; requestId: number; promptIds: number[]; mode: CompareMode; why?: string }
  | { type: 'compareSteps'; requestId: number; steps: CompareStep[] }
  | { type: 'compareRowDone'; requestId: number; row: number; reason: FinishReason; text: string }
  | { type: 'compareDone'; requestId: number; mode: CompareMode; ms: number }
  | { type: 'tokenMatches'; requestId: number; query: string; matches: { id: number; text: string }[] }
  | { type: 'notice'; requestId: number; message: string }
  | { type: 'error'; requestId: number; code: ErrorCode; message: string; details?: LoadErrorDetails };

/**
 * What the worker posts: the events above, except that steps travel packed and in batches (each message wakes
 * the main thread, which costs the worker more than a step's sampling); the client unpacks them into 'step' events.
 */
export type WorkerMessage = Exclude<EngineEvent, { type: 'step' }> | { type: 'steps'; requestId: number; batch: PackedSteps };

/** Engine worker → step observer worker, over the port the client links them with. */
export type ObserverRequest =
  | { type: 'load'; loadId: number; tokenizer: TokenizerOptions }
  | { type: 'run'; requestId: number; run: ObservedRun }
  | { type: 'steps'; requestId: number; steps: DrawnStep[] }
  /** A message of the run (runStarted, done, error), posted to the page in order with the run's steps. */
  | { type: 'relay'; message: WorkerMessage };

/** Step observer worker → engine worker: whether it can label the loaded model's tokens. */
export type ObserverReply = { type: 'ready'; loadId: number } | { type: 'unavailable'; loadId: number; message: string };

/** The client → step observer worker: its port to the engine. */
export interface ObserverSetup { type: 'engine'; port: MessagePort }

/**
 * Steps reach the page at most once per this many ms, a run's first step at once. The page draws steps four times
 * a second anyway, and every message wakes the main thread, which on a busy machine can stall the worker for
 * milliseconds (measured: 0.1–6 ms per message against ~1 ms per step of the bundled model). A slow model's
 * steps each go alone.
 */
export const STEP_BATCH_MS = 50;

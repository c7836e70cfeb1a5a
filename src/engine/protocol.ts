// The typed message protocol between the main thread (client) and the inference worker.
// Every message carries `type`; both sides switch on it exhaustively.
// A leaf of the engine: it imports core types only, and every other engine module, the client and the store
// import their shared types from here.
import type { SamplingParams, StageView } from '../core/types';
import type { BeamOptions, BeamStopReason, HypothesisEnd } from '../core/beam';
import type { TokenFate } from '../core/pipeline';

export type Device = 'webgpu' | 'wasm';
export type DevicePreference = 'auto' | Device;

/**
 * Why the model runs on the device it runs on (the page words it): `auto` took a hardware WebGPU adapter, or WASM
 * because there was no WebGPU or only a software fallback adapter (SwiftShader runs ~24× slower than WASM); the
 * device was forced (device=… in the link); or WebGPU was asked for and was missing, failed or was lost.
 */
export type DeviceReason =
  | 'auto-hardware' | 'auto-fallback-adapter' | 'auto-no-webgpu' | 'forced' | 'webgpu-missing' | 'webgpu-failed' | 'webgpu-lost';
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

/** What finds a model's tokenizer again (the step observer's worker loads its own, from the browser's cache). */
export interface TokenizerOptions {
  source: ModelSource;
  /** The precision asked for (from a link, say): a name the model may not have, refused with the ones it has. */
  dtype?: string;
  /** Folder that holds bundled models (browser: '/models/'; Node: a path). */
  localModelPath: string;
  /** Hub mirror for tests and classrooms; the real Hub otherwise. */
  hubHost?: string;
}

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

export type { BeamOptions };

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
      /** A download with no new bytes for this long fails as 'stalled' (default 30 s). */
      stallMs?: number;
      /** The first run id this worker gives out, so runs of a reloaded or restarted worker never reuse the page's ids. */
      firstRunId?: number;
      /** Why this load happens on this device when the page decided it (WebGPU failed in an earlier worker). */
      carried?: { reason: DeviceReason; notice: string };
    }
  | { type: 'generate'; requestId: number; settings: GenerateSettings; branch?: BranchPoint; singleStep?: boolean }
  /** A beam search: all beams advance as one batch through the model (SAMPLING.md "Beam search"). */
  | { type: 'beamSearch'; requestId: number; settings: GenerateSettings; beam: BeamOptions }
  /** One node of a beam run's tree, as a step: the parent beam `source`'s row at `step`, with `tokenId` chosen. */
  | { type: 'getBeamNode'; requestId: number; runId: number; step: number; source: number; tokenId: number }
  /**
   * Lanes and their samples on one prompt, advanced together as one batch (see BatchGenerator.ts). `textPerStep`
   * false: only each row's whole text is wanted (its compareRowDone), so rows without stop strings decode it once.
   */
  | { type: 'compare'; requestId: number; prompt: string; chat: boolean; rows: CompareRow[]; forceSequential?: boolean; textPerStep?: boolean }
  /** Stops the run of request `target` (whichever runs, without one), even one still waiting behind another. */
  | { type: 'cancel'; requestId: number; target?: number }
  | { type: 'getStepLogits'; requestId: number; runId: number; step: number }
  | { type: 'decodeTokens'; requestId: number; ids: number[] }
  /** Tokens whose text matches `query` (see tokenSearch.ts), best first. */
  | { type: 'findTokens'; requestId: number; query: string; limit: number }
  /**
   * One forward pass per prompt, no sampling: each prompt's last-position logits, and the first token of each of
   * its continuations (teaching-point distance, sweeps). A sweep's samples run as a 'compare'.
   */
  | { type: 'promptLogits'; requestId: number; prompts: string[]; continuations: string[][]; chat: boolean }
  /** The port to the step observer's worker (see stepObserver.ts); null when that worker failed. */
  | { type: 'attachObserver'; requestId: number; port: MessagePort | null }
  /** The client's watchdog: any message back (a 'pong' when idle) shows the worker still answers. */
  | { type: 'ping'; requestId: number }
  /** Test-only fault injection: the worker closes itself, or loops forever, as a crashed or wedged worker would. */
  | { type: 'fault'; requestId: number; fault: WorkerFault };

export type WorkerFault = 'close' | 'hang';

/** One row of a comparison: sample `sample` of lane `lane`, with its own settings and seed. */
export interface CompareRow {
  lane: number;
  sample: number;
  params: SamplingParams;
  seed: number;
  max_new_tokens: number;
  stop: string[];
  ignore_eos: boolean;
  /** With num_beams > 1 the row is a beam lane: a beam search (compareBeamLane.ts) instead of a sampled row. */
  beam?: BeamOptions;
}

/** What a beam lane found besides its winner's steps: the first num_return_sequences hypotheses, best first. */
export interface CompareBeamResult {
  num_beams: number;
  reason: BeamStopReason;
  hypotheses: { text: string; score: number; sum: number; end: HypothesisEnd; tokens: number }[];
}

/** A row's token at one step of a comparison, with what its run metrics need. */
export interface CompareStep {
  row: number;
  step: number;
  tokenId: number;
  /** The token's own text (for chips and the tree). */
  tokenText: string;
  textDelta: string;
  /** p_final(token): the probability it had under the distribution the row sampled from (1 when greedy; a beam lane: e^logp, its beam's softmax). */
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

/** One ranked (beam, token) candidate of a beam step; `source` indexes the beams that entered the step. */
export interface BeamCandidateView {
  source: number;
  tokenId: number;
  /** log_softmax of the beam's adjusted logits. */
  logp: number;
  /** The beam's sum plus logp. */
  sum: number;
  rank: number;
}

/** What one beam step did, for the tree: kept beams in their new order, finished hypotheses, dropped candidates. */
export interface BeamStepView {
  step: number;
  /** Summed log-probabilities of the beams that entered the step. */
  entered: number[];
  kept: BeamCandidateView[];
  finished: (BeamCandidateView & { score: number; end: Exclude<HypothesisEnd, 'max_new_tokens'>; accepted: boolean })[];
  dropped: (BeamCandidateView & { why: 'eos_rank' | 'beams_full' })[];
  tokenTexts: Record<number, string>;
  timings: { forwardMs: number; searchMs: number };
}

export interface BeamHypothesisView {
  ids: number[];
  text: string;
  score: number;
  sum: number;
  step: number;
  beam: number;
  end: HypothesisEnd;
  /** path[s]: its beam's index among the beams kept at step s. */
  path: number[];
}

/**
 * A step's raw logits and the tokens before it: what the page needs to re-apply the pipeline to that step with other
 * settings (what-if) without the model.
 */
export interface StepLogits {
  logits: Float32Array;
  promptIds: number[];
  generatedIds: number[];
  /** DRY's breakers of the run's settings as token ids (the page cannot resolve strings without the vocabulary). */
  dryBreakerIds: number[];
}

/** StepEvents as the worker posts them, a batch at a time (stepWire.ts packs and unpacks them). */
export interface PackedSteps {
  /** Per step: header, views, fates, then the ids of the step's token texts and the ids whose text travels in `strings`. */
  numbers: Float64Array;
  /** Per step: the token's own text, the text delta, then the texts this step sends for the first time. */
  strings: string[];
  count: number;
}

/** `interrupted`: its worker died or stopped answering; the run keeps the steps that reached the page. */
export type FinishReason = 'eos' | 'stop' | 'max_new_tokens' | 'cancelled' | 'context_full' | 'interrupted';

/** A prompt's next-token logits (one forward pass) and the first token each continuation is written with. */
export interface PromptLogits {
  promptIds: number[];
  logits: Float32Array;
  firstTokens: (number | null)[];
}

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
  /** A model file arrived but is not a usable model: truncated, corrupt, empty, or a Git-LFS pointer. */
  | 'bad_file'
  /** A download made no progress for a while (the page's watchdog gave up on it). */
  | 'stalled'
  /** The inference or step observer worker died or stopped answering. */
  | 'worker_failed'
  | 'internal';

export type EngineEvent =
  /** `done`: the file is complete (or came from the cache); until then a file counts as downloading. */
  | { type: 'progress'; requestId: number; file: string; loaded: number; total: number; done?: boolean }
  | {
      type: 'loaded';
      requestId: number;
      modelId: string;
      device: Device;
      deviceReason: DeviceReason;
      /** The WebGPU adapter in use, or the fallback adapter that was passed over ("google swiftshader"). */
      adapter?: string;
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
  | { type: 'runStarted'; requestId: number; runId: number; promptIds: number[]; parentRunId?: number; branchStep?: number; beam?: BeamOptions }
  | { type: 'beamSteps'; requestId: number; runId: number; steps: BeamStepView[] }
  | {
      type: 'beamDone';
      requestId: number;
      runId: number;
      reason: BeamStopReason;
      /** The finished hypotheses, best first (num_return_sequences of them shown, all kept here). */
      hypotheses: BeamHypothesisView[];
      /** The best hypothesis's text. */
      text: string;
      /** The winner's steps along its path, as the step panel and token stream show steps. */
      pathSteps: StepEvent[];
      /** From the request to the last step, in the worker. */
      totalMs: number;
    }
  /** Beam search never runs DRY (only the penalties and the bias), so a node carries no breakers. */
  | ({ type: 'beamNode'; requestId: number; runId: number; step: number; source: number; event: StepEvent } & Omit<StepLogits, 'dryBreakerIds'>)
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
  | ({ type: 'stepLogits'; requestId: number; runId: number; step: number } & StepLogits)
  | { type: 'tokenTexts'; requestId: number; texts: Record<number, string> }
  | { type: 'compareStarted'; requestId: number; promptIds: number[]; mode: CompareMode; why?: string }
  | { type: 'compareSteps'; requestId: number; steps: CompareStep[] }
  | { type: 'compareRowDone'; requestId: number; row: number; reason: FinishReason; text: string; beam?: CompareBeamResult }
  /**
   * `outputs`: how many of the runtime's outputs during the comparison were copied into recycled arrays, and how
   * many into new ones; `runtimeMs`: of `ms`, the time inside the runtime's passes (the rest is ours).
   */
  | { type: 'compareDone'; requestId: number; mode: CompareMode; ms: number; outputs?: { reused: number; allocated: number }; runtimeMs?: number }
  | { type: 'tokenMatches'; requestId: number; query: string; matches: { id: number; text: string }[] }
  | { type: 'promptLogits'; requestId: number; items: PromptLogits[] }
  | { type: 'notice'; requestId: number; message: string }
  | { type: 'pong'; requestId: number }
  /** A WebGPU load failed in a way that can leave the runtime unable to load again: the client retries on WASM in a fresh worker. */
  | { type: 'webgpuFailed'; requestId: number; message: string }
  | { type: 'error'; requestId: number; code: ErrorCode; message: string; details?: LoadErrorDetails }
  /**
   * From the client itself: a worker died or stopped answering, so both workers were restarted and the model is
   * being reloaded (`reloadRequestId`); the run in flight (`runRequestId`), if any, ended where its last step did.
   */
  | { type: 'workerRestarted'; requestId: 0; worker: 'inference' | 'observer'; cause: 'stuck' | 'dead'; runRequestId: number | null; reloadRequestId: number | null };

/**
 * What the worker posts: the events above, except that steps travel packed and in batches (each message wakes
 * the main thread, which costs the worker more than a step's sampling); the client unpacks them into 'step' events.
 */
export type WorkerMessage = Exclude<EngineEvent, { type: 'step' }> | { type: 'steps'; requestId: number; batch: PackedSteps };

/** What the decode loop knows of a step once its token is drawn (the step observer turns it into a StepEvent). */
export interface DrawnStep {
  runId: number;
  step: number;
  tokenId: number;
  /** Replayed or chosen (a branch), not drawn: its probability and rank are read from the views. */
  forced: boolean;
  textDelta: string;
  probability: number;
  rank: number;
  entropy: number;
  greedyId: number;
  logits: Float32Array;
  timings: Omit<StepTimings, 'observeMs'>;
  /** XTC's coin at this step, when XTC is in the chain: the observer replays the step with it. */
  xtcRoll?: number;
}

/** What the step observer must know of a run before its first step: the chain and the history it starts from. */
export interface ObservedRun {
  runId: number;
  vocabSize: number;
  params: SamplingParams;
  promptIds: number[];
  topN: number;
}

/** Engine worker → step observer worker, over the port the client links them with. */
export type ObserverRequest =
  | { type: 'load'; loadId: number; tokenizer: TokenizerOptions }
  | { type: 'run'; requestId: number; run: ObservedRun }
  | { type: 'steps'; requestId: number; steps: DrawnStep[] }
  /** A message of the run (runStarted, done, error), posted to the page in order with the run's steps. */
  | { type: 'relay'; message: WorkerMessage };

/** Step observer worker → engine worker: whether it can label the loaded model's tokens. */
export type ObserverReply = { type: 'ready'; loadId: number } | { type: 'unavailable'; loadId: number; message: string };

/** The client → step observer worker: its port to the engine, the watchdog's pings, test-only faults. */
export type ObserverSetup = { type: 'engine'; port: MessagePort } | { type: 'ping' } | { type: 'fault'; fault: WorkerFault };

/**
 * The intervals that batch a run's messages on their way from the decode loop to the page's charts, together
 * because each one's cost shows in the next: a message wakes the thread it goes to, which on a busy machine can
 * stall the sender for milliseconds (measured: 0.1–6 ms per message against ~1 ms per step of the bundled model).
 */
export const BATCHING = {
  /** Drawn steps go to the step observer's worker at most this often: it observes while the next forward passes run, and one message per step would cost as much as observing it. */
  observerHandoffMs: 10,
  /** Steps reach the page at most this often, a run's first step at once: the page draws only four times a second (a slow model's steps each go alone). */
  stepBatchMs: 50,
  /** The page's store takes steps at most this often: charts keep up, and rendering never piles up behind the model in long tasks. */
  storeFlushMs: 250,
} as const;

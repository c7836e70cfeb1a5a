// The inference worker: owns the model, runs one request at a time, and speaks the typed protocol.
import { env } from '@huggingface/transformers';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import ortMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import { SamplingParamError } from '../core';
import { Generator, type RunRecord } from './Generator';
import { BatchGenerator, type BatchRowResult, type BatchStep } from './BatchGenerator';
import { TransformersBatchRunner } from './batchRunner';
import { isSharedView } from './logitsArena';
import { ModelLoadError, loadModel, promptIds, type LoadedModel, type TokenizerOptions } from './modelLoader';
import { STEP_BATCH_MS, type CompareMode, type CompareStep, type Device, type EngineRequest, type ErrorCode, type ObserverReply, type ObserverRequest, type StepEvent, type WorkerMessage } from './protocol';
import type { DrawnStep, ObservedRun } from './stepObserver';
import { StepBatcher, StepPacker } from './stepWire';
import { findTokens } from './tokenSearch';

// onnxruntime-web's runtime comes from our own origin, never from a CDN.
const onnxEnv = env.backends.onnx as { wasm?: { wasmPaths?: unknown; numThreads?: number } };
if (onnxEnv.wasm) onnxEnv.wasm.wasmPaths = { mjs: ortMjsUrl, wasm: ortWasmUrl };
env.useBrowserCache = true;

const scope = self as unknown as {
  postMessage(message: WorkerMessage, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<EngineRequest>) => void) | null;
};

function post(event: WorkerMessage, transfer: Transferable[] = []): void {
  scope.postMessage(event, transfer);
}

let loaded: LoadedModel | null = null;
/** Every token's text, decoded at the first search of a model and kept for the next. */
let vocabTexts: { model: LoadedModel; texts: Map<number, string> } | null = null;
let generator: Generator | null = null;
let batchGenerator: BatchGenerator | null = null;
let tokenText: (id: number) => string = () => '';
/** Token texts already sent for the loaded model; a new model starts over (the client resets on 'loaded'). */
let packer = new StepPacker();
let device: Device = 'wasm';
let threadsInUse = 1;
let threadsFixed = false;
let activeRequest: number | null = null;
let cancelRequested = false;
let runFinished: Promise<void> = Promise.resolve();

function errorMessage(requestId: number, error: unknown, fallback: ErrorCode = 'internal'): WorkerMessage {
  if (error instanceof ModelLoadError) {
    return { type: 'error', requestId, code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) };
  }
  if (error instanceof SamplingParamError) return { type: 'error', requestId, code: 'invalid_params', message: error.message };
  return { type: 'error', requestId, code: fallback, message: error instanceof Error ? error.message : String(error) };
}

function fail(requestId: number, error: unknown, fallback: ErrorCode = 'internal'): void {
  post(errorMessage(requestId, error, fallback));
}

/**
 * The step observer's worker (observerWorker.ts), when the page has linked one: it builds what the page shows of
 * each step while this worker runs the next forward pass. Without it, or until it has the loaded model's
 * tokenizer, steps are observed here, inline.
 */
let observerPort: MessagePort | null = null;
let observerLoads = 0;
let observerReady: Promise<boolean> = Promise.resolve(false);
const observerWaiting = new Map<number, (ready: boolean) => void>();

function attachObserver(port: MessagePort | null): void {
  observerPort = port;
  if (!port) {
    for (const resolve of observerWaiting.values()) resolve(false);
    observerWaiting.clear();
    observerReady = Promise.resolve(false);
    return;
  }
  port.onmessage = (e: MessageEvent<ObserverReply>) => {
    observerWaiting.get(e.data.loadId)?.(e.data.type === 'ready');
    observerWaiting.delete(e.data.loadId);
  };
}

function prepareObserver(tokenizer: TokenizerOptions): void {
  const port = observerPort;
  if (!port) return;
  const loadId = ++observerLoads;
  observerReady = new Promise((resolve) => observerWaiting.set(loadId, resolve));
  port.postMessage({ type: 'load', loadId, tokenizer } satisfies ObserverRequest);
}

async function webgpuAvailable(): Promise<boolean> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

function fixThreads(requested?: number): void {
  if (threadsFixed) return;
  const isolated = (self as unknown as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores = navigator.hardwareConcurrency || 1;
  // Threads need SharedArrayBuffer, which only a cross-origin isolated page has. By default one core is left to
  // the page: on 2 cores a second model thread made the page's frames wait (tasks of 75 ms instead of 37 ms)
  // and the bundled model slower, not faster (about 720 against 1000 tokens/s).
  const byDefault = Math.min(4, Math.max(1, cores - 1));
  threadsInUse = isolated ? Math.max(1, Math.min(requested ?? byDefault, 8)) : 1;
  if (onnxEnv.wasm) onnxEnv.wasm.numThreads = threadsInUse;
  threadsFixed = true;
}

/** Counts loads, so a device lost after a newer load has replaced its model is ignored. */
let loads = 0;

/** `carriedNotice` rides on the `loaded` event, so a reload's reason stays on screen after it finishes. */
async function handleLoad(request: Extract<EngineRequest, { type: 'load' }>, carriedNotice?: string): Promise<void> {
  const loadNumber = ++loads;
  if (activeRequest !== null) {
    cancelRequested = true;
    await runFinished;
  }
  fixThreads(request.threads);
  let notice = carriedNotice;
  let target: Device = 'wasm';
  if (request.device !== 'wasm') {
    if (await webgpuAvailable()) target = 'webgpu';
    else if (request.device === 'webgpu') notice = 'WebGPU is not available in this browser: running on WASM (CPU) instead.';
  }
  const onProgress = (file: string, loadedBytes: number, total: number) =>
    post({ type: 'progress', requestId: request.requestId, file, loaded: loadedBytes, total });
  const deviceMemoryGiB = (navigator as Navigator & { deviceMemory?: number }).deviceMemory;
  const options = { source: request.source, dtype: request.dtype, localModelPath: '/models/', hubHost: request.hubHost, onProgress, deviceMemoryGiB };
  loaded = null;
  generator = null;
  batchGenerator = null;
  try {
    try {
      loaded = await loadModel({ ...options, device: target });
    } catch (error) {
      if (target !== 'webgpu' || (error instanceof ModelLoadError && (error.code === 'not_found' || error.code === 'dtype_unavailable'))) throw error;
      notice = `WebGPU failed (${error instanceof Error ? error.message : String(error)}): running on WASM (CPU) instead.`;
      target = 'wasm';
      loaded = await loadModel({ ...options, device: target });
    }
    device = target;
    prepareObserver({ source: request.source, dtype: loaded.dtype, localModelPath: options.localModelPath, hubHost: request.hubHost });
    generator = new Generator(loaded.runner, loaded.codec, loaded.eosIds, loaded.contextLength);
    batchGenerator = new BatchGenerator(new TransformersBatchRunner(loaded.model, loaded.vocabSize), loaded.codec, loaded.eosIds, loaded.contextLength);
    tokenText = loaded.codec.tokenText;
    packer = new StepPacker();
    watchDeviceLoss(request, loadNumber);
    post({
      type: 'loaded', requestId: request.requestId, modelId: loaded.modelId, device, threads: device === 'wasm' ? threadsInUse : 0,
      dtype: loaded.dtype, dtypes: loaded.dtypes, vocabSize: loaded.vocabSize, contextLength: loaded.contextLength, eosIds: loaded.eosIds,
      ...(notice ? { notice } : {}),
    });
  } catch (error) {
    fail(request.requestId, error);
  }
}

/** A lost GPU device (driver reset, tab in background on some systems): reload on WASM and say so. */
function watchDeviceLoss(request: Extract<EngineRequest, { type: 'load' }>, loadNumber: number): void {
  if (device !== 'webgpu') return;
  const gpuDevice = (env.backends.onnx as { webgpu?: { device?: { lost?: Promise<{ message: string }> } } }).webgpu?.device;
  gpuDevice?.lost?.then((info) => {
    if (device !== 'webgpu' || loadNumber !== loads) return;
    const message = `The WebGPU device was lost (${info.message}): running on WASM (CPU) instead.`;
    post({ type: 'notice', requestId: request.requestId, message });
    void handleLoad({ ...request, device: 'wasm' }, message);
  });
}

/** How often drawn steps go to the step observer: its lag behind the decode loop is at most this, plus one batch's work. */
const OBSERVER_HANDOFF_MS = 10;

/** Where a run's messages go, timing what handing on each step costs the decode path. */
interface RunOutput {
  /** A message of the run other than its steps. */
  post(message: WorkerMessage): void;
  /** Posts what is left; its cost counts to the last step. */
  finish(): void;
  /** Per step, the time to hand it on (and to post its batch, when it went then). */
  readonly messagingMs: number[];
}

/** What sending a run's last steps costs counts to its last step. */
function chargeToLastStep(messagingMs: number[], send: () => void): void {
  const start = performance.now();
  send();
  if (messagingMs.length > 0) messagingMs[messagingMs.length - 1] += performance.now() - start;
}

/** Steps observed here, packed, and posted to the page in batches. */
class InlineRun implements RunOutput {
  private readonly batch: StepBatcher;
  readonly messagingMs: number[] = [];

  constructor(requestId: number) {
    this.batch = new StepBatcher(packer, (batch, transfer) => post({ type: 'steps', requestId, batch }, transfer));
  }

  post(message: WorkerMessage): void {
    post(message);
  }

  /** True when the step's batch was posted (a moment to let waiting messages in). */
  add(event: StepEvent): boolean {
    const start = performance.now();
    this.batch.add(event);
    const posted = this.batch.postIfDue();
    this.messagingMs.push(performance.now() - start);
    return posted;
  }

  finish(): void {
    chargeToLastStep(this.messagingMs, () => this.batch.flush());
  }
}

/**
 * Drawn steps go to the step observer every few milliseconds, so that it observes while the next forward passes
 * run (one batch per STEP_BATCH_MS would leave it all to do after a short run; a message per step costs as much as
 * observing it). It batches what it posts to the page, and posts the run's other messages in order with the steps.
 */
class ObservedElsewhereRun implements RunOutput {
  private steps: DrawnStep[] = [];
  /** The buffers of the copies among `steps`, transferred with them. */
  private copies: ArrayBuffer[] = [];
  private lastHandOff = -Infinity;
  private lastTurn = -Infinity;
  readonly messagingMs: number[] = [];

  constructor(private readonly requestId: number, private readonly port: MessagePort) {}

  post(message: WorkerMessage): void {
    this.port.postMessage({ type: 'relay', message } satisfies ObserverRequest);
  }

  start(observed: ObservedRun): void {
    this.port.postMessage({ type: 'run', requestId: this.requestId, run: observed } satisfies ObserverRequest);
  }

  /** True at most once per STEP_BATCH_MS (a moment to let waiting messages in). */
  add(step: DrawnStep): boolean {
    const start = performance.now();
    // Shared logits travel as a view; otherwise a copy, transferred: the run keeps its own for inspection and branching.
    if (isSharedView(step.logits)) {
      this.steps.push(step);
    } else {
      const copy = step.logits.slice();
      this.steps.push({ ...step, logits: copy });
      this.copies.push(copy.buffer);
    }
    if (start - this.lastHandOff >= OBSERVER_HANDOFF_MS) this.handOff();
    const end = performance.now();
    this.messagingMs.push(end - start);
    if (start - this.lastTurn < STEP_BATCH_MS) return false;
    this.lastTurn = end;
    return true;
  }

  finish(): void {
    chargeToLastStep(this.messagingMs, () => this.handOff());
  }

  private handOff(): void {
    if (this.steps.length === 0) return;
    this.port.postMessage({ type: 'steps', requestId: this.requestId, steps: this.steps } satisfies ObserverRequest, this.copies);
    this.steps = [];
    this.copies = [];
    this.lastHandOff = performance.now();
  }
}

/**
 * One turn of the event loop, through a message to ourselves rather than a timer (timers are clamped and
 * throttled): a forward pass on WASM resolves in microtasks, so without this a cancel would wait for the run's end.
 */
const loopTurn = new MessageChannel();
let resumeRun: (() => void) | null = null;
loopTurn.port1.onmessage = () => {
  const resume = resumeRun;
  resumeRun = null;
  resume?.();
};
function letMessagesIn(): Promise<void> {
  return new Promise((resolve) => {
    resumeRun = resolve;
    loopTurn.port2.postMessage(null);
  });
}

async function handleGenerate(request: Extract<EngineRequest, { type: 'generate' }>): Promise<void> {
  if (!loaded || !generator) {
    post({ type: 'error', requestId: request.requestId, code: 'not_loaded', message: 'No model is loaded yet: wait for loading to finish.' });
    return;
  }
  if (activeRequest !== null) {
    if (!cancelRequested) {
      post({ type: 'error', requestId: request.requestId, code: 'busy', message: 'A generation is already running: stop it first.' });
      return;
    }
    await runFinished;
  }
  // One Step: a new run of one token, or the branch point plus one token when continuing a run.
  const settings = request.singleStep ? { ...request.settings, max_new_tokens: (request.branch?.step ?? 0) + 1 } : request.settings;
  activeRequest = request.requestId;
  cancelRequested = false;
  let finish!: () => void;
  runFinished = new Promise((resolve) => (finish = resolve));
  const observed = observerPort && (await observerReady) ? observerPort : null;
  const output = observed ? new ObservedElsewhereRun(request.requestId, observed) : new InlineRun(request.requestId);
  try {
    const ids = request.branch ? undefined : promptIds(loaded, settings.prompt, settings.chat);
    const onStart = (run: RunRecord, observedRun: ObservedRun) => {
      if (output instanceof ObservedElsewhereRun) output.start(observedRun);
      output.post({
        type: 'runStarted', requestId: request.requestId, runId: run.runId, promptIds: run.promptIds,
        ...(run.parentRunId !== undefined ? { parentRunId: run.parentRunId, branchStep: run.branchStep } : {}),
      });
    };
    const isCancelled = () => cancelRequested;
    const outcome = output instanceof ObservedElsewhereRun
      ? await generator.generate(settings, { onStart, isCancelled, onDrawn: (step) => (output.add(step) ? letMessagesIn() : undefined) }, request.branch, ids)
      : await generator.generate(settings, { onStart, isCancelled, onStep: (event) => (output.add(event) ? letMessagesIn() : undefined) }, request.branch, ids);
    output.finish();
    output.post({ type: 'done', requestId: request.requestId, runId: outcome.run.runId, reason: outcome.reason, text: outcome.text, messagingMs: output.messagingMs, observedApart: output instanceof ObservedElsewhereRun });
  } catch (error) {
    output.finish();
    output.post(errorMessage(request.requestId, error, 'invalid_params'));
  } finally {
    activeRequest = null;
    cancelRequested = false;
    finish();
  }
}

/**
 * A comparison: every lane's samples as rows of one batch. Steps go to the page at most once per STEP_BATCH_MS.
 * When the batched pass fails before its first step (a model that cannot batch), the rows run one after another
 * through the same loop, and the page is told so.
 */
async function handleCompare(request: Extract<EngineRequest, { type: 'compare' }>): Promise<void> {
  if (!loaded || !batchGenerator) {
    post({ type: 'error', requestId: request.requestId, code: 'not_loaded', message: 'No model is loaded yet: wait for loading to finish.' });
    return;
  }
  if (activeRequest !== null) {
    if (!cancelRequested) {
      post({ type: 'error', requestId: request.requestId, code: 'busy', message: 'A generation is already running: stop it first.' });
      return;
    }
    await runFinished;
  }
  activeRequest = request.requestId;
  cancelRequested = false;
  let finish!: () => void;
  runFinished = new Promise((resolve) => (finish = resolve));
  const started = performance.now();
  let pending: CompareStep[] = [];
  let lastPost = -Infinity;
  const flush = () => {
    if (pending.length === 0) return;
    post({ type: 'compareSteps', requestId: request.requestId, steps: pending });
    pending = [];
    lastPost = performance.now();
  };
  const rowOffset = { value: 0 };
  const onSteps = (steps: BatchStep[]) => {
    for (const s of steps) {
      pending.push({
        row: s.row + rowOffset.value, step: s.step, tokenId: s.tokenId, tokenText: tokenText(s.tokenId), textDelta: s.textDelta,
        probability: s.probability, logprobRaw: s.logprobRaw, logprobSampled: s.logprobSampled, entropyRaw: s.entropyRaw,
      });
    }
    if (performance.now() - lastPost < STEP_BATCH_MS) return undefined;
    flush();
    return letMessagesIn();
  };
  const onRowDone = (result: BatchRowResult) => {
    flush();
    post({ type: 'compareRowDone', requestId: request.requestId, row: result.row + rowOffset.value, reason: result.reason, text: result.text });
  };
  const isCancelled = () => cancelRequested;
  try {
    const ids = promptIds(loaded, request.prompt, request.chat);
    const rows = request.rows;
    let mode: CompareMode = request.forceSequential ? 'sequential' : 'batched';
    let why: string | undefined = request.forceSequential ? 'asked to run lanes one after another' : undefined;
    if (mode === 'batched') {
      let stepped = false;
      try {
        post({ type: 'compareStarted', requestId: request.requestId, promptIds: ids, mode });
        await batchGenerator.run(ids, rows, { isCancelled, onSteps: (steps) => { stepped = true; return onSteps(steps); }, onRowDone });
      } catch (error) {
        if (stepped || error instanceof SamplingParamError) throw error;
        mode = 'sequential';
        why = error instanceof Error ? error.message : String(error);
      }
    }
    if (mode === 'sequential') {
      post({ type: 'compareStarted', requestId: request.requestId, promptIds: ids, mode, ...(why ? { why } : {}) });
      for (let r = 0; r < rows.length; r++) {
        rowOffset.value = r;
        await batchGenerator.run(ids, [rows[r]], { isCancelled, onSteps, onRowDone });
      }
    }
    flush();
    post({ type: 'compareDone', requestId: request.requestId, mode, ms: performance.now() - started });
  } catch (error) {
    flush();
    post(errorMessage(request.requestId, error, 'invalid_params'));
  } finally {
    activeRequest = null;
    cancelRequested = false;
    finish();
  }
}

function handleStepLogits(request: Extract<EngineRequest, { type: 'getStepLogits' }>): void {
  const run = generator?.getRun(request.runId);
  const logits = run?.logits[request.step];
  if (!run || !logits) {
    post({ type: 'error', requestId: request.requestId, code: 'not_found', message: `step ${request.step} of run ${request.runId} is not kept` });
    return;
  }
  const copy = logits.slice();
  post({
    type: 'stepLogits', requestId: request.requestId, runId: run.runId, step: request.step, logits: copy,
    promptIds: run.promptIds, generatedIds: run.generated.slice(0, request.step),
    dryBreakerIds: generator!.breakerIdsFor(run.settings.params),
  }, [copy.buffer]);
}

scope.onmessage = (e: MessageEvent<EngineRequest>) => {
  const request = e.data;
  switch (request.type) {
    case 'load':
      void handleLoad(request);
      break;
    case 'generate':
      void handleGenerate(request);
      break;
    case 'compare':
      void handleCompare(request);
      break;
    case 'cancel':
      if (activeRequest !== null) cancelRequested = true;
      break;
    case 'getStepLogits':
      handleStepLogits(request);
      break;
    case 'attachObserver':
      attachObserver(request.port);
      break;
    case 'findTokens': {
      const model = loaded;
      if (model && vocabTexts?.model !== model) vocabTexts = { model, texts: new Map() };
      const cache = vocabTexts?.texts;
      const textOf = (id: number) => {
        let text = cache?.get(id);
        if (text === undefined) {
          text = model!.codec.decode([id]);
          cache?.set(id, text);
        }
        return text;
      };
      const matches = model ? findTokens(model.runner.vocabSize, textOf, request.query, request.limit) : [];
      post({ type: 'tokenMatches', requestId: request.requestId, query: request.query, matches });
      break;
    }
    case 'decodeTokens': {
      const texts: Record<number, string> = {};
      if (loaded) for (const id of request.ids) texts[id] = loaded.codec.tokenText(id);
      post({ type: 'tokenTexts', requestId: request.requestId, texts });
      break;
    }
    default: {
      const unknown: never = request;
      throw new Error(`unknown request ${JSON.stringify(unknown)}`);
    }
  }
};

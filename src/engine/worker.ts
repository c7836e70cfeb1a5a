// The inference worker: owns the model, runs one request at a time, and speaks the typed protocol.
import { env } from '@huggingface/transformers';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import ortMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import { SamplingParamError } from '../core';
import { Generator } from './Generator';
import { ModelLoadError, loadModel, promptIds, type LoadedModel } from './modelLoader';
import type { Device, EngineRequest, ErrorCode, StepEvent, WorkerMessage } from './protocol';
import { StepPacker } from './stepWire';

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
let generator: Generator | null = null;
/** Token texts already sent for the loaded model; a new model starts over (the client resets on 'loaded'). */
let packer = new StepPacker();
let device: Device = 'wasm';
let threadsInUse = 1;
let threadsFixed = false;
let activeRequest: number | null = null;
let cancelRequested = false;
let runFinished: Promise<void> = Promise.resolve();

function fail(requestId: number, error: unknown, fallback: ErrorCode = 'internal'): void {
  if (error instanceof ModelLoadError) post({ type: 'error', requestId, code: error.code, message: error.message });
  else if (error instanceof SamplingParamError) post({ type: 'error', requestId, code: 'invalid_params', message: error.message });
  else post({ type: 'error', requestId, code: fallback, message: error instanceof Error ? error.message : String(error) });
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
  try {
    try {
      loaded = await loadModel({ ...options, device: target });
    } catch (error) {
      if (target !== 'webgpu' || (error instanceof ModelLoadError && error.code === 'not_found')) throw error;
      notice = `WebGPU failed (${error instanceof Error ? error.message : String(error)}): running on WASM (CPU) instead.`;
      target = 'wasm';
      loaded = await loadModel({ ...options, device: target });
    }
    device = target;
    generator = new Generator(loaded.runner, loaded.codec, loaded.eosIds, loaded.contextLength);
    packer = new StepPacker();
    watchDeviceLoss(request, loadNumber);
    post({
      type: 'loaded', requestId: request.requestId, modelId: loaded.modelId, device, threads: device === 'wasm' ? threadsInUse : 0,
      dtype: loaded.dtype, vocabSize: loaded.vocabSize, contextLength: loaded.contextLength, eosIds: loaded.eosIds,
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

/**
 * Steps are posted at most once per this many ms, a run's first step at once. The page draws steps four times a
 * second anyway, and every message wakes the main thread, which on a busy machine can stall the worker for
 * milliseconds (measured: 0.1–6 ms per message against ~1 ms per step of the bundled model). A slow model's
 * steps each go alone.
 */
const STEP_BATCH_MS = 50;

/** Packs a run's steps and posts them in batches, timing what that costs each step. */
class StepBatch {
  private lastPost = -Infinity;
  /** Per step, the time to pack it and, when it went then, to post its batch. */
  readonly messagingMs: number[] = [];

  constructor(private readonly requestId: number) {}

  /** Adds a step; true when it was posted (a moment to let waiting messages in). */
  add(event: StepEvent): boolean {
    const start = performance.now();
    packer.add(event);
    const due = start - this.lastPost >= STEP_BATCH_MS;
    if (due) this.flush();
    this.messagingMs.push(performance.now() - start);
    return due;
  }

  /** Posts what is left; its cost counts to the last step. */
  finish(): void {
    const start = performance.now();
    this.flush();
    if (this.messagingMs.length > 0) this.messagingMs[this.messagingMs.length - 1] += performance.now() - start;
  }

  private flush(): void {
    if (packer.pending === 0) return;
    const { packed, transfer } = packer.take();
    post({ type: 'steps', requestId: this.requestId, batch: packed }, transfer);
    this.lastPost = performance.now();
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
  const batch = new StepBatch(request.requestId);
  try {
    const ids = request.branch ? undefined : promptIds(loaded, settings.prompt, settings.chat);
    const outcome = await generator.generate(settings, {
      onStart: (run) => post({
        type: 'runStarted', requestId: request.requestId, runId: run.runId, promptIds: run.promptIds,
        ...(run.parentRunId !== undefined ? { parentRunId: run.parentRunId, branchStep: run.branchStep } : {}),
      }),
      onStep: (event) => (batch.add(event) ? letMessagesIn() : undefined),
      isCancelled: () => cancelRequested,
    }, request.branch, ids);
    batch.finish();
    post({ type: 'done', requestId: request.requestId, runId: outcome.run.runId, reason: outcome.reason, text: outcome.text, messagingMs: batch.messagingMs });
  } catch (error) {
    batch.finish();
    fail(request.requestId, error, 'invalid_params');
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
    case 'cancel':
      if (activeRequest !== null) cancelRequested = true;
      break;
    case 'getStepLogits':
      handleStepLogits(request);
      break;
    case 'decodeTokens': {
      const texts: Record<number, string> = {};
      if (loaded) for (const id of request.ids) texts[id] = loaded.codec.decode([id]);
      post({ type: 'tokenTexts', requestId: request.requestId, texts });
      break;
    }
    default: {
      const unknown: never = request;
      throw new Error(`unknown request ${JSON.stringify(unknown)}`);
    }
  }
};

// The inference worker: owns the model, runs one request at a time, and speaks the typed protocol.
import { env } from '@huggingface/transformers';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import ortMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import { SamplingParamError, hypothesisPath } from '../core';
import { BeamRunner, beamPrefix, type BeamRunRecord } from './beamRun';
import { TransformersBatchRunner } from './batchRunner';
import { Generator, type RunRecord } from './Generator';
import { BatchGenerator, type BatchRowResult, type BatchStep } from './BatchGenerator';
import { runBeamLanes, splitCompareRows } from './compareBeamLane';
import { isSharedView } from './logitsArena';
import { ModelLoadError, classifyLoadError, loadModel, modelFolderUrl, promptIds, type LoadedModel, type TokenizerOptions } from './modelLoader';
import {
  STEP_BATCH_MS, type BeamStepView, type CompareMode, type CompareStep, type Device, type DevicePreference, type DeviceReason, type EngineRequest,
  type ErrorCode, type ObserverReply, type ObserverRequest, type PromptLogits, type StepEvent, type WorkerFault, type WorkerMessage,
} from './protocol';
import type { DrawnStep, ObservedRun } from './stepObserver';
import { DEFAULT_STALL_MS, stallGuardedFetch } from './stallGuard';
import { StepBatcher, StepPacker } from './stepWire';
import { findTokens } from './tokenSearch';

// onnxruntime-web's runtime comes from our own origin, never from a CDN.
const onnxEnv = env.backends.onnx as { wasm?: { wasmPaths?: unknown; numThreads?: number } };
if (onnxEnv.wasm) onnxEnv.wasm.wasmPaths = { mjs: ortMjsUrl, wasm: ortWasmUrl };
env.useBrowserCache = true;
let stallMs = DEFAULT_STALL_MS;
const browserFetch = env.fetch;
if (browserFetch) env.fetch = stallGuardedFetch(browserFetch, () => stallMs);

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
/** Beam runs on the loaded model: the batched runner is built on first use. */
let beamRunner: BeamRunner | null = null;
const beamRuns = new Map<number, BeamRunRecord>();
/** Beam runs kept for opening their nodes (each holds every step's rows). */
const KEEP_BEAM_RUNS = 4;
let batchGenerator: BatchGenerator | null = null;
let tokenText: (id: number) => string = () => '';
/** Token texts already sent for the loaded model; a new model starts over (the client resets on 'loaded'). */
let packer = new StepPacker();
let device: Device = 'wasm';
let threadsInUse = 1;
let threadsFixed = false;
let activeRequest: number | null = null;
let cancelRequested = false;
/** Runs cancelled by request id: one cancelled while it still waits for the run before it never starts drawing. */
const cancelledRuns = new Set<number>();
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

/** The browser's WebGPU adapter, if any, and whether it is a software fallback (SwiftShader and the like). */
interface AdapterFound {
  name: string;
  fallback: boolean;
}

async function findWebgpuAdapter(): Promise<AdapterFound | null> {
  type AdapterInfo = { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  type Adapter = { info?: AdapterInfo; isFallbackAdapter?: boolean };
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<Adapter | null> } }).gpu;
  if (!gpu) return null;
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return null;
    const info = adapter.info ?? {};
    const name = [info.vendor, info.architecture, info.description].filter((part) => part).join(' ') || 'unknown adapter';
    // The flag moved from the adapter into its info; a software rasteriser's name gives it away where neither says.
    const fallback = info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? /swiftshader|llvmpipe|lavapipe|software|basic render/i.test(name);
    return { name, fallback: Boolean(fallback) };
  } catch {
    return null;
  }
}

interface DeviceChoice {
  device: Device;
  reason: DeviceReason;
  adapter?: string;
  notice?: string;
}

/** `auto` takes a hardware WebGPU adapter only: on a software fallback WASM is many times faster. */
async function chooseDevice(preference: DevicePreference): Promise<DeviceChoice> {
  if (preference === 'wasm') return { device: 'wasm', reason: 'forced' };
  const adapter = await findWebgpuAdapter();
  if (preference === 'webgpu') {
    return adapter
      ? { device: 'webgpu', reason: 'forced', adapter: adapter.name }
      : { device: 'wasm', reason: 'webgpu-missing', notice: 'WebGPU is not available in this browser: running on WASM (CPU) instead.' };
  }
  if (!adapter) return { device: 'wasm', reason: 'auto-no-webgpu' };
  if (adapter.fallback) return { device: 'wasm', reason: 'auto-fallback-adapter', adapter: adapter.name };
  return { device: 'webgpu', reason: 'auto-hardware', adapter: adapter.name };
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

/** The URLs in transformers.js's Cache Storage under a folder. */
async function cachedUrls(folder: string): Promise<Set<string>> {
  if (typeof caches === 'undefined') return new Set();
  try {
    const cache = await caches.open(env.cacheKey);
    return new Set((await cache.keys()).map((r) => r.url).filter((u) => u.startsWith(folder)));
  } catch {
    return new Set();
  }
}

/**
 * A load that failed on what it downloaded (not on the network) leaves none of it in Cache Storage: transformers.js
 * keeps whatever arrived whole, so a truncated or LFS-pointer file would fail every later load of that URL, even
 * after the server is fixed. Returns, for the message, what the weights file that was cached looks like.
 */
async function evictNewFiles(folder: string, before: Set<string>): Promise<string | null> {
  if (typeof caches === 'undefined') return null;
  let weights: string | null = null;
  try {
    const cache = await caches.open(env.cacheKey);
    for (const request of await cache.keys()) {
      if (!request.url.startsWith(folder) || before.has(request.url)) continue;
      if (request.url.endsWith('.onnx') && weights === null) {
        const response = await cache.match(request);
        if (response) weights = describeWeights(request.url.slice(folder.length), new Uint8Array(await response.arrayBuffer()));
      }
      await cache.delete(request);
    }
  } catch {
    // Eviction is best effort: a browser without Cache Storage has nothing kept either.
  }
  return weights;
}

function describeWeights(file: string, bytes: Uint8Array): string {
  if (bytes.length === 0) return `${file} is empty (0 bytes)`;
  const head = new TextDecoder().decode(bytes.subarray(0, 64));
  if (head.startsWith('version https://git-lfs')) return `${file} is a Git LFS pointer (${bytes.length} bytes), not the weights: the files were copied without git lfs`;
  return `${file} (${(bytes.length / 1e6).toFixed(1)} MB) is damaged or truncated`;
}

/** Counts loads, so a device lost after a newer load has replaced its model is ignored. */
let loads = 0;
let nextRunId = 1;

type LoadRequest = Extract<EngineRequest, { type: 'load' }>;

async function handleLoad(request: LoadRequest): Promise<void> {
  const loadNumber = ++loads;
  if (activeRequest !== null) {
    cancelRequested = true;
    await runFinished;
  }
  fixThreads(request.threads);
  stallMs = request.stallMs ?? DEFAULT_STALL_MS;
  if (request.firstRunId !== undefined) nextRunId = Math.max(nextRunId, request.firstRunId);
  const choice: DeviceChoice = request.carried ? { device: 'wasm', reason: request.carried.reason, notice: request.carried.notice } : await chooseDevice(request.device);
  // Files complete or taken from the cache count as done: the page's watchdog only waits on files still arriving.
  const totals = new Map<string, number>();
  const onProgress = (file: string, loadedBytes: number, total: number, done?: boolean) => {
    if (total > 0) totals.set(file, total);
    const known = totals.get(file) ?? total;
    post({ type: 'progress', requestId: request.requestId, file, loaded: done ? Math.max(loadedBytes, known) : loadedBytes, total: known, ...(done ? { done } : {}) });
  };
  const deviceMemoryGiB = (navigator as Navigator & { deviceMemory?: number }).deviceMemory;
  const options = { source: request.source, dtype: request.dtype, localModelPath: '/models/', hubHost: request.hubHost, onProgress, deviceMemoryGiB };
  const folder = modelFolderUrl({ ...options, device: choice.device }, location.origin);
  const cachedBefore = await cachedUrls(folder);
  loaded = null;
  generator = null;
  beamRunner = null;
  beamRuns.clear();
  batchGenerator = null;
  try {
    loaded = await loadModel({ ...options, device: choice.device });
    device = choice.device;
    prepareObserver({ source: request.source, dtype: loaded.dtype, localModelPath: options.localModelPath, hubHost: request.hubHost });
    generator = new Generator(loaded.runner, loaded.codec, loaded.eosIds, loaded.contextLength, undefined, nextRunId);
    batchGenerator = new BatchGenerator(new TransformersBatchRunner(loaded.model, loaded.vocabSize), loaded.codec, loaded.eosIds, loaded.contextLength);
    tokenText = loaded.codec.tokenText;
    packer = new StepPacker();
    watchDeviceLoss(request, loadNumber);
    post({
      type: 'loaded', requestId: request.requestId, modelId: loaded.modelId, device, threads: device === 'wasm' ? threadsInUse : 0,
      dtype: loaded.dtype, dtypes: loaded.dtypes, vocabSize: loaded.vocabSize, contextLength: loaded.contextLength, eosIds: loaded.eosIds,
      deviceReason: choice.reason, ...(choice.adapter ? { adapter: choice.adapter } : {}), ...(choice.notice ? { notice: choice.notice } : {}),
    });
  } catch (caught) {
    let error = caught instanceof ModelLoadError ? caught : classifyLoadError(caught, 'model');
    if (!KEEP_CACHED_ON.has(error.code)) {
      const weights = await evictNewFiles(folder, cachedBefore);
      if (error.code === 'bad_file' && weights) error = new ModelLoadError('bad_file', `${error.message.replace(/:.*$/s, '')}: ${weights}. Nothing of it was kept in the browser cache; fix the file and retry.`);
    }
    // transformers.js chains session creation, so once one fails in this worker every later one fails the same way:
    // the page retries on WASM in a fresh worker instead of here.
    if (choice.device === 'webgpu' && !DEVICE_INDEPENDENT.has(error.code)) {
      post({ type: 'webgpuFailed', requestId: request.requestId, message: caught instanceof Error ? caught.message : String(caught) });
      return;
    }
    fail(request.requestId, error);
  }
}

/** Failures that say nothing about the files that did arrive: those stay cached, so a retry reuses them. */
const KEEP_CACHED_ON = new Set<ErrorCode>(['network', 'not_found', 'too_large', 'stalled', 'dtype_unavailable']);
/** Failures that WASM would meet as well. */
const DEVICE_INDEPENDENT = new Set<ErrorCode>(['network', 'not_found', 'bad_file', 'stalled', 'dtype_unavailable']);

/** A lost GPU device (driver reset, tab in background on some systems): reload on WASM and say so. */
function watchDeviceLoss(request: LoadRequest, loadNumber: number): void {
  if (device !== 'webgpu') return;
  const gpuDevice = (env.backends.onnx as { webgpu?: { device?: { lost?: Promise<{ message: string }> } } }).webgpu?.device;
  gpuDevice?.lost?.then((info) => {
    if (device !== 'webgpu' || loadNumber !== loads) return;
    const message = `The WebGPU device was lost (${info.message}): running on WASM (CPU) instead.`;
    post({ type: 'notice', requestId: request.requestId, message });
    void handleLoad({ ...request, device: 'wasm', carried: { reason: 'webgpu-lost', notice: message } });
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

/**
 * What every request that uses the model shares: it needs the loaded model (`ready` picks what it runs on, null
 * before a load), runs alone (refused while another runs, or queued behind one that is being cancelled), and
 * leaves the worker idle however it ends. `run` posts its own answer and its own errors.
 */
async function exclusively<T>(requestId: number, ready: () => T | null, run: (engine: T) => Promise<void>): Promise<void> {
  if (ready() === null) {
    post({ type: 'error', requestId, code: 'not_loaded', message: 'No model is loaded yet: wait for loading to finish.' });
    return;
  }
  if (activeRequest !== null) {
    if (!cancelRequested) {
      post({ type: 'error', requestId, code: 'busy', message: 'A generation is already running: stop it first.' });
      return;
    }
    await runFinished;
  }
  const engine = ready();
  if (engine === null) {
    post({ type: 'error', requestId, code: 'not_loaded', message: 'No model is loaded yet: wait for loading to finish.' });
    return;
  }
  activeRequest = requestId;
  cancelRequested = false;
  let finish!: () => void;
  runFinished = new Promise((resolve) => (finish = resolve));
  try {
    await run(engine);
  } finally {
    activeRequest = null;
    cancelRequested = false;
    cancelledRuns.delete(requestId);
    finish();
  }
}

function handleGenerate(request: Extract<EngineRequest, { type: 'generate' }>): Promise<void> {
  // One Step: a new run of one token, or the branch point plus one token when continuing a run.
  const settings = request.singleStep ? { ...request.settings, max_new_tokens: (request.branch?.step ?? 0) + 1 } : request.settings;
  return exclusively(request.requestId, () => (loaded && generator ? { model: loaded, single: generator } : null), async ({ model, single }) => {
    const observed = observerPort && (await observerReady) ? observerPort : null;
    const output = observed ? new ObservedElsewhereRun(request.requestId, observed) : new InlineRun(request.requestId);
    try {
      const ids = request.branch ? undefined : promptIds(model, settings.prompt, settings.chat);
      const onStart = (run: RunRecord, observedRun: ObservedRun) => {
        // A reload in this worker (a lost device) carries on from here.
        nextRunId = Math.max(nextRunId, run.runId + 1);
        if (output instanceof ObservedElsewhereRun) output.start(observedRun);
        output.post({
          type: 'runStarted', requestId: request.requestId, runId: run.runId, promptIds: run.promptIds,
          ...(run.parentRunId !== undefined ? { parentRunId: run.parentRunId, branchStep: run.branchStep } : {}),
        });
      };
      const isCancelled = () => cancelRequested || cancelledRuns.has(request.requestId);
      const outcome = output instanceof ObservedElsewhereRun
        ? await single.generate(settings, { onStart, isCancelled, onDrawn: (step) => (output.add(step) ? letMessagesIn() : undefined) }, request.branch, ids)
        : await single.generate(settings, { onStart, isCancelled, onStep: (event) => (output.add(event) ? letMessagesIn() : undefined) }, request.branch, ids);
      output.finish();
      output.post({ type: 'done', requestId: request.requestId, runId: outcome.run.runId, reason: outcome.reason, text: outcome.text, messagingMs: output.messagingMs, observedApart: output instanceof ObservedElsewhereRun });
    } catch (error) {
      output.finish();
      output.post(errorMessage(request.requestId, error, 'invalid_params'));
    }
  });
}

/** A beam run: the core's search over the batched runner, its steps posted at most once per STEP_BATCH_MS. */
function handleBeamSearch(request: Extract<EngineRequest, { type: 'beamSearch' }>): Promise<void> {
  const requestId = request.requestId;
  return exclusively(requestId, () => (loaded && generator ? { model: loaded, single: generator } : null), async ({ model, single }) => {
    const started = performance.now();
    let pending: BeamStepView[] = [];
    let lastPost = -Infinity;
    const runId = single.newRunId();
    const flush = () => {
      if (pending.length === 0) return;
      post({ type: 'beamSteps', requestId, runId, steps: pending });
      pending = [];
      lastPost = performance.now();
    };
    try {
      beamRunner ??= new BeamRunner(new TransformersBatchRunner(model.model, model.vocabSize), model.codec, model.eosIds, model.contextLength);
      const runner = beamRunner;
      const settings = request.settings;
      const ids = promptIds(model, settings.prompt, settings.chat);
      post({ type: 'runStarted', requestId, runId, promptIds: ids, beam: request.beam });
      const record = await runner.run(runId, settings, { ...request.beam, max_new_tokens: settings.max_new_tokens }, ids, {
        isCancelled: () => cancelRequested || cancelledRuns.has(request.requestId),
        onStep: (view) => {
          pending.push(view);
          // The first step at once, then batches: each message wakes the page.
          if (performance.now() - lastPost >= STEP_BATCH_MS) {
            flush();
            return letMessagesIn();
          }
          return undefined;
        },
      });
      flush();
      const totalMs = performance.now() - started;
      beamRuns.set(runId, record);
      while (beamRuns.size > KEEP_BEAM_RUNS) beamRuns.delete(beamRuns.keys().next().value as number);
      const hypotheses = runner.hypothesesOf(record);
      const best = hypotheses[0];
      const pathSteps = best ? runner.pathSteps(record, best, settings.topN) : [];
      post({ type: 'beamDone', requestId, runId, reason: record.reason, hypotheses, text: best?.text ?? '', pathSteps, totalMs });
    } catch (error) {
      flush();
      post(errorMessage(requestId, error, 'invalid_params'));
    }
  });
}

function handleBeamNode(request: Extract<EngineRequest, { type: 'getBeamNode' }>): void {
  const record = beamRuns.get(request.runId);
  if (!record || !beamRunner) {
    post({ type: 'error', requestId: request.requestId, code: 'not_found', message: `beam run ${request.runId} is no longer kept` });
    return;
  }
  try {
    const node = beamRunner.describeNode(record, request.step, request.source, request.tokenId, record.settings.topN);
    post({
      type: 'beamNode', requestId: request.requestId, runId: record.runId, step: request.step, source: request.source, event: node.event,
      logits: node.logits, promptIds: record.promptIds, generatedIds: node.generatedIds,
    }, [node.logits.buffer]);
  } catch (error) {
    fail(request.requestId, error, 'not_found');
  }
}

/** A beam run's step s on the token stream is its winner's node at s: that row and prefix. */
function beamStepLogits(request: Extract<EngineRequest, { type: 'getStepLogits' }>): boolean {
  const record = beamRuns.get(request.runId);
  const best = record?.hypotheses[0];
  if (!record || !best || !loaded) return false;
  const vocab = loaded.vocabSize;
  const path = hypothesisPath(record.steps, best);
  const source = request.step < path.length ? record.steps[request.step].kept[path[request.step]].source : request.step === best.step ? best.beam : -1;
  const rows = record.rows[request.step];
  if (source < 0 || !rows) return false;
  const copy = rows.slice(source * vocab, (source + 1) * vocab);
  post({
    type: 'stepLogits', requestId: request.requestId, runId: record.runId, step: request.step, logits: copy,
    // Beam search never runs DRY (only the penalties and the bias), so no breakers apply.
    promptIds: record.promptIds, generatedIds: beamPrefix(record.steps, request.step, source), dryBreakerIds: [],
  }, [copy.buffer]);
  return true;
}

/**
 * A comparison: every lane's samples as rows of one batch. Steps go to the page at most once per STEP_BATCH_MS.
 * When the batched pass fails before its first step (a model that cannot batch), the rows run one after another
 * through the same loop, and the page is told so.
 */
function handleCompare(request: Extract<EngineRequest, { type: 'compare' }>): Promise<void> {
  return exclusively(request.requestId, () => (loaded && batchGenerator ? { model: loaded, batch: batchGenerator } : null), async ({ model, batch }) => {
    const started = performance.now();
    let pending: CompareStep[] = [];
    let lastPost = -Infinity;
    const flush = () => {
      if (pending.length === 0) return;
      post({ type: 'compareSteps', requestId: request.requestId, steps: pending });
      pending = [];
      lastPost = performance.now();
    };
    // Request row of each row of the batch being run: beam lanes run apart, after the sampled rows.
    let requestRow: number[] = [];
    const onSteps = (steps: BatchStep[]) => {
      for (const s of steps) {
        pending.push({
          row: requestRow[s.row], step: s.step, tokenId: s.tokenId, tokenText: tokenText(s.tokenId), textDelta: s.textDelta,
          probability: s.probability, logprobRaw: s.logprobRaw, logprobSampled: s.logprobSampled, entropyRaw: s.entropyRaw,
        });
      }
      if (performance.now() - lastPost < STEP_BATCH_MS) return undefined;
      flush();
      return letMessagesIn();
    };
    const onRowDone = (result: BatchRowResult) => {
      flush();
      post({ type: 'compareRowDone', requestId: request.requestId, row: requestRow[result.row], reason: result.reason, text: result.text });
    };
    const isCancelled = () => cancelRequested || cancelledRuns.has(request.requestId);
    try {
      const ids = promptIds(model, request.prompt, request.chat);
      const { sampled, beams } = splitCompareRows(request.rows);
      const rows = sampled.map((r) => request.rows[r]);
      requestRow = sampled;
      let mode: CompareMode = request.forceSequential ? 'sequential' : 'batched';
      let why: string | undefined = request.forceSequential ? 'asked to run lanes one after another' : undefined;
      if (mode === 'batched') {
        let stepped = false;
        try {
          post({ type: 'compareStarted', requestId: request.requestId, promptIds: ids, mode });
          if (rows.length > 0) await batch.run(ids, rows, { isCancelled, onSteps: (steps) => { stepped = true; return onSteps(steps); }, onRowDone });
        } catch (error) {
          if (stepped || error instanceof SamplingParamError) throw error;
          mode = 'sequential';
          why = error instanceof Error ? error.message : String(error);
        }
      }
      if (mode === 'sequential') {
        post({ type: 'compareStarted', requestId: request.requestId, promptIds: ids, mode, ...(why ? { why } : {}) });
        for (let r = 0; r < rows.length; r++) {
          requestRow = [sampled[r]];
          await batch.run(ids, [rows[r]], { isCancelled, onSteps, onRowDone });
        }
      }
      if (beams.length > 0) {
        flush();
        beamRunner ??= new BeamRunner(new TransformersBatchRunner(model.model, model.vocabSize), model.codec, model.eosIds, model.contextLength);
        await runBeamLanes(beamRunner, model.codec, ids, request, beams, { isCancelled, post, yieldTurn: letMessagesIn, yieldEveryMs: STEP_BATCH_MS });
      }
      flush();
      post({ type: 'compareDone', requestId: request.requestId, mode, ms: performance.now() - started });
    } catch (error) {
      flush();
      post(errorMessage(request.requestId, error, 'invalid_params'));
    }
  });
}

/** One forward pass per prompt on the runner, no sampling (the next run resets it anyway). */
function handlePromptLogits(request: Extract<EngineRequest, { type: 'promptLogits' }>): Promise<void> {
  return exclusively(request.requestId, () => loaded, async (model) => {
    try {
      const items: PromptLogits[] = [];
      for (let i = 0; i < request.prompts.length; i++) {
        const ids = promptIds(model, request.prompts[i], request.chat);
        if (ids.length === 0) throw new Error(`the prompt ${JSON.stringify(request.prompts[i])} has no tokens`);
        model.runner.reset();
        const logits = (await model.runner.forward(ids)).slice();
        const firstTokens = (request.continuations[i] ?? []).map((c) => model.codec.encode(c)[0] ?? null);
        items.push({ promptIds: ids, logits, firstTokens });
      }
      model.runner.reset();
      post({ type: 'promptLogits', requestId: request.requestId, items }, items.map((item) => item.logits.buffer as ArrayBuffer));
    } catch (error) {
      fail(request.requestId, error);
    }
  });
}

function handleStepLogits(request: Extract<EngineRequest, { type: 'getStepLogits' }>): void {
  if (beamRuns.has(request.runId) && beamStepLogits(request)) return;
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

/** Test-only: what a crashed worker (gone without a word) or a wedged one (never yields) looks like to the page. */
function injectFault(fault: WorkerFault): void {
  if (fault === 'close') {
    self.close();
    return;
  }
  for (;;) {
    // Wedged on purpose: the page's watchdog must notice and replace this worker.
  }
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
    case 'beamSearch':
      void handleBeamSearch(request);
      break;
    case 'getBeamNode':
      handleBeamNode(request);
      break;
    case 'compare':
      void handleCompare(request);
      break;
    case 'promptLogits':
      void handlePromptLogits(request);
      break;
    case 'cancel':
      if (request.target !== undefined) cancelledRuns.add(request.target);
      if (activeRequest !== null && (request.target === undefined || request.target === activeRequest)) cancelRequested = true;
      break;
    case 'getStepLogits':
      handleStepLogits(request);
      break;
    case 'attachObserver':
      attachObserver(request.port);
      break;
    case 'ping':
      post({ type: 'pong', requestId: request.requestId });
      break;
    case 'fault':
      injectFault(request.fault);
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

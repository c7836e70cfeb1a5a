// Loading a model into the inference worker: onnxruntime's runtime from our own origin, the device (WebGPU or
// WASM) and its threads, the download with its stall guard, what a failed load leaves in the browser cache, and a
// reload on WASM when the WebGPU device is lost.
import { env } from '@huggingface/transformers';
import asyncifyWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import asyncifyMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import cpuWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import cpuMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import { TransformersBatchRunner } from './batchRunner';
import { BatchGenerator } from './BatchGenerator';
import { Generator } from './Generator';
import { ModelLoadError, classifyLoadError, loadModel, modelFolderUrl } from './modelLoader';
import { observerLink } from './observerHandOff';
import { installRuntimeOutputPool, runtimeOutputs } from './outputPool';
import { warmUpWasmRuntime } from './runtimeWarmUp';
import type { Device, DevicePreference, DeviceReason, EngineRequest, ErrorCode } from './protocol';
import { DEFAULT_STALL_MS, stallGuardedFetch } from './stallGuard';
import { StepPacker } from './stepWire';
import { fail, gate, post, state } from './workerState';

const onnxEnv = env.backends.onnx as { wasm?: { wasmPaths?: unknown; numThreads?: number } };
let stallMs = DEFAULT_STALL_MS;

/** Sets up transformers.js for this worker, before any load: called once, first thing. */
export function setUpRuntime(): void {
  installRuntimeOutputPool();
  env.useBrowserCache = true;
  // transformers.js would otherwise download the runtime's .wasm itself, copy it into Cache Storage and hand
  // onnxruntime the bytes (no streaming compile): about 2 s of the bundled model's load on 2 cores. The browser's
  // HTTP cache keeps it as well, since it comes from our own origin.
  env.useWasmCache = false;
  const browserFetch = env.fetch;
  if (browserFetch) env.fetch = stallGuardedFetch(browserFetch, () => stallMs);
}

/**
 * Which build of onnxruntime's WebAssembly this worker runs; the first load decides, as onnxruntime starts once.
 * For WASM the CPU-only build: half the size of the WebGPU one (14 against 27 MB: it compiles in half the time)
 * and about a quarter faster per step, since the WebGPU build's asyncify instrumentation slows every kernel.
 * Always from our own origin, never from a CDN.
 */
let runtimeBuild: 'cpu' | 'webgpu' | null = null;

function chooseRuntimeBuild(forDevice: Device): void {
  if (runtimeBuild !== null || !onnxEnv.wasm) return;
  runtimeBuild = forDevice === 'wasm' ? 'cpu' : 'webgpu';
  onnxEnv.wasm.wasmPaths = runtimeBuild === 'cpu' ? { mjs: cpuMjsUrl, wasm: cpuWasmUrl } : { mjs: asyncifyMjsUrl, wasm: asyncifyWasmUrl };
  if (runtimeBuild === 'cpu') warmUpWasmRuntime();
}

let device: Device = 'wasm';
let threadsInUse = 1;
let threadsFixed = false;

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
 * after the server is fixed. A sibling download the failure did not stop (generation_config.json beside a bad
 * weights file) may still land: eviction repeats after a pause until a pass finds nothing new. Returns, for the
 * message, what the weights file that was cached looks like.
 */
async function evictNewFiles(folder: string, before: Set<string>): Promise<string | null> {
  if (typeof caches === 'undefined') return null;
  let weights: string | null = null;
  for (let pass = 0; pass < EVICTION_PASSES; pass++) {
    let removed = 0;
    try {
      const cache = await caches.open(env.cacheKey);
      for (const request of await cache.keys()) {
        if (!request.url.startsWith(folder) || before.has(request.url)) continue;
        if (request.url.endsWith('.onnx') && weights === null) {
          const response = await cache.match(request);
          if (response) weights = describeWeights(request.url.slice(folder.length), new Uint8Array(await response.arrayBuffer()));
        }
        await cache.delete(request);
        removed++;
      }
    } catch {
      // Eviction is best effort: a browser without Cache Storage has nothing kept either.
      break;
    }
    if (pass > 0 && removed === 0) break;
    await new Promise((resolve) => setTimeout(resolve, EVICTION_PAUSE_MS));
  }
  return weights;
}

const EVICTION_PASSES = 8;
const EVICTION_PAUSE_MS = 250;

function describeWeights(file: string, bytes: Uint8Array): string {
  if (bytes.length === 0) return `${file} is empty (0 bytes)`;
  const head = new TextDecoder().decode(bytes.subarray(0, 64));
  if (head.startsWith('version https://git-lfs')) return `${file} is a Git LFS pointer (${bytes.length} bytes), not the weights: the files were copied without git lfs`;
  return `${file} (${(bytes.length / 1e6).toFixed(1)} MB) is damaged or truncated`;
}

/** Counts loads, so a device lost after a newer load has replaced its model is ignored. */
let loads = 0;

type LoadRequest = Extract<EngineRequest, { type: 'load' }>;

export async function handleLoad(request: LoadRequest): Promise<void> {
  const loadNumber = ++loads;
  if (gate.running) await gate.stopRun();
  fixThreads(request.threads);
  stallMs = request.stallMs ?? DEFAULT_STALL_MS;
  if (request.firstRunId !== undefined) state.nextRunId = Math.max(state.nextRunId, request.firstRunId);
  const choice: DeviceChoice = request.carried ? { device: 'wasm', reason: request.carried.reason, notice: request.carried.notice } : await chooseDevice(request.device);
  chooseRuntimeBuild(choice.device);
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
  state.engine = null;
  // The old model's outputs were recycled at its shapes: a new model's come in other shapes.
  runtimeOutputs.clear();
  try {
    const loaded = await loadModel({ ...options, device: choice.device });
    device = choice.device;
    observerLink.prepare({ source: request.source, dtype: loaded.dtype, localModelPath: options.localModelPath, hubHost: request.hubHost });
    state.engine = {
      model: loaded,
      generator: new Generator(loaded.runner, loaded.codec, loaded.eosIds, loaded.contextLength, undefined, state.nextRunId),
      batch: new BatchGenerator(new TransformersBatchRunner(loaded.model, loaded.vocabSize), loaded.codec, loaded.eosIds, loaded.contextLength),
      packer: new StepPacker(),
      beamRunner: null,
      beamRuns: new Map(),
      vocabTexts: null,
    };
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

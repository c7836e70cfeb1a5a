// Test page: exposes the engine client on window so e2e tests and the benchmark can drive the real worker.
import { EngineClient } from '../../../src/client/EngineClient';
import type { DevicePreference, EngineEvent, GenerateSettings, ModelSource } from '../../../src/engine/protocol';

interface RunSummary {
  tokens: number[];
  text: string;
  reason: string;
  forwardMs: number[];
  pipelineMs: number[];
  stepArrivalMs: number[];
  startedMs: number;
  deltas: string[];
}

function waitFor(client: EngineClient, requestId: number, done: (e: EngineEvent) => boolean): Promise<EngineEvent[]> {
  return new Promise((resolve) => {
    const events: EngineEvent[] = [];
    const off = client.onEvent((e) => {
      if (e.requestId !== requestId && e.requestId !== 0) return;
      events.push(e);
      if (done(e) || e.type === 'error') {
        off();
        resolve(events);
      }
    });
  });
}

/** transformers.js's own generate() in its own worker: the benchmark's peer. */
function transformersGenerate(prompt: string, maxNewTokens: number, threads: number, device: 'wasm' | 'webgpu') {
  const worker = new Worker(new URL('./tjsWorker.ts', import.meta.url), { type: 'module' });
  return new Promise<{ firstTokenMs: number; totalMs: number; tokens: number; tokenTimes: number[] }>((resolve, reject) => {
    worker.onmessage = (e) => { resolve(e.data); worker.terminate(); };
    worker.onerror = (e) => { reject(new Error(e.message)); worker.terminate(); };
    worker.postMessage({ prompt, maxNewTokens, threads, device });
  });
}

const api = {
  transformersGenerate,
  client: new EngineClient(),
  async load(source: ModelSource, device: DevicePreference, threads?: number, dtype?: 'fp32' | 'q8', hubHost?: string) {
    const id = api.client.load(source, device, { threads, dtype, hubHost });
    const events = await waitFor(api.client, id, (e) => e.type === 'loaded');
    return events;
  },
  async generate(settings: GenerateSettings): Promise<RunSummary> {
    const started = performance.now();
    const arrivals: number[] = [];
    const off = api.client.onEvent((e) => { if (e.type === 'step') arrivals.push(performance.now() - started); });
    const id = api.client.generate(settings);
    const events = await waitFor(api.client, id, (e) => e.type === 'done');
    const error = events.find((e) => e.type === 'error');
    if (error && error.type === 'error') throw new Error(error.message);
    off();
    const steps = events.flatMap((e) => (e.type === 'step' ? [e.event] : []));
    const done = events.find((e) => e.type === 'done');
    return {
      tokens: steps.map((s) => s.tokenId),
      text: done && done.type === 'done' ? done.text : '',
      reason: done && done.type === 'done' ? done.reason : 'none',
      forwardMs: steps.map((s) => s.timings.forwardMs),
      pipelineMs: steps.map((s) => s.timings.pipelineMs),
      stepArrivalMs: arrivals,
      startedMs: started,
      deltas: steps.map((s) => s.textDelta),
    };
  },
};

(window as unknown as { logitlab: typeof api }).logitlab = api;
document.body.dataset.ready = 'true';

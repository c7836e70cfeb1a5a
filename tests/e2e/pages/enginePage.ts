// Test page: exposes the engine client on window so e2e tests and the benchmark can drive the real worker.
import { EngineClient } from '../../../src/client/EngineClient';
import type {
  BeamOptions, BeamHypothesisView, CompareRow, DevicePreference, EngineEvent, GenerateSettings, ModelSource, StepEvent,
} from '../../../src/engine/protocol';
import type { PeerAnswer, PeerRequest } from './tjsWorker';
import type { BatchRowSettings } from '../../../src/engine/BatchGenerator';

interface RunSummary {
  tokens: number[];
  text: string;
  reason: string;
  forwardMs: number[];
  pipelineMs: number[];
  observeMs: number[];
  observedApart: boolean;
  stepArrivalMs: number[];
  messagingMs: number[];
  startedMs: number;
  deltas: string[];
  steps?: StepEvent[];
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

/** transformers.js's own generate() in its own worker (the benchmark's peer), loaded once per page. */
let peer: { worker: Worker; threads: number; device: string } | null = null;

function askPeer(worker: Worker, request: PeerRequest): Promise<PeerAnswer> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<PeerAnswer>) => (e.data.type === 'error' ? reject(new Error(e.data.message)) : resolve(e.data));
    worker.onerror = (e) => reject(new Error(e.message));
    worker.postMessage(request);
  });
}

async function transformersGenerate(prompt: string, maxNewTokens: number, threads: number, device: 'wasm' | 'webgpu') {
  if (peer && (peer.threads !== threads || peer.device !== device)) throw new Error('the peer is loaded with other threads or device: open a new page');
  if (!peer) {
    const worker = new Worker(new URL('./tjsWorker.ts', import.meta.url), { type: 'module' });
    await askPeer(worker, { type: 'load', threads, device });
    peer = { worker, threads, device };
  }
  const answer = await askPeer(peer.worker, { type: 'generate', prompt, maxNewTokens });
  if (answer.type !== 'generated') throw new Error(`the peer answered ${answer.type}`);
  return answer;
}

const client = new EngineClient({ observeApart: new URLSearchParams(location.search).get('observer') !== 'inline' });
// Benchmarks start Chromium with WASM compiled by the optimising tier up front: on a busy two-core machine a load then
// keeps the worker from answering pings for minutes, which the page's watchdog (rightly, for users) would call stuck.
if (new URLSearchParams(location.search).get('patient') === '1') client.setWatchdog({ loadingStuckMs: 1_800_000, stuckMs: 1_800_000 });

const api = {
  transformersGenerate,
  client,
  async load(source: ModelSource, device: DevicePreference, threads?: number, dtype?: 'fp32' | 'q8', hubHost?: string, stallMs?: number) {
    const id = api.client.load(source, device, { threads, dtype, hubHost, stallMs });
    const events = await waitFor(api.client, id, (e) => e.type === 'loaded');
    return events;
  },
  /** A comparison to its end: the time from request to its last event on this thread, and every row's tokens. */
  async compare(prompt: string, rows: CompareRow[], forceSequential = false): Promise<{ ms: number; mode: string; tokens: number[][]; outputs?: { reused: number; allocated: number } }> {
    const started = performance.now();
    const tokens: number[][] = rows.map(() => []);
    const off = api.client.onEvent((e) => {
      if (e.type === 'compareSteps') for (const s of e.steps) tokens[s.row].push(s.tokenId);
    });
    const id = api.client.compare({ prompt, chat: false, rows, forceSequential });
    const events = await waitFor(api.client, id, (e) => e.type === 'compareDone');
    off();
    const error = events.find((e) => e.type === 'error');
    if (error && error.type === 'error') throw new Error(error.message);
    const done = events.find((e) => e.type === 'compareDone');
    if (!done || done.type !== 'compareDone') return { ms: performance.now() - started, mode: 'none', tokens };
    return { ms: performance.now() - started, mode: done.mode, tokens, outputs: done.outputs };
  },
  /** Runs to the end; `cancelAfterSteps` sends a cancel once that many steps arrived; `withSteps` returns them all. */
  async generate(settings: GenerateSettings, options: { cancelAfterSteps?: number; withSteps?: boolean } = {}): Promise<RunSummary> {
    const started = performance.now();
    const arrivals: number[] = [];
    const off = api.client.onEvent((e) => {
      if (e.type !== 'step') return;
      arrivals.push(performance.now() - started);
      if (arrivals.length === options.cancelAfterSteps) api.client.cancel();
    });
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
      observeMs: steps.map((s) => s.timings.observeMs),
      observedApart: done?.type === 'done' && done.observedApart,
      stepArrivalMs: arrivals,
      messagingMs: done && done.type === 'done' ? done.messagingMs : [],
      startedMs: started,
      deltas: steps.map((s) => s.textDelta),
      ...(options.withSteps ? { steps } : {}),
    };
  },
  /**
   * A sweep's rows (one prompt, each row its own settings) through the worker's batched loop as the sweep sends them
   * (a comparison of `rowsPerBatch` rows, read back whole), or one row a request (`rowsPerBatch` 1: the same runs one
   * at a time). Returns the wall time, the time inside the model's passes, and every row's token ids.
   */
  async sweepRows(prompt: string, rows: BatchRowSettings[], rowsPerBatch: number): Promise<{ ms: number; runtimeMs: number; tokens: number[][] }> {
    const started = performance.now();
    const tokens: number[][] = [];
    let runtimeMs = 0;
    for (let i = 0; i < rows.length; i += rowsPerBatch) {
      const batch: CompareRow[] = rows.slice(i, i + rowsPerBatch).map((row, k) => ({ ...row, lane: k, sample: 0 }));
      const answer = await api.client.compareRows({ prompt, chat: false, rows: batch });
      for (const row of answer.rows) tokens.push(row.steps.map((step) => step.tokenId));
      runtimeMs += answer.runtimeMs ?? NaN;
    }
    return { ms: performance.now() - started, runtimeMs, tokens };
  },
};

/** A beam run to its end: wall time from the request to its last event, on the page. */
async function beamSearch(settings: GenerateSettings, beam: BeamOptions): Promise<{ ms: number; workerMs: number; forwardMs: number; searchMs: number; steps: number; hypotheses: BeamHypothesisView[] }> {
  const started = performance.now();
  const id = api.client.beamSearch(settings, beam);
  const events = await waitFor(api.client, id, (e) => e.type === 'beamDone');
  const ms = performance.now() - started;
  const done = events.find((e) => e.type === 'beamDone');
  const error = events.find((e) => e.type === 'error');
  if (!done || done.type !== 'beamDone') throw new Error(error && error.type === 'error' ? error.message : 'the beam run did not finish');
  const views = events.flatMap((e) => (e.type === 'beamSteps' ? e.steps : []));
  const sum = (f: (v: (typeof views)[number]) => number) => views.reduce((n, v) => n + f(v), 0);
  return { ms, workerMs: done.totalMs, forwardMs: sum((v) => v.timings.forwardMs), searchMs: sum((v) => v.timings.searchMs), steps: views.length, hypotheses: done.hypotheses };
}

/** The decode loop to its end, timed the same way. */
async function timedGenerate(settings: GenerateSettings): Promise<{ ms: number; tokens: number; forwardMs: number }> {
  const started = performance.now();
  const summary = await api.generate(settings);
  return { ms: performance.now() - started, tokens: summary.tokens.length, forwardMs: summary.forwardMs.reduce((a, b) => a + b, 0) };
}

(window as unknown as { logitlab: typeof api & { beamSearch: typeof beamSearch; timedGenerate: typeof timedGenerate } }).logitlab = { ...api, beamSearch, timedGenerate };
document.body.dataset.ready = 'true';

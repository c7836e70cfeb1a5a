// What the inference worker holds between messages and how it answers: the loaded model with everything built on
// it (replaced as a whole by each load), the gate that lets one run at a time use it, and posting to the page.
import { SamplingParamError } from '../core';
import type { BatchGenerator } from './BatchGenerator';
import type { BeamRunner, BeamRunRecord } from './beamRun';
import type { Generator } from './Generator';
import { ModelLoadError, type LoadedModel } from './modelLoader';
import { BATCHING, type EngineRequest, type ErrorCode, type WorkerMessage } from './protocol';
import type { StepPacker } from './stepWire';

const scope = self as unknown as {
  postMessage(message: WorkerMessage, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<EngineRequest>) => void) | null;
};

export function post(event: WorkerMessage, transfer: Transferable[] = []): void {
  scope.postMessage(event, transfer);
}

/** Where the page's requests come in (worker.ts routes them). */
export function onRequest(handle: (request: EngineRequest) => void): void {
  scope.onmessage = (e: MessageEvent<EngineRequest>) => handle(e.data);
}

export function errorMessage(requestId: number, error: unknown, fallback: ErrorCode = 'internal'): WorkerMessage {
  if (error instanceof ModelLoadError) {
    return { type: 'error', requestId, code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) };
  }
  if (error instanceof SamplingParamError) return { type: 'error', requestId, code: 'invalid_params', message: error.message };
  return { type: 'error', requestId, code: fallback, message: error instanceof Error ? error.message : String(error) };
}

export function fail(requestId: number, error: unknown, fallback: ErrorCode = 'internal'): void {
  post(errorMessage(requestId, error, fallback));
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
export function letMessagesIn(): Promise<void> {
  return new Promise((resolve) => {
    resumeRun = resolve;
    loopTurn.port2.postMessage(null);
  });
}

/**
 * Steps of a beam search or comparison on their way to the page: sent together at most once per
 * BATCHING.stepBatchMs (each message wakes the page), the first at once.
 */
export class StepBatcher<Step> {
  private pending: Step[] = [];
  private lastPost = -Infinity;

  constructor(private readonly send: (steps: Step[]) => void) {}

  /** Adds steps; when a batch is due, sends it and gives the run's loop a turn for messages (await the promise). */
  add(...steps: Step[]): Promise<void> | undefined {
    this.pending.push(...steps);
    if (performance.now() - this.lastPost < BATCHING.stepBatchMs) return undefined;
    this.flush();
    return letMessagesIn();
  }

  /** Sends what is pending now (before a message that must follow the steps). */
  flush(): void {
    if (this.pending.length === 0) return;
    this.send(this.pending);
    this.pending = [];
    this.lastPost = performance.now();
  }
}

/** The loaded model and what runs on it; a load replaces all of it at once. */
export interface Engine {
  model: LoadedModel;
  generator: Generator;
  batch: BatchGenerator;
  /** Token texts already sent for this model; a new model starts over (the client resets on 'loaded'). */
  packer: StepPacker;
  /** Beam runs on this model: the batched runner is built on first use. */
  beamRunner: BeamRunner | null;
  /** Beam runs kept for opening their nodes (each holds every step's rows), oldest first. */
  beamRuns: Map<number, BeamRunRecord>;
  /** Every token's text, decoded at the first search and kept for the next. */
  vocabTexts: Map<number, string> | null;
}

export const state = {
  /** Null before the first load, while a load runs, and after one fails. */
  engine: null as Engine | null,
  /** The first run id the next Generator gives out: a model reloaded in this worker carries on the page's ids. */
  nextRunId: 1,
};

/**
 * What every request that uses the model shares: it needs the loaded model, runs alone (refused while another
 * runs, or queued behind one that is being cancelled), and leaves the worker idle however it ends.
 */
class RunGate {
  private activeRequest: number | null = null;
  private cancelRequested = false;
  /** Runs cancelled by request id: one cancelled while it still waits for the run before it never starts drawing. */
  private readonly cancelledRuns = new Set<number>();
  private runFinished: Promise<void> = Promise.resolve();

  /** Whether a run holds the model. */
  get running(): boolean {
    return this.activeRequest !== null;
  }

  /** Stops the run of request `target` (whichever runs, without one), even one still waiting behind another. */
  cancel(target?: number): void {
    if (target !== undefined) this.cancelledRuns.add(target);
    if (this.activeRequest !== null && (target === undefined || target === this.activeRequest)) this.cancelRequested = true;
  }

  isCancelled(requestId: number): boolean {
    return this.cancelRequested || this.cancelledRuns.has(requestId);
  }

  /** Cancels the run in flight; resolves at its end. */
  stopRun(): Promise<void> {
    this.cancelRequested = true;
    return this.runFinished;
  }

  /**
   * Runs `run` on what `ready` picks from the loaded model (null before a load), alone. `run` posts its own answer
   * and its own errors.
   */
  async exclusively<T>(requestId: number, ready: () => T | null, run: (engine: T) => Promise<void>): Promise<void> {
    if (ready() === null) {
      post({ type: 'error', requestId, code: 'not_loaded', message: 'No model is loaded yet: wait for loading to finish.' });
      return;
    }
    if (this.activeRequest !== null) {
      if (!this.cancelRequested) {
        post({ type: 'error', requestId, code: 'busy', message: 'A generation is already running: stop it first.' });
        return;
      }
      await this.runFinished;
    }
    const engine = ready();
    if (engine === null) {
      post({ type: 'error', requestId, code: 'not_loaded', message: 'No model is loaded yet: wait for loading to finish.' });
      return;
    }
    this.activeRequest = requestId;
    this.cancelRequested = false;
    let finish!: () => void;
    this.runFinished = new Promise((resolve) => (finish = resolve));
    try {
      await run(engine);
    } finally {
      this.activeRequest = null;
      this.cancelRequested = false;
      this.cancelledRuns.delete(requestId);
      finish();
    }
  }
}

export const gate = new RunGate();

// The main thread's side of the inference worker: one typed post(), request ids, and event listeners.
// load / generate / cancel are fire-and-forget (their progress arrives as events); getStepLogits and
// decodeTokens answer with a promise.
//
// Workers are disposable. Each load runs in a fresh pair of workers (inference + step observer) while the pair
// that holds the current model keeps serving it; only a load that succeeds replaces it, so a failed load leaves
// the previous model working, and a newer load ends an older one outright (it can never take over). A watchdog
// pings both workers of every pair: one that stops answering (crashed, closed, or looping) is replaced by a new
// pair that reloads the model, and the run in flight ends where its last step did.
import type {
  BeamOptions, BranchPoint, CompareMode, CompareRow, CompareStep, DevicePreference, EngineEvent, EngineRequest, FinishReason, GenerateSettings, ModelSource,
  ObserverSetup, PromptLogits, StepEvent, StepLogits, WorkerFault, WorkerMessage,
} from '../engine/protocol';
import { StepUnpacker } from '../engine/stepWire';

export type EngineListener = (event: EngineEvent) => void;

/** One row of a comparison as compareRows() returns it: its steps, text and how it ended. */
export interface ComparedRow {
  steps: CompareStep[];
  text: string;
  reason: FinishReason;
}

export interface ComparedRows {
  mode: CompareMode;
  ms: number;
  /** Of `ms`, the time inside the model's passes (the worker's own work is the rest). */
  runtimeMs?: number;
  rows: ComparedRow[];
}

/** One node of a beam run's tree, as a step the step panel can open (with its row for what-if). */
export interface BeamNode extends StepLogits {
  event: StepEvent;
}

export interface LoadOptions {
  dtype?: string;
  threads?: number;
  hubHost?: string;
  stallMs?: number;
  /** Run ids the page already uses stay below this (imports, runs of earlier workers). */
  firstRunId?: number;
}

/** How long a worker may leave a ping unanswered before the watchdog replaces it. */
export interface WatchdogTimings {
  /** While it holds a model (idle or generating: a long prompt's first pass blocks the worker for a while). */
  stuckMs: number;
  /** While it loads one (building a large model's session blocks the worker for a while). */
  loadingStuckMs: number;
  pingMs: number;
}

export const DEFAULT_WATCHDOG: WatchdogTimings = { stuckMs: 30_000, loadingStuckMs: 120_000, pingMs: 1_000 };

/** At most this many restarts a minute: a worker that keeps dying is reported, not restarted forever. */
const MAX_RESTARTS_PER_MINUTE = 3;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type LoadRequest = Extract<EngineRequest, { type: 'load' }>;
type WorkerKind = 'inference' | 'observer';

/** One inference worker and its step observer, linked by a channel of their own. */
class WorkerPair {
  readonly engine: Worker;
  observer: Worker | null = null;
  /** When the oldest ping each worker has not answered was sent (any message from it answers). */
  unanswered: Record<WorkerKind, number | null> = { inference: null, observer: null };
  readonly engineSteps = new StepUnpacker();
  /** The observer's packer never starts over (it resends a text that changed), so neither does this side. */
  readonly observedSteps = new StepUnpacker();
  /** Request id of the run in flight in this pair, if any. */
  activeRun: number | null = null;
  closed = false;

  constructor(
    createEngine: () => Worker,
    observeApart: boolean,
    readonly onMessage: (pair: WorkerPair, kind: WorkerKind, message: WorkerMessage) => void,
    readonly onFailure: (pair: WorkerPair, kind: WorkerKind, cause: 'stuck' | 'dead', detail: string) => void,
  ) {
    this.engine = createEngine();
    this.engine.onmessage = (e: MessageEvent<WorkerMessage>) => this.onMessage(this, 'inference', e.data);
    this.engine.onerror = (e) => {
      e.preventDefault();
      this.onFailure(this, 'inference', 'dead', e.message);
    };
    // In a task of its own: starting a worker costs the main thread tens of milliseconds, and the page is opening.
    // The engine reads the observer's port before any run (messages arrive in order; runs are posted later).
    if (observeApart) setTimeout(() => {
      if (!this.closed) this.startObserver();
    }, 0);
  }

  /**
   * A second worker builds what the page shows of each step (stage views, labels) while the engine runs the
   * next forward pass. If it fails before a run needs it, the engine observes inline.
   */
  private startObserver(): void {
    const observer = new Worker(new URL('../engine/observerWorker.ts', import.meta.url), { type: 'module' });
    const link = new MessageChannel();
    observer.onmessage = (e: MessageEvent<WorkerMessage>) => this.onMessage(this, 'observer', e.data);
    observer.onerror = (e) => {
      e.preventDefault();
      if (this.activeRun !== null) {
        this.onFailure(this, 'observer', 'dead', e.message);
        return;
      }
      observer.terminate();
      this.observer = null;
      this.unanswered.observer = null;
      this.post({ type: 'attachObserver', requestId: 0, port: null });
    };
    observer.postMessage({ type: 'engine', port: link.port2 } satisfies ObserverSetup, [link.port2]);
    this.post({ type: 'attachObserver', requestId: 0, port: link.port1 }, [link.port1]);
    this.observer = observer;
  }

  post(request: EngineRequest, transfer: Transferable[] = []): void {
    if (!this.closed) this.engine.postMessage(request, transfer);
  }

  heard(kind: WorkerKind): void {
    this.unanswered[kind] = null;
  }

  /** Sends the watchdog's pings; returns the worker that has left one unanswered for longer than `limitMs`. */
  ping(now: number, limitMs: number): WorkerKind | null {
    for (const kind of ['inference', 'observer'] as const) {
      if (kind === 'observer' && !this.observer) continue;
      const since = this.unanswered[kind];
      if (since !== null && now - since > limitMs) return kind;
      if (since !== null) continue;
      this.unanswered[kind] = now;
      if (kind === 'inference') this.post({ type: 'ping', requestId: 0 });
      else this.observer?.postMessage({ type: 'ping' } satisfies ObserverSetup);
    }
    return null;
  }

  /** Test-only faults: a worker closed or looping from inside, or terminated from here. */
  inject(kind: WorkerKind, fault: WorkerFault | 'terminate'): void {
    const worker = kind === 'inference' ? this.engine : this.observer;
    if (!worker) return;
    if (fault === 'terminate') worker.terminate();
    else if (kind === 'inference') this.post({ type: 'fault', requestId: 0, fault });
    else worker.postMessage({ type: 'fault', fault } satisfies ObserverSetup);
  }

  terminate(): void {
    this.closed = true;
    this.engine.terminate();
    this.observer?.terminate();
  }
}

export class EngineClient {
  private readonly listeners = new Set<EngineListener>();
  private readonly waiting = new Map<number, { resolve(e: EngineEvent): void; reject(e: Error): void }>();
  /** Requests whose every event goes to their caller (true from `take`: the last one). */
  private readonly collecting = new Map<number, { take(e: EngineEvent): boolean; reject(e: Error): void }>();
  private nextRequestId = 1;
  private readonly createEngine: () => Worker;
  private readonly observeApart: boolean;
  /** The pair holding the loaded model (null before the first load succeeds). */
  private current: WorkerPair | null = null;
  /** What `current` loaded, to load it again in a new pair after a crash. */
  private currentLoad: LoadRequest | null = null;
  /** The newest load, in its own pair, until it succeeds or fails. */
  private pending: { pair: WorkerPair; request: LoadRequest; retried: boolean } | null = null;
  private highestRunId = 0;
  private restarts: number[] = [];
  private timings: WatchdogTimings = { ...DEFAULT_WATCHDOG };
  private watchdog: ReturnType<typeof setInterval> | null = null;

  /** `observeApart: false` keeps all of a step's work in the inference worker (the benchmark compares both). */
  constructor(options: { observeApart?: boolean; createWorker?: () => Worker; watchdog?: Partial<WatchdogTimings> } = {}) {
    this.createEngine = options.createWorker ?? (() => new Worker(new URL('../engine/worker.ts', import.meta.url), { type: 'module' }));
    this.observeApart = options.observeApart !== false;
    this.setWatchdog(options.watchdog ?? {});
  }

  onEvent(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setWatchdog(timings: Partial<WatchdogTimings>): void {
    this.timings = { ...this.timings, ...timings };
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.watchdog = setInterval(() => this.checkWorkers(), this.timings.pingMs);
  }

  load(source: ModelSource, device: DevicePreference = 'auto', options: LoadOptions = {}): number {
    const requestId = this.nextRequestId++;
    const firstRunId = Math.max(options.firstRunId ?? 1, this.highestRunId + 1);
    this.startLoad({ type: 'load', requestId, source, device, ...options, firstRunId });
    return requestId;
  }

  generate(settings: GenerateSettings, options: { branch?: BranchPoint; singleStep?: boolean } = {}): number {
    return this.startRun({ type: 'generate', settings, ...options });
  }

  /** A beam search; its steps arrive as 'beamSteps' events and its end as 'beamDone'; it is the pair's run in flight. */
  beamSearch(settings: GenerateSettings, beam: BeamOptions): number {
    return this.startRun({ type: 'beamSearch', settings, beam });
  }

  async getBeamNode(runId: number, step: number, source: number, tokenId: number): Promise<BeamNode> {
    const event = await this.request({ type: 'getBeamNode', runId, step, source, tokenId });
    if (event.type !== 'beamNode') throw new Error('unexpected answer to getBeamNode');
    // Beam search never runs DRY (only the penalties and the bias), so no breakers apply to its nodes.
    return { event: event.event, logits: event.logits, promptIds: event.promptIds, generatedIds: event.generatedIds, dryBreakerIds: [] };
  }

  /** A comparison: lanes × samples as rows of one batch (events carry the row); it is the pair's run in flight. */
  compare(request: { prompt: string; chat: boolean; rows: CompareRow[]; forceSequential?: boolean }): number {
    return this.startRun({ type: 'compare', ...request });
  }

  /**
   * A comparison whose events come back to the caller instead of the listeners, as whole rows at its end (a sweep
   * reads rows, not steps). Like compare() it is the pair's run in flight, so cancel() stops it (its rows then end
   * 'cancelled'); it rejects on an error, or when its worker dies or the model is replaced.
   */
  compareRows(request: { prompt: string; chat: boolean; rows: CompareRow[] }): Promise<ComparedRows> {
    return new Promise((resolve, reject) => {
      const pair = this.current;
      if (!pair) {
        reject(new Error('no model is loaded'));
        return;
      }
      const requestId = this.nextRequestId++;
      const fresh = () => request.rows.map((): ComparedRow => ({ steps: [], text: '', reason: 'cancelled' }));
      let rows = fresh();
      this.collecting.set(requestId, {
        reject,
        take: (event) => {
          switch (event.type) {
            case 'compareStarted':
              // A fall-back to one row after another starts the rows over.
              rows = fresh();
              return false;
            case 'compareSteps':
              for (const step of event.steps) rows[step.row]?.steps.push(step);
              return false;
            case 'compareRowDone': {
              const row = rows[event.row];
              if (row) {
                row.text = event.text;
                row.reason = event.reason;
              }
              return false;
            }
            case 'compareDone':
              resolve({ mode: event.mode, ms: event.ms, rows, ...(event.runtimeMs !== undefined ? { runtimeMs: event.runtimeMs } : {}) });
              return true;
            case 'error':
              reject(new Error(event.message));
              return true;
            default:
              return false;
          }
        },
      });
      pair.activeRun = requestId;
      // Whole rows: their text is read from compareRowDone, never step by step.
      pair.post({ type: 'compare', requestId, ...request, textPerStep: false });
    });
  }

  /** Stops the run in flight, and only that one: a cancel never reaches a run started after it. */
  cancel(): void {
    const pair = this.current;
    if (!pair) return;
    pair.post({ type: 'cancel', requestId: this.nextRequestId++, ...(pair.activeRun !== null ? { target: pair.activeRun } : {}) });
  }

  async getStepLogits(runId: number, step: number): Promise<StepLogits> {
    const event = await this.request({ type: 'getStepLogits', runId, step });
    if (event.type !== 'stepLogits') throw new Error('unexpected answer to getStepLogits');
    return { logits: event.logits, promptIds: event.promptIds, generatedIds: event.generatedIds, dryBreakerIds: event.dryBreakerIds };
  }

  async decodeTokens(ids: number[]): Promise<Record<number, string>> {
    const event = await this.request({ type: 'decodeTokens', ids });
    if (event.type !== 'tokenTexts') throw new Error('unexpected answer to decodeTokens');
    return event.texts;
  }

  async findTokens(query: string, limit = 12): Promise<{ id: number; text: string }[]> {
    const event = await this.request({ type: 'findTokens', query, limit });
    if (event.type !== 'tokenMatches') throw new Error('unexpected answer to findTokens');
    return event.matches;
  }

  /** Each prompt's next-token logits from one forward pass, and the first token of each continuation. */
  async promptLogits(prompts: string[], continuations: string[][], chat = false): Promise<PromptLogits[]> {
    const event = await this.request({ type: 'promptLogits', prompts, continuations, chat });
    if (event.type !== 'promptLogits') throw new Error('unexpected answer to promptLogits');
    return event.items;
  }

  /** Test-only: makes the current pair's (or the loading pair's) worker crash or wedge, to exercise the watchdog. */
  injectFault(worker: WorkerKind, fault: WorkerFault | 'terminate', which: 'current' | 'loading' = 'current'): void {
    (which === 'current' ? this.current : this.pending?.pair)?.inject(worker, fault);
  }

  terminate(): void {
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.watchdog = null;
    this.current?.terminate();
    this.pending?.pair.terminate();
    this.current = null;
    this.pending = null;
  }

  /** Posts a run (generation, beam search, comparison) as the pair's run in flight; without a model, answers not_loaded. */
  private startRun(run: DistributiveOmit<Extract<EngineRequest, { type: 'generate' | 'beamSearch' | 'compare' }>, 'requestId'>): number {
    const requestId = this.nextRequestId++;
    const pair = this.current;
    if (!pair) {
      queueMicrotask(() => this.dispatch({ type: 'error', requestId, code: 'not_loaded', message: 'No model is loaded yet: wait for loading to finish.' }));
      return requestId;
    }
    pair.activeRun = requestId;
    pair.post({ ...run, requestId } as EngineRequest);
    return requestId;
  }

  private startLoad(request: LoadRequest, retried = false): void {
    // A newer load ends the older one outright, and the run of the model it replaces.
    this.pending?.pair.terminate();
    if (this.current?.activeRun != null) this.cancel();
    const pair = new WorkerPair(this.createEngine, this.observeApart, (p, kind, m) => this.receive(p, kind, m), (p, kind, cause, detail) => this.failed(p, kind, cause, detail));
    this.pending = { pair, request, retried };
    pair.post(request);
  }

  private request(request: DistributiveOmit<EngineRequest, 'requestId'>): Promise<EngineEvent> {
    return new Promise((resolve, reject) => {
      const pair = this.current;
      if (!pair) {
        reject(new Error('no model is loaded'));
        return;
      }
      const requestId = this.nextRequestId++;
      this.waiting.set(requestId, { resolve, reject });
      pair.post({ ...request, requestId } as EngineRequest);
    });
  }

  private receive(pair: WorkerPair, kind: WorkerKind, message: WorkerMessage): void {
    pair.heard(kind);
    if (message.type === 'pong' || pair.closed) return;
    const loading = this.pending?.pair === pair ? this.pending : null;
    if (!loading && pair !== this.current) return;
    if (message.type === 'steps') {
      const unpacker = kind === 'inference' ? pair.engineSteps : pair.observedSteps;
      for (const event of unpacker.unpack(message.batch)) this.dispatch({ type: 'step', requestId: message.requestId, event });
      return;
    }
    if (loading && message.requestId === loading.request.requestId) {
      if (message.type === 'webgpuFailed') {
        // The runtime of that worker cannot build another session: WASM in a fresh pair, under the same request id.
        pair.terminate();
        const notice = `WebGPU failed (${message.message}): running on WASM (CPU) instead.`;
        this.startLoad({ ...loading.request, device: 'wasm', carried: { reason: 'webgpu-failed', notice } }, loading.retried);
        return;
      }
      if (message.type === 'error') {
        pair.terminate();
        this.pending = null;
      }
      if (message.type === 'loaded') {
        this.current?.terminate();
        this.rejectWaiting('the model was replaced');
        this.current = pair;
        this.currentLoad = loading.request;
        this.pending = null;
      }
    }
    // The engine sends token texts once per model: its new model's steps start from none.
    if (message.type === 'loaded') pair.engineSteps.reset();
    if (message.type === 'runStarted') this.highestRunId = Math.max(this.highestRunId, message.runId);
    if ((message.type === 'done' || message.type === 'compareDone' || message.type === 'beamDone' || message.type === 'error') && message.requestId === pair.activeRun) pair.activeRun = null;
    this.dispatch(message);
  }

  private checkWorkers(): void {
    const now = performance.now();
    const loading = this.pending;
    if (loading) {
      const silent = loading.pair.ping(now, this.timings.loadingStuckMs);
      if (silent) this.failed(loading.pair, silent, 'stuck', '');
    }
    const current = this.current;
    if (current) {
      const silent = current.ping(now, this.timings.stuckMs);
      if (silent) this.failed(current, silent, 'stuck', '');
    }
  }

  /** A worker died or stopped answering: its pair goes, and what it was doing is redone or reported. */
  private failed(pair: WorkerPair, worker: WorkerKind, cause: 'stuck' | 'dead', detail: string): void {
    if (pair.closed) return;
    pair.terminate();
    const now = performance.now();
    this.restarts = this.restarts.filter((t) => now - t < 60_000);
    const mayRestart = this.restarts.length < MAX_RESTARTS_PER_MINUTE;
    if (mayRestart) this.restarts.push(now);
    const what = `The ${worker === 'inference' ? 'inference' : 'step observer'} worker ${cause === 'dead' ? `failed${detail ? ` (${detail})` : ''}` : 'stopped answering'}`;

    if (this.pending?.pair === pair) {
      const { request, retried } = this.pending;
      this.pending = null;
      if (mayRestart && !retried) this.startLoad(request, true);
      else this.dispatch({ type: 'error', requestId: request.requestId, code: 'worker_failed', message: `${what} while loading the model.` });
      return;
    }
    if (pair !== this.current) return;
    this.current = null;
    this.rejectWaiting(`${what}.`);
    const runRequestId = pair.activeRun;
    let reloadRequestId: number | null = null;
    // A load already under way brings a model of its own; otherwise the same model again, in a new pair.
    if (!this.pending && this.currentLoad && mayRestart) {
      const { source, device, ...options } = this.currentLoad;
      reloadRequestId = this.load(source, device, { dtype: options.dtype, threads: options.threads, hubHost: options.hubHost, stallMs: options.stallMs });
    }
    this.dispatch({ type: 'workerRestarted', requestId: 0, worker, cause, runRequestId, reloadRequestId });
    if (!mayRestart && !this.pending) {
      this.dispatch({ type: 'error', requestId: 0, code: 'worker_failed', message: `${what} again and again: reload the page.` });
    }
  }

  private rejectWaiting(why: string): void {
    for (const waiter of this.waiting.values()) waiter.reject(new Error(why));
    this.waiting.clear();
    for (const collector of this.collecting.values()) collector.reject(new Error(why));
    this.collecting.clear();
  }

  private dispatch(event: EngineEvent): void {
    const collector = this.collecting.get(event.requestId);
    if (collector) {
      if (collector.take(event)) this.collecting.delete(event.requestId);
      return;
    }
    const waiter = this.waiting.get(event.requestId);
    if (waiter) {
      this.waiting.delete(event.requestId);
      if (event.type === 'error') waiter.reject(new Error(event.message));
      else waiter.resolve(event);
      return;
    }
    for (const listener of this.listeners) listener(event);
  }
}

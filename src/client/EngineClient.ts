// The main thread's side of the inference worker: one typed post(), request ids, and event listeners.
// load / generate / cancel are fire-and-forget (their progress arrives as events); getStepLogits and
// decodeTokens answer with a promise.
import type {
  BranchPoint, CompareRow, DevicePreference, EngineEvent, EngineRequest, GenerateSettings, ModelSource, ObserverSetup, WorkerMessage,
} from '../engine/protocol';
import { StepUnpacker } from '../engine/stepWire';

export type EngineListener = (event: EngineEvent) => void;

export interface StepLogits {
  logits: Float32Array;
  promptIds: number[];
  generatedIds: number[];
  dryBreakerIds: number[];
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class EngineClient {
  private readonly worker: Worker;
  private readonly listeners = new Set<EngineListener>();
  private readonly waiting = new Map<number, { resolve(e: EngineEvent): void; reject(e: Error): void }>();
  private nextRequestId = 1;
  private readonly steps = new StepUnpacker();
  private observer: Worker | null = null;
  /** The observer's packer never starts over (it resends a text that changed), so neither does this side. */
  private readonly observedSteps = new StepUnpacker();

  /** `observeApart: false` keeps all of a step's work in the inference worker (the benchmark compares both). */
  constructor(worker?: Worker, options: { observeApart?: boolean } = {}) {
    this.worker = worker ?? new Worker(new URL('../engine/worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<WorkerMessage>) => this.receive(e.data, this.steps);
    this.worker.onerror = (e) => {
      this.dispatch({ type: 'error', requestId: 0, code: 'internal', message: `The inference worker failed: ${e.message}` });
    };
    if (!worker && options.observeApart !== false) this.startObserver();
  }

  /**
   * A second worker builds what the page shows of each step (stage views, labels) while the engine runs the
   * next forward pass; the two talk over a channel of their own. If it fails, the engine observes inline.
   */
  private startObserver(): void {
    const observer = new Worker(new URL('../engine/observerWorker.ts', import.meta.url), { type: 'module' });
    const link = new MessageChannel();
    observer.onmessage = (e: MessageEvent<WorkerMessage>) => this.receive(e.data, this.observedSteps);
    observer.onerror = () => {
      observer.terminate();
      this.observer = null;
      this.post({ type: 'attachObserver', port: null });
    };
    observer.postMessage({ type: 'engine', port: link.port2 } satisfies ObserverSetup, [link.port2]);
    this.post({ type: 'attachObserver', port: link.port1 }, [link.port1]);
    this.observer = observer;
  }

  onEvent(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  load(source: ModelSource, device: DevicePreference = 'auto', options: { dtype?: string; threads?: number; hubHost?: string } = {}): number {
    return this.post({ type: 'load', source, device, ...options });
  }

  generate(settings: GenerateSettings, options: { branch?: BranchPoint; singleStep?: boolean } = {}): number {
    return this.post({ type: 'generate', settings, ...options });
  }

  /** A comparison: lanes × samples as rows of one batch (events carry the row). */
  compare(request: { prompt: string; chat: boolean; rows: CompareRow[]; forceSequential?: boolean }): number {
    return this.post({ type: 'compare', ...request });
  }

  cancel(): void {
    this.post({ type: 'cancel' });
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

  terminate(): void {
    this.worker.terminate();
    this.observer?.terminate();
  }

  private post(request: DistributiveOmit<EngineRequest, 'requestId'>, transfer: Transferable[] = []): number {
    const requestId = this.nextRequestId++;
    this.worker.postMessage({ ...request, requestId } as EngineRequest, transfer);
    return requestId;
  }

  private request(request: DistributiveOmit<EngineRequest, 'requestId'>): Promise<EngineEvent> {
    return new Promise((resolve, reject) => {
      const id = this.post(request);
      this.waiting.set(id, { resolve, reject });
    });
  }

  private receive(message: WorkerMessage, unpacker: StepUnpacker): void {
    if (message.type === 'steps') {
      for (const event of unpacker.unpack(message.batch)) this.dispatch({ type: 'step', requestId: message.requestId, event });
      return;
    }
    // The engine sends token texts once per model: its new model's steps start from none.
    if (message.type === 'loaded') this.steps.reset();
    this.dispatch(message);
  }

  private dispatch(event: EngineEvent): void {
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

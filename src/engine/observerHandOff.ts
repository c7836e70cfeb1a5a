// Where a generate run's steps are observed and how its messages reach the page: handed off to the step observer's
// worker (observerWorker.ts), which builds what the page shows of each step while this worker runs the next forward
// pass, or observed here when that worker is missing or has not loaded the model's tokenizer. Both are a RunOutput,
// whose StepSink is what the decode loop hands each drawn step to.
import { isSharedView } from './logitsArena';
import { BATCHING, type DrawnStep, type ObserverReply, type ObserverRequest, type StepEvent, type TokenizerOptions, type WorkerMessage } from './protocol';
import { StepObserver, observeHere, type StepSink } from './stepObserver';
import { StepBatcher, type StepPacker } from './stepWire';
import { letMessagesIn, post } from './workerState';

/** The port to the step observer's worker, when the page has linked one, and whether it has the model's tokenizer. */
class ObserverLink {
  private port: MessagePort | null = null;
  private loads = 0;
  private ready: Promise<boolean> = Promise.resolve(false);
  private readonly waiting = new Map<number, (ready: boolean) => void>();

  attach(port: MessagePort | null): void {
    this.port = port;
    if (!port) {
      for (const resolve of this.waiting.values()) resolve(false);
      this.waiting.clear();
      this.ready = Promise.resolve(false);
      return;
    }
    port.onmessage = (e: MessageEvent<ObserverReply>) => {
      this.waiting.get(e.data.loadId)?.(e.data.type === 'ready');
      this.waiting.delete(e.data.loadId);
    };
  }

  /** Has the observer load the tokenizer of the model just loaded here. */
  prepare(tokenizer: TokenizerOptions): void {
    const port = this.port;
    if (!port) return;
    const loadId = ++this.loads;
    this.ready = new Promise((resolve) => this.waiting.set(loadId, resolve));
    port.postMessage({ type: 'load', loadId, tokenizer } satisfies ObserverRequest);
  }

  /** The port, once the observer can label the loaded model's tokens; null: steps are observed here. */
  async readyPort(): Promise<MessagePort | null> {
    return this.port && (await this.ready) ? this.port : null;
  }
}

export const observerLink = new ObserverLink();

/** Where a run's messages go, timing what handing on each step costs the decode path. */
export interface RunOutput {
  /** What the decode loop hands each drawn step to. */
  readonly sink: StepSink;
  /** Whether the step observer's worker builds the steps' views (off the decode path) or this worker does. */
  readonly observedApart: boolean;
  /** A message of the run other than its steps. */
  post(message: WorkerMessage): void;
  /** Posts what is left; its cost counts to the last step. */
  finish(): void;
  /** Per step, the time to hand it on (and to post its batch, when it went then). */
  readonly messagingMs: number[];
}

/** The output for a run starting now: handed off when the observer's worker is ready, else observed here. */
export async function openRunOutput(requestId: number, packer: StepPacker, tokenText: (id: number) => string): Promise<RunOutput> {
  const port = await observerLink.readyPort();
  return port ? new ObservedElsewhereRun(requestId, port) : new InlineRun(requestId, packer, tokenText);
}

/** What sending a run's last steps costs counts to its last step. */
function chargeToLastStep(messagingMs: number[], send: () => void): void {
  const start = performance.now();
  send();
  if (messagingMs.length > 0) messagingMs[messagingMs.length - 1] += performance.now() - start;
}

/** Steps observed here, packed, and posted to the page in batches. */
class InlineRun implements RunOutput {
  readonly sink: StepSink;
  readonly observedApart = false;
  readonly messagingMs: number[] = [];
  private readonly batch: StepBatcher;

  constructor(requestId: number, packer: StepPacker, tokenText: (id: number) => string) {
    this.batch = new StepBatcher(packer, (batch, transfer) => post({ type: 'steps', requestId, batch }, transfer));
    this.sink = observeHere(new StepObserver(tokenText), (event) => (this.add(event) ? letMessagesIn() : undefined));
  }

  post(message: WorkerMessage): void {
    post(message);
  }

  finish(): void {
    chargeToLastStep(this.messagingMs, () => this.batch.flush());
  }

  /** True when the step's batch was posted (a moment to let waiting messages in). */
  private add(event: StepEvent): boolean {
    const start = performance.now();
    this.batch.add(event);
    const posted = this.batch.postIfDue();
    this.messagingMs.push(performance.now() - start);
    return posted;
  }
}

/**
 * Drawn steps go to the step observer every BATCHING.observerHandoffMs, so that it observes while the next forward
 * passes run (one batch per BATCHING.stepBatchMs would leave it all to do after a short run; a message per step
 * costs as much as observing it). It batches what it posts to the page, and posts the run's other messages in
 * order with the steps.
 */
class ObservedElsewhereRun implements RunOutput {
  readonly sink: StepSink = {
    // The chain that draws only draws: the observer re-runs it with its observer.
    chainObserver: () => undefined,
    start: (run) => this.port.postMessage({ type: 'run', requestId: this.requestId, run } satisfies ObserverRequest),
    take: (step) => (this.add(step) ? letMessagesIn() : undefined),
  };
  readonly observedApart = true;
  readonly messagingMs: number[] = [];
  private steps: DrawnStep[] = [];
  /** The buffers of the copies among `steps`, transferred with them. */
  private copies: ArrayBuffer[] = [];
  private lastHandOff = -Infinity;
  private lastTurn = -Infinity;

  constructor(private readonly requestId: number, private readonly port: MessagePort) {}

  post(message: WorkerMessage): void {
    this.port.postMessage({ type: 'relay', message } satisfies ObserverRequest);
  }

  finish(): void {
    chargeToLastStep(this.messagingMs, () => this.handOff());
  }

  /** True at most once per BATCHING.stepBatchMs (a moment to let waiting messages in). */
  private add(step: DrawnStep): boolean {
    const start = performance.now();
    // Shared logits travel as a view; otherwise a copy, transferred: the run keeps its own for inspection and branching.
    if (isSharedView(step.logits)) {
      this.steps.push(step);
    } else {
      const copy = step.logits.slice();
      this.steps.push({ ...step, logits: copy });
      this.copies.push(copy.buffer);
    }
    if (start - this.lastHandOff >= BATCHING.observerHandoffMs) this.handOff();
    const end = performance.now();
    this.messagingMs.push(end - start);
    if (start - this.lastTurn < BATCHING.stepBatchMs) return false;
    this.lastTurn = end;
    return true;
  }

  private handOff(): void {
    if (this.steps.length === 0) return;
    this.port.postMessage({ type: 'steps', requestId: this.requestId, steps: this.steps } satisfies ObserverRequest, this.copies);
    this.steps = [];
    this.copies = [];
    this.lastHandOff = performance.now();
  }
}

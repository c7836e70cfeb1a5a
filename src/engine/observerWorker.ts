// The step observer's worker: turns the engine's drawn steps into StepEvents (stage views, fates, labels) and
// posts them to the page, on a core of its own while the engine runs the next forward pass. It loads the
// model's tokenizer itself (from the browser's cache: the engine has just downloaded it) for the labels, and
// posts every message of a run (runStarted, steps, done, error) in one ordered stream.
import { env } from '@huggingface/transformers';
import { loadTokenizerCodec } from './modelLoader';
import type { ObserverReply, ObserverRequest, ObserverSetup, WorkerMessage } from './protocol';
import { StepObserver } from './stepObserver';
import { StepBatcher, StepPacker } from './stepWire';

env.useBrowserCache = true;

const scope = self as unknown as {
  postMessage(message: WorkerMessage, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ObserverSetup>) => void) | null;
};

/** One packer for the worker's life: it resends a token's text whenever it differs from what the page has. */
const packer = new StepPacker();
let observer: StepObserver | null = null;
/** Messages are handled one after another: a tokenizer load must finish before the run that needs it. */
let queue: Promise<void> = Promise.resolve();

/** The current run's steps on their way to the page, batched as the engine would post them. */
let batch: StepBatcher | null = null;

async function handle(request: ObserverRequest, engine: MessagePort): Promise<void> {
  switch (request.type) {
    case 'load': {
      observer = null;
      let reply: ObserverReply;
      try {
        const codec = await loadTokenizerCodec(request.tokenizer);
        observer = new StepObserver(codec.tokenText);
        reply = { type: 'ready', loadId: request.loadId };
      } catch (error) {
        reply = { type: 'unavailable', loadId: request.loadId, message: error instanceof Error ? error.message : String(error) };
      }
      engine.postMessage(reply);
      break;
    }
    case 'run': {
      batch?.flush();
      const { requestId } = request;
      batch = new StepBatcher(packer, (packed, transfer) => scope.postMessage({ type: 'steps', requestId, batch: packed }, transfer));
      observer?.startRun(request.run);
      break;
    }
    case 'steps': {
      if (!observer || !batch) throw new Error('steps arrived before a tokenizer was loaded or a run started');
      for (const step of request.steps) batch.add(observer.observe(step));
      batch.postIfDue();
      break;
    }
    case 'relay':
      // Everything of the run before its end (or error) first.
      batch?.flush();
      scope.postMessage(request.message);
      break;
    default: {
      const unknown: never = request;
      throw new Error(`unknown observer request ${JSON.stringify(unknown)}`);
    }
  }
}

scope.onmessage = (e: MessageEvent<ObserverSetup>) => {
  const engine = e.data.port;
  engine.onmessage = (m: MessageEvent<ObserverRequest>) => {
    const request = m.data;
    queue = queue.then(() => handle(request, engine)).catch((error: unknown) => {
      const requestId = 'requestId' in request ? request.requestId : 0;
      scope.postMessage({ type: 'error', requestId, code: 'internal', message: `Showing the step failed: ${error instanceof Error ? error.message : String(error)}` });
    });
  };
};

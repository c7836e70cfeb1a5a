// The step observer's worker: turns the engine's drawn steps into StepEvents (stage views, fates, labels) and
// posts them to the page, on a core of its own while the engine runs the next forward pass. It loads the
// model's tokenizer itself (from the browser's cache: the engine has just downloaded it) for the labels, and
// posts every message of a run (runStarted, steps, done, error) in one ordered stream.
import { env } from '@huggingface/transformers';
import { loadTokenizerCodec } from './modelLoader';
import { STEP_BATCH_MS, type ObserverReply, type ObserverRequest, type ObserverSetup, type WorkerMessage } from './protocol';
import { StepObserver } from './stepObserver';
import { StepPacker } from './stepWire';

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

let lastPost = -Infinity;
let pendingRequest = 0;

function flush(requestId: number): void {
  if (packer.pending === 0) return;
  const { packed, transfer } = packer.take();
  scope.postMessage({ type: 'steps', requestId, batch: packed }, transfer);
  lastPost = performance.now();
}

async function handle(request: ObserverRequest, engine: MessagePort): Promise<void> {
  switch (request.type) {
    case 'load': {
      observer = null;
      let reply: ObserverReply;
      try {
        const codec = await loadTokenizerCodec(request.tokenizer);
        const texts = new Map<number, string>();
        observer = new StepObserver((id) => {
          let text = texts.get(id);
          if (text === undefined) texts.set(id, (text = codec.decode([id])));
          return text;
        });
        reply = { type: 'ready', loadId: request.loadId };
      } catch (error) {
        reply = { type: 'unavailable', loadId: request.loadId, message: error instanceof Error ? error.message : String(error) };
      }
      engine.postMessage(reply);
      break;
    }
    case 'run':
      flush(pendingRequest);
      pendingRequest = request.requestId;
      lastPost = -Infinity;
      observer?.startRun(request.run);
      break;
    case 'steps': {
      if (!observer) throw new Error('steps arrived before a tokenizer was loaded');
      for (const step of request.steps) packer.add(observer.observe(step));
      // The page draws a few times a second: the first step at once, then batches, as the engine would post them.
      if (performance.now() - lastPost >= STEP_BATCH_MS) flush(request.requestId);
      break;
    }
    case 'relay':
      // Everything of the run before its end (or error) first.
      flush(pendingRequest);
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

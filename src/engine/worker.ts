// The inference worker's entry: owns the model, runs one request at a time, and speaks the typed protocol. This
// file routes each request to its handler: loading in workerLoad.ts, runs and lookups in workerRuns.ts, the
// step observer's link in observerHandOff.ts, the state they share in workerState.ts.
import { observerLink } from './observerHandOff';
import type { EngineRequest, WorkerFault } from './protocol';
import { handleLoad, setUpRuntime } from './workerLoad';
import {
  handleBeamNode, handleBeamSearch, handleCompare, handleDecodeTokens, handleFindTokens, handleGenerate, handlePromptLogits, handleStepLogits,
} from './workerRuns';
import { gate, onRequest, post } from './workerState';

setUpRuntime();

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

onRequest((request: EngineRequest) => {
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
      gate.cancel(request.target);
      break;
    case 'getStepLogits':
      handleStepLogits(request);
      break;
    case 'attachObserver':
      observerLink.attach(request.port);
      break;
    case 'ping':
      post({ type: 'pong', requestId: request.requestId });
      break;
    case 'fault':
      injectFault(request.fault);
      break;
    case 'findTokens':
      handleFindTokens(request);
      break;
    case 'decodeTokens':
      handleDecodeTokens(request);
      break;
    default: {
      const unknown: never = request;
      throw new Error(`unknown request ${JSON.stringify(unknown)}`);
    }
  }
});

// What any page running the bundled model on onnxruntime-web's CPU build (the one the page uses on WASM) must do
// before its first token: fetch the weights, compile the runtime and build the session. Nothing of LogitLab's.
import * as ort from 'onnxruntime-web/wasm';

ort.env.wasm.numThreads = 1;
const started = performance.now();
const weights = new Uint8Array(await (await fetch('/models/logitlab-tiny/onnx/model.onnx')).arrayBuffer());
const fetched = performance.now();
await ort.InferenceSession.create(weights, { executionProviders: ['wasm'] });
postMessage({ fetchMs: fetched - started, sessionMs: performance.now() - fetched });

// Benchmark peer: transformers.js's own generate() (greedy) on the same bundled model, in a worker like ours.
// It loads once and then answers any number of generate requests, as our worker does, so both sides are timed
// warm and neither pays for a model load or a fresh runtime inside the other's measurement.
import { AutoModelForCausalLM, AutoTokenizer, TextStreamer, env, type PreTrainedModel, type PreTrainedTokenizer } from '@huggingface/transformers';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import ortMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';

export type PeerRequest =
  | { type: 'load'; threads: number; device: 'wasm' | 'webgpu' }
  | { type: 'generate'; prompt: string; maxNewTokens: number };

export type PeerAnswer =
  | { type: 'loaded' }
  | { type: 'generated'; firstTokenMs: number; totalMs: number; tokens: number; tokenTimes: number[] }
  | { type: 'error'; message: string };

const onnxEnv = env.backends.onnx as { wasm?: { wasmPaths?: unknown; numThreads?: number } };
let tokenizer: PreTrainedTokenizer | null = null;
let model: PreTrainedModel | null = null;

async function load(threads: number, device: 'wasm' | 'webgpu'): Promise<void> {
  if (onnxEnv.wasm) {
    onnxEnv.wasm.wasmPaths = { mjs: ortMjsUrl, wasm: ortWasmUrl };
    onnxEnv.wasm.numThreads = threads;
  }
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  env.localModelPath = '/models/';
  tokenizer = await AutoTokenizer.from_pretrained('logitlab-tiny');
  model = await AutoModelForCausalLM.from_pretrained('logitlab-tiny', { device, dtype: 'fp32' });
}

async function generate(prompt: string, maxNewTokens: number): Promise<PeerAnswer> {
  if (!tokenizer || !model) throw new Error('the peer has no model loaded');
  const inputs = tokenizer(prompt, { add_special_tokens: false });
  const times: number[] = [];
  const start = performance.now();
  const streamer = new TextStreamer(tokenizer, { skip_prompt: true, callback_function: () => {}, token_callback_function: () => times.push(performance.now()) });
  const output = await model.generate({ ...inputs, max_new_tokens: maxNewTokens, min_new_tokens: maxNewTokens, do_sample: false, streamer });
  const end = performance.now();
  const generated = (output as { dims: number[] }).dims[1] - (inputs.input_ids as { dims: number[] }).dims[1];
  return { type: 'generated', firstTokenMs: times[0] - start, totalMs: end - start, tokens: generated, tokenTimes: times.map((t) => t - start) };
}

self.onmessage = async (e: MessageEvent<PeerRequest>) => {
  const request = e.data;
  try {
    if (request.type === 'load') {
      await load(request.threads, request.device);
      self.postMessage({ type: 'loaded' } satisfies PeerAnswer);
    } else {
      self.postMessage(await generate(request.prompt, request.maxNewTokens));
    }
  } catch (error) {
    self.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) } satisfies PeerAnswer);
  }
};

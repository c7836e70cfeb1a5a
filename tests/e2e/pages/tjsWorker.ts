// Benchmark peer: transformers.js's own generate() (greedy) on the same bundled model, in a worker like ours.
import { AutoModelForCausalLM, AutoTokenizer, TextStreamer, env } from '@huggingface/transformers';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import ortMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';

const onnxEnv = env.backends.onnx as { wasm?: { wasmPaths?: unknown; numThreads?: number } };

self.onmessage = async (e: MessageEvent<{ prompt: string; maxNewTokens: number; threads: number; device: 'wasm' | 'webgpu' }>) => {
  const { prompt, maxNewTokens, threads, device } = e.data;
  if (onnxEnv.wasm) {
    onnxEnv.wasm.wasmPaths = { mjs: ortMjsUrl, wasm: ortWasmUrl };
    onnxEnv.wasm.numThreads = threads;
  }
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  env.localModelPath = '/models/';
  const tokenizer = await AutoTokenizer.from_pretrained('logitlab-tiny');
  const model = await AutoModelForCausalLM.from_pretrained('logitlab-tiny', { device, dtype: 'fp32' });
  const inputs = tokenizer(prompt, { add_special_tokens: false });
  const times: number[] = [];
  const start = performance.now();
  const streamer = new TextStreamer(tokenizer, { skip_prompt: true, callback_function: () => {}, token_callback_function: () => times.push(performance.now()) });
  const output = await model.generate({ ...inputs, max_new_tokens: maxNewTokens, min_new_tokens: maxNewTokens, do_sample: false, streamer });
  const end = performance.now();
  const generated = (output as { dims: number[] }).dims[1] - (inputs.input_ids as { dims: number[] }).dims[1];
  self.postMessage({ firstTokenMs: times[0] - start, totalMs: end - start, tokens: generated, tokenTimes: times.map((t) => t - start) });
};

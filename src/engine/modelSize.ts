// What a model's weights take and what this device can give them, checked before a long download: a model that
// cannot fit is refused with the reason at once, instead of failing after minutes of downloading.
import type { Dtype } from './protocol';

/** The ONNX file of each dtype in the Hub layout transformers.js reads. */
export const ONNX_FILES: Record<Dtype, string> = {
  fp32: 'onnx/model.onnx', fp16: 'onnx/model_fp16.onnx', q8: 'onnx/model_quantized.onnx', q4: 'onnx/model_q4.onnx',
  q4f16: 'onnx/model_q4f16.onnx', int8: 'onnx/model_int8.onnx', uint8: 'onnx/model_uint8.onnx',
};

const GiB = 2 ** 30;
/** WebAssembly addresses 4 GiB; the runtime and the activations need some of it beside the weights. */
const WASM_WEIGHT_LIMIT = 3.5 * GiB;

/**
 * Bytes of weights a device can hold: WASM is bounded by its address space, and — where the browser tells the
 * memory (navigator.deviceMemory, which says 8 for "8 GB or more") — both WASM and WebGPU by half of it.
 * Null when nothing bounds it (Node, a big machine on WebGPU).
 */
export function weightBudget(device: 'wasm' | 'webgpu' | 'cpu', deviceMemoryGiB?: number): number | null {
  const memory = deviceMemoryGiB !== undefined && deviceMemoryGiB > 0 && deviceMemoryGiB < 8 ? 0.5 * deviceMemoryGiB * GiB : null;
  if (device === 'wasm') return memory === null ? WASM_WEIGHT_LIMIT : Math.min(WASM_WEIGHT_LIMIT, memory);
  if (device === 'webgpu') return memory;
  return null;
}

/** "1.2 GB" */
export function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.round(bytes / 1e6)} MB`;
}

/** The refusal, or null when the weights fit (or either figure is unknown). */
export function tooLargeReason(what: string, dtype: Dtype, bytes: number | null, device: 'wasm' | 'webgpu' | 'cpu', budget: number | null): string | null {
  if (bytes === null || budget === null || bytes <= budget) return null;
  const where = device === 'wasm' ? 'WASM (CPU)' : device === 'webgpu' ? 'WebGPU' : device;
  return `${what} needs about ${formatBytes(bytes)} for its ${dtype} weights, more than this device can hold on ${where} ` +
    `(about ${formatBytes(budget)}): pick a smaller model or a smaller dtype (q4).`;
}

/**
 * Bytes of a remote model's weight files for a dtype, from HEAD requests (the ONNX file and its external data);
 * null when the server does not say. Never throws: the download itself reports network trouble.
 */
export async function remoteWeightBytes(folderUrl: string, dtype: Dtype): Promise<number | null> {
  const file = ONNX_FILES[dtype];
  const sizeOf = async (url: string): Promise<number | null> => {
    try {
      const response = await fetch(url, { method: 'HEAD' });
      if (!response.ok) return null;
      const length = Number(response.headers.get('content-length'));
      return Number.isFinite(length) && length > 0 ? length : null;
    } catch {
      return null;
    }
  };
  const [main, data] = await Promise.all([sizeOf(`${folderUrl}${file}`), sizeOf(`${folderUrl}${file}_data`)]);
  return main === null ? null : main + (data ?? 0);
}

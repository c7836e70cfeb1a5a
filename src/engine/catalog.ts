// The model catalog: the bundled model (offline default) and Hub models known to run in browsers with
// transformers.js. Sizes are the ONNX weight files of each dtype in the Hub repos (approximate, MB).
import type { Dtype } from './protocol';

export interface ModelSpec {
  id: string;
  /** Hub repo id (or local folder name for the bundled model). */
  repo: string;
  label: string;
  bundled: boolean;
  /** Download size in MB per dtype. */
  sizes: Partial<Record<Dtype, number>>;
  defaultDtype: { wasm: Dtype; webgpu: Dtype };
  contextLength: number;
  licence: string;
  chat: boolean;
  languages: string[];
}

export const BUNDLED_MODEL_ID = 'logitlab-tiny';

export const CATALOG: ModelSpec[] = [
  {
    id: BUNDLED_MODEL_ID, repo: BUNDLED_MODEL_ID, label: 'LogitLab tiny (bundled, EN + 中文)', bundled: true,
    sizes: { fp32: 5.6, q8: 1.5 }, defaultDtype: { wasm: 'fp32', webgpu: 'fp32' },
    contextLength: 512, licence: 'MIT (trained by LogitLab on its own corpus)', chat: false, languages: ['en', 'zh'],
  },
  {
    id: 'smollm2-135m', repo: 'HuggingFaceTB/SmolLM2-135M-Instruct', label: 'SmolLM2 135M Instruct', bundled: false,
    sizes: { fp32: 540, fp16: 270, q8: 138, q4: 120 }, defaultDtype: { wasm: 'q8', webgpu: 'fp16' },
    contextLength: 8192, licence: 'Apache-2.0', chat: true, languages: ['en'],
  },
  {
    id: 'smollm2-360m', repo: 'HuggingFaceTB/SmolLM2-360M-Instruct', label: 'SmolLM2 360M Instruct', bundled: false,
    sizes: { fp32: 1450, fp16: 725, q8: 368, q4: 260 }, defaultDtype: { wasm: 'q8', webgpu: 'fp16' },
    contextLength: 8192, licence: 'Apache-2.0', chat: true, languages: ['en'],
  },
  {
    id: 'qwen2.5-0.5b', repo: 'onnx-community/Qwen2.5-0.5B-Instruct', label: 'Qwen2.5 0.5B Instruct (中文)', bundled: false,
    sizes: { fp32: 1980, fp16: 990, q8: 500, q4: 460 }, defaultDtype: { wasm: 'q8', webgpu: 'q4f16' },
    contextLength: 32768, licence: 'Apache-2.0', chat: true, languages: ['en', 'zh'],
  },
  {
    id: 'gpt2', repo: 'Xenova/gpt2', label: 'GPT-2 (124M)', bundled: false,
    sizes: { fp32: 500, fp16: 250, q8: 126 }, defaultDtype: { wasm: 'q8', webgpu: 'fp32' },
    contextLength: 1024, licence: 'MIT', chat: false, languages: ['en'],
  },
  {
    id: 'distilgpt2', repo: 'Xenova/distilgpt2', label: 'DistilGPT-2 (82M)', bundled: false,
    sizes: { fp32: 330, q8: 84 }, defaultDtype: { wasm: 'q8', webgpu: 'fp32' },
    contextLength: 1024, licence: 'Apache-2.0', chat: false, languages: ['en'],
  },
];

export function findModel(id: string): ModelSpec | undefined {
  return CATALOG.find((m) => m.id === id || m.repo === id);
}

/** Hub repo ids look like "owner/name". */
export function isHubRepoId(text: string): boolean {
  return /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/.test(text);
}

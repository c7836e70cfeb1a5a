// Named starting points. The three "defaults" mirror what those systems do when sampling, as far as our
// knobs express them.
import { DEFAULT_PARAMS, HF_ORDER, LLAMA_CPP_ORDER, OFF_PARAMS, type SamplingParams } from '../core';

export type PresetName = 'greedy' | 'precise' | 'balanced' | 'creative' | 'hf' | 'openai' | 'llamacpp';

export interface Preset {
  name: PresetName;
  label: { en: string; zh: string };
  params: SamplingParams;
}

const base = { ...OFF_PARAMS, logit_bias: {}, order: [...HF_ORDER] };

export const PRESETS: Preset[] = [
  { name: 'greedy', label: { en: 'Greedy', zh: '贪婪解码' }, params: { ...base, temperature: 0 } },
  { name: 'precise', label: { en: 'Precise', zh: '精确' }, params: { ...base, temperature: 0.3, top_p: 0.9 } },
  { name: 'balanced', label: { en: 'Balanced', zh: '均衡' }, params: { ...base, temperature: 0.7, top_k: 40, top_p: 0.9, repetition_penalty: 1.1 } },
  { name: 'creative', label: { en: 'Creative', zh: '创意' }, params: { ...base, temperature: 1.1, top_p: 0.98, min_p: 0.05, presence_penalty: 0.3 } },
  // transformers' GenerationConfig: top_k 50, top_p 1, temperature 1 (its generate() is greedy unless do_sample).
  { name: 'hf', label: { en: 'Hugging Face defaults', zh: 'Hugging Face 默认值' }, params: { ...DEFAULT_PARAMS, order: [...HF_ORDER] } },
  // OpenAI API: temperature 1, top_p 1, no penalties, no top_k.
  { name: 'openai', label: { en: 'OpenAI defaults', zh: 'OpenAI 默认值' }, params: { ...base } },
  // llama.cpp's common defaults: top_k 40, top_p 0.95, min_p 0.05, temperature 0.8, temperature last.
  { name: 'llamacpp', label: { en: 'llama.cpp defaults', zh: 'llama.cpp 默认值' }, params: { ...base, temperature: 0.8, top_k: 40, top_p: 0.95, min_p: 0.05, order: [...LLAMA_CPP_ORDER] } },
];

/** A one-line summary of what a preset sets (shown beside the picker). */
export function describePreset(p: Preset): string {
  const q = p.params;
  const parts = [`temperature ${q.temperature}`, `top_k ${q.top_k}`, `top_p ${q.top_p}`, `min_p ${q.min_p}`];
  if (q.repetition_penalty !== 1) parts.push(`repetition_penalty ${q.repetition_penalty}`);
  if (q.presence_penalty !== 0) parts.push(`presence_penalty ${q.presence_penalty}`);
  parts.push(`order ${q.order.join(' → ')}`);
  return parts.join(', ');
}

// Named starting points. The three "defaults" mirror what those systems do when sampling, as far as our
// knobs express them.
import { DEFAULT_PARAMS, HF_ORDER, LLAMA_CPP_ORDER, OFF_PARAMS, type SamplingParams, type WarperName } from '../core';

export type PresetName = 'greedy' | 'precise' | 'balanced' | 'creative' | 'hf' | 'openai' | 'llamacpp' | 'koboldcpp' | 'tgwui';

/**
 * KoboldCpp's sampler_order [6, 0, 1, 3, 4, 2, 5] (repetition penalty, top_k, top_a, tfs, typical, top_p,
 * temperature), the order Kobold Lite and its API default to; top_a and tfs have no counterpart here. Min-p, XTC,
 * top-nσ and the cut-offs, which it applies outside that list, follow in our default order.
 */
const KOBOLDCPP_ORDER: WarperName[] = ['top_k', 'typical_p', 'top_p', 'temperature', 'min_p'];
/**
 * text-generation-webui's default `sampler_priority` (modules/presets.py, default_preset()): penalties, dry,
 * top_n_sigma, temperature (dynamic temperature in its place), top_k, top_p, typical_p, epsilon_cutoff, eta_cutoff,
 * (tfs, top_a), min_p, (mirostat), xtc.
 */
const TGWUI_ORDER: WarperName[] = [
  'top_n_sigma', 'temperature', 'top_k', 'top_p', 'typical_p', 'epsilon_cutoff', 'eta_cutoff', 'min_p', 'xtc',
];

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
  // llama.cpp's defaults (common/common.h, common_params_sampling): temp 0.80, top_k 40, top_p 0.95, min_p 0.05,
  // typ_p 1, top_n_sigma −1, xtc 0 / 0.10, dry 0 / 1.75 / 2 / −1, dynatemp 0 / 1, mirostat 0 / 5 / 0.1, repeat
  // penalty 1 (off), in its default chain penalties → dry → top_n_sigma → top_k → typ_p → top_p → min_p → xtc →
  // temperature.
  { name: 'llamacpp', label: { en: 'llama.cpp defaults', zh: 'llama.cpp 默认值' }, params: { ...base, temperature: 0.8, top_k: 40, top_p: 0.95, min_p: 0.05, order: [...LLAMA_CPP_ORDER] } },
  // KoboldCpp / Kobold Lite's defaults: temperature 0.75, rep_pen 1.07 (over its last 360 tokens there; over the
  // whole context here), top_p 0.92, top_k 100, min_p 0, typical 1, DRY and XTC off, in sampler_order above.
  { name: 'koboldcpp', label: { en: 'KoboldCpp defaults', zh: 'KoboldCpp 默认值' }, params: { ...base, temperature: 0.75, top_k: 100, top_p: 0.92, repetition_penalty: 1.07, order: [...KOBOLDCPP_ORDER] } },
  // text-generation-webui's neutral preset (default_preset()): every sampler off, temperature 1, in its
  // sampler_priority above; DRY base 1.75, allowed length 2, XTC threshold 0.1 and mirostat 5 / 0.1 are ours too.
  { name: 'tgwui', label: { en: 'text-generation-webui defaults', zh: 'text-generation-webui 默认值' }, params: { ...base, order: [...TGWUI_ORDER] } },
];

/** A one-line summary of what a preset sets (shown beside the picker). */
export function describePreset(p: Preset): string {
  const q = p.params;
  const parts = [`temperature ${q.temperature}`, `top_k ${q.top_k}`, `top_p ${q.top_p}`, `min_p ${q.min_p}`];
  if (q.repetition_penalty !== 1) parts.push(`repetition_penalty ${q.repetition_penalty}`);
  if (q.presence_penalty !== 0) parts.push(`presence_penalty ${q.presence_penalty}`);
  for (const name of ['dry_multiplier', 'top_n_sigma', 'xtc_probability', 'epsilon_cutoff', 'eta_cutoff', 'dynatemp_range', 'mirostat'] as const) {
    if (q[name] !== 0) parts.push(`${name} ${q[name]}`);
  }
  parts.push(`order ${q.order.join(' → ')}`);
  return parts.join(', ');
}

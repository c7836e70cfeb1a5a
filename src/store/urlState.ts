// The page's shareable state in the URL: parsed strictly (a bad value falls back to the default with a notice
// naming the parameter) and written back with SAMPLING.md's names.
import {
  DEFAULT_BEAM_SETTINGS, DEFAULT_PARAMS, HF_ORDER, MAX_STOP_SEQUENCES, PARAM_SPECS, SamplingParamError, parseParamValue, validateParams,
  type ParamName, type SamplingParams, type WarperName,
} from '../core';
import type { BeamOptions } from '../engine/protocol';
import type { Refusal } from './types';

export interface SharedState {
  prompt: string;
  model: string;
  params: SamplingParams;
  seed: number;
  max_new_tokens: number;
  stop: string[];
  lang: 'en' | 'zh' | null;
  run: boolean;
  /** num_beams, length_penalty, early_stopping, num_return_sequences. */
  beam: BeamOptions;
}

export interface UrlNotice {
  name: string;
  value: string;
  why: Refusal;
}

export const NUMERIC_PARAMS: ParamName[] = [
  'temperature', 'top_k', 'top_p', 'min_p', 'typical_p', 'repetition_penalty', 'frequency_penalty',
  'presence_penalty', 'min_tokens_to_keep',
];

/** The beam knobs that are numbers, in link order. */
export const BEAM_NUMERIC_PARAMS = ['num_beams', 'length_penalty', 'num_return_sequences'] as const;

export function defaultSharedState(model: string, seed: number): SharedState {
  return {
    prompt: '', model, params: { ...DEFAULT_PARAMS, logit_bias: {}, order: [...DEFAULT_PARAMS.order] }, seed,
    max_new_tokens: PARAM_SPECS.max_new_tokens.default, stop: [], lang: null, run: false, beam: { ...DEFAULT_BEAM_SETTINGS },
  };
}

/** "13:-100,42:5" ⇄ { 13: -100, 42: 5 }. */
/** The rule an error broke, or its text when it names none. */
export function refusalOf(error: unknown): Refusal {
  if (error instanceof SamplingParamError) return error.rule;
  return { kind: 'text', text: error instanceof Error ? error.message : String(error) };
}

export function parseLogitBias(text: string): Record<number, number> {
  const out: Record<number, number> = {};
  const trimmed = text.trim();
  if (trimmed === '') return out;
  for (const part of trimmed.split(',')) {
    const m = /^\s*(\d+)\s*:\s*([+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?)\s*$/i.exec(part);
    if (!m) throw new SamplingParamError('logit_bias', part.trim(), { kind: 'biasPairs' });
    out[Number(m[1])] = Number(m[2]);
  }
  validateParams({ ...DEFAULT_PARAMS, logit_bias: out });
  return out;
}

export function formatLogitBias(bias: Record<number, number>): string {
  return Object.entries(bias).map(([id, b]) => `${id}:${b}`).join(',');
}

function parseOrder(text: string): WarperName[] {
  const names = text.split(',').map((s) => s.trim()) as WarperName[];
  validateParams({ ...DEFAULT_PARAMS, order: names });
  return names;
}

export function parseUrlState(search: string, defaults: SharedState): { state: SharedState; notices: UrlNotice[] } {
  const q = new URLSearchParams(search);
  const state: SharedState = { ...defaults, params: { ...defaults.params }, stop: [...defaults.stop], beam: { ...defaults.beam } };
  const notices: UrlNotice[] = [];
  const attempt = (name: string, raw: string, apply: () => void) => {
    try {
      apply();
    } catch (error) {
      notices.push({ name, value: raw, why: refusalOf(error) });
    }
  };
  const prompt = q.get('prompt');
  if (prompt !== null) state.prompt = prompt;
  const model = q.get('model');
  if (model !== null) {
    attempt('model', model, () => {
      if (model.trim() === '') throw new SamplingParamError('model', model, { kind: 'modelRef' });
      state.model = model.trim();
    });
  }
  for (const name of NUMERIC_PARAMS) {
    const raw = q.get(name);
    if (raw !== null) attempt(name, raw, () => { (state.params as unknown as Record<string, number>)[name] = parseParamValue(name, raw); });
  }
  const doSample = q.get('do_sample');
  if (doSample !== null) {
    attempt('do_sample', doSample, () => {
      if (doSample !== 'true' && doSample !== 'false') throw new SamplingParamError('do_sample', doSample, { kind: 'boolean' });
      state.params.do_sample = doSample === 'true';
    });
  }
  for (const name of BEAM_NUMERIC_PARAMS) {
    const raw = q.get(name);
    if (raw !== null) attempt(name, raw, () => { state.beam[name] = parseParamValue(name, raw); });
  }
  if (state.beam.num_return_sequences > state.beam.num_beams) {
    // num_return_sequences shows the first of num_beams hypotheses: more than num_beams is refused like any bad value.
    notices.push({ name: 'num_return_sequences', value: String(state.beam.num_return_sequences), why: { kind: 'range', integer: true, min: 1, minExclusive: false, max: state.beam.num_beams } });
    state.beam.num_return_sequences = Math.min(defaults.beam.num_return_sequences, state.beam.num_beams);
  }
  const early = q.get('early_stopping');
  if (early !== null) {
    attempt('early_stopping', early, () => {
      if (early !== 'true' && early !== 'false') throw new SamplingParamError('early_stopping', early, { kind: 'boolean' });
      state.beam.early_stopping = early === 'true';
    });
  }
  const bias = q.get('logit_bias');
  if (bias !== null) attempt('logit_bias', bias, () => { state.params.logit_bias = parseLogitBias(bias); });
  const order = q.get('order');
  if (order !== null) attempt('order', order, () => { state.params.order = parseOrder(order); });
  const seed = q.get('seed');
  if (seed !== null) attempt('seed', seed, () => { state.seed = parseParamValue('seed', seed); });
  const maxNew = q.get('max_new_tokens');
  if (maxNew !== null) attempt('max_new_tokens', maxNew, () => { state.max_new_tokens = parseParamValue('max_new_tokens', maxNew); });
  const stops = q.getAll('stop').filter((s) => s !== '');
  if (stops.length > MAX_STOP_SEQUENCES) notices.push({ name: 'stop', value: `${stops.length} values`, why: { kind: 'stopCount', max: MAX_STOP_SEQUENCES } });
  else if (q.has('stop')) state.stop = stops;
  const lang = q.get('lang');
  if (lang !== null) {
    attempt('lang', lang, () => {
      if (lang !== 'en' && lang !== 'zh') throw new SamplingParamError('lang', lang, { kind: 'language' });
      state.lang = lang;
    });
  }
  state.run = q.get('run') === '1';
  return { state, notices };
}

/** Only what differs from the defaults goes in the link, in a stable order. */
export function serializeUrlState(state: SharedState, defaults: SharedState): string {
  const q = new URLSearchParams();
  if (state.prompt) q.set('prompt', state.prompt);
  if (state.model !== defaults.model) q.set('model', state.model);
  for (const name of NUMERIC_PARAMS) {
    const v = (state.params as unknown as Record<string, number>)[name];
    if (v !== (defaults.params as unknown as Record<string, number>)[name]) q.set(name, String(v));
  }
  if (state.params.do_sample !== defaults.params.do_sample) q.set('do_sample', String(state.params.do_sample));
  for (const name of BEAM_NUMERIC_PARAMS) if (state.beam[name] !== defaults.beam[name]) q.set(name, String(state.beam[name]));
  if (state.beam.early_stopping !== defaults.beam.early_stopping) q.set('early_stopping', String(state.beam.early_stopping));
  const bias = formatLogitBias(state.params.logit_bias);
  if (bias) q.set('logit_bias', bias);
  if (state.params.order.join(',') !== HF_ORDER.join(',')) q.set('order', state.params.order.join(','));
  q.set('seed', String(state.seed));
  if (state.max_new_tokens !== defaults.max_new_tokens) q.set('max_new_tokens', String(state.max_new_tokens));
  for (const s of state.stop) q.append('stop', s);
  if (state.lang) q.set('lang', state.lang);
  if (state.run) q.set('run', '1');
  return q.toString();
}

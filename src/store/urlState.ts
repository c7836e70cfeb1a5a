// The page's shareable state in the URL: parsed strictly (a bad value falls back to the default with a notice
// naming the parameter) and written back with SAMPLING.md's names.
import {
  SETTING_KNOBS, SamplingParamError, defaultRunSettings, formatLogitBias, parseLogitBias, type RunSettings,
} from '../core';
import type { Refusal } from './types';

export { formatLogitBias, parseLogitBias };

export interface SharedState extends RunSettings {
  prompt: string;
  model: string;
  /** The weights' precision; null: the model's default. Any name passes here: the engine refuses one the model lacks. */
  dtype: string | null;
  lang: 'en' | 'zh' | null;
  run: boolean;
}

export interface UrlNotice {
  name: string;
  value: string;
  why: Refusal;
}

export function defaultSharedState(model: string, seed: number): SharedState {
  return { prompt: '', model, dtype: null, ...defaultRunSettings(seed), lang: null, run: false };
}

/** The rule an error broke, or its text when it names none. */
export function refusalOf(error: unknown): Refusal {
  if (error instanceof SamplingParamError) return error.rule;
  return { kind: 'text', text: error instanceof Error ? error.message : String(error) };
}

export function parseUrlState(search: string, defaults: SharedState): { state: SharedState; notices: UrlNotice[] } {
  const q = new URLSearchParams(search);
  const state: SharedState = { ...defaults, params: { ...defaults.params }, stop: [...defaults.stop] };
  const notices: UrlNotice[] = [];
  const attempt = (name: string, raw: string, apply: () => void) => {
    try {
      apply();
    } catch (error) {
      // A repeated key (stop) names what was wrong with the list as a whole, e.g. "9 values".
      const value = error instanceof SamplingParamError && error.rule.kind === 'stopCount' ? String(error.value) : raw;
      notices.push({ name, value, why: refusalOf(error) });
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
  const dtype = q.get('dtype');
  if (dtype !== null && dtype.trim() !== '') state.dtype = dtype.trim();
  for (const knob of SETTING_KNOBS) {
    const values = q.getAll(knob.name);
    if (values.length === 0) continue;
    const shown = knob.repeated ? values.join(',') : values[0];
    attempt(knob.name, shown, () => knob.apply(state, knob.repeated ? values : [values[0]]));
  }
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
  if (state.dtype !== null) q.set('dtype', state.dtype);
  for (const knob of SETTING_KNOBS) for (const value of knob.write(state, defaults)) q.append(knob.name, value);
  if (state.lang) q.set('lang', state.lang);
  if (state.run) q.set('run', '1');
  return q.toString();
}

// Every setting of a run as link keys: the numeric knobs of the registry (params.ts PARAM_SPECS) plus
// do_sample, logit_bias, order and stop. The page's link, compare lanes and sweeps parse and write settings
// through this one list, with the one strict parser per knob.
import {
  DEFAULT_PARAMS, PARAM_NAMES, PARAM_SPECS, SamplingParamError, formatParamValue, parseParamValue,
  validateParams, type ParamName,
} from './params';
import { MAX_STOP_SEQUENCES } from './stop';
import { HF_ORDER, type SamplingParams, type WarperName } from './types';

/** What decides a run besides the prompt and the model. */
export interface RunSettings {
  params: SamplingParams;
  seed: number;
  max_new_tokens: number;
  stop: string[];
}

export function defaultRunSettings(seed = PARAM_SPECS.seed.default): RunSettings {
  return {
    params: { ...DEFAULT_PARAMS, logit_bias: {}, order: [...DEFAULT_PARAMS.order] },
    seed, max_new_tokens: PARAM_SPECS.max_new_tokens.default, stop: [],
  };
}

export function cloneRunSettings(s: RunSettings): RunSettings {
  return { params: { ...s.params, logit_bias: { ...s.params.logit_bias }, order: [...s.params.order] }, seed: s.seed, max_new_tokens: s.max_new_tokens, stop: [...s.stop] };
}

/** One link key of a run's settings. */
export interface SettingKnob {
  name: string;
  /** i18n key of its explanation or label. */
  helpKey: string;
  /** Several values under one key (stop). */
  repeated: boolean;
  /** Parses the key's values strictly into `settings` (throws SamplingParamError naming the knob). */
  apply(settings: RunSettings, values: string[]): void;
  /** The values to write for `settings`, or [] where they equal `base` (seed is always written). */
  write(settings: RunSettings, base: RunSettings): string[];
}

/** "13:-100,42:5" → { 13: -100, 42: 5 }. */
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

export function parseOrder(text: string): WarperName[] {
  const names = text.split(',').map((s) => s.trim()) as WarperName[];
  validateParams({ ...DEFAULT_PARAMS, order: names });
  return names;
}

function numericKnob(name: ParamName): SettingKnob {
  const spec = PARAM_SPECS[name];
  const read = (s: RunSettings): number => (spec.setting === 'run' ? (s as unknown as Record<string, number>)[name] : (s.params as unknown as Record<string, number>)[name]);
  return {
    name, helpKey: spec.helpKey, repeated: false,
    apply(settings, [raw]) {
      const value = parseParamValue(name, raw);
      if (spec.setting === 'run') (settings as unknown as Record<string, number>)[name] = value;
      else (settings.params as unknown as Record<string, number>)[name] = value;
    },
    write(settings, base) {
      const v = read(settings);
      return v !== read(base) || name === 'seed' ? [formatParamValue(name, v)] : [];
    },
  };
}

const knobsByName = (names: ParamName[]) => names.map(numericKnob);

/**
 * Every setting knob, in link order: sampling knobs, do_sample, logit_bias, order, then the run's seed,
 * max_new_tokens and stop. A new numeric knob joins through PARAM_SPECS alone.
 */
export const SETTING_KNOBS: readonly SettingKnob[] = [
  ...knobsByName(PARAM_NAMES.filter((n) => PARAM_SPECS[n].setting === 'sampling')),
  {
    name: 'do_sample', helpKey: 'params.do_sample', repeated: false,
    apply(settings, [raw]) {
      if (raw !== 'true' && raw !== 'false') throw new SamplingParamError('do_sample', raw, { kind: 'boolean' });
      settings.params.do_sample = raw === 'true';
    },
    write: (s, base) => (s.params.do_sample !== base.params.do_sample ? [String(s.params.do_sample)] : []),
  },
  {
    name: 'logit_bias', helpKey: 'params.logit_bias', repeated: false,
    apply(settings, [raw]) { settings.params.logit_bias = parseLogitBias(raw); },
    write: (s, base) => {
      const text = formatLogitBias(s.params.logit_bias);
      return text !== formatLogitBias(base.params.logit_bias) ? [text] : [];
    },
  },
  {
    name: 'order', helpKey: 'params.order', repeated: false,
    apply(settings, [raw]) { settings.params.order = parseOrder(raw); },
    write: (s) => (s.params.order.join(',') !== HF_ORDER.join(',') ? [s.params.order.join(',')] : []),
  },
  ...knobsByName(PARAM_NAMES.filter((n) => PARAM_SPECS[n].setting === 'run')),
  {
    name: 'stop', helpKey: 'params.stop', repeated: true,
    apply(settings, values) {
      const stops = values.filter((v) => v !== '');
      if (stops.length > MAX_STOP_SEQUENCES) throw new SamplingParamError('stop', `${stops.length} values`, { kind: 'stopCount', max: MAX_STOP_SEQUENCES });
      settings.stop = stops;
    },
    write: (s, base) => (s.stop.join('\u0000') === base.stop.join('\u0000') ? [] : s.stop.length === 0 ? [''] : [...s.stop]),
  },
];

export function settingKnob(name: string): SettingKnob | undefined {
  return SETTING_KNOBS.find((k) => k.name === name);
}



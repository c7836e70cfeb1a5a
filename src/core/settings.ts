// Every setting of a run as link keys: the numeric knobs of the registry (params.ts PARAM_SPECS) plus
// do_sample, logit_bias, order and stop. The page's link, compare lanes and sweeps parse and write settings
// through this one list, with the one strict parser per knob.
import {
  DEFAULT_PARAMS, PARAM_NAMES, PARAM_SPECS, SamplingParamError, formatParamValue, parseBreakers, parseParamValue,
  validateParams, type ParamName,
} from './params';
import { DEFAULT_BEAM_SETTINGS, validateBeamSettings, type BeamOptions } from './beam';
import { MAX_STOP_SEQUENCES } from './stop';
import { completeOrder, type SamplingParams, type WarperName } from './types';

/** What decides a run besides the prompt and the model. */
export interface RunSettings {
  params: SamplingParams;
  seed: number;
  max_new_tokens: number;
  stop: string[];
  /** num_beams > 1 makes the run a beam search. */
  beam: BeamOptions;
}

export function defaultRunSettings(seed = PARAM_SPECS.seed.default): RunSettings {
  return {
    params: { ...DEFAULT_PARAMS, logit_bias: {}, order: [...DEFAULT_PARAMS.order], dry_sequence_breakers: [...DEFAULT_PARAMS.dry_sequence_breakers] },
    seed, max_new_tokens: PARAM_SPECS.max_new_tokens.default, stop: [], beam: { ...DEFAULT_BEAM_SETTINGS },
  };
}

export function cloneRunSettings(s: RunSettings): RunSettings {
  return { params: { ...s.params, logit_bias: { ...s.params.logit_bias }, order: [...s.params.order], dry_sequence_breakers: [...s.params.dry_sequence_breakers] }, seed: s.seed, max_new_tokens: s.max_new_tokens, stop: [...s.stop], beam: { ...s.beam } };
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
    out[Number(m[1])] = Number(m[2]) + 0; // + 0: "-0" reads as 0, as a link writes it
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
  // Where the knob's value lives in a run's settings (the registry's `setting`).
  const home = (s: RunSettings): Record<string, number> =>
    (spec.setting === 'run' ? s : spec.setting === 'beam' ? s.beam : s.params) as unknown as Record<string, number>;
  const read = (s: RunSettings): number => home(s)[name];
  return {
    name, helpKey: spec.helpKey, repeated: false,
    apply(settings, [raw]) {
      const value = parseParamValue(name, raw);
      // num_return_sequences shows the first of num_beams hypotheses (num_beams comes first in the list).
      if (name === 'num_return_sequences' && value > settings.beam.num_beams) {
        throw new SamplingParamError(name, value, { kind: 'range', integer: true, min: 1, minExclusive: false, max: settings.beam.num_beams });
      }
      home(settings)[name] = value;
    },
    write(settings, base) {
      const v = read(settings);
      return v !== read(base) || name === 'seed' ? [formatParamValue(name, v)] : [];
    },
  };
}

const knobsByName = (names: ParamName[]) => names.map(numericKnob);

/**
 * Every setting knob, in link order: sampling knobs, do_sample, logit_bias, order, dry_sequence_breakers, then the
 * run's seed, max_new_tokens and stop, then the beam search's knobs. A new numeric knob joins through PARAM_SPECS alone.
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
    // Orders that run the same chain are the same setting (a partial order runs the rest after it).
    write: (s, base) => (completeOrder(s.params.order).join(',') !== completeOrder(base.params.order).join(',') ? [s.params.order.join(',')] : []),
  },
  {
    // DRY's breakers: a URL-encoded JSON array of strings.
    name: 'dry_sequence_breakers', helpKey: 'explain.dry_sequence_breakers', repeated: false,
    apply(settings, [raw]) { settings.params.dry_sequence_breakers = parseBreakers(raw); },
    write: (s, base) => {
      const text = JSON.stringify(s.params.dry_sequence_breakers);
      return text !== JSON.stringify(base.params.dry_sequence_breakers) ? [text] : [];
    },
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
  ...knobsByName(PARAM_NAMES.filter((n) => PARAM_SPECS[n].setting === 'beam')),
  {
    name: 'early_stopping', helpKey: 'explain.early_stopping', repeated: false,
    apply(settings, [raw]) {
      if (raw !== 'true' && raw !== 'false') throw new SamplingParamError('early_stopping', raw, { kind: 'boolean' });
      settings.beam.early_stopping = raw === 'true';
    },
    write: (s, base) => (s.beam.early_stopping !== base.beam.early_stopping ? [String(s.beam.early_stopping)] : []),
  },
];

export function settingKnob(name: string): SettingKnob | undefined {
  return SETTING_KNOBS.find((k) => k.name === name);
}



/** Largest number of lanes in a comparison, and of samples a lane draws. */
export const MAX_LANES = 8;
export const MIN_LANES = 2;
export const MAX_SAMPLES = 64;

/**
 * A lane's settings: `base` with the overrides of a query such as "temperature=0.3&top_p=0.8" (any setting
 * knob; several `stop` keys for several stops). Throws SamplingParamError naming the first bad key.
 */
export function applyOverrides(base: RunSettings, query: string): RunSettings {
  const settings = cloneRunSettings(base);
  const q = new URLSearchParams(query.trim().replace(/^\?/, ''));
  for (const [name] of q) if (!settingKnob(name)) throw new SamplingParamError(name, q.get(name), { kind: 'knownName' });
  // In the registry's order, not the query's: num_return_sequences is checked against the lane's own num_beams.
  for (const knob of SETTING_KNOBS) {
    const values = q.getAll(knob.name);
    if (values.length === 0) continue;
    knob.apply(settings, knob.repeated ? values : [values[values.length - 1]]);
  }
  validateParams(settings.params);
  const beam = settings.beam;
  // A lane that lowers num_beams below the page's num_return_sequences is refused for the knob it wrote.
  if (beam.num_return_sequences > beam.num_beams && !q.has('num_return_sequences')) {
    throw new SamplingParamError('num_beams', beam.num_beams, {
      kind: 'range', integer: true, min: beam.num_return_sequences, minExclusive: false, max: PARAM_SPECS.num_beams.max,
    });
  }
  validateBeamSettings({ ...beam, max_new_tokens: settings.max_new_tokens });
  return settings;
}

/**
 * What a compare lane starts from: the page's settings without its beam search. A lane's kind is its own: it is a
 * beam search only when its query sets num_beams (the page's length_penalty and early_stopping then apply), so
 * opening a beam lane in the page, which turns the page's beam search on, never turns the other lanes into beams.
 */
export function laneBase(page: RunSettings): RunSettings {
  return { ...page, beam: { ...page.beam, num_beams: 1, num_return_sequences: 1 } };
}

/** A run with num_beams > 1 is a beam search (deterministic: the sampling knobs are ignored). */
export function isBeamSearch(settings: Pick<RunSettings, 'beam'>): boolean {
  return (settings.beam?.num_beams ?? 1) > 1;
}

/** How many samples a lane draws: K, except a beam search, which is deterministic and runs once. */
export function laneSampleCount(settings: Pick<RunSettings, 'beam'>, samples: number): number {
  return isBeamSearch(settings) ? 1 : samples;
}

/** The overrides query of `settings` against `base`: only what differs, seed included when it differs. */
export function overridesOf(settings: RunSettings, base: RunSettings): string {
  const q = new URLSearchParams();
  for (const knob of SETTING_KNOBS) {
    if (knob.name === 'seed' && settings.seed === base.seed) continue;
    for (const value of knob.write(settings, base)) q.append(knob.name, value);
  }
  return q.toString();
}

/** Strict K for `samples`: a whole number from 1 to MAX_SAMPLES. */
export function parseSamples(raw: string): number {
  const text = raw.trim();
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= 1 && value <= MAX_SAMPLES)) {
    throw new SamplingParamError('samples', raw, { kind: 'range', integer: true, min: 1, minExclusive: false, max: MAX_SAMPLES });
  }
  return value;
}

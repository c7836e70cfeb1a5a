// The parameter table of SAMPLING.md as data: defaults, ranges, "off" values, validation and strict parsing.
import { DEFAULT_DRY_BREAKERS, DEFAULT_ORDER, HF_ORDER, type SamplingParams } from './types';

/** What a parameter accepts, as data: the page words it in its own language, `describeRule` in English. */
export type ParamRule =
  | { kind: 'range'; integer: boolean; min: number; minExclusive: boolean; max: number; off?: number }
  | { kind: 'boolean' }
  | { kind: 'order'; names: readonly string[] }
  | { kind: 'oneOf'; values: readonly number[] }
  | { kind: 'breakers'; max: number }
  | { kind: 'tokenIds'; vocabSize?: number }
  | { kind: 'bias'; min: number; max: number }
  | { kind: 'biasPairs' }
  | { kind: 'knownName' }
  | { kind: 'context'; max: number }
  | { kind: 'stopCount'; max: number }
  | { kind: 'language' }
  | { kind: 'modelRef' }
  | { kind: 'device' }
  | { kind: 'mode' }
  | { kind: 'toyToken' }
  | { kind: 'toyCount'; max: number };

/** An invalid parameter: names the parameter, the value and the rule it broke, so the UI can say why. */
export class SamplingParamError extends Error {
  readonly param: string;
  readonly value: unknown;
  readonly rule: ParamRule;
  /** The rule in English. */
  readonly allowed: string;
  constructor(param: string, value: unknown, rule: ParamRule) {
    const allowed = describeRule(rule);
    super(`${param} = ${formatValue(value)} is not allowed: ${allowed}`);
    this.name = 'SamplingParamError';
    this.param = param;
    this.value = value;
    this.rule = rule;
    this.allowed = allowed;
  }
}

export function describeRule(rule: ParamRule): string {
  switch (rule.kind) {
    case 'range': {
      const low = rule.minExclusive ? `greater than ${rule.min}` : `at least ${rule.min}`;
      const kind = rule.integer ? 'a whole number' : 'a number';
      const off = rule.off !== undefined ? ` (${rule.off} = off)` : '';
      return `${kind} ${low} and at most ${rule.max}${off}`;
    }
    case 'boolean':
      return 'true or false';
    case 'order':
      return `warper names from ${rule.names.join(', ')}, each at most once`;
    case 'oneOf':
      return `one of ${rule.values.join(', ')}`;
    case 'breakers':
      return `a JSON array of at most ${rule.max} non-empty strings, e.g. ["\\n", ":"]`;
    case 'tokenIds':
      return `token ids are whole numbers from 0${rule.vocabSize === undefined ? '' : ` and below the vocabulary size ${rule.vocabSize}`}`;
    case 'bias':
      return `a bias from ${rule.min} to ${rule.max}`;
    case 'biasPairs':
      return 'pairs of token id : bias, e.g. 13:-100,42:5';
    case 'knownName':
      return 'a known parameter name';
    case 'context':
      return `at most the model context, ${rule.max}`;
    case 'stopCount':
      return `at most ${rule.max} stop sequences`;
    case 'language':
      return 'en or zh';
    case 'modelRef':
      return 'a catalog id, a Hub repo id or a URL';
    case 'device':
      return 'auto, wasm or webgpu';
    case 'mode':
      return 'model or toy';
    case 'toyToken':
      return 'a token and its logit, e.g. sunny:3';
    case 'toyCount':
      return `at most ${rule.max} toy tokens`;
  }
}

/** Every token was -Infinity (or NaN) after penalties and bias: there is nothing to draw. */
export class NoAllowedTokenError extends Error {
  constructor() {
    super('every token has logit -Infinity (or NaN): there is no token that can be drawn');
    this.name = 'NoAllowedTokenError';
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/**
 * One numeric knob of the parameter registry. Everything that lists knobs — the core's validation, the link
 * (`urlState`), the controls, compare lanes and sweeps — reads `PARAM_SPECS`, so a new numeric knob is one
 * entry here (plus its field in `SamplingParams` and its words in the i18n files under `helpKey`).
 */
export interface ParamSpec {
  name: string;
  /** Where the value lives: a field of `SamplingParams`, of the run (seed, max_new_tokens), or of its beam search. */
  setting: 'sampling' | 'run' | 'beam';
  min: number;
  max: number;
  /** Values above this are accepted but flagged as unusual (temperature: 2, inputs up to 5). */
  softMax?: number;
  /** The lower bound is excluded (temperature 0 is allowed, repetition_penalty 0 is not). */
  minExclusive?: boolean;
  integer: boolean;
  /** The value that turns the knob off, when it has one. */
  off?: number;
  default: number;
  step: number;
  /** The slider's right end when it is shorter than the range (the text box still takes up to `max`). */
  sliderMax?: number;
  /** i18n key of the knob's explanation (`what`, `formula`, `when`, `example`). */
  helpKey: string;
}

/** The registry of numeric knobs, in the order the controls and links list them. */
const PARAM_TABLE = {
  temperature: {
    name: 'temperature', setting: 'sampling', min: 0, max: 5, softMax: 2, integer: false, off: 1, default: 1, step: 0.05,
    sliderMax: 2, helpKey: 'explain.temperature',
  },
  top_k: {
    name: 'top_k', setting: 'sampling', min: 0, max: 1_000_000, integer: true, off: 0, default: 50, step: 1, sliderMax: 200,
    helpKey: 'explain.top_k',
  },
  top_p: {
    name: 'top_p', setting: 'sampling', min: 0, max: 1, minExclusive: true, integer: false, off: 1, default: 1, step: 0.01,
    helpKey: 'explain.top_p',
  },
  min_p: { name: 'min_p', setting: 'sampling', min: 0, max: 1, integer: false, off: 0, default: 0, step: 0.01, helpKey: 'explain.min_p' },
  typical_p: {
    name: 'typical_p', setting: 'sampling', min: 0, max: 1, minExclusive: true, integer: false, off: 1, default: 1, step: 0.01,
    helpKey: 'explain.typical_p',
  },
  repetition_penalty: {
    name: 'repetition_penalty', setting: 'sampling', min: 0, max: 2, minExclusive: true, integer: false, off: 1, default: 1,
    step: 0.05, helpKey: 'explain.repetition_penalty',
  },
  frequency_penalty: {
    name: 'frequency_penalty', setting: 'sampling', min: -2, max: 2, integer: false, off: 0, default: 0, step: 0.1,
    helpKey: 'explain.frequency_penalty',
  },
  presence_penalty: {
    name: 'presence_penalty', setting: 'sampling', min: -2, max: 2, integer: false, off: 0, default: 0, step: 0.1,
    helpKey: 'explain.presence_penalty',
  },
  min_tokens_to_keep: {
    name: 'min_tokens_to_keep', setting: 'sampling', min: 1, max: 1_000_000, integer: true, default: 1, step: 1, sliderMax: 20,
    helpKey: 'explain.min_tokens_to_keep',
  },
  // "More samplers" (SAMPLING.md's range table).
  dry_multiplier: {
    name: 'dry_multiplier', setting: 'sampling', min: 0, max: 5, integer: false, off: 0, default: 0, step: 0.05, helpKey: 'explain.dry_multiplier',
  },
  dry_base: {
    name: 'dry_base', setting: 'sampling', min: 1, max: 4, minExclusive: true, integer: false, default: 1.75, step: 0.05, helpKey: 'explain.dry_base',
  },
  dry_allowed_length: {
    name: 'dry_allowed_length', setting: 'sampling', min: 1, max: 20, integer: true, default: 2, step: 1, helpKey: 'explain.dry_allowed_length',
  },
  dry_penalty_last_n: {
    name: 'dry_penalty_last_n', setting: 'sampling', min: -1, max: 1_000_000, integer: true, default: -1, step: 1, sliderMax: 2048,
    helpKey: 'explain.dry_penalty_last_n',
  },
  top_n_sigma: {
    name: 'top_n_sigma', setting: 'sampling', min: 0, max: 10, integer: false, off: 0, default: 0, step: 0.05, helpKey: 'explain.top_n_sigma',
  },
  xtc_probability: {
    name: 'xtc_probability', setting: 'sampling', min: 0, max: 1, integer: false, off: 0, default: 0, step: 0.01, helpKey: 'explain.xtc_probability',
  },
  xtc_threshold: {
    name: 'xtc_threshold', setting: 'sampling', min: 0, max: 1, integer: false, default: 0.1, step: 0.01, helpKey: 'explain.xtc_threshold',
  },
  // The table's range is 0 – 0.1; larger cuts are still well defined (the conformance files use η 0.2), so they
  // are accepted and flagged instead of refused.
  epsilon_cutoff: {
    name: 'epsilon_cutoff', setting: 'sampling', min: 0, max: 1, softMax: 0.1, integer: false, off: 0, default: 0, step: 0.0005, sliderMax: 0.1,
    helpKey: 'explain.epsilon_cutoff',
  },
  eta_cutoff: {
    name: 'eta_cutoff', setting: 'sampling', min: 0, max: 1, softMax: 0.1, integer: false, off: 0, default: 0, step: 0.0005, sliderMax: 0.1,
    helpKey: 'explain.eta_cutoff',
  },
  dynatemp_range: {
    name: 'dynatemp_range', setting: 'sampling', min: 0, max: 5, integer: false, off: 0, default: 0, step: 0.05, helpKey: 'explain.dynatemp_range',
  },
  dynatemp_exponent: {
    name: 'dynatemp_exponent', setting: 'sampling', min: 0.1, max: 10, integer: false, default: 1, step: 0.1, helpKey: 'explain.dynatemp_exponent',
  },
  // Only version 2 is built: 0 or 2 (checkParam refuses 1).
  mirostat: { name: 'mirostat', setting: 'sampling', min: 0, max: 2, integer: true, off: 0, default: 0, step: 2, helpKey: 'explain.mirostat' },
  mirostat_tau: {
    name: 'mirostat_tau', setting: 'sampling', min: 0, max: 20, integer: false, default: 5, step: 0.1, helpKey: 'explain.mirostat_tau',
  },
  mirostat_eta: {
    name: 'mirostat_eta', setting: 'sampling', min: 0, max: 1, integer: false, default: 0.1, step: 0.01, helpKey: 'explain.mirostat_eta',
  },
  seed: { name: 'seed', setting: 'run', min: 0, max: 0xffffffff, integer: true, default: 0, step: 1, helpKey: 'params.seed' },
  max_new_tokens: {
    name: 'max_new_tokens', setting: 'run', min: 1, max: 1_000_000, integer: true, default: 64, step: 1,
    helpKey: 'params.max_new_tokens',
  },
  // Beam search (SAMPLING.md "Beam search"); num_return_sequences must also be at most num_beams (validateBeamSettings).
  num_beams: { name: 'num_beams', setting: 'beam', min: 1, max: 8, integer: true, off: 1, default: 1, step: 1, helpKey: 'explain.num_beams' },
  length_penalty: {
    name: 'length_penalty', setting: 'beam', min: -2, max: 2, integer: false, default: 1, step: 0.1, helpKey: 'explain.length_penalty',
  },
  num_return_sequences: {
    name: 'num_return_sequences', setting: 'beam', min: 1, max: 8, integer: true, default: 1, step: 1, helpKey: 'explain.num_return_sequences',
  },
} as const satisfies Record<string, ParamSpec>;

export type ParamName = keyof typeof PARAM_TABLE;
export const PARAM_SPECS: { readonly [N in ParamName]: ParamSpec & { name: N } } = PARAM_TABLE;

/** The numeric knobs that are fields of `SamplingParams`, in registry order. */
export type SamplingParamName = { [N in ParamName]: (typeof PARAM_TABLE)[N]['setting'] extends 'sampling' ? N : never }[ParamName];

export const PARAM_NAMES = Object.keys(PARAM_SPECS) as ParamName[];
export const SAMPLING_PARAM_NAMES = PARAM_NAMES.filter((n) => PARAM_SPECS[n].setting === 'sampling') as SamplingParamName[];

/** The numeric knobs of a beam search (fields of `BeamOptions`). */
export type BeamParamName = { [N in ParamName]: (typeof PARAM_TABLE)[N]['setting'] extends 'beam' ? N : never }[ParamName];
export const BEAM_PARAM_NAMES = PARAM_NAMES.filter((n) => PARAM_SPECS[n].setting === 'beam') as BeamParamName[];

/** The registry entry of a knob name, or undefined for a name that is not a numeric knob. */
export function paramSpec(name: string): ParamSpec | undefined {
  return Object.prototype.hasOwnProperty.call(PARAM_SPECS, name) ? (PARAM_SPECS as Record<string, ParamSpec>)[name] : undefined;
}

/** How a numeric knob is written in links, text boxes and exports (the shortest text that parses back exactly). */
export function formatParamValue(_name: ParamName, value: number): string {
  return String(value);
}

/** The numeric knobs of "More samplers", in the order the controls show them. */
export const MORE_SAMPLER_PARAMS = [
  'dry_multiplier', 'dry_base', 'dry_allowed_length', 'dry_penalty_last_n', 'top_n_sigma', 'xtc_probability',
  'xtc_threshold', 'epsilon_cutoff', 'eta_cutoff', 'dynatemp_range', 'dynatemp_exponent', 'mirostat',
  'mirostat_tau', 'mirostat_eta',
] as const satisfies readonly SamplingParamName[];
export const MAX_DRY_BREAKERS = 16;

export const LOGIT_BIAS_RANGE = { min: -100, max: 100 } as const;

/** The UI's starting point (SAMPLING.md table): every numeric knob at its registry default. */
export const DEFAULT_PARAMS: SamplingParams = Object.freeze({
  ...(Object.fromEntries(SAMPLING_PARAM_NAMES.map((n) => [n, PARAM_SPECS[n].default])) as Record<SamplingParamName, number>),
  logit_bias: {},
  do_sample: true,
  order: [...HF_ORDER],
  dry_sequence_breakers: [...DEFAULT_DRY_BREAKERS],
}) as SamplingParams;

/** Every knob off: plain softmax sampling. */
export const OFF_PARAMS: SamplingParams = Object.freeze({
  ...DEFAULT_PARAMS,
  top_k: 0,
  logit_bias: {},
  order: [...HF_ORDER],
}) as SamplingParams;

function rangeRule(spec: ParamSpec): ParamRule {
  const rule: ParamRule = { kind: 'range', integer: spec.integer, min: spec.min, minExclusive: spec.minExclusive ?? false, max: spec.max };
  if (spec.off !== undefined) rule.off = spec.off;
  return rule;
}

/** The range rule of a numeric parameter, as data (for messages in the page's language). */
export function paramRule(name: ParamName): ParamRule {
  return rangeRule(PARAM_SPECS[name]);
}

/** Whether `value` lies in the range of `name`. */
export function isInRange(name: ParamName, value: number): boolean {
  const spec = PARAM_SPECS[name];
  return (
    Number.isFinite(value) &&
    (spec.minExclusive ? value > spec.min : value >= spec.min) &&
    value <= spec.max &&
    (!spec.integer || Number.isInteger(value)) &&
    (name !== 'mirostat' || value === 0 || value === 2)
  );
}

/** Throws SamplingParamError unless `value` lies in the range of `name`. */
export function checkParam(name: ParamName, value: number): void {
  if (isInRange(name, value)) return;
  if (name === 'mirostat' && Number.isFinite(value) && value >= PARAM_SPECS.mirostat.min && value <= PARAM_SPECS.mirostat.max) {
    throw new SamplingParamError(name, value, { kind: 'oneOf', values: [0, 2] });
  }
  throw new SamplingParamError(name, value, rangeRule(PARAM_SPECS[name]));
}

/** Throws SamplingParamError naming the first invalid parameter. */
export function validateParams(params: SamplingParams, vocabSize?: number): void {
  for (const name of SAMPLING_PARAM_NAMES) checkParam(name, params[name]);
  checkBreakers(params.dry_sequence_breakers);
  for (const id of params.dry_breaker_ids ?? []) {
    if (!Number.isInteger(id) || id < 0 || (vocabSize !== undefined && id >= vocabSize)) {
      throw new SamplingParamError('dry_breaker_ids', id, vocabSize === undefined ? { kind: 'tokenIds' } : { kind: 'tokenIds', vocabSize });
    }
  }
  if (typeof params.do_sample !== 'boolean') {
    throw new SamplingParamError('do_sample', params.do_sample, { kind: 'boolean' });
  }
  const seen = new Set<string>();
  for (const w of params.order) {
    if (!DEFAULT_ORDER.includes(w) || seen.has(w)) {
      throw new SamplingParamError('order', params.order.join(','), { kind: 'order', names: DEFAULT_ORDER });
    }
    seen.add(w);
  }
  for (const [key, bias] of Object.entries(params.logit_bias)) {
    const id = Number(key);
    const idOk = key.trim() !== '' && Number.isInteger(id) && id >= 0 && (vocabSize === undefined || id < vocabSize);
    if (!idOk) {
      throw new SamplingParamError('logit_bias', key, vocabSize === undefined ? { kind: 'tokenIds' } : { kind: 'tokenIds', vocabSize });
    }
    if (!Number.isFinite(bias) || bias < LOGIT_BIAS_RANGE.min || bias > LOGIT_BIAS_RANGE.max) {
      throw new SamplingParamError(`logit_bias[${key}]`, bias, { kind: 'bias', ...LOGIT_BIAS_RANGE });
    }
  }
}

/** Throws unless `breakers` is an array of at most MAX_DRY_BREAKERS non-empty strings. */
export function checkBreakers(breakers: unknown): void {
  const ok = Array.isArray(breakers) && breakers.length <= MAX_DRY_BREAKERS && breakers.every((b) => typeof b === 'string' && b !== '');
  if (!ok) throw new SamplingParamError('dry_sequence_breakers', JSON.stringify(breakers), { kind: 'breakers', max: MAX_DRY_BREAKERS });
}

/** The link / input form of dry_sequence_breakers: a JSON array of strings. */
export function parseBreakers(text: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SamplingParamError('dry_sequence_breakers', text, { kind: 'breakers', max: MAX_DRY_BREAKERS });
  }
  checkBreakers(value);
  return value as string[];
}

const NUMBER_SYNTAX = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Strict text → number for URLs and inputs: no blanks, no trailing junk, no silent clamping. */
export function parseParamValue(name: string, raw: string): number {
  const spec = paramSpec(name);
  if (!spec) throw new SamplingParamError(name, raw, { kind: 'knownName' });
  const text = raw.trim();
  if (!NUMBER_SYNTAX.test(text)) throw new SamplingParamError(name, raw, rangeRule(spec));
  // "-0" is a valid number, but a link writes it back as "0": read it as 0 so a link round-trips.
  const value = Number(text) + 0;
  checkParam(spec.name as ParamName, value);
  return value;
}

/** True when a value is accepted but outside the usual range (e.g. temperature 3). */
export function isUnusual(name: ParamName, value: number): boolean {
  const spec = PARAM_SPECS[name];
  return spec.softMax !== undefined && value > spec.softMax;
}

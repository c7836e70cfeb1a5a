// The parameter table of SAMPLING.md as data: defaults, ranges, "off" values, validation and strict parsing.
import { HF_ORDER, type SamplingParams, type WarperName } from './types';

/** An invalid parameter: names the parameter, the value and what is allowed, so the UI can say why. */
export class SamplingParamError extends Error {
  readonly param: string;
  readonly value: unknown;
  readonly allowed: string;
  constructor(param: string, value: unknown, allowed: string) {
    super(`${param} = ${formatValue(value)} is not allowed: ${allowed}`);
    this.name = 'SamplingParamError';
    this.param = param;
    this.value = value;
    this.allowed = allowed;
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

export type ParamName =
  | 'temperature'
  | 'top_k'
  | 'top_p'
  | 'min_p'
  | 'typical_p'
  | 'repetition_penalty'
  | 'frequency_penalty'
  | 'presence_penalty'
  | 'min_tokens_to_keep'
  | 'max_new_tokens'
  | 'seed';

export interface ParamSpec {
  name: ParamName;
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
}

export const PARAM_SPECS: Record<ParamName, ParamSpec> = {
  temperature: { name: 'temperature', min: 0, max: 5, softMax: 2, integer: false, off: 1, default: 1, step: 0.05 },
  top_k: { name: 'top_k', min: 0, max: 1_000_000, integer: true, off: 0, default: 50, step: 1 },
  top_p: { name: 'top_p', min: 0, max: 1, minExclusive: true, integer: false, off: 1, default: 1, step: 0.01 },
  min_p: { name: 'min_p', min: 0, max: 1, integer: false, off: 0, default: 0, step: 0.01 },
  typical_p: { name: 'typical_p', min: 0, max: 1, minExclusive: true, integer: false, off: 1, default: 1, step: 0.01 },
  repetition_penalty: {
    name: 'repetition_penalty', min: 0, max: 2, minExclusive: true, integer: false, off: 1, default: 1, step: 0.05,
  },
  frequency_penalty: { name: 'frequency_penalty', min: -2, max: 2, integer: false, off: 0, default: 0, step: 0.1 },
  presence_penalty: { name: 'presence_penalty', min: -2, max: 2, integer: false, off: 0, default: 0, step: 0.1 },
  min_tokens_to_keep: { name: 'min_tokens_to_keep', min: 1, max: 1_000_000, integer: true, default: 1, step: 1 },
  max_new_tokens: { name: 'max_new_tokens', min: 1, max: 1_000_000, integer: true, default: 64, step: 1 },
  seed: { name: 'seed', min: 0, max: 0xffffffff, integer: true, default: 0, step: 1 },
};

export const LOGIT_BIAS_RANGE = { min: -100, max: 100 } as const;
export const WARPER_NAMES: readonly WarperName[] = HF_ORDER;

/** The UI's starting point (SAMPLING.md table). */
export const DEFAULT_PARAMS: SamplingParams = Object.freeze({
  temperature: 1,
  top_k: 50,
  top_p: 1,
  min_p: 0,
  typical_p: 1,
  repetition_penalty: 1,
  frequency_penalty: 0,
  presence_penalty: 0,
  logit_bias: {},
  min_tokens_to_keep: 1,
  do_sample: true,
  order: [...HF_ORDER],
}) as SamplingParams;

/** Every knob off: plain softmax sampling. */
export const OFF_PARAMS: SamplingParams = Object.freeze({
  ...DEFAULT_PARAMS,
  top_k: 0,
  logit_bias: {},
  order: [...HF_ORDER],
}) as SamplingParams;

export function describeRange(spec: ParamSpec): string {
  const low = spec.minExclusive ? `greater than ${spec.min}` : `at least ${spec.min}`;
  const kind = spec.integer ? 'a whole number' : 'a number';
  const off = spec.off !== undefined ? ` (${spec.off} = off)` : '';
  return `${kind} ${low} and at most ${spec.max}${off}`;
}

/** Throws SamplingParamError unless `value` lies in the range of `name`. */
export function checkParam(name: ParamName, value: number): void {
  const spec = PARAM_SPECS[name];
  const inRange =
    Number.isFinite(value) &&
    (spec.minExclusive ? value > spec.min : value >= spec.min) &&
    value <= spec.max &&
    (!spec.integer || Number.isInteger(value));
  if (!inRange) throw new SamplingParamError(name, value, describeRange(spec));
}

/** Throws SamplingParamError naming the first invalid parameter. */
export function validateParams(params: SamplingParams, vocabSize?: number): void {
  const numeric: ParamName[] = [
    'temperature', 'top_k', 'top_p', 'min_p', 'typical_p',
    'repetition_penalty', 'frequency_penalty', 'presence_penalty', 'min_tokens_to_keep',
  ];
  for (const name of numeric) checkParam(name, params[name as keyof SamplingParams] as number);
  if (typeof params.do_sample !== 'boolean') {
    throw new SamplingParamError('do_sample', params.do_sample, 'true or false');
  }
  const seen = new Set<string>();
  for (const w of params.order) {
    if (!WARPER_NAMES.includes(w) || seen.has(w)) {
      throw new SamplingParamError('order', params.order.join(','), `a permutation of ${WARPER_NAMES.join(', ')}`);
    }
    seen.add(w);
  }
  if (params.order.length !== WARPER_NAMES.length) {
    throw new SamplingParamError('order', params.order.join(','), `a permutation of ${WARPER_NAMES.join(', ')}`);
  }
  for (const [key, bias] of Object.entries(params.logit_bias)) {
    const id = Number(key);
    const idOk = key.trim() !== '' && Number.isInteger(id) && id >= 0 && (vocabSize === undefined || id < vocabSize);
    if (!idOk) {
      const upper = vocabSize === undefined ? '' : ` and below the vocabulary size ${vocabSize}`;
      throw new SamplingParamError('logit_bias', key, `token ids are whole numbers from 0${upper}`);
    }
    if (!Number.isFinite(bias) || bias < LOGIT_BIAS_RANGE.min || bias > LOGIT_BIAS_RANGE.max) {
      throw new SamplingParamError(`logit_bias[${key}]`, bias, 'a bias from -100 to 100');
    }
  }
}

const NUMBER_SYNTAX = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Strict text → number for URLs and inputs: no blanks, no trailing junk, no silent clamping. */
export function parseParamValue(name: string, raw: string): number {
  const spec = PARAM_SPECS[name as ParamName];
  if (!spec) throw new SamplingParamError(name, raw, 'a known parameter name');
  const text = raw.trim();
  if (!NUMBER_SYNTAX.test(text)) throw new SamplingParamError(name, raw, describeRange(spec));
  const value = Number(text);
  checkParam(spec.name, value);
  return value;
}

/** True when a value is accepted but outside the usual range (e.g. temperature 3). */
export function isUnusual(name: ParamName, value: number): boolean {
  const spec = PARAM_SPECS[name];
  return spec.softMax !== undefined && value > spec.softMax;
}

// The parameter table of SAMPLING.md as data: defaults, ranges, "off" values, validation and strict parsing.
import { HF_ORDER, type SamplingParams, type WarperName } from './types';

/** What a parameter accepts, as data: the page words it in its own language, `describeRule` in English. */
export type ParamRule =
  | { kind: 'range'; integer: boolean; min: number; minExclusive: boolean; max: number; off?: number }
  | { kind: 'boolean' }
  | { kind: 'order'; names: readonly string[] }
  | { kind: 'tokenIds'; vocabSize?: number }
  | { kind: 'bias'; min: number; max: number }
  | { kind: 'biasPairs' }
  | { kind: 'knownName' }
  | { kind: 'context'; max: number }
  | { kind: 'stopCount'; max: number }
  | { kind: 'language' }
  | { kind: 'modelRef' };

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
      return `a permutation of ${rule.names.join(', ')}`;
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
    (!spec.integer || Number.isInteger(value))
  );
}

/** Throws SamplingParamError unless `value` lies in the range of `name`. */
export function checkParam(name: ParamName, value: number): void {
  if (!isInRange(name, value)) throw new SamplingParamError(name, value, rangeRule(PARAM_SPECS[name]));
}

/** Throws SamplingParamError naming the first invalid parameter. */
export function validateParams(params: SamplingParams, vocabSize?: number): void {
  const numeric: ParamName[] = [
    'temperature', 'top_k', 'top_p', 'min_p', 'typical_p',
    'repetition_penalty', 'frequency_penalty', 'presence_penalty', 'min_tokens_to_keep',
  ];
  for (const name of numeric) checkParam(name, params[name as keyof SamplingParams] as number);
  if (typeof params.do_sample !== 'boolean') {
    throw new SamplingParamError('do_sample', params.do_sample, { kind: 'boolean' });
  }
  const seen = new Set<string>();
  for (const w of params.order) {
    if (!WARPER_NAMES.includes(w) || seen.has(w)) {
      throw new SamplingParamError('order', params.order.join(','), { kind: 'order', names: WARPER_NAMES });
    }
    seen.add(w);
  }
  if (params.order.length !== WARPER_NAMES.length) {
    throw new SamplingParamError('order', params.order.join(','), { kind: 'order', names: WARPER_NAMES });
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

export const NUMBER_SYNTAX = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Strict text → number for URLs and inputs: no blanks, no trailing junk, no silent clamping. */
export function parseParamValue(name: string, raw: string): number {
  const spec = PARAM_SPECS[name as ParamName];
  if (!spec) throw new SamplingParamError(name, raw, { kind: 'knownName' });
  const text = raw.trim();
  if (!NUMBER_SYNTAX.test(text)) throw new SamplingParamError(name, raw, rangeRule(spec));
  const value = Number(text);
  checkParam(spec.name, value);
  return value;
}

/** True when a value is accepted but outside the usual range (e.g. temperature 3). */
export function isUnusual(name: ParamName, value: number): boolean {
  const spec = PARAM_SPECS[name];
  return spec.softMax !== undefined && value > spec.softMax;
}

// What a sweep varies: one to three dimensions over the parameter registry (numeric ranges, or a categorical
// choice such as the warper order), the settings they span, and how a setting is written as a URL query.
import { PARAM_SPECS, SAMPLING_PARAM_NAMES, SamplingParamError, checkParam, type ParamName } from '../params';
import { HF_ORDER, LLAMA_CPP_ORDER, type SamplingParams, type WarperName } from '../types';

/** Registry knobs a sweep may vary as numbers: every sampling knob (seed and max_new_tokens are run settings). */
export const SWEEPABLE_NUMERIC: readonly ParamName[] = SAMPLING_PARAM_NAMES;

/** Categorical knobs and the values a link may name. */
export const SWEEPABLE_CATEGORICAL = {
  order: ['hf', 'llama.cpp'],
  do_sample: ['true', 'false'],
} as const;
export type CategoricalName = keyof typeof SWEEPABLE_CATEGORICAL;

export const MAX_DIMENSIONS = 3;
export const MAX_GRID_VALUES = 20;

export type SweepDimension =
  | {
      kind: 'numeric';
      name: ParamName;
      from: number;
      to: number;
      /** Values per parameter on a grid. */
      count: number;
      /** Log spacing (grid) and log-uniform draws (random): the range spans two decades or more. */
      log: boolean;
      integer: boolean;
    }
  | { kind: 'categorical'; name: CategoricalName; values: string[] };

/** One setting: a value per dimension, in the sweep's order. */
export type SweepValue = number | string;
export type SweepSetting = SweepValue[];

/** Ranges of two decades or more are searched on a log scale (min_p 0.001 … 0.1 spends as long near 0.001 as near 0.1). */
export function spansDecades(from: number, to: number): boolean {
  const lo = Math.min(from, to);
  const hi = Math.max(from, to);
  return lo > 0 && hi / lo >= 100;
}

export function numericDimension(name: string, from: number, to: number, count: number): SweepDimension {
  if (!(SWEEPABLE_NUMERIC as readonly string[]).includes(name)) {
    throw new SamplingParamError('sweep', name, { kind: 'knownName' });
  }
  const param = name as ParamName;
  checkParam(param, from);
  checkParam(param, to);
  if (!Number.isInteger(count) || count < 1 || count > MAX_GRID_VALUES) {
    throw new SamplingParamError('sweep', count, { kind: 'range', integer: true, min: 1, minExclusive: false, max: MAX_GRID_VALUES });
  }
  return { kind: 'numeric', name: param, from, to, count, log: spansDecades(from, to), integer: PARAM_SPECS[param].integer };
}

export function categoricalDimension(name: string, values: string[]): SweepDimension {
  if (!(name in SWEEPABLE_CATEGORICAL)) throw new SamplingParamError('sweep', name, { kind: 'knownName' });
  const known: readonly string[] = SWEEPABLE_CATEGORICAL[name as CategoricalName];
  const unique = [...new Set(values)];
  for (const v of unique) {
    if (!known.includes(v)) throw new SamplingParamError(name, v, name === 'order' ? { kind: 'order', names: known } : { kind: 'boolean' });
  }
  if (unique.length === 0) throw new SamplingParamError(name, '', { kind: 'order', names: known });
  return { kind: 'categorical', name: name as CategoricalName, values: unique };
}

/** Rounds to 6 significant digits, the precision settings are shown, linked and compared at. */
export function round6(value: number): number {
  return Number(value.toPrecision(6));
}

/** The value a unit coordinate u ∈ [0, 1] stands for on a numeric dimension. */
export function valueAt(dim: Extract<SweepDimension, { kind: 'numeric' }>, u: number): number {
  let v = dim.log ? dim.from * Math.pow(dim.to / dim.from, u) : dim.from + (dim.to - dim.from) * u;
  if (dim.integer) v = Math.round(v);
  const lo = Math.min(dim.from, dim.to);
  const hi = Math.max(dim.from, dim.to);
  return round6(Math.min(hi, Math.max(lo, v)));
}

/** The unit coordinate of a value (the inverse of valueAt, up to rounding). */
export function unitOf(dim: SweepDimension, value: SweepValue): number {
  if (dim.kind === 'categorical') {
    const i = dim.values.indexOf(String(value));
    return dim.values.length <= 1 ? 0 : i / (dim.values.length - 1);
  }
  const v = Number(value);
  if (dim.to === dim.from) return 0;
  const u = dim.log ? Math.log(v / dim.from) / Math.log(dim.to / dim.from) : (v - dim.from) / (dim.to - dim.from);
  return Math.min(1, Math.max(0, u));
}

/** `temperature=0.9&top_p=0.75`: keys in the sweep's order, numbers to 6 significant digits. */
export function settingQuery(dims: readonly SweepDimension[], setting: SweepSetting): string {
  return dims.map((d, i) => {
    const v = setting[i];
    const text = typeof v === 'number' ? String(round6(v)) : v;
    return `${d.name}=${encodeURIComponent(text)}`;
  }).join('&');
}

/** The sampling parameters of a setting on top of the fixed ones. */
export function applySetting(base: SamplingParams, dims: readonly SweepDimension[], setting: SweepSetting): SamplingParams {
  const params: SamplingParams = { ...base, logit_bias: { ...base.logit_bias }, order: [...base.order] };
  dims.forEach((d, i) => {
    const v = setting[i];
    if (d.kind === 'numeric') (params as unknown as Record<string, number>)[d.name] = Number(v);
    else if (d.name === 'order') params.order = [...(v === 'llama.cpp' ? LLAMA_CPP_ORDER : HF_ORDER)] as WarperName[];
    else params.do_sample = v === 'true';
  });
  return params;
}

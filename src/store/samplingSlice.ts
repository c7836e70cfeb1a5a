// The sampling slice: the knobs of a run (sampling params, seed, max_new_tokens, stop sequences, prompt) as the
// controls, links and presets set them. A refused value is kept with its reason, never clamped; the last good value
// stays in force.
import {
  DEFAULT_PARAMS, HF_ORDER, MAX_STOP_SEQUENCES, PARAM_SPECS, SamplingParamError, checkBreakers, checkParam, completeOrder, parseParamValue,
} from '../core';
import { PRESETS } from './presets';
import { biasIdsOutside } from './schemas';
import type { SamplingSlice, SliceCreator } from './storeTypes';
import { parseLogitBias, refusalOf } from './urlState';

export function randomSeed(): number {
  // Seeds are user-visible data, not part of core's reproducibility: the browser's generator is fine here.
  const buf = new Uint32Array(1);
  globalThis.crypto.getRandomValues(buf);
  return buf[0];
}

export const samplingSlice: SliceCreator<SamplingSlice> = (set, get) => {
  const refuse = (name: string, error: unknown) => {
    set({ paramErrors: { ...get().paramErrors, [name]: refusalOf(error) } });
    return false;
  };
  const accept = (name: string) => {
    const { [name]: _gone, ...rest } = get().paramErrors;
    return rest;
  };
  return {
    params: { ...DEFAULT_PARAMS, logit_bias: {}, order: [...HF_ORDER], dry_sequence_breakers: [...DEFAULT_PARAMS.dry_sequence_breakers] },
    seed: 0,
    maxNewTokens: PARAM_SPECS.max_new_tokens.default,
    stop: [],
    prompt: '',
    paramErrors: {},
    setParam: (name, value) => {
      try {
        checkParam(name, value);
      } catch (error) {
        return refuse(name, error);
      }
      set({ params: { ...get().params, [name]: value }, paramErrors: accept(name) });
      return true;
    },
    setParamText: (name, text) => {
      let value: number;
      try {
        value = parseParamValue(name, text);
      } catch (error) {
        return refuse(name, error);
      }
      if (name === 'seed') return get().setSeed(value);
      if (name === 'max_new_tokens') return get().setMaxNewTokens(value);
      if (name === 'num_beams' || name === 'length_penalty' || name === 'num_return_sequences') return get().setBeamParam(name, value);
      return get().setParam(name, value);
    },
    setDoSample: (do_sample) => set({ params: { ...get().params, do_sample } }),
    setOrder: (order) => set({ params: { ...get().params, order: [...order] } }),
    moveWarper: (name, delta) => {
      // A partial order runs the rest after it: moving one of those makes the whole order explicit.
      const order = completeOrder(get().params.order);
      const i = order.indexOf(name);
      const j = i + delta;
      if (i < 0 || j < 0 || j >= order.length) return;
      [order[i], order[j]] = [order[j], order[i]];
      set({ params: { ...get().params, order } });
    },
    setLogitBiasText: (text) => {
      try {
        const logit_bias = parseLogitBias(text);
        const vocab = get().loaded?.vocabSize;
        const outside = Object.keys(logit_bias).map(Number).find((id) => vocab !== undefined && id >= vocab);
        if (outside !== undefined) throw new SamplingParamError('logit_bias', outside, { kind: 'tokenIds', vocabSize: vocab });
        set({ params: { ...get().params, logit_bias }, paramErrors: accept('logit_bias') });
        return true;
      } catch (error) {
        return refuse('logit_bias', error);
      }
    },
    setDryBreakers: (breakers) => {
      try {
        checkBreakers(breakers);
      } catch (error) {
        return refuse('dry_sequence_breakers', error);
      }
      set({ params: { ...get().params, dry_sequence_breakers: [...breakers] }, paramErrors: accept('dry_sequence_breakers') });
      return true;
    },
    setSeed: (seed) => {
      try {
        checkParam('seed', seed);
      } catch (error) {
        return refuse('seed', error);
      }
      set({ seed, paramErrors: accept('seed') });
      return true;
    },
    rerollSeed: () => set({ seed: randomSeed(), paramErrors: accept('seed') }),
    setMaxNewTokens: (n) => {
      try {
        checkParam('max_new_tokens', n);
        const context = get().loaded?.contextLength;
        if (context !== undefined && n > context) throw new SamplingParamError('max_new_tokens', n, { kind: 'context', max: context });
      } catch (error) {
        return refuse('max_new_tokens', error);
      }
      set({ maxNewTokens: n, paramErrors: accept('max_new_tokens') });
      return true;
    },
    setPrompt: (prompt) => set({ prompt }),
    addStop: (stop) => {
      const stops = get().stop;
      if (stop === '' || stops.includes(stop)) return;
      if (stops.length >= MAX_STOP_SEQUENCES) {
        refuse('stop', new SamplingParamError('stop', stop, { kind: 'stopCount', max: MAX_STOP_SEQUENCES }));
        return;
      }
      set({ stop: [...stops, stop], paramErrors: accept('stop') });
    },
    removeStop: (stop) => set({ stop: get().stop.filter((s) => s !== stop) }),
    applyPreset: (name) => {
      const preset = PRESETS.find((p) => p.name === name);
      if (preset) {
        set({
          params: { ...preset.params, logit_bias: { ...get().params.logit_bias }, order: [...preset.params.order], dry_sequence_breakers: [...preset.params.dry_sequence_breakers] },
          paramErrors: {},
        });
      }
    },
    adoptSettings: (settings, options) => set(options?.clearRefusals ? { ...settings, paramErrors: {} } : settings),
    dropBiasOutside: (vocabSize) => {
      const bias = get().params.logit_bias;
      const outside = biasIdsOutside(bias, vocabSize);
      if (outside.length === 0) return;
      // Ids the model lacks are refused as soon as the model is known, not at Generate.
      const kept = Object.fromEntries(Object.entries(bias).filter(([id]) => Number(id) < vocabSize));
      set({ params: { ...get().params, logit_bias: kept } });
      get().notify({
        key: 'notices.biasOutside', params: { pairs: outside.map((id) => `${id}:${bias[id]}`).join(',') },
        why: { kind: 'tokenIds', vocabSize },
      });
    },
  };
};

// The page's shareable state in the URL: parsed strictly (a bad value falls back to the default with a notice
// naming the parameter; the assembled state checked once more by its valibot schema) and written back with
// SAMPLING.md's names — into the fragment, which never reaches the server, compressed when long. Links with a
// query string (older ones) still read, every key in either place.
import { decompressFromEncodedURIComponent, compressToEncodedURIComponent } from 'lz-string';
import * as v from 'valibot';
import {
  MAX_LANES, MIN_LANES, SETTING_KNOBS, SamplingParamError, applyOverrides, cloneRunSettings, laneBase, defaultRunSettings, formatLogitBias,
  parseLogitBias, parseSamples, type RunSettings,
} from '../core';
import type { DevicePreference } from '../engine/protocol';
import { SharedStateSchema, issueText } from './schemas';
import type { Refusal, ToyToken } from './types';

export { formatLogitBias, parseLogitBias };

export interface SharedState extends RunSettings {
  prompt: string;
  model: string;
  /** The weights' precision; null: the model's default. Any name passes here: the engine refuses one the model lacks. */
  dtype: string | null;
  lang: 'en' | 'zh' | null;
  run: boolean;
  /** auto (a hardware WebGPU adapter, else WASM), or a device forced. */
  device: DevicePreference;
  /** Compare lanes: each an overrides query (empty: no comparison in the link). */
  lanes: string[];
  samples: number;
  /** The page's view: toy mode, its tokens (null = the weather defaults) and bias by toy index, classroom mode, the step shown. */
  mode: 'model' | 'toy';
  toy: ToyToken[] | null;
  toy_bias: Record<number, number>;
  classroom: boolean;
  step: number | null;
}

const DEVICES: readonly DevicePreference[] = ['auto', 'wasm', 'webgpu'];

/** At most this many toy tokens travel in a link (the toy table is for a handful). */
export const MAX_TOY_TOKENS = 32;

export interface UrlNotice {
  name: string;
  value: string;
  why: Refusal;
  /** Set when the key was given this many times (only `stop` and `lane` may repeat); `value` is the one used. */
  repeated?: number;
  /** A compare lane's knob: which lane (1-based); `value` is then that lane's whole query. */
  lane?: number;
}

export function defaultSharedState(model: string, seed: number): SharedState {
  return {
    prompt: '', model, dtype: null, ...defaultRunSettings(seed), lang: null, run: false, device: 'auto',
    mode: 'model', toy: null, toy_bias: {}, classroom: false, step: null, lanes: [], samples: 1,
  };
}

/** The rule an error broke, or its text when it names none. */
export function refusalOf(error: unknown): Refusal {
  if (error instanceof SamplingParamError) return error.rule;
  return { kind: 'text', text: error instanceof Error ? error.message : String(error) };
}

/** "sunny:3" → { label: 'sunny', logit: 3 }; the last colon splits, so a label may hold colons. */
export function parseToyToken(text: string): ToyToken {
  const at = text.lastIndexOf(':');
  const logit = at > 0 ? Number(text.slice(at + 1)) + 0 : Number.NaN; // + 0: "-0" reads as 0, as a link writes it
  if (at <= 0 || text.slice(at + 1).trim() === '' || !Number.isFinite(logit)) throw new SamplingParamError('toy', text, { kind: 'toyToken' });
  return { label: text.slice(0, at), logit };
}

/** Keys a link may give more than once: each value counts. Any other key given twice gets a notice. */
export const REPEATABLE_KEYS = new Set([...SETTING_KNOBS.filter((knob) => knob.repeated).map((knob) => knob.name), 'lane', 'toy', 'prompts']);

/** The fragment's key for the whole state compressed (lz-string, URL-safe alphabet). */
export const COMPRESSED_KEY = 'z';

/** lz-string throws on some damaged inputs and returns null or '' on others: all of them are "not readable". */
function unpack(packed: string): string | null {
  try {
    return decompressFromEncodedURIComponent(packed) || null;
  } catch {
    return null;
  }
}

/**
 * The link's settings from the query string (old links) and the fragment (what the page writes), one reader for
 * both: a key in the fragment wins over the same key in the query string. A fragment `z=…` holds the fragment's
 * pairs compressed.
 */
export function readLinkParams(search: string, hash: string, notices: UrlNotice[]): URLSearchParams {
  const query = new URLSearchParams(search);
  const fragment = new URLSearchParams(hash.replace(/^#/, ''));
  const packed = fragment.get(COMPRESSED_KEY);
  if (packed !== null) {
    const unpacked = unpack(packed);
    // Pairs written beside z= (e.g. "&run=1" added to a copied link) count too, after the packed ones.
    const beside = [...fragment].filter(([name]) => name !== COMPRESSED_KEY);
    for (const name of new Set(fragment.keys())) fragment.delete(name);
    if (unpacked) for (const [name, value] of new URLSearchParams(unpacked)) fragment.append(name, value);
    else notices.push({ name: COMPRESSED_KEY, value: packed.length > 40 ? `${packed.slice(0, 40)}…` : packed, why: { kind: 'text', text: 'not a compressed LogitLab link (cut short?)' } });
    for (const [name, value] of beside) fragment.append(name, value);
  }
  const merged = new URLSearchParams();
  const names = new Set([...query.keys(), ...fragment.keys()]);
  names.delete(COMPRESSED_KEY);
  for (const name of names) {
    const values = fragment.has(name) ? fragment.getAll(name) : query.getAll(name);
    const given = query.getAll(name).length + fragment.getAll(name).length;
    if (!REPEATABLE_KEYS.has(name) && given > 1) {
      notices.push({ name, value: values[values.length - 1], why: { kind: 'text', text: `given ${given} times` }, repeated: given });
      // The last value is the one the link's author added last (the fragment comes after the query string).
      merged.append(name, values[values.length - 1]);
    } else {
      for (const value of values) merged.append(name, value);
    }
  }
  return merged;
}

/** Reads a link: its query string (`?…`) and its fragment (`#…`, plain or compressed), any key in either. */
export function parseUrlState(search: string, defaults: SharedState, hash = ''): { state: SharedState; notices: UrlNotice[] } {
  const notices: UrlNotice[] = [];
  const q = readLinkParams(search, hash, notices);
  // Knobs write into the state: it must share nothing with the defaults it is compared with.
  const state: SharedState = { ...defaults, ...cloneRunSettings(defaults), lanes: [...defaults.lanes] };
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
  const device = q.get('device');
  if (device !== null) {
    attempt('device', device, () => {
      if (!(DEVICES as readonly string[]).includes(device)) throw new SamplingParamError('device', device, { kind: 'device' });
      state.device = device as DevicePreference;
    });
  }
  const lanes = q.getAll('lane');
  if (lanes.length > 0) {
    attempt('lane', lanes.join(' | '), () => {
      if (lanes.length < MIN_LANES || lanes.length > MAX_LANES) {
        throw new SamplingParamError('lane', lanes.length, { kind: 'range', integer: true, min: MIN_LANES, minExclusive: false, max: MAX_LANES });
      }
      // Each lane must make sense on its own settings; the page's settings are its base when it runs.
      for (const [i, lane] of lanes.entries()) {
        try {
          applyOverrides(laneBase(state), lane);
        } catch (error) {
          if (!(error instanceof SamplingParamError)) throw error;
          notices.push({ name: error.param, value: lane, why: error.rule, lane: i + 1 });
          return;
        }
      }
      state.lanes = lanes;
    });
  }
  const samples = q.get('samples');
  if (samples !== null) attempt('samples', samples, () => { state.samples = parseSamples(samples); });
  state.run = q.get('run') === '1';
  const mode = q.get('mode');
  if (mode !== null) {
    attempt('mode', mode, () => {
      if (mode !== 'model' && mode !== 'toy') throw new SamplingParamError('mode', mode, { kind: 'mode' });
      state.mode = mode;
    });
  }
  const toy = q.getAll('toy');
  if (toy.length > MAX_TOY_TOKENS) notices.push({ name: 'toy', value: `${toy.length} values`, why: { kind: 'toyCount', max: MAX_TOY_TOKENS } });
  else if (toy.length > 0) attempt('toy', toy.join(' '), () => { state.toy = toy.map(parseToyToken); });
  const toyBias = q.get('toy_bias');
  if (toyBias !== null) attempt('toy_bias', toyBias, () => { state.toy_bias = parseLogitBias(toyBias); });
  const classroom = q.get('classroom');
  if (classroom !== null) {
    attempt('classroom', classroom, () => {
      if (classroom !== '1' && classroom !== '0') throw new SamplingParamError('classroom', classroom, { kind: 'boolean' });
      state.classroom = classroom === '1';
    });
  }
  const step = q.get('step');
  if (step !== null) {
    attempt('step', step, () => {
      const n = Number(step);
      if (!/^\d+$/.test(step.trim()) || n > 100_000) throw new SamplingParamError('step', step, { kind: 'range', min: 0, minExclusive: false, max: 100_000, integer: true });
      state.step = n;
    });
  }
  // Every key was parsed strictly above; this is the guarantee that what the page starts from is a state it can
  // draw, whatever a future key's parser lets through.
  const checked = v.safeParse(SharedStateSchema, state);
  if (!checked.success) {
    notices.push({ name: 'link', value: '', why: { kind: 'text', text: issueText(checked.issues[0]) } });
    return { state: { ...defaults, ...cloneRunSettings(defaults), lanes: [...defaults.lanes] }, notices };
  }
  return { state, notices };
}

/** Only what differs from the defaults goes in the link, in a stable order. */
export function serializeUrlState(state: SharedState, defaults: SharedState): string {
  const q = new URLSearchParams();
  if (state.prompt) q.set('prompt', state.prompt);
  if (state.model !== defaults.model) q.set('model', state.model);
  if (state.dtype !== null) q.set('dtype', state.dtype);
  for (const knob of SETTING_KNOBS) for (const value of knob.write(state, defaults)) q.append(knob.name, value);
  for (const lane of state.lanes) q.append('lane', lane);
  if (state.lanes.length > 0 && state.samples !== 1) q.set('samples', String(state.samples));
  if (state.lang) q.set('lang', state.lang);
  if (state.device !== defaults.device) q.set('device', state.device);
  if (state.run) q.set('run', '1');
  if (state.mode !== 'model') q.set('mode', state.mode);
  for (const x of state.toy ?? []) q.append('toy', `${x.label}:${x.logit}`);
  const toyBias = formatLogitBias(state.toy_bias);
  if (toyBias) q.set('toy_bias', toyBias);
  if (state.classroom) q.set('classroom', '1');
  if (state.step !== null) q.set('step', String(state.step));
  return q.toString();
}

/** Past this many characters a fragment is compressed (when that makes it shorter). */
export const COMPRESS_OVER = 1500;

/**
 * The longest link the page writes. Chromium takes 2 MB, but other browsers and the places links are pasted into
 * (chats, mail, documents) cut long ones; 64 K characters is what current browsers all open.
 */
export const MAX_LINK_CHARS = 65_536;

/**
 * The fragment (without `#`) for a state: readable pairs, or `z=` and the pairs compressed when that is shorter.
 * `extra`: pairs of another view's own (the sweep's definition) that travel after the state's.
 */
export function linkFragment(state: SharedState, defaults: SharedState, extra?: URLSearchParams): string {
  const plain = [serializeUrlState(state, defaults), extra?.toString() ?? ''].filter((part) => part !== '').join('&');
  if (plain.length <= COMPRESS_OVER) return plain;
  // The page asks at every store update (steps stream in several times a second): compress each text once.
  if (plain !== lastPacked.plain) {
    const packed = `${COMPRESSED_KEY}=${compressToEncodedURIComponent(plain)}`;
    lastPacked = { plain, fragment: packed.length < plain.length ? packed : plain };
  }
  return lastPacked.fragment;
}

let lastPacked = { plain: '', fragment: '' };

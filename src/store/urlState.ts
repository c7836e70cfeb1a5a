// The page's shareable state in the URL: parsed strictly by the link schemas (a bad value falls back to the default
// with a notice naming the parameter) and written back with SAMPLING.md's names — into the fragment, which never
// reaches the server, compressed when long. Links with a query string (older ones) still read.
import { decompressFromEncodedURIComponent, compressToEncodedURIComponent } from 'lz-string';
import {
  DEFAULT_PARAMS, HF_ORDER, MAX_STOP_SEQUENCES, PARAM_SPECS, SamplingParamError,
  type ParamName, type SamplingParams,
} from '../core';
import { LinkBoolean, LinkLang, LinkLogitBias, LinkModel, LinkOrder, linkNumber, parseWith } from './schemas';
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
}

export interface UrlNotice {
  name: string;
  value: string;
  why: Refusal;
  /** Set when the key was given this many times (only `stop` and `lane` may repeat); `value` is the one used. */
  repeated?: number;
}

export const NUMERIC_PARAMS: ParamName[] = [
  'temperature', 'top_k', 'top_p', 'min_p', 'typical_p', 'repetition_penalty', 'frequency_penalty',
  'presence_penalty', 'min_tokens_to_keep',
];

export function defaultSharedState(model: string, seed: number): SharedState {
  return {
    prompt: '', model, params: { ...DEFAULT_PARAMS, logit_bias: {}, order: [...DEFAULT_PARAMS.order] }, seed,
    max_new_tokens: PARAM_SPECS.max_new_tokens.default, stop: [], lang: null, run: false,
  };
}

/** The rule an error broke, or its text when it names none. */
export function refusalOf(error: unknown): Refusal {
  if (error instanceof SamplingParamError) return error.rule;
  return { kind: 'text', text: error instanceof Error ? error.message : String(error) };
}

/** "13:-100,42:5" → { 13: -100, 42: 5 }; throws SamplingParamError naming logit_bias. */
export function parseLogitBias(text: string): Record<number, number> {
  return parseWith(LinkLogitBias, 'logit_bias', text);
}

export function formatLogitBias(bias: Record<number, number>): string {
  return Object.entries(bias).map(([id, b]) => `${id}:${b}`).join(',');
}

/** Keys a link may give more than once: each value counts. Any other key given twice gets a notice. */
export const REPEATABLE_KEYS = new Set(['stop', 'lane']);

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
  const state: SharedState = { ...defaults, params: { ...defaults.params }, stop: [...defaults.stop] };
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
      state.model = parseWith(LinkModel, 'model', model);
    });
  }
  for (const name of NUMERIC_PARAMS) {
    const raw = q.get(name);
    if (raw !== null) attempt(name, raw, () => { (state.params as unknown as Record<string, number>)[name] = parseWith(linkNumber(name), name, raw); });
  }
  const doSample = q.get('do_sample');
  if (doSample !== null) {
    attempt('do_sample', doSample, () => {
      state.params.do_sample = parseWith(LinkBoolean, 'do_sample', doSample);
    });
  }
  const bias = q.get('logit_bias');
  if (bias !== null) attempt('logit_bias', bias, () => { state.params.logit_bias = parseLogitBias(bias); });
  const order = q.get('order');
  if (order !== null) attempt('order', order, () => { state.params.order = parseWith(LinkOrder, 'order', order); });
  const seed = q.get('seed');
  if (seed !== null) attempt('seed', seed, () => { state.seed = parseWith(linkNumber('seed'), 'seed', seed); });
  const maxNew = q.get('max_new_tokens');
  if (maxNew !== null) attempt('max_new_tokens', maxNew, () => { state.max_new_tokens = parseWith(linkNumber('max_new_tokens'), 'max_new_tokens', maxNew); });
  const stops = q.getAll('stop').filter((s) => s !== '');
  if (stops.length > MAX_STOP_SEQUENCES) notices.push({ name: 'stop', value: `${stops.length} values`, why: { kind: 'stopCount', max: MAX_STOP_SEQUENCES } });
  else if (q.has('stop')) state.stop = stops;
  const lang = q.get('lang');
  if (lang !== null) {
    attempt('lang', lang, () => {
      state.lang = parseWith(LinkLang, 'lang', lang);
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

/** Past this many characters a fragment is compressed (when that makes it shorter). */
export const COMPRESS_OVER = 1500;

/**
 * The longest link the page writes. Chromium takes 2 MB, but other browsers and the places links are pasted into
 * (chats, mail, documents) cut long ones; 64 K characters is what current browsers all open.
 */
export const MAX_LINK_CHARS = 65_536;

/** The fragment (without `#`) for a state: readable pairs, or `z=` and the pairs compressed when that is shorter. */
export function linkFragment(state: SharedState, defaults: SharedState): string {
  const plain = serializeUrlState(state, defaults);
  if (plain.length <= COMPRESS_OVER) return plain;
  // The page asks at every store update (steps stream in several times a second): compress each text once.
  if (plain !== lastPacked.plain) {
    const packed = `${COMPRESSED_KEY}=${compressToEncodedURIComponent(plain)}`;
    lastPacked = { plain, fragment: packed.length < plain.length ? packed : plain };
  }
  return lastPacked.fragment;
}

let lastPacked = { plain: '', fragment: '' };

// Shared links: what is written reads back the same, and anything invalid falls back to the default with a
// notice naming the parameter — never clamped, never silently dropped.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HF_ORDER, LLAMA_CPP_ORDER, MAX_STOP_SEQUENCES, validateParams } from '../../src/core';
import {
  COMPRESSED_KEY, MAX_LINK_CHARS, defaultSharedState, formatLogitBias, linkFragment, parseLogitBias, parseUrlState, serializeUrlState, type SharedState,
} from '../../src/store/urlState';

const defaults = defaultSharedState('logitlab-tiny', 123);
const stateArb: fc.Arbitrary<SharedState> = fc.record({
  prompt: fc.string({ maxLength: 40 }),
  model: fc.constantFrom('logitlab-tiny', 'gpt2', 'HuggingFaceTB/SmolLM2-135M-Instruct', 'https://example.org/models/tiny/'),
  temperature: fc.double({ min: 0, max: 5, noNaN: true }),
  top_k: fc.integer({ min: 0, max: 1000 }),
  top_p: fc.double({ min: 0.001, max: 1, noNaN: true }),
  min_p: fc.double({ min: 0, max: 1, noNaN: true }),
  repetition_penalty: fc.double({ min: 0.01, max: 2, noNaN: true }),
  frequency_penalty: fc.double({ min: -2, max: 2, noNaN: true }).map((v) => v + 0), // a link cannot tell -0 from 0
  do_sample: fc.boolean(),
  order: fc.constantFrom(HF_ORDER, LLAMA_CPP_ORDER).map((o) => [...o]),
  bias: fc.dictionary(fc.integer({ min: 0, max: 5000 }).map(String), fc.integer({ min: -100, max: 100 }), { maxKeys: 3 }),
  seed: fc.integer({ min: 0, max: 0xffffffff }),
  max_new_tokens: fc.integer({ min: 1, max: 512 }),
  stop: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 5 }), { maxLength: 8 }),
  lang: fc.constantFrom('en' as const, 'zh' as const, null),
  device: fc.constantFrom('auto' as const, 'wasm' as const, 'webgpu' as const),
}).map((r) => ({
  ...defaults,
  prompt: r.prompt, model: r.model, seed: r.seed, max_new_tokens: r.max_new_tokens, stop: r.stop, lang: r.lang, device: r.device,
  params: {
    ...defaults.params, temperature: r.temperature, top_k: r.top_k, top_p: r.top_p, min_p: r.min_p,
    repetition_penalty: r.repetition_penalty, frequency_penalty: r.frequency_penalty, do_sample: r.do_sample, order: r.order,
    logit_bias: Object.fromEntries(Object.entries(r.bias).map(([k, v]) => [Number(k), v])),
  },
}));

describe('URL state', () => {
  it('round-trips every shareable setting', () => {
    fc.assert(fc.property(stateArb, (state) => {
      const { state: back, notices } = parseUrlState(serializeUrlState(state, defaults), defaults);
      expect(notices).toEqual([]);
      expect(back).toEqual(state);
    }));
  });

  it.each([
    ['top_p', '7'], ['top_p', '0'], ['temperature', '-1'], ['top_k', '2.5'], ['seed', '-3'], ['max_new_tokens', '0'],
    ['repetition_penalty', 'abc'], ['order', 'top_k,top_k'], ['logit_bias', '5:1000'], ['do_sample', 'maybe'], ['lang', 'fr'],
    ['device', 'gpu'], ['device', 'WASM'],
  ])('%s=%s opens with the default and a notice naming it', (name, value) => {
    const { state, notices } = parseUrlState(`?${name}=${encodeURIComponent(value)}`, defaults);
    expect(notices).toHaveLength(1);
    expect(notices[0].name).toBe(name);
    expect(notices[0].value).toBe(value);
    expect(JSON.stringify(state)).toBe(JSON.stringify(defaults));
  });

  it('never throws on arbitrary query strings and always yields valid settings', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom('top_p', 'temperature', 'top_k', 'seed', 'stop', 'order', 'logit_bias', 'x'), fc.string()), { maxLength: 6 }), (pairs) => {
      const q = new URLSearchParams(pairs);
      const { state } = parseUrlState(`?${q}`, defaults);
      expect(state.params.top_p).toBeGreaterThan(0);
      expect(state.params.top_p).toBeLessThanOrEqual(1);
      expect(state.params.temperature).toBeGreaterThanOrEqual(0);
      expect(Number.isInteger(state.params.top_k)).toBe(true);
    }));
  });

  it('parses and formats logit bias', () => {
    expect(parseLogitBias(' 13 : -100, 42:5 ')).toEqual({ 13: -100, 42: 5 });
    expect(formatLogitBias({ 13: -100, 42: 5 })).toBe('13:-100,42:5');
    expect(() => parseLogitBias('13=-100')).toThrow(/logit_bias/);
  });

  it('round-trips toy mode, its tokens and bias, classroom mode and the step shown', () => {
    const state: SharedState = {
      ...defaults, mode: 'toy', classroom: true, step: 3, toy_bias: { 0: -100, 2: 5 },
      toy: [{ label: 'sunny', logit: 3 }, { label: 'a:b, c', logit: -1.5 }, { label: '晴朗', logit: 0 }],
    };
    const text = serializeUrlState(state, defaults);
    const { state: back, notices } = parseUrlState(text, defaults);
    expect(notices).toEqual([]);
    expect(back).toEqual(state);
    expect(serializeUrlState(defaults, defaults)).not.toMatch(/mode|toy|classroom|step/);
  });

  it('refuses a bad toy token, mode or step with a notice naming it', () => {
    const { state, notices } = parseUrlState('mode=beam&toy=sunny&step=-1&classroom=yes', defaults);
    expect(notices.map((n) => n.name).sort()).toEqual(['classroom', 'mode', 'step', 'toy']);
    expect(state.mode).toBe('model');
    expect(state.toy).toBeNull();
    expect(state.step).toBeNull();
    expect(state.classroom).toBe(false);
  });
});

describe('links in the fragment', () => {
  const DEEP = process.env.LOGITLAB_DEEP_TESTS ? 3000 : 200;
  const hashOf = (state: SharedState) => `#${linkFragment(state, defaults)}`;

  it('round-trips every shareable setting through the fragment, compressed or not', () => {
    fc.assert(fc.property(stateArb, fc.boolean(), (state, long) => {
      const s = long ? { ...state, prompt: state.prompt.repeat(80) + '今天天气非常'.repeat(50) } : state;
      const { state: back, notices } = parseUrlState('', defaults, hashOf(s));
      expect(notices).toEqual([]);
      expect(back).toEqual(s);
    }), { numRuns: DEEP / 4 });
  });

  it('a 2,000-character Chinese prompt and a long bias list fit a link that the server never sees', () => {
    const chinese = Array.from({ length: 2000 }, (_, i) => '今天天气非常好我们去公园散步吧'[(i * 7) % 15]).join('');
    const bias = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [i * 3, -100]));
    const state = { ...defaults, prompt: chinese, params: { ...defaults.params, logit_bias: bias } };
    const fragment = linkFragment(state, defaults);
    expect(fragment.startsWith(`${COMPRESSED_KEY}=`)).toBe(true);
    expect(fragment.length).toBeLessThan(serializeUrlState(state, defaults).length / 2);
    expect(fragment.length).toBeLessThan(MAX_LINK_CHARS);
    expect(parseUrlState('', defaults, `#${fragment}`).state).toEqual(state);
  });

  it('reads every key from the query string or the fragment, the fragment winning', () => {
    const q = parseUrlState('?top_p=0.5&seed=7&stop=a', defaults, '#temperature=0.3&stop=b&stop=c');
    expect(q.notices).toEqual([]);
    expect(q.state.params.top_p).toBe(0.5);
    expect(q.state.params.temperature).toBe(0.3);
    expect(q.state.seed).toBe(7);
    expect(q.state.stop).toEqual(['b', 'c']);
    expect(parseUrlState('?top_p=0.5', defaults, '#top_p=0.7').state.params.top_p).toBe(0.7);
  });

  it('a key given twice (other than stop and lane) gets a notice, and the last value is used', () => {
    const { state, notices } = parseUrlState('?top_k=3&top_k=9&stop=x&stop=y&lane=temperature%3D0.5&lane=top_k%3D5', defaults);
    expect(state.params.top_k).toBe(9);
    expect(state.stop).toEqual(['x', 'y']);
    expect(notices).toEqual([{ name: 'top_k', value: '9', why: expect.anything(), repeated: 2 }]);
  });

  it('a compressed fragment that was cut short gets a notice, not an exception', () => {
    const fragment = linkFragment({ ...defaults, prompt: 'x'.repeat(5000) + 'y' }, defaults);
    const { state, notices } = parseUrlState('', defaults, `#${fragment.slice(0, 30)}`);
    expect(notices.map((n) => n.name)).toEqual([COMPRESSED_KEY]);
    expect(state).toEqual(defaults);
  });

  it('never throws on arbitrary fragments and query strings, and always yields valid settings', () => {
    const pairs = fc.array(fc.tuple(fc.constantFrom('top_p', 'temperature', 'top_k', 'seed', 'stop', 'order', 'logit_bias', 'do_sample', 'lang', 'model', 'z', 'max_new_tokens', 'x'), fc.string()), { maxLength: 6 });
    fc.assert(fc.property(pairs, pairs, fc.string(), (a, b, junk) => {
      for (const hash of [`#${new URLSearchParams(b)}`, `#${junk}`, `#z=${junk}`]) {
        const { state, notices } = parseUrlState(`?${new URLSearchParams(a)}`, defaults, hash);
        expect(() => validateParams(state.params)).not.toThrow();
        expect(state.seed).toBeGreaterThanOrEqual(0);
        expect(Number.isInteger(state.max_new_tokens)).toBe(true);
        expect(state.stop.length).toBeLessThanOrEqual(MAX_STOP_SEQUENCES);
        expect(typeof state.model).toBe('string');
        for (const n of notices) expect(typeof n.name).toBe('string');
        // What was read is a state the page writes and reads back unchanged.
        expect(parseUrlState('', defaults, `#${linkFragment(state, defaults)}`).state).toEqual(state);
      }
    }), { numRuns: DEEP });
  });
});

describe('a compressed link with pairs added after it', () => {
  it('reads the packed pairs and the added ones', () => {
    const fragment = linkFragment({ ...defaults, prompt: '天'.repeat(3000) }, defaults);
    expect(fragment.startsWith('z=')).toBe(true);
    const { state, notices } = parseUrlState('', defaults, `#${fragment}&run=1`);
    expect(notices).toEqual([]);
    expect(state.prompt).toBe('天'.repeat(3000));
    expect(state.run).toBe(true);
  });
});


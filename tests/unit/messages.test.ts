// Refusals and engine errors worded in the page's language: every rule the core can break has words in
// English (the same as the core's own English) and in Chinese, and no placeholder is left unfilled.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import i18next from 'i18next';
import { PARAM_SPECS, SamplingParamError, checkParam, describeRule, parseParamValue, type ParamName, type ParamRule } from '../../src/core';
import { parseLogitBias, parseUrlState, defaultSharedState } from '../../src/store/urlState';
import { en } from '../../src/ui/i18n/en';
import { zh } from '../../src/ui/i18n/zh';
import { messageText, refusalText } from '../../src/ui/messages';
import type { ErrorCode } from '../../src/engine/protocol';

const i18n = i18next.createInstance();
await i18n.init({ resources: { en: { translation: en }, zh: { translation: zh } }, lng: 'en', fallbackLng: 'en', interpolation: { escapeValue: false } });
const tEn = i18n.getFixedT('en');
const tZh = i18n.getFixedT('zh');
const CJK = /[\u4e00-\u9fff]/;

const everyKind: ParamRule[] = [
  ...Object.values(PARAM_SPECS).map((spec) => {
    try {
      checkParam(spec.name, -1e12);
    } catch (error) {
      return (error as SamplingParamError).rule;
    }
    throw new Error(`${spec.name} accepted -1e12`);
  }),
  { kind: 'boolean' }, { kind: 'order', names: ['temperature', 'top_k'] }, { kind: 'tokenIds' }, { kind: 'tokenIds', vocabSize: 2246 },
  { kind: 'bias', min: -100, max: 100 }, { kind: 'biasPairs' }, { kind: 'knownName' }, { kind: 'context', max: 512 },
  { kind: 'stopCount', max: 8 }, { kind: 'language' }, { kind: 'modelRef' },
  { kind: 'oneOf', values: [0, 2] }, { kind: 'breakers', max: 16 },
];

describe('refusals in the page language', () => {
  it('every rule reads in English exactly as the core says it, and in Chinese with its numbers', () => {
    for (const rule of everyKind) {
      expect(refusalText(tEn, rule)).toBe(describeRule(rule));
      const chinese = refusalText(tZh, rule);
      expect(chinese).toMatch(CJK);
      expect(chinese).not.toMatch(/\{\{|\}\}/);
      for (const n of describeRule(rule).match(/-?\d+(\.\d+)?/g) ?? []) expect(chinese).toContain(n);
    }
  });

  it('any bad typed value or link value is refused with a rule both languages can word', () => {
    const names = Object.keys(PARAM_SPECS) as ParamName[];
    fc.assert(fc.property(fc.constantFrom(...names), fc.string(), (name, raw) => {
      let rule: ParamRule | null = null;
      try {
        parseParamValue(name, raw);
      } catch (error) {
        expect(error).toBeInstanceOf(SamplingParamError);
        rule = (error as SamplingParamError).rule;
      }
      if (rule) {
        expect(refusalText(tZh, rule)).toMatch(CJK);
        expect(refusalText(tEn, rule)).toBe(describeRule(rule));
      }
    }));
    expect(() => parseLogitBias('13 -> 5')).toThrow(SamplingParamError);
  });

  it('a shared link with a bad value gives a notice whose reason is worded in Chinese', () => {
    const { notices } = parseUrlState('?top_p=7&lang=fr&do_sample=maybe', defaultSharedState('logitlab-tiny', 1));
    expect(notices.map((n) => n.name)).toEqual(['top_p', 'do_sample', 'lang']);
    const text = notices.map((n) => messageText(tZh, { key: 'notices.badParam', params: { name: n.name, value: n.value }, why: n.why }));
    expect(text[0]).toContain('top_p');
    expect(text[0]).toContain('大于 0');
    for (const line of text) expect(line).not.toMatch(/\{\{|not allowed|at most|permutation/);
  });

  it('every engine error code has a headline in both languages, with the engine’s details after it', () => {
    const codes: ErrorCode[] = ['not_found', 'network', 'unsupported_architecture', 'too_large', 'device_lost', 'busy', 'invalid_params', 'not_loaded', 'dtype_unavailable', 'internal'];
    for (const code of codes) {
      const zhText = messageText(tZh, { key: `errors.${code}`, detail: 'file model.onnx: 404' });
      // The headline itself is Chinese: the （详情：…） wrapper around the details alone would not do.
      const headline = zhText.slice(0, zhText.indexOf('（详情：'));
      expect(headline).toMatch(CJK);
      expect(headline).not.toContain('errors.');
      expect(headline).not.toBe(messageText(tEn, { key: `errors.${code}` }));
      expect(zhText.endsWith('（详情：file model.onnx: 404）')).toBe(true);
      expect(messageText(tEn, { key: `errors.${code}`, detail: 'x' })).not.toBe(`errors.${code}: x`);
    }
  });
});

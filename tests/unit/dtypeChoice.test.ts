// Precision as a choice, without a model: the dtype link parameter, the fallback when a folder lacks the usual
// precision, and the refusal's words in both languages.
import { describe, expect, it } from 'vitest';
import i18next from 'i18next';
import { fallbackDtype, isDtype } from '../../src/engine/dtypes';
import { defaultSharedState, parseUrlState, serializeUrlState } from '../../src/store/urlState';
import { useStore } from '../../src/store/store';
import { en } from '../../src/ui/i18n/en';
import { zh } from '../../src/ui/i18n/zh';
import { messageText } from '../../src/ui/messages';

const i18n = i18next.createInstance();
await i18n.init({ resources: { en: { translation: en }, zh: { translation: zh } }, lng: 'en', fallbackLng: 'en', interpolation: { escapeValue: false } });

describe('the dtype link parameter', () => {
  const defaults = defaultSharedState('logitlab-tiny', 1);

  it('is absent by default (the model decides) and travels in a shared link when set', () => {
    expect(parseUrlState('', defaults).state.dtype).toBeNull();
    expect(serializeUrlState(defaults, defaults)).not.toContain('dtype');
    const { state } = parseUrlState('?model=https://example.org/m/&dtype=fp32', defaults);
    expect(state.dtype).toBe('fp32');
    expect(new URLSearchParams(serializeUrlState(state, defaults)).get('dtype')).toBe('fp32');
  });

  it('passes a name the model may lack on to the engine, which answers with the ones it has', () => {
    expect(parseUrlState('?dtype=fp64', defaults).state.dtype).toBe('fp64');
    expect(isDtype('fp64')).toBe(false);
    expect(isDtype('q4f16')).toBe(true);
  });
});

describe('fallbackDtype', () => {
  it.each([
    [['fp32', 'q8'], 'q8', 'q8'],
    [['fp32'], 'q8', 'fp32'],
    [['fp16', 'q4'], 'q8', 'fp16'],
    [['q4f16'], 'fp32', 'q4f16'],
  ] as const)('%j lacking or having %s runs %s', (available, preferred, expected) => {
    expect(fallbackDtype([...available], preferred)).toBe(expected);
  });
});

describe('a refused precision', () => {
  it('is worded in the page language with the precisions the model has, and they reach the picker', () => {
    useStore.setState({ modelStatus: 'loading', activeRequest: null });
    useStore.getState().handleEngineEvent({
      type: 'error', requestId: 7, code: 'dtype_unavailable', message: 'model x has no q4 weights; it has fp32, q8',
      details: { dtype: 'q4', available: ['fp32', 'q8'] },
    });
    const s = useStore.getState();
    expect(s.modelStatus).toBe('error');
    expect(s.dtypesAvailable).toEqual(['fp32', 'q8']);
    expect(messageText(i18n.getFixedT('en'), s.modelError!)).toBe('This model has no q4 weights; it has fp32, q8. Pick one under Precision.');
    expect(messageText(i18n.getFixedT('zh'), s.modelError!)).toBe('这个模型没有 q4 精度的权重；它有：fp32, q8。请在“精度”里选一个。');
  });
});

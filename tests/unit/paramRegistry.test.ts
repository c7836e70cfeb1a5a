// The parameter registry: one table that validation, links, controls and lanes all read, and one strict
// parser for links and text boxes alike.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_PARAMS, PARAM_NAMES, PARAM_SPECS, SAMPLING_PARAM_NAMES, SETTING_KNOBS, SamplingParamError, checkParam,
  defaultRunSettings, formatParamValue, parseParamValue, settingKnob,
} from '../../src/core';
import { en } from '../../src/ui/i18n/en';
import { zh } from '../../src/ui/i18n/zh';

function lookup(tree: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), tree);
}

describe('parameter registry', () => {
  it('every entry is consistent: default and off value within range, its help text in both languages', () => {
    for (const name of PARAM_NAMES) {
      const spec = PARAM_SPECS[name];
      expect(spec.name).toBe(name);
      expect(() => checkParam(name, spec.default)).not.toThrow();
      if (spec.off !== undefined) expect(() => checkParam(name, spec.off!)).not.toThrow();
      expect(lookup(en, spec.helpKey)).toBeTruthy();
      expect(lookup(zh, spec.helpKey)).toBeTruthy();
    }
  });

  it('DEFAULT_PARAMS takes every sampling knob from the registry', () => {
    for (const name of SAMPLING_PARAM_NAMES) expect(DEFAULT_PARAMS[name]).toBe(PARAM_SPECS[name].default);
  });

  it('every numeric knob is a setting knob, so links and lanes know it', () => {
    for (const name of PARAM_NAMES) expect(settingKnob(name)).toBeDefined();
    expect(SETTING_KNOBS.map((k) => k.name)).toEqual(expect.arrayContaining(['do_sample', 'logit_bias', 'order', 'stop']));
  });

  it.each([['top_k', '0x10'], ['top_k', ' '], ['temperature', '1,5'], ['seed', '1e400'], ['top_p', 'Infinity']])(
    'the strict parser refuses %s = %j (Number() would not)', (name, raw) => {
      expect(() => parseParamValue(name, raw)).toThrow(SamplingParamError);
    });

  it('format then parse gives the same value for every knob', () => {
    fc.assert(fc.property(fc.constantFrom(...PARAM_NAMES), fc.double({ noNaN: true, noDefaultInfinity: true }), (name, v) => {
      const spec = PARAM_SPECS[name];
      const value = spec.integer ? Math.round(Math.abs(v)) % (spec.max + 1) : Math.min(spec.max, Math.max(spec.min, v)) + 0;
      let ok = true;
      try { checkParam(name, value); } catch { ok = false; }
      fc.pre(ok);
      expect(parseParamValue(name, formatParamValue(name, value))).toBe(value);
    }));
  });

  it('setting knobs write only what differs from the base and read it back', () => {
    const base = defaultRunSettings(5);
    const s = defaultRunSettings(5);
    s.params.temperature = 0.3;
    s.stop = ['.', '\n'];
    s.max_new_tokens = 12;
    const written = SETTING_KNOBS.flatMap((k) => k.write(s, base).map((v) => [k.name, v] as const));
    expect(written).toEqual([['temperature', '0.3'], ['seed', '5'], ['max_new_tokens', '12'], ['stop', '.'], ['stop', '\n']]);
    const back = defaultRunSettings(0);
    for (const knob of SETTING_KNOBS) {
      const values = written.filter(([n]) => n === knob.name).map(([, v]) => v);
      if (values.length) knob.apply(back, values);
    }
    expect(back).toEqual(s);
  });
});

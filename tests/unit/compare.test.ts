// Compare lanes without the model: overrides over the page's settings, the link's lane and samples keys (query
// and fragment), the token tree's layout, first divergence, and export → import giving the same comparison.
import { describe, expect, it } from 'vitest';
import { SamplingParamError, applyOverrides, defaultRunSettings, overridesOf, parseSamples } from '../../src/core';
import { defaultSharedState, parseUrlState, serializeUrlState } from '../../src/store/urlState';
import { layoutTokenTree } from '../../src/ui/charts/tokenTreeLayout';
import { firstDivergence } from '../../src/ui/panels/CompareView';
import { exportComparisonCsv, exportComparisonJson, parseComparison } from '../../src/store/exportCompare';
import type { CompareStep } from '../../src/engine/protocol';
import { twoLaneComparison } from './comparisonFixture';

const defaults = defaultSharedState('logitlab-tiny', 7);

describe('lanes', () => {
  it('a lane overrides any knob of the base and keeps the rest', () => {
    const base = defaultRunSettings(3);
    base.params.top_k = 40;
    const lane = applyOverrides(base, 'temperature=0.3&order=top_k,typical_p,top_p,min_p,temperature&stop=.&stop=!&max_new_tokens=9&seed=11');
    expect(lane.params.temperature).toBe(0.3);
    expect(lane.params.top_k).toBe(40);
    expect(lane.params.order[0]).toBe('top_k');
    expect(lane.stop).toEqual(['.', '!']);
    expect(lane.max_new_tokens).toBe(9);
    expect(lane.seed).toBe(11);
    expect(base.params.temperature).toBe(1);
    expect(applyOverrides(base, overridesOf(lane, base))).toEqual(lane);
  });

  it.each([['temperature=abc', 'temperature'], ['top_p=0', 'top_p'], ['tempreature=1', 'tempreature'], ['do_sample=yes', 'do_sample']])(
    '%s is refused naming %s', (query, name) => {
      try {
        applyOverrides(defaultRunSettings(), query);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(SamplingParamError);
        expect((error as SamplingParamError).param).toBe(name);
      }
    });

  it('samples is a whole number from 1 to 64', () => {
    expect(parseSamples('8')).toBe(8);
    for (const bad of ['0', '65', '2.5', 'x', '']) expect(() => parseSamples(bad)).toThrow(SamplingParamError);
  });
});

describe('compare links', () => {
  it('the issue’s link gives three lanes and K = 8, and writes back the same keys', () => {
    const { state, notices } = parseUrlState('?prompt=The%20weather%20today%20is%20very&lane=temperature%3D0.3&lane=top_p%3D0.8&lane=temperature%3D1.5&samples=8&run=1', defaults);
    expect(notices).toEqual([]);
    expect(state.lanes).toEqual(['temperature=0.3', 'top_p=0.8', 'temperature=1.5']);
    expect(state.samples).toBe(8);
    const again = new URLSearchParams(serializeUrlState(state, defaults));
    expect(again.getAll('lane')).toEqual(state.lanes);
    expect(again.get('samples')).toBe('8');
  });

  it('lane and samples work in the fragment too', () => {
    const { state } = parseUrlState('', defaults, '#lane=temperature%3D0&lane=temperature%3D2&samples=4');
    expect(state.lanes).toEqual(['temperature=0', 'temperature=2']);
    expect(state.samples).toBe(4);
  });

  it.each([
    ['?lane=temperature%3D0.3', 'lane', undefined], ['?lane=top_p%3D7&lane=temperature%3D1', 'top_p', 1], ['?lane=a%3D1&lane=b%3D2', 'a', 1],
    ['?lane=temperature%3D1&lane=num_beams%3D9', 'num_beams', 2], ['?samples=100', 'samples', undefined],
  ])(
    '%s opens without a comparison and a notice naming %s (lane %s)', (query, name, lane) => {
      const { state, notices } = parseUrlState(query, defaults);
      expect(notices.map((n) => n.name)).toEqual([name]);
      expect(notices[0].lane).toBe(lane);
      expect(state.lanes).toEqual([]);
    });
});

const step = (row: number, i: number, tokenId: number, p = 0.5): CompareStep => ({
  row, step: i, tokenId, tokenText: `t${tokenId}`, textDelta: `t${tokenId}`, probability: p, logprobRaw: -1, logprobSampled: Math.log(p), entropyRaw: 1,
});

describe('tree, divergence, export', () => {
  it('the token tree merges shared prefixes; widths count samples', () => {
    const seq = (ids: number[]) => ({ tokens: ids.map((tokenId) => ({ tokenId, text: `t${tokenId}`, probability: 0.5 })) });
    const layout = layoutTokenTree([seq([1, 2, 3]), seq([1, 2, 4]), seq([1, 5]), seq([1, 2, 3])]);
    expect(layout.root.count).toBe(4);
    expect(layout.root.children).toHaveLength(1);
    expect(layout.root.children[0].count).toBe(4);
    const two = layout.root.children[0].children;
    expect(two.map((n) => [n.tokenId, n.count])).toEqual([[2, 3], [5, 1]]);
    expect(layout.leaves).toBe(3);
  });

  it('first divergence per lane', () => {
    expect(firstDivergence([[1, 2, 3], [1, 2, 4], [1, 9]])).toEqual([1, 1, 1]);
    expect(firstDivergence([[1, 2, 3], [1, 2, 3]])).toEqual([null, null]);
  });

  it('export JSON → import gives the same comparison; CSV has a row per sample', () => {
    const c = twoLaneComparison('Hi, "you"', 'top_p=0.8', step);
    const back = parseComparison(exportComparisonJson(c));
    expect(back.lanes).toEqual(c.lanes);
    expect(back.rows).toEqual(c.rows);
    const csv = exportComparisonCsv(c).trim().split('\n');
    expect(csv).toHaveLength(5);
    expect(csv[0]).toContain('logprob_sampled');
    expect(() => parseComparison('{"format":"logitlab-run"}')).toThrow(/format/);
  });
});

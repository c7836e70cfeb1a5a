// Sweep links, objectives and result files: parsed strictly, written back the same, opened again.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, LLAMA_CPP_ORDER } from '../../src/core';
import {
  applySetting, formatObjective, paretoFront, parseObjective, parseSweepCsv, parseSweepJson, parseSweepQuery, scoreOf,
  settingQuery, sweepCsv, sweepJson, sweepQuery, type SweepResults,
} from '../../src/core/sweep';

describe('sweep links', () => {
  it('reads the issue example', () => {
    const { definition, notices } = parseSweepQuery('?prompt=The%20weather%20today%20is%20very&sweep=temperature:0.2:1.6:3,top_p:0.5:1:3&search=grid&samples=4&max_new_tokens=16&run=1');
    expect(notices).toEqual([]);
    expect(definition?.dims.map((d) => d.name)).toEqual(['temperature', 'top_p']);
    expect(definition?.method).toBe('grid');
    expect(definition?.samples).toBe(4);
  });
  it('reads a categorical order, random search with trials and a weighted objective, and writes them back', () => {
    const search = 'sweep=temperature:0.1:1.5:4,order:hf|llama.cpp&search=random&trials=20&samples=2&objective=grammatical_rate:max:0.5,distinct_2:max:0.5&prompts=teaching';
    const { definition, notices } = parseSweepQuery(search);
    expect(notices).toEqual([]);
    expect(definition?.dims[1]).toEqual({ kind: 'categorical', name: 'order', values: ['hf', 'llama.cpp'] });
    expect(definition?.trials).toBe(20);
    expect(definition?.prompts).toEqual({ kind: 'teaching' });
    const again = parseSweepQuery(sweepQuery(definition!).toString());
    expect(again.definition).toEqual(definition);
  });
  it('is absent without sweep=', () => {
    expect(parseSweepQuery('?prompt=x').definition).toBeNull();
  });
  it.each([
    ['sweep=temperature:0:9:3', 'sweep'],
    ['sweep=bogus:0:1:3', 'sweep'],
    ['sweep=temperature:0:1:3&search=annealing', 'search'],
    ['sweep=temperature:0:1:3&samples=0', 'samples'],
    ['sweep=temperature:0:1:3&trials=many', 'trials'],
    ['sweep=temperature:0:1:3&objective=vibes:max', 'objective'],
    ['sweep=a:1:2:3,b:1:2:3,c:1:2:3,d:1:2:3', 'sweep'],
    ['sweep=temperature:0:1:20,top_p:0.1:1:20,top_k:0:50:20', 'sweep'],
  ])('refuses %s with a notice naming %s, keeping a runnable definition', (search, name) => {
    const { definition, notices } = parseSweepQuery(search);
    expect(notices.map((n) => n.name)).toContain(name);
    expect(definition).not.toBeNull();
    expect(definition!.dims.length).toBeGreaterThan(0);
  });
});

describe('objectives', () => {
  it('scores min, max, a target and a weighted sum (lower is better)', () => {
    const m = { perplexity: 6, distinct_2: 0.8, grammatical_rate: 0.9 };
    expect(scoreOf(parseObjective('perplexity:min'), m)).toBe(6);
    expect(scoreOf(parseObjective('distinct_2:max'), m)).toBe(-0.8);
    expect(scoreOf(parseObjective('perplexity:8'), m)).toBe(2);
    expect(scoreOf(parseObjective('grammatical_rate:max:0.5,distinct_2:max:0.5'), m)).toBeCloseTo(-0.85);
    expect(scoreOf(parseObjective('tv_distance:min'), m)).toBeNaN();
  });
  it('round-trips through text and refuses nonsense', () => {
    expect(formatObjective(parseObjective('perplexity:8'))).toBe('perplexity:8');
    expect(formatObjective(parseObjective('grammatical_rate:max:0.5,distinct_2:max:0.5'))).toBe('grammatical_rate:max:0.5,distinct_2:max:0.5');
    for (const bad of ['', 'perplexity', 'perplexity:up', 'perplexity:min:-1', 'a:min,b:min,c:min']) expect(() => parseObjective(bad)).toThrow();
  });
});

describe('settings', () => {
  it('apply on top of the fixed parameters, order by name', () => {
    const { definition } = parseSweepQuery('sweep=temperature:0.5:1:2,order:llama.cpp');
    const params = applySetting(DEFAULT_PARAMS, definition!.dims, [0.5, 'llama.cpp']);
    expect(params.temperature).toBe(0.5);
    // llama.cpp's own chain, as the page's llama.cpp order button sets it.
    expect(params.order).toEqual([...LLAMA_CPP_ORDER]);
    expect(params.order).toEqual(['top_n_sigma', 'top_k', 'typical_p', 'top_p', 'min_p', 'xtc', 'temperature', 'epsilon_cutoff', 'eta_cutoff']);
    expect(DEFAULT_PARAMS.temperature).toBe(1);
    expect(settingQuery(definition!.dims, [0.1 + 0.2, 'llama.cpp'])).toBe('temperature=0.3&order=llama.cpp');
  });
});

function sample(): SweepResults {
  const { definition } = parseSweepQuery('sweep=temperature:0.2:1:2,order:hf|llama.cpp&objective=perplexity:min');
  return {
    format: 'logitlab-sweep', version: 1, model: 'logitlab-tiny', definition: definition!,
    base: { params: { ...DEFAULT_PARAMS }, seed: 7, max_new_tokens: 16 },
    points: [
      { setting: [0.2, 'hf'], metrics: { perplexity: 2.5, distinct_2: 0.4, tv_distance: NaN }, score: 2.5, samples: [{ prompt: 'p', seed: 7, text: ' a, "b"\nc', tokens: 3, reason: 'eos' }] },
      { setting: [1, 'llama.cpp'], metrics: { perplexity: 7.25, distinct_2: 0.9 }, score: 7.25, samples: [] },
    ],
  };
}

describe('result files', () => {
  it('JSON round-trips, NaN included', () => {
    const back = parseSweepJson(sweepJson(sample()));
    expect(back.points[0].metrics.tv_distance).toBeNaN();
    expect(back.points[0].samples[0].text).toBe(' a, "b"\nc');
    expect(back.points[1].setting).toEqual([1, 'llama.cpp']);
    expect(() => parseSweepJson('{"format":"other"}')).toThrow(/sweep/);
  });
  it('CSV holds one row per point and opens again with its settings and metrics', () => {
    const csv = sweepCsv(sample());
    expect(csv.split('\n')[0]).toBe('temperature,order,tv_distance,grammatical_rate,perplexity,logprob,entropy_mean,distinct_1,distinct_2,repetition_4,score');
    const back = parseSweepCsv(csv, sample().base, 'logitlab-tiny', null);
    expect(back.points.map((p) => p.setting)).toEqual([[0.2, 'hf'], [1, 'llama.cpp']]);
    expect(back.points[1].metrics.perplexity).toBe(7.25);
    expect(back.points[0].metrics.tv_distance).toBeNaN();
    expect(back.definition.dims.map((d) => d.name)).toEqual(['temperature', 'order']);
  });
});

describe('Pareto front', () => {
  it('keeps the points nothing beats on both axes', () => {
    const pts = [{ x: 0.1, y: 0.9 }, { x: 0.5, y: 0.8 }, { x: 0.4, y: 0.5 }, { x: 0.9, y: 0.3 }, { x: 0.9, y: 0.2 }, { x: NaN, y: 1 }];
    expect(paretoFront(pts, (p) => p.x, (p) => p.y, 'higher')).toEqual([{ x: 0.1, y: 0.9 }, { x: 0.5, y: 0.8 }, { x: 0.9, y: 0.3 }]);
    expect(paretoFront(pts, (p) => p.x, (p) => p.y, 'lower')).toEqual([{ x: 0.9, y: 0.2 }]);
  });
});

// The newer samplers outside the core: their notes survive the step wire, shared links carry their params (the
// breakers as a JSON array, a partial order), presets run, and the charts place top-nσ's line and the run state.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_PARAMS, LLAMA_CPP_ORDER, MORE_SAMPLER_PARAMS, PARAM_SPECS, SamplingPipeline, completeOrder, createRng, sampleStep, validateParams,
  type StageView,
} from '../../src/core';
import type { StepEvent } from '../../src/engine/protocol';
import { StepPacker, StepUnpacker } from '../../src/engine/stepWire';
import { PRESETS } from '../../src/store/presets';
import { defaultSharedState, parseUrlState, serializeUrlState } from '../../src/store/urlState';
import { parseExport, exportJson } from '../../src/store/exportRun';
import { layoutRunChart, samplerStateOf } from '../../src/ui/charts/RunCharts';
import { layoutLogitStrip } from '../../src/ui/charts/SamplerNoteView';

const ZOO = {
  ...DEFAULT_PARAMS, top_k: 0, temperature: 0.9, dry_multiplier: 0.8, dry_allowed_length: 2, top_n_sigma: 2,
  xtc_probability: 0.5, xtc_threshold: 0.05, dynatemp_range: 0.3, epsilon_cutoff: 1e-4, eta_cutoff: 1e-3,
};

/** Events of a real run with every newer stateless sampler and DRY, observed. */
function zooEvents(params = ZOO, steps = 12): StepEvent[] {
  const vocab = 64;
  const logits = Array.from({ length: vocab }, (_, i) => 3 * Math.sin(i * 0.7) - i * 0.02);
  const pipe = new SamplingPipeline(vocab);
  pipe.setParams(params);
  pipe.reset([1, 2, 3, 1, 2]);
  const rng = createRng(9);
  return Array.from({ length: steps }, (_, step) => {
    const r = pipe.step(logits, rng, { topN: 12 });
    pipe.accept(r.tokenId);
    const tokenTexts: Record<number, string> = {};
    for (const v of r.views) for (const id of [...v.ids, ...(v.note?.match ?? []), v.note?.extendedBy ?? r.tokenId]) tokenTexts[id] = `t${id}`;
    for (const f of r.fates) tokenTexts[f.id] = `t${f.id}`;
    tokenTexts[r.tokenId] = `t${r.tokenId}`;
    return {
      runId: 1, step, tokenId: r.tokenId, tokenText: `t${r.tokenId}`, textDelta: '', views: r.views, fates: r.fates, entropy: r.entropy,
      probability: r.probability, rank: r.rank, greedyId: r.greedyId, tokenTexts, timings: { forwardMs: 1, pipelineMs: 0.1, observeMs: 0.1 },
    };
  });
}

describe('step wire', () => {
  it('carries every stage name and every note field of a real run', () => {
    const events = zooEvents();
    const stages = new Set(events.flatMap((e) => e.views.map((v) => v.stage)));
    for (const s of ['dry', 'top_n_sigma', 'xtc', 'epsilon_cutoff', 'eta_cutoff', 'dynatemp']) expect(stages).toContain(s);
    expect(events.some((e) => e.views.some((v) => v.stage === 'dry' && (v.note?.matchLength ?? 0) >= 2))).toBe(true);
    const packer = new StepPacker();
    for (const e of events) packer.add(e);
    const back = new StepUnpacker().unpack(structuredClone(packer.take().packed));
    expect(back).toEqual(events);
  });

  it('round-trips mirostat\'s notes too', () => {
    const events = zooEvents({ ...DEFAULT_PARAMS, mirostat: 2, mirostat_tau: 3 }, 5);
    expect(events.every((e) => e.views.some((v) => v.stage === 'mirostat' && v.note?.mu !== undefined))).toBe(true);
    const packer = new StepPacker();
    for (const e of events) packer.add(e);
    expect(new StepUnpacker().unpack(packer.take().packed)).toEqual(events);
  });
});

describe('shared links', () => {
  const defaults = defaultSharedState('logitlab-tiny', 1);

  it('write and read back every new parameter under its snake_case name', () => {
    fc.assert(fc.property(
      fc.record(Object.fromEntries(MORE_SAMPLER_PARAMS.map((name) => {
        const spec = PARAM_SPECS[name];
        const arb = name === 'mirostat' ? fc.constantFrom(0, 2)
          : spec.integer ? fc.integer({ min: spec.min, max: Math.min(spec.max, 5000) })
            : fc.double({ min: spec.min + (spec.minExclusive ? 1e-6 : 0), max: spec.max, noNaN: true }).map((v) => v + 0);
        return [name, arb];
      })) as Record<(typeof MORE_SAMPLER_PARAMS)[number], fc.Arbitrary<number>>),
      fc.array(fc.string({ minLength: 1, maxLength: 4 }), { maxLength: 5 }).map((a) => [...new Set(a)]),
      fc.shuffledSubarray([...LLAMA_CPP_ORDER], { minLength: 0, maxLength: 9 }),
      (values, breakers, order) => {
        const state = { ...defaults, params: { ...defaults.params, ...values, dry_sequence_breakers: breakers, order } };
        const link = serializeUrlState(state, defaults);
        for (const name of MORE_SAMPLER_PARAMS) if (values[name] !== defaults.params[name]) expect(link).toContain(`${name}=`);
        const { state: back, notices } = parseUrlState(`?${link}`, defaults);
        expect(notices).toEqual([]);
        for (const name of MORE_SAMPLER_PARAMS) expect(back.params[name]).toBe(values[name]);
        expect(back.params.dry_sequence_breakers).toEqual(breakers);
        expect(completeOrder(back.params.order)).toEqual(completeOrder(order));
      }), { numRuns: 200 });
  });

  it('reads dry_sequence_breakers as a URL-encoded JSON array of strings', () => {
    const q = `?dry_sequence_breakers=${encodeURIComponent('["\\n", ":", "the end"]')}`;
    expect(parseUrlState(q, defaults).state.params.dry_sequence_breakers).toEqual(['\n', ':', 'the end']);
  });

  it.each([
    ['top_n_sigma', '11'], ['dry_multiplier', '-1'], ['dry_base', '1'], ['dry_allowed_length', '2.5'], ['dry_penalty_last_n', '-2'],
    ['xtc_probability', '1.5'], ['xtc_threshold', 'x'], ['epsilon_cutoff', '2'], ['dynatemp_exponent', '0'], ['mirostat', '1'],
    ['mirostat_tau', '21'], ['mirostat_eta', '-0.1'], ['dry_sequence_breakers', '[1,2]'], ['dry_sequence_breakers', '["", "a"]'],
    ['dry_sequence_breakers', 'not json'], ['order', 'xtc,xtc'], ['order', 'xtc,nope'],
  ])('refuses %s = %s with a notice and keeps the default', (name, value) => {
    const { state, notices } = parseUrlState(`?${name}=${encodeURIComponent(value)}`, defaults);
    expect(notices.map((n) => n.name)).toEqual([name]);
    expect((state.params as unknown as Record<string, unknown>)[name]).toEqual((defaults.params as unknown as Record<string, unknown>)[name]);
  });

  it('flags ε and η above the table\'s 0.1 as unusual instead of refusing them', () => {
    const { state, notices } = parseUrlState('?eta_cutoff=0.2', defaults);
    expect(notices).toEqual([]);
    expect(state.params.eta_cutoff).toBe(0.2);
  });
});

describe('exports and presets', () => {
  it('an export keeps the new params and notes; an old export opens with them off', () => {
    const steps = zooEvents(ZOO, 3);
    const run = { runId: 1, prompt: 'p', promptIds: [1], params: ZOO, seed: 1, steps, text: '', reason: null };
    const back = parseExport(exportJson('m', [run])).runs[0];
    expect(back.params).toEqual(ZOO);
    expect(back.steps[0].views).toEqual(steps[0].views);
    const { dry_multiplier: _d, top_n_sigma: _t, dry_sequence_breakers: _b, ...old } = ZOO;
    const opened = parseExport(exportJson('m', [{ ...run, params: old as typeof ZOO }])).runs[0];
    expect(opened.params.dry_multiplier).toBe(0);
    expect(opened.params.top_n_sigma).toBe(0);
    expect(opened.params.dry_sequence_breakers).toEqual(DEFAULT_PARAMS.dry_sequence_breakers);
  });

  it.each(PRESETS.map((p) => [p.name, p] as const))('preset %s is valid and runs', (_name, preset) => {
    expect(() => validateParams(preset.params)).not.toThrow();
    expect(sampleStep({ logits: [3, 2.5, 2, 1], params: preset.params, rng: createRng(1) }).kept!.ids.length).toBeGreaterThan(0);
  });

  it('the llama.cpp preset is llama.cpp\'s default chain', () => {
    const llama = PRESETS.find((p) => p.name === 'llamacpp')!.params;
    expect(completeOrder(llama.order)).toEqual(['top_n_sigma', 'top_k', 'typical_p', 'top_p', 'min_p', 'xtc', 'temperature', 'epsilon_cutoff', 'eta_cutoff']);
    expect([llama.temperature, llama.top_k, llama.top_p, llama.min_p]).toEqual([0.8, 40, 0.95, 0.05]);
  });
});

describe('charts', () => {
  it('top-nσ\'s strip puts M − nσ where the logits say, and each token at its logit', () => {
    const view: StageView = {
      stage: 'top_n_sigma', ids: [3, 2, 1, 0], before: [0.4, 0.3, 0.2, 0.1], after: [4 / 7, 3 / 7, 0, 0], keptBefore: 4, keptAfter: 2,
      removedCount: 2, removedMass: 0.3, entropy: 0.68, note: { line: Math.log(0.4) - 0.5, max: Math.log(0.4), sigma: 0.5 },
    };
    const strip = layoutLogitStrip(view, 500)!;
    const xOf = (z: number) => {
      // Linear: two ticks fix the map.
      const [a, b] = strip.ticks;
      return a.x + ((z - a.value) / (b.value - a.value)) * (b.x - a.x);
    };
    expect(strip.lineX).toBeCloseTo(xOf(Math.log(0.4) - 0.5), 6);
    expect(strip.maxX).toBeCloseTo(xOf(Math.log(0.4)), 6);
    expect(strip.tokens.map((t) => t.kept)).toEqual([true, true, false, false]);
    strip.tokens.forEach((t, i) => expect(t.x).toBeCloseTo(xOf(Math.log(view.before[i])), 6));
    expect(strip.tokens.filter((t) => t.x < strip.lineX).map((t) => t.id)).toEqual([1, 0]);
  });

  it('the run chart draws each state series asked for, and nothing of them otherwise', () => {
    const steps = zooEvents();
    expect(layoutRunChart(steps, 600, 200).statePaths).toEqual([]);
    const layout = layoutRunChart(steps, 600, 200, ['dry', 'dynatemp', 'xtc']);
    expect(layout.statePaths.map((p) => p.series)).toEqual(['dry', 'dynatemp']);
    for (const p of layout.statePaths) expect(p.path.match(/[ML]/g)).toHaveLength(steps.length);
    expect(layout.xtcMarks).toHaveLength(steps.length);
    expect(layout.xtcMarks.map((m) => m.fired)).toEqual(steps.map((s) => samplerStateOf(s).xtcFired));
    // Left axis reaches the largest value shown.
    const top = layout.entropyTicks[layout.entropyTicks.length - 1].value;
    expect(top).toBeGreaterThanOrEqual(Math.max(...steps.map((s) => samplerStateOf(s).dry ?? 0)));
  });

  it('mirostat\'s μ and the drawn token\'s surprise are read from the steps', () => {
    const steps = zooEvents({ ...DEFAULT_PARAMS, mirostat: 2, mirostat_tau: 3, mirostat_eta: 0.2 }, 6);
    const states = steps.map(samplerStateOf);
    expect(states[0].mu).toBe(6);
    for (let i = 1; i < states.length; i++) expect(states[i].mu).toBeCloseTo(states[i - 1].mu! - 0.2 * (states[i - 1].surprise! - 3), 9);
  });
});

// Comparison exports opened through their schema: a file that opens is one the compare view can draw (every lane's
// figures, token tree and divergence marks, and the export again); a bad one is refused with words and where; an
// import never cuts off a comparison that is running; CSV cells a spreadsheet would run are written as text.
import { beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_BEAM_SETTINGS, applyOverrides, defaultRunSettings } from '../../src/core';
import type { CompareStep } from '../../src/engine/protocol';
import { laneFigures, type Comparison } from '../../src/store/compareSlice';
import { LaneSettingsError, exportComparisonCsv, exportComparisonJson, parseComparison } from '../../src/store/exportCompare';
import { useStore } from '../../src/store/store';
import { layoutTokenTree } from '../../src/ui/charts/tokenTreeLayout';
import { firstDivergence } from '../../src/ui/panels/CompareView';
import { fixed } from '../../src/ui/format';
import { mutate, pathsOf } from './jsonMutations';
import { twoLaneComparison } from './comparisonFixture';

const RUNS = process.env.LOGITLAB_DEEP_TESTS ? 3000 : 300;
const initial = useStore.getState();
beforeEach(() => useStore.setState(initial, true));

function step(row: number, i: number, tokenId: number): CompareStep {
  return { row, step: i, tokenId, tokenText: `t${tokenId}`, textDelta: `t${tokenId}`, probability: 0.5, logprobRaw: -0.7, logprobSampled: -0.69, entropyRaw: 1.2 };
}

const base = defaultRunSettings(5);
const real: Comparison = twoLaneComparison('The weather', 'top_p=0.8&stop=%3D1%2B1', step);
// A beam lane: one row (the search is deterministic), with its hypotheses.
real.lanes.push({ lane: 2, overrides: 'num_beams=2&num_return_sequences=2', settings: applyOverrides(base, 'num_beams=2&num_return_sequences=2'), rows: [4] });
real.rows.push({
  row: 4, lane: 2, sample: 0, seed: 5, steps: [step(4, 0, 3), step(4, 1, 9)], text: 't3t9', reason: 'max_new_tokens',
  beam: {
    num_beams: 2, reason: 'max_new_tokens',
    hypotheses: [{ text: 't3t9', score: -0.4, sum: -0.8, end: 'max_new_tokens', tokens: 2 }, { text: 't3t4', score: -0.6, sum: -1.2, end: 'max_new_tokens', tokens: 2 }],
  },
});
const realText = exportComparisonJson(real);
const realData = JSON.parse(realText) as Record<string, unknown>;

/** What the compare view computes to draw a comparison; throws if a number it shows would read NaN. */
function draw(c: Comparison): void {
  for (const lane of c.lanes) {
    const rows = lane.rows.map((r) => c.rows[r]);
    expect(rows.every((r) => r !== undefined && r.lane === lane.lane)).toBe(true);
    const figures = laneFigures(c, lane.lane);
    for (const value of [...Object.values(figures.value), ...Object.values(figures.spread)]) expect(fixed(value, 3)).not.toMatch(/NaN/);
    layoutTokenTree(rows.map((r) => ({ tokens: r.steps.map((s) => ({ tokenId: s.tokenId, text: s.tokenText, probability: s.probability })) })));
    firstDivergence(rows.map((r) => r.steps.map((s) => s.tokenId)));
  }
  // What opens exports again, and opens again the same.
  expect(parseComparison(exportComparisonJson(c))).toEqual(c);
  exportComparisonCsv(c);
}

const jsonValue = fc.oneof(
  fc.constant(null), fc.boolean(), fc.integer({ min: -5, max: 5000 }), fc.double(), fc.string({ maxLength: 8 }),
  fc.array(fc.integer({ min: -2, max: 40 }), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
);

describe('opening a comparison export', () => {
  it('a real export opens and draws', () => {
    draw(parseComparison(realText));
  });

  it('a file without what the view draws is refused with where', () => {
    const broken = structuredClone(realData) as { lanes: { samples: { steps: Record<string, unknown>[] }[] }[] };
    broken.lanes[1].samples[0].steps[1].logprobRaw = 'low';
    expect(() => parseComparison(JSON.stringify(broken))).toThrow(/^lanes\.1\.samples\.0\.steps\.1\.logprobRaw: /);
    const badSettings = structuredClone(realData) as { lanes: { settings: { params: Record<string, unknown> } }[] };
    badSettings.lanes[0].settings.params.top_p = 7;
    // A lane's knob out of its range names the lane and the knob, with its rule for the page to word.
    const refusal = (() => {
      try {
        parseComparison(JSON.stringify(badSettings));
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(LaneSettingsError);
    expect(refusal).toMatchObject({ lane: 1, param: 'top_p', value: 7, rule: { kind: 'range' } });
    expect(() => parseComparison('{"format":"logitlab-compare","version":1,"lanes":[]}')).toThrow('it holds no lanes');
    expect(() => parseComparison('[]')).toThrow(/format/);
    expect(() => parseComparison('nope')).toThrow('the file is not JSON');
  });

  it('an export from before beam search and the newer samplers opens with them off', () => {
    const old = structuredClone(realData) as { lanes: { settings: { params: Record<string, unknown>; beam?: unknown } }[] };
    for (const lane of old.lanes) {
      delete lane.settings.beam;
      delete lane.settings.params.dry_multiplier;
      delete lane.settings.params.xtc_probability;
    }
    const c = parseComparison(JSON.stringify(old));
    expect(c.lanes[0].settings.beam).toEqual(DEFAULT_BEAM_SETTINGS);
    expect(c.lanes[0].settings.params.dry_multiplier).toBe(base.params.dry_multiplier);
    draw(c);
  });

  it('real exports with one part changed or removed: no exception but a worded Error, and what opens draws', () => {
    const paths = pathsOf(realData);
    fc.assert(fc.property(fc.constantFrom(...paths), fc.boolean(), jsonValue, (path, remove, value) => {
      const changed = mutate(realData, path, { remove, value });
      let c: Comparison;
      try {
        c = parseComparison(changed === undefined ? '' : JSON.stringify(changed));
      } catch (error) {
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).message.length).toBeGreaterThan(0);
        return;
      }
      draw(c);
    }), { numRuns: RUNS });
  });

  it('a running comparison is never cut off by an import', () => {
    useStore.getState().beginComparison(4, structuredClone(real));
    expect(useStore.getState().importComparison(parseComparison(realText))).toBe(false);
    expect(useStore.getState().compareRequest).toBe(4);
    expect(useStore.getState().compareState).toBe('running');
    useStore.getState().handleCompareEvent({ type: 'compareDone', requestId: 4, mode: 'batched', ms: 10 });
    expect(useStore.getState().importComparison(parseComparison(realText))).toBe(true);
    expect(useStore.getState().comparison?.prompt).toBe('The weather');
  });
});

describe('comparison CSV', () => {
  it('a cell a spreadsheet would run as a formula is written as text; numbers stay numbers', () => {
    const c = structuredClone(real);
    c.rows[0].text = '=HYPERLINK("http://x")';
    c.rows[0].steps[0].logprobRaw = -0.5;
    const [header, ...rows] = exportComparisonCsv(c).trim().split('\n');
    const columns = header.split(',');
    expect(rows[0].slice(rows[0].lastIndexOf(',"') + 1)).toBe(`"'=HYPERLINK(""http://x"")"`);
    // The lane whose stop is "=1+1" writes it as text too.
    expect(rows[2].split(',')[columns.indexOf('stop')]).toBe(`'=1+1`);
    expect(rows[0].split(',')[columns.indexOf('logprob')]).toMatch(/^-\d/);
  });
});

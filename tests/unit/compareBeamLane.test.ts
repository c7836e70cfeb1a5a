// Beam lanes without the model: a lane's num_beams, length_penalty, early_stopping and num_return_sequences parsed
// and refused like the page's beam knobs (whatever order the query writes them in), the link's lanes and their
// notices in both languages, the rows a comparison asks for (a beam lane runs once, whatever K), the store keeping a
// beam lane's hypotheses, export → import, and the engine-side pieces that turn a search into a compare row.
import { beforeEach, describe, expect, it } from 'vitest';
import i18n from 'i18next';
import {
  DEFAULT_PARAMS, SamplingParamError, applyOverrides, beamSearch, defaultRunSettings, hypothesisPath, isBeamSearch, laneBase, laneSampleCount, overridesOf,
  rawTokenStats, type BeamSearchOptions,
} from '../../src/core';
import { RawStatsLog, beamFinishReason, splitCompareRows, winnerNodes } from '../../src/engine/compareBeamLane';
import type { BeamHypothesisView, CompareBeamResult, CompareRow, CompareStep } from '../../src/engine/protocol';
import { beamLaneSearching, planComparison, type Comparison } from '../../src/store/compareSlice';
import { LaneSettingsError, exportComparisonCsv, exportComparisonJson, parseComparison } from '../../src/store/exportCompare';
import { useStore } from '../../src/store/store';
import { defaultSharedState, parseUrlState, serializeUrlState } from '../../src/store/urlState';
import { en } from '../../src/ui/i18n/en';
import { zh } from '../../src/ui/i18n/zh';
import { messageText, refusalText } from '../../src/ui/messages';

await i18n.init({ resources: { en: { translation: en }, zh: { translation: zh } }, lng: 'en', fallbackLng: 'en', interpolation: { escapeValue: false } });
const tEn = i18n.getFixedT('en');
const tZh = i18n.getFixedT('zh');
const CJK = /[\u4e00-\u9fff]/;

function refusedName(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SamplingParamError);
    return (error as SamplingParamError).param;
  }
  throw new Error('expected a refusal');
}

describe('a lane’s beam settings', () => {
  it('num_beams > 1 makes a lane a beam search with the lane’s own beam knobs; it runs once whatever K is', () => {
    const base = defaultRunSettings(3);
    const lane = applyOverrides(base, 'num_beams=4&length_penalty=0.5&early_stopping=false&num_return_sequences=2');
    expect(lane.beam).toEqual({ num_beams: 4, length_penalty: 0.5, early_stopping: false, num_return_sequences: 2 });
    expect(isBeamSearch(lane)).toBe(true);
    expect(laneSampleCount(lane, 8)).toBe(1);
    const sampled = applyOverrides(base, 'temperature=0.7');
    expect(isBeamSearch(sampled)).toBe(false);
    expect(laneSampleCount(sampled, 8)).toBe(8);
    expect(base.beam.num_beams).toBe(1);
    // The overrides query writes the beam knobs back.
    expect(applyOverrides(base, overridesOf(lane, base))).toEqual(lane);
  });

  it('num_return_sequences is checked against the lane’s own num_beams, whichever comes first in the query', () => {
    const base = defaultRunSettings(3);
    expect(applyOverrides(base, 'num_return_sequences=3&num_beams=3').beam.num_return_sequences).toBe(3);
    expect(applyOverrides(base, 'num_beams=3&num_return_sequences=3').beam.num_return_sequences).toBe(3);
  });

  it.each([
    ['num_beams=9', 'num_beams'], ['num_beams=0', 'num_beams'], ['num_beams=2.5', 'num_beams'], ['num_beams=three', 'num_beams'],
    ['num_beams=3&length_penalty=3', 'length_penalty'], ['num_beams=3&length_penalty=abc', 'length_penalty'],
    ['num_beams=3&early_stopping=yes', 'early_stopping'], ['num_beams=3&num_return_sequences=4', 'num_return_sequences'],
    ['num_return_sequences=4&num_beams=3', 'num_return_sequences'], ['num_return_sequences=2', 'num_return_sequences'],
  ])('%s is refused naming %s', (query, name) => {
    expect(refusedName(() => applyOverrides(defaultRunSettings(), query))).toBe(name);
  });

  it('a lane that lowers num_beams below the page’s num_return_sequences is refused for num_beams, with the smallest allowed', () => {
    const base = defaultRunSettings(3);
    base.beam = { ...base.beam, num_beams: 4, num_return_sequences: 3 };
    try {
      applyOverrides(base, 'num_beams=2');
      expect.unreachable();
    } catch (error) {
      expect((error as SamplingParamError).param).toBe('num_beams');
      expect(refusalText(tEn, (error as SamplingParamError).rule)).toContain('at least 3');
    }
    // Lowering both is fine, and num_beams=1 turns the beam search off for that lane.
    expect(applyOverrides(base, 'num_beams=2&num_return_sequences=2').beam.num_beams).toBe(2);
    expect(isBeamSearch(applyOverrides(base, 'num_beams=1&num_return_sequences=1'))).toBe(false);
  });

  it('a lane starts from the page’s settings without its beam search: only a lane that sets num_beams is one', () => {
    const page = defaultRunSettings(3);
    page.beam = { num_beams: 4, length_penalty: 0.5, early_stopping: false, num_return_sequences: 3 };
    page.params.temperature = 0.7;
    const sampled = applyOverrides(laneBase(page), 'top_p=0.9');
    expect(isBeamSearch(sampled)).toBe(false);
    expect(sampled.params.temperature).toBe(0.7);
    const beam = applyOverrides(laneBase(page), 'num_beams=2');
    expect(beam.beam).toEqual({ num_beams: 2, length_penalty: 0.5, early_stopping: false, num_return_sequences: 1 });
    expect(page.beam.num_beams).toBe(4);
    // The store resolves the lane queries the same way.
    useStore.setState({ laneQueries: ['temperature=0', 'num_beams=2', ''], laneErrors: {} });
    const lanes = useStore.getState().resolveLanes(page)!;
    expect(lanes.map(isBeamSearch)).toEqual([false, true, false]);
    // And a link with the page's beam search on checks its lanes against that same base.
    const { state, notices } = parseUrlState('?num_beams=4&num_return_sequences=3&lane=num_beams%3D2&lane=temperature%3D0', defaultSharedState('logitlab-tiny', 7));
    expect(notices).toEqual([]);
    expect(state.lanes).toEqual(['num_beams=2', 'temperature=0']);
  });
});

describe('beam lanes in links', () => {
  const defaults = () => defaultSharedState('logitlab-tiny', 7);

  it('a greedy lane and a beam lane travel in the link and back, query and fragment alike', () => {
    const query = '?lane=temperature%3D0&lane=num_beams%3D3%26length_penalty%3D0.5%26early_stopping%3Dfalse%26num_return_sequences%3D2';
    const { state, notices } = parseUrlState(query, defaults());
    expect(notices).toEqual([]);
    expect(state.lanes).toEqual(['temperature=0', 'num_beams=3&length_penalty=0.5&early_stopping=false&num_return_sequences=2']);
    expect(new URLSearchParams(serializeUrlState(state, defaults())).getAll('lane')).toEqual(state.lanes);
    expect(parseUrlState('', defaults(), query.replace('?', '#')).state.lanes).toEqual(state.lanes);
    const lane = applyOverrides(state, state.lanes[1]);
    expect(lane.beam).toEqual({ num_beams: 3, length_penalty: 0.5, early_stopping: false, num_return_sequences: 2 });
  });

  it.each([
    ['num_beams%3D9', 'num_beams', '9'], ['num_beams%3D3%26length_penalty%3D5', 'length_penalty', '2'],
    ['num_beams%3D3%26early_stopping%3Dmaybe', 'early_stopping', 'true'], ['num_beams%3D2%26num_return_sequences%3D3', 'num_return_sequences', '2'],
  ])('lane=%s gives a notice naming lane 2 and %s, worded in English and Chinese', (lane, name, number) => {
    const { state, notices } = parseUrlState(`?lane=temperature%3D0&lane=${lane}`, defaults());
    expect(state.lanes).toEqual([]);
    expect(notices).toHaveLength(1);
    const n = notices[0];
    expect(n).toMatchObject({ name, lane: 2, value: decodeURIComponent(lane) });
    const message = { key: 'notices.badLane', params: { name: n.name, value: n.value, n: n.lane! }, why: n.why };
    const english = messageText(tEn, message);
    expect(english).toContain('Lane 2');
    expect(english).toContain(name);
    const chinese = messageText(tZh, message);
    expect(chinese).toMatch(CJK);
    expect(chinese).toContain('对比道 2');
    expect(chinese).toContain(name);
    expect(chinese).toContain(number === 'true' ? 'true' : number);
    for (const text of [english, chinese]) expect(text).not.toMatch(/\{\{/);
    expect(chinese).not.toMatch(/not allowed|at most/);
  });
});

describe('the rows a comparison asks for', () => {
  it('a sampled lane draws K rows with seeds seed, seed+1, …; a beam lane one row carrying its beam settings', () => {
    const base = defaultRunSettings(4294967295);
    const queries = ['temperature=0.8', 'num_beams=3&num_return_sequences=2'];
    const lanes = queries.map((q) => applyOverrides(base, q));
    const { rows, comparison } = planComparison({ prompt: 'The weather', model: 'logitlab-tiny', samples: 4, queries, lanes });
    expect(rows.map((r) => [r.lane, r.sample, r.seed])).toEqual([[0, 0, 4294967295], [0, 1, 0], [0, 2, 1], [0, 3, 2], [1, 0, 4294967295]]);
    expect(rows.slice(0, 4).every((r) => r.beam === undefined)).toBe(true);
    expect(rows[4].beam).toEqual({ num_beams: 3, length_penalty: 1, early_stopping: true, num_return_sequences: 2 });
    expect(comparison.lanes.map((l) => l.rows)).toEqual([[0, 1, 2, 3], [4]]);
    expect(comparison.samples).toBe(4);
    expect(splitCompareRows(rows)).toEqual({ sampled: [0, 1, 2, 3], beams: [4] });
  });
});

const step = (row: number, i: number, tokenId: number, p: number, sampled: number): CompareStep => ({
  row, step: i, tokenId, tokenText: `t${tokenId}`, textDelta: `t${tokenId}`, probability: p, logprobRaw: -1.5, logprobSampled: sampled, entropyRaw: 1.2,
});

function beamComparison(): Comparison {
  const base = defaultRunSettings(5);
  const beam: CompareBeamResult = {
    num_beams: 3, reason: 'early_stopping',
    hypotheses: [{ text: 't3t4', score: -0.4, sum: -0.8, end: 'eos', tokens: 2 }, { text: 't3t9', score: -0.6, sum: -1.2, end: 'eos', tokens: 2 }],
  };
  return {
    prompt: 'Hi', model: 'logitlab-tiny', promptIds: [1, 2], samples: 1, mode: 'batched',
    lanes: [
      { lane: 0, overrides: 'temperature=0', settings: applyOverrides(base, 'temperature=0'), rows: [0] },
      { lane: 1, overrides: 'num_beams=3&num_return_sequences=2', settings: applyOverrides(base, 'num_beams=3&num_return_sequences=2'), rows: [1] },
    ],
    rows: [
      { row: 0, lane: 0, sample: 0, seed: 5, steps: [step(0, 0, 3, 1, 0), step(0, 1, 7, 1, 0)], text: 't3t7', reason: 'max_new_tokens' },
      { row: 1, lane: 1, sample: 0, seed: 5, steps: [step(1, 0, 3, 0.6, 0), step(1, 1, 4, 0.5, 0)], text: 't3t4', reason: 'eos', beam },
    ],
  };
}

describe('beam lanes in exports', () => {
  it('JSON carries the lane’s beam settings and hypotheses back; CSV writes its beam knobs', () => {
    const c = beamComparison();
    const back = parseComparison(exportComparisonJson(c));
    expect(back.lanes).toEqual(c.lanes);
    expect(back.rows).toEqual(c.rows);
    expect(back.rows[1].beam?.hypotheses[1].text).toBe('t3t9');
    const [header, greedy, beam] = exportComparisonCsv(c).trim().split('\n').map((line) => line.split(','));
    const column = (name: string) => header.indexOf(name);
    expect(beam[column('num_beams')]).toBe('3');
    expect(beam[column('num_return_sequences')]).toBe('2');
    expect(greedy[column('num_beams')]).toBe('1');
    expect(beam[column('logprob_sampled')]).toBe('0');
  });

  it('a file from before beam lanes opens with sampled lanes', () => {
    const data = JSON.parse(exportComparisonJson(beamComparison()));
    delete data.lanes[0].settings.beam;
    const back = parseComparison(JSON.stringify(data));
    expect(back.lanes[0].settings.beam).toEqual(defaultRunSettings().beam);
    expect(isBeamSearch(back.lanes[0].settings)).toBe(false);
  });

  it.each([
    [(b: Record<string, unknown>) => { b.num_beams = 9; }, 'num_beams'],
    [(b: Record<string, unknown>) => { b.length_penalty = 'long'; }, 'length_penalty'],
    [(b: Record<string, unknown>) => { b.early_stopping = 'yes'; }, 'early_stopping'],
    [(b: Record<string, unknown>) => { b.num_return_sequences = 5; }, 'num_return_sequences'],
  ])('a lane with a bad beam setting is refused naming the lane and %#', (spoil, name) => {
    const data = JSON.parse(exportComparisonJson(beamComparison()));
    spoil(data.lanes[1].settings.beam);
    try {
      parseComparison(JSON.stringify(data));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(LaneSettingsError);
      const e = error as LaneSettingsError;
      expect([e.lane, e.param]).toEqual([2, name]);
      const message = { key: 'compare.badImportLane', params: { n: e.lane, name: e.param, value: String(e.value) }, why: e.rule };
      expect(messageText(tEn, message)).toContain(`Lane 2 of that file has ${name}`);
      expect(messageText(tZh, message)).toMatch(CJK);
      expect(messageText(tZh, message)).not.toMatch(/\{\{/);
    }
  });

  it('a beam result without its hypotheses is refused', () => {
    const data = JSON.parse(exportComparisonJson(beamComparison()));
    data.lanes[1].samples[0].beam = { num_beams: 3 };
    expect(() => parseComparison(JSON.stringify(data))).toThrow(/beam result/);
  });
});

describe('a beam lane searching or waiting', () => {
  it('searches once every sampled row and every beam lane before it are done', () => {
    const base = defaultRunSettings(5);
    const queries = ['num_beams=2', 'temperature=0.8', 'num_beams=3'];
    const { comparison: c } = planComparison({ prompt: 'Hi', model: 'm', samples: 2, queries, lanes: queries.map((q) => applyOverrides(base, q)) });
    // Rows: lane 0 → [0], lane 1 → [1, 2], lane 2 → [3].
    expect([beamLaneSearching(c, 0), beamLaneSearching(c, 2)]).toEqual([false, false]);
    c.rows[1].reason = 'max_new_tokens';
    c.rows[2].reason = 'eos';
    expect([beamLaneSearching(c, 0), beamLaneSearching(c, 2)]).toEqual([true, false]);
    c.rows[0].reason = 'eos';
    expect(beamLaneSearching(c, 2)).toBe(true);
  });
});

describe('the store keeps a beam lane’s hypotheses', () => {
  const initial = useStore.getState();
  beforeEach(() => useStore.setState(initial, true));

  it('compareRowDone with a beam result fills the lane’s row; a restart clears it', () => {
    const c = beamComparison();
    const empty = { ...c, rows: c.rows.map(({ beam: _b, ...r }) => ({ ...r, steps: [], text: '', reason: null })) };
    useStore.getState().beginComparison(9, empty);
    const store = () => useStore.getState();
    store().handleCompareEvent({ type: 'compareSteps', requestId: 9, steps: c.rows[1].steps });
    store().handleCompareEvent({ type: 'compareRowDone', requestId: 9, row: 1, reason: 'eos', text: 't3t4', beam: c.rows[1].beam });
    expect(store().comparison!.rows[1].beam).toEqual(c.rows[1].beam);
    expect(store().comparison!.rows[1].text).toBe('t3t4');
    store().handleCompareEvent({ type: 'compareStarted', requestId: 9, promptIds: [1, 2], mode: 'sequential', why: 'test' });
    expect(store().comparison!.rows[1].beam).toBeUndefined();
  });
});

describe('engine side, over a table', () => {
  const vocab = 6;
  const EOS = 0;
  /** A next-logits table over the last token and the length (EOS grows likelier with length); beams cross paths on it. */
  const table = (last: number, length: number): number[] =>
    Array.from({ length: vocab }, (_, t) => Math.sin(1 + 3 * last + 7 * t + length) * 2 + (t === EOS ? length - 3 : 0));

  function search(num_beams: number, eosIds = [EOS]) {
    const options: BeamSearchOptions = {
      vocabSize: vocab, promptIds: [1], params: { ...DEFAULT_PARAMS }, eosIds,
      settings: { num_beams, length_penalty: 1, early_stopping: true, num_return_sequences: 1, max_new_tokens: 6 },
    };
    const rows: number[][] = [];
    const result = beamSearch(options, (beams) => {
      const out = beams.flatMap((b) => table(b.generated.length > 0 ? b.generated[b.generated.length - 1] : 1, b.generated.length));
      rows.push(out);
      return out;
    });
    return { result, rows };
  }

  it.each([[[EOS]], [[]]])('the winner’s nodes spell its ids, ending token included (EOS ids %j)', (eosIds) => {
    const { result } = search(3, eosIds);
    expect(result.all.every((h) => h.end === (eosIds.length > 0 ? 'eos' : 'max_new_tokens'))).toBe(true);
    expect(result.all.some((h) => h.beam > 0 || hypothesisPath(result.steps, h).some((k) => k > 0))).toBe(true);
    for (const h of result.all) {
      const view: BeamHypothesisView = { ...h, text: '', path: hypothesisPath(result.steps, h) };
      const nodes = winnerNodes(result, view);
      expect(nodes.map((n) => n.tokenId)).toEqual(h.ids);
      expect(nodes.map((n) => n.step)).toEqual(h.ids.map((_, i) => i));
      // The nodes' log p sum to the hypothesis's sum.
      expect(nodes.reduce((s, n) => s + n.logp, 0)).toBeCloseTo(h.sum, 10);
    }
  });

  it('raw stats of every kept and finished candidate equal rawTokenStats over its parent’s row', () => {
    const { result, rows } = search(3);
    result.steps.forEach((st, s) => {
      const log = new RawStatsLog(vocab);
      log.record(st, Float32Array.from(rows[s]));
      for (const c of [...st.kept, ...st.finished]) {
        const expected = rawTokenStats(Float32Array.from(rows[s]), c.tokenId, c.source * vocab, vocab);
        const got = log.get(st.step, c.source, c.tokenId)!;
        expect(got.logprob).toBeCloseTo(expected.logprob, 5);
        expect(got.entropy).toBeCloseTo(expected.entropy, 5);
      }
    });
  });

  it.each([
    ['early_stopping', 'eos', 'eos'], ['early_stopping', 'stop', 'stop'], ['max_new_tokens', 'max_new_tokens', 'max_new_tokens'],
    ['cancelled', 'eos', 'cancelled'], ['context_full', 'max_new_tokens', 'context_full'], ['no_candidates', undefined, 'max_new_tokens'],
  ] as const)('a search ended by %s whose best ended by %s finishes as %s', (reason, end, expected) => {
    expect(beamFinishReason(reason, end)).toBe(expected);
  });

  it('a row is a beam lane only with num_beams > 1', () => {
    const row: CompareRow = { lane: 0, sample: 0, params: { ...DEFAULT_PARAMS }, seed: 1, max_new_tokens: 4, stop: [], ignore_eos: false };
    const beam = { num_beams: 1, length_penalty: 1, early_stopping: true, num_return_sequences: 1 };
    expect(splitCompareRows([row, { ...row, beam }, { ...row, beam: { ...beam, num_beams: 2 } }])).toEqual({ sampled: [0, 1], beams: [2] });
  });
});

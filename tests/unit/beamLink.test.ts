// The beam knobs in links and exports: the same names as SAMPLING.md, refused values named with a default kept,
// and a beam run's settings and tree carried through a JSON export.
import { describe, expect, it } from 'vitest';
import { defaultSharedState, parseUrlState, serializeUrlState } from '../../src/store/urlState';
import { exportJson, parseExport } from '../../src/store/exportRun';
import { DEFAULT_PARAMS } from '../../src/core';
import type { RunView } from '../../src/store/types';

const defaults = () => defaultSharedState('logitlab-tiny', 7);

describe('beam settings in links', () => {
  it('reads and writes num_beams, length_penalty, early_stopping and num_return_sequences', () => {
    const { state, notices } = parseUrlState('?num_beams=4&length_penalty=0.5&early_stopping=false&num_return_sequences=2', defaults());
    expect(notices).toEqual([]);
    expect(state.beam).toEqual({ num_beams: 4, length_penalty: 0.5, early_stopping: false, num_return_sequences: 2 });
    const link = serializeUrlState(state, defaults());
    expect(new URLSearchParams(link).get('num_beams')).toBe('4');
    expect(parseUrlState(`?${link}`, defaults()).state.beam).toEqual(state.beam);
    // Defaults stay out of the link, and parsing never changes the defaults it compares with.
    const base = defaults();
    parseUrlState('?num_beams=3', base);
    expect(base.beam.num_beams).toBe(1);
    expect(serializeUrlState(base, defaults())).not.toContain('num_beams');
  });

  it.each([
    ['?num_beams=9', 'num_beams'], ['?num_beams=2.5', 'num_beams'], ['?length_penalty=3', 'length_penalty'],
    ['?early_stopping=yes', 'early_stopping'], ['?num_beams=2&num_return_sequences=3', 'num_return_sequences'],
  ])('%s is refused with a notice naming %s, and the default stays', (query, name) => {
    const { state, notices } = parseUrlState(query, defaults());
    expect(notices.map((n) => n.name)).toEqual([name]);
    expect((state.beam as unknown as Record<string, unknown>)[name]).toEqual((defaults().beam as unknown as Record<string, unknown>)[name]);
  });
});

describe('beam runs in exports', () => {
  const run: RunView = {
    runId: 3, prompt: 'The weather', promptIds: [1, 2], params: { ...DEFAULT_PARAMS }, seed: 1, steps: [], text: ' sunny', reason: 'max_new_tokens',
    beam: {
      options: { num_beams: 2, length_penalty: 1, early_stopping: true, num_return_sequences: 2 }, reason: 'max_new_tokens',
      steps: [{ step: 0, entered: [0], kept: [{ source: 0, tokenId: 5, logp: -0.1, sum: -0.1, rank: 0 }], finished: [], dropped: [{ source: 0, tokenId: 6, logp: -3, sum: -3, rank: 1, why: 'beams_full' }], tokenTexts: { 5: ' sunny' }, timings: { forwardMs: 1, searchMs: 0.1 } }],
      hypotheses: [{ ids: [5], text: ' sunny', score: -0.1, sum: -0.1, step: 0, beam: 0, end: 'max_new_tokens', path: [0] }],
    },
  };

  it('a JSON export carries the beam settings and tree back', () => {
    const back = parseExport(exportJson('logitlab-tiny', [run]));
    expect(back.runs[0].beam).toEqual(run.beam);
  });

  it('a beam tree without its settings is refused with the reason', () => {
    const broken = JSON.parse(exportJson('logitlab-tiny', [run]));
    delete broken.runs[0].beam.options.num_beams;
    expect(() => parseExport(JSON.stringify(broken))).toThrow(/num_beams/);
  });

  it('a beam tree the view could not draw is refused with where; -Infinity (null in JSON) reads back', () => {
    const refuse = (change: (beam: Record<string, any>) => void, where: RegExp) => { // eslint-disable-line @typescript-eslint/no-explicit-any -- a JSON tree being damaged on purpose
      const broken = JSON.parse(exportJson('logitlab-tiny', [run]));
      change(broken.runs[0].beam);
      expect(() => parseExport(JSON.stringify(broken))).toThrow(where);
    };
    refuse((b) => { b.options.num_return_sequences = 3; }, /num_return_sequences must be at most num_beams/);
    refuse((b) => { b.options.num_beams = 99; }, /^runs\.0\.beam\.options\.num_beams: /);
    refuse((b) => { b.steps[0].step = 4; }, /beam steps must be numbered/);
    refuse((b) => { b.steps[0].kept[0].tokenId = -1; }, /^runs\.0\.beam\.steps\.0\.kept\.0\.tokenId: /);
    refuse((b) => { b.steps[0].dropped[0].why = 'bored'; }, /^runs\.0\.beam\.steps\.0\.dropped\.0\.why: /);
    refuse((b) => { b.hypotheses[0].path = 'none'; }, /^runs\.0\.beam\.hypotheses\.0\.path: /);
    const banned = { ...run, beam: { ...run.beam!, steps: [{ ...run.beam!.steps[0], dropped: [{ ...run.beam!.steps[0].dropped[0], logp: -Infinity, sum: -Infinity }] }] } };
    expect(parseExport(exportJson('logitlab-tiny', [banned])).runs[0].beam?.steps[0].dropped[0].logp).toBe(-Infinity);
    // Exports from before the tree named its tokens, or said why it stopped.
    const old = JSON.parse(exportJson('logitlab-tiny', [run]));
    delete old.runs[0].beam.steps[0].tokenTexts;
    delete old.runs[0].beam.reason;
    const back = parseExport(JSON.stringify(old)).runs[0].beam!;
    expect(back.steps[0].tokenTexts).toEqual({});
    expect(back.reason).toBeNull();
  });
});

// Beam search (SAMPLING.md "Beam search"): the public beam cases, a hand-checked example, and invariants on random
// bigram tables (fast-check): B = 1 with early stopping is greedy decoding, scores come best first, and going on to
// max_new_tokens never ends worse than stopping early.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BeamSearch, OFF_PARAMS, answerBeamCase, beamSearch, hypothesisPath, sampleStep, type BeamCase, type BeamSearchOptions,
  type SamplingParams,
} from '../../src/core';

type Expected = { sequences: number[][]; scores: number[] };
const cases = JSON.parse(readFileSync('tests/fixtures/beam-cases.json', 'utf8')) as (BeamCase & { expect: Expected })[];

/** A bigram table as next-logits: each beam's row is the row of its last token. */
function bigramLogits(table: number[][], promptIds: number[]) {
  const vocab = table.length;
  return (beams: readonly { generated: readonly number[] }[]) => {
    const rows = new Float64Array(beams.length * vocab);
    beams.forEach((b, i) => rows.set(table[b.generated.length > 0 ? b.generated[b.generated.length - 1] : promptIds[promptIds.length - 1]], i * vocab));
    return rows;
  };
}

describe('beam conformance cases', () => {
  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const answer = answerBeamCase(c);
    expect(answer.sequences).toEqual(c.expect.sequences);
    expect(answer.scores.length).toBe(c.expect.scores.length);
    answer.scores.forEach((s, i) => expect(Math.abs(s - c.expect.scores[i])).toBeLessThan(1e-6));
  });

  it('the CLI answers every beam case', () => {
    const out = execFileSync('npx', ['tsx', 'scripts/conformance.ts', 'tests/fixtures/beam-cases.json'], { encoding: 'utf8' });
    const answers = JSON.parse(out) as { id: string; sequences?: number[][] }[];
    expect(answers.map((a) => a.id).sort()).toEqual(cases.map((c) => c.id).sort());
    for (const a of answers) expect(a.sequences).toEqual(cases.find((c) => c.id === a.id)!.expect.sequences);
  });
});

describe('beam search by hand', () => {
  // Greedy takes 0 (p ≈ .5) then anything; beam 2 finds 1 → EOS, whose sum beats 0's best continuation.
  const ln = Math.log;
  const table = [
    [ln(0.34), ln(0.33), ln(0.001), ln(0.329)], // after 0: flat
    [ln(0.001), ln(0.001), ln(0.001), ln(0.997)], // after 1: EOS almost surely
    [0, 0, 0, 0],
    [0, 0, 0, 0],
  ];
  const options = (num_beams: number, early_stopping = true): BeamSearchOptions => ({
    vocabSize: 4, promptIds: [2], params: OFF_PARAMS, eosIds: [3],
    settings: { num_beams, length_penalty: 1, early_stopping, num_return_sequences: num_beams, max_new_tokens: 3 },
  });
  const first = [ln(0.5), ln(0.45), ln(0.001), ln(0.049)];
  const withStart = (beams: readonly { generated: readonly number[] }[]) => {
    const rows = new Float64Array(beams.length * 4);
    beams.forEach((b, i) => rows.set(b.generated.length === 0 ? first : table[b.generated[b.generated.length - 1]], i * 4));
    return rows;
  };

  it('finds the higher-probability sequence greedy misses, and records kept, finished and dropped candidates', () => {
    const greedy = beamSearch(options(1), withStart);
    expect(greedy.hypotheses[0].ids[0]).toBe(0);
    const beam = beamSearch(options(2), withStart);
    expect(beam.hypotheses[0].ids).toEqual([1, 3]);
    expect(beam.hypotheses[0].score).toBeCloseTo((ln(0.45) + ln(0.997)) / 2, 12);
    const step0 = beam.steps[0];
    expect(step0.kept.map((c) => c.tokenId)).toEqual([0, 1]);
    // The third and fourth ranked of step 0 (EOS at rank 2 ≥ B, and token 2) are walked and dropped.
    expect(step0.dropped.map((c) => [c.tokenId, c.why])).toEqual([[3, 'eos_rank'], [2, 'beams_full']]);
    expect(beam.steps[1].finished[0]).toMatchObject({ tokenId: 3, source: 1, end: 'eos', accepted: true });
    expect(hypothesisPath(beam.steps, beam.hypotheses[0])).toEqual([1]);
  });

  it('ends a hypothesis at a stop string like EOS', () => {
    const r = beamSearch({ ...options(2), completesStop: (_g, id) => id === 0 }, withStart);
    expect(r.all.some((h) => h.end === 'stop' && h.ids.length === 1 && h.ids[0] === 0)).toBe(true);
  });

  it('refuses beam settings out of range with the parameter named', () => {
    expect(() => new BeamSearch({ ...options(9) })).toThrow(/num_beams/);
    expect(() => new BeamSearch({ ...options(2), settings: { ...options(2).settings, num_return_sequences: 3 } })).toThrow(/num_return_sequences/);
    expect(() => new BeamSearch({ ...options(2), settings: { ...options(2).settings, length_penalty: 3 } })).toThrow(/length_penalty/);
  });
});

const deep = Boolean(process.env.LOGITLAB_DEEP_TESTS);
const runs = deep ? 400 : 60;

const tableArb = fc.integer({ min: 2, max: 9 }).chain((v) =>
  fc.array(fc.array(fc.oneof({ weight: 9, arbitrary: fc.double({ min: -6, max: 6, noNaN: true }) }, { weight: 1, arbitrary: fc.constant(-Infinity) }), { minLength: v, maxLength: v })
    .map((row) => (row.every((z) => z === -Infinity) ? row.map((_, i) => (i === 0 ? 0 : -Infinity)) : row)), { minLength: v, maxLength: v }));
const caseArb = tableArb.chain((table) => fc.record({
  table: fc.constant(table),
  eos: fc.nat({ max: table.length - 1 }),
  prompt: fc.array(fc.nat({ max: table.length - 1 }), { minLength: 1, maxLength: 3 }),
  beams: fc.integer({ min: 1, max: 5 }),
  maxNew: fc.integer({ min: 1, max: 6 }),
  lengthPenalty: fc.double({ min: -2, max: 2, noNaN: true }),
  repetition: fc.oneof(fc.constant(1), fc.double({ min: 0.5, max: 2, noNaN: true })),
  frequency: fc.oneof(fc.constant(0), fc.double({ min: -2, max: 2, noNaN: true })),
  bias: fc.option(fc.tuple(fc.nat({ max: table.length - 1 }), fc.double({ min: -100, max: 100, noNaN: true }))),
}));

type Drawn = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;
function paramsOf(c: Drawn): SamplingParams {
  return { ...OFF_PARAMS, repetition_penalty: c.repetition, frequency_penalty: c.frequency, logit_bias: c.bias ? { [c.bias[0]]: c.bias[1] } : {} };
}
function search(c: Drawn, beams: number, early: boolean) {
  return beamSearch({
    vocabSize: c.table.length, promptIds: c.prompt, params: paramsOf(c), eosIds: [c.eos],
    settings: { num_beams: beams, length_penalty: c.lengthPenalty, early_stopping: early, num_return_sequences: beams, max_new_tokens: c.maxNew },
  }, bigramLogits(c.table, c.prompt));
}

describe('beam search properties', () => {
  it('B = 1 with early_stopping true is greedy decoding (penalties and bias included)', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const params = { ...paramsOf(c), do_sample: false };
      const greedy: number[] = [];
      for (let s = 0; s < c.maxNew; s++) {
        const last = greedy.length > 0 ? greedy[greedy.length - 1] : c.prompt[c.prompt.length - 1];
        const id = sampleStep({ logits: c.table[last], params, promptIds: c.prompt, generatedIds: greedy }).greedyId;
        greedy.push(id);
        if (id === c.eos) break;
      }
      expect(search(c, 1, true).hypotheses[0].ids).toEqual(greedy);
    }), { numRuns: runs });
  });

  it('finished hypotheses come best first, at most B of them, and every score is sum / len^length_penalty', () => {
    fc.assert(fc.property(caseArb, fc.boolean(), (c, early) => {
      const r = search(c, c.beams, early);
      expect(r.all.length).toBeGreaterThan(0);
      expect(r.all.length).toBeLessThanOrEqual(c.beams);
      for (let i = 1; i < r.all.length; i++) expect(r.all[i - 1].score).toBeGreaterThanOrEqual(r.all[i].score);
      for (const h of r.all) expect(h.score).toBeCloseTo(h.sum / Math.pow(h.ids.length, c.lengthPenalty), 9);
    }), { numRuns: runs });
  });

  it('with early_stopping false the result never scores worse than with true', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const early = search(c, c.beams, true).all;
      const late = search(c, c.beams, false).all;
      expect(late.length).toBeGreaterThanOrEqual(early.length);
      early.forEach((h, i) => expect(late[i].score).toBeGreaterThanOrEqual(h.score - 1e-12));
    }), { numRuns: runs });
  });

  it('every step keeps at most B beams, walks at most 2B candidates, and the winner traces back to the prompt', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const r = search(c, c.beams, false);
      for (const s of r.steps) {
        expect(s.kept.length).toBeLessThanOrEqual(c.beams);
        expect(s.kept.length + s.finished.length + s.dropped.length).toBeLessThanOrEqual(2 * c.beams);
      }
      const best = r.all[0];
      const path = hypothesisPath(r.steps, best);
      const tokens = path.map((k, s) => r.steps[s].kept[k].tokenId);
      expect(tokens).toEqual(best.end === 'max_new_tokens' ? best.ids : best.ids.slice(0, -1));
    }), { numRuns: runs });
  });
});

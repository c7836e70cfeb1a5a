// Answers conformance cases (shared/conformance/README.md): sampling, stop and beam cases. Never reads `expect`.
import { DEFAULT_BEAM_SETTINGS, beamSearch } from './beam';
import { DEFAULT_PARAMS, OFF_PARAMS } from './params';
import { sampleStep } from './sampleStep';
import { StopMatcher } from './stop';
import type { SamplingParams, WarperName } from './types';

export interface SamplingCase {
  id: string;
  kind?: 'sampling';
  logits: (number | null)[];
  params: Partial<Omit<SamplingParams, 'logit_bias' | 'order'>> & {
    logit_bias?: Record<string, number>;
    order?: string[];
    /** zoo cases: XTC's coin at this step (missing: 0) and mirostat's current μ. */
    xtc_roll?: number;
    mirostat_mu?: number;
  };
  prompt_ids?: number[];
  generated_ids?: number[];
}

export interface StopCase {
  id: string;
  kind: 'stop';
  pieces: string[];
  stops: string[];
}

/** A bigram table as the model: the next logits of a sequence are the row of its last token. */
export interface BeamCase {
  id: string;
  kind: 'beam';
  bigram: (number | null)[][];
  eos: number | number[];
  prompt_ids: number[];
  params: {
    num_beams?: number;
    max_new_tokens: number;
    length_penalty?: number;
    early_stopping?: boolean;
    num_return_sequences?: number;
    repetition_penalty?: number;
    frequency_penalty?: number;
    presence_penalty?: number;
    logit_bias?: Record<string, number>;
  };
}

export type ConformanceCase = SamplingCase | StopCase | BeamCase;
export type ConformanceAnswer =
  | { id: string; kept: number[]; probs: number[]; greedy: number }
  | { id: string; text: string; stopped_at: number | null }
  | { id: string; sequences: number[][]; scores: number[] };

export function answerBeamCase(c: BeamCase): Extract<ConformanceAnswer, { sequences: number[][] }> {
  const vocab = c.bigram.length;
  if (vocab === 0 || c.bigram.some((row) => row.length !== vocab)) throw new RangeError(`${c.id}: the bigram table must be V rows of V logits`);
  const table = c.bigram.map((row) => Float64Array.from(row, (z) => (z === null ? -Infinity : z)));
  const { num_beams, length_penalty, early_stopping, num_return_sequences, max_new_tokens, ...penalties } = c.params;
  const beams = num_beams ?? DEFAULT_BEAM_SETTINGS.num_beams;
  const result = beamSearch(
    {
      vocabSize: vocab,
      promptIds: c.prompt_ids,
      params: caseParams(penalties),
      settings: {
        num_beams: beams,
        length_penalty: length_penalty ?? DEFAULT_BEAM_SETTINGS.length_penalty,
        early_stopping: early_stopping ?? DEFAULT_BEAM_SETTINGS.early_stopping,
        // The answer lists every finished hypothesis unless the case asks for fewer.
        num_return_sequences: num_return_sequences ?? beams,
        max_new_tokens,
      },
      eosIds: Array.isArray(c.eos) ? c.eos : [c.eos],
    },
    (running) => {
      const rows = new Float64Array(running.length * vocab);
      running.forEach((beam, i) => {
        const last = beam.generated.length > 0 ? beam.generated[beam.generated.length - 1] : c.prompt_ids[c.prompt_ids.length - 1];
        rows.set(table[last], i * vocab);
      });
      return rows;
    },
  );
  return { id: c.id, sequences: result.hypotheses.map((h) => h.ids), scores: result.hypotheses.map((h) => h.score) };
}

/** Missing parameters mean off (the case format), not the UI defaults. */
export function caseParams(raw: SamplingCase['params']): SamplingParams {
  const { xtc_roll: _roll, mirostat_mu: _mu, ...knobs } = raw;
  return {
    ...OFF_PARAMS,
    ...knobs,
    logit_bias: Object.fromEntries(Object.entries(raw.logit_bias ?? {}).map(([k, v]) => [Number(k), v])),
    order: (raw.order as WarperName[] | undefined) ?? [...DEFAULT_PARAMS.order],
    min_tokens_to_keep: raw.min_tokens_to_keep ?? 1,
    do_sample: raw.do_sample ?? true,
  };
}

export function answerCase(c: ConformanceCase): ConformanceAnswer {
  if (c.kind === 'beam') return answerBeamCase(c);
  if (c.kind === 'stop') {
    const matcher = new StopMatcher(c.stops);
    let stoppedAt: number | null = null;
    for (let i = 0; i < c.pieces.length; i++) {
      if (matcher.push(c.pieces[i]).stopped) {
        stoppedAt = i;
        break;
      }
    }
    if (stoppedAt === null) matcher.flush();
    return { id: c.id, text: matcher.text, stopped_at: stoppedAt };
  }
  const logits = c.logits.map((z) => (z === null ? -Infinity : z));
  const result = sampleStep({
    logits,
    params: caseParams(c.params),
    promptIds: c.prompt_ids ?? [],
    generatedIds: c.generated_ids ?? [],
    xtcRoll: c.params.xtc_roll ?? 0,
    mirostatMu: c.params.mirostat_mu,
  });
  const kept = result.kept!;
  return { id: c.id, kept: kept.ids, probs: kept.probs, greedy: result.greedyId };
}

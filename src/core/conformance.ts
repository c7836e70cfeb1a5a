// Answers conformance cases (shared/conformance/README.md): sampling cases and stop cases. Never reads `expect`.
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

export type ConformanceCase = SamplingCase | StopCase;
export type ConformanceAnswer =
  | { id: string; kept: number[]; probs: number[]; greedy: number }
  | { id: string; text: string; stopped_at: number | null };

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

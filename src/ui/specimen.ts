// A made-up run drawn off-screen while the page is idle (see Warmup): every kind of token label, stage and
// chart the step panel shows, so the first real run finds fonts resolved and chart code compiled.
import { createRng, DEFAULT_PARAMS, sampleStep, type SamplingParams, type StageView } from '../core';
import type { StepEvent } from '../engine/protocol';
import type { RunView } from '../store/types';
import type { StepAnalysis } from './useStepAnalysis';

/** Latin, CJK, digits, punctuation and each whitespace / undecodable case tokenLabel draws with a symbol. */
const TEXTS = [
  ' the', ' 今天', '的', '\n', '\t', '', '\uFFFD', ',', ' "', '<|endoftext|>', ' 42', '。', ' sunny', '…', '—', ' école',
];
const PARAMS: SamplingParams = { ...DEFAULT_PARAMS, temperature: 0.9, top_k: 0, top_p: 0.9, min_p: 0.05, logit_bias: {}, order: [...DEFAULT_PARAMS.order] };
const STEPS = 12;

export interface Specimen {
  run: RunView;
  analysis: StepAnalysis;
  /** The last step's top_p stage: cumulative line and threshold. */
  stage: StageView;
  /** A made-up true distribution, so the teaching-point bars and labels are drawn too. */
  truth: Record<number, number>;
}

export function buildSpecimen(): Specimen {
  const rng = createRng(1);
  const tokenTexts = Object.fromEntries(TEXTS.map((text, id) => [id, text]));
  const steps: StepEvent[] = [];
  for (let step = 0; step < STEPS; step++) {
    const logits = TEXTS.map((_, id) => 3 - 0.4 * id + 2 * rng.next());
    const result = sampleStep({ logits, params: PARAMS, rng, topN: TEXTS.length });
    steps.push({
      runId: -1, step, tokenId: result.tokenId, tokenText: TEXTS[result.tokenId], textDelta: TEXTS[result.tokenId],
      views: result.views, fates: result.fates, entropy: result.entropy, probability: result.probability, rank: result.rank,
      greedyId: result.greedyId, tokenTexts, timings: { forwardMs: 1, pipelineMs: 0.05, observeMs: 0.05 },
    });
  }
  const last = steps[steps.length - 1];
  return {
    run: { runId: -1, prompt: TEXTS.join(''), promptIds: [], params: PARAMS, seed: 1, steps, text: steps.map((s) => s.textDelta).join(''), reason: 'max_new_tokens' },
    analysis: { stepIndex: last.step, views: last.views, fates: last.fates, drawnId: last.tokenId, tokenTexts, whatIf: false, whatIfUnavailable: false, event: last },
    stage: last.views.find((v) => v.stage === 'top_p') ?? last.views[0],
    truth: Object.fromEntries(last.fates.slice(0, 3).map((f, i) => [f.id, 0.5 / (i + 1)])),
  };
}

// One step without keeping state: history passed in, one pipeline reused per vocabulary size. For what-if,
// the toy distribution and conformance answers; the engine keeps a SamplingPipeline of its own instead.
import { SamplingPipeline, type StepResult } from './pipeline';
import type { Rng } from './rng';
import type { SamplingParams } from './types';

export interface StepInput {
  logits: ArrayLike<number>;
  params: SamplingParams;
  promptIds?: ArrayLike<number>;
  generatedIds?: ArrayLike<number>;
  rng?: Rng | null;
  topN?: number;
  /** XTC's coin at this step (missing: 0) and mirostat's μ (missing: 2τ, a run's first step). */
  xtcRoll?: number;
  mirostatMu?: number;
}

/** The last pipeline built, reused while the vocabulary size stays the same (its buffers are vocabulary-sized). */
let cached: SamplingPipeline | null = null;

export function sampleStep(input: StepInput): StepResult {
  const vocab = input.logits.length;
  if (cached === null || cached.vocabSize !== vocab) cached = new SamplingPipeline(vocab);
  const pipeline = cached;
  pipeline.setParams(input.params);
  pipeline.reset(input.promptIds ?? []);
  const generated = input.generatedIds ?? [];
  for (let i = 0; i < generated.length; i++) pipeline.accept(generated[i]);
  if (input.mirostatMu !== undefined) pipeline.setMirostatMu(input.mirostatMu);
  const given = input.xtcRoll === undefined ? undefined : { xtcRoll: input.xtcRoll };
  const result = pipeline.step(input.logits, input.rng ?? null, input.topN ? { topN: input.topN } : undefined, given);
  result.kept = pipeline.keptDistribution(result.greedy, result.greedyId);
  return result;
}

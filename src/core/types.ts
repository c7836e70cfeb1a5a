// The shared vocabulary of the sampling core: parameters, stage names and the compact per-stage views.

/** The warpers whose sequence `order` decides (SAMPLING.md §5). */
export type WarperName = 'temperature' | 'top_k' | 'top_p' | 'min_p' | 'typical_p';

/** Every stage a step can pass through, in the names SAMPLING.md uses. */
export type StageName =
  | 'raw'
  | 'repetition_penalty'
  | 'frequency_presence_penalty'
  | 'logit_bias'
  | WarperName
  | 'draw';

export const HF_ORDER: readonly WarperName[] = ['temperature', 'top_k', 'top_p', 'min_p', 'typical_p'];
export const LLAMA_CPP_ORDER: readonly WarperName[] = ['top_k', 'typical_p', 'top_p', 'min_p', 'temperature'];

/** Knobs of one step, named exactly as in SAMPLING.md so settings carry over to HF and the OpenAI API. */
export interface SamplingParams {
  temperature: number;
  top_k: number;
  top_p: number;
  min_p: number;
  typical_p: number;
  repetition_penalty: number;
  frequency_penalty: number;
  presence_penalty: number;
  /** token id → bias in −100 … 100. */
  logit_bias: Record<number, number>;
  min_tokens_to_keep: number;
  do_sample: boolean;
  order: WarperName[];
}

/**
 * What one stage did to the distribution at one step, small enough to post every step.
 * `ids` are the top-N of the distribution the stage *received* (probability descending, ties lower id first);
 * `before[i]` / `after[i]` are those tokens' probabilities entering and leaving the stage (0 after = removed).
 */
export interface StageView {
  stage: StageName;
  ids: number[];
  before: number[];
  after: number[];
  /** Tokens still allowed entering / leaving the stage. */
  keptBefore: number;
  keptAfter: number;
  /** keptBefore − keptAfter. */
  removedCount: number;
  /** Probability mass (under the distribution entering the stage) of the removed tokens. */
  removedMass: number;
  /** Entropy in nats of the distribution leaving the stage. */
  entropy: number;
  /** top_p / typical_p: the mass threshold; min_p: the probability threshold m × p_max; else undefined. */
  threshold?: number;
}

/** Receives a view after each stage; the core never knows who draws it. */
export type StageObserver = (view: StageView) => void;

// The shared vocabulary of the sampling core: parameters, stage names and the compact per-stage views.

/** The warpers whose sequence `order` decides (SAMPLING.md §5 and "More samplers"). */
export const WARPER_NAMES = [
  'temperature', 'top_k', 'top_p', 'min_p', 'typical_p', 'epsilon_cutoff', 'eta_cutoff', 'top_n_sigma', 'xtc',
] as const;
export type WarperName = (typeof WARPER_NAMES)[number];

/** Every stage a step can pass through, in the names SAMPLING.md uses: the one list types, the wire and tests read. */
export const STAGE_NAMES = [
  'raw', 'repetition_penalty', 'frequency_presence_penalty', 'dry', 'logit_bias', ...WARPER_NAMES, 'dynatemp', 'mirostat', 'draw',
] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export const HF_ORDER: readonly WarperName[] = ['temperature', 'top_k', 'top_p', 'min_p', 'typical_p'];
/** Every warper in the order they run when `order` leaves them out (SAMPLING.md "More samplers"). */
export const DEFAULT_ORDER: readonly WarperName[] = [...HF_ORDER, 'epsilon_cutoff', 'eta_cutoff', 'top_n_sigma', 'xtc'];
/**
 * llama.cpp's default chain (common/common.h `common_params_sampling::samplers`: penalties, dry, top_n_sigma,
 * top_k, typ_p, top_p, min_p, xtc, temperature), with epsilon and eta, which it does not have, after it.
 */
export const LLAMA_CPP_ORDER: readonly WarperName[] = [
  'top_n_sigma', 'top_k', 'typical_p', 'top_p', 'min_p', 'xtc', 'temperature', 'epsilon_cutoff', 'eta_cutoff',
];

/** `order` as the chain runs it: the listed warpers, then the ones it leaves out in DEFAULT_ORDER. */
export function completeOrder(order: readonly WarperName[]): WarperName[] {
  return [...order, ...DEFAULT_ORDER.filter((name) => !order.includes(name))];
}

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
  /** Any warpers, each at most once; those left out run after them in DEFAULT_ORDER. */
  order: WarperName[];
  /** DRY (a penalty after frequency/presence): multiplier 0 = off. */
  dry_multiplier: number;
  dry_base: number;
  dry_allowed_length: number;
  /** −1: the whole context; 0 would see nothing (off). */
  dry_penalty_last_n: number;
  /** Strings; a token whose decoded text contains one breaks a match. */
  dry_sequence_breakers: string[];
  /**
   * The breaker strings resolved to token ids by whoever knows the vocabulary (the engine; conformance cases give
   * them directly). Without it no token breaks a match.
   */
  dry_breaker_ids?: number[];
  /** ≤ 0 off. */
  top_n_sigma: number;
  /** 0 off. */
  xtc_probability: number;
  /** > 0.5 off. */
  xtc_threshold: number;
  epsilon_cutoff: number;
  eta_cutoff: number;
  /** 0 off; changes the temperature stage. */
  dynatemp_range: number;
  dynatemp_exponent: number;
  /** 0 off, 2 = mirostat version 2 (replaces the warpers). */
  mirostat: number;
  mirostat_tau: number;
  mirostat_eta: number;
}

/** The default breakers of DRY (llama.cpp's and SillyTavern's). */
export const DEFAULT_DRY_BREAKERS: readonly string[] = ['\n', ':', '"', '*'];


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
  /** What a sampler of "More samplers" decided, for its view and the run charts. */
  note?: SamplerNote;
}

/**
 * The decision of one of the newer samplers at a step, in numbers (so it travels in the packed step format).
 * Each sampler fills its own fields.
 */
export interface SamplerNote {
  /** top_n_sigma: the logit line M − nσ (on the logits entering the stage), with M and σ. */
  line?: number;
  max?: number;
  sigma?: number;
  /** epsilon_cutoff, eta_cutoff, mirostat: the probability below which tokens were cut. */
  cut?: number;
  /** dynatemp: the temperature it chose, from entropy (nats) over ln N. */
  temperature?: number;
  entropyRatio?: number;
  /** xtc: the coin u, whether it fired (u < P), and how many tokens reached the threshold. */
  coin?: number;
  fired?: boolean;
  above?: number;
  /** dry: the longest repeated sequence a token would extend, its tokens, and how many tokens were penalised. */
  matchLength?: number;
  match?: number[];
  /** dry: the token that would extend the longest match; its penalty. */
  extendedBy?: number;
  penalty?: number;
  penalised?: number;
  /** mirostat: μ at this step (before its update). */
  mu?: number;
}

/** Receives a view after each stage; the core never knows who draws it. */
export type StageObserver = (view: StageView) => void;

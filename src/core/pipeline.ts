// The sampling chain of one step: penalties, bias, greedy, warpers in `order`, the seeded draw; with an
// optional observer that gets a compact top-N view after every stage. Buffers are allocated once per vocabulary.
import { Candidates } from './candidates';
import { fastExp } from './fastExp';
import { TokenHistory } from './history';
import { NoAllowedTokenError, validateParams } from './params';
import type { Rng } from './rng';
import {
  createFrequencyPresencePenalty,
  createLogitBias,
  createMinP,
  createRepetitionPenalty,
  createTemperature,
  createTopK,
  createTopP,
  createTypical,
  type Sampler,
} from './samplers';
import { createDry, createDynatemp, createEpsilonCutoff, createEtaCutoff, createMirostat, createTopNSigma, createXtc, type MirostatState } from './moreSamplers';
import { completeOrder, type SamplingParams, type StageName, type StageObserver, type StageView } from './types';

export interface TokenFate {
  id: number;
  rawProb: number;
  finalProb: number;
  removedBy: StageName | null;
}

export interface StepResult {
  tokenId: number;
  greedyId: number;
  greedy: boolean;
  probability: number;
  rank: number;
  entropy: number;
  keptCount: number;
  views: StageView[];
  fates: TokenFate[];
  kept?: { ids: number[]; probs: number[] };
  /** XTC's coin at this step, when XTC is in the chain (an observer elsewhere replays the step with it). */
  xtcRoll?: number;
}

/** What the chain needs besides params: the vocabulary size, this step's XTC coin, and mirostat's state. */
export interface ChainContext {
  vocabSize: number;
  coin: () => number;
  mirostat: MirostatState;
}

/** True when XTC takes part in the chain (and so takes a coin from the run's generator each sampled step). */
export function usesXtc(params: SamplingParams): boolean {
  return params.mirostat === 0 && params.xtc_probability > 0 && params.xtc_threshold <= 0.5;
}

/** True when the step picks the argmax instead of drawing. */
export function isGreedy(params: SamplingParams): boolean {
  return !params.do_sample || params.temperature === 0;
}

/**
 * The chain built from params in one place: pre-stages first (DRY after frequency/presence, before bias), then the
 * active warpers in `order` (the ones it leaves out after them), or temperature and mirostat when mirostat is on.
 */
export function buildChain(
  params: SamplingParams, history: TokenHistory,
  context: ChainContext = { vocabSize: history.vocabSize, coin: () => 0, mirostat: { mu: 2 * params.mirostat_tau } },
): { pre: Sampler[]; warpers: Sampler[] } {
  const pre: Sampler[] = [];
  if (params.repetition_penalty !== 1) pre.push(createRepetitionPenalty(history, params.repetition_penalty));
  if (params.frequency_penalty !== 0 || params.presence_penalty !== 0) {
    pre.push(createFrequencyPresencePenalty(history, params.frequency_penalty, params.presence_penalty));
  }
  if (params.dry_multiplier > 0) {
    pre.push(createDry(history, context.vocabSize, {
      multiplier: params.dry_multiplier, base: params.dry_base, allowedLength: params.dry_allowed_length,
      lastN: params.dry_penalty_last_n, breakerIds: params.dry_breaker_ids ?? [],
    }));
  }
  if (Object.keys(params.logit_bias).length > 0) pre.push(createLogitBias(params.logit_bias));
  const minKeep = params.min_tokens_to_keep;
  const warpers: Sampler[] = [];
  const usesTemperature = params.temperature !== 1 && params.temperature !== 0;
  if (params.mirostat === 2) {
    if (usesTemperature) warpers.push(createTemperature(params.temperature));
    warpers.push(createMirostat(params.mirostat_tau, params.mirostat_eta, context.mirostat));
    return { pre, warpers };
  }
  for (const name of completeOrder(params.order)) {
    switch (name) {
      case 'temperature':
        if (params.dynatemp_range > 0 && params.temperature !== 0) {
          warpers.push(createDynatemp(params.temperature, params.dynatemp_range, params.dynatemp_exponent));
        } else if (usesTemperature) warpers.push(createTemperature(params.temperature));
        break;
      case 'top_k':
        if (params.top_k > 0) warpers.push(createTopK(params.top_k, minKeep));
        break;
      case 'top_p':
        if (params.top_p < 1) warpers.push(createTopP(params.top_p, minKeep));
        break;
      case 'min_p':
        if (params.min_p > 0) warpers.push(createMinP(params.min_p, minKeep));
        break;
      case 'typical_p':
        if (params.typical_p < 1) warpers.push(createTypical(params.typical_p, minKeep));
        break;
      case 'epsilon_cutoff':
        if (params.epsilon_cutoff > 0) warpers.push(createEpsilonCutoff(params.epsilon_cutoff, minKeep));
        break;
      case 'eta_cutoff':
        if (params.eta_cutoff > 0) warpers.push(createEtaCutoff(params.eta_cutoff, minKeep));
        break;
      case 'top_n_sigma':
        if (params.top_n_sigma > 0) warpers.push(createTopNSigma(params.top_n_sigma, minKeep));
        break;
      case 'xtc':
        if (usesXtc(params)) warpers.push(createXtc(params.xtc_probability, params.xtc_threshold, minKeep, context.coin));
        break;
    }
  }
  return { pre, warpers };
}

/**
 * One sequence's own sampling state when several sequences share one pipeline's vocabulary-sized buffers
 * (the rows of a batch): its params, its token history and the chain built on them.
 */
export interface PipelineRow {
  readonly params: SamplingParams;
  readonly history: TokenHistory;
  readonly chain: { pre: Sampler[]; warpers: Sampler[] };
}

/** Reusable per-vocabulary sampler chain; stateful through its token history (accept / reset). */
export class SamplingPipeline {
  readonly vocabSize: number;
  private readonly candidates: Candidates;
  private readonly history: TokenHistory;
  /** The kept ids in order for a draw (see drawIndex). */
  private readonly idOrder: Int32Array;
  private params: SamplingParams | null = null;
  private chain: { pre: Sampler[]; warpers: Sampler[] } = { pre: [], warpers: [] };
  /** This step's XTC coin (NaN when none was taken). */
  private coin = Number.NaN;
  private mirostat: MirostatState = { mu: 0 };
  /** A step ran since the last accept: stateful samplers may update from it. */
  private stepped = false;

  constructor(vocabSize: number) {
    this.vocabSize = vocabSize;
    this.candidates = new Candidates(vocabSize);
    this.history = new TokenHistory(vocabSize);
    this.idOrder = new Int32Array(vocabSize);
  }

  setParams(params: SamplingParams): void {
    validateParams(params, this.vocabSize);
    this.params = params;
    this.mirostat = { mu: 2 * params.mirostat_tau };
    this.chain = buildChain(params, this.history, { vocabSize: this.vocabSize, coin: () => this.coin, mirostat: this.mirostat });
    this.candidates.rankFor(params.top_k);
  }

  reset(promptIds: ArrayLike<number> = []): void {
    this.history.reset(promptIds);
    this.stepped = false;
    for (const stage of this.chain.warpers) stage.reset?.();
  }

  /**
   * A row of its own (validated params, a history that starts from the prompt, its own mirostat μ) for `stepRow`;
   * its XTC coin is this pipeline's, taken from the row's generator at each of its steps.
   */
  createRow(params: SamplingParams, promptIds: ArrayLike<number>): PipelineRow {
    validateParams(params, this.vocabSize);
    const history = new TokenHistory(this.vocabSize);
    history.reset(promptIds);
    const context = { vocabSize: this.vocabSize, coin: () => this.coin, mirostat: { mu: 2 * params.mirostat_tau } };
    return { params, history, chain: buildChain(params, history, context) };
  }

  /** The row's token, right after its `stepRow`: its history and its stateful samplers (mirostat) take it. */
  acceptRow(row: PipelineRow, tokenId: number): void {
    row.history.accept(tokenId);
    if (!this.stepped) return;
    this.stepped = false;
    for (const stage of row.chain.warpers) stage.accept?.(tokenId);
  }

  /** One step of `row` through this pipeline's buffers; the row's own history is what its penalties read. */
  stepRow(row: PipelineRow, logits: ArrayLike<number>, rng: Rng | null, observe?: { topN: number; observer?: StageObserver }): StepResult {
    this.params = row.params;
    this.chain = row.chain;
    this.candidates.rankFor(row.params.top_k);
    return this.step(logits, rng, observe);
  }

  accept(tokenId: number): void {
    this.history.accept(tokenId);
    if (!this.stepped) return;
    this.stepped = false;
    for (const stage of this.chain.warpers) stage.accept?.(tokenId);
  }

  /** Mirostat's μ for the next step (conformance cases and what-if give it; a run starts at 2τ). */
  setMirostatMu(mu: number): void {
    this.mirostat.mu = mu;
  }

  get mirostatMu(): number {
    return this.mirostat.mu;
  }

  /**
   * One step. With `rng`, XTC's coin (when XTC is in the chain) is its next number, taken before the token's;
   * without (observing a step drawn elsewhere, what-if, conformance) it is `given.xtcRoll`, 0 when missing.
   */
  step(
    logits: ArrayLike<number>, rng: Rng | null, observe?: { topN: number; observer?: StageObserver }, given?: { xtcRoll?: number },
  ): StepResult {
    const params = this.params;
    if (!params) throw new Error('SamplingPipeline.step called before setParams');
    const c = this.candidates;
    if (c.load(logits) === 0) throw new NoAllowedTokenError();
    const watch = observe ? new StageWatcher(c, observe.topN, logits, observe.observer) : null;
    watch?.start();

    for (const stage of this.chain.pre) {
      watch?.before();
      const outcome = stage.apply(c);
      watch?.after(stage, outcome);
    }
    const greedyId = argmax(c);
    const greedy = isGreedy(params);
    this.stepped = true;
    // Unobserved, a greedy step is decided here: the warpers cannot change the argmax it already took.
    if (greedy && !watch) return { tokenId: greedyId, greedyId, greedy, probability: 1, rank: 0, entropy: 0, keptCount: 1, views: [], fates: [] };
    const xtc = usesXtc(params);
    this.coin = !xtc ? Number.NaN : rng && !greedy ? rng.next() : given?.xtcRoll ?? 0;
    for (const stage of this.chain.warpers) {
      watch?.before();
      const outcome = stage.apply(c);
      watch?.after(stage, outcome);
    }

    // A draw walks every token's weight: nothing may stay summarised.
    if (!greedy && c.tail.active) c.listAll();
    c.ensureStats();
    let tokenId: number;
    let probability: number;
    let rank: number;
    let entropy: number;
    let keptCount: number;
    if (greedy) {
      tokenId = greedyId;
      probability = 1;
      rank = 0;
      entropy = 0;
      keptCount = 1;
    } else {
      const index = rng ? drawIndex(c, rng.next(), this.idOrder) : c.strongest();
      tokenId = c.ids[index];
      probability = c.weights[index] / c.sum;
      rank = rankOf(c, index);
      entropy = c.entropy();
      keptCount = c.allowedCount();
    }
    const views = watch ? watch.finish(tokenId, greedy) : [];
    const fates = watch ? watch.fates(greedy ? greedyId : -1) : [];
    const result: StepResult = { tokenId, greedyId, greedy, probability, rank, entropy, keptCount, views, fates };
    if (xtc) result.xtcRoll = this.coin;
    return result;
  }

  /** Kept ids ascending with their final probabilities, in exact float64 (for conformance answers). */
  keptDistribution(greedy: boolean, greedyId: number): { ids: number[]; probs: number[] } {
    if (greedy) return { ids: [greedyId], probs: [1] };
    const c = this.candidates;
    c.listAll();
    const order = Array.from(c.ids.subarray(0, c.size)).map((id, i) => [id, c.logits[i]] as const);
    order.sort((a, b) => a[0] - b[0]);
    let max = -Infinity;
    for (const [, z] of order) if (z > max) max = z;
    const exps = order.map(([, z]) => Math.exp(z - max));
    const total = exps.reduce((s, e) => s + e, 0);
    return { ids: order.map(([id]) => id), probs: exps.map((e) => e / total) };
  }
}

/** Argmax of the logits after penalties and bias; ties go to the lowest id. */
function argmax(c: Candidates): number {
  return c.ids[c.strongest()];
}

/**
 * Inverse-CDF draw over the kept tokens in id order: the first whose cumulative weight passes u·sum (the last
 * weighted one at worst). The stages leave the set in whatever order their selections did, and observing a step
 * ranks it further; walking ids makes the drawn token depend on the seed and the distribution alone, so a step
 * drawn unobserved (the decode loop) and observed (inline, or a replay) draws the same token.
 */
function drawIndex(c: Candidates, u: number, idOrder: Int32Array): number {
  const { ids, weights, size } = c;
  const target = u * c.sum;
  // A small set sorts its ids; a large one walks the vocabulary, which costs no more.
  const sorted = size * 16 < c.vocabSize;
  if (sorted) {
    idOrder.set(ids.subarray(0, size));
    idOrder.subarray(0, size).sort();
  }
  const count = sorted ? size : c.vocabSize;
  let cumulative = 0;
  let last = -1;
  for (let k = 0; k < count; k++) {
    const i = c.indexOf(sorted ? idOrder[k] : k);
    if (i < 0) continue;
    const w = weights[i];
    if (w <= 0) continue;
    cumulative += w;
    last = i;
    if (target < cumulative) return i;
  }
  return last < 0 ? 0 : last;
}


/** How many candidates come before the one at `index` (higher logit, or the same and a lower id). */
function rankOf(c: Candidates, index: number): number {
  const { logits, ids, size } = c;
  const z = logits[index];
  const id = ids[index];
  let rank = 0;
  for (let i = 0; i < size; i++) if (logits[i] > z || (logits[i] === z && ids[i] < id)) rank++;
  return rank;
}

/** Builds the per-stage views and token fates; only exists when someone observes. */
class StageWatcher {
  private readonly views: StageView[] = [];
  private top: number[] = [];
  private topProbs: number[] = [];
  private keptBefore = 0;
  private rawTop: number[] = [];
  private readonly removedBy = new Map<number, StageName>();
  private rawRef = 0;
  private rawSum = 1;
  private sumBefore = 1;

  constructor(
    private readonly c: Candidates,
    private readonly topN: number,
    private readonly rawLogits: ArrayLike<number>,
    private readonly observer?: StageObserver,
  ) {}

  start(): void {
    const c = this.c;
    c.ensureStats();
    this.rawRef = c.ref;
    this.rawSum = c.sum;
    this.top = c.strongestIds(this.topN);
    this.rawTop = this.top;
    this.topProbs = this.probsOf(this.top);
    this.keptBefore = c.allowedCount();
    this.emit({
      stage: 'raw', ids: this.top, before: this.topProbs, after: this.topProbs,
      keptBefore: this.keptBefore, keptAfter: this.keptBefore, removedCount: 0, removedMass: 0, entropy: c.entropy(),
    });
  }

  before(): void {
    this.c.ensureStats();
    this.sumBefore = this.c.sum;
  }

  after(stage: Sampler, outcome: { threshold?: number; note?: StageView['note'] }): void {
    const c = this.c;
    const after = this.probsOf(this.top);
    const keptAfter = c.allowedCount();
    const removedCount = this.keptBefore - keptAfter;
    // Filters leave the surviving weights untouched, so the kept share of the entering mass is sum / sumBefore.
    const removedMass = removedCount > 0 ? Math.max(0, 1 - c.sum / this.sumBefore) : 0;
    const view: StageView = {
      stage: stage.name, ids: this.top, before: this.topProbs, after, keptBefore: this.keptBefore, keptAfter,
      removedCount, removedMass, entropy: c.entropy(),
    };
    if (outcome.threshold !== undefined) view.threshold = outcome.threshold;
    if (outcome.note !== undefined) view.note = outcome.note;
    this.emit(view);
    for (const id of this.rawTop) {
      if (!this.removedBy.has(id) && c.indexOf(id) < 0) this.removedBy.set(id, stage.name);
    }
    // The next stage's input head. When the stage keeps the head's order, the survivors are it: either all N
    // survived, or the filter cut everything below the ones it cut too.
    if (stage.keepsHeadOrder) this.top = this.top.filter((id) => c.indexOf(id) >= 0);
    else this.top = c.strongestIds(this.topN);
    this.topProbs = this.probsOf(this.top);
    this.keptBefore = keptAfter;
  }

  finish(tokenId: number, greedy: boolean): StageView[] {
    const c = this.c;
    const ids = greedy ? [tokenId] : this.top;
    const probs = greedy ? [1] : this.probsOf(ids);
    this.emit({
      stage: 'draw', ids, before: probs, after: probs, keptBefore: greedy ? 1 : c.size, keptAfter: greedy ? 1 : c.size,
      removedCount: 0, removedMass: 0, entropy: greedy ? 0 : c.entropy(),
    });
    return this.views;
  }

  fates(greedyId: number): TokenFate[] {
    const c = this.c;
    const ids = new Set<number>(this.rawTop);
    for (const id of this.top) ids.add(id);
    const out: TokenFate[] = [];
    for (const id of ids) {
      const index = c.indexOf(id);
      let finalProb = index >= 0 ? c.weights[index] / c.sum : 0;
      if (greedyId >= 0) finalProb = id === greedyId ? 1 : 0;
      out.push({ id, rawProb: this.rawProb(id), finalProb, removedBy: this.removedBy.get(id) ?? null });
    }
    return out;
  }

  private rawProb(id: number): number {
    let z = this.rawLogits[id];
    if (z !== z) return 0;
    if (z === Infinity) z = Number.MAX_VALUE;
    return fastExp(z - this.rawRef) / this.rawSum;
  }

  private probsOf(ids: number[]): number[] {
    const c = this.c;
    c.ensureStats();
    return ids.map((id) => {
      const i = c.indexOf(id);
      return i < 0 ? 0 : c.weights[i] / c.sum;
    });
  }

  private emit(view: StageView): void {
    this.views.push(view);
    this.observer?.(view);
  }
}

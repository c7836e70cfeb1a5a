// Beam search as SAMPLING.md ("Beam search") defines it, over a "next logits" function: given the running beams,
// it returns one row of logits per beam. The same search runs on a bigram table (conformance) and on the model
// (the engine's batched runner), step by step, and records every step for the beam tree.
import { Candidates } from './candidates';
import { TokenHistory } from './history';
import { PARAM_SPECS, SamplingParamError, checkParam, validateParams } from './params';
import { buildChain } from './pipeline';
import type { Sampler } from './samplers';
import type { SamplingParams } from './types';

/** The knobs of the search itself (the penalties and the bias come from SamplingParams). */
export interface BeamSettings {
  /** B, 1 … 8 (1 = greedy decoding when early_stopping is true). */
  num_beams: number;
  /** A finished hypothesis scores sum / len^length_penalty; > 0 favours longer ones. */
  length_penalty: number;
  /** Stop as soon as B hypotheses are finished (true), or go on to max_new_tokens (false). */
  early_stopping: boolean;
  /** How many of the best hypotheses to show (≤ B). */
  num_return_sequences: number;
  max_new_tokens: number;
}

/** The beam knobs of a run's settings (max_new_tokens is the run's own). */
export type BeamOptions = Omit<BeamSettings, 'max_new_tokens'>;

export const MAX_BEAMS = PARAM_SPECS.num_beams.max;

/** SAMPLING.md's defaults: one beam (off), length_penalty 1, early_stopping true, one sequence shown. */
export const DEFAULT_BEAM_SETTINGS: Readonly<BeamOptions> = Object.freeze({
  num_beams: PARAM_SPECS.num_beams.default,
  length_penalty: PARAM_SPECS.length_penalty.default,
  early_stopping: true,
  num_return_sequences: PARAM_SPECS.num_return_sequences.default,
});

/** A running beam: the tokens it generated and their summed log-probabilities. `source` is its parent's index among the previous step's beams (-1: the prompt). */
export interface Beam {
  generated: readonly number[];
  sum: number;
  source: number;
}

/** One ranked (beam, token) candidate of a step. */
export interface BeamCandidate {
  /** Index of the beam it extends, among the beams that entered the step (best first). */
  source: number;
  tokenId: number;
  /** log_softmax of the beam's adjusted logits at this token. */
  logp: number;
  /** sum(beam) + logp. */
  sum: number;
  /** 0-based rank among all candidates of the step. */
  rank: number;
}

export type HypothesisEnd = 'eos' | 'stop' | 'max_new_tokens';

export interface BeamHypothesis {
  /** Generated ids, the ending EOS or stop token included. */
  ids: number[];
  sum: number;
  /** sum / len^length_penalty. */
  score: number;
  /** The step at which it finished. */
  step: number;
  /** Its last running beam: index among the beams that entered `step` (eos, stop), or among the beams kept at `step` (max_new_tokens). */
  beam: number;
  end: HypothesisEnd;
}

/** What one step did: the beams kept (in their new order), the hypotheses finished and the candidates ranked but dropped. */
export interface BeamStepRecord {
  step: number;
  kept: BeamCandidate[];
  finished: (BeamCandidate & { score: number; end: Exclude<HypothesisEnd, 'max_new_tokens'>; /** among the best B so far when it finished */ accepted: boolean })[];
  /** Walked among the first 2B but neither kept nor finished: an EOS ranked below B, or a beam past the B-th. */
  dropped: (BeamCandidate & { why: 'eos_rank' | 'beams_full' })[];
}

/** Why the search ended: the last two when the caller cut it short (finishEarly). */
export type BeamStopReason = 'early_stopping' | 'max_new_tokens' | 'no_candidates' | 'cancelled' | 'context_full';

export interface BeamResult {
  /** The finished hypotheses, best first (ties: the one finished first), at most num_return_sequences of them. */
  hypotheses: BeamHypothesis[];
  /** All kept hypotheses (at most B), best first. */
  all: BeamHypothesis[];
  steps: BeamStepRecord[];
  reason: BeamStopReason;
}

export interface BeamSearchOptions {
  vocabSize: number;
  promptIds: readonly number[];
  /** Repetition, frequency and presence penalties and logit bias apply per beam; every other knob is ignored. */
  params: SamplingParams;
  settings: BeamSettings;
  /** Token ids that end a hypothesis (empty when EOS is ignored). */
  eosIds: readonly number[];
  /** True when appending `tokenId` to `generated` completes a stop string: it then ends the hypothesis like EOS. */
  completesStop?(generated: readonly number[], tokenId: number): boolean;
}

/** Rows × vocabulary logits, row-major, one row per running beam in order. */
export type NextLogits = (beams: readonly Beam[]) => ArrayLike<number>;
export type NextLogitsAsync = (beams: readonly Beam[]) => ArrayLike<number> | Promise<ArrayLike<number>>;

/** Throws SamplingParamError naming the first beam knob out of range (SAMPLING.md's table). */
export function validateBeamSettings(s: BeamSettings): void {
  checkParam('num_beams', s.num_beams);
  checkParam('length_penalty', s.length_penalty);
  if (typeof s.early_stopping !== 'boolean') throw new SamplingParamError('early_stopping', s.early_stopping, { kind: 'boolean' });
  checkParam('num_return_sequences', s.num_return_sequences);
  if (s.num_return_sequences > s.num_beams) {
    throw new SamplingParamError('num_return_sequences', s.num_return_sequences, { kind: 'range', integer: true, min: 1, minExclusive: false, max: s.num_beams });
  }
  checkParam('max_new_tokens', s.max_new_tokens);
}

/** A candidate before ranking; `order` is its place in its beam's own ranking by adjusted logit (ties: lower id). */
type Unranked = Omit<BeamCandidate, 'rank'> & { order: number };

/**
 * Highest score first; ties: lower beam index, then lower token id. Within one beam the adjusted logits decide:
 * two logits a hair apart can give the same sum once the normaliser is subtracted, and greedy would still tell them apart.
 */
function byRank(a: Unranked, b: Unranked): number {
  return b.sum - a.sum || a.source - b.source || a.order - b.order;
}

/** The search, one step at a time: `beams` are what the next call to `advance` needs logits for. */
export class BeamSearch {
  readonly settings: BeamSettings;
  beams: Beam[];
  done = false;
  reason: BeamStopReason | null = null;
  readonly steps: BeamStepRecord[] = [];
  private readonly finished: BeamHypothesis[] = [];
  private finishedCount = 0;
  private readonly candidates: Candidates;
  private readonly history: TokenHistory;
  private readonly pre: Sampler[];
  private readonly eos: Set<number>;

  constructor(private readonly options: BeamSearchOptions) {
    validateParams(options.params, options.vocabSize);
    validateBeamSettings(options.settings);
    this.settings = options.settings;
    this.candidates = new Candidates(options.vocabSize);
    this.history = new TokenHistory(options.vocabSize);
    // Only the penalties and the bias: beam search is deterministic, every warper is ignored.
    this.pre = buildChain(options.params, this.history).pre;
    this.eos = new Set(options.eosIds);
    this.beams = [{ generated: [], sum: 0, source: -1 }];
  }

  /** The B·2 best (token, log-probability) pairs of one beam's row, after its own penalties and bias. */
  private scoreBeam(row: ArrayLike<number>, beam: Beam, out: Unranked[], source: number, limit: number): void {
    const c = this.candidates;
    if (c.load(row) === 0) return;
    if (this.pre.length > 0) {
      this.history.reset(this.options.promptIds);
      for (const id of beam.generated) this.history.accept(id);
      for (const stage of this.pre) stage.apply(c);
    }
    // log_softmax needs the exact normaliser: nothing may stay summarised.
    c.listAll();
    c.ensureStats();
    const logZ = c.ref + Math.log(c.sum);
    const strongest = c.strongestIds(limit);
    for (let order = 0; order < strongest.length; order++) {
      const id = strongest[order];
      const logp = c.logits[c.indexOf(id)] - logZ;
      out.push({ source, tokenId: id, logp, sum: beam.sum + logp, order });
    }
  }

  /** Adds a finished hypothesis, keeping the best B (a later one must score strictly higher to pass an earlier). */
  private finish(h: BeamHypothesis): boolean {
    this.finishedCount++;
    const list = this.finished;
    let at = list.length;
    while (at > 0 && list[at - 1].score < h.score) at--;
    if (at >= this.settings.num_beams) return false;
    list.splice(at, 0, h);
    if (list.length > this.settings.num_beams) list.pop();
    return true;
  }

  private scoreOf(sum: number, length: number): number {
    return sum / Math.pow(length, this.settings.length_penalty);
  }

  /** One step: `logits` holds one row per beam of `this.beams`. Returns what the step did. */
  advance(logits: ArrayLike<number>): BeamStepRecord {
    if (this.done) throw new Error('the beam search is already finished');
    const vocab = this.options.vocabSize;
    const beams = this.beams;
    if (logits.length !== beams.length * vocab) {
      throw new RangeError(`expected ${beams.length} rows of ${vocab} logits, got ${logits.length} numbers`);
    }
    const B = this.settings.num_beams;
    const step = this.steps.length;
    const pool: Unranked[] = [];
    const rowOf = (i: number) => (ArrayBuffer.isView(logits) ? (logits as unknown as Float32Array).subarray(i * vocab, (i + 1) * vocab) : Array.prototype.slice.call(logits, i * vocab, (i + 1) * vocab) as number[]);
    for (let i = 0; i < beams.length; i++) this.scoreBeam(rowOf(i), beams[i], pool, i, 2 * B);
    pool.sort(byRank);
    const record: BeamStepRecord = { step, kept: [], finished: [], dropped: [] };
    const next: Beam[] = [];
    const walked = Math.min(2 * B, pool.length);
    for (let rank = 0; rank < walked; rank++) {
      const { order: _order, ...scored } = pool[rank];
      const cand: BeamCandidate = { ...scored, rank };
      const parent = beams[cand.source];
      const end = this.eos.has(cand.tokenId) ? 'eos' : this.options.completesStop?.(parent.generated, cand.tokenId) ? 'stop' : null;
      if (end) {
        if (rank < B) {
          const ids = [...parent.generated, cand.tokenId];
          const score = this.scoreOf(cand.sum, ids.length);
          const accepted = this.finish({ ids, sum: cand.sum, score, step, beam: cand.source, end });
          record.finished.push({ ...cand, score, end, accepted });
        } else {
          record.dropped.push({ ...cand, why: 'eos_rank' });
        }
      } else if (next.length < B) {
        next.push({ generated: [...parent.generated, cand.tokenId], sum: cand.sum, source: cand.source });
        record.kept.push(cand);
      } else {
        record.dropped.push({ ...cand, why: 'beams_full' });
      }
    }
    this.steps.push(record);
    this.beams = next;
    if (this.settings.early_stopping && this.finishedCount >= B) return this.stop('early_stopping');
    if (next.length === 0) return this.stop('no_candidates', record);
    if (step + 1 >= this.settings.max_new_tokens) {
      // No early stop: the beams still running become finished hypotheses too (best first, so ties keep that order).
      next.forEach((b, k) => this.finish({ ids: [...b.generated], sum: b.sum, score: this.scoreOf(b.sum, b.generated.length), step, beam: k, end: 'max_new_tokens' }));
      return this.stop('max_new_tokens');
    }
    return record;
  }

  private stop(reason: BeamStopReason, record = this.steps[this.steps.length - 1]): BeamStepRecord {
    this.done = true;
    this.reason = reason;
    return record;
  }

  /** Ends a search that was cut short (cancelled, context full): its running beams finish as they are. */
  finishEarly(reason: BeamStopReason): void {
    if (this.done) return;
    const step = this.steps.length - 1;
    if (step >= 0) this.beams.forEach((b, k) => this.finish({ ids: [...b.generated], sum: b.sum, score: this.scoreOf(b.sum, b.generated.length), step, beam: k, end: 'max_new_tokens' }));
    this.stop(reason);
  }

  result(): BeamResult {
    const all = this.finished.map((h) => ({ ...h, ids: [...h.ids] }));
    return { hypotheses: all.slice(0, this.settings.num_return_sequences), all, steps: this.steps, reason: this.reason ?? 'max_new_tokens' };
  }
}

/** Runs a whole search over a synchronous next-logits function (a table, a test double). */
export function beamSearch(options: BeamSearchOptions, nextLogits: NextLogits): BeamResult {
  const search = new BeamSearch(options);
  while (!search.done) search.advance(nextLogits(search.beams));
  return search.result();
}

/** The same over an asynchronous one (the model). */
export async function beamSearchAsync(options: BeamSearchOptions, nextLogits: NextLogitsAsync): Promise<BeamResult> {
  const search = new BeamSearch(options);
  while (!search.done) search.advance(await nextLogits(search.beams));
  return search.result();
}

/**
 * The node a kept beam came from, step by step back to the prompt: path[s] is the index of the hypothesis's
 * beam among the beams kept at step s (what the tree highlights for the winner).
 */
export function hypothesisPath(steps: readonly BeamStepRecord[], h: BeamHypothesis): number[] {
  // A hypothesis ended by EOS or a stop string extends beam `h.beam` of the step before the one it ended at.
  let s = h.end === 'max_new_tokens' ? h.step : h.step - 1;
  const path = new Array<number>(Math.max(0, s + 1));
  let k = h.beam;
  for (; s >= 0; s--) {
    path[s] = k;
    k = steps[s].kept[k].source;
  }
  return path;
}

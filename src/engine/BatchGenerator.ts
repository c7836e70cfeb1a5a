// The one batched decode loop: several rows that share a prompt advance through the model together (one
// prefill, its cache copied to every row, one forward pass a step for all rows still running; finished rows are
// dropped from the batch). Each row keeps its own params, seeded generator, history, stop matcher, text decoder
// and max_new_tokens, so a row's tokens are those of a single run (Generator.ts) with the same settings and seed.
// Free of browser APIs, like Generator.ts. Compare lanes, their samples and sweeps all run on it.
import { SamplingPipeline, StopMatcher, createRng, isGreedy, rawTokenStats, type MetricStep, type PipelineRow, type Rng, type SamplingParams } from '../core';
import type { BatchRunner } from './batchRunner';
import type { TextCodec } from './textDecoder';
import type { FinishReason } from './protocol';
import { IncrementalTextDecoder } from './textDecoder';
import { BreakerResolver } from './breakers';

/** What decides one row besides the shared prompt. */
export interface BatchRowSettings {
  params: SamplingParams;
  seed: number;
  max_new_tokens: number;
  stop: string[];
  ignore_eos: boolean;
}

/** One row's token at one step, with what the run metrics need. */
export interface BatchStep extends MetricStep {
  /** Index of the row in the settings passed to `run`. */
  row: number;
  step: number;
  textDelta: string;
  /** p_final(token) (1 for a greedy step). */
  probability: number;
  rank: number;
  greedyId: number;
  /** The step's raw logits, when the caller asked to keep this row's (a copy; the runtime's array is reused). */
  logits?: Float32Array;
}

export interface BatchRowResult {
  row: number;
  tokens: number[];
  text: string;
  reason: FinishReason;
  steps: MetricStep[];
  /** Kept raw logits of every step (only for rows in `keepLogitsFor`). */
  logits?: Float32Array[];
}

type Resume = void | Promise<void>;

export interface BatchCallbacks {
  /** Polled before every forward pass: true ends every row with 'cancelled' within one step. */
  isCancelled(): boolean;
  /** Every running row's step of one forward pass, in row order; awaited before the next pass. */
  onSteps?(steps: BatchStep[]): Resume;
  onRowDone?(result: BatchRowResult): void;
  /** Rows whose raw logits are kept (the step panel re-examines and branches from them). */
  keepLogitsFor?: ReadonlySet<number>;
  /**
   * False when only a row's whole text is wanted (a sweep): rows without stop strings then decode once, at their
   * end, and their steps carry no text. Rows with stop strings still decode every step (the stops read the text).
   */
  textPerStep?: boolean;
}

interface RowState {
  index: number;
  settings: BatchRowSettings;
  sampling: PipelineRow;
  rng: Rng | null;
  decoder: IncrementalTextDecoder;
  /** Whether the row's text is decoded at every step (else once, at its end). */
  decodesEachStep: boolean;
  stops: StopMatcher;
  tokens: number[];
  steps: MetricStep[];
  logits?: Float32Array[];
  reason: FinishReason | null;
}

export class BatchGenerator {
  private readonly pipeline: SamplingPipeline;
  /** DRY's breaker strings as token ids, for every row. */
  private readonly breakers: BreakerResolver;

  constructor(
    private readonly runner: BatchRunner,
    private readonly codec: TextCodec,
    private readonly eosIds: readonly number[],
    private readonly contextLength: number,
  ) {
    this.pipeline = new SamplingPipeline(runner.vocabSize);
    this.breakers = new BreakerResolver(runner.vocabSize, codec.tokenText);
  }

  get vocabSize(): number {
    return this.runner.vocabSize;
  }

  /** Runs every row to its end; results in row order. Invalid settings throw before the model runs. */
  async run(promptIds: readonly number[], rows: readonly BatchRowSettings[], callbacks: BatchCallbacks): Promise<BatchRowResult[]> {
    if (rows.length === 0) throw new Error('a batch needs at least one row');
    if (promptIds.length === 0) throw new Error('the prompt is empty: type at least one character');
    if (promptIds.length >= this.contextLength) {
      throw new Error(`the prompt has ${promptIds.length} tokens; this model's context holds ${this.contextLength}`);
    }
    const vocab = this.runner.vocabSize;
    const states: RowState[] = rows.map((settings, index) => {
      const sampling = this.pipeline.createRow(this.breakers.withBreakerIds(settings.params), promptIds);
      return {
        index, settings, sampling,
        rng: isGreedy(settings.params) ? null : createRng(settings.seed),
        decoder: new IncrementalTextDecoder(this.codec.text, promptIds),
        decodesEachStep: callbacks.textPerStep !== false || settings.stop.some((s) => s !== ''),
        stops: new StopMatcher(settings.stop),
        tokens: [], steps: [], reason: null,
        ...(callbacks.keepLogitsFor?.has(index) ? { logits: [] } : {}),
      };
    });
    const results: BatchRowResult[] = new Array(rows.length);
    const finish = (state: RowState) => {
      const text = state.reason === 'cancelled' ? state.stops.text + releaseHeld(state) : state.stops.text;
      const result: BatchRowResult = { row: state.index, tokens: state.tokens, text, reason: state.reason!, steps: state.steps };
      if (state.logits) result.logits = state.logits;
      results[state.index] = result;
      callbacks.onRowDone?.(result);
    };

    let running = states;
    if (callbacks.isCancelled()) {
      for (const state of running) { state.reason = 'cancelled'; finish(state); }
      return results;
    }
    let logits = await this.runner.prefill(promptIds);
    // Every row reads the prefill's one row of logits at its first step; after that, its own row.
    let firstPass = true;
    try {
      for (let step = 0; running.length > 0; step++) {
        const events: BatchStep[] = [];
        for (let r = 0; r < running.length; r++) {
          const state = running[r];
          const offset = firstPass ? 0 : r * vocab;
          const rowLogits = logits.subarray(offset, offset + vocab);
          const result = this.pipeline.stepRow(state.sampling, rowLogits, state.rng);
          const tokenId = result.tokenId;
          this.pipeline.acceptRow(state.sampling, tokenId);
          state.tokens.push(tokenId);
          const raw = rawTokenStats(rowLogits, tokenId);
          const metric: MetricStep = {
            tokenId, logprobRaw: raw.logprob, entropyRaw: raw.entropy,
            logprobSampled: result.greedy ? 0 : Math.log(result.probability),
          };
          state.steps.push(metric);
          const kept = state.logits ? rowLogits.slice() : undefined;
          if (kept) state.logits!.push(kept);
          const isEos = !state.settings.ignore_eos && this.eosIds.includes(tokenId);
          // The end-of-text token is a signal, not text: it never reaches the stream or the stop matcher.
          let released: Released = NOTHING_RELEASED;
          if (!isEos) {
            if (state.decodesEachStep) released = state.stops.push(state.decoder.push(tokenId));
            else state.decoder.append(tokenId);
          }
          if (released.stopped) state.reason = 'stop';
          else if (isEos) state.reason = 'eos';
          else if (state.tokens.length >= state.settings.max_new_tokens) state.reason = 'max_new_tokens';
          else if (promptIds.length + state.tokens.length >= this.contextLength) state.reason = 'context_full';
          // A row's last step releases what was held back for what could still follow (never a partial character).
          const textDelta = state.reason !== null && state.reason !== 'stop' ? released.emit + releaseHeld(state) : released.emit;
          const event: BatchStep = {
            ...metric, row: state.index, step, textDelta, probability: result.probability, rank: result.rank,
            greedyId: result.greedyId,
          };
          if (kept) event.logits = kept;
          events.push(event);
        }
        const resume = callbacks.onSteps?.(events);
        if (resume) await resume;
        for (const state of running) if (state.reason !== null) finish(state);
        const next = running.filter((s) => s.reason === null);
        if (next.length === 0) break;
        if (callbacks.isCancelled()) {
          for (const state of next) { state.reason = 'cancelled'; finish(state); }
          break;
        }
        // Row r of the next pass continues old row `sources[r]`: finished rows drop out; at step 0 all copy the prompt's.
        const sources = firstPass ? next.map(() => 0) : next.map((s) => running.indexOf(s));
        this.runner.selectRows(sources);
        // Every row has read its logits (a kept row holds a copy): the runtime may write the next step's into them.
        this.runner.recycle(logits);
        logits = await this.runner.step(next.map((s) => s.tokens[s.tokens.length - 1]));
        running = next;
        firstPass = false;
      }
    } finally {
      this.runner.reset();
    }
    return results;
  }
}

type Released = { readonly emit: string; readonly stopped: boolean };
const NOTHING_RELEASED: Released = Object.freeze({ emit: '', stopped: false });

/** What a row's decoder and stop matcher still hold, released at its end. */
function releaseHeld(state: RowState): string {
  const released = state.stops.push(state.decoder.flush());
  return released.emit + (released.stopped ? '' : state.stops.flush());
}

// A beam search on the model: the core's search (src/core/beam.ts) over a BatchRunner, so all B beams advance
// as one batch after one prefill, the cache rows following each step's surviving beams. Every step's rows are
// kept, so any node of the tree can be opened in the step panel afterwards, as a step like a sampled run's.
import {
  BeamSearch, OFF_PARAMS, SamplingPipeline, hypothesisPath, type Beam, type BeamHypothesis, type BeamSettings,
  type BeamStepRecord, type BeamStopReason, type SamplingParams,
} from '../core';
import type { BatchRunner } from './batchRunner';
import type { TextCodec } from './textDecoder';
import type { BeamHypothesisView, BeamStepView, GenerateSettings, StepEvent } from './protocol';
import { StepObserver } from './stepObserver';

/** Rows beyond this many bytes are not kept (a 150k vocabulary × 8 beams × 64 steps would be 300 MB). */
const MAX_KEPT_BYTES = 128 * 1024 * 1024;
const REPLACEMENT = /\uFFFD+$/;

/** Everything kept about one beam run, to open any node of its tree without the model. */
export interface BeamRunRecord {
  runId: number;
  settings: GenerateSettings;
  beam: BeamSettings;
  promptIds: number[];
  steps: BeamStepRecord[];
  /** rows[s]: the logits of the beams that entered step s, rows × vocab (absent when over the memory cap). */
  rows: (Float32Array | null)[];
  hypotheses: BeamHypothesis[];
  reason: BeamStopReason;
}

export interface BeamRunControl {
  isCancelled(): boolean;
  /**
   * A returned promise is awaited before the next forward pass (a worker's turn to let a cancel in). `logits` are
   * the rows of the beams that entered the step, kept by the run's record: read them, never write to them.
   */
  onStep(view: BeamStepView, logits: Float32Array): void | Promise<void>;
}

/**
 * What the step panel shows of a beam's step: penalties and bias, no warper (beam search ignores them). Not greedy:
 * a greedy step's final view holds only its argmax, where a beam ranks the whole softmax of the adjusted logits.
 */
export function beamDisplayParams(params: SamplingParams): SamplingParams {
  return {
    ...OFF_PARAMS, logit_bias: { ...params.logit_bias }, order: [...OFF_PARAMS.order], do_sample: true,
    repetition_penalty: params.repetition_penalty, frequency_penalty: params.frequency_penalty, presence_penalty: params.presence_penalty,
  };
}

/** The tokens of beam `source` as it entered step `step`. */
export function beamPrefix(steps: readonly BeamStepRecord[], step: number, source: number): number[] {
  const out: number[] = [];
  let k = source;
  for (let s = step - 1; s >= 0; s--) {
    const node = steps[s].kept[k];
    out.push(node.tokenId);
    k = node.source;
  }
  return out.reverse();
}

export class BeamRunner {
  private readonly tokenText: (id: number) => string;
  private readonly observer: StepObserver;
  private pipeline: SamplingPipeline | null = null;

  constructor(
    private readonly batch: BatchRunner,
    private readonly codec: TextCodec,
    private readonly eosIds: number[],
    private readonly contextLength: number,
  ) {
    this.tokenText = (id) => codec.tokenText(id);
    this.observer = new StepObserver(this.tokenText);
  }

  /** The text a hypothesis shows: without its EOS, cut before the stop string that ended it. */
  hypothesisText(h: Pick<BeamHypothesis, 'ids' | 'end'>, stops: readonly string[]): string {
    const ids = h.end === 'eos' ? h.ids.slice(0, -1) : h.ids;
    let text = this.codec.decode(ids).replace(REPLACEMENT, '');
    if (h.end === 'stop') {
      const at = Math.min(...stops.filter((s) => s !== '').map((s) => text.indexOf(s)).filter((i) => i >= 0));
      if (Number.isFinite(at)) text = text.slice(0, at);
    }
    return text;
  }

  async run(runId: number, settings: GenerateSettings, beam: BeamSettings, promptIds: number[], control: BeamRunControl): Promise<BeamRunRecord> {
    if (promptIds.length === 0) throw new Error('the prompt is empty: type at least one character');
    if (promptIds.length >= this.contextLength) throw new Error(`the prompt has ${promptIds.length} tokens; this model's context holds ${this.contextLength}`);
    const stops = settings.stop.filter((s) => s !== '');
    const vocab = this.batch.vocabSize;
    const search = new BeamSearch({
      vocabSize: vocab, promptIds, params: settings.params, settings: beam,
      eosIds: settings.ignore_eos ? [] : this.eosIds,
      // Stop strings end a hypothesis like EOS: only the few candidates walked each step are decoded.
      completesStop: stops.length === 0 ? undefined : (generated, id) => {
        const text = this.codec.decode([...generated, id]);
        return stops.some((s) => text.includes(s));
      },
    });
    const record: BeamRunRecord = { runId, settings, beam, promptIds, steps: search.steps, rows: [], hypotheses: [], reason: 'max_new_tokens' };
    let keptBytes = 0;
    while (!search.done) {
      if (control.isCancelled()) {
        search.finishEarly('cancelled');
        break;
      }
      if (promptIds.length + search.steps.length >= this.contextLength) {
        search.finishEarly('context_full');
        break;
      }
      const t0 = performance.now();
      const beams = search.beams;
      let logits: Float32Array;
      if (search.steps.length === 0) {
        logits = await this.batch.prefill(promptIds);
      } else {
        // Row r continues the cache row of its parent beam; its newest token goes in now.
        this.batch.selectRows(beams.map((b) => b.source));
        logits = await this.batch.step(beams.map((b) => b.generated[b.generated.length - 1]));
      }
      const t1 = performance.now();
      const bytes = logits.length * Float32Array.BYTES_PER_ELEMENT;
      const keep = keptBytes + bytes <= MAX_KEPT_BYTES;
      // The batch hands each step's logits over in an array of their own: kept as they are.
      record.rows.push(keep ? logits : null);
      if (keep) keptBytes += bytes;
      const step = search.advance(logits);
      const t2 = performance.now();
      const resume = control.onStep(this.viewOf(step, beams, { forwardMs: t1 - t0, searchMs: t2 - t1 }), logits);
      if (resume) await resume;
    }
    record.hypotheses = search.result().all;
    record.reason = search.reason ?? 'max_new_tokens';
    return record;
  }

  private viewOf(step: BeamStepRecord, entered: readonly Beam[], timings: BeamStepView['timings']): BeamStepView {
    const texts: Record<number, string> = {};
    for (const c of [...step.kept, ...step.finished, ...step.dropped]) texts[c.tokenId] ??= this.tokenText(c.tokenId);
    return {
      step: step.step,
      entered: entered.map((b) => b.sum),
      kept: step.kept.map(({ source, tokenId, logp, sum, rank }) => ({ source, tokenId, logp, sum, rank })),
      finished: step.finished.map(({ source, tokenId, logp, sum, rank, score, end, accepted }) => ({ source, tokenId, logp, sum, rank, score, end, accepted })),
      dropped: step.dropped.map(({ source, tokenId, logp, sum, rank, why }) => ({ source, tokenId, logp, sum, rank, why })),
      tokenTexts: texts,
      timings,
    };
  }

  /** The finished hypotheses as the page shows them, best first, with the winner's path through the tree. */
  hypothesesOf(record: BeamRunRecord): BeamHypothesisView[] {
    return record.hypotheses.map((h) => ({
      ids: h.ids, score: h.score, sum: h.sum, step: h.step, beam: h.beam, end: h.end,
      text: this.hypothesisText(h, record.settings.stop), path: hypothesisPath(record.steps, h),
    }));
  }

  /** The winner's steps, node by node along its path (and its EOS or stop token), for the token stream and the run chart. */
  pathSteps(record: BeamRunRecord, h: BeamHypothesisView, topN: number): StepEvent[] {
    const events: StepEvent[] = [];
    h.path.forEach((k, s) => {
      const node = record.steps[s].kept[k];
      if (record.rows[s]) events.push(this.describeNode(record, s, node.source, node.tokenId, topN).event);
    });
    if (h.end !== 'max_new_tokens' && record.rows[h.step]) events.push(this.describeNode(record, h.step, h.beam, h.ids[h.ids.length - 1], topN).event);
    return events;
  }

  /**
   * One node's step as a StepEvent (the step panel's shape): the chain (penalties, bias) re-run with its observer on
   * the parent beam's row, the node's token as the one chosen. `source` is the parent's index among the beams that entered `step`.
   * `logits` is a view into the run's kept rows: copy it before handing it on (a fresh 9 KB array for each of a
   * path's steps cost more than the step itself where first-touched memory is slow).
   */
  describeNode(record: BeamRunRecord, step: number, source: number, tokenId: number, topN: number): { event: StepEvent; logits: Float32Array; generatedIds: number[] } {
    const rows = record.rows[step];
    if (!rows) throw new Error(`step ${step} of beam run ${record.runId} is not kept (its logits were over the memory cap)`);
    const vocab = this.batch.vocabSize;
    if (source < 0 || (source + 1) * vocab > rows.length) throw new Error(`beam ${source} did not enter step ${step}`);
    const logits = rows.subarray(source * vocab, (source + 1) * vocab);
    const generatedIds = beamPrefix(record.steps, step, source);
    if (this.pipeline?.vocabSize !== vocab) this.pipeline = new SamplingPipeline(vocab);
    const pipeline = this.pipeline;
    pipeline.setParams(beamDisplayParams(record.settings.params));
    pipeline.reset(record.promptIds);
    for (const id of generatedIds) pipeline.accept(id);
    const start = performance.now();
    const result = pipeline.step(logits, null, { topN });
    const event = this.observer.describe({
      runId: record.runId, step, tokenId, forced: true, textDelta: '', probability: 0, rank: 0,
      entropy: result.entropy, greedyId: result.greedyId, logits, timings: { forwardMs: 0, pipelineMs: performance.now() - start },
    }, result, start);
    return { event, logits, generatedIds };
  }
}

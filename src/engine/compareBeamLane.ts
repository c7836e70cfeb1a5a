// A beam lane of a comparison: a lane with num_beams > 1 runs as a beam search on the model (BeamRunner: all B
// beams one batch, one prefill) instead of as sampled rows, and comes back as a compare row: its best
// hypothesis's steps with what the run metrics need (raw log p and entropy of the parent beam's row, logprob_sampled
// 0 as for greedy: a beam search draws nothing), the text the beam run alone shows, and a finish reason.
import { StopMatcher, rawTokenStats, type BeamOptions, type BeamStopReason, type HypothesisEnd } from '../core';
import type { BeamRunner, BeamRunRecord } from './beamRun';
import type { BeamHypothesisView, BeamStepView, CompareBeamResult, CompareRow, CompareStep, FinishReason, WorkerMessage } from './protocol';
import { IncrementalTextDecoder, type TextCodec } from './textDecoder';

export type BeamRow = CompareRow & { beam: BeamOptions };

export function isBeamRow(row: CompareRow): row is BeamRow {
  return row.beam !== undefined && row.beam.num_beams > 1;
}

/** The rows of a comparison split by kind: indices of sampled (or greedy) rows, and of beam lanes. */
export function splitCompareRows(rows: readonly CompareRow[]): { sampled: number[]; beams: number[] } {
  const sampled: number[] = [];
  const beams: number[] = [];
  rows.forEach((row, index) => (isBeamRow(row) ? beams : sampled).push(index));
  return { sampled, beams };
}

/** How a beam run ends on the page: cut short (cancelled, context full), else as its best hypothesis ended. */
export function beamFinishReason(reason: BeamStopReason, bestEnd: HypothesisEnd | undefined): FinishReason {
  if (reason === 'cancelled' || reason === 'context_full') return reason;
  return bestEnd === 'eos' ? 'eos' : bestEnd === 'stop' ? 'stop' : 'max_new_tokens';
}

/**
 * The raw numbers of every candidate kept or finished at a step, taken while that step's rows are at hand (the
 * record keeps rows only up to a memory cap). One pass per beam row: log p of a second token of the same row is
 * the first's plus the difference of their logits.
 */
export class RawStatsLog {
  private readonly stats = new Map<string, { logprob: number; entropy: number }>();

  constructor(private readonly vocab: number) {}

  record(view: Pick<BeamStepView, 'step' | 'kept' | 'finished'>, logits: Float32Array): void {
    const first = new Map<number, { tokenId: number; logprob: number; entropy: number }>();
    for (const c of [...view.kept, ...view.finished]) {
      const offset = c.source * this.vocab;
      const seen = first.get(c.source);
      let logprob: number;
      let entropy: number;
      if (seen && Number.isFinite(seen.logprob)) {
        logprob = seen.logprob + logits[offset + c.tokenId] - logits[offset + seen.tokenId];
        entropy = seen.entropy;
      } else {
        ({ logprob, entropy } = rawTokenStats(logits, c.tokenId, offset, this.vocab));
        first.set(c.source, { tokenId: c.tokenId, logprob, entropy });
      }
      this.stats.set(`${view.step}:${c.source}:${c.tokenId}`, { logprob, entropy });
    }
  }

  get(step: number, source: number, tokenId: number): { logprob: number; entropy: number } | undefined {
    return this.stats.get(`${step}:${source}:${tokenId}`);
  }
}

/** One node of the winner's path: at `step`, beam `source` (among those that entered it) took `tokenId`. */
interface PathNode {
  step: number;
  source: number;
  tokenId: number;
  logp: number;
}

/** The winner's nodes step by step, its ending EOS or stop token included (a step like a greedy row's last). */
export function winnerNodes(record: Pick<BeamRunRecord, 'steps'>, best: BeamHypothesisView): PathNode[] {
  const nodes: PathNode[] = best.path.map((k, step) => {
    const { source, tokenId, logp } = record.steps[step].kept[k];
    return { step, source, tokenId, logp };
  });
  if (best.end !== 'max_new_tokens') {
    const last = best.ids[best.ids.length - 1];
    const ended = record.steps[best.step].finished.find((f) => f.source === best.beam && f.tokenId === last);
    if (ended) nodes.push({ step: best.step, source: ended.source, tokenId: ended.tokenId, logp: ended.logp });
  }
  return nodes;
}

export interface BeamLaneOutcome {
  steps: Omit<CompareStep, 'row'>[];
  text: string;
  reason: FinishReason;
  beam: CompareBeamResult;
}

export interface BeamLaneControl {
  isCancelled(): boolean;
  /** Called after every search step; a returned promise is awaited (a worker's turn to let a cancel in). */
  onSearchStep?(step: number): void | Promise<void>;
}

/** Runs one beam lane to its end. Invalid settings throw (SamplingParamError) before the model runs. */
export async function runBeamLane(
  runner: BeamRunner, codec: TextCodec, promptIds: number[], request: { prompt: string; chat: boolean }, row: BeamRow, control: BeamLaneControl,
): Promise<BeamLaneOutcome> {
  const { beam } = row;
  const settings = {
    prompt: request.prompt, chat: request.chat, topN: 0, params: row.params, seed: row.seed, max_new_tokens: row.max_new_tokens,
    stop: row.stop, ignore_eos: row.ignore_eos,
  };
  let raw: RawStatsLog | null = null;
  const record = await runner.run(0, settings, { ...beam, max_new_tokens: row.max_new_tokens }, promptIds, {
    isCancelled: control.isCancelled,
    onStep: (view, logits) => {
      raw ??= new RawStatsLog(logits.length / view.entered.length);
      raw.record(view, logits);
      return control.onSearchStep?.(view.step);
    },
  });
  const hypotheses = runner.hypothesesOf(record);
  const best = hypotheses[0];
  const result: CompareBeamResult = {
    num_beams: beam.num_beams, reason: record.reason,
    hypotheses: hypotheses.slice(0, beam.num_return_sequences).map((h) => ({ text: h.text, score: h.score, sum: h.sum, end: h.end, tokens: h.ids.length })),
  };
  const reason = beamFinishReason(record.reason, best?.end);
  if (!best || !raw) return { steps: [], text: best?.text ?? '', reason, beam: result };
  const stats: RawStatsLog = raw;
  const nodes = winnerNodes(record, best);
  // The text as a sampled row streams it: the incremental decoder and the stop matcher over the winner's tokens.
  const decoder = new IncrementalTextDecoder(codec.text, promptIds);
  const stops = new StopMatcher(row.stop);
  const steps = nodes.map((node, i): Omit<CompareStep, 'row'> => {
    const isEos = i === nodes.length - 1 && best.end === 'eos';
    const released = isEos ? { emit: '', stopped: false } : stops.push(decoder.push(node.tokenId));
    let textDelta = released.emit;
    if (i === nodes.length - 1 && !released.stopped && best.end !== 'stop') {
      const tail = stops.push(decoder.flush());
      textDelta += tail.emit + (tail.stopped ? '' : stops.flush());
    }
    const at = stats.get(node.step, node.source, node.tokenId);
    return {
      step: i, tokenId: node.tokenId, tokenText: codec.tokenText(node.tokenId), textDelta, probability: Math.exp(node.logp),
      logprobRaw: at?.logprob ?? Number.NaN, logprobSampled: 0, entropyRaw: at?.entropy ?? Number.NaN,
    };
  });
  return { steps, text: best.text, reason, beam: result };
}

/**
 * A comparison's beam lanes, one after another (each a batch of its own B beams), posted as compare rows: the
 * winner's steps in one message, then the row's end with its hypotheses.
 */
export async function runBeamLanes(
  runner: BeamRunner, codec: TextCodec, promptIds: number[],
  request: { requestId: number; prompt: string; chat: boolean; rows: readonly CompareRow[] }, indices: readonly number[],
  io: { isCancelled(): boolean; post(message: WorkerMessage): void; yieldTurn(): Promise<void>; yieldEveryMs: number },
): Promise<void> {
  let lastTurn = performance.now();
  for (const index of indices) {
    const row = request.rows[index];
    if (!isBeamRow(row)) continue;
    const outcome = await runBeamLane(runner, codec, promptIds, request, row, {
      isCancelled: io.isCancelled,
      onSearchStep: () => {
        if (performance.now() - lastTurn < io.yieldEveryMs) return undefined;
        lastTurn = performance.now();
        return io.yieldTurn();
      },
    });
    if (outcome.steps.length > 0) io.post({ type: 'compareSteps', requestId: request.requestId, steps: outcome.steps.map((s) => ({ ...s, row: index })) });
    io.post({ type: 'compareRowDone', requestId: request.requestId, row: index, reason: outcome.reason, text: outcome.text, beam: outcome.beam });
  }
}

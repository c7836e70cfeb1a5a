// Turns a step the decode loop has drawn into the StepEvent the page shows: the chain re-run on the same logits
// with its observer (stage views, token fates) and a label for every token in them. The decode loop only draws,
// so this work can leave its path: in the browser it runs in a worker of its own (observerWorker.ts) while the
// next forward pass runs; in Node and as a fall-back the decode loop's own chain runs observed, and only the
// labels and the event are added here.
import { SamplingPipeline, type StepResult } from '../core';
import type { DrawnStep, ObservedRun, StepEvent } from './protocol';

/**
 * A returned promise is awaited before the next forward pass: a worker's way to let waiting messages (cancel)
 * in, since the runtime's forward resolves without ever leaving the microtask queue.
 */
export type Resume = void | Promise<void>;

/**
 * Where a run's steps are observed: the one seam between the decode loop and what the page shows of a step.
 * Observed here (observeHere), the chain that draws a token builds its stage views in the same pass; observed
 * elsewhere (the inference worker's hand-off to observerWorker.ts), the chain only draws and the drawn step
 * travels on, to be observed there with StepObserver.observe.
 */
export interface StepSink {
  /** What the drawing chain's observer collects: views of the top `topN` tokens, or nothing when the chain only draws. */
  chainObserver(topN: number): { topN: number } | undefined;
  /** Before the run's first step: what an observer needs to replay the chain. */
  start(run: ObservedRun): void;
  /** Each step once drawn, with the chain's result (its views when chainObserver asked for them). */
  take(step: DrawnStep, result: StepResult): Resume;
}

/** Steps observed here: the chain's own views, labelled, as the StepEvent `onStep` gets. */
export function observeHere(observer: StepObserver, onStep: (event: StepEvent) => Resume): StepSink {
  return {
    chainObserver: (topN) => ({ topN }),
    start: () => undefined,
    take: (step, result) => onStep(observer.describe(step, result)),
  };
}

export class StepObserver {
  private pipeline: SamplingPipeline | null = null;
  private topN = 0;

  constructor(private readonly tokenText: (id: number) => string) {}

  startRun(run: ObservedRun): void {
    if (this.pipeline?.vocabSize !== run.vocabSize) this.pipeline = new SamplingPipeline(run.vocabSize);
    this.pipeline.setParams(run.params);
    this.pipeline.reset(run.promptIds);
    this.topN = run.topN;
  }

  /** Re-runs the chain with its observer on the drawn step's logits (the observer's own worker). */
  observe(drawn: DrawnStep): StepEvent {
    const pipeline = this.pipeline;
    if (!pipeline) throw new Error('StepObserver.observe called before startRun');
    const start = performance.now();
    // No draw here: the views do not depend on it, and the decode loop has drawn already.
    const result = pipeline.step(drawn.logits, null, { topN: this.topN }, { xtcRoll: drawn.xtcRoll });
    pipeline.accept(drawn.tokenId);
    return this.describe(drawn, result, start);
  }

  /** The event of a step whose chain already ran with its observer (inline: one run serves the draw and the views). */
  describe(drawn: DrawnStep, result: Pick<StepResult, 'views' | 'fates'>, start = performance.now()): StepEvent {
    const texts: Record<number, string> = {};
    for (const view of result.views) {
      for (const id of view.ids) texts[id] ??= this.tokenText(id);
      // DRY's repeated sequence and the token that would extend it are shown in text.
      for (const id of view.note?.match ?? []) texts[id] ??= this.tokenText(id);
      if (view.note?.extendedBy !== undefined) texts[view.note.extendedBy] ??= this.tokenText(view.note.extendedBy);
    }
    for (const fate of result.fates) texts[fate.id] ??= this.tokenText(fate.id);
    texts[drawn.tokenId] ??= this.tokenText(drawn.tokenId);
    return {
      runId: drawn.runId,
      step: drawn.step,
      tokenId: drawn.tokenId,
      tokenText: texts[drawn.tokenId],
      textDelta: drawn.textDelta,
      views: result.views,
      fates: result.fates,
      entropy: drawn.entropy,
      probability: drawn.forced ? probabilityOf(result.views, drawn.tokenId) : drawn.probability,
      rank: drawn.forced ? rankOf(result.views, drawn.tokenId) : drawn.rank,
      greedyId: drawn.greedyId,
      tokenTexts: texts,
      timings: { ...drawn.timings, observeMs: performance.now() - start },
    };
  }
}

/** A forced token's final probability, from the last view (0 when it was filtered out). */
function probabilityOf(views: StepEvent['views'], id: number): number {
  const last = views[views.length - 1];
  if (!last) return 0;
  const i = last.ids.indexOf(id);
  return i < 0 ? 0 : last.after[i];
}

function rankOf(views: StepEvent['views'], id: number): number {
  const last = views[views.length - 1];
  const i = last ? last.ids.indexOf(id) : -1;
  return i < 0 ? -1 : i;
}

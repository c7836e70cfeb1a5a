// The decode loop, free of any browser or worker API so it runs the same in Node tests and in the worker:
// prefill the prompt once, then one forward per token; raw logits go through the core pipeline, which only
// draws; text is released UTF-8-safe and with stop-string tails held back. What the page shows of each step
// (stage views, fates, labels) is a StepObserver's work, wherever the run's StepSink has it done: here, from the
// chain run with its observer, or elsewhere (the chain here then only draws).
import { SamplingPipeline, StopMatcher, createRng, type Rng } from '../core';
import type { ModelRunner } from './modelRunner';
import { StepObserver, observeHere, type Resume, type StepSink } from './stepObserver';
import { LogitsArena } from './logitsArena';
import { BreakerResolver } from './breakers';
import { IncrementalTextDecoder, type TextCodec } from './textDecoder';
import type { BranchPoint, FinishReason, GenerateSettings, ObservedRun, StepEvent } from './protocol';

/** Everything kept about one run, so any step can be re-examined or branched from without the model. */
export interface RunRecord {
  runId: number;
  settings: GenerateSettings;
  promptIds: number[];
  generated: number[];
  /** Views into the run's own LogitsArena. */
  logits: Float32Array[];
  parentRunId?: number;
  branchStep?: number;
}

export interface RunControl {
  /** Once the run is set up, before its first forward pass (after its StepSink has started). */
  onStart?(run: RunRecord): void;
  /** Polled before every forward pass: true stops the run within one step. */
  isCancelled(): boolean;
}

/** A run whose steps are observed here, each handed to onStep as the page would show it. */
export type RunCallbacks = RunControl & { onStep(event: StepEvent): Resume };

export interface RunOutcome {
  run: RunRecord;
  reason: FinishReason;
  text: string;
}

export class Generator {
  private readonly pipeline: SamplingPipeline;
  private readonly runs = new Map<number, RunRecord>();
  private nextRunId = 1;
  private readonly observer: StepObserver;
  private readonly breakers: BreakerResolver;

  constructor(
    private readonly runner: ModelRunner,
    private readonly codec: TextCodec,
    private readonly eosIds: number[],
    private readonly contextLength: number,
    /** Keep this many runs' logits (older runs are forgotten to bound memory). */
    private readonly keepRuns = 8,
    /** A worker restarted or reloaded carries on from the page's run ids instead of reusing them. */
    firstRunId = 1,
  ) {
    this.nextRunId = firstRunId;
    this.pipeline = new SamplingPipeline(runner.vocabSize);
    this.observer = new StepObserver(codec.tokenText);
    this.breakers = new BreakerResolver(runner.vocabSize, codec.tokenText);
  }

  /** DRY's breaker ids for these settings' strings (what-if on the page needs them too). */
  breakerIdsFor(params: GenerateSettings['params']): number[] {
    return this.breakers.resolve(params.dry_sequence_breakers ?? []);
  }

  /** A run id no run of this generator has: beam runs, kept elsewhere, share the numbering. */
  newRunId(): number {
    return this.nextRunId++;
  }

  getRun(runId: number): RunRecord | undefined {
    return this.runs.get(runId);
  }

  /** Starts a run (or a branch of an earlier one) and drives it to its end, observing every step here. */
  generate(requested: GenerateSettings, callbacks: RunCallbacks, branch?: BranchPoint, promptIds?: number[]): Promise<RunOutcome> {
    return this.run(requested, callbacks, observeHere(this.observer, (event) => callbacks.onStep(event)), branch, promptIds);
  }

  /** Starts a run (or a branch of an earlier one) and drives it to its end; its steps go to `sink`. */
  async run(requested: GenerateSettings, control: RunControl, sink: StepSink, branch?: BranchPoint, promptIds?: number[]): Promise<RunOutcome> {
    // The chain here and the observer's both get DRY's breakers as token ids.
    const settings = { ...requested, params: this.breakers.withBreakerIds(requested.params) };
    this.pipeline.setParams(settings.params);
    const parent = branch ? this.runs.get(branch.runId) : undefined;
    if (branch && !parent) throw new Error(`run ${branch.runId} is no longer kept; generate it again to branch from it`);
    if (parent && (branch!.step < 0 || branch!.step > parent.generated.length)) {
      throw new Error(`run ${branch!.runId} has no step ${branch!.step}`);
    }
    const prompt = parent ? parent.promptIds : promptIds ?? this.codec.encode(settings.prompt);
    if (prompt.length === 0) throw new Error('the prompt is empty: type at least one character');
    if (prompt.length >= this.contextLength) {
      throw new Error(`the prompt has ${prompt.length} tokens; this model's context holds ${this.contextLength}`);
    }
    const run: RunRecord = { runId: this.nextRunId++, settings, promptIds: prompt, generated: [], logits: [] };
    if (parent) {
      run.parentRunId = parent.runId;
      run.branchStep = branch!.step;
    }
    this.remember(run);
    const observed: ObservedRun = { runId: run.runId, vocabSize: this.runner.vocabSize, params: settings.params, promptIds: prompt, topN: settings.topN };
    // Observed here, the chain that draws also builds the views; observed elsewhere, it only draws.
    const chainObserver = sink.chainObserver(settings.topN);
    sink.start(observed);
    control.onStart?.(run);

    const rng = createRng(settings.seed);
    const decoder = new IncrementalTextDecoder(this.codec.text, prompt);
    const stops = new StopMatcher(settings.stop);
    const kept = new LogitsArena(this.runner.vocabSize);
    this.pipeline.reset(prompt);
    this.runner.reset();

    // A branch replays the parent's steps before the branch point (their logits are kept), then forces the
    // chosen token: the same seed stays aligned because each step consumes one draw.
    let pending = prompt;
    let reason: FinishReason | null = null;
    const maxNew = settings.max_new_tokens;
    for (let step = 0; reason === null; step++) {
      if (control.isCancelled()) {
        reason = 'cancelled';
        break;
      }
      const t0 = now();
      const fresh = await this.runner.forward(pending);
      const t1 = now();
      // Kept for inspection and branching; neither the model's time nor the pipeline's.
      const logits = kept.keep(fresh);
      this.runner.recycle(fresh);
      const t1Kept = now();
      const forced = !parent || step > branch!.step ? null : step < branch!.step ? parent.generated[step] : branch!.tokenId ?? null;
      const result = this.pipeline.step(logits, this.drawFor(settings, rng), chainObserver);
      const tokenId = forced ?? result.tokenId;
      const t2 = now();
      this.pipeline.accept(tokenId);
      run.generated.push(tokenId);
      run.logits.push(logits);

      const isEos = !settings.ignore_eos && this.eosIds.includes(tokenId);
      // The end-of-text token is a signal, not text: it never reaches the stream or the stop matcher.
      const released = isEos ? { emit: '', stopped: false } : stops.push(decoder.push(tokenId));
      const ending: FinishReason | null = released.stopped ? 'stop' : isEos ? 'eos'
        : run.generated.length >= maxNew ? 'max_new_tokens'
        : prompt.length + run.generated.length >= this.contextLength ? 'context_full' : null;
      // A run's last step releases what was held back for what could still follow (never a partial character).
      const textDelta = ending !== null && ending !== 'stop' ? released.emit + finalText(decoder, stops) : released.emit;
      const resume = sink.take({
        runId: run.runId, step, tokenId, forced: forced !== null, textDelta,
        probability: result.probability, rank: result.rank, entropy: result.entropy, greedyId: result.greedyId,
        logits, timings: { forwardMs: t1 - t0, pipelineMs: t2 - t1Kept },
        ...(result.xtcRoll !== undefined ? { xtcRoll: result.xtcRoll } : {}),
      }, result);
      if (resume) await resume;
      reason = ending;
      pending = [tokenId];
    }
    const text = reason === 'cancelled' ? stops.text + finalText(decoder, stops) : stops.text;
    return { run, reason, text };
  }

  private drawFor(settings: GenerateSettings, rng: Rng): Rng | null {
    return settings.params.do_sample && settings.params.temperature !== 0 ? rng : null;
  }

  private remember(run: RunRecord): void {
    this.runs.set(run.runId, run);
    while (this.runs.size > this.keepRuns) {
      const oldest = this.runs.keys().next().value as number;
      this.runs.delete(oldest);
    }
  }
}

/** What the decoder and the stop matcher still hold, released at the end of a run. */
function finalText(decoder: IncrementalTextDecoder, stops: StopMatcher): string {
  const released = stops.push(decoder.flush());
  return released.emit + (released.stopped ? '' : stops.flush());
}

function now(): number {
  return performance.now();
}

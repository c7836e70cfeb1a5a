// The requests that use the loaded model, each run alone through the gate: a generate run (its steps observed
// where observerHandOff.ts says), a beam search, a comparison (lanes and samples as rows of one batch; a sweep's
// samples arrive as one), one forward pass per prompt; and what is kept of past runs (a step's logits, a beam
// node) and looked up in the vocabulary (token texts, token search).
import { SamplingParamError, hypothesisPath } from '../core';
import { BeamRunner, beamPrefix } from './beamRun';
import { TransformersBatchRunner } from './batchRunner';
import type { BatchRowResult, BatchStep } from './BatchGenerator';
import { runBeamLanes, splitCompareRows } from './compareBeamLane';
import type { RunRecord } from './Generator';
import { promptIds } from './modelLoader';
import { openRunOutput } from './observerHandOff';
import { runtimeOutputs } from './outputPool';
import { runtimeClock } from './modelRunner';
import { BATCHING, type BeamStepView, type CompareMode, type CompareStep, type EngineRequest, type PromptLogits } from './protocol';
import { findTokens } from './tokenSearch';
import { StepBatcher, errorMessage, fail, gate, letMessagesIn, post, state, type Engine } from './workerState';

/** Beam runs kept for opening their nodes (each holds every step's rows). */
const KEEP_BEAM_RUNS = 4;

type RequestOf<T extends EngineRequest['type']> = Extract<EngineRequest, { type: T }>;

/** The loaded model's beam runner, built on first use. */
function beamRunnerOf(engine: Engine): BeamRunner {
  const model = engine.model;
  engine.beamRunner ??= new BeamRunner(new TransformersBatchRunner(model.model, model.vocabSize), model.codec, model.eosIds, model.contextLength);
  return engine.beamRunner;
}

export function handleGenerate(request: RequestOf<'generate'>): Promise<void> {
  // One Step: a new run of one token, or the branch point plus one token when continuing a run.
  const settings = request.singleStep ? { ...request.settings, max_new_tokens: (request.branch?.step ?? 0) + 1 } : request.settings;
  return gate.exclusively(request.requestId, () => state.engine, async (engine) => {
    const output = await openRunOutput(request.requestId, engine.packer, engine.model.codec.tokenText);
    try {
      const ids = request.branch ? undefined : promptIds(engine.model, settings.prompt, settings.chat);
      const onStart = (run: RunRecord) => {
        // A reload in this worker (a lost device) carries on from here.
        state.nextRunId = Math.max(state.nextRunId, run.runId + 1);
        output.post({
          type: 'runStarted', requestId: request.requestId, runId: run.runId, promptIds: run.promptIds,
          ...(run.parentRunId !== undefined ? { parentRunId: run.parentRunId, branchStep: run.branchStep } : {}),
        });
      };
      const isCancelled = () => gate.isCancelled(request.requestId);
      const outcome = await engine.generator.run(settings, { onStart, isCancelled }, output.sink, request.branch, ids);
      output.finish();
      output.post({ type: 'done', requestId: request.requestId, runId: outcome.run.runId, reason: outcome.reason, text: outcome.text, messagingMs: output.messagingMs, observedApart: output.observedApart });
    } catch (error) {
      output.finish();
      output.post(errorMessage(request.requestId, error, 'invalid_params'));
    }
  });
}

/** A beam run: the core's search over the batched runner, its steps posted at most once per BATCHING.stepBatchMs. */
export function handleBeamSearch(request: RequestOf<'beamSearch'>): Promise<void> {
  const requestId = request.requestId;
  return gate.exclusively(requestId, () => state.engine, async (engine) => {
    const model = engine.model;
    const started = performance.now();
    const runId = engine.generator.newRunId();
    const steps = new StepBatcher<BeamStepView>((batch) => post({ type: 'beamSteps', requestId, runId, steps: batch }));
    try {
      const runner = beamRunnerOf(engine);
      const settings = request.settings;
      const ids = promptIds(model, settings.prompt, settings.chat);
      post({ type: 'runStarted', requestId, runId, promptIds: ids, beam: request.beam });
      const record = await runner.run(runId, settings, { ...request.beam, max_new_tokens: settings.max_new_tokens }, ids, {
        isCancelled: () => gate.isCancelled(request.requestId),
        onStep: (view) => steps.add(view),
      });
      steps.flush();
      const totalMs = performance.now() - started;
      engine.beamRuns.set(runId, record);
      while (engine.beamRuns.size > KEEP_BEAM_RUNS) engine.beamRuns.delete(engine.beamRuns.keys().next().value as number);
      const hypotheses = runner.hypothesesOf(record);
      const best = hypotheses[0];
      const pathSteps = best ? runner.pathSteps(record, best, settings.topN) : [];
      post({ type: 'beamDone', requestId, runId, reason: record.reason, hypotheses, text: best?.text ?? '', pathSteps, totalMs });
    } catch (error) {
      steps.flush();
      post(errorMessage(requestId, error, 'invalid_params'));
    }
  });
}

export function handleBeamNode(request: RequestOf<'getBeamNode'>): void {
  const beamRunner = state.engine?.beamRunner;
  const record = state.engine?.beamRuns.get(request.runId);
  if (!record || !beamRunner) {
    post({ type: 'error', requestId: request.requestId, code: 'not_found', message: `beam run ${request.runId} is no longer kept` });
    return;
  }
  try {
    const node = beamRunner.describeNode(record, request.step, request.source, request.tokenId, record.settings.topN);
    // A copy of the row: transferring the view's buffer would take every kept row of that step away from the run.
    const logits = node.logits.slice();
    post({
      type: 'beamNode', requestId: request.requestId, runId: record.runId, step: request.step, source: request.source, event: node.event,
      logits, promptIds: record.promptIds, generatedIds: node.generatedIds,
    }, [logits.buffer]);
  } catch (error) {
    fail(request.requestId, error, 'not_found');
  }
}

/** A beam run's step s on the token stream is its winner's node at s: that row and prefix. */
function beamStepLogits(request: RequestOf<'getStepLogits'>, engine: Engine): boolean {
  const record = engine.beamRuns.get(request.runId);
  const best = record?.hypotheses[0];
  if (!record || !best) return false;
  const vocab = engine.model.vocabSize;
  const path = hypothesisPath(record.steps, best);
  const source = request.step < path.length ? record.steps[request.step].kept[path[request.step]].source : request.step === best.step ? best.beam : -1;
  const rows = record.rows[request.step];
  if (source < 0 || !rows) return false;
  const copy = rows.slice(source * vocab, (source + 1) * vocab);
  post({
    type: 'stepLogits', requestId: request.requestId, runId: record.runId, step: request.step, logits: copy,
    // Beam search never runs DRY (only the penalties and the bias), so no breakers apply.
    promptIds: record.promptIds, generatedIds: beamPrefix(record.steps, request.step, source), dryBreakerIds: [],
  }, [copy.buffer]);
  return true;
}

/**
 * A comparison: every lane's samples as rows of one batch. Steps go to the page at most once per BATCHING.stepBatchMs.
 * When the batched pass fails before its first step (a model that cannot batch), the rows run one after another
 * through the same loop, and the page is told so.
 */
export function handleCompare(request: RequestOf<'compare'>): Promise<void> {
  return gate.exclusively(request.requestId, () => state.engine, async (engine) => {
    const { model, batch } = engine;
    const started = performance.now();
    const steps = new StepBatcher<CompareStep>((batch) => post({ type: 'compareSteps', requestId: request.requestId, steps: batch }));
    const flush = () => steps.flush();
    // Request row of each row of the batch being run: beam lanes run apart, after the sampled rows.
    let requestRow: number[] = [];
    const onSteps = (batchSteps: BatchStep[]) => steps.add(...batchSteps.map((s): CompareStep => ({
      row: requestRow[s.row], step: s.step, tokenId: s.tokenId, tokenText: model.codec.tokenText(s.tokenId), textDelta: s.textDelta,
      probability: s.probability, logprobRaw: s.logprobRaw, logprobSampled: s.logprobSampled, entropyRaw: s.entropyRaw,
    })));
    const onRowDone = (result: BatchRowResult) => {
      flush();
      post({ type: 'compareRowDone', requestId: request.requestId, row: requestRow[result.row], reason: result.reason, text: result.text });
    };
    const isCancelled = () => gate.isCancelled(request.requestId);
    const textPerStep = request.textPerStep !== false;
    const { reused: reusedBefore, allocated: allocatedBefore } = runtimeOutputs;
    const runtimeMsBefore = runtimeClock.ms;
    try {
      const ids = promptIds(model, request.prompt, request.chat);
      const { sampled, beams } = splitCompareRows(request.rows);
      const rows = sampled.map((r) => request.rows[r]);
      requestRow = sampled;
      let mode: CompareMode = request.forceSequential ? 'sequential' : 'batched';
      let why: string | undefined = request.forceSequential ? 'asked to run lanes one after another' : undefined;
      if (mode === 'batched') {
        let stepped = false;
        try {
          post({ type: 'compareStarted', requestId: request.requestId, promptIds: ids, mode });
          if (rows.length > 0) await batch.run(ids, rows, { isCancelled, onSteps: (steps) => { stepped = true; return onSteps(steps); }, onRowDone, textPerStep });
        } catch (error) {
          if (stepped || error instanceof SamplingParamError) throw error;
          mode = 'sequential';
          why = error instanceof Error ? error.message : String(error);
        }
      }
      if (mode === 'sequential') {
        post({ type: 'compareStarted', requestId: request.requestId, promptIds: ids, mode, ...(why ? { why } : {}) });
        for (let r = 0; r < rows.length; r++) {
          requestRow = [sampled[r]];
          await batch.run(ids, [rows[r]], { isCancelled, onSteps, onRowDone, textPerStep });
        }
      }
      if (beams.length > 0) {
        flush();
        await runBeamLanes(beamRunnerOf(engine), model.codec, ids, request, beams, { isCancelled, post, yieldTurn: letMessagesIn, yieldEveryMs: BATCHING.stepBatchMs });
      }
      flush();
      const outputs = { reused: runtimeOutputs.reused - reusedBefore, allocated: runtimeOutputs.allocated - allocatedBefore };
      post({ type: 'compareDone', requestId: request.requestId, mode, ms: performance.now() - started, outputs, runtimeMs: runtimeClock.ms - runtimeMsBefore });
    } catch (error) {
      flush();
      post(errorMessage(request.requestId, error, 'invalid_params'));
    }
  });
}

/** One forward pass per prompt on the runner, no sampling (the next run resets it anyway). */
export function handlePromptLogits(request: RequestOf<'promptLogits'>): Promise<void> {
  return gate.exclusively(request.requestId, () => state.engine?.model ?? null, async (model) => {
    try {
      const items: PromptLogits[] = [];
      for (let i = 0; i < request.prompts.length; i++) {
        const ids = promptIds(model, request.prompts[i], request.chat);
        if (ids.length === 0) throw new Error(`the prompt ${JSON.stringify(request.prompts[i])} has no tokens`);
        model.runner.reset();
        const logits = (await model.runner.forward(ids)).slice();
        const firstTokens = (request.continuations[i] ?? []).map((c) => model.codec.encode(c)[0] ?? null);
        items.push({ promptIds: ids, logits, firstTokens });
      }
      model.runner.reset();
      post({ type: 'promptLogits', requestId: request.requestId, items }, items.map((item) => item.logits.buffer as ArrayBuffer));
    } catch (error) {
      fail(request.requestId, error);
    }
  });
}

export function handleStepLogits(request: RequestOf<'getStepLogits'>): void {
  const engine = state.engine;
  if (engine?.beamRuns.has(request.runId) && beamStepLogits(request, engine)) return;
  const run = engine?.generator.getRun(request.runId);
  const logits = run?.logits[request.step];
  if (!engine || !run || !logits) {
    post({ type: 'error', requestId: request.requestId, code: 'not_found', message: `step ${request.step} of run ${request.runId} is not kept` });
    return;
  }
  const copy = logits.slice();
  post({
    type: 'stepLogits', requestId: request.requestId, runId: run.runId, step: request.step, logits: copy,
    promptIds: run.promptIds, generatedIds: run.generated.slice(0, request.step),
    dryBreakerIds: engine.generator.breakerIdsFor(run.settings.params),
  }, [copy.buffer]);
}


/** Tokens whose text matches the query, best first: every token's text is decoded at the first search of a model. */
export function handleFindTokens(request: RequestOf<'findTokens'>): void {
  const engine = state.engine;
  if (engine) engine.vocabTexts ??= new Map();
  const cache = engine?.vocabTexts;
  const textOf = (id: number) => {
    let text = cache?.get(id);
    if (text === undefined) {
      text = engine!.model.codec.decode([id]);
      cache?.set(id, text);
    }
    return text;
  };
  const matches = engine ? findTokens(engine.model.runner.vocabSize, textOf, request.query, request.limit) : [];
  post({ type: 'tokenMatches', requestId: request.requestId, query: request.query, matches });
}

export function handleDecodeTokens(request: RequestOf<'decodeTokens'>): void {
  const texts: Record<number, string> = {};
  const engine = state.engine;
  if (engine) for (const id of request.ids) texts[id] = engine.model.codec.tokenText(id);
  post({ type: 'tokenTexts', requestId: request.requestId, texts });
}

// Imports beside live runs: an import adds runs with new ids and never touches a run in progress, whose steps,
// status and Stop stay its own; what-if only ever uses the logits of the run on screen.
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS } from '../../src/core';
import type { StepEvent } from '../../src/engine/protocol';
import { exportJson, parseExport } from '../../src/store/exportRun';
import { liveEngineRun } from '../../src/store/selectors';
import { useStore } from '../../src/store/store';
import type { RunView } from '../../src/store/types';
import { analyse } from '../../src/ui/useStepAnalysis';

const initial = useStore.getState();

function step(runId: number, n: number, tokenId: number): StepEvent {
  return {
    runId, step: n, tokenId, tokenText: `t${tokenId}`, textDelta: `t${tokenId}`, views: [], fates: [], entropy: 0.5,
    probability: 0.5, rank: 0, greedyId: tokenId, tokenTexts: {}, timings: { forwardMs: 1, pipelineMs: 0.1, observeMs: 0.1 },
  };
}

const exported: RunView = {
  runId: 1, prompt: 'imported prompt', promptIds: [1], params: DEFAULT_PARAMS, seed: 3, text: 't7t8', reason: 'eos',
  steps: [step(1, 0, 7), step(1, 1, 8)],
};

function startLiveRun(requestId: number, engineRunId: number): number {
  const s = useStore.getState();
  s.setActiveRequest(requestId, 'running');
  s.handleEngineEvent({ type: 'runStarted', requestId, runId: engineRunId, promptIds: [2] });
  return useStore.getState().currentRunId!;
}

/** A model load of request `requestId` that succeeds (a new worker pair, so a new model session). */
function modelLoaded(requestId: number): void {
  useStore.getState().startLoad('m', requestId);
  useStore.getState().handleEngineEvent({
    type: 'loaded', requestId, modelId: 'm', device: 'wasm', deviceReason: 'forced', threads: 1, dtype: 'fp32', dtypes: ['fp32'], vocabSize: 100, contextLength: 64, eosIds: [0],
  });
}

beforeEach(() => {
  useStore.setState(initial, true);
  modelLoaded(1);
});

describe('importing runs', () => {
  it('adds the file\'s runs beside the existing ones, with new ids, keeping their branches', () => {
    const first = useStore.getState().importRuns([exported]);
    const second = useStore.getState().importRuns([exported, { ...exported, runId: 2, parentRunId: 1, branchStep: 1 }, { ...exported, runId: 3, parentRunId: 99, branchStep: 0 }]);
    const s = useStore.getState();
    expect(s.runOrder).toEqual([...first, ...second]);
    expect(new Set(s.runOrder).size).toBe(4);
    expect(s.runs[second[1]].parentRunId).toBe(second[0]);
    expect(s.runs[second[2]].parentRunId).toBeUndefined(); // its parent was not in the file
    expect(s.runs[second[0]].steps.every((x) => x.runId === second[0])).toBe(true);
    expect(s.currentRunId).toBe(second[0]);
  });

  it('during a run: the live run keeps its steps, text, status and Stop; the import waits in the history', () => {
    const live = startLiveRun(5, 1);
    useStore.getState().appendSteps(5, [step(1, 0, 40)]);
    const [imported] = useStore.getState().importRuns(parseExport(exportJson('m', [exported])).runs);
    expect(imported).not.toBe(live);
    useStore.getState().appendSteps(5, [step(1, 1, 41), step(1, 2, 42)]);
    let s = useStore.getState();
    expect(s.currentRunId).toBe(live);
    expect(s.genState).toBe('running');
    expect(s.activeRequest).toBe(5);
    expect(s.runs[live].steps.map((x) => x.tokenId)).toEqual([40, 41, 42]);
    expect(s.runs[imported].steps.map((x) => x.tokenId)).toEqual([7, 8]);
    expect(s.runs[imported].text).toBe('t7t8');
    s.handleEngineEvent({ type: 'done', requestId: 5, runId: 1, reason: 'max_new_tokens', text: 'x', messagingMs: [], observedApart: true });
    s = useStore.getState();
    expect(s.genState).toBe('done');
    expect(s.runs[live].reason).toBe('max_new_tokens');
    expect(s.runs[imported].reason).toBe('eos');
    expect(s.runs[imported].text).toBe('t7t8');
  });

  it('a run of a new model session never maps onto an older run with the same worker id', () => {
    const old = startLiveRun(5, 1);
    useStore.getState().handleEngineEvent({ type: 'done', requestId: 5, runId: 1, reason: 'eos', text: '', messagingMs: [], observedApart: true });
    modelLoaded(6);
    expect(liveEngineRun(useStore.getState(), useStore.getState().runs[old])).toBeUndefined();
    const fresh = startLiveRun(7, 1);
    useStore.getState().appendSteps(7, [step(1, 0, 9)]);
    expect(fresh).not.toBe(old);
    expect(useStore.getState().runs[old].steps).toEqual([]);
    expect(useStore.getState().runs[fresh].steps).toHaveLength(1);
  });

  it('what-if uses only the logits fetched for the run and step on screen', () => {
    const [imported] = useStore.getState().importRuns([exported]);
    const steps = useStore.getState().runs[imported].steps;
    const changed = { ...DEFAULT_PARAMS, top_k: 2 };
    const logits = { step: 0, logits: new Float32Array([1, 2, 3]), promptIds: [1], generatedIds: [] };
    // Logits of another run that shares the step number are not used, whatever its id.
    expect(analyse(steps, DEFAULT_PARAMS, 0, changed, { ...logits, runId: imported + 1 }, imported, true)?.whatIf).toBe(false);
    // An imported run has none of its own: the recorded step, and a note saying why.
    const noLogits = analyse(steps, DEFAULT_PARAMS, 0, changed, { ...logits, runId: imported }, imported, false);
    expect(noLogits?.whatIf).toBe(false);
    expect(noLogits?.whatIfUnavailable).toBe(true);
    expect(analyse(steps, DEFAULT_PARAMS, 0, changed, { ...logits, runId: imported }, imported, true)?.whatIf).toBe(true);
  });

  it('an imported run whose settings are the page\'s is not taken for one whose settings changed', () => {
    // The file's knobs come back in the schema's order, not the page's: same values, same settings.
    const [imported] = useStore.getState().importRuns(parseExport(exportJson('m', [exported])).runs);
    const run = useStore.getState().runs[imported];
    expect(Object.keys(run.params)).not.toEqual(Object.keys(DEFAULT_PARAMS));
    const a = analyse(run.steps, run.params, 0, { ...DEFAULT_PARAMS }, null, imported, false);
    expect(a?.whatIfUnavailable).toBe(false);
    expect(analyse(run.steps, run.params, 0, { ...DEFAULT_PARAMS, top_k: 3 }, null, imported, false)?.whatIfUnavailable).toBe(true);
  });

  it('closing a run that cannot be drawn leaves the others', () => {
    const ids = useStore.getState().importRuns([exported, { ...exported, runId: 2 }]);
    useStore.getState().closeRun(ids[0]);
    const s = useStore.getState();
    expect(s.runOrder).toEqual([ids[1]]);
    expect(s.currentRunId).toBe(ids[1]);
  });

  it('a beam run gets its tree and winner by the worker\'s run id, and an import beside it leaves it alone', () => {
    useStore.getState().importRuns([exported]); // page ids and worker ids now differ
    const s0 = useStore.getState();
    s0.setActiveRequest(11, 'running');
    const options = { num_beams: 2, length_penalty: 1, early_stopping: true, num_return_sequences: 1 };
    s0.handleEngineEvent({ type: 'runStarted', requestId: 11, runId: 4, promptIds: [2], beam: options });
    const live = useStore.getState().currentRunId!;
    expect(live).not.toBe(4);
    const beamStep = { step: 0, entered: [0], kept: [{ source: 0, tokenId: 9, logp: -0.1, sum: -0.1, rank: 0 }], finished: [], dropped: [], tokenTexts: { 9: 'x' }, timings: { forwardMs: 1, searchMs: 0.1 } };
    useStore.getState().handleEngineEvent({ type: 'beamSteps', requestId: 11, runId: 4, steps: [beamStep] });
    const [imported] = useStore.getState().importRuns(parseExport(exportJson('m', [useStore.getState().runs[live]])).runs);
    expect(useStore.getState().currentRunId).toBe(live);
    useStore.getState().handleEngineEvent({
      type: 'beamDone', requestId: 11, runId: 4, reason: 'max_new_tokens', text: 'x', totalMs: 3, pathSteps: [step(4, 0, 9)],
      hypotheses: [{ ids: [9], text: 'x', score: -0.1, sum: -0.1, step: 0, beam: 0, end: 'max_new_tokens', path: [0] }],
    });
    const s = useStore.getState();
    expect(s.genState).toBe('done');
    expect(s.runs[live].beam?.steps).toEqual([beamStep]);
    expect(s.runs[live].steps.map((x) => [x.runId, x.tokenId])).toEqual([[live, 9]]);
    expect(s.runs[live].text).toBe('x');
    // The copy imported mid-run is the tree as it was then, on its own, with no logits in the worker.
    expect(s.runs[imported].beam?.steps).toHaveLength(1);
    expect(s.runs[imported].beam?.hypotheses).toEqual([]);
    expect(s.runs[imported].steps).toEqual([]);
    expect(liveEngineRun(s, s.runs[imported])).toBeUndefined();
    expect(liveEngineRun(s, s.runs[live])).toEqual({ session: s.engineSession, runId: 4 });
  });

  it('logit_bias ids beyond the vocabulary are refused as soon as the model is known', () => {
    useStore.setState({ params: { ...DEFAULT_PARAMS, logit_bias: { 5: 2, 150: -100 } }, notices: [] });
    modelLoaded(9);
    const s = useStore.getState();
    expect(s.params.logit_bias).toEqual({ 5: 2 });
    expect(s.notices).toHaveLength(1);
    expect(s.notices[0]).toMatchObject({ key: 'notices.biasOutside', params: { pairs: '150:-100' }, why: { kind: 'tokenIds', vocabSize: 100 } });
  });
});

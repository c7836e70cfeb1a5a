// The store's side of loads and worker restarts: only the newest load's events count, a failed switch goes back
// to the model that still works (picker and link included) and offers Retry, a first load that fails says so
// once, and a restarted worker ends the run in flight where its last step did.
import { beforeEach, describe, expect, it } from 'vitest';
import { useStore } from '../../src/store/store';
import type { EngineEvent, StepEvent } from '../../src/engine/protocol';

const initial = useStore.getState();

function loaded(requestId: number, modelId: string): EngineEvent {
  return {
    type: 'loaded', requestId, modelId, device: 'wasm', threads: 1, dtype: 'fp32', dtypes: ['fp32'], vocabSize: 2246, contextLength: 512, eosIds: [0],
    deviceReason: 'auto-no-webgpu',
  };
}

const event = (e: EngineEvent) => useStore.getState().handleEngineEvent(e);

function step(runId: number, i: number): StepEvent {
  return {
    runId, step: i, tokenId: 5, tokenText: 'a', textDelta: 'a', views: [], fates: [], entropy: 1, probability: 0.5, rank: 0, greedyId: 5,
    tokenTexts: { 5: 'a' }, timings: { forwardMs: 1, pipelineMs: 0.1, observeMs: 0.1 },
  };
}

beforeEach(() => useStore.setState(initial, true));

describe('loads', () => {
  it('a newer load wins: the older load’s answer, progress or failure changes nothing', () => {
    useStore.getState().startLoad('slow/model', 1);
    useStore.getState().startLoad('logitlab-tiny', 2);
    event(loaded(2, 'logitlab-tiny'));
    event({ type: 'progress', requestId: 1, file: 'onnx/model.onnx', loaded: 5, total: 10 });
    event(loaded(1, 'slow/model'));
    event({ type: 'error', requestId: 1, code: 'network', message: 'x' });
    const s = useStore.getState();
    expect(s.modelStatus).toBe('ready');
    expect(s.loaded?.modelId).toBe('logitlab-tiny');
    expect(s.modelRef).toBe('logitlab-tiny');
    expect(s.modelError).toBeNull();
    expect(s.progress).toEqual({});
  });

  it('a failed switch keeps the loaded model, puts the picker back on it and offers Retry for the one that failed', () => {
    useStore.getState().startLoad('logitlab-tiny', 1);
    event(loaded(1, 'logitlab-tiny'));
    useStore.getState().startLoad('https://example.org/bad/', 2);
    expect(useStore.getState().modelRef).toBe('https://example.org/bad/');
    event({ type: 'error', requestId: 2, code: 'bad_file', message: 'model bad: onnx/model.onnx is empty (0 bytes)' });
    const s = useStore.getState();
    expect(s.modelStatus).toBe('ready');
    expect(s.modelRef).toBe('logitlab-tiny');
    expect(s.loaded?.modelId).toBe('logitlab-tiny');
    expect(s.failedRef).toBe('https://example.org/bad/');
    expect(s.modelError?.key).toBe('errors.bad_file');
    // Said once, by the model panel: the generation area stays clean.
    expect(s.genError).toBeNull();
    expect(s.genState).toBe('idle');
  });

  it('a first load that fails leaves no model, the message once, and Retry', () => {
    useStore.getState().startLoad('https://example.org/bad/', 1);
    event({ type: 'error', requestId: 1, code: 'stalled', message: 'the download stalled' });
    const s = useStore.getState();
    expect(s.modelStatus).toBe('error');
    expect(s.failedRef).toBe('https://example.org/bad/');
    expect(s.genError).toBeNull();
  });
});

describe('a worker restarted by the watchdog', () => {
  it('ends the run in flight with the steps it had, says so, and waits for the reload', () => {
    useStore.getState().startLoad('logitlab-tiny', 1);
    event(loaded(1, 'logitlab-tiny'));
    useStore.getState().setPrompt('The weather');
    useStore.getState().setActiveRequest(7, 'running');
    // The worker calls it run 3; the page keeps it under its own id and shows it as its first run.
    event({ type: 'runStarted', requestId: 7, runId: 3, promptIds: [1, 2] });
    const run = useStore.getState().currentRunId!;
    useStore.getState().appendSteps(7, [step(3, 0), step(3, 1), step(3, 2)]);
    event({ type: 'workerRestarted', requestId: 0, worker: 'observer', cause: 'stuck', runRequestId: 7, reloadRequestId: 9 });
    let s = useStore.getState();
    expect(s.runs[run].reason).toBe('interrupted');
    expect(s.runs[run].steps).toHaveLength(3);
    expect(s.activeRequest).toBeNull();
    expect(s.modelStatus).toBe('loading');
    expect(s.notices.at(-1)).toMatchObject({ key: 'notices.observerRestartedRun', params: { run: s.runs[run].label, steps: 3 } });
    expect(s.runs[run].label).toBe(1);
    // Late steps of the dead run are not appended; the reload's answer is taken.
    useStore.getState().appendSteps(7, [step(3, 3)]);
    event(loaded(9, 'logitlab-tiny'));
    s = useStore.getState();
    expect(s.runs[run].steps).toHaveLength(3);
    expect(s.modelStatus).toBe('ready');
    // The run on screen still reads "interrupted" once the model is back, not "Idle".
    expect(s.genState).toBe('done');
  });
});

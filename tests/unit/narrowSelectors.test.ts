// The run history and the export panel read narrow views of the runs, so a batch of steps for the run in flight
// re-renders only what it changes. A component re-renders when zustand's useStore sees its selected value change:
// by Object.is, or by zustand's `shallow` under useShallow. `renders` counts exactly that over the real store, for
// the selectors the components use (RunHistory: the run order, and per line historyEntryOf with useShallow and
// "is this line the current run"; ExportPanel: hasRuns). No DOM library is installed, so this counts the re-renders
// zustand would ask React for rather than React's own renders.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { shallow } from 'zustand/vanilla/shallow';
import type { BeamStepView, EngineEvent, StepEvent } from '../../src/engine/protocol';
import { hasRuns, historyEntryOf, runsInOrder } from '../../src/store/selectors';
import { useStore } from '../../src/store/store';
import type { Store } from '../../src/store/storeTypes';

const initial = useStore.getState();
const stops: (() => void)[] = [];

/** How often a component reading `select` (compared with `equal`) would re-render from now on. */
function renders<T>(select: (s: Store) => T, equal: (a: T, b: T) => boolean = Object.is): { readonly count: number } {
  let shown = select(useStore.getState());
  const counter = { count: 0 };
  stops.push(useStore.subscribe((s) => {
    const next = select(s);
    if (equal(shown, next)) return;
    shown = next;
    counter.count++;
  }));
  return counter;
}

/** The subscriptions of RunHistory and of each of its lines. */
function historyRenders(ids: number[]) {
  return {
    list: renders((s) => s.runOrder),
    lines: Object.fromEntries(ids.map((id) => [id, {
      entry: renders((s) => historyEntryOf(s, id), shallow),
      current: renders((s) => s.currentRunId === id),
    }])),
  };
}

const event = (e: EngineEvent) => useStore.getState().handleEngineEvent(e);

function step(runId: number, i: number, text = 'a'): StepEvent {
  return {
    runId, step: i, tokenId: 5, tokenText: text, textDelta: text, views: [], fates: [], entropy: 1, probability: 0.5, rank: 0, greedyId: 5,
    tokenTexts: { 5: text }, timings: { forwardMs: 1, pipelineMs: 0.1, observeMs: 0.1 },
  };
}

/** A run of request `requestId` (the worker's run `engineRunId`) started and shown; returns its page id. */
function startRun(requestId: number, engineRunId: number, beam?: boolean): number {
  useStore.getState().setActiveRequest(requestId, 'running');
  event({
    type: 'runStarted', requestId, runId: engineRunId, promptIds: [1],
    ...(beam ? { beam: { num_beams: 2, length_penalty: 1, early_stopping: true, num_return_sequences: 1 } } : {}),
  });
  return useStore.getState().currentRunId!;
}

function finishRun(requestId: number, engineRunId: number): void {
  const runId = useStore.getState().currentRunId!;
  event({ type: 'done', requestId, runId: engineRunId, reason: 'max_new_tokens', text: useStore.getState().runs[runId].text, messagingMs: [], observedApart: false });
}

beforeEach(() => {
  useStore.setState(initial, true);
  useStore.getState().startLoad('logitlab-tiny', 1);
  event({
    type: 'loaded', requestId: 1, modelId: 'logitlab-tiny', device: 'wasm', threads: 1, dtype: 'fp32', dtypes: ['fp32'], vocabSize: 100,
    contextLength: 64, eosIds: [0], deviceReason: 'forced',
  });
  useStore.getState().setPrompt('The weather');
});

afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

describe('a batch of steps for the run in flight', () => {
  it('re-renders that run\'s line in the history, not the list, the other lines or the export panel', () => {
    const earlier = startRun(2, 1);
    useStore.getState().appendSteps(2, [step(1, 0), step(1, 1)]);
    finishRun(2, 1);
    const live = startRun(3, 2);
    const history = historyRenders([earlier, live]);
    const exportPanel = renders(hasRuns);
    const wholeMap = renders((s) => s.runs); // what both components read before

    for (let batch = 0; batch < 5; batch++) useStore.getState().appendSteps(3, [step(2, 2 * batch), step(2, 2 * batch + 1)]);

    expect(wholeMap.count).toBe(5);
    expect(history.list.count).toBe(0);
    expect(history.lines[earlier].entry.count).toBe(0);
    expect(history.lines[earlier].current.count).toBe(0);
    expect(history.lines[live].current.count).toBe(0);
    // Its token count changes with every batch: the one line that shows it follows.
    expect(history.lines[live].entry.count).toBe(5);
    expect(historyEntryOf(useStore.getState(), live)).toMatchObject({ label: 2, tokens: 10, preview: 'a'.repeat(10) });
    expect(exportPanel.count).toBe(0);
  });

  it('the run\'s end, a beam run\'s growing tree and a step opened re-render nothing in the history or the export panel', () => {
    const first = startRun(2, 1);
    useStore.getState().appendSteps(2, [step(1, 0, 'x'), step(1, 1, 'y')]);
    const history = historyRenders([first]);
    const exportPanel = renders(hasRuns);
    const wholeMap = renders((s) => s.runs);

    finishRun(2, 1); // the same text, now with its reason
    useStore.getState().selectStep(1);
    expect(wholeMap.count).toBe(1);

    const beam = startRun(3, 2, true);
    const beamLine = renders((s) => historyEntryOf(s, beam), shallow);
    const beamStep: BeamStepView = {
      step: 0, entered: [0], kept: [{ source: 0, tokenId: 9, logp: -0.1, sum: -0.1, rank: 0 }], finished: [], dropped: [], tokenTexts: { 9: 'x' },
      timings: { forwardMs: 1, searchMs: 0.1 },
    };
    for (let i = 0; i < 3; i++) event({ type: 'beamSteps', requestId: 3, runId: 2, steps: [{ ...beamStep, step: i }] });
    expect(wholeMap.count).toBe(5);
    expect(beamLine.count).toBe(0);
    // The new run is a new line (the list follows once), and becomes the current one.
    expect(history.list.count).toBe(1);
    expect(history.lines[first].entry.count).toBe(0);
    expect(history.lines[first].current.count).toBe(1);
    expect(exportPanel.count).toBe(0);
  });
});

describe('what the narrow views show', () => {
  it('a branch names its parent by its label; the export panel sees runs come and go', () => {
    const exportPanel = renders(hasRuns);
    expect(hasRuns(useStore.getState())).toBe(false);
    const parent = startRun(2, 1);
    useStore.getState().appendSteps(2, [step(1, 0), step(1, 1), step(1, 2)]);
    finishRun(2, 1);
    useStore.getState().setActiveRequest(3, 'running');
    event({ type: 'runStarted', requestId: 3, runId: 2, promptIds: [1], parentRunId: 1, branchStep: 1 });
    const branch = useStore.getState().currentRunId!;
    const s = useStore.getState();
    expect(historyEntryOf(s, branch)).toEqual({ label: 2, imported: false, parentLabel: 1, branchStep: 1, tokens: 0, preview: '' });
    expect(historyEntryOf(s, parent)?.preview).toBe('aaa');
    expect(runsInOrder(s).map((r) => r.runId)).toEqual([parent, branch]);
    expect(exportPanel.count).toBe(1);
    useStore.getState().closeRun(branch);
    useStore.getState().closeRun(parent);
    expect(historyEntryOf(useStore.getState(), parent)).toBeNull();
    expect(hasRuns(useStore.getState())).toBe(false);
    expect(exportPanel.count).toBe(2);
  });
});

// Import files fuzzed: random JSON shaped like exports, and real exports with one part changed or removed. Whatever
// the file, opening it never throws anything but a worded Error; a run that passes the schema is one every step
// chart draws (no exception, no NaN on screen); the page's run list stays consistent after adding it.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { DEFAULT_PARAMS } from '../../src/core';
import { exportJson, parseExport } from '../../src/store/exportRun';
import { useStore } from '../../src/store/store';
import type { RunView } from '../../src/store/types';
import { buildSpecimen } from '../../src/ui/specimen';
import { analyse } from '../../src/ui/useStepAnalysis';
import { Alternatives, StagesView } from '../../src/ui/panels/StepPanel';
import { TokenButton } from '../../src/ui/panels/GenerationPanel';
import { DistributionChart } from '../../src/ui/charts/DistributionChart';
import { layoutStageChart } from '../../src/ui/charts/StageChart';
import { layoutRunChart } from '../../src/ui/charts/RunCharts';
import { layoutBeamTree } from '../../src/ui/charts/beamTreeLayout';
import { fixed } from '../../src/ui/format';
import { initI18n } from '../../src/ui/i18n';
import { mutate, pathsOf } from './jsonMutations';

const RUNS = process.env.LOGITLAB_DEEP_TESTS ? 3000 : 300;
initI18n('en');
const initial = useStore.getState();
const WORDS = { alternatives: 'Alternatives', timings: 'forward {forward} ms · pipeline {pipeline} ms', step: 'step {step}: ' };

const specimen = buildSpecimen().run;
const real: RunView[] = [
  { ...specimen, runId: 1, steps: specimen.steps.slice(0, 4).map((s) => ({ ...s, runId: 1 })), promptIds: [3, 4] },
  {
    ...specimen, runId: 2, parentRunId: 1, branchStep: 3, reason: 'eos',
    // A run written before steps carried fates, timings without observeMs.
    steps: specimen.steps.slice(0, 3).map((s) => {
      const { fates: _fates, ...old } = s;
      return { ...old, runId: 2, timings: { forwardMs: 1, pipelineMs: 0.1 } } as unknown as RunView['steps'][number];
    }),
  },
];
// A beam run: its winner's steps, and its tree (a dropped candidate's log-probability -Infinity, which JSON writes as null).
real.push({
  ...specimen, runId: 3, steps: specimen.steps.slice(0, 2).map((s) => ({ ...s, runId: 3 })), reason: 'max_new_tokens',
  beam: {
    options: { num_beams: 2, length_penalty: 1, early_stopping: false, num_return_sequences: 2 }, reason: 'max_new_tokens',
    steps: [
      {
        step: 0, entered: [0], kept: [{ source: 0, tokenId: 5, logp: -0.1, sum: -0.1, rank: 0 }, { source: 0, tokenId: 6, logp: -2, sum: -2, rank: 1 }],
        finished: [{ source: 0, tokenId: 0, logp: -3, sum: -3, rank: 2, score: -3, end: 'eos', accepted: true }],
        dropped: [{ source: 0, tokenId: 7, logp: Number.NEGATIVE_INFINITY, sum: Number.NEGATIVE_INFINITY, rank: 3, why: 'beams_full' }],
        tokenTexts: { 5: ' sunny', 6: ' wet', 7: '?' }, timings: { forwardMs: 1, searchMs: 0.1 },
      },
      {
        step: 1, entered: [-0.1, -2], kept: [{ source: 0, tokenId: 6, logp: -0.5, sum: -0.6, rank: 0 }, { source: 1, tokenId: 5, logp: -0.2, sum: -2.2, rank: 1 }],
        finished: [], dropped: [], tokenTexts: {}, timings: { forwardMs: 1, searchMs: 0.1 },
      },
    ],
    hypotheses: [
      { ids: [5, 6], text: ' sunny wet', score: -0.3, sum: -0.6, step: 1, beam: 0, end: 'max_new_tokens', path: [0, 0] },
      { ids: [6, 5], text: ' wet sunny', score: -1.1, sum: -2.2, step: 1, beam: 1, end: 'max_new_tokens', path: [1, 1] },
    ],
  },
});
const realText = exportJson('logitlab-tiny', real);

const drawnSteps = new Set<string>();

/** Draws every step of a run as the step panel and the token stream would; returns all the text drawn. */
function drawRun(run: RunView): string {
  let html = '';
  const layout = layoutRunChart(run.steps, 640, 200);
  html += JSON.stringify(layout);
  if (run.beam) {
    // The beam tree's boxes and lines, and the numbers its boxes and hypotheses show.
    const tree = layoutBeamTree(run.beam.steps, run.beam.hypotheses);
    html += JSON.stringify({ ...tree, nodes: tree.nodes.map((n) => ({ ...n, logp: fixed(n.logp), sum: fixed(n.sum), score: n.score === undefined ? '' : fixed(n.score) })) });
    html += run.beam.hypotheses.map((h) => fixed(h.score, 4)).join(' ');
  }
  for (let i = 0; i < run.steps.length; i++) {
    // A step draws from itself alone: one drawn before (most cases change one part of one step) is not drawn again.
    const key = JSON.stringify([run.steps[i], run.params.top_k]);
    if (drawnSteps.has(key)) continue;
    drawnSteps.add(key);
    // Settings changed since the run, and no logits (imported): the recorded step is drawn, with a note.
    const changed = { ...DEFAULT_PARAMS, top_k: run.params.top_k === 7 ? 8 : 7 };
    {
      const a = analyse(run.steps, run.params, i, changed, null, run.runId, false);
      expect(a?.whatIfUnavailable).toBe(true);
      if (!a) throw new Error(`step ${i} has no analysis`);
      html += renderToString(createElement('div', null,
        createElement(DistributionChart, { fates: a.fates, tokenTexts: a.tokenTexts, drawnId: a.drawnId, title: 'd' }),
        createElement(StagesView, { views: a.views, tokenTexts: a.tokenTexts, animate: false }),
        createElement(Alternatives, { alternatives: a.fates.slice(0, 8), tokenTexts: a.tokenTexts, stepIndex: i, chosenId: a.event?.tokenId }),
        createElement(TokenButton, { step: run.steps[i], selected: false, words: WORDS }),
      ));
      for (const view of a.views) html += JSON.stringify(layoutStageChart(view, a.tokenTexts, 640, 260, { before: 'b', after: 'a', cumulative: 'c' }));
    }
  }
  return html;
}

/** Opens a file as the import button does; checks what the page would then hold. */
function openAndCheck(text: string): void {
  useStore.setState(initial, true);
  let opened: ReturnType<typeof parseExport>;
  try {
    opened = parseExport(text);
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message.length).toBeGreaterThan(0);
    return;
  }
  for (const run of opened.runs) {
    const drawn = drawRun(run);
    const bad = /NaN|Infinity|undefined/.exec(drawn);
    if (bad) throw new Error(`drew ${bad[0]}: …${drawn.slice(Math.max(0, bad.index - 80), bad.index + 40)}…`);
  }
  const before = useStore.getState().runOrder.length;
  const added = useStore.getState().importRuns(opened.runs);
  const s = useStore.getState();
  expect(s.runOrder.length).toBe(before + added.length);
  expect(new Set(s.runOrder).size).toBe(s.runOrder.length);
  for (const id of s.runOrder) {
    const run = s.runs[id];
    expect(run.runId).toBe(id);
    expect(run.imported).toBe(true);
    for (const step of run.steps) expect(step.runId).toBe(id);
    if (run.parentRunId !== undefined) {
      expect(s.runs[run.parentRunId]).toBeDefined();
      expect(run.parentRunId).not.toBe(id);
    }
  }
  expect(s.currentRunId === null || s.runs[s.currentRunId] !== undefined).toBe(true);
  // The runs open again after being exported again.
  if (added.length > 0) expect(parseExport(exportJson('m', s.runOrder.map((id) => s.runs[id]))).runs).toHaveLength(added.length);
}

/** Any JSON value, biased towards the kinds an export holds. */
const jsonValue = fc.oneof(
  fc.constant(null), fc.boolean(), fc.integer({ min: -5, max: 5000 }), fc.double(), fc.string({ maxLength: 8 }),
  fc.array(fc.integer({ min: -2, max: 40 }), { maxLength: 4 }), fc.array(fc.double({ min: 0, max: 1 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
);

const realData = JSON.parse(realText) as unknown;
const realPaths = pathsOf(realData);

const stageView = fc.record({
  stage: fc.constantFrom('raw', 'top_k', 'top_p', 'draw', 'something_new'),
  ids: fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 4 }),
  before: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
  after: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
  keptBefore: fc.integer({ min: 0, max: 30 }), keptAfter: fc.integer({ min: 0, max: 30 }), removedCount: fc.integer({ min: -3, max: 30 }),
  removedMass: fc.double({ min: 0, max: 1, noNaN: true }), entropy: fc.double({ min: 0, max: 5, noNaN: true }),
}, { requiredKeys: ['stage', 'ids', 'before', 'after'] });
const stepArb = fc.record({
  runId: fc.integer(), step: fc.integer({ min: 0, max: 3 }), tokenId: fc.integer({ min: -1, max: 20 }), tokenText: fc.string({ maxLength: 3 }),
  textDelta: fc.oneof(fc.string({ maxLength: 3 }), fc.integer()), views: fc.array(stageView, { maxLength: 3 }),
  fates: fc.array(fc.record({ id: fc.integer({ min: 0, max: 20 }), rawProb: fc.double({ min: 0, max: 1, noNaN: true }), finalProb: fc.double({ min: 0, max: 1, noNaN: true }), removedBy: fc.constantFrom(null, 'top_k', 'x') }), { maxLength: 4 }),
  entropy: fc.double({ min: 0, max: 4, noNaN: true }), probability: fc.double({ min: 0, max: 1.2, noNaN: true }), rank: fc.integer({ min: 0, max: 4 }),
  greedyId: fc.integer({ min: 0, max: 20 }), tokenTexts: fc.dictionary(fc.integer({ min: 0, max: 20 }).map(String), fc.string({ maxLength: 3 }), { maxKeys: 4 }),
  timings: fc.record({ forwardMs: fc.double(), pipelineMs: fc.double(), observeMs: fc.double() }, { requiredKeys: [] }),
}, { requiredKeys: ['runId', 'step', 'tokenId', 'views', 'tokenText', 'textDelta'] });
const runArb = fc.record({
  runId: fc.integer({ min: -2, max: 4 }), parentRunId: fc.integer({ min: -2, max: 4 }), branchStep: fc.integer({ min: 0, max: 3 }),
  prompt: fc.oneof(fc.string({ maxLength: 6 }), fc.constant(undefined)), promptIds: fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 3 }),
  params: fc.oneof(fc.constant(DEFAULT_PARAMS), fc.record({ top_p: fc.double(), top_k: fc.integer({ min: -1, max: 60 }), order: fc.constantFrom(['top_k'], [...DEFAULT_PARAMS.order]) }, { requiredKeys: [] })),
  seed: fc.integer({ min: -1, max: 10 }), steps: fc.array(stepArb, { maxLength: 3 }), text: fc.oneof(fc.string({ maxLength: 5 }), fc.integer()),
  reason: fc.constantFrom(null, 'eos', 'stop', 'nope'),
}, { requiredKeys: ['runId', 'steps'] });

describe('opening fuzzed import files', () => {
  it('the issue\'s examples are refused with a reason, and the page keeps its runs', () => {
    for (const bad of [
      '{"format":"logitlab-run","version":1,"runs":[{"runId":1,"steps":[]}]}',
      JSON.stringify({ ...JSON.parse(realText), runs: [{ ...real[0], text: 3 }] }),
      JSON.stringify({ ...JSON.parse(realText), runs: [{ ...real[0], steps: [{ ...real[0].steps[0], views: [{ ...real[0].steps[0].views[0], ids: '1,2' }] }] }] }),
      JSON.stringify({ ...JSON.parse(realText), runs: [{ ...real[0], steps: real[0].steps.map(({ tokenTexts: _t, ...s }) => s) }] }),
    ]) {
      expect(() => parseExport(bad)).toThrow(/runs\.0\./);
    }
  });

  it('opens the good runs of a file and names the ones it leaves out', () => {
    const data = JSON.parse(realText) as { runs: unknown[] };
    data.runs.push({ runId: 9, steps: 'none' });
    const opened = parseExport(JSON.stringify(data));
    expect(opened.runs.map((r) => r.runId)).toEqual([1, 2, 3]);
    expect(opened.refused).toEqual([{ index: 3, why: expect.stringMatching(/^runs\.3\./) }]);
  });

  it('real exports open and draw', () => {
    openAndCheck(realText);
    expect(useStore.getState().runOrder).toHaveLength(3);
    const beamRun = useStore.getState().runs[useStore.getState().runOrder[2]];
    expect(beamRun.beam?.steps[0].dropped[0].logp).toBe(Number.NEGATIVE_INFINITY);
    expect(beamRun.beam?.hypotheses.map((h) => h.text)).toEqual([' sunny wet', ' wet sunny']);
  });

  it('random files shaped like exports: no exception escapes, what opens draws', () => {
    fc.assert(fc.property(fc.array(runArb, { minLength: 1, maxLength: 3 }), fc.constantFrom('logitlab-run', 'other'), fc.constantFrom(1, 2), (runs, format, version) => {
      openAndCheck(JSON.stringify({ format, version, model: 'm', runs }));
    }), { numRuns: RUNS });
  });

  it('real exports with one part changed or removed: no exception escapes, what opens draws', () => {
    fc.assert(fc.property(fc.constantFrom(...realPaths), fc.boolean(), jsonValue, (path, remove, value) => {
      const changed = mutate(realData, path, { remove, value });
      openAndCheck(changed === undefined ? '' : JSON.stringify(changed));
    }), { numRuns: RUNS });
  });
});

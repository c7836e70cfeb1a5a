// The beam tree's geometry: one column per step after the prompt, kept beams first, then finished, then dropped;
// every box linked to the beam it extends; the winner's path marked; boxes never overlap.
import { describe, expect, it } from 'vitest';
import { OFF_PARAMS, beamSearch, hypothesisPath } from '../../src/core';
import type { BeamHypothesisView, BeamStepView } from '../../src/engine/protocol';
import { BEAM_NODE, layoutBeamTree } from '../../src/ui/charts/beamTreeLayout';

/** A real search on a small table, turned into the views the worker posts. */
function searched(early: boolean) {
  const ln = Math.log;
  const table = [
    [ln(0.3), ln(0.3), ln(0.2), ln(0.2)],
    [ln(0.1), ln(0.5), ln(0.1), ln(0.3)],
    [ln(0.4), ln(0.1), ln(0.4), ln(0.1)],
    [0, 0, 0, 0],
  ];
  const r = beamSearch({
    vocabSize: 4, promptIds: [0], params: OFF_PARAMS, eosIds: [3],
    settings: { num_beams: 2, length_penalty: 1, early_stopping: early, num_return_sequences: 2, max_new_tokens: 4 },
  }, (beams) => {
    const rows = new Float64Array(beams.length * 4);
    beams.forEach((b, i) => rows.set(table[b.generated.length ? b.generated[b.generated.length - 1] : 0], i * 4));
    return rows;
  });
  const steps: BeamStepView[] = r.steps.map((s) => ({ ...s, entered: [], tokenTexts: {}, timings: { forwardMs: 0, searchMs: 0 } }));
  const hypotheses: BeamHypothesisView[] = r.all.map((h) => ({ ...h, text: '', path: hypothesisPath(r.steps, h) }));
  return { steps, hypotheses };
}

describe('layoutBeamTree', () => {
  it.each([true, false])('lays every candidate out once, linked to its parent, without overlaps (early_stopping %s)', (early) => {
    const { steps, hypotheses } = searched(early);
    const layout = layoutBeamTree(steps, hypotheses);
    const count = (kind: string) => layout.nodes.filter((n) => n.kind === kind).length;
    expect(count('kept')).toBe(steps.reduce((n, s) => n + s.kept.length, 0));
    expect(count('finished')).toBe(steps.reduce((n, s) => n + s.finished.length, 0));
    expect(count('dropped')).toBe(steps.reduce((n, s) => n + s.dropped.length, 0));
    expect(count('length')).toBe(hypotheses.filter((h) => h.end === 'max_new_tokens').length);
    expect(layout.edges.length).toBe(layout.nodes.length - 1);
    for (const a of layout.nodes) {
      expect(a.x + BEAM_NODE.width).toBeLessThanOrEqual(layout.width);
      expect(a.y + BEAM_NODE.height).toBeLessThanOrEqual(layout.height);
      for (const b of layout.nodes) {
        if (a === b) continue;
        const apart = a.x + BEAM_NODE.width <= b.x || b.x + BEAM_NODE.width <= a.x || a.y + BEAM_NODE.height <= b.y || b.y + BEAM_NODE.height <= a.y;
        expect(apart).toBe(true);
      }
    }
    // Each edge starts at the right side of a box and ends at the left side of one a column further on.
    for (const e of layout.edges) expect(e.x2 - e.x1).toBe(BEAM_NODE.column - BEAM_NODE.width);
  });

  it('marks the winner\'s path: one kept box per step it ran, and its finishing box', () => {
    const { steps, hypotheses } = searched(false);
    const layout = layoutBeamTree(steps, hypotheses);
    const best = hypotheses[0];
    const keptWinners = layout.nodes.filter((n) => n.kind === 'kept' && n.winner);
    expect(keptWinners.map((n) => [n.step, n.index])).toEqual(best.path.map((k, s) => [s, k]));
    expect(layout.nodes.filter((n) => (n.kind === 'finished' || n.kind === 'length') && n.winner).length).toBe(1);
  });
});

// The hand-drawn charts' geometry: probabilities land where the axes say, ticks cover the data, and the idle-time
// specimen really contains every kind of label the step panel draws.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { StageView } from '../../src/core';
import type { StepEvent } from '../../src/engine/protocol';
import { layoutRunChart, niceTicks } from '../../src/ui/charts/RunCharts';
import { layoutStageChart, probabilityAxisTop } from '../../src/ui/charts/StageChart';
import { tokenLabel } from '../../src/ui/format';
import { buildSpecimen } from '../../src/ui/specimen';

const NAMES = { before: 'raw', after: 'final', cumulative: 'cumulative' };

function stepsOf(entropies: number[], probabilities: number[]): StepEvent[] {
  const { run } = buildSpecimen();
  return entropies.map((entropy, i) => ({ ...run.steps[i % run.steps.length], step: i, entropy, probability: probabilities[i] }));
}

describe('niceTicks', () => {
  it.each([
    [4.5, [0, 2, 4, 6]],
    [8, [0, 2, 4, 6, 8]],
    [1, [0, 0.25, 0.5, 0.75, 1]],
    [0.3, [0, 0.1, 0.2, 0.3]],
    [0, [0, 0.25, 0.5, 0.75, 1]],
    [Number.NaN, [0, 0.25, 0.5, 0.75, 1]],
  ])('max %s gives %j', (max, ticks) => {
    expect(niceTicks(max)).toEqual(ticks);
  });

  it('starts at 0, steps evenly, reaches the maximum, and never draws more than five ticks', () => {
    fc.assert(fc.property(fc.double({ min: 1e-6, max: 1e6, noNaN: true }), (max) => {
      const ticks = niceTicks(max);
      expect(ticks[0]).toBe(0);
      expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(max * (1 - 1e-9));
      expect(ticks.length).toBeLessThanOrEqual(5);
      const step = ticks[1] - ticks[0];
      for (let i = 1; i < ticks.length; i++) expect(ticks[i] - ticks[i - 1]).toBeCloseTo(step, 9);
    }));
  });
});

describe('layoutRunChart', () => {
  it('puts probability 0 on the bottom edge and 1 on the top edge, steps left to right, one tick per step up to twelve', () => {
    const layout = layoutRunChart(stepsOf([0.5, 2.2, 1.1, 0], [0, 1, 0.5, 0.25]), 600, 200);
    const { plot, points } = layout;
    expect(points.map((p) => p.probabilityY)).toEqual([plot.bottom, plot.top, (plot.top + plot.bottom) / 2, plot.bottom - 0.25 * (plot.bottom - plot.top)]);
    expect(points[0].x).toBe(plot.left);
    expect(points[3].x).toBe(plot.right);
    expect(points[1].x).toBeGreaterThan(points[0].x);
    expect(layout.stepTicks.map((t) => t.value)).toEqual([0, 1, 2, 3]);
    // Entropy on its own axis: the largest value (2.2) under the top tick (3 with ticks 0, 1, 2, 3).
    expect(layout.entropyTicks.map((t) => t.value)).toEqual([0, 1, 2, 3]);
    expect(points[1].entropyY).toBeCloseTo(plot.bottom - (2.2 / 3) * (plot.bottom - plot.top), 9);
    expect(layout.entropyPath.split('L')).toHaveLength(4);
  });

  it('labels at most thirteen steps however long the run, and keeps NaN off the drawing', () => {
    const n = 300;
    const layout = layoutRunChart(stepsOf(Array.from({ length: n }, (_, i) => (i === 7 ? Number.NaN : i / 100)), Array.from({ length: n }, () => 0.5)), 800, 200);
    expect(layout.stepTicks.length).toBeLessThanOrEqual(13);
    expect(layout.entropyPath).not.toContain('NaN');
    expect(layout.points[7].entropyY).toBe(layout.plot.bottom);
  });

  it('draws a one-step run in the middle', () => {
    const { plot, points } = layoutRunChart(stepsOf([1], [0.3]), 500, 200);
    expect(points[0].x).toBe((plot.left + plot.right) / 2);
  });
});

describe('layoutStageChart', () => {
  const view: StageView = {
    stage: 'top_p', ids: [5, 6, 7, 8], before: [0.5, 0.3, 0.15, 0.05], after: [0.625, 0.375, 0, 0],
    keptBefore: 4, keptAfter: 2, removedCount: 2, removedMass: 0.2, entropy: 0.66, threshold: 0.8,
  };
  const texts = { 5: ' sunny', 6: '晴朗', 7: 'a-very-long-token-text', 8: '\n' };

  it('draws bar heights in proportion to probability, from the x axis up, on an axis that ends just above the largest bar', () => {
    const { plot, bands, yTicks } = layoutStageChart(view, texts, 800, 260, NAMES);
    const height = plot.bottom - plot.top;
    // The largest bar is 62.5 %: the axis ends at 75 %.
    expect(yTicks.map((t) => t.value)).toEqual([0, 0.1875, 0.375, 0.5625, 0.75]);
    bands.forEach((b, i) => {
      expect(b.before.height).toBeCloseTo((view.before[i] / 0.75) * height, 9);
      expect(b.after.height).toBeCloseTo((view.after[i] / 0.75) * height, 9);
      expect(b.before.y + b.before.height).toBeCloseTo(plot.bottom, 9);
      expect(b.before.x).toBeGreaterThanOrEqual(b.x);
      expect(b.after.x + b.barWidth).toBeLessThanOrEqual(b.x + b.width);
    });
  });

  it('draws top_p’s cumulative line rising to the last token and its threshold at 80 %', () => {
    const layout = layoutStageChart(view, texts, 800, 260, NAMES);
    const ys = layout.bands.map((b) => b.cumulative.y);
    for (let i = 1; i < ys.length; i++) expect(ys[i]).toBeLessThan(ys[i - 1]);
    expect(layout.showCumulative).toBe(true);
    expect(layout.thresholdY).toBeCloseTo(layout.plot.bottom - 0.8 * (layout.plot.bottom - layout.plot.top), 9);
  });

  it('labels tokens as the rest of the page does, shortening long ones, with the full text and numbers in the tooltip', () => {
    const { bands } = layoutStageChart(view, texts, 800, 260, NAMES);
    expect(bands.map((b) => b.label)).toEqual(['␣sunny', '晴朗', 'a-very-long-t…', '⏎']);
    expect(bands[2].tooltip).toContain('a-very-long-token-text');
    expect(bands[0].tooltip).toBe('␣sunny: raw 50.00% · final 62.50% · cumulative 50.00%');
  });

  it('fills the chart with a flat distribution instead of drawing it near the floor of a 0–100 % axis', () => {
    const flat: StageView = { ...view, stage: 'temperature', threshold: undefined, ids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], before: Array(10).fill(0.04), after: Array(10).fill(0.04) };
    const { plot, bands } = layoutStageChart(flat, texts, 800, 260, NAMES);
    expect(bands[0].before.height).toBeGreaterThan(0.75 * (plot.bottom - plot.top));
    fc.assert(fc.property(fc.double({ min: 1e-6, max: 1, noNaN: true }), (p) => {
      const top = probabilityAxisTop(p);
      expect(top).toBeGreaterThanOrEqual(p - 1e-12);
      expect(top).toBeLessThanOrEqual(Math.max(0.01, 2.5 * p));
    }));
  });

  it('marks tokens under a logit bias in their label and makes room for classroom-sized text', () => {
    const small = layoutStageChart(view, texts, 800, 260, NAMES);
    const large = layoutStageChart(view, texts, 800, 390, NAMES, 20, { 5: -100 });
    expect(large.bands[0].label).toBe('⚖␣sunny');
    expect(small.bands[0].label).toBe('␣sunny');
    expect(large.plot.left).toBeGreaterThan(small.plot.left);
    expect(large.font).toBe(20);
  });

  it('has no cumulative line or threshold for a stage without them', () => {
    const layout = layoutStageChart({ ...view, stage: 'temperature', threshold: undefined }, texts, 800, 260, NAMES);
    expect(layout.showCumulative).toBe(false);
    expect(layout.thresholdY).toBeNull();
  });
});

describe('the idle-time specimen', () => {
  it('holds every symbol a token label can show, Chinese text, and a top_p stage with a threshold', () => {
    const specimen = buildSpecimen();
    const labels = Object.entries(specimen.analysis.tokenTexts).map(([id, text]) => tokenLabel(text, Number(id))).join('');
    for (const symbol of ['␣', '⏎', '⇥', '∅', '·']) expect(labels).toContain(symbol);
    expect(labels).toMatch(/\p{Script=Han}/u);
    expect(specimen.stage.stage).toBe('top_p');
    expect(specimen.stage.threshold).toBeGreaterThan(0);
    expect(specimen.analysis.fates.some((f) => f.removedBy !== null)).toBe(true);
  });

  it('runs every step through the sampling pipeline: temperature, top_p and min_p stages, a final distribution summing to 1', () => {
    for (const step of buildSpecimen().run.steps) {
      expect(step.views.map((v) => v.stage)).toEqual(expect.arrayContaining(['raw', 'temperature', 'top_p', 'min_p', 'draw']));
      expect(step.views[step.views.length - 1].after.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }
  });
});

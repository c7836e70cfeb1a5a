// The toy chart's temperature sweep: what the core says at every temperature, with the other settings applied.
import { describe, expect, it } from 'vitest';
import { OFF_PARAMS, sampleStep } from '../../src/core';
import { temperatureSweep } from '../../src/ui/charts/TemperatureSweep';

const weather = [3.0, 2.5, 2.0, 1.0];

describe('temperature sweep', () => {
  it('matches a single step at each temperature and concentrates on the top token when cold', () => {
    const rows = temperatureSweep(weather, OFF_PARAMS);
    expect(rows).toHaveLength(60);
    expect(rows[0].temperature).toBeCloseTo(0.05, 12);
    expect(rows.at(-1)!.temperature).toBe(3);
    const atOne = rows.find((r) => r.temperature === 1)!;
    const step = sampleStep({ logits: weather, params: OFF_PARAMS }).kept!;
    step.ids.forEach((id, k) => expect(atOne[`t${id}`]).toBeCloseTo(step.probs[k], 12));
    expect(rows[0].t0).toBeGreaterThan(0.99);
    // Heating flattens: the top token's share only falls.
    for (let i = 1; i < rows.length; i++) expect(rows[i].t0).toBeLessThanOrEqual(rows[i - 1].t0 + 1e-12);
  });

  it('applies the filters at every temperature (top_p 0.85 cuts rainy until it gets warm enough to matter)', () => {
    const rows = temperatureSweep(weather, { ...OFF_PARAMS, top_p: 0.85 });
    const cold = rows.find((r) => r.temperature === 1)!;
    expect(cold.t3).toBe(0);
    for (const r of rows) expect(r.t0 + r.t1 + r.t2 + r.t3).toBeCloseTo(1, 12);
    expect(rows.at(-1)!.t3).toBeGreaterThan(0);
  });
});

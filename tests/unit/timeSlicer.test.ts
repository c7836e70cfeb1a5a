// The time slicer on a hand-driven clock: it yields a task only once a slice has run its budget, and mapSliced
// gives fn's results in order whatever the slicing.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mapSliced, timeSlicer } from '../../src/store/timeSlicer';

describe('timeSlicer', () => {
  it('yields after each budget of work and not before', async () => {
    let clock = 0;
    const log: string[] = [];
    const slicer = timeSlicer(10, () => clock, async () => { log.push(`yield@${clock}`); });
    const costs = [3, 3, 3, 3, 12, 1, 9, 1];
    await mapSliced(costs, slicer, (ms, i) => { clock += ms; log.push(`item${i}`); });
    // 3+3+3+3 = 12 ≥ 10 before item 4; item 4 alone is 12; 1+9 = 10 before item 7.
    expect(log).toEqual(['item0', 'item1', 'item2', 'item3', 'yield@12', 'item4', 'yield@24', 'item5', 'item6', 'yield@34', 'item7']);
  });

  it('yieldNow starts a fresh slice whatever the time spent', async () => {
    let clock = 0;
    let yields = 0;
    const slicer = timeSlicer(10, () => clock, async () => { yields++; });
    await slicer.yieldNow();
    clock = 9;
    await slicer.pause();
    expect(yields).toBe(1);
    clock = 10;
    await slicer.pause();
    expect(yields).toBe(2);
  });

  it('mapSliced returns fn over every item in order, and no slice between two yields exceeds budget + one item', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 40 }), fc.integer({ min: 1, max: 30 }), async (costs, budget) => {
      let clock = 0;
      let sliceFrom = 0;
      let longest = 0;
      const slicer = timeSlicer(budget, () => clock, async () => { sliceFrom = clock; });
      const out = await mapSliced(costs, slicer, (ms, i) => {
        const before = clock - sliceFrom;
        clock += ms;
        // What ran in this slice before this item was under the budget (else the slicer would have yielded).
        expect(before).toBeLessThan(budget);
        longest = Math.max(longest, clock - sliceFrom);
        return i * 2;
      });
      expect(out).toEqual(costs.map((_, i) => i * 2));
      expect(longest).toBeLessThanOrEqual(budget + Math.max(0, ...costs));
    }));
  });
});

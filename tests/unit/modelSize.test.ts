// What a device can hold, and the refusal a user reads when a model's weights do not fit.
import { describe, expect, it } from 'vitest';
import { tooLargeReason, weightBudget } from '../../src/engine/modelSize';

const GiB = 2 ** 30;

describe('weight budget', () => {
  it.each([
    ['wasm, memory unknown', 'wasm', undefined, 3.5 * GiB],
    ['wasm, 8 GB or more', 'wasm', 8, 3.5 * GiB],
    ['wasm, 4 GB', 'wasm', 4, 2 * GiB],
    ['webgpu, memory unknown', 'webgpu', undefined, null],
    ['webgpu, 2 GB', 'webgpu', 2, 1 * GiB],
    ['node', 'cpu', 4, null],
  ] as const)('%s', (_name, device, memory, budget) => {
    expect(weightBudget(device, memory)).toBe(budget);
  });

  it('refuses only what is over the budget, naming the size, the device and a way out', () => {
    expect(tooLargeReason('model a/b', 'q8', 500e6, 'wasm', weightBudget('wasm', 4))).toBeNull();
    expect(tooLargeReason('model a/b', 'fp32', null, 'wasm', weightBudget('wasm'))).toBeNull();
    const reason = tooLargeReason('model a/b', 'fp32', 1.98e9, 'wasm', weightBudget('wasm', 2));
    expect(reason).toMatch(/model a\/b needs about 2\.0 GB for its fp32 weights/);
    expect(reason).toMatch(/WASM/);
    expect(reason).toMatch(/q4/);
  });
});

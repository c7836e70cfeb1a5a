// A small hand-made comparison for the compare tests: two lanes of two samples each, every sample two steps long.
import { applyOverrides, defaultRunSettings } from '../../src/core';
import type { CompareStep } from '../../src/engine/protocol';
import type { Comparison } from '../../src/store/compareSlice';

type StepOf = (row: number, i: number, tokenId: number) => CompareStep;

/** Lane 0 greedy, lane 1 with `lane1Overrides`; row r samples tokens 3 then 4 + r, its steps made by `step`. */
export function twoLaneComparison(prompt: string, lane1Overrides: string, step: StepOf): Comparison {
  const base = defaultRunSettings(5);
  return {
    prompt, model: 'logitlab-tiny', promptIds: [1, 2], samples: 2, mode: 'batched',
    lanes: [
      { lane: 0, overrides: 'temperature=0', settings: applyOverrides(base, 'temperature=0'), rows: [0, 1] },
      { lane: 1, overrides: lane1Overrides, settings: applyOverrides(base, lane1Overrides), rows: [2, 3] },
    ],
    rows: [0, 1, 2, 3].map((row) => ({
      row, lane: row >> 1, sample: row & 1, seed: 5 + (row & 1), steps: [step(row, 0, 3), step(row, 1, 4 + row)], text: `t3t${4 + row}`, reason: 'max_new_tokens' as const,
    })),
  };
}

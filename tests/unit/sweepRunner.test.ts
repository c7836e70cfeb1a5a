// The sweep loop over a fake engine: batching, metrics per setting, tv_distance, cancel and resume.
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_PARAMS } from '../../src/core';
import { parseObjective, parseSweepQuery, settingQuery, type SweepPoint } from '../../src/core/sweep';
import { runSweep, teachingDistanceFor, type RowOutcome, type SweepEngine, type SweepRow } from '../../src/store/sweepRunner';
import type { TeachingPoint } from '../../src/store/types';

const VOCAB = 8;
/** Token 0 = " sunny", 1 = " cloudy", 2 = " overcast", 3 = " rainy"; the rest are other words. */
const teaching: TeachingPoint[] = [
  { prompt: 'The weather today is very', lang: 'en', next: { ' sunny': 0.474, ' cloudy': 0.287, ' overcast': 0.175, ' rainy': 0.064 } },
  { prompt: 'Two plus two equals', lang: 'en', next: { ' four': 0.96, ' five': 0.04 } },
];
const firstToken: Record<string, number> = { ' sunny': 0, ' cloudy': 1, ' overcast': 2, ' rainy': 3, ' four': 4, ' five': 5 };

function fakeEngine(log: SweepRow[][]): SweepEngine & { cancelAfter: number | null } {
  const engine = {
    cancelAfter: null as number | null,
    async promptLogits(prompts: string[], continuations: string[][]) {
      return prompts.map((p, i) => {
        const logits = new Float32Array(VOCAB).fill(-2);
        // The weather prompt's argmax is " cloudy"; the sum prompt's is " four".
        if (p.startsWith('The weather')) logits.set([2, 2.5, 1, 0.5]);
        else logits[4] = 3;
        return { promptIds: [7, 6], logits, firstTokens: continuations[i].map((c) => firstToken[c]) };
      });
    },
    async runRows(rows: SweepRow[]): Promise<RowOutcome[]> {
      log.push(rows);
      return rows.map((r) => ({
        text: ` t${r.params.temperature} s${r.seed}`, tokenIds: [1, 2, 3], reason: 'max_new_tokens' as const,
        metrics: { perplexity: 1 + r.params.temperature + r.seed / 100, distinct_1: 0.5 },
      }));
    },
  };
  return engine;
}

const pool = (samples: readonly RowOutcome[]) => ({ distinct_2: new Set(samples.map((s) => s.text)).size / samples.length });

describe('runSweep', () => {
  const { definition } = parseSweepQuery('sweep=temperature:0:1:3,top_p:0.5:1:2&search=grid&samples=2');
  const base = { params: { ...DEFAULT_PARAMS }, seed: 10, max_new_tokens: 4 };

  it('packs several settings per batch, gives every setting the same seeds and measures each', async () => {
    const log: SweepRow[][] = [];
    const points: SweepPoint[] = [];
    const state = await runSweep({
      definition: definition!, base, prompts: ['A', 'B'], objective: parseObjective('perplexity:min'), teaching, grammar: null,
      engine: fakeEngine(log), pool, rowsPerBatch: 8, onPoint: (p) => points.push(p), isCancelled: () => false,
    });
    expect(state).toBe('completion');
    expect(points.map((p) => settingQuery(definition!.dims, p.setting))).toEqual([
      'temperature=0&top_p=0.5', 'temperature=0&top_p=1', 'temperature=0.5&top_p=0.5', 'temperature=0.5&top_p=1', 'temperature=1&top_p=0.5', 'temperature=1&top_p=1',
    ]);
    expect(log.map((b) => b.length)).toEqual([8, 8, 8]);
    expect(log[0].slice(0, 4).map((r) => [r.prompt, r.seed])).toEqual([['A', 10], ['A', 11], ['B', 10], ['B', 11]]);
    // Mean over the four samples of 1 + T + seed/100.
    expect(points[2].metrics.perplexity).toBeCloseTo(1 + 0.5 + 0.105, 12);
    expect(points[2].metrics.distinct_2).toBe(0.5);
    expect(points[2].score).toBe(points[2].metrics.perplexity);
    expect(points[0].samples).toHaveLength(4);
    // At temperature 0 the distance is the mean of 1 − q(argmax): " cloudy" (0.287) and " four" (0.96).
    expect(points[0].metrics.tv_distance).toBeCloseTo(((1 - 0.287) + (1 - 0.96)) / 2, 12);
    expect(points[4].metrics.tv_distance).toBeLessThan(points[0].metrics.tv_distance!);
  });

  it('stops when cancelled and, resumed with its points, ends as the uninterrupted run does', async () => {
    const all: SweepPoint[] = [];
    await runSweep({
      definition: { ...definition!, method: 'bayes', trials: 7 }, base, prompts: ['A'], objective: parseObjective('perplexity:1.4'), teaching: null, grammar: null,
      engine: fakeEngine([]), pool, rowsPerBatch: 4, onPoint: (p) => all.push(p), isCancelled: () => false,
    });
    const first: SweepPoint[] = [];
    const state = await runSweep({
      definition: { ...definition!, method: 'bayes', trials: 7 }, base, prompts: ['A'], objective: parseObjective('perplexity:1.4'), teaching: null, grammar: null,
      engine: fakeEngine([]), pool, rowsPerBatch: 4, onPoint: (p) => first.push(p), isCancelled: () => first.length >= 4,
    });
    expect(state).toBe('cancelled');
    expect(first).toHaveLength(4);
    const rest: SweepPoint[] = [];
    await runSweep({
      definition: { ...definition!, method: 'bayes', trials: 7 }, base, prompts: ['A'], objective: parseObjective('perplexity:1.4'), teaching: null, grammar: null,
      engine: fakeEngine([]), pool, rowsPerBatch: 4, previous: first, onPoint: (p) => rest.push(p), isCancelled: () => false,
    });
    expect([...first, ...rest].map((p) => settingQuery(definition!.dims, p.setting))).toEqual(all.map((p) => settingQuery(definition!.dims, p.setting)));
  });

  it('reports progress with a time estimate', async () => {
    // An engine that answers each batch 100 ms (on fake timers) after it is asked.
    vi.useFakeTimers();
    try {
      const seen: (number | null)[] = [];
      const run = runSweep({
        definition: definition!, base, prompts: ['A'], objective: parseObjective('perplexity:min'), teaching: null, grammar: null,
        engine: { ...fakeEngine([]), runRows: (rows) => new Promise((resolve) => setTimeout(() => resolve(fakeEngine([]).runRows(rows, 4)), 100)) },
        pool, rowsPerBatch: 4, now: () => Date.now(), onPoint: () => {}, isCancelled: () => false, onProgress: (p) => seen.push(p.remainingMs),
      });
      await vi.runAllTimersAsync();
      expect(await run).toBe('completion');
      // 2 settings per 100 ms batch, 6 settings: 200 ms left after the first batch, 100 after the second.
      expect(seen).toEqual([null, 200, 100, 0]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('asks for the next grid batch before measuring this one, one batch in flight at a time', async () => {
    const events: string[] = [];
    let inFlight = 0;
    const engine: SweepEngine = {
      ...fakeEngine([]),
      async runRows(rows) {
        inFlight++;
        expect(inFlight).toBe(1);
        events.push(`run ${rows[0].params.temperature}/${rows[0].params.top_p}`);
        const out = await fakeEngine([]).runRows(rows, 4);
        inFlight--;
        return out;
      },
    };
    const points: SweepPoint[] = [];
    await runSweep({
      definition: definition!, base, prompts: ['A'], objective: parseObjective('perplexity:min'), teaching: null, grammar: null,
      engine, pool, rowsPerBatch: 4, onPoint: (p) => { points.push(p); events.push(`point ${settingQuery(definition!.dims, p.setting)}`); }, isCancelled: () => false,
    });
    expect(events).toEqual([
      'run 0/0.5', 'run 0.5/0.5', 'point temperature=0&top_p=0.5', 'point temperature=0&top_p=1',
      'run 1/0.5', 'point temperature=0.5&top_p=0.5', 'point temperature=0.5&top_p=1',
      'point temperature=1&top_p=0.5', 'point temperature=1&top_p=1',
    ]);
  });

  it('tv_distance is 0 where the distribution is the truth', () => {
    const logits = new Float32Array(VOCAB).fill(-Infinity);
    logits.set([0.474, 0.287, 0.175, 0.064].map(Math.log));
    const items = [{ logits, promptIds: [1], truth: new Map([[0, 0.474], [1, 0.287], [2, 0.175], [3, 0.064]]) }];
    expect(teachingDistanceFor(items, { ...DEFAULT_PARAMS, top_k: 0 })).toBeCloseTo(0, 6);
    expect(teachingDistanceFor(items, { ...DEFAULT_PARAMS, top_k: 1 })).toBeCloseTo(1 - 0.474, 6);
  });
});

// The sweep's part of the store: its definition, state (idle, running, cancelled, completion, error), the
// points as they stream in, progress, and which point's samples are open.
import type { StateCreator } from 'zustand';
import {
  defaultSweepDefinition, scoreOf, settingQuery, type Objective, type SweepDefinition, type SweepPoint, type SweepResults,
} from '../core/sweep';
import type { SweepProgress } from './sweepRunner';
import type { UserMessage } from './types';

export type SweepState = 'idle' | 'running' | 'cancelled' | 'completion' | 'error';

export interface SweepSlice {
  sweepDefinition: SweepDefinition;
  sweepState: SweepState;
  /** The running or last sweep: its definition and settings as they were at its start, and its points so far. */
  sweepResults: SweepResults | null;
  sweepProgress: SweepProgress | null;
  sweepError: UserMessage | null;
  /** The setting (as a query) whose samples are open. */
  sweepSelected: string | null;
  /** The metric the line chart and heatmap show. */
  sweepMetric: string | null;
  setSweepDefinition(definition: SweepDefinition): void;
  setSweepMetric(metric: string | null): void;
  beginSweep(results: SweepResults): void;
  addSweepPoint(point: SweepPoint): void;
  setSweepProgress(progress: SweepProgress): void;
  endSweep(state: SweepState, error?: UserMessage): void;
  openSweepResults(results: SweepResults): void;
  selectSweepPoint(query: string | null): void;
}

/** The objective a sweep runs with: the definition's, else the model's default. */
export function effectiveObjective(definition: SweepDefinition, hasTruth: boolean): Objective {
  return definition.objective ?? [{ metric: hasTruth ? 'tv_distance' : 'perplexity', goal: { kind: 'min' }, weight: 1 }];
}

export const sweepSlice: StateCreator<SweepSlice, [], [], SweepSlice> = (set, get) => ({
  sweepDefinition: defaultSweepDefinition(),
  sweepState: 'idle',
  sweepResults: null,
  sweepProgress: null,
  sweepError: null,
  sweepSelected: null,
  sweepMetric: null,
  setSweepDefinition: (sweepDefinition) => set({ sweepDefinition }),
  setSweepMetric: (sweepMetric) => set({ sweepMetric }),
  beginSweep: (results) => set({ sweepResults: results, sweepState: 'running', sweepError: null, sweepProgress: null }),
  addSweepPoint: (point) => {
    const results = get().sweepResults;
    if (results) set({ sweepResults: { ...results, points: [...results.points, point] } });
  },
  setSweepProgress: (sweepProgress) => set({ sweepProgress }),
  endSweep: (sweepState, error) => set({ sweepState, sweepError: error ?? null }),
  openSweepResults: (results) => {
    const objective = results.definition.objective;
    // A re-opened file is scored with the objective it was saved with.
    const points = objective ? results.points.map((p) => ({ ...p, score: scoreOf(objective, p.metrics) })) : results.points;
    set({
      sweepResults: { ...results, points }, sweepDefinition: results.definition, sweepState: 'completion', sweepError: null,
      sweepProgress: null, sweepSelected: null,
    });
  },
  selectSweepPoint: (query) => set({ sweepSelected: query }),
});

/** The points in the order they were evaluated, with their setting queries. */
export function pointQueries(results: SweepResults): string[] {
  return results.points.map((p) => settingQuery(results.definition.dims, p.setting));
}

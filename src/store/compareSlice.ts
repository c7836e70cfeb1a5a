// The compare slice: the lanes being set up (each an overrides query over the page's settings), K samples a lane,
// and the comparison that ran (or was imported): every row's steps, text and end, every lane's settings. It touches
// only its own state, so it is typed over itself and keeps its interface here (see storeTypes.ts).
import type { StateCreator } from 'zustand';
import { MAX_LANES, MIN_LANES, applyOverrides, isBeamSearch, laneBase, laneMetrics, laneSampleCount, parseSamples, type LaneMetrics, type RunSettings } from '../core';
import type { CompareBeamResult, CompareMode, CompareRow, CompareStep, EngineEvent, FinishReason } from '../engine/protocol';
import type { GenState, Refusal, UserMessage } from './types';
import { refusalOf } from './urlState';

export interface CompareRowView {
  row: number;
  lane: number;
  sample: number;
  seed: number;
  steps: CompareStep[];
  text: string;
  reason: FinishReason | null;
  /** A beam lane's hypotheses (num_return_sequences of them, best first) and why its search ended. */
  beam?: CompareBeamResult;
}

export interface CompareLaneView {
  lane: number;
  /** The lane's overrides as typed (a query such as "temperature=0.3"). */
  overrides: string;
  settings: RunSettings;
  /** Row indices of its samples, sample 0 first. */
  rows: number[];
}

/** A comparison as run or imported: enough to draw, export and reopen it without the model. */
export interface Comparison {
  prompt: string;
  model: string;
  promptIds: number[];
  samples: number;
  lanes: CompareLaneView[];
  rows: CompareRowView[];
  mode: CompareMode | null;
  why?: string;
  ms?: number;
}

export interface CompareSlice {
  compareOpen: boolean;
  /** Each lane's overrides query, as typed. */
  laneQueries: string[];
  samples: number;
  /** Refusals of lane queries by lane index, or of `samples` under -1. */
  laneErrors: Record<number, { name: string; why: Refusal }>;
  compareState: GenState;
  compareError: UserMessage | null;
  compareRequest: number | null;
  comparison: Comparison | null;
  setCompareOpen(open: boolean): void;
  setLaneQuery(lane: number, query: string): void;
  addLane(): void;
  removeLane(lane: number): void;
  setSamplesText(text: string): boolean;
  /** Every lane's settings over the page's settings `page` (laneBase), or null (with laneErrors set) when a lane is refused. */
  resolveLanes(page: RunSettings): RunSettings[] | null;
  beginComparison(requestId: number, comparison: Comparison): void;
  appendCompareSteps(requestId: number, steps: CompareStep[]): void;
  handleCompareEvent(event: Extract<EngineEvent, { type: `compare${string}` }> | Extract<EngineEvent, { type: 'error' }>): void;
  /** Shows an exported comparison; refused (false) while one runs, which it would otherwise cut off. */
  importComparison(comparison: Comparison): boolean;
  /** A comparison the page will not start, and why. */
  refuseComparison(problem: UserMessage): void;
  /** The compare view opened on these lanes (each an overrides query), `samples` a lane. */
  openLanes(queries: string[], samples: number): void;
}

/**
 * The rows a comparison asks the engine for, and the comparison they fill: K samples a lane with seeds seed,
 * seed+1, … (wrapping at 2^32), except a beam lane, which runs once (it is deterministic) with its beam settings.
 */
export function planComparison(plan: { prompt: string; model: string; samples: number; queries: readonly string[]; lanes: readonly RunSettings[] }): {
  rows: CompareRow[]; comparison: Comparison;
} {
  const rows: CompareRow[] = [];
  const comparison: Comparison = { prompt: plan.prompt, model: plan.model, promptIds: [], samples: plan.samples, lanes: [], rows: [], mode: null };
  plan.lanes.forEach((settings, lane) => {
    const view: CompareLaneView = { lane, overrides: plan.queries[lane] ?? '', settings, rows: [] };
    const beam = isBeamSearch(settings) ? { beam: { ...settings.beam } } : {};
    for (let sample = 0; sample < laneSampleCount(settings, plan.samples); sample++) {
      const seed = (settings.seed + sample) >>> 0;
      view.rows.push(rows.length);
      comparison.rows.push({ row: rows.length, lane, sample, seed, steps: [], text: '', reason: null });
      rows.push({ lane, sample, params: settings.params, seed, max_new_tokens: settings.max_new_tokens, stop: settings.stop, ignore_eos: false, ...beam });
    }
    comparison.lanes.push(view);
  });
  return { rows, comparison };
}

/** Lane state as the page contract names it: idle | loading | running | done | error. */
export function laneState(c: Comparison | null, lane: number, overall: GenState): GenState {
  if (!c) return 'idle';
  const view = c.lanes[lane];
  if (!view) return 'idle';
  const rows = view.rows.map((r) => c.rows[r]);
  if (rows.every((r) => r.reason !== null)) return 'done';
  if (overall === 'error') return 'error';
  return overall === 'running' ? 'running' : overall;
}

/**
 * Whether a beam lane that has not finished is searching now or still waits: the worker runs the sampled rows
 * first, then the beam lanes one after another in lane order.
 */
export function beamLaneSearching(c: Comparison, lane: number): boolean {
  return c.lanes.every((l) => {
    if (l.lane === lane || (isBeamSearch(l.settings) && l.lane > lane)) return true;
    return l.rows.every((r) => c.rows[r].reason !== null);
  });
}

export function laneFigures(c: Comparison, lane: number): LaneMetrics {
  return laneMetrics(c.lanes[lane].rows.map((r) => c.rows[r].steps));
}

export const compareSlice: StateCreator<CompareSlice, [], [], CompareSlice> = (set, get) => ({
  compareOpen: false,
  laneQueries: ['temperature=0.3', 'temperature=1.2'],
  samples: 1,
  laneErrors: {},
  compareState: 'idle',
  compareError: null,
  compareRequest: null,
  comparison: null,
  setCompareOpen: (compareOpen) => set({ compareOpen }),
  setLaneQuery: (lane, query) => {
    const laneQueries = [...get().laneQueries];
    laneQueries[lane] = query;
    const { [lane]: _gone, ...laneErrors } = get().laneErrors;
    set({ laneQueries, laneErrors });
  },
  addLane: () => {
    const q = get().laneQueries;
    if (q.length < MAX_LANES) set({ laneQueries: [...q, ''] });
  },
  removeLane: (lane) => {
    const q = get().laneQueries;
    if (q.length > MIN_LANES) set({ laneQueries: q.filter((_, i) => i !== lane), laneErrors: {} });
  },
  setSamplesText: (text) => {
    try {
      const samples = parseSamples(text);
      const { [-1]: _gone, ...laneErrors } = get().laneErrors;
      set({ samples, laneErrors });
      return true;
    } catch (error) {
      set({ laneErrors: { ...get().laneErrors, [-1]: { name: 'samples', why: refusalOf(error) } } });
      return false;
    }
  },
  resolveLanes: (page) => {
    const base = laneBase(page);
    const errors: Record<number, { name: string; why: Refusal }> = {};
    const out: RunSettings[] = [];
    get().laneQueries.forEach((query, lane) => {
      try {
        out.push(applyOverrides(base, query));
      } catch (error) {
        const name = error instanceof Error && 'param' in error ? String((error as { param: unknown }).param) : 'lane';
        errors[lane] = { name, why: refusalOf(error) };
      }
    });
    const samplesError = get().laneErrors[-1];
    if (samplesError) errors[-1] = samplesError;
    set({ laneErrors: errors });
    return Object.keys(errors).length > 0 ? null : out;
  },
  beginComparison: (compareRequest, comparison) => set({ compareRequest, comparison, compareState: 'running', compareError: null }),
  appendCompareSteps: (requestId, steps) => {
    const c = get().comparison;
    if (!c || requestId !== get().compareRequest || steps.length === 0) return;
    const rows = [...c.rows];
    const grouped = new Map<number, CompareStep[]>();
    for (const s of steps) {
      const list = grouped.get(s.row);
      if (list) list.push(s);
      else grouped.set(s.row, [s]);
    }
    for (const [row, added] of grouped) {
      const view = rows[row];
      if (!view) continue;
      rows[row] = { ...view, steps: view.steps.concat(added), text: view.text + added.map((s) => s.textDelta).join('') };
    }
    set({ comparison: { ...c, rows } });
  },
  handleCompareEvent: (event) => {
    const state = get();
    const c = state.comparison;
    if (event.requestId !== state.compareRequest || !c) return;
    switch (event.type) {
      case 'compareStarted': {
        // A fall-back to one lane after another starts the rows over.
        const rows = c.rows.map(({ beam: _beam, ...r }) => ({ ...r, steps: [], text: '', reason: null }));
        set({ comparison: { ...c, rows, promptIds: event.promptIds, mode: event.mode, ...(event.why ? { why: event.why } : {}) } });
        break;
      }
      case 'compareSteps':
        state.appendCompareSteps(event.requestId, event.steps);
        break;
      case 'compareRowDone': {
        const rows = [...c.rows];
        const view = rows[event.row];
        if (view) rows[event.row] = { ...view, text: event.text, reason: event.reason, ...(event.beam ? { beam: event.beam } : {}) };
        set({ comparison: { ...c, rows } });
        break;
      }
      case 'compareDone':
        set({ comparison: { ...c, mode: event.mode, ms: event.ms }, compareState: 'done', compareRequest: null });
        break;
      case 'error':
        set({ compareState: 'error', compareError: { key: `errors.${event.code}`, detail: event.message }, compareRequest: null });
        break;
    }
  },
  importComparison: (comparison) => {
    if (get().compareRequest !== null) return false;
    set({ comparison, compareState: 'done', compareError: null, compareRequest: null, compareOpen: true });
    return true;
  },
  refuseComparison: (compareError) => set({ compareState: 'error', compareError }),
  openLanes: (laneQueries, samples) => set({ laneQueries, laneErrors: {}, samples, compareOpen: true }),
});

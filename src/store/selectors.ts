// Narrow reads of the runs. The runs map changes with every batch of steps; a component that draws a little of it
// selects that little (primitives, or a flat object compared field by field with useShallow), so a batch re-renders
// only what it changes.
import type { GenerationSlice } from './storeTypes';
import type { RunView } from './types';

type Runs = Pick<GenerationSlice, 'runs' | 'runOrder'>;

/** The worker's run behind a page run, while the worker still holds it (same model session). */
export function liveEngineRun(state: Pick<GenerationSlice, 'engineSession'>, run: RunView | undefined): RunView['engineRun'] {
  return run?.engineRun && run.engineRun.session === state.engineSession ? run.engineRun : undefined;
}

/** How many characters of a run's text its line in the history shows. */
export const HISTORY_PREVIEW_CHARS = 60;

/** A run's line in the history: every field a primitive, so equal lines compare equal with useShallow. */
export interface HistoryEntry {
  label: number;
  imported: boolean;
  /** The label of the run it branched from, when that run is on the page. */
  parentLabel: number | undefined;
  branchStep: number | undefined;
  tokens: number;
  preview: string;
}

export function historyEntryOf(s: Pick<GenerationSlice, 'runs'>, runId: number): HistoryEntry | null {
  const run = s.runs[runId];
  if (!run) return null;
  const parentLabel = run.parentRunId !== undefined ? s.runs[run.parentRunId]?.label ?? run.parentRunId : undefined;
  return {
    label: run.label ?? runId, imported: run.imported === true, parentLabel, branchStep: run.branchStep,
    tokens: run.steps.length, preview: run.text.slice(0, HISTORY_PREVIEW_CHARS),
  };
}

/** Whether the page has any run to export. */
export function hasRuns(s: Runs): boolean {
  return s.runOrder.some((id) => s.runs[id] !== undefined);
}

/** The page's runs in the history's order. */
export function runsInOrder(s: Runs): RunView[] {
  return s.runOrder.flatMap((id) => (s.runs[id] ? [s.runs[id]] : []));
}

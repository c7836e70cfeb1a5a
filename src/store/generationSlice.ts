// The generation slice: the runs on the page (live, branched, stepped and imported), the one shown and the step
// inspected in it, and the request in flight. Every engine event comes in here; the ones about the model, beams and
// comparisons are handed to their slices' actions.
import type { ErrorCode, LoadErrorDetails } from '../engine/protocol';
import type { GenerationSlice, SliceCreator } from './storeTypes';
import type { GenState, RunView, UserMessage } from './types';

let pageRunId = 1;

/** An engine error in the page's language: a headline by its code, the engine's specifics after it. */
function engineError(code: ErrorCode, message: string, details?: LoadErrorDetails): UserMessage {
  if (code === 'dtype_unavailable' && details) {
    return details.available.length > 0
      ? { key: 'errors.dtypeUnavailable', params: { dtype: details.dtype, available: details.available.join(', ') } }
      : { key: 'errors.dtypeNoneFound', params: { dtype: details.dtype } };
  }
  return { key: `errors.${code}`, detail: message };
}

/** What the run panel says once a model is ready: a run a worker's restart interrupted still says so. */
function afterLoading(state: { currentRunId: number | null; runs: Record<number, { reason: string | null } | undefined> }): GenState {
  const run = state.currentRunId !== null ? state.runs[state.currentRunId] : undefined;
  return run?.reason === 'interrupted' ? 'done' : 'idle';
}

export const generationSlice: SliceCreator<GenerationSlice> = (set, get) => ({
  genState: 'idle',
  genError: null,
  runs: {},
  runOrder: [],
  currentRunId: null,
  selectedStep: null,
  stepLogits: null,
  activeRequest: null,
  engineSession: 0,
  engineRunIds: {},
  stepping: false,
  runCounter: 0,
  selectStep: (selectedStep) => set({ selectedStep, stepLogits: selectedStep === null ? null : get().stepLogits, beamFocus: null }),
  openRun: (runId) => set({ currentRunId: runId, selectedStep: null, stepLogits: null, beamFocus: null }),
  setStepLogits: (stepLogits) => set({ stepLogits }),
  showBeamNode: (beamFocus, stepLogits) => set({ selectedStep: beamFocus.step, beamFocus, stepLogits }),
  closeRun: (runId) => {
    const state = get();
    const { [runId]: _closed, ...runs } = state.runs;
    const runOrder = state.runOrder.filter((id) => id !== runId);
    const engineRunIds = Object.fromEntries(Object.entries(state.engineRunIds).filter(([, id]) => id !== runId));
    const current = state.currentRunId === runId ? runOrder[runOrder.length - 1] ?? null : state.currentRunId;
    set({ runs, runOrder, engineRunIds, currentRunId: current, ...(state.currentRunId === runId ? { selectedStep: null, stepLogits: null, beamFocus: null } : {}) });
  },
  importRuns: (imported) => {
    const state = get();
    const newIds = new Map<number, number>();
    for (const r of imported) if (!newIds.has(r.runId)) newIds.set(r.runId, pageRunId++);
    const runs = { ...state.runs };
    const added: number[] = [];
    // Imported runs are numbered on after the page's own, so no two runs in the list share a label.
    let runCounter = state.runCounter;
    for (const r of imported) {
      const runId = newIds.get(r.runId)!;
      if (runs[runId]) continue; // a file that repeats a run id: its first run stands
      // A parent that is not in the file is not in the page either: the branch becomes a run of its own.
      const parentRunId = r.parentRunId !== undefined ? newIds.get(r.parentRunId) : undefined;
      const { engineRun: _none, parentRunId: _old, branchStep, ...rest } = r;
      runs[runId] = {
        ...rest, runId, label: ++runCounter, imported: true, steps: r.steps.map((s) => ({ ...s, runId })),
        ...(parentRunId !== undefined && parentRunId !== runId ? { parentRunId, branchStep } : {}),
      };
      added.push(runId);
    }
    // While a run streams in it stays on screen; the imported runs wait in the history.
    const show = state.activeRequest === null && added.length > 0;
    set({
      runs, runOrder: [...state.runOrder, ...added], runCounter,
      ...(show ? { currentRunId: added[0], selectedStep: null, stepLogits: null, beamFocus: null } : {}),
    });
    return added;
  },
  setActiveRequest: (activeRequest, genState, stepping = false) => set({ activeRequest, genState, genError: null, stepping }),
  waitForModel: () => set((s) => ({ genState: s.genState === 'running' ? 'running' : 'loading', genError: null })),
  refuseRun: (genError) => set({ genState: 'error', genError }),
  endRunOnPage: () => {
    const s = get();
    const run = s.currentRunId !== null ? s.runs[s.currentRunId] : undefined;
    const runs = run && run.reason === null ? { ...s.runs, [run.runId]: { ...run, reason: 'cancelled' as const } } : s.runs;
    set({ runs, activeRequest: null, genState: s.modelStatus === 'loading' ? 'loading' : 'done' });
  },
  appendSteps: (requestId, steps) => {
    if (requestId !== get().activeRequest || steps.length === 0) return;
    const ids = get().engineRunIds;
    const runs = { ...get().runs };
    for (const step of steps) {
      const runId = ids[step.runId];
      const run = runId !== undefined ? runs[runId] : undefined;
      if (!run) continue;
      runs[runId] = { ...run, steps: [...run.steps, { ...step, runId }], text: run.text + step.textDelta };
    }
    set({ runs });
  },
  handleEngineEvent: (event) => {
    const state = get();
    switch (event.type) {
      case 'progress':
        if (event.requestId === state.loadRequest) state.loadProgress(event.file, event.loaded, event.total);
        break;
      case 'loaded': {
        // A reload after a lost device answers the request that loaded the model; any other load's answer is stale.
        if (event.requestId !== state.loadRequest) break;
        // A new worker pair: the runs of the one before it, and their logits, are gone with it. The run panel's state
        // is set before the model is ready: a link's run=1 starts its run at that moment, and nothing may undo it after.
        set({ genState: state.genState === 'loading' ? afterLoading(state) : state.genState, engineSession: state.engineSession + 1, engineRunIds: {} });
        state.modelLoaded(event);
        state.dropBiasOutside(event.vocabSize);
        break;
      }
      case 'runStarted': {
        if (event.requestId !== state.activeRequest) break;
        const parentId = event.parentRunId !== undefined ? state.engineRunIds[event.parentRunId] : undefined;
        const parent = parentId !== undefined ? state.runs[parentId] : undefined;
        const run: RunView = {
          runId: pageRunId++, prompt: parent?.prompt ?? state.prompt, promptIds: event.promptIds, params: state.params,
          seed: state.seed, steps: [], text: '', reason: null, engineRun: { session: state.engineSession, runId: event.runId },
          ...(parent ? { parentRunId: parent.runId, branchStep: event.branchStep } : {}),
          ...(event.beam ? { beam: { options: { ...event.beam }, steps: [], hypotheses: [], reason: null } } : {}),
        };
        // Continuing a run one Step at a time replaces it in the history instead of piling up copies.
        const continued = parent && parent.steps.length === event.branchStep && parent.parentRunId === undefined;
        const runOrder = continued ? state.runOrder.map((id) => (id === parent.runId ? run.runId : id)) : [...state.runOrder, run.runId];
        let runCounter = state.runCounter;
        if (continued) {
          run.parentRunId = undefined;
          run.branchStep = undefined;
          run.label = parent.label ?? parent.runId;
        } else {
          run.label = ++runCounter;
        }
        set({
          runs: { ...state.runs, [run.runId]: run }, runOrder, runCounter, currentRunId: run.runId, selectedStep: null, stepLogits: null, beamFocus: null,
          engineRunIds: { ...state.engineRunIds, [event.runId]: run.runId },
        });
        break;
      }
      case 'step':
        break; // batched by the bridge into appendSteps
      case 'done': {
        if (event.requestId !== state.activeRequest) break;
        const runId = state.engineRunIds[event.runId];
        const run = runId !== undefined ? state.runs[runId] : undefined;
        const runs = run ? { ...state.runs, [runId]: { ...run, text: event.text, reason: event.reason } } : state.runs;
        // A Step ends its one-token request at max_new_tokens; the run itself goes on until the user's limit.
        const paused = state.stepping && event.reason === 'max_new_tokens' && run !== undefined && run.steps.length < state.maxNewTokens;
        set({ runs, genState: paused ? 'paused' : 'done', activeRequest: null, stepping: false });
        break;
      }
      case 'notice':
        state.deviceNotice(event.message);
        break;
      case 'error': {
        const problem = engineError(event.code, event.message, event.details);
        if (event.requestId === state.loadRequest && state.modelStatus === 'loading') {
          // Shown once, by the model panel, with Retry; a model loaded before keeps working and the picker and the link go back to it.
          if (state.genState === 'loading') set({ genState: 'idle' });
          state.modelFailed(problem, event.details?.available);
        } else if (event.requestId === state.activeRequest || event.requestId === 0) {
          set({ genState: 'error', genError: problem, activeRequest: null, stepping: false });
        }
        break;
      }
      case 'workerRestarted': {
        const run = state.currentRunId !== null ? state.runs[state.currentRunId] : undefined;
        const interrupted = event.runRequestId !== null && event.runRequestId === state.activeRequest;
        const runs = interrupted && run && run.reason === null ? { ...state.runs, [run.runId]: { ...run, reason: 'interrupted' as const } } : state.runs;
        const reloading = event.reloadRequestId !== null;
        set({ runs, ...(interrupted ? { activeRequest: null, genState: reloading ? 'loading' as const : 'done' as const } : {}) });
        if (event.reloadRequestId !== null) state.reloadStarted(event.reloadRequestId);
        state.notify({
          key: `notices.${event.worker}Restarted${interrupted && run ? 'Run' : ''}`,
          params: { run: run?.label ?? run?.runId ?? 0, steps: run?.steps.length ?? 0 },
        });
        break;
      }
      case 'beamSteps':
      case 'beamDone':
        state.handleBeamEvent(event);
        break;
      case 'stepLogits':
      case 'tokenTexts':
      case 'beamNode':
      case 'pong':
      case 'webgpuFailed':
      case 'tokenMatches':
      case 'promptLogits':
        break;
      case 'compareStarted':
      case 'compareSteps':
      case 'compareRowDone':
      case 'compareDone':
        state.handleCompareEvent(event);
        break;
      default: {
        const unknown: never = event;
        throw new Error(`unhandled engine event ${JSON.stringify(unknown)}`);
      }
    }
  },
});

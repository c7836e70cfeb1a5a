// The beam slice: the beam knobs as the controls set them (refused with a reason, never clamped), the tree of
// the beam run being shown as its events arrive, and the node opened in the step panel.
import { DEFAULT_BEAM_SETTINGS, PARAM_SPECS, SamplingParamError, checkParam } from '../core';
import type { BeamOptions } from '../engine/protocol';
import type { BeamSlice, SliceCreator } from './storeTypes';
import { refusalOf } from './urlState';

export const defaultBeamOptions = (): BeamOptions => ({ ...DEFAULT_BEAM_SETTINGS });

export const beamSlice: SliceCreator<BeamSlice> = (set, get) => {
  const refuse = (name: string, error: unknown) => {
    set({ paramErrors: { ...get().paramErrors, [name]: refusalOf(error) } });
    return false;
  };
  const accepted = (...names: string[]) => {
    const errors = { ...get().paramErrors };
    for (const n of names) delete errors[n];
    return errors;
  };
  return {
    beam: defaultBeamOptions(),
    beamFocus: null,
    setBeamParam: (name, value) => {
      const beam = get().beam;
      try {
        checkParam(name, value);
        // num_return_sequences shows the first of B hypotheses: it can never exceed num_beams.
        if (name === 'num_return_sequences' && value > beam.num_beams) {
          throw new SamplingParamError(name, value, { kind: 'range', integer: true, min: 1, minExclusive: false, max: beam.num_beams });
        }
        if (name === 'num_beams' && value < beam.num_return_sequences) {
          throw new SamplingParamError(name, value, { kind: 'range', integer: true, min: beam.num_return_sequences, minExclusive: false, max: PARAM_SPECS.num_beams.max });
        }
      } catch (error) {
        return refuse(name, error);
      }
      set({ beam: { ...beam, [name]: value }, paramErrors: accepted(name, name === 'num_beams' ? 'num_return_sequences' : 'num_beams') });
      return true;
    },
    setBeamOptions: (beam) => set({ beam: { ...beam } }),
    setEarlyStopping: (early_stopping) => set({ beam: { ...get().beam, early_stopping } }),
    setBeamFocus: (beamFocus) => set({ beamFocus }),
    handleBeamEvent: (event) => {
      const state = get();
      if (event.requestId !== state.activeRequest) return;
      // The event names the worker's run; the page knows it under its own id.
      const pageRunId = state.engineRunIds[event.runId];
      const run = pageRunId !== undefined ? state.runs[pageRunId] : undefined;
      if (!run?.beam) return;
      if (event.type === 'beamSteps') {
        set({ runs: { ...state.runs, [run.runId]: { ...run, beam: { ...run.beam, steps: [...run.beam.steps, ...event.steps] } } } });
        return;
      }
      const reason = event.reason === 'cancelled' ? 'cancelled' : event.reason === 'context_full' ? 'context_full' : event.hypotheses[0]?.end === 'eos' ? 'eos' : event.hypotheses[0]?.end === 'stop' ? 'stop' : 'max_new_tokens';
      set({
        runs: {
          ...state.runs,
          [run.runId]: { ...run, steps: event.pathSteps.map((s) => ({ ...s, runId: run.runId })), text: event.text, reason, beam: { ...run.beam, hypotheses: event.hypotheses, reason: event.reason } },
        },
        genState: 'done', activeRequest: null,
      });
    },
  };
};

// What the charts draw for the step being looked at: the recorded views of a generated step, or — when the
// settings changed since (what-if) — the pipeline re-applied to that step's stored logits, on the main thread.
import { useMemo } from 'react';
import { sampleStep, type StageView, type TokenFate, type SamplingParams } from '../core';
import type { StepEvent } from '../engine/protocol';
import { liveEngineRun } from '../store/selectors';
import { useStore } from '../store/store';
import type { StepLogitsView } from '../store/types';

export interface StepAnalysis {
  stepIndex: number;
  views: StageView[];
  fates: TokenFate[];
  drawnId: number | null;
  tokenTexts: Record<number, string>;
  whatIf: boolean;
  /** Settings changed since this step ran, but its run has no raw logits here (imported, or from an earlier model load). */
  whatIfUnavailable: boolean;
  event: StepEvent | null;
}

/** Knob by knob: an imported run's settings come back in its schema's key order, not the page's. */
function sameParams(a: SamplingParams, b: SamplingParams): boolean {
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) if (JSON.stringify(x[key]) !== JSON.stringify(y[key])) return false;
  return true;
}

/** Fates rebuilt from recorded views, for exports written before steps carried their own fates. */
export function fatesFromViews(views: StageView[]): TokenFate[] {
  const raw = views[0];
  if (!raw) return [];
  const last = views[views.length - 1];
  return raw.ids.map((id, i) => {
    const k = last.ids.indexOf(id);
    const finalProb = k >= 0 ? last.after[k] : 0;
    let removedBy: TokenFate['removedBy'] = null;
    if (finalProb === 0) {
      for (const v of views.slice(1)) {
        const j = v.ids.indexOf(id);
        if (j < 0 || v.after[j] === 0) {
          removedBy = v.stage;
          break;
        }
      }
    }
    return { id, rawProb: raw.before[i], finalProb, removedBy };
  });
}

export function useStepAnalysis(): StepAnalysis | null {
  // Steps and params, not the run object: a run's end changes its text and reason, not what the charts show.
  const steps = useStore((s) => (s.currentRunId !== null ? s.runs[s.currentRunId]?.steps : undefined));
  const runParams = useStore((s) => (s.currentRunId !== null ? s.runs[s.currentRunId]?.params : undefined));
  const selected = useStore((s) => s.selectedStep);
  const params = useStore((s) => s.params);
  const stepLogits = useStore((s) => s.stepLogits);
  // A node of the beam tree opened in the panel stands in for the run's own step at that index.
  const focus = useStore((s) => (s.beamFocus && s.beamFocus.runId === s.currentRunId && s.beamFocus.step === s.selectedStep ? s.beamFocus.event : null));
  const runId = useStore((s) => s.currentRunId);
  const hasLogits = useStore((s) => s.currentRunId !== null && liveEngineRun(s, s.runs[s.currentRunId]) !== undefined);
  return useMemo(
    () => analyse(steps ?? [], runParams, selected, params, stepLogits, runId, hasLogits, focus),
    [steps, runParams, selected, params, stepLogits, runId, hasLogits, focus],
  );
}

export function analyse(
  steps: StepEvent[], runParams: SamplingParams | undefined, selected: number | null, params: SamplingParams,
  stepLogits: StepLogitsView | null, runId: number | null, hasLogits: boolean, focus: StepEvent | null = null,
): StepAnalysis | null {
  if (steps.length === 0 && !focus) return null;
  const index = selected ?? steps.length - 1;
  const event = focus ?? steps[index];
  if (!event) return null;
  const changed = runParams !== undefined && !sameParams(runParams, params);
  // Only the logits of this very step of this very run: never another run's that happens to share a step number.
  if (changed && hasLogits && stepLogits && stepLogits.step === index && stepLogits.runId === runId && stepLogits.runId === event.runId) {
    // What-if may rank tokens this step never showed: look their texts up in every step of the run. A recorded
    // step needs only its own texts, which keeps this cheap while a long run streams in.
    const texts: Record<number, string> = {};
    for (const s of steps) Object.assign(texts, s.tokenTexts);
    try {
      // The step's own XTC coin and mirostat μ, when it had them; else XTC's coin fires and μ starts at 2τ.
      const notes = event.views.map((v) => v.note);
      const xtcRoll = notes.find((n) => n?.coin !== undefined)?.coin ?? 0;
      const mirostatMu = notes.find((n) => n?.mu !== undefined)?.mu;
      const result = sampleStep({
        logits: stepLogits.logits, params: { ...params, dry_breaker_ids: stepLogits.dryBreakerIds ?? [] },
        promptIds: stepLogits.promptIds, generatedIds: stepLogits.generatedIds, topN: 30, xtcRoll, mirostatMu,
      });
      return { stepIndex: index, views: result.views, fates: result.fates, drawnId: null, tokenTexts: texts, whatIf: true, whatIfUnavailable: false, event };
    } catch {
      // Invalid settings are shown beside their controls; keep showing the recorded step.
    }
  }
  return {
    stepIndex: index, views: event.views, fates: event.fates ?? fatesFromViews(event.views), drawnId: event.tokenId, tokenTexts: event.tokenTexts,
    whatIf: false, whatIfUnavailable: changed && !hasLogits, event,
  };
}

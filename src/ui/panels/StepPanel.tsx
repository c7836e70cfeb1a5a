// The inspected step: its distribution, the stage funnel, one stage's inside, alternatives to branch to, and
// the run-level charts. What-if re-applies the current settings to the step's stored logits.
import { startTransition, useDeferredValue, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { StageView, TokenFate } from '../../core';
import { branch, inspect } from '../../store/engineBridge';
import { liveEngineRun } from '../../store/selectors';
import { useStore } from '../../store/store';
import type { RunView, TeachingPoint } from '../../store/types';
import type { StepEvent } from '../../engine/protocol';
import { DistributionChart } from '../charts/DistributionChart';
import { RunCharts } from '../charts/RunCharts';
import { StageChart } from '../charts/StageChart';
import { StageFunnel } from '../charts/StageFunnel';
import { SamplerNoteView } from '../charts/SamplerNoteView';
import { percent, tokenLabel } from '../format';
import { useStepAnalysis, type StepAnalysis } from '../useStepAnalysis';

/** True probabilities per token at a teaching point: a continuation counts for the token it starts with. */
export function truthFor(point: TeachingPoint | undefined, fates: TokenFate[], texts: Record<number, string>): Record<number, number> | undefined {
  if (!point) return undefined;
  const truth: Record<number, number> = {};
  for (const f of fates) {
    const text = texts[f.id];
    if (!text) continue;
    let p = 0;
    for (const [continuation, q] of Object.entries(point.next)) if (continuation.startsWith(text)) p += q;
    if (p > 0) truth[f.id] = p;
  }
  return truth;
}

/**
 * showChart false leaves the stage chart out (for a frame, while a run's first step mounts its parts). `animate`
 * (the toy mode) lets bars glide; the step panel leaves it off: every step would restart the animations, and a
 * finished run would re-render every chart at once.
 */
export function StagesView({ views, tokenTexts, animate = false, showChart = true, bias }: { views: StageView[]; tokenTexts: Record<number, string>; animate?: boolean; showChart?: boolean; bias?: Record<number, number> }) {
  // The newer samplers' views say what they did; else top_p or min_p, whose charts show a threshold.
  const noted = views.findIndex((v) => v.note !== undefined && v.stage !== 'dry');
  const interesting = noted >= 0 ? noted : views.findIndex((v) => v.stage === 'top_p' || v.stage === 'min_p');
  const [chosen, setChosen] = useState<number | null>(null);
  const index = chosen !== null && chosen < views.length ? chosen : interesting >= 0 ? interesting : Math.max(0, views.length - 2);
  return (
    <>
      <StageFunnel views={views} selected={index} onSelect={setChosen} />
      {showChart && views[index] && <StageChart view={views[index]} tokenTexts={tokenTexts} animate={animate} bias={bias} />}
      {showChart && views[index] && <SamplerNoteView view={views[index]} tokenTexts={tokenTexts} />}
    </>
  );
}

/** Other tokens at this step, each with a button to continue from here with it. */
export function Alternatives({ alternatives, tokenTexts, stepIndex, chosenId, canBranch = true }: { alternatives: TokenFate[]; tokenTexts: Record<number, string>; stepIndex: number; chosenId?: number; canBranch?: boolean }) {
  const { t } = useTranslation();
  const running = useStore((s) => s.genState === 'running');
  // A beam run's steps are not a sampled sequence the decode loop can continue with another token.
  const beamRun = useStore((s) => s.currentRunId !== null && s.runs[s.currentRunId]?.beam !== undefined);
  return (
    <div className="alternatives" data-testid="alternatives">
      <p>{t('stream.alternatives')}</p>
      <ul>
        {alternatives.map((f, rank) => (
          <li key={rank}>
            <code>{tokenLabel(tokenTexts[f.id], f.id)}</code> {percent(f.finalProb)}
            {f.id !== chosenId && canBranch && !beamRun && (
              <button type="button" data-testid={`branch-${f.id}`} disabled={running} onClick={() => branch(stepIndex, f.id)}>{t('actions.branch')}</button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Stable across renders so the memoised run charts do not redraw when only the step panel does. */
const inspectStep = (step: number) => void inspect(step);
/** A chart row's ban / boost: the bias goes into the settings, and what-if shows this step with it at once. */
const biasFromChart = (id: number, bias: number | null, text: string) => {
  useStore.getState().nameTokens({ [id]: text });
  useStore.getState().biasToken(id, bias);
};
const NO_STEPS: StepEvent[] = [];

export function StepPanel() {
  const { t } = useTranslation();
  // Deferred: while tokens stream in, the charts re-render in interruptible transitions, not in one long task.
  // The initial value null makes even the first mount of the charts a sliced background render.
  const analysis = useDeferredValue(useStepAnalysis(), null);
  const run = useDeferredValue(useStore((s) => (s.currentRunId !== null ? s.runs[s.currentRunId] : undefined)), undefined);
  // The run chart stays in the same place whether a step is shown or not: a new run updates it, never remounts it.
  return (
    <section className="panel" aria-labelledby={analysis && run ? 'step-heading' : undefined} data-testid="step-panel">
      {analysis && run ? <StepDetails analysis={analysis} run={run} /> : <p className="hint">{t('charts.noStep')}</p>}
      <RunCharts steps={run?.steps ?? NO_STEPS} onSelect={inspectStep} tau={run?.params.mirostat !== 0 ? run?.params.mirostat_tau : undefined} />
    </section>
  );
}

/** The parts of a step's details, drawn one more per frame when a run's first step mounts them. */
const DETAIL_PARTS = 4;

/**
 * How many of the step's parts to draw: 1 on mounting, then one more each frame. A run's first step then lays out
 * its heading (beside the new tokens), its distribution, its funnel and alternatives, and its stage chart in four
 * frames instead of one long task.
 */
function useStagedParts(parts: number): number {
  const [shown, setShown] = useState(1);
  useEffect(() => {
    if (shown >= parts) return;
    const handle = requestAnimationFrame(() => startTransition(() => setShown((n) => n + 1)));
    return () => cancelAnimationFrame(handle);
  }, [shown, parts]);
  return shown;
}

function StepDetails({ analysis, run }: { analysis: StepAnalysis; run: RunView }) {
  const { t } = useTranslation();
  const parts = useStagedParts(DETAIL_PARTS);
  const points = useStore((s) => s.teachingPoints);
  const canBranch = useStore((s) => liveEngineRun(s, run) !== undefined);
  const currentBias = useStore((s) => s.params.logit_bias);
  // Only the exact prompt: with a trailing space the model is at another point of the text, and the known
  // distribution (of the word after the prompt) would be compared with the wrong thing.
  const point = analysis.stepIndex === 0 ? points.find((p) => p.prompt === run.prompt) : undefined;
  const bias = analysis.whatIf ? currentBias : run.params.logit_bias;
  const truth = truthFor(point, analysis.fates, analysis.tokenTexts);
  const alternatives = [...analysis.fates].filter((f) => f.finalProb > 0 || f.rawProb > 0.01).sort((a, b) => b.finalProb - a.finalProb || b.rawProb - a.rawProb).slice(0, 8);
  return (
    <>
      <h2 id="step-heading">{t('charts.stepHeading', { step: analysis.stepIndex, token: tokenLabel(analysis.event?.tokenText, analysis.event?.tokenId ?? -1) })}</h2>
      {analysis.whatIf && <p className="whatif" role="status" data-testid="whatif">{t('charts.whatIf')}</p>}
      {analysis.whatIfUnavailable && <p className="whatif" role="status" data-testid="whatif-unavailable">{t(run.imported ? 'charts.whatIfImported' : 'charts.whatIfGone')}</p>}
      {point && (
        <div className="teaching" data-testid="teaching">
          <p>{t('charts.teaching')}</p>
          <ul>{Object.entries(point.next).map(([c, p]) => <li key={c}><code>{JSON.stringify(c)}</code> {percent(p)}</li>)}</ul>
        </div>
      )}
      {parts >= 2 && <DistributionChart fates={analysis.fates} tokenTexts={analysis.tokenTexts} drawnId={analysis.whatIf ? null : analysis.drawnId}
        truth={truth} title={t('charts.distribution', { step: analysis.stepIndex })} bias={bias} onBias={biasFromChart} />}
      {parts >= 3 && (
        <>
          <StagesView views={analysis.views} tokenTexts={analysis.tokenTexts} showChart={parts >= 4} bias={bias} />
          <Alternatives alternatives={alternatives} tokenTexts={analysis.tokenTexts} stepIndex={analysis.stepIndex} chosenId={analysis.event?.tokenId} canBranch={canBranch} />
        </>
      )}
    </>
  );
}

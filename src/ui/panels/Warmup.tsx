// Draws a made-up run off-screen while the page is idle. Without it, the first run's charts would resolve a dozen
// font sizes (each a synchronous round trip to the browser process, 10–90 ms apiece while the model's threads hold
// both cores) and run the chart code for the first time (interpreted, several times slower) in the same tasks.
// Each part is drawn, laid out and removed within one task, so no person, screen reader or test ever meets it.
// Redone when the language or classroom mode changes the text; put off while a run, comparison or sweep is in
// flight; started once the model is ready, so opening the page stays smooth.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { flushSync } from 'react-dom';
import { useStore } from '../../store/store';
import { DistributionChart } from '../charts/DistributionChart';
import { layoutRunChart, RunChartSvg, RunCharts } from '../charts/RunCharts';
import { StageFunnel } from '../charts/StageFunnel';
import { layoutStageChart, StageChart, StageChartSvg } from '../charts/StageChart';
import { buildSpecimen, type Specimen } from '../specimen';
import { TokenButton, useTokenWords, type TokenWords } from './GenerationPanel';
import { Alternatives } from './StepPanel';

const IDLE_TIMEOUT_MS = 2000;
const CHART_WIDTH = 900;
const noop = () => {};

/** One task each, small enough to stay short even with cold code. */
const PARTS: ((s: Specimen, words: TokenWords) => ReactNode)[] = [
  (s, words) => (
    <section className="panel">
      <div className="completion"><span className="prompt-echo">{s.run.prompt}</span><span className="generated">{s.run.text}</span></div>
      <div className="tokens">{s.run.steps.map((step) => <TokenButton key={step.step} step={step} selected={step.step === 0} words={words} />)}</div>
    </section>
  ),
  (s) => (
    <section className="panel">
      <DistributionChart fates={s.analysis.fates} tokenTexts={s.analysis.tokenTexts} drawnId={s.analysis.drawnId} truth={s.truth} title={s.run.prompt} />
    </section>
  ),
  (s) => (
    <section className="panel">
      <StageFunnel views={s.analysis.views} selected={1} onSelect={noop} />
      <StageChart view={s.stage} tokenTexts={s.analysis.tokenTexts} />
    </section>
  ),
  (s) => (
    <section className="panel">
      <Alternatives alternatives={s.analysis.fates.slice(0, 8)} tokenTexts={s.analysis.tokenTexts} stepIndex={s.analysis.stepIndex} chosenId={s.analysis.drawnId ?? undefined} />
    </section>
  ),
  (s) => (
    <section className="panel">
      <StageChartSvg layout={layoutStageChart(s.stage, s.analysis.tokenTexts, CHART_WIDTH, 260, { before: '', after: '', cumulative: '' })} width={CHART_WIDTH} label="" />
    </section>
  ),
  (s) => (
    <section className="panel">
      <RunCharts steps={s.run.steps} onSelect={noop} />
      <RunChartSvg layout={layoutRunChart(s.run.steps, CHART_WIDTH, 200)} width={CHART_WIDTH} active={1} label="" onActive={noop} onSelect={noop} />
    </section>
  ),
];

function whenIdle(callback: () => void): number {
  return typeof requestIdleCallback === 'function' ? requestIdleCallback(callback, { timeout: IDLE_TIMEOUT_MS }) : window.setTimeout(callback, 200);
}

function modelBusy(): boolean {
  const s = useStore.getState();
  return s.genState === 'running' || s.compareState === 'running' || s.sweepState === 'running';
}

function cancelIdle(handle: number): void {
  if (typeof cancelIdleCallback === 'function') cancelIdleCallback(handle);
  else window.clearTimeout(handle);
}

export function Warmup() {
  const lang = useStore((s) => s.lang);
  const classroom = useStore((s) => s.classroom);
  // Not before the model is ready: the page's opening stays free of long tasks, and the first run comes after it.
  const ready = useStore((s) => s.modelStatus === 'ready');
  const words = useTokenWords();
  const host = useRef<HTMLDivElement>(null);
  const [drawing, setDrawing] = useState<{ part: number; specimen: Specimen } | null>(null);

  useEffect(() => {
    if (!ready) return;
    let next = 0;
    let handle = 0;
    let specimen: Specimen | null = null;
    const drawNext = () => {
      // Not while the model works: a part drawn with cold code beside a streaming comparison made 250 ms tasks.
      // Asked again at the next idle time (at most IDLE_TIMEOUT_MS later) until the model rests.
      if (modelBusy()) {
        handle = whenIdle(drawNext);
        return;
      }
      specimen ??= buildSpecimen();
      const drawn = { part: next++, specimen };
      flushSync(() => setDrawing(drawn));
      // Reading a size lays the part out now, in this task: its fonts are resolved here.
      void host.current?.offsetHeight;
      flushSync(() => setDrawing(null));
      if (next < PARTS.length) handle = whenIdle(drawNext);
    };
    handle = whenIdle(drawNext);
    return () => cancelIdle(handle);
  }, [lang, classroom, ready]);

  return <div ref={host} className="warmup" aria-hidden="true">{drawing && PARTS[drawing.part](drawing.specimen, words)}</div>;
}

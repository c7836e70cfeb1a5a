// Over the run: entropy (left axis, nats) and the drawn token's probability (right axis) at every step; hover or
// arrow keys read a step, a click or Enter opens it. Hand-written SVG: it redraws while tokens stream in, and a
// recharts chart spent 20–25 ms of main-thread time per update here (50 ms and more with the model's threads
// on the same two cores), in synchronous re-renders driven by its internal store.
import { memo, useMemo, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { StepEvent } from '../../engine/protocol';
import { fixed, percent } from '../format';
import { ChartFrame } from './ChartFrame';

export const RUN_CHART_HEIGHT = 200;
const MARGIN = { top: 10, right: 44, bottom: 24, left: 44 };
const MAX_X_TICKS = 12;
const COLOURS = { entropy: '#7048e8', probability: '#e8590c', mu: '#2b8a3e', surprise: '#94d82d', tau: '#2b8a3e', dry: '#c2255c', dynatemp: '#1098ad', xtc: '#f08c00' };

/** The state of the stateful and step-by-step samplers over a run, each drawn on request. */
export type StateSeries = 'mu' | 'surprise' | 'tau' | 'dry' | 'dynatemp' | 'xtc';
export const STATE_SERIES: readonly StateSeries[] = ['mu', 'surprise', 'tau', 'dry', 'dynatemp', 'xtc'];

export interface SamplerState {
  /** Mirostat's μ at the step, and the drawn token's surprise −log2 p′ (bits). */
  mu?: number;
  surprise?: number;
  /** DRY's longest repeat a token would have extended. */
  dry?: number;
  /** Dynamic temperature's choice. */
  temperature?: number;
  /** Whether XTC's coin fired. */
  xtcFired?: boolean;
}

/** A step's sampler state, read from its stage views' notes. */
export function samplerStateOf(step: StepEvent): SamplerState {
  const state: SamplerState = {};
  for (const view of step.views) {
    const note = view.note;
    if (!note) continue;
    if (view.stage === 'mirostat' && note.mu !== undefined) {
      state.mu = note.mu;
      if (step.probability > 0) state.surprise = -Math.log2(step.probability);
    }
    if (view.stage === 'dry') state.dry = note.matchLength ?? 0;
    if (view.stage === 'dynatemp' && note.temperature !== undefined) state.temperature = note.temperature;
    if (view.stage === 'xtc' && note.fired !== undefined) state.xtcFired = note.fired;
  }
  return state;
}

/** The series a run has data for (τ goes with μ). */
export function availableSeries(states: SamplerState[]): StateSeries[] {
  const has = (key: keyof SamplerState) => states.some((s) => s[key] !== undefined);
  return STATE_SERIES.filter((series) => {
    switch (series) {
      case 'mu': case 'tau': return has('mu');
      case 'surprise': return has('surprise');
      case 'dry': return has('dry');
      case 'dynatemp': return has('temperature');
      case 'xtc': return has('xtcFired');
    }
  });
}

function stateValue(state: SamplerState, series: StateSeries, tau: number | undefined): number | undefined {
  switch (series) {
    case 'mu': return state.mu;
    case 'surprise': return state.surprise;
    case 'tau': return state.mu !== undefined ? tau : undefined;
    case 'dry': return state.dry;
    case 'dynatemp': return state.temperature;
    case 'xtc': return undefined;
  }
}
const PROBABILITY_TICKS = [0, 0.25, 0.5, 0.75, 1];

/** Ticks from 0 to at least `max` at a step of 1, 2, 2.5 or 5 × 10^k, about `target` intervals. */
export function niceTicks(max: number, target = 4): number[] {
  const top = Number.isFinite(max) && max > 0 ? max : 1;
  const raw = top / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const count = Math.ceil(top / step - 1e-9);
  return Array.from({ length: count + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

export interface RunChartLayout {
  plot: { left: number; top: number; right: number; bottom: number };
  points: { step: number; x: number; entropyY: number; probabilityY: number }[];
  entropyTicks: { value: number; y: number }[];
  probabilityTicks: { value: number; y: number }[];
  stepTicks: { value: number; x: number }[];
  entropyPath: string;
  probabilityPath: string;
  /** The state series asked for, on the left axis with the entropy; XTC's coin as marks along the top. */
  statePaths: { series: StateSeries; path: string }[];
  xtcMarks: { x: number; fired: boolean }[];
}

/** Where every mark goes for a run drawn at width × height: steps evenly spaced, both series on their own axis. */
export function layoutRunChart(steps: StepEvent[], width: number, height: number, shown: readonly StateSeries[] = [], tau?: number): RunChartLayout {
  const plot = { left: MARGIN.left, top: MARGIN.top, right: Math.max(MARGIN.left + 1, width - MARGIN.right), bottom: Math.max(MARGIN.top + 1, height - MARGIN.bottom) };
  const states = shown.length > 0 ? steps.map(samplerStateOf) : [];
  const lines = shown.filter((series) => series !== 'xtc');
  let leftMax = Math.max(0, ...steps.map((s) => (Number.isFinite(s.entropy) ? s.entropy : 0)));
  for (const series of lines) {
    for (const state of states) {
      const v = stateValue(state, series, tau);
      if (v !== undefined && Number.isFinite(v) && v > leftMax) leftMax = v;
    }
  }
  const entropyTickValues = niceTicks(leftMax);
  const entropyTop = entropyTickValues[entropyTickValues.length - 1];
  const toY = (v: number, top: number) => plot.bottom - (Math.max(0, Math.min(top, Number.isFinite(v) ? v : 0)) / top) * (plot.bottom - plot.top);
  const n = steps.length;
  const toX = (i: number) => (n <= 1 ? (plot.left + plot.right) / 2 : plot.left + (i / (n - 1)) * (plot.right - plot.left));
  const points = steps.map((s, i) => ({ step: s.step, x: toX(i), entropyY: toY(s.entropy, entropyTop), probabilityY: toY(s.probability, 1) }));
  const path = (ys: number[]) => ys.map((y, i) => `${i === 0 ? 'M' : 'L'}${points[i].x.toFixed(1)},${y.toFixed(1)}`).join('');
  const every = Math.max(1, Math.ceil(n / MAX_X_TICKS));
  return {
    plot, points,
    entropyTicks: entropyTickValues.map((value) => ({ value, y: toY(value, entropyTop) })),
    probabilityTicks: PROBABILITY_TICKS.map((value) => ({ value, y: toY(value, 1) })),
    stepTicks: points.filter((_, i) => i % every === 0).map((p) => ({ value: p.step, x: p.x })),
    entropyPath: path(points.map((p) => p.entropyY)),
    probabilityPath: path(points.map((p) => p.probabilityY)),
    statePaths: lines.map((series) => {
      // Steps without a value (a step before the sampler ran, or a greedy step) break the line.
      let d = '';
      let pen = false;
      states.forEach((state, i) => {
        const v = stateValue(state, series, tau);
        if (v === undefined || !Number.isFinite(v)) {
          pen = false;
          return;
        }
        d += `${pen ? 'L' : 'M'}${points[i].x.toFixed(1)},${toY(v, entropyTop).toFixed(1)}`;
        pen = true;
      });
      return { series, path: d };
    }),
    xtcMarks: shown.includes('xtc') ? states.flatMap((state, i) => (state.xtcFired === undefined ? [] : [{ x: points[i].x, fired: state.xtcFired }])) : [],
  };
}

const SERIES_LABEL: Record<StateSeries, string> = {
  mu: 'charts.seriesMu', surprise: 'charts.seriesSurprise', tau: 'charts.seriesTau', dry: 'charts.seriesDry', dynatemp: 'charts.seriesDynatemp', xtc: 'charts.seriesXtc',
};

export const RunCharts = memo(function RunCharts({ steps, onSelect, tau }: { steps: StepEvent[]; onSelect(step: number): void; tau?: number }) {
  const { t } = useTranslation();
  const [active, setActive] = useState<number | null>(null);
  const [hidden, setHidden] = useState<ReadonlySet<StateSeries>>(() => new Set());
  const shown = active !== null && active < steps.length ? steps[active] : undefined;
  const available = useMemo(() => availableSeries(steps.map(samplerStateOf)), [steps]);
  const series = available.filter((name) => !hidden.has(name));
  const toggle = (name: StateSeries) => setHidden((h) => {
    const next = new Set(h);
    if (!next.delete(name)) next.add(name);
    return next;
  });
  const state = shown ? samplerStateOf(shown) : undefined;
  const dash = '—';
  return (
    <figure className="chart" data-testid="run-charts">
      <figcaption>{t('charts.overRun')}</figcaption>
      <p className="readout" aria-live="polite">
        {shown
          ? t('charts.runReadout', { step: shown.step, entropy: fixed(shown.entropy, 3), probability: percent(shown.probability) })
          : steps.length > 0 ? t('charts.runHint') : '\u00a0'}
        {state && available.length > 0 && (
          <span className="state-readout" data-testid="run-state-readout">{' · '}{t('charts.stateReadout', {
            mu: state.mu !== undefined ? fixed(state.mu, 2) : dash, surprise: state.surprise !== undefined ? fixed(state.surprise, 2) : dash,
            dry: state.dry ?? dash, xtc: state.xtcFired === undefined ? dash : t(state.xtcFired ? 'charts.xtcYes' : 'charts.xtcNo'),
            temperature: state.temperature !== undefined ? fixed(state.temperature, 2) : dash,
          })}</span>
        )}
      </p>
      {available.length > 0 && (
        <fieldset className="run-series" data-testid="run-series">
          <legend>{t('charts.series')}</legend>
          {available.map((name) => (
            <label key={name} data-testid={`run-series-${name}`}>
              <input type="checkbox" checked={!hidden.has(name)} onChange={() => toggle(name)} />
              <span className="swatch" style={{ background: COLOURS[name] }} aria-hidden="true" /> {t(SERIES_LABEL[name])}
            </label>
          ))}
        </fieldset>
      )}
      <ChartFrame height={RUN_CHART_HEIGHT} legend={[
        { label: t('charts.entropy'), colour: COLOURS.entropy, shape: 'line' }, { label: t('charts.drawnProb'), colour: COLOURS.probability, shape: 'line' },
      ]}>
        {(width) => <RunChartSvg layout={layoutRunChart(steps, width, RUN_CHART_HEIGHT, series, tau)} width={width} active={shown ? active : null}
          label={t('charts.overRun')} onActive={setActive} onSelect={onSelect} />}
      </ChartFrame>
    </figure>
  );
});

/** The chart itself at a known width (the frame above measures it); `active` is the index of the step read. */
export function RunChartSvg({ layout, width, active, label, onActive, onSelect }: {
  layout: RunChartLayout; width: number; active: number | null; label: string; onActive(i: number | null): void; onSelect(step: number): void;
}) {
  const { plot, points, entropyTicks, probabilityTicks, stepTicks } = layout;
  const nearest = (e: MouseEvent<SVGRectElement>): number | null => {
    if (points.length === 0) return null;
    const x = e.clientX - e.currentTarget.getBoundingClientRect().left + plot.left;
    let best = 0;
    for (let i = 1; i < points.length; i++) if (Math.abs(points[i].x - x) < Math.abs(points[best].x - x)) best = i;
    return best;
  };
  const onKeyDown = (e: KeyboardEvent<SVGSVGElement>) => {
    if (points.length === 0) return;
    const last = points.length - 1;
    const move: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, Home: -Infinity, End: Infinity };
    if (e.key in move) {
      e.preventDefault();
      onActive(Math.max(0, Math.min(last, (active ?? last) + move[e.key])));
    } else if ((e.key === 'Enter' || e.key === ' ') && active !== null) {
      e.preventDefault();
      onSelect(points[active].step);
    }
  };
  const cursor = active !== null ? points[active] : undefined;
  return (
    <svg className="run-svg" width={width} height={RUN_CHART_HEIGHT} role="img" aria-label={label} tabIndex={points.length > 0 ? 0 : -1}
      onKeyDown={onKeyDown} onBlur={() => onActive(null)}>
      <g className="grid" stroke="#ccc" strokeDasharray="3 3">
        {probabilityTicks.map((tick) => <line key={tick.value} x1={plot.left} x2={plot.right} y1={tick.y} y2={tick.y} />)}
        {stepTicks.map((tick) => <line key={tick.value} x1={tick.x} x2={tick.x} y1={plot.top} y2={plot.bottom} />)}
      </g>
      <g className="axis" fontSize={12} fill="currentColor">
        <line x1={plot.left} x2={plot.left} y1={plot.top} y2={plot.bottom} stroke="#666" />
        <line x1={plot.right} x2={plot.right} y1={plot.top} y2={plot.bottom} stroke="#666" />
        <line x1={plot.left} x2={plot.right} y1={plot.bottom} y2={plot.bottom} stroke="#666" />
        {entropyTicks.map((tick) => <text key={tick.value} x={plot.left - 6} y={tick.y + 4} textAnchor="end">{Number.isInteger(tick.value) ? tick.value : tick.value.toFixed(2)}</text>)}
        {probabilityTicks.map((tick) => <text key={tick.value} x={plot.right + 6} y={tick.y + 4} textAnchor="start">{tick.value === 0 || tick.value === 1 ? tick.value : tick.value.toFixed(2)}</text>)}
        {stepTicks.map((tick) => <text key={tick.value} x={tick.x} y={plot.bottom + 16} textAnchor="middle">{tick.value}</text>)}
      </g>
      {points.length === 1 && cursor === undefined && (
        <g>
          <circle cx={points[0].x} cy={points[0].entropyY} r={3} fill={COLOURS.entropy} />
          <circle cx={points[0].x} cy={points[0].probabilityY} r={3} fill={COLOURS.probability} />
        </g>
      )}
      <path d={layout.entropyPath} fill="none" stroke={COLOURS.entropy} strokeWidth={1.5} />
      <path d={layout.probabilityPath} fill="none" stroke={COLOURS.probability} strokeWidth={1.5} />
      {layout.statePaths.map((p) => (
        <path key={p.series} d={p.path} fill="none" stroke={COLOURS[p.series]} strokeWidth={1.5} data-series={p.series}
          strokeDasharray={p.series === 'tau' ? '6 3' : p.series === 'surprise' ? '2 2' : undefined} />
      ))}
      {layout.xtcMarks.map((m, i) => (
        <circle key={i} cx={m.x} cy={plot.top + 4} r={3} fill={m.fired ? COLOURS.xtc : '#fff'} stroke={COLOURS.xtc} data-series="xtc" />
      ))}
      {cursor && (
        <g pointerEvents="none">
          <line x1={cursor.x} x2={cursor.x} y1={plot.top} y2={plot.bottom} stroke="#888" />
          <circle cx={cursor.x} cy={cursor.entropyY} r={4} fill={COLOURS.entropy} />
          <circle cx={cursor.x} cy={cursor.probabilityY} r={4} fill={COLOURS.probability} />
        </g>
      )}
      <rect className="hit" x={plot.left} y={plot.top} width={plot.right - plot.left} height={plot.bottom - plot.top} fill="transparent"
        onMouseMove={(e) => onActive(nearest(e))} onMouseLeave={() => onActive(null)}
        onClick={(e) => { const i = nearest(e); if (i !== null) onSelect(points[i].step); }} />
    </svg>
  );
}

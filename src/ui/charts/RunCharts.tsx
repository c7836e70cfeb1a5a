// Over the run: entropy (left axis, nats) and the drawn token's probability (right axis) at every step; hover or
// arrow keys read a step, a click or Enter opens it. Hand-written SVG: it redraws while tokens stream in, and a
// recharts chart spent 20–25 ms of main-thread time per update here (50 ms and more with the model's threads
// on the same two cores), in synchronous re-renders driven by its internal store.
import { memo, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { StepEvent } from '../../engine/protocol';
import { fixed, percent } from '../format';
import { useStore } from '../../store/store';
import { ChartFrame } from './ChartFrame';
import { CHART_FONT, CLASSROOM_CHART_FONT } from './StageChart';

export const RUN_CHART_HEIGHT = 200;
/** Margins in units of the axis text size, so classroom mode's larger text keeps its room. */
const MARGIN_EM = { top: 0.85, right: 3.7, bottom: 2, left: 3.7 };
const MAX_X_TICKS = 12;
const COLOURS = { entropy: '#7048e8', probability: '#e8590c' };
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
  font: number;
  plot: { left: number; top: number; right: number; bottom: number };
  points: { step: number; x: number; entropyY: number; probabilityY: number }[];
  entropyTicks: { value: number; y: number }[];
  probabilityTicks: { value: number; y: number }[];
  stepTicks: { value: number; x: number }[];
  entropyPath: string;
  probabilityPath: string;
}

/** Where every mark goes for a run drawn at width × height: steps evenly spaced, both series on their own axis. */
export function layoutRunChart(steps: StepEvent[], width: number, height: number, font = CHART_FONT): RunChartLayout {
  const MARGIN = { top: Math.round(MARGIN_EM.top * font), right: Math.round(MARGIN_EM.right * font), bottom: Math.round(MARGIN_EM.bottom * font), left: Math.round(MARGIN_EM.left * font) };
  const plot = { left: MARGIN.left, top: MARGIN.top, right: Math.max(MARGIN.left + 1, width - MARGIN.right), bottom: Math.max(MARGIN.top + 1, height - MARGIN.bottom) };
  const entropyTickValues = niceTicks(Math.max(0, ...steps.map((s) => (Number.isFinite(s.entropy) ? s.entropy : 0))));
  const entropyTop = entropyTickValues[entropyTickValues.length - 1];
  const toY = (v: number, top: number) => plot.bottom - (Math.max(0, Math.min(top, Number.isFinite(v) ? v : 0)) / top) * (plot.bottom - plot.top);
  const n = steps.length;
  const toX = (i: number) => (n <= 1 ? (plot.left + plot.right) / 2 : plot.left + (i / (n - 1)) * (plot.right - plot.left));
  const points = steps.map((s, i) => ({ step: s.step, x: toX(i), entropyY: toY(s.entropy, entropyTop), probabilityY: toY(s.probability, 1) }));
  const path = (ys: number[]) => ys.map((y, i) => `${i === 0 ? 'M' : 'L'}${points[i].x.toFixed(1)},${y.toFixed(1)}`).join('');
  // Step labels need about four characters' room each at this text size.
  const fit = Math.max(2, Math.floor((plot.right - plot.left) / (font * 2.8)));
  const every = Math.max(1, Math.ceil(n / Math.min(MAX_X_TICKS, fit)));
  return {
    font, plot, points,
    entropyTicks: entropyTickValues.map((value) => ({ value, y: toY(value, entropyTop) })),
    probabilityTicks: PROBABILITY_TICKS.map((value) => ({ value, y: toY(value, 1) })),
    stepTicks: points.filter((_, i) => i % every === 0).map((p) => ({ value: p.step, x: p.x })),
    entropyPath: path(points.map((p) => p.entropyY)),
    probabilityPath: path(points.map((p) => p.probabilityY)),
  };
}

export const RunCharts = memo(function RunCharts({ steps, onSelect }: { steps: StepEvent[]; onSelect(step: number): void }) {
  const { t } = useTranslation();
  const [active, setActive] = useState<number | null>(null);
  const classroom = useStore((s) => s.classroom);
  const font = classroom ? CLASSROOM_CHART_FONT : CHART_FONT;
  const height = classroom ? Math.round(RUN_CHART_HEIGHT * 1.4) : RUN_CHART_HEIGHT;
  const shown = active !== null && active < steps.length ? steps[active] : undefined;
  return (
    <figure className="chart" data-testid="run-charts">
      <figcaption>{t('charts.overRun')}</figcaption>
      <p className="readout" aria-live="polite">
        {shown
          ? t('charts.runReadout', { step: shown.step, entropy: fixed(shown.entropy, 3), probability: percent(shown.probability) })
          : steps.length > 0 ? t('charts.runHint') : '\u00a0'}
      </p>
      <ChartFrame height={height} legend={[
        { label: t('charts.entropy'), colour: COLOURS.entropy, shape: 'line' }, { label: t('charts.drawnProb'), colour: COLOURS.probability, shape: 'line' },
      ]}>
        {(width) => <RunChartSvg layout={layoutRunChart(steps, width, height, font)} width={width} height={height} active={shown ? active : null}
          label={t('charts.overRun')} onActive={setActive} onSelect={onSelect} />}
      </ChartFrame>
    </figure>
  );
});

/** The chart itself at a known width (the frame above measures it); `active` is the index of the step read. */
export function RunChartSvg({ layout, width, height = RUN_CHART_HEIGHT, active, label, onActive, onSelect }: {
  layout: RunChartLayout; width: number; height?: number; active: number | null; label: string; onActive(i: number | null): void; onSelect(step: number): void;
}) {
  const { plot, points, entropyTicks, probabilityTicks, stepTicks, font } = layout;
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
    <svg className="run-svg" width={width} height={height} role="img" aria-label={label} tabIndex={points.length > 0 ? 0 : -1}
      onKeyDown={onKeyDown} onBlur={() => onActive(null)}>
      <g className="grid" stroke="#ccc" strokeDasharray="3 3">
        {probabilityTicks.map((tick) => <line key={tick.value} x1={plot.left} x2={plot.right} y1={tick.y} y2={tick.y} />)}
        {stepTicks.map((tick) => <line key={tick.value} x1={tick.x} x2={tick.x} y1={plot.top} y2={plot.bottom} />)}
      </g>
      <g className="axis" style={{ fontSize: font }} fill="currentColor">
        <line x1={plot.left} x2={plot.left} y1={plot.top} y2={plot.bottom} stroke="#666" />
        <line x1={plot.right} x2={plot.right} y1={plot.top} y2={plot.bottom} stroke="#666" />
        <line x1={plot.left} x2={plot.right} y1={plot.bottom} y2={plot.bottom} stroke="#666" />
        {entropyTicks.map((tick) => <text key={tick.value} x={plot.left - 6} y={tick.y + font / 3} textAnchor="end">{Number.isInteger(tick.value) ? tick.value : tick.value.toFixed(2)}</text>)}
        {probabilityTicks.map((tick) => <text key={tick.value} x={plot.right + 6} y={tick.y + font / 3} textAnchor="start">{tick.value === 0 || tick.value === 1 ? tick.value : tick.value.toFixed(2)}</text>)}
        {stepTicks.map((tick) => <text key={tick.value} x={tick.x} y={plot.bottom + font * 1.3} textAnchor="middle">{tick.value}</text>)}
      </g>
      {points.length === 1 && cursor === undefined && (
        <g>
          <circle cx={points[0].x} cy={points[0].entropyY} r={3} fill={COLOURS.entropy} />
          <circle cx={points[0].x} cy={points[0].probabilityY} r={3} fill={COLOURS.probability} />
        </g>
      )}
      <path d={layout.entropyPath} fill="none" stroke={COLOURS.entropy} strokeWidth={1.5} />
      <path d={layout.probabilityPath} fill="none" stroke={COLOURS.probability} strokeWidth={1.5} />
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

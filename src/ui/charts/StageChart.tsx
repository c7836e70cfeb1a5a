// Inside one stage: the probabilities entering and leaving it, with top_p / typical_p's cumulative line and
// mass threshold, or min_p's probability threshold. The probability axis reaches just above the largest bar, so
// a flat distribution (every bar a few per cent) still fills the chart; the cumulative line and a mass threshold
// have their own 0–100 % axis on the right. Hand-written SVG: it redraws at every step while tokens stream in,
// and a recharts chart costs a chain of synchronous re-renders (its internal store) per update.
import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import type { StageView } from '../../core';
import { useStore } from '../../store/store';
import { percent, tokenLabel } from '../format';
import { ChartFrame } from './ChartFrame';

export const STAGE_CHART_HEIGHT = 260;
/** Axis text size in px: the page's small text, and classroom mode's. */
export const CHART_FONT = 12;
export const CLASSROOM_CHART_FONT = 20;
const LABEL_CHARS = 14;
const COLOURS = { before: '#7d9cc8', after: '#1864ab', cumulative: '#d9480f', threshold: '#c92a2a' };
/** Probability axis tops: the smallest one at or above the largest bar is used. */
const AXIS_TOPS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 0.75, 1];

export interface StageBand {
  label: string;
  /** Left edge and width of the token's band (the hover target), and its centre. */
  x: number;
  width: number;
  centre: number;
  before: { x: number; y: number; height: number };
  after: { x: number; y: number; height: number };
  barWidth: number;
  cumulative: { x: number; y: number };
  tooltip: string;
}

export interface StageChartLayout {
  plot: { left: number; top: number; right: number; bottom: number };
  bands: StageBand[];
  yTicks: { value: number; y: number }[];
  /** The right axis of the cumulative line (0–100 %), when the stage has one. */
  cumulativeTicks: { value: number; y: number }[];
  /** y of the threshold line, clamped into the plot; null when the stage has none. */
  thresholdY: number | null;
  showCumulative: boolean;
  font: number;
}

/** The top of the probability axis: the smallest of AXIS_TOPS at or above `max`. */
export function probabilityAxisTop(max: number): number {
  return AXIS_TOPS.find((top) => top >= max - 1e-12) ?? 1;
}

/** Where every mark goes for a view drawn at width × height; `biased` token ids get a ⚖ in their label. */
export function layoutStageChart(
  view: StageView, tokenTexts: Record<number, string>, width: number, height: number,
  names: { before: string; after: string; cumulative: string }, font = CHART_FONT, biased: Record<number, number> = {},
): StageChartLayout {
  const showCumulative = view.stage === 'top_p' || view.stage === 'typical_p';
  const margin = { top: Math.round(font * 0.7), right: showCumulative ? Math.round(font * 3.7) : 8, bottom: Math.round(font * 5.8), left: Math.round(font * 4.2) };
  const plot = { left: margin.left, top: margin.top, right: Math.max(margin.left + 1, width - margin.right), bottom: Math.max(margin.top + 1, height - margin.bottom) };
  const finite = (p: number | undefined) => (p !== undefined && Number.isFinite(p) ? p : 0);
  const largest = Math.max(0, ...view.before.map(finite), ...view.after.map(finite), view.stage === 'min_p' ? finite(view.threshold) : 0);
  const top = probabilityAxisTop(largest);
  const yOn = (scale: number) => (p: number) => plot.bottom - Math.max(0, Math.min(1, finite(p) / scale)) * (plot.bottom - plot.top);
  const y = yOn(top);
  const yMass = yOn(1);
  const n = view.ids.length;
  const bandWidth = n > 0 ? (plot.right - plot.left) / n : 0;
  // As recharts drew it: 10% of the band each side left empty, the two bars side by side in the rest.
  const barWidth = Math.max(1, (bandWidth * 0.8 - 2) / 2);
  let total = 0;
  const bands = view.ids.map((id, i): StageBand => {
    const before = view.before[i] ?? 0;
    const after = view.after[i] ?? 0;
    total += before;
    const x = plot.left + i * bandWidth;
    const centre = x + bandWidth / 2;
    const full = `${biased[id] !== undefined ? '⚖' : ''}${tokenLabel(tokenTexts[id], id)}`;
    const label = full.length > LABEL_CHARS ? `${full.slice(0, LABEL_CHARS - 1)}…` : full;
    const cumulativeText = showCumulative ? ` · ${names.cumulative} ${percent(total, 2)}` : '';
    return {
      label, x, width: bandWidth, centre, barWidth,
      before: { x: centre - 1 - barWidth, y: y(before), height: plot.bottom - y(before) },
      after: { x: centre + 1, y: y(after), height: plot.bottom - y(after) },
      cumulative: { x: centre, y: yMass(total) },
      tooltip: `${full}: ${names.before} ${percent(before, 2)} · ${names.after} ${percent(after, 2)}${cumulativeText}`,
    };
  });
  const quarters = [0, 0.25, 0.5, 0.75, 1];
  const thresholdOnMass = showCumulative;
  return {
    plot, bands, showCumulative, font,
    yTicks: quarters.map((q) => ({ value: q * top, y: y(q * top) })),
    cumulativeTicks: showCumulative ? quarters.map((value) => ({ value, y: yMass(value) })) : [],
    thresholdY: view.threshold !== undefined && Number.isFinite(view.threshold) ? (thresholdOnMass ? yMass : y)(view.threshold) : null,
  };
}

/** A tick's percentage: whole numbers where they are exact, one decimal on a small axis. */
function tickText(value: number): string {
  const pct = value * 100;
  return Number.isInteger(Math.round(pct * 10) / 10) ? `${Math.round(pct)}%` : `${pct.toFixed(1)}%`;
}

export const StageChart = memo(function StageChart({ view, tokenTexts, animate = false, bias }: { view: StageView; tokenTexts: Record<number, string>; animate?: boolean; bias?: Record<number, number> }) {
  const { t } = useTranslation();
  const classroom = useStore((s) => s.classroom);
  const stageName = t(`names.${view.stage}`);
  const names = { before: t('charts.before', { stage: stageName }), after: t('charts.after', { stage: stageName }), cumulative: t('charts.cumulative') };
  const cumulativeStage = view.stage === 'top_p' || view.stage === 'typical_p';
  const font = classroom ? CLASSROOM_CHART_FONT : CHART_FONT;
  const height = classroom ? Math.round(STAGE_CHART_HEIGHT * 1.5) : STAGE_CHART_HEIGHT;
  return (
    <figure className="chart" data-testid="stage-chart">
      <figcaption>{t('charts.stageChart', { stage: stageName })}</figcaption>
      <ChartFrame height={height} legend={[
        { label: names.before, colour: COLOURS.before }, { label: names.after, colour: COLOURS.after },
        ...(cumulativeStage ? [{ label: t('charts.cumulativeRight'), colour: COLOURS.cumulative, shape: 'line' as const }] : []),
        ...(view.threshold !== undefined ? [{ label: t('charts.threshold', { value: percent(view.threshold, 1) }), colour: COLOURS.threshold, shape: 'line' as const }] : []),
      ]}>
        {(width) => <StageChartSvg layout={layoutStageChart(view, tokenTexts, width, height, names, font, bias)} width={width} height={height} animate={animate} label={t('charts.stageChart', { stage: stageName })} />}
      </ChartFrame>
    </figure>
  );
});

/** The chart itself at a known width (the frame above measures it). */
export function StageChartSvg({ layout, width, height = STAGE_CHART_HEIGHT, animate = false, label }: { layout: StageChartLayout; width: number; height?: number; animate?: boolean; label: string }) {
  const { plot, bands, yTicks, cumulativeTicks, thresholdY, showCumulative, font } = layout;
  const line = bands.map((b, i) => `${i === 0 ? 'M' : 'L'}${b.cumulative.x.toFixed(1)},${b.cumulative.y.toFixed(1)}`).join('');
  return (
    <svg className={`stage-svg${animate ? ' animate' : ''}`} width={width} height={height} role="img" aria-label={label}>
      <g className="grid">
        {yTicks.map((tick) => (
          <line key={tick.value} x1={plot.left} x2={plot.right} y1={tick.y} y2={tick.y} stroke="#ccc" strokeDasharray="3 3" />
        ))}
      </g>
      <g className="axis" style={{ fontSize: font }} fill="currentColor">
        <line x1={plot.left} x2={plot.left} y1={plot.top} y2={plot.bottom} stroke="#666" />
        <line x1={plot.left} x2={plot.right} y1={plot.bottom} y2={plot.bottom} stroke="#666" />
        {yTicks.map((tick) => (
          <text key={tick.value} x={plot.left - 6} y={tick.y + font / 3} textAnchor="end">{tickText(tick.value)}</text>
        ))}
        {cumulativeTicks.length > 0 && <line x1={plot.right} x2={plot.right} y1={plot.top} y2={plot.bottom} stroke={COLOURS.cumulative} />}
        {cumulativeTicks.map((tick) => (
          <text key={tick.value} x={plot.right + 5} y={tick.y + font / 3} textAnchor="start">{tickText(tick.value)}</text>
        ))}
        {bands.map((b, i) => (
          <text key={i} x={b.centre} y={plot.bottom + font} transform={`rotate(-45 ${b.centre.toFixed(1)} ${plot.bottom + font})`} textAnchor="end">{b.label}</text>
        ))}
      </g>
      {bands.map((b, i) => (
        <g key={i} className="band">
          <title>{b.tooltip}</title>
          <rect className="hit" x={b.x} y={plot.top} width={b.width} height={plot.bottom - plot.top} />
          <rect className="stage-bar" x={b.before.x} y={b.before.y} width={b.barWidth} height={b.before.height} fill={COLOURS.before} />
          <rect className="stage-bar" x={b.after.x} y={b.after.y} width={b.barWidth} height={b.after.height} fill={COLOURS.after} />
        </g>
      ))}
      {showCumulative && bands.length > 0 && (
        <g className="cumulative" pointerEvents="none">
          <path d={line} fill="none" stroke={COLOURS.cumulative} strokeWidth={1.5} />
          {bands.map((b, i) => <circle key={i} cx={b.cumulative.x} cy={b.cumulative.y} r={3} fill="#fff" stroke={COLOURS.cumulative} />)}
        </g>
      )}
      {thresholdY !== null && (
        <line x1={plot.left} x2={plot.right} y1={thresholdY} y2={thresholdY} stroke={COLOURS.threshold} strokeWidth={2} strokeDasharray="6 3" pointerEvents="none" />
      )}
    </svg>
  );
}

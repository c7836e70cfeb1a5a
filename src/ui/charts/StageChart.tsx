// Inside one stage: the probabilities entering and leaving it, with top_p / typical_p's cumulative line and
// mass threshold, or min_p's probability threshold. Hand-written SVG: it redraws at every step while tokens
// stream in, and a recharts chart costs a chain of synchronous re-renders (its internal store) per update.
import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import type { StageView } from '../../core';
import { percent, tokenLabel } from '../format';
import { ChartFrame } from './ChartFrame';

export const STAGE_CHART_HEIGHT = 260;
const MARGIN = { top: 8, right: 8, bottom: 70, left: 60 };
const Y_TICKS = [0, 0.25, 0.5, 0.75, 1];
const LABEL_CHARS = 14;
const COLOURS = { before: '#9db4d6', after: '#1c7ed6', cumulative: '#e8590c', threshold: '#c92a2a' };

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
  /** y of the threshold line, clamped into the plot; null when the stage has none. */
  thresholdY: number | null;
  showCumulative: boolean;
}

/** Where every mark goes for a view drawn at width × height; probabilities map linearly onto [0, 1]. */
export function layoutStageChart(view: StageView, tokenTexts: Record<number, string>, width: number, height: number, names: { before: string; after: string; cumulative: string }): StageChartLayout {
  const plot = { left: MARGIN.left, top: MARGIN.top, right: Math.max(MARGIN.left + 1, width - MARGIN.right), bottom: Math.max(MARGIN.top + 1, height - MARGIN.bottom) };
  const y = (p: number) => plot.bottom - Math.max(0, Math.min(1, Number.isFinite(p) ? p : 0)) * (plot.bottom - plot.top);
  const n = view.ids.length;
  const bandWidth = n > 0 ? (plot.right - plot.left) / n : 0;
  // As recharts drew it: 10% of the band each side left empty, the two bars side by side in the rest.
  const barWidth = Math.max(1, (bandWidth * 0.8 - 2) / 2);
  const showCumulative = view.stage === 'top_p' || view.stage === 'typical_p';
  let total = 0;
  const bands = view.ids.map((id, i): StageBand => {
    const before = view.before[i] ?? 0;
    const after = view.after[i] ?? 0;
    total += before;
    const x = plot.left + i * bandWidth;
    const centre = x + bandWidth / 2;
    const full = tokenLabel(tokenTexts[id], id);
    const label = full.length > LABEL_CHARS ? `${full.slice(0, LABEL_CHARS - 1)}…` : full;
    const cumulativeText = showCumulative ? ` · ${names.cumulative} ${percent(total, 2)}` : '';
    return {
      label, x, width: bandWidth, centre, barWidth,
      before: { x: centre - 1 - barWidth, y: y(before), height: plot.bottom - y(before) },
      after: { x: centre + 1, y: y(after), height: plot.bottom - y(after) },
      cumulative: { x: centre, y: y(total) },
      tooltip: `${full}: ${names.before} ${percent(before, 2)} · ${names.after} ${percent(after, 2)}${cumulativeText}`,
    };
  });
  return {
    plot, bands, showCumulative,
    yTicks: Y_TICKS.map((value) => ({ value, y: y(value) })),
    thresholdY: view.threshold !== undefined && Number.isFinite(view.threshold) ? y(view.threshold) : null,
  };
}

export const StageChart = memo(function StageChart({ view, tokenTexts, animate }: { view: StageView; tokenTexts: Record<number, string>; animate: boolean }) {
  const { t } = useTranslation();
  const stageName = t(`names.${view.stage}`);
  const names = { before: t('charts.raw'), after: t('charts.final'), cumulative: t('charts.cumulative') };
  const cumulativeStage = view.stage === 'top_p' || view.stage === 'typical_p';
  return (
    <figure className="chart" data-testid="stage-chart">
      <figcaption>{t('charts.stageChart', { stage: stageName })}</figcaption>
      <ChartFrame height={STAGE_CHART_HEIGHT} legend={[
        { label: names.before, colour: COLOURS.before }, { label: names.after, colour: COLOURS.after },
        ...(cumulativeStage ? [{ label: names.cumulative, colour: COLOURS.cumulative, shape: 'line' as const }] : []),
        ...(view.threshold !== undefined ? [{ label: t('charts.threshold', { value: percent(view.threshold, 1) }), colour: COLOURS.threshold, shape: 'line' as const }] : []),
      ]}>
        {(width) => <StageChartSvg layout={layoutStageChart(view, tokenTexts, width, STAGE_CHART_HEIGHT, names)} width={width} animate={animate} label={t('charts.stageChart', { stage: stageName })} />}
      </ChartFrame>
    </figure>
  );
});

/** The chart itself at a known width (the frame above measures it). */
export function StageChartSvg({ layout, width, animate, label }: { layout: StageChartLayout; width: number; animate: boolean; label: string }) {
  const { plot, bands, yTicks, thresholdY, showCumulative } = layout;
  const line = bands.map((b, i) => `${i === 0 ? 'M' : 'L'}${b.cumulative.x.toFixed(1)},${b.cumulative.y.toFixed(1)}`).join('');
  return (
    <svg className={`stage-svg${animate ? ' animate' : ''}`} width={width} height={STAGE_CHART_HEIGHT} role="img" aria-label={label}>
      <g className="grid">
        {yTicks.map((tick) => (
          <line key={tick.value} x1={plot.left} x2={plot.right} y1={tick.y} y2={tick.y} stroke="#ccc" strokeDasharray="3 3" />
        ))}
      </g>
      <g className="axis" fontSize={12} fill="currentColor">
        <line x1={plot.left} x2={plot.left} y1={plot.top} y2={plot.bottom} stroke="#666" />
        <line x1={plot.left} x2={plot.right} y1={plot.bottom} y2={plot.bottom} stroke="#666" />
        {yTicks.map((tick) => (
          <text key={tick.value} x={plot.left - 6} y={tick.y + 4} textAnchor="end">{`${Math.round(tick.value * 100)}%`}</text>
        ))}
        {bands.map((b, i) => (
          <text key={i} x={b.centre} y={plot.bottom + 12} transform={`rotate(-45 ${b.centre.toFixed(1)} ${plot.bottom + 12})`} textAnchor="end">{b.label}</text>
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

// The sweep's pictures, drawn with recharts (loaded lazily; they redraw per finished setting, never per token).
// Axes show every tick they compute (interval 0, five or so, or one per grid value): recharts measures each tick
// label in the DOM to thin out ticks otherwise, a forced layout per label on every redraw:
// a line for one parameter, a heatmap for two (small multiples for a third), and the quality–diversity scatter
// with its Pareto front. Every point opens its samples.
import { memo, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { CartesianGrid, Line, LineChart, ScatterChart, Tooltip, XAxis, YAxis, useXAxisScale, useYAxisScale } from 'recharts';
import { paretoFront, settingQuery, type SweepDimension, type SweepPoint, type SweepResults, type SweepValue } from '../../core/sweep';
import { ChartFrame } from './ChartFrame';
import { formatMetric, metricLabel, paramLabel } from '../sweepFormat';

const VIRIDIS = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'];

/** A colour for t ∈ [0, 1] along a perceptually even scale (readable in print and for most colour-blind readers). */
export function heatColour(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  const mix = (k: number) => Math.round(parseInt(a.slice(k, k + 2), 16) * (1 - f) + parseInt(b.slice(k, k + 2), 16) * f).toString(16).padStart(2, '0');
  return `#${mix(1)}${mix(3)}${mix(5)}`;
}

interface ChartProps {
  results: SweepResults;
  metric: string;
  selected: string | null;
  onSelect(query: string): void;
}

function metricOf(p: SweepPoint, metric: string): number {
  const v = (p.metrics as Record<string, number | undefined>)[metric];
  return v === undefined ? NaN : v;
}

/** The distinct values a dimension took, in its own order (numbers ascending, categories as listed). */
export function axisValues(dim: SweepDimension, points: readonly SweepPoint[], index: number): SweepValue[] {
  const seen = [...new Set(points.map((p) => p.setting[index]))];
  if (dim.kind === 'categorical') return dim.values.filter((v) => seen.includes(v));
  return (seen as number[]).sort((a, b) => a - b);
}

export const SweepLineChart = memo(function SweepLineChart({ results, metric, selected, onSelect }: ChartProps) {
  const { t } = useTranslation();
  const dim = results.definition.dims[0];
  const dims = results.definition.dims;
  const values = axisValues(dim, results.points, 0);
  const rows = useMemo(() => results.points
    .map((p) => ({ x: dim.kind === 'numeric' ? (p.setting[0] as number) : values.indexOf(p.setting[0]), y: metricOf(p, metric), query: settingQuery(dims, p.setting) }))
    .filter((r) => Number.isFinite(r.y))
    .sort((a, b) => a.x - b.x), [results.points, dim, dims, metric, values]);
  const title = t('sweep.lineChart', { metric: metricLabel(t, metric), param: paramLabel(t, dim.name) });
  return (
    <figure className="chart" data-testid="sweep-line">
      <figcaption>{title}</figcaption>
      <ChartFrame height={260} legend={[{ label: metricLabel(t, metric), colour: '#1c7ed6', shape: 'line' }]}>
        {(width) => (
          <LineChart width={width} height={260} data={rows} margin={{ top: 12, right: 20, bottom: 24, left: 8 }} role="img" aria-label={title}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="x" type="number" domain={dim.kind === 'numeric' ? ['dataMin', 'dataMax'] : [-0.5, values.length - 0.5]} interval={0}
              ticks={dim.kind === 'numeric' ? undefined : values.map((_, i) => i)}
              tickFormatter={(x: number) => (dim.kind === 'numeric' ? String(x) : String(values[x] ?? ''))}
              label={{ value: dim.name, position: 'insideBottom', offset: -12 }} />
            <YAxis width={64} interval={0} tickFormatter={(v: number) => formatMetric(v)} domain={['auto', 'auto']} />
            <Tooltip formatter={(v) => formatMetric(Number(v))} labelFormatter={(x) => `${dim.name} = ${dim.kind === 'numeric' ? x : values[Number(x)]}`} />
            <Line dataKey="y" name={metricLabel(t, metric)} stroke="#1c7ed6" strokeWidth={2} isAnimationActive={false}
              dot={(props: { cx?: number; cy?: number; payload?: { query: string }; index?: number }) => {
                const query = props.payload?.query ?? '';
                const on = query === selected;
                return (
                  <circle key={query || props.index} cx={props.cx} cy={props.cy} r={on ? 8 : 6} fill={on ? '#e8590c' : '#1c7ed6'} stroke="#fff" strokeWidth={2}
                    className="sweep-dot" data-settings={query} role="button" tabIndex={0} aria-label={query}
                    onClick={() => onSelect(query)} onKeyDown={(e) => { if (e.key === 'Enter') onSelect(query); }} />
                );
              }} />
          </LineChart>
        )}
      </ChartFrame>
    </figure>
  );
});

interface Cell {
  xi: number;
  yi: number;
  value: number;
  query: string;
  /** Colour, label and label colour, worked out once per data change, not in each of recharts' redraws of the cell. */
  fill: string;
  text: string;
  textFill: string;
}

function cellOf(xi: number, yi: number, value: number, query: string, lo: number, hi: number): Cell {
  const tone = hi > lo ? (value - lo) / (hi - lo) : 0.5;
  return { xi, yi, value, query, fill: Number.isFinite(value) ? heatColour(tone) : '#dee2e6', text: formatMetric(value), textFill: tone > 0.6 ? '#212529' : '#fff' };
}

/**
 * The heatmap's cells, one plain SVG group on the chart's axes: a recharts Scatter of custom shapes cost a store
 * selector and a symbol wrapper per cell, and its redraw with every new point of a running sweep took 100–200 ms.
 */
const HeatCells = memo(function HeatCells({ cells, cellW, cellH, selected, onSelect }: {
  cells: Cell[]; cellW: number; cellH: number; selected: string | null; onSelect(query: string): void;
}) {
  const x = useXAxisScale();
  const y = useYAxisScale();
  if (!x || !y) return null;
  const labelled = cellW > 38 && cellH > 18;
  return (
    <g className="sweep-cells">
      {cells.map((cell) => {
        const cx = x(cell.xi);
        const cy = y(cell.yi);
        if (cx === undefined || cy === undefined) return null;
        const on = cell.query === selected;
        return (
          <g key={cell.query} className="sweep-cell" data-settings={cell.query} role="button" tabIndex={0} aria-label={`${cell.query}: ${cell.text}`}
            onClick={() => onSelect(cell.query)} onKeyDown={(e) => { if (e.key === 'Enter') onSelect(cell.query); }} style={{ cursor: 'pointer' }}>
            <rect x={cx - cellW / 2} y={cy - cellH / 2} width={cellW} height={cellH} rx={3}
              fill={cell.fill} stroke={on ? '#e8590c' : 'none'} strokeWidth={on ? 3 : 0} />
            {labelled && <text x={cx} y={cy} dy="0.35em" textAnchor="middle" className="sweep-cell-label" fill={cell.textFill}>{cell.text}</text>}
          </g>
        );
      })}
    </g>
  );
});

const HEAT_MARGIN = { top: 8, right: 12, bottom: 28, left: 8 };
const HEAT_Y_AXIS = 70;

function Heatmap({ cells, xValues, yValues, xName, yName, height, selected, onSelect, testId, title }: {
  cells: Cell[]; xValues: SweepValue[]; yValues: SweepValue[]; xName: string; yName: string; height: number;
  selected: string | null; onSelect(query: string): void; testId: string; title: string;
}) {
  // The axes' settings stay the same objects while the grid's values do: recharts redraws its axes when they change.
  const xKey = xValues.join('\u0001');
  const yKey = yValues.join('\u0001');
  // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on the values' text, not the arrays' identity
  const xAxis = useMemo(() => ({ ticks: xValues.map((_, i) => i), format: (i: number) => String(xValues[i] ?? ''), label: { value: xName, position: 'insideBottom' as const, offset: -16 } }), [xKey, xName]);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on the values' text, not the arrays' identity
  const yAxis = useMemo(() => ({ ticks: yValues.map((_, i) => i), format: (i: number) => String(yValues[i] ?? ''), label: { value: yName, angle: -90, position: 'insideLeft' as const } }), [yKey, yName]);
  return (
    <figure className="chart sweep-heatmap" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <ChartFrame height={height} legend={[]}>
        {(width) => {
          const plotW = width - HEAT_MARGIN.left - HEAT_MARGIN.right - HEAT_Y_AXIS;
          const plotH = height - HEAT_MARGIN.top - HEAT_MARGIN.bottom - 30;
          const cellW = Math.max(4, plotW / xValues.length - 2);
          const cellH = Math.max(4, plotH / yValues.length - 2);
          return (
            <ScatterChart width={width} height={height} margin={HEAT_MARGIN} role="img" aria-label={title}>
              <XAxis dataKey="xi" type="number" domain={[-0.5, xValues.length - 0.5]} ticks={xAxis.ticks} interval={0}
                tickFormatter={xAxis.format} label={xAxis.label} />
              <YAxis dataKey="yi" type="number" domain={[-0.5, yValues.length - 0.5]} ticks={yAxis.ticks} interval={0} width={HEAT_Y_AXIS}
                tickFormatter={yAxis.format} label={yAxis.label} />
              <HeatCells cells={cells} cellW={cellW} cellH={cellH} selected={selected} onSelect={onSelect} />
            </ScatterChart>
          );
        }}
      </ChartFrame>
    </figure>
  );
}

/** Up to this many panels for a numeric third parameter drawn at random (its values are binned). */
const MAX_MULTIPLES = 4;

export const SweepHeatmaps = memo(function SweepHeatmaps({ results, metric, selected, onSelect }: ChartProps) {
  const { t } = useTranslation();
  const dims = results.definition.dims;
  const [dx, dy, dz] = dims;
  const [lo, hi] = useMemo(() => {
    const finite = results.points.map((p) => metricOf(p, metric)).filter(Number.isFinite);
    return finite.length ? [Math.min(...finite), Math.max(...finite)] : [0, 1];
  }, [results.points, metric]);
  const panels = useMemo(() => {
    const groups: { label: string | null; points: SweepPoint[] }[] = [];
    if (!dz) groups.push({ label: null, points: results.points });
    else {
      const zs = axisValues(dz, results.points, 2);
      if (dz.kind === 'categorical' || zs.length <= MAX_MULTIPLES) {
        for (const z of zs) groups.push({ label: String(z), points: results.points.filter((p) => p.setting[2] === z) });
      } else {
        const sorted = zs as number[];
        for (let b = 0; b < MAX_MULTIPLES; b++) {
          const from = sorted[Math.floor((b * sorted.length) / MAX_MULTIPLES)];
          const to = sorted[Math.floor(((b + 1) * sorted.length) / MAX_MULTIPLES) - 1];
          groups.push({ label: `${from} … ${to}`, points: results.points.filter((p) => (p.setting[2] as number) >= from && (p.setting[2] as number) <= to) });
        }
      }
    }
    return groups.map((g) => {
      const xValues = axisValues(dx, g.points, 0);
      const yValues = axisValues(dy, g.points, 1);
      const cells: Cell[] = g.points.map((p) => cellOf(xValues.indexOf(p.setting[0]), yValues.indexOf(p.setting[1]), metricOf(p, metric), settingQuery(dims, p.setting), lo, hi));
      return { ...g, xValues, yValues, cells };
    });
  }, [results.points, dx, dy, dz, dims, metric, lo, hi]);
  const title = t('sweep.heatmap', { metric: metricLabel(t, metric), x: dx.name, y: dy.name });
  return (
    <div className="sweep-heatmaps" data-testid="sweep-heatmaps">
      <p className="hint">{t('sweep.heatHint')}</p>
      <div className={panels.length > 1 ? 'small-multiples' : ''}>
        {panels.map((panel, i) => (
          <Heatmap key={panel.label ?? i} cells={panel.cells} xValues={panel.xValues} yValues={panel.yValues} xName={dx.name} yName={dy.name}
            height={panels.length > 1 ? 240 : 320} selected={selected} onSelect={onSelect} testId="sweep-heatmap"
            title={panel.label === null ? title : t('sweep.multiple', { name: dz!.name, value: panel.label })} />
        ))}
      </div>
      <div className="heat-scale" aria-hidden="true">
        <span>{formatMetric(lo)}</span>
        <span className="heat-bar" style={{ background: `linear-gradient(to right, ${VIRIDIS.join(', ')})` }} />
        <span>{formatMetric(hi)}</span>
        <span className="heat-metric">{metricLabel(t, metric)}</span>
      </div>
    </div>
  );
});

interface Dot {
  x: number;
  y: number;
  query: string;
}

/** A range around the values that ends on round numbers (a step of 1, 2 or 5 × 10ⁿ, about five steps across). */
export function niceDomain(values: readonly number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (lo === hi) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= pad;
    hi += pad;
  }
  const rough = (hi - lo) / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step];
}

/**
 * The scatter's dots and its Pareto front as plain SVG on the chart's axes (a recharts Scatter of custom shapes
 * cost a store selector and a symbol wrapper per dot, its redraw 100–200 ms with every new point of a sweep).
 * Each dot's values show on hover as its title.
 */
const DotsLayer = memo(function DotsLayer({ dots, front, yMetric, selected, onSelect }: {
  dots: Dot[]; front: Dot[]; yMetric: string; selected: string | null; onSelect(query: string): void;
}) {
  const x = useXAxisScale();
  const y = useYAxisScale();
  if (!x || !y) return null;
  const at = (d: Dot) => [x(d.x), y(d.y)] as const;
  const line = front.map(at).filter(([px, py]) => px !== undefined && py !== undefined).map(([px, py]) => `${px},${py}`).join(' ');
  return (
    <g className="sweep-dots">
      {front.length > 1 && <polyline points={line} fill="none" stroke="#e8590c" strokeWidth={2} className="sweep-front" />}
      {dots.map((d) => {
        const [cx, cy] = at(d);
        if (cx === undefined || cy === undefined) return null;
        const on = d.query === selected;
        return (
          <circle key={d.query} cx={cx} cy={cy} r={on ? 8 : 6} fill={on ? '#e8590c' : '#1c7ed6'} fillOpacity={0.8} stroke="#fff"
            className="sweep-dot" data-settings={d.query} role="button" tabIndex={0} aria-label={d.query} style={{ cursor: 'pointer' }}
            onClick={() => onSelect(d.query)} onKeyDown={(e) => { if (e.key === 'Enter') onSelect(d.query); }}>
            <title>{`${d.query}\ndistinct_2: ${formatMetric(d.x)}\n${yMetric}: ${formatMetric(d.y)}`}</title>
          </circle>
        );
      })}
    </g>
  );
});

export const QualityDiversity = memo(function QualityDiversity({ results, selected, onSelect }: Omit<ChartProps, 'metric'>) {
  const { t } = useTranslation();
  const dims = results.definition.dims;
  const useGrammar = results.points.some((p) => Number.isFinite(metricOf(p, 'grammatical_rate')));
  const yMetric = useGrammar ? 'grammatical_rate' : 'perplexity';
  const dots = useMemo(() => results.points
    .map((p) => ({ x: metricOf(p, 'distinct_2'), y: metricOf(p, yMetric), query: settingQuery(dims, p.setting) }))
    .filter((d) => Number.isFinite(d.x) && Number.isFinite(d.y)), [results.points, dims, yMetric]);
  const front = useMemo(() => paretoFront(dots, (d) => d.x, (d) => d.y, useGrammar ? 'higher' : 'lower'), [dots, useGrammar]);
  // The dots are drawn by DotsLayer, not as recharts series, so the perplexity axis gets its range from them here.
  const yDomain = useMemo((): [number, number] => (useGrammar ? [0, 1] : niceDomain(dots.map((d) => d.y))), [dots, useGrammar]);
  const title = t('sweep.scatter');
  return (
    <figure className="chart" data-testid="sweep-scatter">
      <figcaption>{title} <span className="axis-names">({yMetric} ↕ · distinct_2 ↔)</span></figcaption>
      <p className="hint">{t('sweep.scatterHint', { better: t(useGrammar ? 'sweep.higherBetter' : 'sweep.lowerBetter') })}</p>
      <ChartFrame height={280} legend={[{ label: t('sweep.front'), colour: '#e8590c', shape: 'line' }]}>
        {(width) => (
          <ScatterChart width={width} height={280} margin={{ top: 12, right: 20, bottom: 28, left: 8 }} role="img" aria-label={title}>
            <CartesianGrid strokeDasharray="3 3" />
            {/* distinct-2 and the grammatical rate are shares: their axes run 0 to 1. */}
            <XAxis dataKey="x" type="number" domain={[0, 1]} interval={0} tickFormatter={(v: number) => formatMetric(v)} name="distinct_2"
              label={{ value: 'distinct_2', position: 'insideBottom', offset: -14 }} />
            <YAxis dataKey="y" type="number" domain={yDomain} width={64} interval={0} tickFormatter={(v: number) => formatMetric(v)} name={yMetric}
              reversed={!useGrammar} />
            <DotsLayer dots={dots} front={front} yMetric={yMetric} selected={selected} onSelect={onSelect} />
          </ScatterChart>
        )}
      </ChartFrame>
    </figure>
  );
});

/**
 * One component for the lazy import: the charts that fit the sweep's shape. The scatter draws `scatterResults`,
 * which the view moves on a task after `results`, so the two charts never redraw in the same task.
 */
export default function SweepCharts({ scatterResults, ...props }: ChartProps & { scatterResults: SweepResults | null }) {
  const dims = props.results.definition.dims;
  return (
    <div className="sweep-charts">
      {dims.length === 1 ? <SweepLineChart {...props} /> : <SweepHeatmaps {...props} />}
      {scatterResults && scatterResults.points.length > 0 && <QualityDiversity results={scatterResults} selected={props.selected} onSelect={props.onSelect} />}
    </div>
  );
}

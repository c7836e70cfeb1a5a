// The sweep's pictures, drawn with recharts (loaded lazily; they redraw per finished setting, never per token).
// Axes show every tick they compute (interval 0, five or so, or one per grid value): recharts measures each tick
// label in the DOM to thin out ticks otherwise, a forced layout per label on every redraw:
// a line for one parameter, a heatmap for two (small multiples for a third), and the quality–diversity scatter
// with its Pareto front. Every point opens its samples.
import { createContext, memo, useContext, useMemo, type Context } from 'react';
import { useTranslation } from 'react-i18next';
import { CartesianGrid, Line, LineChart, Scatter, ScatterChart, Tooltip, XAxis, YAxis, useXAxisScale, useYAxisScale } from 'recharts';
import { paretoFront, settingQuery, type SweepDimension, type SweepPoint, type SweepResults, type SweepSetting, type SweepValue, gridSettings } from '../../core/sweep';
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

/** What the charts read of a sweep: its definition and points so far (none yet, before it runs). */
export type ChartResults = Pick<SweepResults, 'definition' | 'points'>;

interface ChartProps {
  results: ChartResults;
  metric: string;
  selected: string | null;
  onSelect(query: string): void;
}

function metricOf(p: SweepPoint, metric: string): number {
  const v = (p.metrics as Record<string, number | undefined>)[metric];
  return v === undefined ? NaN : v;
}

/** The distinct values a dimension took, in its own order (numbers ascending, categories as listed). */
export function axisValues(dim: SweepDimension, points: readonly { setting: SweepSetting }[], index: number): SweepValue[] {
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

type AxisScale = NonNullable<ReturnType<typeof useXAxisScale>>;

/** A plain-SVG layer's data (from its context) and the chart's two scales; null until the chart has both. */
function useLayerOnAxes<T>(context: Context<T | null>): { layer: T; x: AxisScale; y: AxisScale } | null {
  const layer = useContext(context);
  const x = useXAxisScale();
  const y = useYAxisScale();
  return layer && x && y ? { layer, x, y } : null;
}

/** What every plain-SVG layer shares: the setting a click selected, and how to select one. */
interface SelectableLayer {
  selected: string | null;
  onSelect(query: string): void;
}

/** What the heatmap's cells layer draws; it reaches the layer by context so a new point redraws the cells only. */
interface HeatLayer extends SelectableLayer {
  cells: Cell[];
  cellW: number;
  cellH: number;
}

const HeatLayerContext = createContext<HeatLayer | null>(null);

/**
 * The heatmap's cells, one plain SVG group on the chart's axes: a recharts Scatter of custom shapes cost a store
 * selector and a symbol wrapper per cell, and redrawing it (and the chart around it) with every new point of a
 * running sweep took 100–300 ms; this layer alone redraws, in a few.
 */
function HeatCells() {
  const drawn = useLayerOnAxes(HeatLayerContext);
  if (!drawn) return null;
  const { layer, x, y } = drawn;
  const { cells, cellW, cellH, selected, onSelect } = layer;
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
}

const drawNothing = () => <g />;

/**
 * Two invisible points at the corners of the axes' range: recharts draws axes (ticks, scale) only for a chart with
 * a series, and the cells and dots are drawn beside its series, not as one.
 */
function AxisAnchors({ data }: { data: object[] }) {
  return <Scatter data={data} isAnimationActive={false} shape={drawNothing} legendType="none" tooltipType="none" />;
}

interface HeatAxis {
  count: number;
  ticks: number[];
  format(i: number): string;
  label: { value: string; position: 'insideBottom' | 'insideLeft'; offset?: number; angle?: number };
}

/** The recharts part of a heatmap panel: its axes, redrawn only when they change (not with every point). */
const HeatFrame = memo(function HeatFrame({ width, height, title, xAxis, yAxis }: { width: number; height: number; title: string; xAxis: HeatAxis; yAxis: HeatAxis }) {
  const anchors = useMemo(() => [{ xi: 0, yi: 0 }, { xi: Math.max(0, xAxis.count - 1), yi: Math.max(0, yAxis.count - 1) }], [xAxis.count, yAxis.count]);
  return (
    <ScatterChart width={width} height={height} margin={HEAT_MARGIN} role="img" aria-label={title}>
      <XAxis dataKey="xi" type="number" domain={[-0.5, xAxis.count - 0.5]} ticks={xAxis.ticks} interval={0} tickFormatter={xAxis.format} label={xAxis.label} />
      <YAxis dataKey="yi" type="number" domain={[-0.5, yAxis.count - 0.5]} ticks={yAxis.ticks} interval={0} width={HEAT_Y_AXIS} tickFormatter={yAxis.format} label={yAxis.label} />
      <AxisAnchors data={anchors} />
      <HeatCells />
    </ScatterChart>
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
  const xAxis = useMemo((): HeatAxis => ({ count: xValues.length, ticks: xValues.map((_, i) => i), format: (i) => String(xValues[i] ?? ''), label: { value: xName, position: 'insideBottom', offset: -16 } }), [xKey, xName]);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on the values' text, not the arrays' identity
  const yAxis = useMemo((): HeatAxis => ({ count: yValues.length, ticks: yValues.map((_, i) => i), format: (i) => String(yValues[i] ?? ''), label: { value: yName, angle: -90, position: 'insideLeft' } }), [yKey, yName]);
  return (
    <figure className="chart sweep-heatmap" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <ChartFrame height={height} legend={[]}>
        {(width) => {
          const plotW = width - HEAT_MARGIN.left - HEAT_MARGIN.right - HEAT_Y_AXIS;
          const plotH = height - HEAT_MARGIN.top - HEAT_MARGIN.bottom - 30;
          const cellW = Math.max(4, plotW / Math.max(1, xValues.length) - 2);
          const cellH = Math.max(4, plotH / Math.max(1, yValues.length) - 2);
          return (
            <HeatLayerContext.Provider value={{ cells, cellW, cellH, selected, onSelect }}>
              <HeatFrame width={width} height={height} title={title} xAxis={xAxis} yAxis={yAxis} />
            </HeatLayerContext.Provider>
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
  // A grid's axes are known before its points: they are drawn whole from the start (the grid fills in), so a new
  // point never changes them. Other searches' axes are the values their points took so far.
  const grid = useMemo(() => {
    if (results.definition.method !== 'grid') return null;
    const settings = gridSettings(dims).map((setting) => ({ setting }));
    return { settings, queries: new Set(settings.map((g) => settingQuery(dims, g.setting))) };
  }, [results.definition.method, dims]);
  const panels = useMemo(() => {
    // A file's points that are not on its grid (edited by hand) get axes from the points, as other searches do.
    const onGrid = grid !== null && results.points.every((p) => grid.queries.has(settingQuery(dims, p.setting)));
    const axisPoints: readonly { setting: SweepSetting }[] = onGrid ? grid.settings : results.points;
    const groups: { label: string | null; points: SweepPoint[]; axisPoints: readonly { setting: SweepSetting }[] }[] = [];
    if (!dz) groups.push({ label: null, points: results.points, axisPoints });
    else {
      const zs = axisValues(dz, axisPoints, 2);
      if (dz.kind === 'categorical' || zs.length <= MAX_MULTIPLES) {
        for (const z of zs) groups.push({ label: String(z), points: results.points.filter((p) => p.setting[2] === z), axisPoints: axisPoints.filter((p) => p.setting[2] === z) });
      } else {
        const sorted = zs as number[];
        for (let b = 0; b < MAX_MULTIPLES; b++) {
          const from = sorted[Math.floor((b * sorted.length) / MAX_MULTIPLES)];
          const to = sorted[Math.floor(((b + 1) * sorted.length) / MAX_MULTIPLES) - 1];
          const within = (p: { setting: SweepSetting }) => (p.setting[2] as number) >= from && (p.setting[2] as number) <= to;
          groups.push({ label: `${from} … ${to}`, points: results.points.filter(within), axisPoints: axisPoints.filter(within) });
        }
      }
    }
    return groups.map((g) => {
      const xValues = axisValues(dx, g.axisPoints, 0);
      const yValues = axisValues(dy, g.axisPoints, 1);
      const cells: Cell[] = g.points.map((p) => cellOf(xValues.indexOf(p.setting[0]), yValues.indexOf(p.setting[1]), metricOf(p, metric), settingQuery(dims, p.setting), lo, hi));
      return { ...g, xValues, yValues, cells };
    });
  }, [results.points, grid, dx, dy, dz, dims, metric, lo, hi]);
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
      {results.points.length > 0 && <div className="heat-scale" aria-hidden="true">
        <span>{formatMetric(lo)}</span>
        <span className="heat-bar" style={{ background: `linear-gradient(to right, ${VIRIDIS.join(', ')})` }} />
        <span>{formatMetric(hi)}</span>
        <span className="heat-metric">{metricLabel(t, metric)}</span>
      </div>}
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
interface DotsLayerData extends SelectableLayer {
  dots: Dot[];
  front: Dot[];
  yMetric: string;
}

const DotsLayerContext = createContext<DotsLayerData | null>(null);

function DotsLayer() {
  const drawn = useLayerOnAxes(DotsLayerContext);
  if (!drawn) return null;
  const { layer, x, y } = drawn;
  const { dots, front, yMetric, selected, onSelect } = layer;
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
}

const SCATTER_MARGIN = { top: 12, right: 20, bottom: 28, left: 8 };
const X_LABEL = { value: 'distinct_2', position: 'insideBottom' as const, offset: -14 };
const formatTick = (v: number) => formatMetric(v);

/** The recharts part of the scatter: grid and axes, redrawn only when they change (not with every point). */
const ScatterFrame = memo(function ScatterFrame({ width, title, yMetric, yDomain, reversed }: { width: number; title: string; yMetric: string; yDomain: [number, number]; reversed: boolean }) {
  const anchors = useMemo(() => [{ x: 0, y: yDomain[0] }, { x: 1, y: yDomain[1] }], [yDomain]);
  return (
    <ScatterChart width={width} height={280} margin={SCATTER_MARGIN} role="img" aria-label={title}>
      <CartesianGrid strokeDasharray="3 3" />
      {/* distinct-2 and the grammatical rate are shares: their axes run 0 to 1. */}
      <XAxis dataKey="x" type="number" domain={UNIT} interval={0} tickFormatter={formatTick} name="distinct_2" label={X_LABEL} />
      <YAxis dataKey="y" type="number" domain={yDomain} width={64} interval={0} tickFormatter={formatTick} name={yMetric} reversed={reversed} />
      <AxisAnchors data={anchors} />
      <DotsLayer />
    </ScatterChart>
  );
});

const UNIT: [number, number] = [0, 1];

/** `grammar`: the model has a grammar recogniser, so before any point the axes are drawn for the grammatical rate. */
export const QualityDiversity = memo(function QualityDiversity({ results, selected, onSelect, grammar }: Omit<ChartProps, 'metric'> & { grammar: boolean }) {
  const { t } = useTranslation();
  const dims = results.definition.dims;
  const useGrammar = results.points.length === 0 ? grammar : results.points.some((p) => Number.isFinite(metricOf(p, 'grammatical_rate')));
  const yMetric = useGrammar ? 'grammatical_rate' : 'perplexity';
  const dots = useMemo(() => results.points
    .map((p) => ({ x: metricOf(p, 'distinct_2'), y: metricOf(p, yMetric), query: settingQuery(dims, p.setting) }))
    .filter((d) => Number.isFinite(d.x) && Number.isFinite(d.y)), [results.points, dims, yMetric]);
  const front = useMemo(() => paretoFront(dots, (d) => d.x, (d) => d.y, useGrammar ? 'higher' : 'lower'), [dots, useGrammar]);
  // The dots are drawn by DotsLayer, not as recharts series, so the perplexity axis gets its range from them here.
  const [yLo, yHi] = useGrammar ? UNIT : niceDomain(dots.map((d) => d.y));
  const yDomain = useMemo((): [number, number] => [yLo, yHi], [yLo, yHi]);
  const title = t('sweep.scatter');
  return (
    <figure className="chart" data-testid="sweep-scatter">
      <figcaption>{title} <span className="axis-names">({yMetric} ↕ · distinct_2 ↔)</span></figcaption>
      <p className="hint">{t('sweep.scatterHint', { better: t(useGrammar ? 'sweep.higherBetter' : 'sweep.lowerBetter') })}</p>
      <ChartFrame height={280} legend={[{ label: t('sweep.front'), colour: '#e8590c', shape: 'line' }]}>
        {(width) => (
          <DotsLayerContext.Provider value={{ dots, front, yMetric, selected, onSelect }}>
            <ScatterFrame width={width} title={title} yMetric={yMetric} yDomain={yDomain} reversed={!useGrammar} />
          </DotsLayerContext.Provider>
        )}
      </ChartFrame>
    </figure>
  );
});

/**
 * One component for the lazy import: the charts that fit the sweep's shape. The scatter draws `scatterResults`,
 * which the view moves on a task after `results`, so the two charts never redraw in the same task.
 */
export default function SweepCharts({ scatterResults, grammar, ...props }: ChartProps & { scatterResults: ChartResults | null; grammar: boolean }) {
  const dims = props.results.definition.dims;
  // Before its first point, a sweep's charts are drawn empty only where their axes are known (a grid's heatmap,
  // the scatter's shares): drawing a chart first is its costliest redraw, best done before the sweep runs.
  const empty = props.results.points.length === 0;
  return (
    <div className="sweep-charts">
      {dims.length === 1 ? (!empty && <SweepLineChart {...props} />) : ((!empty || props.results.definition.method === 'grid') && <SweepHeatmaps {...props} />)}
      {scatterResults && (scatterResults.points.length > 0 || grammar) && <QualityDiversity results={scatterResults} selected={props.selected} onSelect={props.onSelect} grammar={grammar} />}
    </div>
  );
}

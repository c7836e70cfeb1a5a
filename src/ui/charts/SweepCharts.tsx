// The sweep's pictures, drawn with recharts (loaded lazily; they redraw per finished setting, never per token):
// a line for one parameter, a heatmap for two (small multiples for a third), and the quality–diversity scatter
// with its Pareto front. Every point opens its samples.
import { memo, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { CartesianGrid, Line, LineChart, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
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
            <XAxis dataKey="x" type="number" domain={dim.kind === 'numeric' ? ['dataMin', 'dataMax'] : [-0.5, values.length - 0.5]}
              ticks={dim.kind === 'numeric' ? undefined : values.map((_, i) => i)}
              tickFormatter={(x: number) => (dim.kind === 'numeric' ? String(x) : String(values[x] ?? ''))}
              label={{ value: dim.name, position: 'insideBottom', offset: -12 }} />
            <YAxis width={64} tickFormatter={(v: number) => formatMetric(v)} domain={['auto', 'auto']} />
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
}

const HEAT_MARGIN = { top: 8, right: 12, bottom: 28, left: 8 };
const HEAT_Y_AXIS = 70;

function Heatmap({ cells, xValues, yValues, xName, yName, lo, hi, height, selected, onSelect, testId, title }: {
  cells: Cell[]; xValues: SweepValue[]; yValues: SweepValue[]; xName: string; yName: string; lo: number; hi: number; height: number;
  selected: string | null; onSelect(query: string): void; testId: string; title: string;
}) {
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
              <XAxis dataKey="xi" type="number" domain={[-0.5, xValues.length - 0.5]} ticks={xValues.map((_, i) => i)} interval={0}
                tickFormatter={(i: number) => String(xValues[i] ?? '')} label={{ value: xName, position: 'insideBottom', offset: -16 }} />
              <YAxis dataKey="yi" type="number" domain={[-0.5, yValues.length - 0.5]} ticks={yValues.map((_, i) => i)} interval={0} width={HEAT_Y_AXIS}
                tickFormatter={(i: number) => String(yValues[i] ?? '')} label={{ value: yName, angle: -90, position: 'insideLeft' }} />
              <Scatter data={cells} isAnimationActive={false} shape={(props: { cx?: number; cy?: number; payload?: Cell }) => {
                const cell = props.payload;
                if (!cell || props.cx === undefined || props.cy === undefined) return <g />;
                const on = cell.query === selected;
                const tone = hi > lo ? (cell.value - lo) / (hi - lo) : 0.5;
                const text = formatMetric(cell.value);
                return (
                  <g className="sweep-cell" data-settings={cell.query} role="button" tabIndex={0} aria-label={`${cell.query}: ${text}`}
                    onClick={() => onSelect(cell.query)} onKeyDown={(e) => { if (e.key === 'Enter') onSelect(cell.query); }} style={{ cursor: 'pointer' }}>
                    <rect x={props.cx - cellW / 2} y={props.cy - cellH / 2} width={cellW} height={cellH} rx={3}
                      fill={Number.isFinite(cell.value) ? heatColour(tone) : '#dee2e6'} stroke={on ? '#e8590c' : 'none'} strokeWidth={on ? 3 : 0} />
                    {cellW > 38 && cellH > 18 && (
                      <text x={props.cx} y={props.cy} dy="0.35em" textAnchor="middle" className="sweep-cell-label" fill={tone > 0.6 ? '#212529' : '#fff'}>{text}</text>
                    )}
                  </g>
                );
              }} />
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
  const finite = results.points.map((p) => metricOf(p, metric)).filter(Number.isFinite);
  const lo = finite.length ? Math.min(...finite) : 0;
  const hi = finite.length ? Math.max(...finite) : 1;
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
      const cells: Cell[] = g.points.map((p) => ({ xi: xValues.indexOf(p.setting[0]), yi: yValues.indexOf(p.setting[1]), value: metricOf(p, metric), query: settingQuery(dims, p.setting) }));
      return { ...g, xValues, yValues, cells };
    });
  }, [results.points, dx, dy, dz, dims, metric]);
  const title = t('sweep.heatmap', { metric: metricLabel(t, metric), x: dx.name, y: dy.name });
  return (
    <div className="sweep-heatmaps" data-testid="sweep-heatmaps">
      <p className="hint">{t('sweep.heatHint')}</p>
      <div className={panels.length > 1 ? 'small-multiples' : ''}>
        {panels.map((panel, i) => (
          <Heatmap key={panel.label ?? i} cells={panel.cells} xValues={panel.xValues} yValues={panel.yValues} xName={dx.name} yName={dy.name}
            lo={lo} hi={hi} height={panels.length > 1 ? 240 : 320} selected={selected} onSelect={onSelect} testId="sweep-heatmap"
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

export const QualityDiversity = memo(function QualityDiversity({ results, selected, onSelect }: Omit<ChartProps, 'metric'>) {
  const { t } = useTranslation();
  const dims = results.definition.dims;
  const useGrammar = results.points.some((p) => Number.isFinite(metricOf(p, 'grammatical_rate')));
  const yMetric = useGrammar ? 'grammatical_rate' : 'perplexity';
  const dots = useMemo(() => results.points
    .map((p) => ({ x: metricOf(p, 'distinct_2'), y: metricOf(p, yMetric), query: settingQuery(dims, p.setting) }))
    .filter((d) => Number.isFinite(d.x) && Number.isFinite(d.y)), [results.points, dims, yMetric]);
  const front = useMemo(() => paretoFront(dots, (d) => d.x, (d) => d.y, useGrammar ? 'higher' : 'lower'), [dots, useGrammar]);
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
            <XAxis dataKey="x" type="number" domain={[0, 1]} tickFormatter={(v: number) => formatMetric(v)} name="distinct_2"
              label={{ value: 'distinct_2', position: 'insideBottom', offset: -14 }} />
            <YAxis dataKey="y" type="number" domain={useGrammar ? [0, 1] : ['auto', 'auto']} width={64} tickFormatter={(v: number) => formatMetric(v)} name={yMetric}
              reversed={!useGrammar} />
            <Tooltip formatter={(v) => formatMetric(Number(v))} />
            <Scatter data={front} line={{ stroke: '#e8590c', strokeWidth: 2 }} isAnimationActive={false} shape={() => <g />} legendType="none" />
            <Scatter data={dots} isAnimationActive={false} shape={(props: { cx?: number; cy?: number; payload?: { query: string } }) => {
              const query = props.payload?.query ?? '';
              const on = query === selected;
              return (
                <circle cx={props.cx} cy={props.cy} r={on ? 8 : 6} fill={on ? '#e8590c' : '#1c7ed6'} fillOpacity={0.8} stroke="#fff"
                  className="sweep-dot" data-settings={query} role="button" tabIndex={0} aria-label={query} style={{ cursor: 'pointer' }}
                  onClick={() => onSelect(query)} onKeyDown={(e) => { if (e.key === 'Enter') onSelect(query); }} />
              );
            }} />
          </ScatterChart>
        )}
      </ChartFrame>
    </figure>
  );
});

/** One component for the lazy import: the charts that fit the sweep's shape. */
export default function SweepCharts(props: ChartProps) {
  const dims = props.results.definition.dims;
  return (
    <div className="sweep-charts">
      {dims.length === 1 ? <SweepLineChart {...props} /> : <SweepHeatmaps {...props} />}
      <QualityDiversity results={props.results} selected={props.selected} onSelect={props.onSelect} />
    </div>
  );
}

// How temperature reshapes the toy distribution: each token's final probability as temperature sweeps from near
// 0 to 3 under the other settings (top-k, top-p, min-p… still apply), with the current temperature marked. Drawn
// with recharts: it redraws only when a toy setting changes, never while a model generates.
import { memo, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { CartesianGrid, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import { sampleStep, type SamplingParams } from '../../core';
import { ChartFrame } from './ChartFrame';
import { percent } from '../format';

const COLOURS = ['#1c7ed6', '#e8590c', '#2f9e44', '#7048e8', '#c2255c', '#0c8599', '#e67700', '#495057'];
const STEPS = 60;
const HIGHEST = 3;

export interface SweepRow {
  temperature: number;
  [token: string]: number;
}

/** Final probability of every toy token at temperatures HIGHEST/STEPS … HIGHEST, the other settings as given. */
export function temperatureSweep(logits: number[], params: SamplingParams): SweepRow[] {
  const rows: SweepRow[] = [];
  for (let s = 1; s <= STEPS; s++) {
    const temperature = Math.round((s * HIGHEST * 1000) / STEPS) / 1000;
    const { kept } = sampleStep({ logits, params: { ...params, temperature } });
    const row: SweepRow = { temperature };
    logits.forEach((_, i) => { row[`t${i}`] = 0; });
    kept!.ids.forEach((id, k) => { row[`t${id}`] = kept!.probs[k]; });
    rows.push(row);
  }
  return rows;
}

export const TemperatureSweep = memo(function TemperatureSweep({ logits, labels, params }: { logits: number[]; labels: string[]; params: SamplingParams }) {
  const { t } = useTranslation();
  const rows = useMemo(() => temperatureSweep(logits, params), [logits, params]);
  const current = params.temperature;
  return (
    <figure className="chart" data-testid="temperature-sweep">
      <figcaption>{t('toy.sweep')}</figcaption>
      <p className="hint">{t('toy.sweepHint')}</p>
      <ChartFrame height={220} legend={labels.map((label, i) => ({ label, colour: COLOURS[i % COLOURS.length], shape: 'line' as const }))}>
        {(width) => (
          <LineChart width={width} height={220} data={rows} margin={{ top: 22, right: 16, bottom: 16, left: 4 }}
            role="img" aria-label={t('toy.sweep')}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="temperature" type="number" domain={[0, HIGHEST]} ticks={[0, 0.5, 1, 1.5, 2, 2.5, 3]}
              label={{ value: t('toy.temperatureAxis'), position: 'insideBottom', offset: -8 }} />
            <YAxis domain={[0, 1]} ticks={[0, 0.25, 0.5, 0.75, 1]} tickFormatter={(p: number) => percent(p, 0)} width={52} />
            <Tooltip formatter={(value) => percent(Number(value))} labelFormatter={(temperature) => `${t('toy.temperatureAxis')} ${temperature}`} />
            {current > 0 && current <= HIGHEST && (
              <ReferenceLine x={current} stroke="#212529" strokeDasharray="4 2" label={{ value: t('toy.now'), position: 'top' }} />
            )}
            {labels.map((label, i) => (
              <Line key={i} dataKey={`t${i}`} name={label} stroke={COLOURS[i % COLOURS.length]} dot={false} strokeWidth={2} animationDuration={300} />
            ))}
          </LineChart>
        )}
      </ChartFrame>
    </figure>
  );
});

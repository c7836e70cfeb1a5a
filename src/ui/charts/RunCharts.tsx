// Over the run: entropy and the drawn token's probability at every step.
import { memo } from 'react';
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartFrame } from './ChartFrame';
import { NumberTick } from './TokenTick';
import { useTranslation } from 'react-i18next';
import type { StepEvent } from '../../engine/protocol';

export const RunCharts = memo(function RunCharts({ steps, animate, onSelect }: { steps: StepEvent[]; animate: boolean; onSelect(step: number): void }) {
  const { t } = useTranslation();
  const rows = steps.map((s) => ({ step: s.step, entropy: s.entropy, probability: s.probability }));
  return (
    <figure className="chart" data-testid="run-charts">
      <figcaption>{t('charts.overRun')}</figcaption>
      <ChartFrame height={200} legend={[
        { label: t('charts.entropy'), colour: '#7048e8', shape: 'line' }, { label: t('charts.drawnProb'), colour: '#e8590c', shape: 'line' },
      ]}>
        {(width) => (
        <LineChart width={width} height={200} data={rows} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}
          onClick={(e) => { const i = Number((e as { activeLabel?: unknown } | null)?.activeLabel); if (Number.isInteger(i)) onSelect(i); }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="step" interval={Math.max(0, Math.ceil(rows.length / 12) - 1)} tick={<NumberTick anchor="middle" />} />
          <YAxis yAxisId="h" interval={0} tick={<NumberTick />} />
          <YAxis yAxisId="p" orientation="right" domain={[0, 1]} interval={0} tick={<NumberTick anchor="start" />} />
          <Tooltip />
          <Line yAxisId="h" dataKey="entropy" name={t('charts.entropy')} stroke="#7048e8" dot={false} isAnimationActive={animate} />
          <Line yAxisId="p" dataKey="probability" name={t('charts.drawnProb')} stroke="#e8590c" dot={false} isAnimationActive={animate} />
        </LineChart>
        )}
      </ChartFrame>
    </figure>
  );
});

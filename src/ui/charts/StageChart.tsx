// Inside one stage: the probabilities entering and leaving it, with top_p / typical_p's cumulative line and
import { memo } from 'react';
// mass threshold, or min_p's probability threshold.
import { Bar, CartesianGrid, ComposedChart, Line, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartFrame } from './ChartFrame';
import { useTranslation } from 'react-i18next';
import type { StageView } from '../../core';
import { percent, tokenLabel } from '../format';
import { PercentTick, TokenTick } from './TokenTick';

export const StageChart = memo(function StageChart({ view, tokenTexts, animate }: { view: StageView; tokenTexts: Record<number, string>; animate: boolean }) {
  const { t } = useTranslation();
  const cumulativeStage = view.stage === 'top_p' || view.stage === 'typical_p';
  const cumulative = cumulativeSums(view.before);
  const rows = view.ids.map((id, i) => ({
    label: tokenLabel(tokenTexts[id], id), before: view.before[i], after: view.after[i], cumulative: cumulative[i],
  }));
  const stageName = t(`names.${view.stage}`);
  return (
    <figure className="chart" data-testid="stage-chart">
      <figcaption>{t('charts.stageChart', { stage: stageName })}</figcaption>
      <ChartFrame height={260} legend={[
        { label: t('charts.raw'), colour: '#9db4d6' }, { label: t('charts.final'), colour: '#1c7ed6' },
        ...(cumulativeStage ? [{ label: t('charts.cumulative'), colour: '#e8590c', shape: 'line' as const }] : []),
        ...(view.threshold !== undefined ? [{ label: t('charts.threshold', { value: percent(view.threshold, 1) }), colour: '#c92a2a', shape: 'line' as const }] : []),
      ]}>
        {(width) => (
        <ComposedChart width={width} height={260} data={rows} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" interval={0} height={70} tick={<TokenTick />} />
          <YAxis domain={[0, 1]} interval={0} tick={<PercentTick />} />
          <Tooltip formatter={(v) => percent(Number(v), 2)} />
          <Bar dataKey="before" name={t('charts.raw')} fill="#9db4d6" isAnimationActive={animate} />
          <Bar dataKey="after" name={t('charts.final')} fill="#1c7ed6" isAnimationActive={animate} />
          {cumulativeStage && <Line dataKey="cumulative" name={t('charts.cumulative')} stroke="#e8590c" dot isAnimationActive={animate} />}
          {view.threshold !== undefined && (
            <ReferenceLine y={view.threshold} stroke="#c92a2a" strokeDasharray="6 3"
              strokeWidth={2} />
          )}
        </ComposedChart>
        )}
      </ChartFrame>
    </figure>
  );
});

function cumulativeSums(values: number[]): number[] {
  const out: number[] = [];
  let total = 0;
  for (const v of values) {
    total += v;
    out.push(total);
  }
  return out;
}

// The next-token distribution at one step: raw next to final probability for the top tokens plus "the rest";
import { memo } from 'react';
// cut tokens greyed and labelled with the stage that cut them; the drawn token starred; the true distribution
// beside them at a teaching point.
import { Bar, BarChart, CartesianGrid, Cell, LabelList, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartFrame } from './ChartFrame';
import { useTranslation } from 'react-i18next';
import type { TokenFate } from '../../core';
import { percent, tokenLabel } from '../format';
import { PercentTick, TokenTick } from './TokenTick';

export interface DistributionChartProps {
  fates: TokenFate[];
  tokenTexts: Record<number, string>;
  drawnId: number | null;
  truth?: Record<number, number>;
  animate: boolean;
  title: string;
}

interface Row {
  id: number;
  label: string;
  raw: number;
  final: number;
  truth?: number;
  mark: string;
  removed: boolean;
  drawn: boolean;
}

export const DistributionChart = memo(function DistributionChart({ fates, tokenTexts, drawnId, truth, animate, title }: DistributionChartProps) {
  const { t } = useTranslation();
  const top = [...fates].sort((a, b) => b.rawProb - a.rawProb || a.id - b.id).slice(0, 30);
  const rows: Row[] = top.map((f) => {
    const drawn = f.id === drawnId;
    const stage = f.removedBy ? t(`names.${f.removedBy}`) : '';
    return {
      id: f.id, label: tokenLabel(tokenTexts[f.id], f.id), raw: f.rawProb, final: f.finalProb,
      ...(truth ? { truth: truth[f.id] ?? 0 } : {}),
      mark: drawn ? `★ ${t('charts.drawn')}` : f.removedBy ? `✂ ${stage}` : '', removed: f.removedBy !== null, drawn,
    };
  });
  const restRaw = Math.max(0, 1 - rows.reduce((s, r) => s + r.raw, 0));
  const restFinal = Math.max(0, 1 - rows.reduce((s, r) => s + r.final, 0));
  rows.push({ id: -1, label: t('charts.rest'), raw: restRaw, final: restFinal, mark: '', removed: false, drawn: false });
  return (
    <figure className="chart" data-testid="distribution-chart">
      <figcaption>{title}</figcaption>
      <ChartFrame height={320} legend={[
        { label: t('charts.raw'), colour: '#9db4d6' }, { label: t('charts.final'), colour: '#1c7ed6' },
        { label: `${t('charts.drawn')} ★`, colour: '#e8590c' }, { label: `✂ ${t('charts.removedBy', { stage: '…' })}`, colour: '#c8c8c8' },
        ...(truth ? [{ label: t('charts.truth'), colour: '#2f9e44' }] : []),
      ]}>
        {(width) => (
        <BarChart width={width} height={320} data={rows} margin={{ top: 28, right: 8, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" interval={0} height={70} tick={<TokenTick />} />
          <YAxis domain={[0, 1]} tick={<PercentTick />} />
          <Tooltip formatter={(v) => percent(Number(v), 2)} />
          <Bar dataKey="raw" name={t('charts.raw')} fill="#9db4d6" isAnimationActive={animate} />
          <Bar dataKey="final" name={t('charts.final')} isAnimationActive={animate}>
            {rows.map((r) => (
              <Cell key={r.id} fill={r.drawn ? '#e8590c' : r.removed ? '#c8c8c8' : '#1c7ed6'} stroke={r.drawn ? '#000' : undefined} strokeWidth={r.drawn ? 2 : 0} />
            ))}
            <LabelList dataKey="mark" content={MarkLabel} />
          </Bar>
          {truth && <Bar dataKey="truth" name={t('charts.truth')} fill="#2f9e44" isAnimationActive={animate} />}
        </BarChart>
        )}
      </ChartFrame>
      <table className="sr-table" aria-label={title}>
        <thead><tr><th>token</th><th>{t('charts.raw')}</th><th>{t('charts.final')}</th><th /></tr></thead>
        <tbody>
          {rows.slice(0, 10).map((r) => (
            <tr key={r.id} className={r.removed ? 'removed' : r.drawn ? 'drawn' : ''}>
              <td>{r.label}</td><td>{percent(r.raw)}</td><td>{percent(r.final)}</td><td>{r.mark}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
});

/** The ★ / ✂ mark above a bar, as plain SVG text (no measurement). */
function MarkLabel(props: { x?: number | string; y?: number | string; width?: number | string; value?: unknown }) {
  const text = String(props.value ?? '');
  if (!text) return null;
  const x = Number(props.x ?? 0) + Number(props.width ?? 0) / 2;
  const y = Number(props.y ?? 0) - 4;
  return (
    <text x={x} y={y} transform={`rotate(-35 ${x} ${y})`} fontSize={11} fill="#333">{text}</text>
  );
}

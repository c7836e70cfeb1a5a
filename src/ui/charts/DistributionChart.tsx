// The next-token distribution at one step, as horizontal bars: raw next to final probability for the top tokens
// plus "the rest"; tokens cut by a stage greyed and labelled with that stage; the drawn token starred; the true
// distribution beside them at a teaching point. Plain HTML (no SVG layout) so it redraws cheaply every step.
import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import type { TokenFate } from '../../core';
import { percent, tokenLabel } from '../format';

export interface DistributionChartProps {
  fates: TokenFate[];
  tokenTexts: Record<number, string>;
  drawnId: number | null;
  truth?: Record<number, number>;
  title: string;
}

export const DistributionChart = memo(function DistributionChart({ fates, tokenTexts, drawnId, truth, title }: DistributionChartProps) {
  const { t } = useTranslation();
  const top = [...fates].sort((a, b) => b.rawProb - a.rawProb || a.id - b.id).slice(0, 30);
  const restRaw = Math.max(0, 1 - top.reduce((s, f) => s + f.rawProb, 0));
  const restFinal = Math.max(0, 1 - top.reduce((s, f) => s + f.finalProb, 0));
  const scale = Math.max(1e-9, ...top.map((f) => Math.max(f.rawProb, f.finalProb, truth?.[f.id] ?? 0)), restRaw, restFinal);
  const width = (p: number) => `${(100 * p) / scale}%`;
  return (
    <figure className="chart distribution" data-testid="distribution-chart">
      <figcaption>{title}</figcaption>
      <ul className="legend">
        <li><span className="swatch raw" aria-hidden="true" />{t('charts.raw')}</li>
        <li><span className="swatch final" aria-hidden="true" />{t('charts.final')}</li>
        <li><span className="swatch drawn" aria-hidden="true" />★ {t('charts.drawn')}</li>
        <li><span className="swatch cut" aria-hidden="true" />✂ {t('charts.removedBy', { stage: '…' })}</li>
        {truth && <li><span className="swatch truth" aria-hidden="true" />{t('charts.truth')}</li>}
      </ul>
      <table className="bars">
        <thead>
          <tr><th scope="col">token</th><th scope="col">{t('charts.raw')} / {t('charts.final')}</th><th scope="col" /></tr>
        </thead>
        <tbody>
          {top.map((f, rank) => {
            const drawn = f.id === drawnId;
            const cut = f.removedBy !== null;
            // Keyed by rank: the next step's tokens reuse these rows instead of replacing nearly all of them.
            return (
              <tr key={rank} className={drawn ? 'drawn' : cut ? 'cut' : ''} data-token={tokenTexts[f.id] ?? ''}>
                <th scope="row"><code>{tokenLabel(tokenTexts[f.id], f.id)}</code></th>
                <td className="bar-cell">
                  <div className="bar raw" style={{ width: width(f.rawProb) }} title={`${t('charts.raw')} ${percent(f.rawProb, 2)}`} />
                  <div className="bar final" style={{ width: width(f.finalProb) }} title={`${t('charts.final')} ${percent(f.finalProb, 2)}`} />
                  {truth && <div className="bar truth" style={{ width: width(truth[f.id] ?? 0) }} title={`${t('charts.truth')} ${percent(truth[f.id] ?? 0, 2)}`} />}
                </td>
                <td className="numbers">
                  {percent(f.rawProb)} → <strong>{percent(f.finalProb)}</strong>
                  {truth && ` (${t('charts.truth')} ${percent(truth[f.id] ?? 0)})`}
                  {drawn && ` ★ ${t('charts.drawn')}`}
                  {cut && ` ✂ ${t('charts.removedBy', { stage: t(`names.${f.removedBy}`) })}`}
                </td>
              </tr>
            );
          })}
          <tr className="rest">
            <th scope="row">{t('charts.rest')}</th>
            <td className="bar-cell">
              <div className="bar raw" style={{ width: width(restRaw) }} />
              <div className="bar final" style={{ width: width(restFinal) }} />
            </td>
            <td className="numbers">{percent(restRaw)} → <strong>{percent(restFinal)}</strong></td>
          </tr>
        </tbody>
      </table>
    </figure>
  );
});

// Stage by stage at this step: tokens kept, how many and how much probability each stage removed, entropy.
import { memo } from 'react';
// Rows are buttons: choosing one opens that stage's chart.
import { useTranslation } from 'react-i18next';
import type { StageView } from '../../core';
import { fixed, percent } from '../format';

export const StageFunnel = memo(function StageFunnel({ views, selected, onSelect }: { views: StageView[]; selected: number; onSelect(i: number): void }) {
  const { t } = useTranslation();
  const widest = Math.max(1, ...views.map((v) => v.keptBefore));
  return (
    <figure className="chart" data-testid="funnel">
      <figcaption>{t('charts.funnel')}</figcaption>
      <table className="funnel">
        <thead>
          <tr><th>{t('charts.stage')}</th><th>{t('charts.kept')}</th><th>{t('charts.removed')}</th><th>{t('charts.massRemoved')}</th><th>{t('charts.entropy')}</th></tr>
        </thead>
        <tbody>
          {views.map((v, i) => (
            <tr key={`${v.stage}-${i}`} className={i === selected ? 'selected' : ''} data-stage={v.stage}>
              <td><button type="button" onClick={() => onSelect(i)} aria-pressed={i === selected}>{t(`names.${v.stage}`)}</button></td>
              <td>
                <span className="funnel-bar" style={{ width: `${Math.max(2, (Math.log1p(v.keptAfter) / Math.log1p(widest)) * 100)}%` }} />
                {v.keptAfter.toLocaleString()}
              </td>
              <td>{v.removedCount > 0 ? `−${v.removedCount.toLocaleString()}` : '0'}</td>
              <td>{percent(v.removedMass, 2)}</td>
              <td>{fixed(v.entropy, 3)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
});

// The next-token distribution at one step, as horizontal bars: the model's own probability next to the final one
// for the top tokens plus "the rest"; tokens cut by a stage greyed and labelled with that stage; tokens under a
// logit bias labelled with it (a banned token is "banned by logit bias", not cut by whichever filter dropped it);
// the drawn token starred; the true distribution beside them at a teaching point; ban / boost in one click on
// every row. Rows that would read "<0.1% → 0.0%" join "the rest". Plain HTML so it redraws cheaply every step.
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
  /** The logit bias in force (token id → bias); its tokens are labelled. */
  bias?: Record<number, number>;
  /** Ban / boost / unbias a row's token; no buttons when absent. */
  onBias?(id: number, bias: number | null, text: string): void;
}

const MAX_ROWS = 30;
const MIN_ROWS = 3;
/** Below this, a row would show as "<0.1%" on both sides: it says nothing a class can read. */
const VISIBLE_P = 0.001;
export const BAN_BIAS = -100;
export const BOOST_BIAS = 5;

/** The rows worth a bar: the top tokens by the model's probability, without those too small to read, but always
 *  the drawn token, the biased tokens, the true continuations and at least MIN_ROWS. */
export function chartRows(fates: TokenFate[], keep: (id: number) => boolean): TokenFate[] {
  const ranked = [...fates].sort((a, b) => b.rawProb - a.rawProb || a.id - b.id);
  return ranked.filter((f, rank) => rank < MIN_ROWS || f.rawProb >= VISIBLE_P || f.finalProb >= VISIBLE_P || keep(f.id)).slice(0, MAX_ROWS);
}

export const DistributionChart = memo(function DistributionChart({ fates, tokenTexts, drawnId, truth, title, bias, onBias }: DistributionChartProps) {
  const { t } = useTranslation();
  const top = chartRows(fates, (id) => id === drawnId || bias?.[id] !== undefined || (truth?.[id] ?? 0) > 0);
  const restRaw = Math.max(0, 1 - top.reduce((s, f) => s + f.rawProb, 0));
  const restFinal = Math.max(0, 1 - top.reduce((s, f) => s + f.finalProb, 0));
  const scale = Math.max(1e-9, ...top.map((f) => Math.max(f.rawProb, f.finalProb, truth?.[f.id] ?? 0)), restRaw, restFinal);
  const width = (p: number) => `${(100 * p) / scale}%`;
  const hasBias = top.some((f) => bias?.[f.id] !== undefined);
  return (
    <figure className="chart distribution" data-testid="distribution-chart">
      <figcaption>{title}</figcaption>
      <ul className="legend">
        <li><span className="swatch raw" aria-hidden="true" />{t('charts.raw')}</li>
        <li><span className="swatch final" aria-hidden="true" />{t('charts.final')}</li>
        <li><span className="swatch drawn" aria-hidden="true" />★ {t('charts.drawn')}</li>
        <li><span className="swatch cut" aria-hidden="true" />✂ {t('charts.removedBy', { stage: '…' })}</li>
        {hasBias && <li>⚖ {t('names.logit_bias')}</li>}
        {truth && <li><span className="swatch truth" aria-hidden="true" />{t('charts.truth')}</li>}
      </ul>
      <table className="bars">
        <thead>
          <tr><th scope="col">{t('charts.token')}</th><th scope="col">{t('charts.raw')} / {t('charts.final')}</th><th scope="col">{t('charts.values')}</th></tr>
        </thead>
        <tbody>
          {top.map((f, rank) => {
            const drawn = f.id === drawnId;
            const b = bias?.[f.id];
            // A banned token is cut because of its bias, whichever later filter formally dropped it.
            const banned = b !== undefined && b < 0 && (f.finalProb === 0 || b <= BAN_BIAS);
            const cut = f.removedBy !== null || banned;
            const label = tokenLabel(tokenTexts[f.id], f.id);
            // Keyed by rank: the next step's tokens reuse these rows instead of replacing nearly all of them.
            return (
              <tr key={rank} className={drawn ? 'drawn' : cut ? 'cut' : ''} data-token={tokenTexts[f.id] ?? ''} data-bias={b}>
                <th scope="row">
                  <code>{label}</code>
                  {onBias && (b === undefined ? (
                    <span className="row-actions">
                      <button type="button" className="mini" data-testid={`chart-ban-${f.id}`} aria-label={t('tokens.banToken', { token: label })} title={t('tokens.banToken', { token: label })} onClick={() => onBias(f.id, BAN_BIAS, tokenTexts[f.id] ?? '')}>⊘</button>
                      <button type="button" className="mini" data-testid={`chart-boost-${f.id}`} aria-label={t('tokens.boostToken', { token: label })} title={t('tokens.boostToken', { token: label })} onClick={() => onBias(f.id, BOOST_BIAS, tokenTexts[f.id] ?? '')}>⊕</button>
                    </span>
                  ) : (
                    <span className="row-actions">
                      <button type="button" className="mini" aria-label={t('tokens.unbias', { token: label })} title={t('tokens.unbias', { token: label })} onClick={() => onBias(f.id, null, tokenTexts[f.id] ?? '')}>↺</button>
                    </span>
                  ))}
                </th>
                <td className="bar-cell">
                  <div className="bar raw" style={{ width: width(f.rawProb) }} title={`${t('charts.raw')} ${percent(f.rawProb, 2)}`} />
                  <div className="bar final" style={{ width: width(f.finalProb) }} title={`${t('charts.final')} ${percent(f.finalProb, 2)}`} />
                  {truth && <div className="bar truth" style={{ width: width(truth[f.id] ?? 0) }} title={`${t('charts.truth')} ${percent(truth[f.id] ?? 0, 2)}`} />}
                </td>
                <td className="numbers">
                  {percent(f.rawProb)} → <strong>{percent(f.finalProb)}</strong>
                  {truth && ` (${t('charts.truth')} ${percent(truth[f.id] ?? 0)})`}
                  {drawn && ` ★ ${t('charts.drawn')}`}
                  {banned ? ` ✂ ${t('charts.bannedByBias', { bias: b })}`
                    : b !== undefined ? ` ⚖ ${t('charts.biased', { bias: b > 0 ? `+${b}` : b })}${f.removedBy ? ` ✂ ${t('charts.removedBy', { stage: t(`names.${f.removedBy}`) })}` : ''}`
                    : cut && ` ✂ ${t('charts.removedBy', { stage: t(`names.${f.removedBy}`) })}`}
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

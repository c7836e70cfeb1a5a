// The toy distribution: a handful of editable tokens and logits (the weather example by default) through the
// same pipeline and charts, with no model at all — the quickest way to show top-k against top-p in class.
import { lazy, Suspense, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { createRng, sampleStep, type StepResult } from '../../core';
import { useStore } from '../../store/store';
import { DistributionChart } from '../charts/DistributionChart';
import { StagesView } from './StepPanel';

// recharts (and its store, scales and shapes) is over half of the page's script and only this chart uses it: a
// chunk of its own, loaded when toy mode first shows, keeps its parsing and set-up out of the playground's opening.
const TemperatureSweep = lazy(() => import('../charts/TemperatureSweep').then((m) => ({ default: m.TemperatureSweep })));

/** The sweep's caption and space while its chunk loads, so nothing below it jumps. */
function SweepPlaceholder() {
  const { t } = useTranslation();
  return (
    <figure className="chart" aria-busy="true">
      <figcaption>{t('toy.sweep')}</figcaption>
      <p className="hint">{t('toy.sweepHint')}</p>
      <div style={{ height: 250 }} />
    </figure>
  );
}

export function ToyMode() {
  const { t } = useTranslation();
  const tokens = useStore((s) => s.toyTokens);
  const setTokens = useStore((s) => s.setToyTokens);
  const params = useStore((s) => s.params);
  const seed = useStore((s) => s.seed);
  const toyBias = useStore((s) => s.toyBias);
  const biasToken = useStore((s) => s.biasToken);
  // The toy's own bias (by toy token), never the model's token ids.
  const toyParams = useMemo(() => ({ ...params, logit_bias: toyBias }), [params, toyBias]);
  const [drafts, setDrafts] = useState<Record<number, string>>({});
  const [draws, setDraws] = useState(0);
  const { result, problem } = useMemo((): { result: StepResult | null; problem: string | null } => {
    try {
      // Each press of Draw advances the seeded generator one draw, so a seed gives a reproducible sequence.
      const rng = createRng(seed);
      for (let i = 0; i < draws; i++) rng.next();
      const r = sampleStep({ logits: tokens.map((x) => x.logit), params: toyParams, rng, topN: tokens.length });
      return { result: r, problem: null };
    } catch (error) {
      return { result: null, problem: error instanceof Error ? error.message : String(error) };
    }
  }, [tokens, toyParams, seed, draws]);

  const texts = Object.fromEntries(tokens.map((x, i) => [i, x.label]));
  const logits = useMemo(() => tokens.map((x) => x.logit), [tokens]);
  const labels = useMemo(() => tokens.map((x) => x.label), [tokens]);
  const update = (i: number, patch: Partial<{ label: string; logit: number }>) =>
    setTokens(tokens.map((x, j) => (j === i ? { ...x, ...patch } : x)));

  return (
    <section className="panel" aria-labelledby="toy-heading" data-testid="toy">
      <h2 id="toy-heading">{t('toy.heading')}</h2>
      <p className="hint">{t('toy.prompt')}</p>
      <table className="toy-table">
        <thead><tr><th>{t('toy.token')}</th><th>{t('toy.logit')}</th><th /></tr></thead>
        <tbody>
          {tokens.map((x, i) => (
            <tr key={i}>
              <td><input type="text" aria-label={`${t('toy.token')} ${i + 1}`} value={x.label} onChange={(e) => update(i, { label: e.target.value })} /></td>
              <td>
                <input type="text" inputMode="decimal" className="number" aria-label={`${t('toy.logit')} ${x.label}`}
                  value={drafts[i] ?? String(x.logit)}
                  onChange={(e) => {
                    const text = e.target.value;
                    const v = Number(text);
                    setDrafts({ ...drafts, [i]: text });
                    if (text.trim() !== '' && Number.isFinite(v)) update(i, { logit: v });
                  }}
                  onBlur={() => setDrafts(Object.fromEntries(Object.entries(drafts).filter(([k]) => Number(k) !== i)))} />
                {drafts[i] !== undefined && !(drafts[i].trim() !== '' && Number.isFinite(Number(drafts[i]))) && (
                  <span className="error" role="alert">{t('toy.bad', { value: x.logit })}</span>
                )}
              </td>
              <td>
                <button type="button" aria-label={t('toy.remove', { token: x.label })} disabled={tokens.length <= 1}
                  onClick={() => setTokens(tokens.filter((_, j) => j !== i))}>×</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row">
        <button type="button" onClick={() => setTokens([...tokens, { label: `token ${tokens.length + 1}`, logit: 0 }])}>{t('toy.add')}</button>
        <button type="button" data-testid="toy-draw" onClick={() => setDraws(draws + 1)}>{t('toy.draw')}</button>
      </div>
      {problem && <p className="error" role="alert">{problem}</p>}
      {result && (
        <>
          <DistributionChart fates={result.fates} tokenTexts={texts} drawnId={draws > 0 ? result.tokenId : null} title={t('charts.distributionToy')}
            bias={toyBias} onBias={(id, bias) => biasToken(id, bias)} />
          <StagesView views={result.views} tokenTexts={texts} animate bias={toyBias} />
          <Suspense fallback={<SweepPlaceholder />}>
            <TemperatureSweep logits={logits} labels={labels} params={toyParams} />
          </Suspense>
        </>
      )}
    </section>
  );
}

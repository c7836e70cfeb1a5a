// One sampling knob: a slider and a number box that refuse bad values with the reason (the last good value
// stays), an "off" button where the knob has one, and its explanation in the current language.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { PARAM_SPECS, formatParamValue, isUnusual, type SamplingParamName } from '../../core';
import { useStore } from '../../store/store';
import { refusalText } from '../messages';

export function ParamControl({ name }: { name: SamplingParamName }) {
  const { t } = useTranslation();
  const value = useStore((s) => s.params[name] as number);
  const error = useStore((s) => s.paramErrors[name]);
  const setParam = useStore((s) => s.setParam);
  const setParamText = useStore((s) => s.setParamText);
  const spec = PARAM_SPECS[name];
  const sliderMax = spec.sliderMax ?? spec.max;
  const [draft, setDraft] = useState<string | null>(null);
  const commit = (text: string) => {
    const ok = text.trim() !== '' && setParamText(name, text);
    setDraft(ok ? null : text);
  };
  const isOff = spec.off !== undefined && value === spec.off;
  const id = `param-${name}`;
  const explain = t(spec.helpKey, { returnObjects: true }) as unknown as Record<string, string>;
  const labels = t('explain.labels', { returnObjects: true }) as unknown as Record<string, string>;
  return (
    <div className={`param ${isOff ? 'off' : ''} ${error ? 'invalid' : ''}`} data-testid={`param-${name}`}>
      <label htmlFor={id}>
        {t(`names.${name}`)} <code>{name}</code> {isOff && <span className="badge">{t('params.off')}</span>}
      </label>
      <div className="param-inputs">
        <input type="range" aria-label={`${name} slider`} min={spec.minExclusive ? spec.step : spec.min}
          max={sliderMax} step={spec.step} value={Math.min(value, sliderMax)}
          onChange={(e) => { setParam(name, Number(e.target.value)); setDraft(null); }} />
        <input id={id} type="text" inputMode="decimal" className="number" value={draft ?? formatParamValue(name, value)}
          aria-invalid={Boolean(error)} aria-describedby={error ? `${id}-error` : undefined}
          onChange={(e) => setDraft(e.target.value)} onBlur={(e) => commit(e.target.value)}
          onKeyDown={(e) => { if (e.key === 'Enter') commit((e.target as HTMLInputElement).value); }} />
        {spec.off !== undefined && (
          <button type="button" onClick={() => { setParam(name, spec.off!); setDraft(null); }} disabled={isOff}>{t('params.turnOff')}</button>
        )}
      </div>
      {error && <p className="error" role="alert" id={`${id}-error`}>{t('params.refused', { name, why: refusalText(t, error) })}</p>}
      {!error && isUnusual(name, value) && <p className="warning">{t('params.unusual', { max: spec.softMax })}</p>}
      <details className="explain">
        <summary>?</summary>
        <dl>
          <dt>{labels.what}</dt><dd>{explain.what}</dd>
          <dt>{labels.formula}</dt><dd><code>{explain.formula}</code></dd>
          <dt>{labels.when}</dt><dd>{explain.when}</dd>
          <dt>{labels.example}</dt><dd>{explain.example}</dd>
        </dl>
      </details>
    </div>
  );
}

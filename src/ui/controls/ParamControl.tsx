// One sampling knob: a slider and a number box that refuse bad values with the reason (the last good value
// stays), an "Off" button where the knob has one (and an undo that brings the value back), and its explanation
// in the current language.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { PARAM_SPECS, formatParamValue, isUnusual, type SamplingParamName } from '../../core';
import { useStore } from '../../store/store';
import { refusalText } from '../messages';
import { Help } from './Help';

export function ParamControl({ name }: { name: SamplingParamName }) {
  const { t } = useTranslation();
  const value = useStore((s) => s.params[name] as number);
  const error = useStore((s) => s.paramErrors[name]);
  const setParam = useStore((s) => s.setParam);
  const setParamText = useStore((s) => s.setParamText);
  const spotlight = useStore((s) => s.spotlight === name);
  const spec = PARAM_SPECS[name];
  const sliderMax = spec.sliderMax ?? spec.max;
  const [draft, setDraft] = useState<string | null>(null);
  /** The value before the last press of Off, while the knob is still off. */
  const [beforeOff, setBeforeOff] = useState<number | null>(null);
  const commit = (text: string) => {
    const ok = text.trim() !== '' && setParamText(name, text);
    setDraft(ok ? null : text);
  };
  const isOff = spec.off !== undefined && value === spec.off;
  const id = `param-${name}`;
  const label = t(`names.${name}`);
  return (
    <div className={`param ${isOff ? 'off' : ''} ${error ? 'invalid' : ''} ${spotlight ? 'spotlight' : ''}`} data-testid={`param-${name}`}>
      <div className="param-head">
        <label htmlFor={id}>
          {label} <code>{name}</code> {isOff && <span className="badge">{t('params.off')}</span>}
        </label>
        <Help topic={spec.helpKey} name={label} open={spotlight || undefined} />
      </div>
      <div className="param-inputs">
        <input type="range" aria-label={t('params.slider', { name: label })} min={spec.minExclusive ? spec.min + spec.step : spec.min}
          max={sliderMax} step={spec.step} value={Math.min(value, sliderMax)}
          onChange={(e) => { setParam(name, Number(e.target.value)); setDraft(null); setBeforeOff(null); }} />
        <input id={id} type="text" inputMode="decimal" className="number" value={draft ?? formatParamValue(name, value)}
          aria-invalid={Boolean(error)} aria-describedby={error ? `${id}-error` : undefined}
          onChange={(e) => setDraft(e.target.value)} onBlur={(e) => { commit(e.target.value); setBeforeOff(null); }}
          onKeyDown={(e) => { if (e.key === 'Enter') commit((e.target as HTMLInputElement).value); }} />
        {spec.off !== undefined && (isOff && beforeOff !== null ? (
          <button type="button" className="off-button" data-testid={`undo-off-${name}`} aria-label={t('params.undoOffFor', { name: label, value: beforeOff })}
            onClick={() => { setParam(name, beforeOff); setBeforeOff(null); setDraft(null); }}>{t('params.undoOff')}</button>
        ) : (
          <button type="button" className="off-button" aria-label={t('params.turnOffFor', { name: label })}
            onClick={() => { setBeforeOff(value); setParam(name, spec.off!); setDraft(null); }} disabled={isOff}>{t('params.turnOff')}</button>
        ))}
      </div>
      {error && <p className="error" role="alert" id={`${id}-error`}>{t('params.refused', { name, why: refusalText(t, error) })}</p>}
      {!error && isUnusual(name, value) && <p className="warning">{t('params.unusual', { max: spec.softMax })}</p>}
    </div>
  );
}

// Every knob of SAMPLING.md, presets, warper order, seed, max new tokens, stop sequences and logit bias.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { HF_ORDER, LLAMA_CPP_ORDER, SAMPLING_PARAM_NAMES, formatParamValue, type WarperName } from '../../core';
import { PRESETS, describePreset, type PresetName } from '../../store/presets';
import { useStore } from '../../store/store';
import { formatLogitBias } from '../../store/urlState';
import { refusalText } from '../messages';
import { ParamControl } from './ParamControl';

export function SamplingControls() {
  const { t, i18n } = useTranslation();
  const [preset, setPreset] = useState<PresetName | ''>('');
  const applyPreset = useStore((s) => s.applyPreset);
  const doSample = useStore((s) => s.params.do_sample);
  const setDoSample = useStore((s) => s.setDoSample);
  const chosen = PRESETS.find((p) => p.name === preset);
  return (
    <section className="panel" aria-labelledby="sampling-heading">
      <h2 id="sampling-heading">{t('params.heading')}</h2>
      <div className="row">
        <label htmlFor="preset">{t('params.presets')}</label>
        <select id="preset" data-testid="preset" value={preset}
          onChange={(e) => { const name = e.target.value as PresetName; setPreset(name); if (name) applyPreset(name); }}>
          <option value="">—</option>
          {PRESETS.map((p) => <option key={p.name} value={p.name}>{i18n.language === 'zh' ? p.label.zh : p.label.en}</option>)}
        </select>
      </div>
      {chosen && <p className="hint">{t('params.presetHint', { what: describePreset(chosen) })}</p>}
      <label className="row">
        <input type="checkbox" checked={doSample} onChange={(e) => setDoSample(e.target.checked)} data-testid="do-sample" />
        {t('params.do_sample')}
      </label>
      {SAMPLING_PARAM_NAMES.map((name) => <ParamControl key={name} name={name} />)}
      <WarperOrder />
      <LogitBiasInput />
      <SeedAndLength />
      <StopSequences />
    </section>
  );
}

function WarperOrder() {
  const { t } = useTranslation();
  const order = useStore((s) => s.params.order);
  const setOrder = useStore((s) => s.setOrder);
  const move = useStore((s) => s.moveWarper);
  const [dragging, setDragging] = useState<WarperName | null>(null);
  return (
    <fieldset className="order" data-testid="order">
      <legend>{t('params.order')}</legend>
      <button type="button" onClick={() => setOrder([...HF_ORDER])} aria-pressed={order.join() === HF_ORDER.join()}>{t('params.orderHf')}</button>
      <button type="button" onClick={() => setOrder([...LLAMA_CPP_ORDER])} aria-pressed={order.join() === LLAMA_CPP_ORDER.join()}>{t('params.orderLlama')}</button>
      <ol>
        {order.map((name, i) => (
          <li key={name} draggable onDragStart={() => setDragging(name)} onDragOver={(e) => e.preventDefault()}
            onDrop={() => {
              if (!dragging || dragging === name) return;
              const next = order.filter((n) => n !== dragging);
              next.splice(i, 0, dragging);
              setOrder(next);
              setDragging(null);
            }}>
            <span className="grip" aria-hidden="true">⋮⋮</span> <code>{name}</code>
            <button type="button" aria-label={t('params.moveUp', { name })} disabled={i === 0} onClick={() => move(name, -1)}>↑</button>
            <button type="button" aria-label={t('params.moveDown', { name })} disabled={i === order.length - 1} onClick={() => move(name, 1)}>↓</button>
          </li>
        ))}
      </ol>
    </fieldset>
  );
}

function LogitBiasInput() {
  const { t } = useTranslation();
  const bias = useStore((s) => s.params.logit_bias);
  const error = useStore((s) => s.paramErrors.logit_bias);
  const setText = useStore((s) => s.setLogitBiasText);
  const [draft, setDraft] = useState<string | null>(null);
  return (
    <div className={`param ${error ? 'invalid' : ''}`}>
      <label htmlFor="logit-bias">{t('params.logit_bias')} <code>logit_bias</code></label>
      <input id="logit-bias" type="text" placeholder={t('params.logitBiasPlaceholder')} value={draft ?? formatLogitBias(bias)}
        onChange={(e) => setDraft(e.target.value)} onBlur={(e) => { if (setText(e.target.value)) setDraft(null); }} />
      {error && <p className="error" role="alert">{t('params.refused', { name: 'logit_bias', why: refusalText(t, error) })}</p>}
    </div>
  );
}

function SeedAndLength() {
  const { t } = useTranslation();
  const seed = useStore((s) => s.seed);
  const maxNew = useStore((s) => s.maxNewTokens);
  const errors = useStore((s) => s.paramErrors);
  const setParamText = useStore((s) => s.setParamText);
  const reroll = useStore((s) => s.rerollSeed);
  const [seedDraft, setSeedDraft] = useState<string | null>(null);
  const [maxDraft, setMaxDraft] = useState<string | null>(null);
  const commit = (text: string, name: 'seed' | 'max_new_tokens', clear: () => void) => {
    if (text.trim() !== '' && setParamText(name, text)) clear();
  };
  return (
    <div className="row wrap">
      <label htmlFor="seed">{t('params.seed')}</label>
      <input id="seed" data-testid="seed" type="text" inputMode="numeric" className="number wide" value={seedDraft ?? formatParamValue('seed', seed)}
        onChange={(e) => setSeedDraft(e.target.value)} onBlur={(e) => commit(e.target.value, 'seed', () => setSeedDraft(null))} />
      <button type="button" onClick={() => { reroll(); setSeedDraft(null); }}>{t('actions.reroll')}</button>
      <label htmlFor="max-new">{t('params.max_new_tokens')}</label>
      <input id="max-new" data-testid="max-new-tokens" type="text" inputMode="numeric" className="number" value={maxDraft ?? formatParamValue('max_new_tokens', maxNew)}
        onChange={(e) => setMaxDraft(e.target.value)} onBlur={(e) => commit(e.target.value, 'max_new_tokens', () => setMaxDraft(null))} />
      {errors.seed && <p className="error" role="alert">{t('params.refused', { name: 'seed', why: refusalText(t, errors.seed) })}</p>}
      {errors.max_new_tokens && <p className="error" role="alert">{t('params.refused', { name: 'max_new_tokens', why: refusalText(t, errors.max_new_tokens) })}</p>}
    </div>
  );
}

function StopSequences() {
  const { t } = useTranslation();
  const stops = useStore((s) => s.stop);
  const add = useStore((s) => s.addStop);
  const remove = useStore((s) => s.removeStop);
  const error = useStore((s) => s.paramErrors.stop);
  const [draft, setDraft] = useState('');
  return (
    <fieldset className="stops" data-testid="stops">
      <legend>{t('params.stop')}</legend>
      <ul>
        {stops.map((s) => (
          <li key={s}><code>{JSON.stringify(s)}</code>
            <button type="button" aria-label={t('params.stopRemove', { stop: s })} onClick={() => remove(s)}>×</button></li>
        ))}
      </ul>
      <input type="text" aria-label={t('params.stop')} placeholder={t('params.stopPlaceholder')} value={draft}
        onChange={(e) => setDraft(e.target.value)} onKeyDown={(e) => { if (e.key === 'Enter') { add(draft); setDraft(''); } }} />
      <button type="button" onClick={() => { add(draft); setDraft(''); }}>{t('params.stopAdd')}</button>
      {error && <p className="error" role="alert">{t('params.refused', { name: 'stop', why: refusalText(t, error) })}</p>}
    </fieldset>
  );
}

// Every knob of SAMPLING.md, presets, warper order, seed, max new tokens, stop sequences and logit bias.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  DEFAULT_DRY_BREAKERS, DEFAULT_ORDER, HF_ORDER, LLAMA_CPP_ORDER, MORE_SAMPLER_PARAMS, SAMPLING_PARAM_NAMES, completeOrder,
  formatParamValue, type WarperName,
} from '../../core';
import { nameTokens } from '../../store/engineBridge';
import { PRESETS, describePreset, type PresetName } from '../../store/presets';
import { useStore } from '../../store/store';
import { formatLogitBias, parseLogitBias, refusalOf } from '../../store/urlState';
import { tokenLabel } from '../format';
import { refusalText } from '../messages';
import { BeamControls } from './BeamControls';
import { BAN_BIAS, BOOST_BIAS } from '../charts/DistributionChart';
import { Help } from './Help';
import { ParamControl } from './ParamControl';
import { TokenPicker } from './TokenPicker';
import { Later } from '../Progressive';


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
      <div className="row wrap">
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
      {/* About fifty controls: each group mounts in a task of its own while the page opens (see Progressive.tsx). */}
      {MAIN_PARAM_GROUPS.map((group) => (
        <Later key={group[0]}>{group.map((name) => <ParamControl key={name} name={name} />)}</Later>
      ))}
      <Later><MoreSamplers /></Later>
      <Later><WarperOrder /></Later>
      <Later><LogitBiasInput /></Later>
      <Later><SeedAndLength /></Later>
      <Later><StopSequences /></Later>
      <Later><BeamControls /></Later>
    </section>
  );
}

const MORE_SAMPLER_NAMES: ReadonlySet<string> = new Set(MORE_SAMPLER_PARAMS);
const MAIN_PARAM_NAMES = SAMPLING_PARAM_NAMES.filter((name) => !MORE_SAMPLER_NAMES.has(name));
/** The main knobs in groups of three, each mounted in its own task while the page opens. */
const MAIN_PARAM_GROUPS = Array.from({ length: Math.ceil(MAIN_PARAM_NAMES.length / 3) }, (_, i) => MAIN_PARAM_NAMES.slice(i * 3, i * 3 + 3));

/** DRY, top-nσ, XTC, ε, η, dynamic temperature and mirostat: folded away until one of them is on. */
function MoreSamplers() {
  const { t } = useTranslation();
  const anyOn = useStore((s) => s.params.dry_multiplier > 0 || s.params.top_n_sigma > 0 || s.params.xtc_probability > 0
    || s.params.epsilon_cutoff > 0 || s.params.eta_cutoff > 0 || s.params.dynatemp_range > 0 || s.params.mirostat !== 0);
  const mirostat = useStore((s) => s.params.mirostat);
  const [open, setOpen] = useState(anyOn);
  return (
    <details className="more-samplers" data-testid="more-samplers" open={open || anyOn} onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>{t('params.moreHeading')}</summary>
      <p className="hint">{t('params.moreHint')}</p>
      {mirostat !== 0 && <p className="warning" data-testid="mirostat-replaces">{t('params.mirostatReplaces')}</p>}
      {MORE_SAMPLER_PARAMS.map((name) => (
        <Later key={name}>
          <div className="more-knob">
            <ParamControl name={name} />
            {/* The breakers belong with DRY's other knobs. */}
            {name === 'dry_penalty_last_n' && <DryBreakers />}
          </div>
        </Later>
      ))}
    </details>
  );
}

/** DRY's sequence breakers as strings: shown JSON-quoted so a newline is visible; "\n" typed means a newline. */
function DryBreakers() {
  const { t } = useTranslation();
  const breakers = useStore((s) => s.params.dry_sequence_breakers);
  const setBreakers = useStore((s) => s.setDryBreakers);
  const error = useStore((s) => s.paramErrors.dry_sequence_breakers);
  const [draft, setDraft] = useState('');
  const add = () => {
    const text = draft.replace(/\\n/g, '\n').replace(/\\t/g, '\t');
    if (text !== '' && !breakers.includes(text) && setBreakers([...breakers, text])) setDraft('');
  };
  return (
    <fieldset className={`stops breakers ${error ? 'invalid' : ''}`} data-testid="param-dry_sequence_breakers">
      <legend>{t('names.dry_sequence_breakers')} <code>dry_sequence_breakers</code></legend>
      <ul>
        {breakers.map((b) => (
          <li key={b}><code>{JSON.stringify(b)}</code>
            <button type="button" aria-label={t('params.breakersRemove', { breaker: JSON.stringify(b) })} onClick={() => setBreakers(breakers.filter((x) => x !== b))}>×</button></li>
        ))}
      </ul>
      <input type="text" aria-label={t('params.breakers')} placeholder={t('params.breakersPlaceholder')} value={draft}
        onChange={(e) => setDraft(e.target.value)} onKeyDown={(e) => { if (e.key === 'Enter') add(); }} />
      <button type="button" onClick={add}>{t('params.breakersAdd')}</button>
      <button type="button" onClick={() => setBreakers([...DEFAULT_DRY_BREAKERS])}>{t('params.breakersReset')}</button>
      {error && <p className="error" role="alert">{t('params.refused', { name: 'dry_sequence_breakers', why: refusalText(t, error) })}</p>}
      <Help topic="dry_sequence_breakers" name="dry_sequence_breakers" />
    </fieldset>
  );
}

function WarperOrder() {
  const { t } = useTranslation();
  // A partial order runs the warpers it leaves out after it: the list shows the chain as it runs.
  const order = completeOrder(useStore((s) => s.params.order));
  const setOrder = useStore((s) => s.setOrder);
  const move = useStore((s) => s.moveWarper);
  const [dragging, setDragging] = useState<WarperName | null>(null);
  return (
    <fieldset className="order" data-testid="order">
      <legend>{t('params.order')}</legend>
      <div className="row wrap">
        <button type="button" onClick={() => setOrder([...HF_ORDER])} aria-pressed={order.join() === DEFAULT_ORDER.join()}>{t('params.orderHf')}</button>
        <button type="button" onClick={() => setOrder([...LLAMA_CPP_ORDER])} aria-pressed={order.join() === LLAMA_CPP_ORDER.join()}>{t('params.orderLlama')}</button>
        <Help topic="order" name={t('params.order')} />
      </div>
      <p className="hint">{t('params.orderHint')}</p>
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

/** Logit bias: tokens found by their text and banned or boosted in one click, the list of biased tokens, and the
 *  id:bias text for anything else. In toy mode the same control biases the toy tokens. */
function LogitBiasInput() {
  const { t } = useTranslation();
  const mode = useStore((s) => s.mode);
  const modelBias = useStore((s) => s.params.logit_bias);
  const toyBias = useStore((s) => s.toyBias);
  const toyTokens = useStore((s) => s.toyTokens);
  const names = useStore((s) => s.tokenNames);
  const modelStatus = useStore((s) => s.modelStatus);
  const error = useStore((s) => s.paramErrors.logit_bias);
  const setText = useStore((s) => s.setLogitBiasText);
  const biasToken = useStore((s) => s.biasToken);
  const [draft, setDraft] = useState<string | null>(null);
  const [toyError, setToyError] = useState<string | null>(null);
  const toy = mode === 'toy';
  const bias = toy ? toyBias : modelBias;
  const textOf = (id: number): string | undefined => (toy ? toyTokens[id]?.label : names[id]);
  const unnamed = toy ? [] : Object.keys(modelBias).map(Number).filter((id) => names[id] === undefined);
  useEffect(() => {
    if (unnamed.length > 0) void nameTokens(unnamed);
    // Keyed on the ids' text: a new array each render must not search again.
  }, [unnamed.join(), modelStatus]); // eslint-disable-line react-hooks/exhaustive-deps
  const label = t('names.logit_bias');
  const commitText = (text: string) => {
    if (!toy) {
      if (setText(text)) setDraft(null);
      return;
    }
    try {
      const parsed = parseLogitBias(text);
      const outside = Object.keys(parsed).map(Number).find((i) => i >= toyTokens.length);
      if (outside !== undefined) throw new Error(`#${outside}`);
      useStore.getState().setToyBias(parsed);
      setDraft(null);
      setToyError(null);
    } catch (e) {
      const why = refusalOf(e);
      setToyError(why.kind === 'text' ? t('rules.tokenIdsBelow', { vocab: toyTokens.length }) : refusalText(t, why));
    }
  };
  const entries = Object.entries(bias).map(([id, b]) => ({ id: Number(id), bias: b }));
  return (
    <fieldset className={`param bias ${error ? 'invalid' : ''}`} data-testid="logit-bias">
      <legend>{label} <code>logit_bias</code></legend>
      <Help topic="logit_bias" name={label} open={useStore.getState().spotlight === 'logit_bias' || undefined} />
      <TokenPicker label={t('tokens.findToBias')} testId="bias-search" actions={[
        { label: t('tokens.ban'), nameFor: (token) => t('tokens.banToken', { token }), run: (id, text) => { if (!toy) useStore.getState().nameTokens({ [id]: text }); biasToken(id, BAN_BIAS); }, testId: 'ban' },
        { label: t('tokens.boost'), nameFor: (token) => t('tokens.boostToken', { token }), run: (id, text) => { if (!toy) useStore.getState().nameTokens({ [id]: text }); biasToken(id, BOOST_BIAS); }, testId: 'boost' },
      ]} />
      {entries.length > 0 && (
        <ul className="bias-list" data-testid="bias-list">
          {entries.map(({ id, bias: b }) => {
            const name = tokenLabel(textOf(id), id);
            return (
              <li key={id}>
                <code>{name}</code> <span className="token-id">#{id}</span> <strong>{b > 0 ? `+${b}` : b}</strong>
                <button type="button" aria-label={t('tokens.unbias', { token: name })} onClick={() => biasToken(id, null)}>×</button>
              </li>
            );
          })}
        </ul>
      )}
      {modelStatus !== 'ready' && !toy && <p className="hint">{t('tokens.needsModel')}</p>}
      <label htmlFor="logit-bias">{t('params.logitBiasIds')}</label>
      <input id="logit-bias" type="text" placeholder={t('params.logitBiasPlaceholder')} value={draft ?? formatLogitBias(bias)}
        onChange={(e) => setDraft(e.target.value)} onBlur={(e) => commitText(e.target.value)}
        onKeyDown={(e) => { if (e.key === 'Enter') commitText((e.target as HTMLInputElement).value); }} />
      {!toy && error && <p className="error" role="alert">{t('params.refused', { name: 'logit_bias', why: refusalText(t, error) })}</p>}
      {toy && toyError && <p className="error" role="alert">{t('params.refused', { name: 'logit_bias', why: toyError })}</p>}
    </fieldset>
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
    <div className="param seed-length">
      <div className="row wrap">
        <label htmlFor="seed">{t('params.seed')}</label>
        <input id="seed" data-testid="seed" type="text" inputMode="numeric" className="number wide" value={seedDraft ?? formatParamValue('seed', seed)}
          onChange={(e) => setSeedDraft(e.target.value)} onBlur={(e) => commit(e.target.value, 'seed', () => setSeedDraft(null))} />
        <button type="button" onClick={() => { reroll(); setSeedDraft(null); }}>{t('actions.reroll')}</button>
        <Help topic="seed" name={t('params.seed')} />
      </div>
      <div className="row wrap">
        <label htmlFor="max-new">{t('params.max_new_tokens')}</label>
        <input id="max-new" data-testid="max-new-tokens" type="text" inputMode="numeric" className="number" value={maxDraft ?? formatParamValue('max_new_tokens', maxNew)}
          onChange={(e) => setMaxDraft(e.target.value)} onBlur={(e) => commit(e.target.value, 'max_new_tokens', () => setMaxDraft(null))} />
      </div>
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
  const mode = useStore((s) => s.mode);
  const [draft, setDraft] = useState('');
  return (
    <fieldset className="stops" data-testid="stops">
      <legend>{t('params.stop')}</legend>
      <Help topic="stop" name={t('params.stop')} />
      <ul>
        {stops.map((s) => (
          <li key={s}><code>{JSON.stringify(s)}</code>
            <button type="button" aria-label={t('params.stopRemove', { stop: s })} onClick={() => remove(s)}>×</button></li>
        ))}
      </ul>
      <div className="row wrap">
        <input type="text" aria-label={t('params.stop')} placeholder={t('params.stopPlaceholder')} value={draft}
          onChange={(e) => setDraft(e.target.value)} onKeyDown={(e) => { if (e.key === 'Enter') { add(draft); setDraft(''); } }} />
        <button type="button" onClick={() => { add(draft); setDraft(''); }}>{t('params.stopAdd')}</button>
      </div>
      {mode === 'model' && (
        <TokenPicker label={t('tokens.findToStop')} testId="stop-search" actions={[
          { label: t('tokens.addStop'), nameFor: (token) => t('tokens.addStopToken', { token }), run: (_id, text) => add(text) },
        ]} />
      )}
      {error && <p className="error" role="alert">{t('params.refused', { name: 'stop', why: refusalText(t, error) })}</p>}
    </fieldset>
  );
}

// Choose a model (catalog, any Hub repo id, or a folder URL). Catalog models other than the bundled one are marked
// as needing the internet, with their download size. ModelStatus (progress, device and threads in use, errors)
// stays in view when the settings column is collapsed.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CATALOG, type ModelSpec } from '../../engine/catalog';
import { confirmLinkModel, loadModel } from '../../store/engineBridge';
import { formatBytes } from '../../engine/modelSize';
import { useStore } from '../../store/store';
import { percent } from '../format';
import { messageText } from '../messages';

/** A catalog model's name in the page's language (the bundled model's name is ours to translate; Hub names are not). */
export function modelName(t: (key: string, options?: Record<string, unknown>) => string, spec: ModelSpec): string {
  return spec.bundled ? t('model.bundledName') : spec.label;
}

function optionLabel(t: (key: string, options?: Record<string, unknown>) => string, spec: ModelSpec): string {
  if (spec.bundled) return `${modelName(t, spec)} — ${t('model.offline')}`;
  return `${spec.label} — ${t('model.needsInternet', { size: spec.sizes[spec.defaultDtype.wasm] })}`;
}

export function ModelPicker() {
  const { t } = useTranslation();
  const ref = useStore((s) => s.modelRef);
  const chat = useStore((s) => s.chat);
  const setChat = useStore((s) => s.setChat);
  const status = useStore((s) => s.modelStatus);
  const loaded = useStore((s) => s.loaded);
  const askedDtype = useStore((s) => s.dtype);
  const dtypesAvailable = useStore((s) => s.dtypesAvailable);
  const inCatalog = CATALOG.find((m) => m.id === ref);
  const [custom, setCustom] = useState(inCatalog ? '' : ref);
  const spec = inCatalog;
  // The precisions to offer: what the model has (known once it loaded or refused one), else what the catalog lists.
  const dtypeOptions: string[] = dtypesAvailable.length > 0 ? dtypesAvailable : spec ? Object.keys(spec.sizes) : [];
  const dtypeShown = status === 'ready' && loaded ? loaded.dtype : askedDtype ?? '';
  if (dtypeShown !== '' && !dtypeOptions.includes(dtypeShown)) dtypeOptions.push(dtypeShown);
  const sizeDtype = spec && loaded && spec.sizes[loaded.dtype] !== undefined ? loaded.dtype : spec?.defaultDtype.wasm;
  return (
    <section className="panel" aria-labelledby="model-heading">
      <h2 id="model-heading">{t('model.heading')}</h2>
      <div className="row wrap">
        <label htmlFor="model-select">{t('model.picker')}</label>
        <select id="model-select" data-testid="model-select" value={inCatalog ? ref : ''}
          onChange={(e) => { if (e.target.value) loadModel(e.target.value); }}>
          {!inCatalog && <option value="">{ref}</option>}
          {CATALOG.map((m) => <option key={m.id} value={m.id}>{optionLabel(t, m)}</option>)}
        </select>
      </div>
      {spec && (
        <p className="hint" data-testid="model-size">
          {spec.bundled ? `${t('model.offline')} · ` : `${t('model.needsInternet', { size: sizeDtype ? spec.sizes[sizeDtype] : '?' })} · `}
          {t('model.size', { size: sizeDtype ? spec.sizes[sizeDtype] : '?', dtype: sizeDtype, ctx: spec.contextLength, licence: spec.bundled ? t('model.bundledLicence') : spec.licence })}
        </p>
      )}
      {dtypeOptions.length > 0 && (
        <div className="row wrap">
          <label htmlFor="dtype-select" title={t('model.dtypeHint')}>{t('model.dtype')}</label>
          <select id="dtype-select" data-testid="dtype-select" value={dtypeShown} disabled={status === 'loading'}
            onChange={(e) => { if (e.target.value) loadModel(ref, e.target.value); }}>
            {dtypeShown === '' && <option value="">—</option>}
            {dtypeOptions.map((d) => <option key={d} value={d}>{d}</option>)}
          </select>
        </div>
      )}
      <div className="row wrap">
        <label htmlFor="model-custom">{t('model.custom')}</label>
        <input id="model-custom" type="text" value={custom} placeholder={t('model.customPlaceholder')} onChange={(e) => setCustom(e.target.value)} />
        <button type="button" onClick={() => loadModel(custom)} disabled={custom.trim() === ''}>{t('model.load')}</button>
      </div>
      <p className="hint">{t('model.customHint')}</p>
      {spec?.chat && (
        <label className="row"><input type="checkbox" checked={chat} onChange={(e) => setChat(e.target.checked)} />{t('model.chat')}</label>
      )}
    </section>
  );
}

export function ModelStatus() {
  const { t } = useTranslation();
  const ref = useStore((s) => s.modelRef);
  const status = useStore((s) => s.modelStatus);
  const progress = useStore((s) => s.progress);
  const loaded = useStore((s) => s.loaded);
  const error = useStore((s) => s.modelError);
  const notice = useStore((s) => s.modelNotice);
  const failedRef = useStore((s) => s.failedRef);
  const files = Object.entries(progress);
  const totals = files.reduce((acc, [, p]) => ({ loaded: acc.loaded + p.loaded, total: acc.total + p.total }), { loaded: 0, total: 0 });
  const spec = CATALOG.find((m) => m.id === ref || m.repo === loaded?.modelId);
  const name = spec ? modelName(t, spec) : loaded?.modelId ?? ref;
  return (
    <div className="model-status">
      {/* Outside the folding settings: a link waiting for a click must be seen on a phone too. */}
      <ModelConfirm />
      {status === 'loading' && (
        <div data-testid="load-progress">
          {files.map(([file, p]) => (
            <div key={file} className="progress-row">
              <span>{t('model.loading', { file })}</span>
              <progress max={p.total || 1} value={p.loaded} aria-label={file} /> <span>{p.total ? percent(p.loaded / p.total, 0) : ''}</span>
            </div>
          ))}
          <div className="progress-row">
            <span>{t('model.overall')}</span>
            <progress max={totals.total || 1} value={totals.loaded} aria-label={t('model.overall')} />
            <span>{(totals.loaded / 1e6).toFixed(1)} / {(totals.total / 1e6).toFixed(1)} MB</span>
          </div>
        </div>
      )}
      {status === 'ready' && loaded && (
        <p data-testid="model-ready" className="ok">
          {t('model.ready', { model: name, device: loaded.device === 'wasm' ? `WASM, ${t('model.threads', { count: loaded.threads })}` : 'WebGPU', dtype: loaded.dtype, vocab: loaded.vocabSize.toLocaleString(), ctx: loaded.contextLength })}
          {' · '}
          <span data-testid="device-reason">{t(`model.why.${loaded.deviceReason}`, { adapter: loaded.adapter ?? '', device: loaded.device })}</span>
        </p>
      )}
      {notice && <p className="warning" role="status">{messageText(t, notice)}</p>}
      {error && (
        <div className="error" role="alert" data-testid="model-error">
          <p>
            {failedRef !== null && `${t('model.failed', { ref: failedRef })}: `}
            {messageText(t, error)}
            {status === 'ready' && loaded && ` ${t('model.keptPrevious', { model: name })}`}
          </p>
          {failedRef !== null && (
            <button type="button" data-testid="retry" onClick={() => loadModel(failedRef)}>{t('model.retry')}</button>
          )}
        </div>
      )}
    </div>
  );
}

/** A link's model on another host: its host and download size, and nothing fetched from there until a click. */
function ModelConfirm() {
  const { t } = useTranslation();
  const pending = useStore((s) => s.modelConfirm);
  if (!pending) return null;
  const size = pending.bytes === null ? t('model.confirmSizeChecking') : pending.bytes === 'unknown' ? t('model.confirmSizeUnknown') : formatBytes(pending.bytes);
  return (
    <div className="confirm-model" role="alertdialog" aria-labelledby="confirm-model-heading" data-testid="model-confirm">
      <p id="confirm-model-heading"><strong>{t('model.confirmHeading')}</strong></p>
      <p>{t('model.confirmText', { host: pending.host, size })}</p>
      <p className="hint"><code>{pending.ref}</code></p>
      <div className="row wrap">
        <button type="button" data-testid="confirm-model" onClick={() => confirmLinkModel(true)}>{t('model.confirmLoad', { host: pending.host })}</button>
        <button type="button" data-testid="confirm-model-bundled" onClick={() => confirmLinkModel(false)}>{t('model.confirmBundled')}</button>
      </div>
    </div>
  );
}

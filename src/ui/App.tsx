// The playground page: header (mode, language, classroom mode, copy link), then the prompt with its actions, the
// settings column (collapsible) and the text and charts. The prompt comes first in the document, so a phone shows
// it first and it is among the first tab stops; wide screens place the settings beside it (see styles.css).
import { lazy, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from '../store/store';
import { TOY_DEFAULT_LABELS } from '../store/uiSlice';
import { ModelPicker, ModelStatus } from './controls/ModelPicker';
import { SamplingControls } from './controls/SamplingControls';
import { Completion, PromptAndActions, RunHistory } from './panels/GenerationPanel';
import { Notices } from './panels/Notices';
import { PanelBoundary } from './panels/PanelBoundary';
import { StepPanel } from './panels/StepPanel';
import { CopyLink } from './panels/CopyLink';
import { LANGS } from './i18n';
import { useOpened } from './Progressive';

// Panels that the first screen does not need come in chunks of their own, so the page's chunk is evaluated in a
// shorter task; each is fetched as its panel mounts (PanelBoundary waits for it without a blank that stays).
const BeamTree = lazy(() => import('./panels/BeamTree').then((m) => ({ default: m.BeamTree })));
const CompareView = lazy(() => import('./panels/CompareView').then((m) => ({ default: m.CompareView })));
const ExportPanel = lazy(() => import('./panels/ExportPanel').then((m) => ({ default: m.ExportPanel })));
const SweepView = lazy(() => import('./panels/SweepView').then((m) => ({ default: m.SweepView })));
const ToyMode = lazy(() => import('./panels/ToyMode').then((m) => ({ default: m.ToyMode })));
const Warmup = lazy(() => import('./panels/Warmup').then((m) => ({ default: m.Warmup })));

export function App() {
  const { t, i18n } = useTranslation();
  const lang = useStore((s) => s.lang);
  const setLang = useStore((s) => s.setLang);
  const classroom = useStore((s) => s.classroom);
  const setClassroom = useStore((s) => s.setClassroom);
  const mode = useStore((s) => s.mode);
  const setMode = useStore((s) => s.setMode);
  const compareOpen = useStore((s) => s.compareOpen);
  const setCompareOpen = useStore((s) => s.setCompareOpen);
  const controlsOpen = useStore((s) => s.controlsOpen);
  const setControlsOpen = useStore((s) => s.setControlsOpen);
  const opened = useOpened();

  useEffect(() => {
    void i18n.changeLanguage(lang);
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = i18n.t('app.title');
    // The weather tokens follow the language while they are still the defaults.
    const toy = useStore.getState().toyTokens;
    const other = lang === 'zh' ? TOY_DEFAULT_LABELS.en : TOY_DEFAULT_LABELS.zh;
    if (toy.length === 4 && toy.every((x, i) => x.label === other[i])) {
      useStore.getState().setToyTokens(toy.map((x, i) => ({ ...x, label: TOY_DEFAULT_LABELS[lang][i] })));
    }
  }, [lang, i18n]);

  return (
    // data-opened: every panel has mounted (Progressive.tsx).
    <div className={`app ${classroom ? 'classroom' : ''} ${controlsOpen ? '' : 'controls-closed'}`} data-opened={opened}>
      <header>
        <h1>LogitLab</h1>
        <p className="tagline">{t('app.tagline')}</p>
        <div className="header-controls">
          <div role="tablist" aria-label={t('app.mode')}>
            <button type="button" role="tab" aria-selected={mode === 'model'} data-testid="mode-model" onClick={() => setMode('model')}>{t('app.modeModel')}</button>
            <button type="button" role="tab" aria-selected={mode === 'toy'} data-testid="mode-toy" onClick={() => setMode('toy')}>{t('app.modeToy')}</button>
            <button type="button" role="tab" aria-selected={mode === 'sweep'} data-testid="mode-sweep" onClick={() => setMode('sweep')}>{t('app.modeSweep')}</button>
          </div>
          <button type="button" aria-pressed={compareOpen} data-testid="mode-compare" onClick={() => { setCompareOpen(!compareOpen); setMode('model'); }}>{t('compare.tab')}</button>
          <label>
            {t('app.language')}{' '}
            <select data-testid="lang" value={lang} onChange={(e) => setLang(e.target.value as 'en' | 'zh')}>
              {LANGS.map((l) => <option key={l} value={l} lang={l === 'zh' ? 'zh-CN' : 'en'}>{l === 'en' ? 'English' : '中文'}</option>)}
            </select>
          </label>
          <label><input type="checkbox" data-testid="classroom" checked={classroom} onChange={(e) => {
            setClassroom(e.target.checked);
            // On a projector-sized screen, presenting folds the settings away so the step panel gets the width.
            if (e.target.checked && window.innerWidth <= 1100) setControlsOpen(false);
          }} /> {t('app.classroom')}</label>
          <CopyLink />
        </div>
      </header>
      <PanelBoundary panel="notices"><Notices /></PanelBoundary>
      <main>
        {mode !== 'toy' && <div className="prompt-area"><PanelBoundary panel="prompt"><PromptAndActions actions={mode === 'model'} /></PanelBoundary></div>}
        <aside className="controls" aria-label={t('params.column')}>
          <button type="button" className="controls-toggle" data-testid="controls-toggle" aria-expanded={controlsOpen} aria-controls="controls-body"
            onClick={() => setControlsOpen(!controlsOpen)}>
            {controlsOpen ? `▾ ${t('app.hideControls')}` : `▸ ${t('app.showControls')}`}
          </button>
          {mode !== 'toy' && <PanelBoundary panel="model"><ModelStatus /></PanelBoundary>}
          <div id="controls-body" hidden={!controlsOpen}>
            {mode !== 'toy' && <PanelBoundary panel="model"><ModelPicker /></PanelBoundary>}
            <PanelBoundary panel="sampling"><SamplingControls /></PanelBoundary>
          </div>
        </aside>
        <div className="content">
          {mode === 'model' ? (
            <>
              {compareOpen && <PanelBoundary panel="compare"><CompareView /></PanelBoundary>}
              <PanelBoundary panel="completion" drawsRun><Completion /></PanelBoundary>
              <PanelBoundary panel="beam" drawsRun><BeamTree /></PanelBoundary>
              <PanelBoundary panel="step" drawsRun><StepPanel /></PanelBoundary>
              <PanelBoundary panel="history"><RunHistory /></PanelBoundary>
              <PanelBoundary panel="export"><ExportPanel /></PanelBoundary>
              <PanelBoundary panel="warmup"><Warmup /></PanelBoundary>
            </>
          ) : mode === 'sweep' ? (
            <PanelBoundary panel="sweep"><SweepView /></PanelBoundary>
          ) : (
            <PanelBoundary panel="toy"><ToyMode /></PanelBoundary>
          )}
        </div>
      </main>
    </div>
  );
}

// The playground page: header (language, classroom mode, mode switch), controls on the left, the text and
// the distribution charts on the right.
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from '../store/store';
import { ModelPicker } from './controls/ModelPicker';
import { SamplingControls } from './controls/SamplingControls';
import { ExportPanel } from './panels/ExportPanel';
import { Completion, PromptAndActions, RunHistory } from './panels/GenerationPanel';
import { Notices } from './panels/Notices';
import { PanelBoundary } from './panels/PanelBoundary';
import { StepPanel } from './panels/StepPanel';
import { ToyMode } from './panels/ToyMode';
import { Warmup } from './panels/Warmup';
import { LANGS } from './i18n';

const TOY_DEFAULTS: Record<'en' | 'zh', string[]> = { en: ['sunny', 'cloudy', 'overcast', 'rainy'], zh: ['晴朗', '多云', '阴天', '雨天'] };

export function App() {
  const { t, i18n } = useTranslation();
  const lang = useStore((s) => s.lang);
  const setLang = useStore((s) => s.setLang);
  const classroom = useStore((s) => s.classroom);
  const setClassroom = useStore((s) => s.setClassroom);
  const mode = useStore((s) => s.mode);
  const setMode = useStore((s) => s.setMode);

  useEffect(() => {
    void i18n.changeLanguage(lang);
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    // The weather tokens follow the language while they are still the defaults.
    const toy = useStore.getState().toyTokens;
    const other = lang === 'zh' ? TOY_DEFAULTS.en : TOY_DEFAULTS.zh;
    if (toy.length === 4 && toy.every((x, i) => x.label === other[i])) {
      useStore.getState().setToyTokens(toy.map((x, i) => ({ ...x, label: TOY_DEFAULTS[lang][i] })));
    }
  }, [lang, i18n]);

  return (
    <div className={`app ${classroom ? 'classroom' : ''}`}>
      <header>
        <h1>LogitLab</h1>
        <p className="tagline">{t('app.tagline')}</p>
        <div className="header-controls">
          <div role="tablist" aria-label="mode">
            <button type="button" role="tab" aria-selected={mode === 'model'} data-testid="mode-model" onClick={() => setMode('model')}>{t('app.modeModel')}</button>
            <button type="button" role="tab" aria-selected={mode === 'toy'} data-testid="mode-toy" onClick={() => setMode('toy')}>{t('app.modeToy')}</button>
          </div>
          <label>
            {t('app.language')}{' '}
            <select data-testid="lang" value={lang} onChange={(e) => setLang(e.target.value as 'en' | 'zh')}>
              {LANGS.map((l) => <option key={l} value={l}>{l === 'en' ? 'English' : '中文'}</option>)}
            </select>
          </label>
          <label><input type="checkbox" data-testid="classroom" checked={classroom} onChange={(e) => setClassroom(e.target.checked)} /> {t('app.classroom')}</label>
        </div>
      </header>
      <PanelBoundary panel="notices"><Notices /></PanelBoundary>
      <main>
        <aside className="controls">
          {mode === 'model' && <PanelBoundary panel="model"><ModelPicker /></PanelBoundary>}
          <PanelBoundary panel="sampling"><SamplingControls /></PanelBoundary>
        </aside>
        <div className="content">
          {mode === 'model' ? (
            <>
              <PanelBoundary panel="prompt"><PromptAndActions /></PanelBoundary>
              <PanelBoundary panel="completion" drawsRun><Completion /></PanelBoundary>
              <PanelBoundary panel="step" drawsRun><StepPanel /></PanelBoundary>
              <PanelBoundary panel="history"><RunHistory /></PanelBoundary>
              <PanelBoundary panel="export"><ExportPanel /></PanelBoundary>
              <PanelBoundary panel="warmup"><Warmup /></PanelBoundary>
            </>
          ) : (
            <PanelBoundary panel="toy"><ToyMode /></PanelBoundary>
          )}
        </div>
      </main>
    </div>
  );
}

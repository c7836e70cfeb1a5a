// Prompt (with the example prompts), Generate / Step / Stop, the completion text (as text, never HTML), the token
// stream coloured by probability, and the history of runs and branches.
import { memo, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useShallow } from 'zustand/react/shallow';
import type { StepEvent } from '../../engine/protocol';
import { findTokens, generate, inspect, step, stop } from '../../store/engineBridge';
import { historyEntryOf } from '../../store/selectors';
import { useStore } from '../../store/store';
import { examplesOf, lessonParams, type Example } from '../examples';
import { percent, probabilityColour, tokenLabel } from '../format';
import { messageText } from '../messages';

async function openExample(example: Example, lang: 'en' | 'zh'): Promise<void> {
  const s = useStore.getState();
  s.setPrompt(example.point.prompt);
  s.adoptSettings({ params: lessonParams(example.lesson, s.params.order) }, { clearRefusals: true });
  s.setSpotlight(example.lesson.knob);
  s.setControlsOpen(true);
  const ban = example.lesson.ban?.[example.point.lang] ?? example.lesson.ban?.[lang];
  if (ban) {
    const [match] = await findTokens(ban);
    if (match && match.text === ban) useStore.getState().biasToken(match.id, -100);
  }
}

function ExamplePicker() {
  const { t } = useTranslation();
  const points = useStore((s) => s.teachingPoints);
  const lang = useStore((s) => s.lang);
  const prompt = useStore((s) => s.prompt);
  const spotlight = useStore((s) => s.spotlight);
  const examples = useMemo(() => examplesOf(points), [points]);
  if (examples.length === 0) return null;
  const current = examples.findIndex((e) => e.point.prompt === prompt);
  const option = (e: Example) => (
    <option key={e.point.prompt} value={examples.indexOf(e)} lang={e.point.lang === 'zh' ? 'zh-CN' : 'en'}>
      {e.point.prompt} — {t(`names.${e.lesson.knob}`)}
    </option>
  );
  const mine = examples.filter((e) => e.point.lang === lang);
  const others = examples.filter((e) => e.point.lang !== lang);
  const shown = current >= 0 ? examples[current] : undefined;
  return (
    <div className="examples">
      <div className="row wrap">
        <label htmlFor="examples">{t('examples.label')}</label>
        <select id="examples" data-testid="examples" value={current >= 0 ? String(current) : ''}
          onChange={(e) => { if (e.target.value !== '') void openExample(examples[Number(e.target.value)], lang); }}>
          <option value="">{t('examples.choose')}</option>
          <optgroup label={t(`examples.${lang}`)}>{mine.map(option)}</optgroup>
          <optgroup label={t(`examples.${lang === 'en' ? 'zh' : 'en'}`)}>{others.map(option)}</optgroup>
        </select>
      </div>
      {shown && spotlight === shown.lesson.knob && (
        <p className="hint" data-testid="example-lesson">{t(`examples.lesson.${shown.lesson.knob}`)}</p>
      )}
    </div>
  );
}

/** The prompt box; `actions` false (the sweep view, which has its own Run) leaves out Generate, Step and Stop. */
export function PromptAndActions({ actions = true }: { actions?: boolean }) {
  const { t } = useTranslation();
  const prompt = useStore((s) => s.prompt);
  const setPrompt = useStore((s) => s.setPrompt);
  const genState = useStore((s) => s.genState);
  const modelStatus = useStore((s) => s.modelStatus);
  const beams = useStore((s) => s.beam.num_beams);
  const running = genState === 'running';
  return (
    <section className="panel prompt-panel" aria-labelledby="prompt-label">
      <label id="prompt-label" htmlFor="prompt">{t('prompt.label')}</label>
      <textarea id="prompt" data-testid="prompt" rows={2} value={prompt} placeholder={t('prompt.placeholder')}
        onChange={(e) => setPrompt(e.target.value)}
        onKeyDown={(e) => {
          // The shortcut does what the button does, and nothing while the button is disabled.
          if (actions && e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            if (!running && modelStatus === 'ready') generate();
          }
        }} />
      {actions && <div className="row wrap actions">
        <button type="button" data-testid="generate" onClick={generate} disabled={running || modelStatus !== 'ready'}>▶ {t('actions.generate')}</button>
        <button type="button" data-testid="step" onClick={step} disabled={running || modelStatus !== 'ready' || beams > 1}
          title={beams > 1 ? t('beam.stepOff') : undefined}>{t('actions.step')} ›</button>
        <button type="button" data-testid="stop" onClick={stop} disabled={!running}>■ {t('actions.stop')}</button>
      </div>}
      <ExamplePicker />
    </section>
  );
}

export function Completion() {
  const { t } = useTranslation();
  const genState = useStore((s) => s.genState);
  const error = useStore((s) => s.genError);
  const run = useStore((s) => (s.currentRunId !== null ? s.runs[s.currentRunId] : undefined));
  const modelStatus = useStore((s) => s.modelStatus);
  const maxNew = useStore((s) => s.maxNewTokens);
  // An imported run is finished whatever the model does meanwhile (a live run keeps going in the background).
  const state = run?.imported ? 'done' : modelStatus === 'loading' && genState !== 'running' ? 'loading' : genState;
  // A model that failed to load is reported once, by the model panel.
  const message = error;
  return (
    <section className="panel" aria-labelledby="completion-heading">
      <h2 id="completion-heading">{t('stream.heading')}</h2>
      <p className="status" data-testid="status">
        {run?.imported ? t('stream.imported') : state === 'paused' ? t('stream.state.paused', { step: run?.steps.length ?? 0, max: maxNew }) : t(`stream.state.${state}`)}
        {run?.reason && state === 'done' && ` — ${t(`stream.reason.${run.reason}`)}`}
      </p>
      <div className="completion" data-testid="completion" data-state={state} aria-live="polite">
        <span className="prompt-echo">{run?.prompt ?? ''}</span>
        <span className="generated">{run?.text ?? ''}</span>
      </div>
      {state === 'error' && <p className="error" role="alert" data-testid="completion-error">{message ? messageText(t, message) : t('stream.state.error')}</p>}
      <TokenStream />
    </section>
  );
}

function TokenStream() {
  const { t } = useTranslation();
  const words = useTokenWords();
  const run = useStore((s) => (s.currentRunId !== null ? s.runs[s.currentRunId] : undefined));
  const selected = useStore((s) => s.selectedStep);
  if (!run || run.steps.length === 0) return null;
  return (
    <div className="tokens" data-testid="token-stream">
      <p className="hint">{t('stream.tokens')}</p>
      {run.steps.map((s) => <TokenButton key={s.step} step={s} selected={selected === s.step} words={words} />)}
    </div>
  );
}

/** The words of a token's tooltip, translated once per language rather than once per token. */
export interface TokenWords {
  alternatives: string;
  /** The timings line with `{forward}` and `{pipeline}` left to fill in. */
  timings: string;
  /** "step {step}: " in the page's language, for the chip's accessible name. */
  step: string;
}

export function useTokenWords(): TokenWords {
  const { t } = useTranslation();
  // A token batch mounts dozens of buttons in one synchronous render: i18next's interpolation per button cost
  // ~20 ms of it, so the template is translated here and filled in with plain string replacement.
  return useMemo(() => ({
    alternatives: t('stream.alternatives'), timings: t('stream.timings', { forward: '{forward}', pipeline: '{pipeline}' }),
    step: t('stream.tokenName', { step: '{step}' }),
  }), [t]);
}

/** One token of the stream; memoised, so a batch of new steps renders only the new tokens. */
export const TokenButton = memo(function TokenButton({ step: s, selected, words }: { step: StepEvent; selected: boolean; words: TokenWords }) {
  const last = s.views[s.views.length - 1];
  const alternatives = last
    ? last.ids.slice(0, 5).map((id, i) => `${tokenLabel(s.tokenTexts[id], id)} ${percent(last.after[i])}`).join(' · ')
    : '';
  const timings = words.timings.replace('{forward}', s.timings.forwardMs.toFixed(1)).replace('{pipeline}', (s.timings.pipelineMs + s.timings.observeMs).toFixed(2)); // the draw and its views: all the sampling work of the step
  return (
    <button type="button" className={`token ${selected ? 'selected' : ''}`}
      style={{ background: probabilityColour(s.probability) }}
      title={`${words.alternatives}: ${alternatives}\n${timings}`}
      aria-pressed={selected}
      onClick={() => void inspect(s.step)}>
      {/* The accessible name is the visible text after a spoken step number (a name that hid the visible text would
          not match what a voice-control user reads on the chip). */}
      <span className="sr-table">{words.step.replace('{step}', String(s.step))}</span>
      {tokenLabel(s.tokenText, s.tokenId)}<sub>{Math.round(s.probability * 100)}</sub>
    </button>
  );
});

/**
 * The runs on the page, one line each. The list reads only the run order, and each line only its own run's
 * entry, so a batch of steps re-renders the one line whose token count or text it changes.
 */
export function RunHistory() {
  const { t } = useTranslation();
  const order = useStore((s) => s.runOrder);
  if (order.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="history-heading" data-testid="history">
      <h2 id="history-heading">{t('stream.history')}</h2>
      <ol>
        {order.map((id) => <RunHistoryLine key={id} runId={id} />)}
      </ol>
    </section>
  );
}

const RunHistoryLine = memo(function RunHistoryLine({ runId }: { runId: number }) {
  const { t } = useTranslation();
  const entry = useStore(useShallow((s) => historyEntryOf(s, runId)));
  const current = useStore((s) => s.currentRunId === runId);
  const openRun = useStore((s) => s.openRun);
  if (!entry) return null;
  return (
    <li>
      <button type="button" aria-pressed={current} onClick={() => openRun(runId)}>
        {t('stream.run', { id: entry.label })}
        {entry.imported && ` (${t('stream.importedTag')})`}
        {entry.parentLabel !== undefined && ` (${t('stream.branchOf', { parent: entry.parentLabel, step: entry.branchStep })})`}
        {`${t('stream.tokenCount', { count: entry.tokens })}: `}<span className="run-text">{entry.preview}</span>
      </button>
    </li>
  );
});

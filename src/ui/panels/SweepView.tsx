// The sweep view: what to vary and how to search, run / cancel / resume with progress and time left, the
// pictures, every evaluated setting with its metrics (the page contract: data-testid="sweep-point"), the
// samples of the setting picked, and export / open / link.
import { Fragment, lazy, memo, Suspense, useDeferredValue, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { PARAM_SPECS, SamplingParamError, parseParamValue } from '../../core';
import {
  MAX_DIMENSIONS, MAX_GRID_VALUES, SEARCH_METHODS, SWEEPABLE_CATEGORICAL, SWEEPABLE_NUMERIC, SWEEP_LIMITS, SWEEP_METRICS, categoricalDimension, gridSettings,
  numericDimension, parseObjective, round6, settingCount, settingQuery, sweepCsv, sweepJson, type Goal, type ObjectiveTerm, type SearchMethod,
  type SweepDefinition, type SweepDimension, type SweepMetric, type SweepPoint, type SweepResults,
} from '../../core/sweep';
import { useStore } from '../../store/store';
import { useThrottledValue } from '../useThrottledValue';
import { useNextTaskValue } from '../useNextTaskValue';
import { applySettingToPlayground, cancelSweep, openPointInCompare, openSweepFile, startSweep } from '../../store/sweepBridge';
import { effectiveObjective } from '../../store/sweepSlice';
import { BUNDLED_MODEL_ID } from '../../engine/catalog';
import type { ChartResults } from '../charts/SweepCharts';
import { refusalOf } from '../../store/urlState';
import type { Refusal } from '../../store/types';
import { messageText, refusalText } from '../messages';
import { formatDuration, formatMetric, metricLabel, paramLabel } from '../sweepFormat';
import { currentShared, linkFor } from '../urlSync';
import { download } from '../download';

const loadSweepCharts = () => import('../charts/SweepCharts');
const SweepCharts = lazy(loadSweepCharts);

const ALL_NAMES: string[] = [...SWEEPABLE_NUMERIC, ...Object.keys(SWEEPABLE_CATEGORICAL)];

function defaultDimension(name: string): SweepDimension {
  if (name in SWEEPABLE_CATEGORICAL) return categoricalDimension(name, [...SWEEPABLE_CATEGORICAL[name as keyof typeof SWEEPABLE_CATEGORICAL]]);
  const ranges: Record<string, [number, number]> = {
    temperature: [0.2, 1.6], top_k: [0, 50], top_p: [0.5, 1], min_p: [0, 0.3], typical_p: [0.5, 1], repetition_penalty: [1, 1.5],
    frequency_penalty: [0, 1], presence_penalty: [0, 1], min_tokens_to_keep: [1, 5],
  };
  const spec = PARAM_SPECS[name as keyof typeof PARAM_SPECS];
  const [from, to] = ranges[name] ?? [spec.min, Math.min(spec.max, spec.softMax ?? spec.max)];
  return numericDimension(name, from, to, 3);
}

/** A numeric dimension's three fields, parsed strictly; the last good dimension stays in force while one is refused. */
function DimensionEditor({ dim, onChange, onRemove, canRemove }: { dim: SweepDimension; onChange(d: SweepDimension): void; onRemove(): void; canRemove: boolean }) {
  const { t } = useTranslation();
  const [text, setText] = useState(() => (dim.kind === 'numeric' ? { from: String(dim.from), to: String(dim.to), count: String(dim.count) } : { from: '', to: '', count: '' }));
  const [error, setError] = useState<Refusal | null>(null);
  const tryNumeric = (next: { from: string; to: string; count: string }) => {
    setText(next);
    try {
      const countRule = { kind: 'range', integer: true, min: 1, minExclusive: false, max: MAX_GRID_VALUES } as const;
      if (!/^\s*\d+\s*$/.test(next.count)) throw new SamplingParamError('sweep', next.count, countRule);
      onChange(numericDimension(dim.name, parseParamValue(dim.name, next.from), parseParamValue(dim.name, next.to), Number(next.count)));
      setError(null);
    } catch (e) {
      setError(refusalOf(e));
    }
  };
  return (
    <fieldset className="sweep-dim" data-testid="sweep-dim">
      <div className="row wrap">
        <label>{t('sweep.param')}{' '}
          <select value={dim.name} aria-label={t('sweep.param')} onChange={(e) => {
            const d = defaultDimension(e.target.value);
            onChange(d);
            setError(null);
            if (d.kind === 'numeric') setText({ from: String(d.from), to: String(d.to), count: String(d.count) });
          }}>
            {ALL_NAMES.map((n) => <option key={n} value={n}>{paramLabel(t, n)}</option>)}
          </select>
        </label>
        {dim.kind === 'numeric' ? (
          <>
            <label>{t('sweep.from')} <input className="num" value={text.from} onChange={(e) => tryNumeric({ ...text, from: e.target.value })} /></label>
            <label>{t('sweep.to')} <input className="num" value={text.to} onChange={(e) => tryNumeric({ ...text, to: e.target.value })} /></label>
            <label><input className="num" value={text.count} onChange={(e) => tryNumeric({ ...text, count: e.target.value })} /> {t('sweep.count')}</label>
            {dim.log && <span className="hint">log</span>}
          </>
        ) : (
          <span className="row wrap">
            {SWEEPABLE_CATEGORICAL[dim.name].map((v) => (
              <label key={v}><input type="checkbox" checked={dim.values.includes(v)} onChange={(e) => {
                const values = e.target.checked ? [...dim.values, v] : dim.values.filter((x) => x !== v);
                if (values.length > 0) onChange(categoricalDimension(dim.name, SWEEPABLE_CATEGORICAL[dim.name].filter((x) => values.includes(x))));
              }} /> {v}</label>
            ))}
          </span>
        )}
        {canRemove && <button type="button" onClick={onRemove} aria-label={t('sweep.removeParam', { name: dim.name })}>✕</button>}
      </div>
      {error && <p className="error" role="alert">{t('params.refused', { name: dim.name, why: refusalText(t, error) })}</p>}
    </fieldset>
  );
}

function GoalEditor({ term, onChange, onRemove }: { term: ObjectiveTerm; onChange(t: ObjectiveTerm): void; onRemove?: () => void }) {
  const { t } = useTranslation();
  const [target, setTarget] = useState(term.goal.kind === 'target' ? String(term.goal.target) : '');
  const [weight, setWeight] = useState(String(term.weight));
  const goalKind = term.goal.kind;
  return (
    <div className="row wrap">
      <select value={goalKind} aria-label={t('sweep.objective')} onChange={(e) => {
        const kind = e.target.value as Goal['kind'];
        const goal: Goal = kind === 'target' ? { kind, target: Number.isFinite(Number(target)) && target !== '' ? Number(target) : 0 } : { kind };
        onChange({ ...term, goal });
      }}>
        {(['min', 'max', 'target'] as const).map((k) => <option key={k} value={k}>{t(`sweep.goal.${k}`)}</option>)}
      </select>
      <select value={term.metric} aria-label={t('sweep.show')} onChange={(e) => onChange({ ...term, metric: e.target.value as SweepMetric })}>
        {SWEEP_METRICS.map((m) => <option key={m} value={m}>{metricLabel(t, m)}</option>)}
      </select>
      {goalKind === 'target' && (
        <input className="num" value={target} aria-label={t('sweep.goal.target')} onChange={(e) => {
          setTarget(e.target.value);
          const v = Number(e.target.value);
          if (e.target.value.trim() !== '' && Number.isFinite(v)) onChange({ ...term, goal: { kind: 'target', target: v } });
        }} />
      )}
      {onRemove !== undefined || term.weight !== 1 ? (
        <label>{t('sweep.weight')} <input className="num" value={weight} onChange={(e) => {
          setWeight(e.target.value);
          const v = Number(e.target.value);
          if (e.target.value.trim() !== '' && v > 0) onChange({ ...term, weight: v });
        }} /></label>
      ) : null}
      {onRemove && <button type="button" onClick={onRemove}>{t('sweep.removeTerm')}</button>}
    </div>
  );
}

// memo: the view renders again with every point and progress report; the form only when it is enabled or disabled.
const DefinitionForm = memo(function DefinitionForm({ disabled }: { disabled: boolean }) {
  const { t } = useTranslation();
  const def = useStore((s) => s.sweepDefinition);
  const setDef = useStore((s) => s.setSweepDefinition);
  const teaching = useStore((s) => s.teachingPoints);
  const maxNewTokens = useStore((s) => s.maxNewTokens);
  const setMaxNewTokens = useStore((s) => s.setMaxNewTokens);
  const [typed, setTyped] = useState(def.prompts.kind === 'typed' ? def.prompts.prompts.join('\n') : '');
  const objective = effectiveObjective(def, teaching.length > 0);
  const update = (patch: Partial<SweepDefinition>) => setDef({ ...def, ...patch });
  const count = settingCount(def);
  const promptCount = def.prompts.kind === 'teaching' ? teaching.length : def.prompts.kind === 'typed' ? def.prompts.prompts.length : 1;
  const tooMany = count > SWEEP_LIMITS.settings;
  return (
    <fieldset disabled={disabled} className="sweep-form">
      <h3>{t('sweep.params')}</h3>
      {def.dims.map((dim, i) => (
        <DimensionEditor key={`${i}:${dim.name}`} dim={dim} canRemove={def.dims.length > 1}
          onChange={(d) => update({ dims: def.dims.map((x, j) => (j === i ? d : x)) })}
          onRemove={() => update({ dims: def.dims.filter((_, j) => j !== i) })} />
      ))}
      {def.dims.length < MAX_DIMENSIONS && (
        <button type="button" onClick={() => {
          const name = ALL_NAMES.find((n) => !def.dims.some((d) => d.name === n)) ?? 'min_p';
          update({ dims: [...def.dims, defaultDimension(name)] });
        }}>{t('sweep.addParam')}</button>
      )}
      <div className="row wrap">
        <label>{t('sweep.method')}{' '}
          <select data-testid="sweep-method" value={def.method} onChange={(e) => update({ method: e.target.value as SearchMethod })}>
            {SEARCH_METHODS.map((m) => <option key={m} value={m}>{t(`sweep.methods.${m}`)}</option>)}
          </select>
        </label>
        {def.method !== 'grid' && (
          <label>{t('sweep.trials')} <input className="num" type="number" min={SWEEP_LIMITS.trials.min} max={SWEEP_LIMITS.trials.max} value={def.trials}
            onChange={(e) => { const v = Number(e.target.value); if (Number.isInteger(v) && v >= SWEEP_LIMITS.trials.min && v <= SWEEP_LIMITS.trials.max) update({ trials: v }); }} /></label>
        )}
        <label>{t('sweep.samples')} <input className="num" type="number" min={1} max={SWEEP_LIMITS.samples.max} value={def.samples}
          onChange={(e) => { const v = Number(e.target.value); if (Number.isInteger(v) && v >= 1 && v <= SWEEP_LIMITS.samples.max) update({ samples: v }); }} /></label>
        <label>{t('sweep.maxNewTokens')} <input className="num" type="number" min={1} value={maxNewTokens}
          onChange={(e) => { setMaxNewTokens(Number(e.target.value)); }} /></label>
      </div>
      <div className="row wrap" role="radiogroup" aria-label={t('sweep.prompts')}>
        <span>{t('sweep.prompts')}:</span>
        <label><input type="radio" checked={def.prompts.kind === 'page'} onChange={() => update({ prompts: { kind: 'page' } })} /> {t('sweep.promptsPage')}</label>
        <label><input type="radio" disabled={teaching.length === 0} checked={def.prompts.kind === 'teaching'} onChange={() => update({ prompts: { kind: 'teaching' } })} /> {t('sweep.promptsTeaching', { count: teaching.length })}</label>
        <label><input type="radio" checked={def.prompts.kind === 'typed'} onChange={() => update({ prompts: { kind: 'typed', prompts: typed.split('\n').filter((p) => p.trim() !== '') } })} /> {t('sweep.promptsTyped')}</label>
      </div>
      {def.prompts.kind === 'typed' && (
        <textarea rows={3} value={typed} aria-label={t('sweep.promptsTyped')} onChange={(e) => {
          setTyped(e.target.value);
          update({ prompts: { kind: 'typed', prompts: e.target.value.split('\n').filter((p) => p.trim() !== '') } });
        }} />
      )}
      <h3>{t('sweep.objective')}</h3>
      <GoalEditor key={`0:${objective.length}`} term={objective[0]} onChange={(term) => update({ objective: [term, ...objective.slice(1)] })} />
      {objective[1] ? (
        <GoalEditor key="1" term={objective[1]} onChange={(term) => update({ objective: [objective[0], term] })}
          onRemove={() => update({ objective: [{ ...objective[0], weight: 1 }] })} />
      ) : (
        <button type="button" onClick={() => update({ objective: parseObjective(`${objective[0].metric}:${objective[0].goal.kind === 'target' ? objective[0].goal.target : objective[0].goal.kind}:0.5,distinct_2:max:0.5`) })}>{t('sweep.secondTerm')}</button>
      )}
      <p className={tooMany ? 'error' : 'hint'} data-testid="sweep-size">
        {t('sweep.size', { count, rows: promptCount * def.samples })}
        {tooMany && ` — ${refusalText(t, { kind: 'range', integer: true, min: 1, minExclusive: false, max: SWEEP_LIMITS.settings })}`}
      </p>
    </fieldset>
  );
});

function metricAttributes(point: SweepPoint): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of SWEEP_METRICS) {
    const v = point.metrics[m];
    if (v !== undefined && Number.isFinite(v)) out[`data-${m}`] = String(round6(v));
  }
  return out;
}

/** The metrics some point has a value for, in SWEEP_METRICS order. */
function presentMetrics(results: SweepResults | null): SweepMetric[] {
  return results ? SWEEP_METRICS.filter((m) => results.points.some((p) => Number.isFinite(p.metrics[m] ?? NaN))) : [];
}

function bestPoint(results: SweepResults): SweepPoint | null {
  let best: SweepPoint | null = null;
  for (const p of results.points) if (Number.isFinite(p.score) && (!best || p.score < best.score)) best = p;
  return best;
}

/** An identifier that may wrap after its underscores only (grammatical_ / rate), never inside a word. */
function breakable(name: string): ReactNode {
  return name.split('_').map((part, i, parts) => <Fragment key={i}>{part}{i < parts.length - 1 && <>_<wbr /></>}</Fragment>);
}

const PointsTable = memo(function PointsTable({ results, metrics, selected, onSelect }: { results: SweepResults; metrics: string[]; selected: string | null; onSelect(q: string): void }) {
  const { t } = useTranslation();
  const dims = results.definition.dims;
  const best = bestPoint(results);
  return (
    <div className="table-scroll">
      <table className="sweep-table" data-testid="sweep-points">
        <caption>{t('sweep.points')}</caption>
        <thead>
          <tr>
            {dims.map((d) => <th key={d.name} scope="col">{breakable(d.name)}</th>)}
            {metrics.map((m) => <th key={m} scope="col" title={metricLabel(t, m)}>{breakable(m)}</th>)}
            <th scope="col">{t('sweep.score')}</th>
          </tr>
        </thead>
        <tbody>
          {results.points.map((p) => {
            const query = settingQuery(dims, p.setting);
            return (
              <tr key={query} data-testid="sweep-point" data-settings={query} {...metricAttributes(p)}
                className={`${query === selected ? 'selected' : ''} ${p === best ? 'best' : ''}`} tabIndex={0} role="button"
                aria-pressed={query === selected} onClick={() => onSelect(query)} onKeyDown={(e) => { if (e.key === 'Enter') onSelect(query); }}>
                {p.setting.map((v, i) => <td key={i}>{typeof v === 'number' ? String(round6(v)) : v}</td>)}
                {metrics.map((m) => <td key={m}>{formatMetric((p.metrics as Record<string, number | undefined>)[m] ?? NaN)}</td>)}
                <td>{p === best ? '★ ' : ''}{formatMetric(p.score)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
});

function SamplesPanel({ results, query, onClose, running, t }: { results: SweepResults; query: string; onClose(): void; running: boolean; t: TFunction }) {
  const point = results.points.find((p) => settingQuery(results.definition.dims, p.setting) === query);
  if (!point) return null;
  return (
    <section className="sweep-samples" data-testid="sweep-samples" aria-label={t('sweep.samplesOf', { settings: query })}>
      <div className="row wrap">
        <h3>{t('sweep.samplesOf', { settings: query })}</h3>
        <button type="button" data-testid="sweep-open-compare" disabled={running} title={t('sweep.openInCompareHint')}
          onClick={() => openPointInCompare(point, bestPoint(results))}>{t('sweep.openInCompare')}</button>
        <button type="button" onClick={() => applySettingToPlayground(point.setting)}>{t('sweep.openInPlayground')}</button>
        <button type="button" onClick={onClose}>{t('sweep.close')}</button>
      </div>
      {point.samples.length === 0 ? <p className="hint">{t('sweep.noSamples')}</p> : (
        <ol className="sample-list">
          {point.samples.map((s, i) => (
            <li key={i} data-testid="sweep-sample">
              <span className="prompt-echo">{s.prompt}</span><span className="sample-text">{s.text}</span>
              <div className="hint">{t('sweep.sample', { seed: s.seed, tokens: s.tokens, reason: t(`stream.reason.${s.reason}`, { defaultValue: s.reason }) })}</div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** How often the charts and the table follow a running sweep. */
const CHART_INTERVAL_MS = 1000;

export function SweepView() {
  const { t } = useTranslation();
  const lang = useStore((s) => s.lang);
  const liveState = useStore((s) => s.sweepState);
  const liveResults = useStore((s) => s.sweepResults);
  // Charts and the table follow the points in a background render (they are memoised on it), and at most once a
  // CHART_INTERVAL_MS while the sweep runs: a chart's render was 100–500 ms here, and points come several a second.
  // The sweep says it has ended once they show its last point.
  const results = useDeferredValue(useThrottledValue(liveResults, CHART_INTERVAL_MS, liveState === 'running'));
  // Each heavy part follows in a task of its own (a recharts chart's update is 50–250 ms, its first drawing more):
  // the line chart or heatmap, then the quality–diversity scatter, then the table of points.
  const scatterResults = useNextTaskValue(results);
  const tableResults = useNextTaskValue(scatterResults);
  // The charts' code (recharts: 200–300 ms to compile and run its module code) loads a task after the view opens,
  // while a linked sweep still waits for its model, not in the middle of the sweep or in the task of its first chart.
  useEffect(() => {
    const handle = window.setTimeout(() => void loadSweepCharts(), 0);
    return () => window.clearTimeout(handle);
  }, []);
  const state = tableResults === liveResults ? liveState : 'running';
  const progress = useStore((s) => s.sweepProgress);
  const error = useStore((s) => s.sweepError);
  const selected = useStore((s) => s.sweepSelected);
  const select = useStore((s) => s.selectSweepPoint);
  const chosenMetric = useStore((s) => s.sweepMetric);
  const setMetric = useStore((s) => s.setSweepMetric);
  const definition = useStore((s) => s.sweepDefinition);
  const running = state === 'running';
  const present = useMemo(() => presentMetrics(results), [results]);
  const tableMetrics = useMemo(() => presentMetrics(tableResults), [tableResults]);
  const loadedModel = useStore((s) => s.loaded?.modelId ?? null);
  const hasTruth = useStore((s) => s.teachingPoints.length > 0);
  // The bundled model's sweeps have a grammatical rate: the scatter's axes are drawn for it before any point.
  const grammar = (results?.model ?? loadedModel) === BUNDLED_MODEL_ID;
  const objectiveMetric = (results?.definition.objective ?? effectiveObjective(definition, hasTruth || grammar))[0]?.metric;
  // Before any point the charts show the metric the sweep will show first (its objective's), not one they would leave.
  const metric = chosenMetric && present.includes(chosenMetric as SweepMetric) ? chosenMetric
    : objectiveMetric && (present.includes(objectiveMetric) || present.length === 0) ? objectiveMetric : present[0] ?? 'perplexity';
  // The charts are drawn before the sweep has points (a grid's empty cells), from the definition as it stands.
  const preview = useMemo((): ChartResults => ({ definition, points: [] }), [definition]);
  const best = results ? bestPoint(results) : null;
  const gridTotal = gridSettings(definition.dims).length;
  return (
    <section className="panel sweep" data-testid="sweep" data-state={state} aria-labelledby="sweep-heading">
      <h2 id="sweep-heading">{t('sweep.heading')}</h2>
      <p className="hint">{t('sweep.intro')}</p>
      <DefinitionForm disabled={running} />
      <div className="row wrap sweep-actions">
        <button type="button" data-testid="sweep-run" disabled={running || (definition.method === 'grid' && gridTotal > SWEEP_LIMITS.settings)} onClick={() => void startSweep(false)}>{t('sweep.run')}</button>
        <button type="button" data-testid="sweep-cancel" disabled={!running} onClick={cancelSweep}>{t('sweep.cancel')}</button>
        <button type="button" data-testid="sweep-resume" disabled={running || state !== 'cancelled'} onClick={() => void startSweep(true)}>{t('sweep.resume')}</button>
        <button type="button" disabled={!results || results.points.length === 0} onClick={() => results && download('logitlab-sweep.json', sweepJson(results), 'application/json')}>{t('sweep.exportJson')}</button>
        <button type="button" disabled={!results || results.points.length === 0} onClick={() => results && download('logitlab-sweep.csv', sweepCsv(results), 'text/csv')}>{t('sweep.exportCsv')}</button>
        <label className="file">{t('sweep.open')}
          <input type="file" accept=".json,.csv,application/json,text/csv" data-testid="sweep-open" onChange={(e) => { const f = e.target.files?.[0]; if (f) void openSweepFile(f); }} />
        </label>
        <button type="button" onClick={() => {
          const link = linkFor({ ...currentShared(), run: true });
          void navigator.clipboard?.writeText(new URL(link, location.href).href);
        }}>{t('sweep.copyLink')}</button>
      </div>
      <div className="sweep-status" role="status" aria-live="polite">
        <strong>{t(`sweep.state.${state}`)}</strong>
        {progress && (
          <>
            {' · '}<progress max={progress.total} value={progress.done} /> {t('sweep.progress', { done: progress.done, total: progress.total })}
            {running && <> {' · '}{progress.remainingMs === null ? t('sweep.timeUnknown') : t('sweep.timeLeft', { time: formatDuration(progress.remainingMs, lang) })}</>}
          </>
        )}
        {error && <p className="error" role="alert">{messageText(t, error)}</p>}
        {best && results && (
          <p data-testid="sweep-best">{t('sweep.best', { settings: settingQuery(results.definition.dims, best.setting), metric: results.definition.objective?.map((o) => o.metric).join(' + ') ?? '', value: formatMetric(best.score) })}</p>
        )}
      </div>
      {results && results.points.length > 0 && (
        <label className="row">{t('sweep.show')}{' '}
          <select data-testid="sweep-metric" value={metric} onChange={(e) => setMetric(e.target.value)}>
            {present.map((m) => <option key={m} value={m}>{metricLabel(t, m)}</option>)}
          </select>
        </label>
      )}
      <Suspense fallback={null}>
        <SweepCharts results={results ?? preview} scatterResults={scatterResults ?? preview} grammar={grammar} metric={metric} selected={selected} onSelect={select} />
      </Suspense>
      {results && results.points.length > 0 && selected && <SamplesPanel results={results} query={selected} onClose={() => select(null)} running={running} t={t} />}
      {tableResults && tableResults.points.length > 0 && <PointsTable results={tableResults} metrics={tableMetrics} selected={selected} onSelect={select} />}
    </section>
  );
}

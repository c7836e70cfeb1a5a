// The compare view: 2–8 lanes on one prompt, each overriding some of the page's settings, K samples a lane;
// the lanes stream together (one batch), each as probability-coloured token chips (K = 1) or as a token tree
// and a list (K > 1); a table of run metrics with the best and worst lane marked; export and import.
import { memo, useDeferredValue, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  MAX_LANES, MAX_SAMPLES, MIN_LANES, RUN_METRIC_NAMES, applyOverrides, bestAndWorst, isBeamSearch, isGreedy, laneBase, type RunMetricName, type RunSettings,
} from '../../core';
import { compare, openLaneStep, stopComparison } from '../../store/engineBridge';
import { beamLaneSearching, laneFigures, laneState, type Comparison, type CompareRowView } from '../../store/compareSlice';
import { LaneSettingsError, exportComparisonCsv, exportComparisonJson, parseComparison } from '../../store/exportCompare';
import { useStore } from '../../store/store';
import { refusalOf } from '../../store/urlState';
import { TREE_DEPTH, layoutTokenTree } from '../charts/tokenTreeLayout';
import { fixed, percent, probabilityColour, tokenLabel } from '../format';
import { messageText, refusalText } from '../messages';
import { download } from '../download';

/** Per lane, the first step where its sample 0 differs from another lane's sample 0 (null: never within both). */
export function firstDivergence(sequences: readonly (readonly number[])[]): (number | null)[] {
  return sequences.map((a, i) => {
    let first: number | null = null;
    sequences.forEach((b, j) => {
      if (i === j) return;
      const n = Math.min(a.length, b.length);
      let k = 0;
      while (k < n && a[k] === b[k]) k++;
      if (k < n && (first === null || k < first)) first = k;
    });
    return first;
  });
}

export function CompareView() {
  const { t } = useTranslation();
  const live = useStore((s) => s.comparison);
  const liveState = useStore((s) => s.compareState);
  const error = useStore((s) => s.compareError);
  // 64 rows of chips, trees and metrics re-render as the steps stream: in a background render React can pause
  // between components, where a render with each batch of steps held the main thread for 150–500 ms.
  const comparison = useDeferredValue(live);
  // The view says it has ended only once what it shows is the final comparison.
  const state = comparison === live ? liveState : 'running';
  return (
    <section className="panel compare" data-testid="compare" data-state={state} aria-labelledby="compare-heading">
      <h2 id="compare-heading">{t('compare.heading')}</h2>
      <p className="hint">{t('compare.hint')}</p>
      <LaneEditor />
      <p className="status">{t(`compare.state.${state}`)}</p>
      {state === 'error' && error && <p className="error" role="alert" data-testid="compare-error">{messageText(t, error)}</p>}
      {comparison && <ModeNote comparison={comparison} />}
      {comparison && <Lanes comparison={comparison} />}
      {comparison && <MetricsTable comparison={comparison} />}
      <CompareExport />
    </section>
  );
}

/** What kind of decoding a lane's settings make: the label every lane carries. */
export function laneKind(settings: RunSettings): 'beam' | 'greedy' | 'sampling' {
  return isBeamSearch(settings) ? 'beam' : isGreedy(settings.params) ? 'greedy' : 'sampling';
}

/** Each lane query over the page's settings as they are now (null where the lane is refused: its message says why). */
function useResolvedLanes(queries: readonly string[]): (RunSettings | null)[] {
  const params = useStore((s) => s.params);
  const seed = useStore((s) => s.seed);
  const maxNewTokens = useStore((s) => s.maxNewTokens);
  const stop = useStore((s) => s.stop);
  const beam = useStore((s) => s.beam);
  return useMemo(() => queries.map((q) => {
    try {
      return applyOverrides(laneBase({ params, seed, max_new_tokens: maxNewTokens, stop, beam }), q);
    } catch {
      return null;
    }
  }), [queries, params, seed, maxNewTokens, stop, beam]);
}

function LaneEditor() {
  const { t } = useTranslation();
  const queries = useStore((s) => s.laneQueries);
  const resolved = useResolvedLanes(queries);
  const errors = useStore((s) => s.laneErrors);
  const samples = useStore((s) => s.samples);
  const running = useStore((s) => s.compareState === 'running');
  const [samplesDraft, setSamplesDraft] = useState<string | null>(null);
  const { setLaneQuery, addLane, removeLane, setSamplesText } = useStore.getState();
  return (
    <div className="lane-editor">
      <ol>
        {queries.map((q, i) => (
          <li key={i}>
            <label htmlFor={`lane-${i}`}>{t('compare.lane', { n: i + 1 })}</label>
            <input id={`lane-${i}`} type="text" data-testid="lane-query" aria-label={t('compare.laneQuery', { n: i + 1 })}
              placeholder={t('compare.lanePlaceholder')} value={q} onChange={(e) => setLaneQuery(i, e.target.value)} />
            <button type="button" disabled={queries.length <= MIN_LANES} aria-label={t('compare.removeLane', { n: i + 1 })} onClick={() => removeLane(i)}>×</button>
            {errors[i] && <p className="error" role="alert">{t('params.refused', { name: errors[i].name, why: refusalText(t, errors[i].why) })}</p>}
            {!errors[i] && resolved[i] && isBeamSearch(resolved[i]) && (
              <p className="hint lane-beam-hint" data-testid="lane-beam-hint">
                {t('compare.beamLaneHint', { count: resolved[i].beam.num_beams })}
                {samples > 1 && <strong> {t('compare.beamOnce', { k: samples })}</strong>}
              </p>
            )}
          </li>
        ))}
      </ol>
      <div className="row wrap">
        <button type="button" disabled={queries.length >= MAX_LANES} onClick={addLane}>{t('compare.addLane')}</button>
        <label htmlFor="compare-samples">{t('compare.samples')}</label>
        <input id="compare-samples" data-testid="samples" type="text" inputMode="numeric" className="number" value={samplesDraft ?? String(samples)}
          onChange={(e) => setSamplesDraft(e.target.value)} onBlur={(e) => { if (setSamplesText(e.target.value)) setSamplesDraft(null); }}
          title={`1–${MAX_SAMPLES}`} />
        <button type="button" className="primary" data-testid="compare-run" onClick={() => compare()}>{t('compare.run')}</button>
        <button type="button" data-testid="compare-stop" disabled={!running} onClick={stopComparison}>{t('compare.stop')}</button>
      </div>
      {errors[-1] && <p className="error" role="alert">{t('params.refused', { name: 'samples', why: refusalText(t, errors[-1].why) })}</p>}
    </div>
  );
}

function ModeNote({ comparison }: { comparison: Comparison }) {
  const { t } = useTranslation();
  const beamLanes = comparison.lanes.filter((l) => isBeamSearch(l.settings));
  const sampledRows = comparison.rows.length - beamLanes.reduce((n, l) => n + l.rows.length, 0);
  const after = beamLanes.length > 0 ? ` ${t('compare.beamAfter')}` : '';
  if (comparison.mode === 'sequential') {
    return <p className="warning" data-testid="compare-mode" data-mode="sequential">{t('compare.sequential', { why: comparison.why ?? '' })}{after}</p>;
  }
  if (comparison.mode === 'batched' && comparison.ms !== undefined) {
    return (
      <p className="hint" data-testid="compare-mode" data-mode="batched">
        {sampledRows === 0
          ? t('compare.beamOnly', { ms: Math.round(comparison.ms) })
          : `${t('compare.batched', { rows: sampledRows, ms: Math.round(comparison.ms) })}${after}`} {t('compare.quantNote')}
      </p>
    );
  }
  return null;
}

// memo: the store's updates render CompareView at once; these render again only when the deferred comparison moves.
const Lanes = memo(function Lanes({ comparison }: { comparison: Comparison }) {
  const overall = useStore((s) => s.compareState);
  const divergence = useMemo(
    () => firstDivergence(comparison.lanes.map((l) => comparison.rows[l.rows[0]]?.steps.map((s) => s.tokenId) ?? [])),
    [comparison],
  );
  return (
    <div className="lanes">
      {comparison.lanes.map((lane) => (
        <Lane key={lane.lane} comparison={comparison} lane={lane.lane} state={laneState(comparison, lane.lane, overall)} divergeAt={divergence[lane.lane]} />
      ))}
    </div>
  );
});

function Lane({ comparison, lane, state, divergeAt }: { comparison: Comparison; lane: number; state: string; divergeAt: number | null }) {
  const { t } = useTranslation();
  const view = comparison.lanes[lane];
  const rows = view.rows.map((r) => comparison.rows[r]);
  const first = rows[0];
  const kind = laneKind(view.settings);
  const beams = view.settings.beam.num_beams;
  return (
    <article className="lane" data-testid="lane" data-state={state} data-lane={lane} data-kind={kind}>
      <h3>
        {t('compare.lane', { n: lane + 1 })} <code>{view.overrides || t('compare.sameAsPage')}</code>{' '}
        <span className={`lane-kind ${kind}`} data-testid="lane-kind" data-kind={kind} {...(kind === 'beam' ? { 'data-beams': beams } : {})}>
          {t(`compare.kind.${kind}`, { count: beams })}
        </span>
      </h3>
      {kind === 'beam' && comparison.samples > 1 && <p className="hint" data-testid="lane-note">{t('compare.beamOnce', { k: comparison.samples })}</p>}
      {kind === 'beam' && state === 'running' && first?.reason === null && (
        <p className="hint" data-testid="lane-beam-status">
          {beamLaneSearching(comparison, lane) ? t('compare.beamSearching', { count: beams }) : t('compare.beamWaiting')}
        </p>
      )}
      {rows.length === 1 ? (
        <p className="lane-text" data-testid="lane-text">
          <span className="prompt-echo">{comparison.prompt}</span>
          <Chips row={first} divergeAt={divergeAt} />
        </p>
      ) : (
        <>
          <TokenTree rows={rows} />
          <SampleList rows={rows} />
        </>
      )}
      {first?.beam && first.beam.hypotheses.length > 1 && <BeamHypotheses result={first.beam} />}
      <span className="lane-full-text" data-testid="lane-full-text" hidden>{first?.text ?? ''}</span>
    </article>
  );
}

/** A beam lane's num_return_sequences hypotheses, best first, with their normalised scores. */
function BeamHypotheses({ result }: { result: NonNullable<CompareRowView['beam']> }) {
  const { t } = useTranslation();
  return (
    <details className="sample-list" data-testid="lane-hypotheses">
      <summary>{t('compare.beamHypotheses', { count: result.hypotheses.length })}</summary>
      <ol>
        {result.hypotheses.map((h, i) => (
          <li key={i} data-testid="lane-hypothesis" data-score={h.score}>
            <span className="hint">{t('compare.beamHypothesis', { score: fixed(h.score, 3), sum: fixed(h.sum, 3), tokens: h.tokens })}</span> {h.text}
          </li>
        ))}
      </ol>
    </details>
  );
}

/** A lane's K samples, their chips drawn only while the list is open (closed lists of chips cost every update). */
function SampleList({ rows }: { rows: CompareRowView[] }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  return (
    <details className="sample-list" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>{t('compare.samplesList', { k: rows.length })}</summary>
      <ol>
        {rows.map((r) => (
          <li key={r.row} data-testid="sample" data-seed={r.seed}>
            <span className="hint">{t('compare.sample', { n: r.sample + 1, seed: r.seed })}</span> {open && <Chips row={r} divergeAt={null} />}
          </li>
        ))}
      </ol>
    </details>
  );
}

const Chips = memo(function Chips({ row, divergeAt }: { row: CompareRowView; divergeAt: number | null }) {
  return (
    <span className="chips">
      {row.steps.map((s) => <Chip key={s.step} row={row.row} step={s} diverges={divergeAt === s.step} />)}
    </span>
  );
});

/** One chip; a step's object stays the same as its row grows, so only the new chips render. */
const Chip = memo(function Chip({ row, step: s, diverges }: { row: number; step: CompareRowView['steps'][number]; diverges: boolean }) {
  const { t } = useTranslation();
  const label = tokenLabel(s.tokenText, s.tokenId);
  const title = t('compare.chip', { token: label, p: percent(s.probability), step: s.step + 1 }) + (diverges ? ` — ${t('compare.diverge', { step: s.step + 1 })}` : '');
  return (
    <button type="button" className={`chip ${diverges ? 'diverge' : ''}`} style={{ background: probabilityColour(s.probability) }}
      title={title} data-step={s.step} onClick={() => openLaneStep(row, s.step)}>
      {label}
    </button>
  );
});

/** Stand-ins no translation or token text contains. */
const BLANK = { token: '\u2060token\u2060', count: '\u2060count\u2060', p: '\u2060p\u2060' };

/**
 * Whether two renders would draw the same tree: the same rows with the same steps among their first TREE_DEPTH (a
 * step's object stays the same as its row grows, and a new run's steps are new objects).
 */
function sameTree(a: readonly CompareRowView[], b: readonly CompareRowView[]): boolean {
  return a.length === b.length && a.every((row, i) => {
    const other = b[i];
    const n = Math.min(TREE_DEPTH, row.steps.length);
    return row.row === other.row && n === Math.min(TREE_DEPTH, other.steps.length) && (n === 0 || row.steps[n - 1] === other.steps[n - 1]);
  });
}

// Past TREE_DEPTH steps a row's new steps change nothing in the tree: it renders again only when sameTree says so.
const TokenTree = memo(function TokenTree({ rows }: { rows: CompareRowView[] }) {
  const { t } = useTranslation();
  const layout = useMemo(
    () => layoutTokenTree(rows.map((r) => ({ tokens: r.steps.map((s) => ({ tokenId: s.tokenId, text: s.tokenText, probability: s.probability })) }))),
    [rows],
  );
  const k = rows.length;
  // One translation for all the nodes, its blanks filled per node: a t() call per node was most of a tree's render.
  const nodeTitle = useMemo(() => {
    const template = t('compare.treeNode', { token: BLANK.token, count: BLANK.count, k, p: BLANK.p });
    return (token: string, count: number, p: string) => template.replace(BLANK.token, () => token).replace(BLANK.count, () => String(count)).replace(BLANK.p, () => p);
  }, [t, k]);
  return (
    <figure className="token-tree">
      <figcaption className="hint">{t('compare.tree', { k })}</figcaption>
      <div className="tree-scroll">
        <svg data-testid="token-tree" data-samples={layout.root.count} data-leaves={layout.leaves} width={layout.width} height={layout.height}
          role="img" aria-label={t('compare.tree', { k })}>
          {layout.nodes.map((node) => node.children.map((child) => (
            <line key={child.key} x1={node.x + (node.depth === 0 ? 4 : 56)} y1={node.y} x2={child.x} y2={child.y}
              stroke="#7a8aa0" strokeOpacity={0.7} strokeWidth={1 + (6 * child.count) / k} />
          )))}
          {layout.nodes.filter((n) => n.depth > 0).map((node) => (
            <g key={node.key} data-count={node.count}>
              <title>{nodeTitle(tokenLabel(node.text, node.tokenId), node.count, percent(node.meanP))}</title>
              <rect x={node.x} y={node.y - 7} width={56} height={14} rx={3} fill={probabilityColour(node.meanP)} />
              <text x={node.x + 3} y={node.y + 4} fontSize={10}>{tokenLabel(node.text, node.tokenId).slice(0, 9)}</text>
            </g>
          ))}
        </svg>
      </div>
    </figure>
  );
}, (before, after) => sameTree(before.rows, after.rows));

const MetricsTable = memo(function MetricsTable({ comparison }: { comparison: Comparison }) {
  const { t } = useTranslation();
  const figures = useMemo(() => comparison.lanes.map((l) => laneFigures(comparison, l.lane)), [comparison]);
  const reasons = comparison.lanes.map((l) => {
    const all = l.rows.map((r) => comparison.rows[r].reason).filter((r) => r !== null);
    return [...new Set(all)].join(', ');
  });
  const labels = t('metrics.labels', { returnObjects: true }) as unknown as Record<string, string>;
  const help = (name: string) => {
    const m = t(`metrics.${name}`, { returnObjects: true }) as unknown as Record<string, string>;
    return (
      <details className="explain">
        <summary aria-label={m.name}>?</summary>
        <dl>
          <dt>{labels.what}</dt><dd>{m.what}</dd>
          <dt>{labels.formula}</dt><dd><code>{m.formula}</code></dd>
          <dt>{labels.high}</dt><dd>{m.high}</dd>
        </dl>
      </details>
    );
  };
  return (
    <div className="metrics-wrap">
      <h3>{t('compare.metricsHeading')}</h3>
      <table className="metrics" data-testid="metrics-table">
        <thead>
          <tr><th>{t('compare.metric')}</th>{comparison.lanes.map((l) => <th key={l.lane}>{t('compare.lane', { n: l.lane + 1 })}</th>)}</tr>
        </thead>
        <tbody>
          {RUN_METRIC_NAMES.map((name: RunMetricName) => {
            const values = figures.map((f) => f.value[name]);
            const marks = bestAndWorst(values, name);
            return (
              <tr key={name}>
                <th scope="row">{t(`metrics.${name}.name`)} <code>{name}</code> {help(name)}</th>
                {figures.map((f, lane) => {
                  const mark = marks?.best === lane ? 'best' : marks?.worst === lane ? 'worst' : '';
                  const digits = name === 'tokens' ? 1 : 3;
                  return (
                    <td key={lane} className={mark} data-metric={name} data-value={String(f.value[name])} data-lane={lane}>
                      {fixed(f.value[name], digits)}
                      {comparison.lanes[lane].rows.length > 1 && <span className="spread"> {t('compare.spread', { s: fixed(f.spread[name], 2) })}</span>}
                      {mark && <span className="badge">{t(`compare.${mark}`)}</span>}
                    </td>
                  );
                })}
              </tr>
            );
          })}
          <tr>
            <th scope="row">{t('metrics.finish_reason.name')} <code>finish_reason</code> {help('finish_reason')}</th>
            {reasons.map((r, lane) => <td key={lane} data-lane={lane} data-finish={r}>{r || '—'}</td>)}
          </tr>
        </tbody>
      </table>
    </div>
  );
});

function CompareExport() {
  const { t } = useTranslation();
  const comparison = useStore((s) => s.comparison);
  const done = useStore((s) => s.compareState === 'done');
  return (
    <div className="row wrap export" data-testid="compare-export">
      <button type="button" disabled={!comparison || !done} onClick={() => comparison && download('logitlab-compare.json', exportComparisonJson(comparison), 'application/json')}>{t('compare.exportJson')}</button>
      <button type="button" disabled={!comparison || !done} onClick={() => comparison && download('logitlab-compare.csv', exportComparisonCsv(comparison), 'text/csv')}>{t('compare.exportCsv')}</button>
      <label className="file">
        {t('compare.import')}
        <input type="file" accept="application/json,.json" data-testid="compare-import" onChange={async (e) => {
          const file = e.target.files?.[0];
          if (!file) return;
          try {
            const opened = useStore.getState().importComparison(parseComparison(await file.text()));
            useStore.getState().notify({ key: opened ? 'compare.imported' : 'compare.importBusy' });
          } catch (error) {
            useStore.getState().notify(error instanceof LaneSettingsError
              ? { key: 'compare.badImportLane', params: { n: error.lane, name: error.param, value: String(error.value) }, why: error.rule }
              : { key: 'notices.badImport', why: refusalOf(error) });
          }
        }} />
      </label>
    </div>
  );
}

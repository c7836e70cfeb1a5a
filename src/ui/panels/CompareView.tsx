// The compare view: 2–8 lanes on one prompt, each overriding some of the page's settings, K samples a lane;
// the lanes stream together (one batch), each as probability-coloured token chips (K = 1) or as a token tree
// and a list (K > 1); a table of run metrics with the best and worst lane marked; export and import.
import { memo, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { MAX_LANES, MAX_SAMPLES, MIN_LANES, RUN_METRIC_NAMES, bestAndWorst, type RunMetricName } from '../../core';
import { compare, openLaneStep, stop } from '../../store/engineBridge';
import { laneFigures, laneState, type Comparison, type CompareRowView } from '../../store/compareSlice';
import { exportComparisonCsv, exportComparisonJson, parseComparison } from '../../store/exportCompare';
import { useStore } from '../../store/store';
import { refusalOf } from '../../store/urlState';
import { layoutTokenTree } from '../charts/tokenTreeLayout';
import { fixed, percent, probabilityColour, tokenLabel } from '../format';
import { messageText, refusalText } from '../messages';

function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

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
  const comparison = useStore((s) => s.comparison);
  const state = useStore((s) => s.compareState);
  const error = useStore((s) => s.compareError);
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

function LaneEditor() {
  const { t } = useTranslation();
  const queries = useStore((s) => s.laneQueries);
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
        <button type="button" disabled={!running} onClick={stop}>{t('compare.stop')}</button>
      </div>
      {errors[-1] && <p className="error" role="alert">{t('params.refused', { name: 'samples', why: refusalText(t, errors[-1].why) })}</p>}
    </div>
  );
}

function ModeNote({ comparison }: { comparison: Comparison }) {
  const { t } = useTranslation();
  if (comparison.mode === 'sequential') {
    return <p className="warning" data-testid="compare-mode" data-mode="sequential">{t('compare.sequential', { why: comparison.why ?? '' })}</p>;
  }
  if (comparison.mode === 'batched' && comparison.ms !== undefined) {
    return (
      <p className="hint" data-testid="compare-mode" data-mode="batched">
        {t('compare.batched', { rows: comparison.rows.length, ms: Math.round(comparison.ms) })} {t('compare.quantNote')}
      </p>
    );
  }
  return null;
}

function Lanes({ comparison }: { comparison: Comparison }) {
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
}

function Lane({ comparison, lane, state, divergeAt }: { comparison: Comparison; lane: number; state: string; divergeAt: number | null }) {
  const { t } = useTranslation();
  const view = comparison.lanes[lane];
  const rows = view.rows.map((r) => comparison.rows[r]);
  const first = rows[0];
  return (
    <article className="lane" data-testid="lane" data-state={state} data-lane={lane}>
      <h3>{t('compare.lane', { n: lane + 1 })} <code>{view.overrides || t('compare.sameAsPage')}</code></h3>
      {rows.length === 1 ? (
        <p className="lane-text" data-testid="lane-text">
          <span className="prompt-echo">{comparison.prompt}</span>
          <Chips row={first} divergeAt={divergeAt} />
        </p>
      ) : (
        <>
          <TokenTree rows={rows} />
          <details className="sample-list">
            <summary>{t('compare.samplesList', { k: rows.length })}</summary>
            <ol>
              {rows.map((r) => (
                <li key={r.row} data-testid="sample" data-seed={r.seed}>
                  <span className="hint">{t('compare.sample', { n: r.sample + 1, seed: r.seed })}</span> <Chips row={r} divergeAt={null} />
                </li>
              ))}
            </ol>
          </details>
        </>
      )}
      <span className="lane-full-text" data-testid="lane-full-text" hidden>{first?.text ?? ''}</span>
    </article>
  );
}

const Chips = memo(function Chips({ row, divergeAt }: { row: CompareRowView; divergeAt: number | null }) {
  const { t } = useTranslation();
  return (
    <span className="chips">
      {row.steps.map((s) => {
        const label = tokenLabel(s.tokenText, s.tokenId);
        const diverges = divergeAt === s.step;
        const title = t('compare.chip', { token: label, p: percent(s.probability), step: s.step + 1 }) + (diverges ? ` — ${t('compare.diverge', { step: s.step + 1 })}` : '');
        return (
          <button key={s.step} type="button" className={`chip ${diverges ? 'diverge' : ''}`} style={{ background: probabilityColour(s.probability) }}
            title={title} data-step={s.step} onClick={() => openLaneStep(row.row, s.step)}>
            {label}
          </button>
        );
      })}
    </span>
  );
});

function TokenTree({ rows }: { rows: CompareRowView[] }) {
  const { t } = useTranslation();
  const layout = useMemo(
    () => layoutTokenTree(rows.map((r) => ({ tokens: r.steps.map((s) => ({ tokenId: s.tokenId, text: s.tokenText, probability: s.probability })) }))),
    [rows],
  );
  const k = rows.length;
  return (
    <figure className="token-tree">
      <figcaption className="hint">{t('compare.tree', { k })}</figcaption>
      <div className="tree-scroll">
        <svg data-testid="token-tree" data-samples={layout.root.count} data-leaves={layout.leaves} width={layout.width} height={layout.height}
          role="img" aria-label={t('compare.tree', { k })}>
          {layout.nodes.map((node) => node.children.map((child) => (
            <line key={`${node.x}-${node.y}-${child.tokenId}-${child.y}`} x1={node.x + (node.depth === 0 ? 4 : 56)} y1={node.y} x2={child.x} y2={child.y}
              stroke="#7a8aa0" strokeOpacity={0.7} strokeWidth={1 + (6 * child.count) / k} />
          )))}
          {layout.nodes.filter((n) => n.depth > 0).map((node) => (
            <g key={`${node.depth}-${node.y}`} data-count={node.count}>
              <title>{t('compare.treeNode', { token: tokenLabel(node.text, node.tokenId), count: node.count, k, p: percent(node.meanP) })}</title>
              <rect x={node.x} y={node.y - 7} width={56} height={14} rx={3} fill={probabilityColour(node.meanP)} />
              <text x={node.x + 3} y={node.y + 4} fontSize={10}>{tokenLabel(node.text, node.tokenId).slice(0, 9)}</text>
            </g>
          ))}
        </svg>
      </div>
    </figure>
  );
}

function MetricsTable({ comparison }: { comparison: Comparison }) {
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
                      {comparison.samples > 1 && <span className="spread"> {t('compare.spread', { s: fixed(f.spread[name], 2) })}</span>}
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
}

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
            useStore.getState().notify({ key: 'notices.badImport', why: refusalOf(error) });
          }
        }} />
      </label>
    </div>
  );
}

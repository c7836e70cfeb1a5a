// The beam tree of the run being shown: every step's kept beams with their summed log-probabilities, the ranked
// candidates that were dropped, the hypotheses that finished (with their normalised scores), the winner's path
// highlighted; a click on a box opens that beam's step in the step panel. Above it, the finished hypotheses.
import { memo, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { inspectBeamNode } from '../../store/engineBridge';
import { useStore } from '../../store/store';
import type { BeamRunView } from '../../store/types';
import { BEAM_NODE, layoutBeamTree, type BeamTreeNode } from '../charts/beamTreeLayout';
import { fixed, tokenLabel } from '../format';

export function BeamTree() {
  const { t } = useTranslation();
  const run = useStore((s) => (s.currentRunId !== null ? s.runs[s.currentRunId] : undefined));
  const focus = useStore((s) => s.beamFocus);
  const running = useStore((s) => s.genState === 'running');
  if (!run?.beam) return null;
  const beam = run.beam;
  const shown = beam.hypotheses.slice(0, beam.options.num_return_sequences);
  return (
    <section className="panel beam-panel" aria-labelledby="beam-tree-heading">
      <h2 id="beam-tree-heading">{t('beam.tree')} <code>num_beams={beam.options.num_beams}</code></h2>
      <p className="status" data-testid="beam-status">
        {beam.reason ? t(`beam.reason.${beam.reason}`) : running ? t('beam.running', { step: beam.steps.length }) : ''}
      </p>
      {shown.length > 0 && (
        <ol className="beam-hypotheses" aria-label={t('beam.hypotheses')}>
          {shown.map((h, i) => (
            <li key={i} data-testid="beam-hypothesis" className={i === 0 ? 'winner' : undefined}>
              {i === 0 && <span className="badge">{t('beam.winner')}</span>} <span className="beam-score">{t('beam.score')} {fixed(h.score, 4)}</span>{' '}
              <span className="run-text">{h.text}</span>
            </li>
          ))}
        </ol>
      )}
      <p className="hint">{t('beam.treeHint')}</p>
      <TreeCanvas beam={beam} focusKey={focus && focus.runId === run.runId ? `${focus.step}-${focus.source}-${focus.tokenId}` : null} t={t} />
    </section>
  );
}

const TreeCanvas = memo(function TreeCanvas({ beam, focusKey, t }: { beam: BeamRunView; focusKey: string | null; t: TFunction }) {
  const layout = useMemo(() => layoutBeamTree(beam.steps, beam.hypotheses), [beam.steps, beam.hypotheses]);
  const texts = useMemo(() => {
    const all: Record<number, string> = {};
    for (const s of beam.steps) Object.assign(all, s.tokenTexts);
    return all;
  }, [beam.steps]);
  return (
    <div className="beam-scroll" data-testid="beam-tree" data-steps={beam.steps.length} data-beams={beam.options.num_beams}>
      <div className="beam-canvas" style={{ width: layout.width, height: layout.height }}>
        <svg width={layout.width} height={layout.height} aria-hidden="true">
          {layout.edges.map((e) => {
            const mid = (e.x1 + e.x2) / 2;
            return <path key={e.key} className={`beam-edge ${e.kind}${e.winner ? ' winner' : ''}`} d={`M${e.x1},${e.y1} C${mid},${e.y1} ${mid},${e.y2} ${e.x2},${e.y2}`} />;
          })}
        </svg>
        {layout.nodes.map((n) => <NodeBox key={n.key} node={n} texts={texts} focused={focusKey === `${n.step}-${n.source}-${n.tokenId}`} t={t} />)}
      </div>
    </div>
  );
});

const TESTIDS: Record<BeamTreeNode['kind'], string> = { root: 'beam-root', kept: 'beam-node', finished: 'beam-finished', dropped: 'beam-dropped', length: 'beam-finished' };

function NodeBox({ node: n, texts, focused, t }: { node: BeamTreeNode; texts: Record<number, string>; focused: boolean; t: TFunction }) {
  const style = { left: n.x, top: n.y, width: BEAM_NODE.width, height: BEAM_NODE.height };
  if (n.kind === 'root') return <div className={`beam-box root${n.winner ? ' winner' : ''}`} style={style} data-testid="beam-root">{t('beam.prompt')}</div>;
  const label = n.kind === 'finished' && n.detail === 'eos' ? t('beam.eos') : n.kind === 'length' ? t('beam.end') : tokenLabel(texts[n.tokenId], n.tokenId);
  const title = n.kind === 'dropped'
    ? t(n.detail === 'eos_rank' ? 'beam.droppedEos' : 'beam.droppedFull')
    : n.kind === 'finished' || n.kind === 'length'
      ? `${t(n.detail === 'eos' ? 'beam.finishedEos' : n.detail === 'stop' ? 'beam.finishedStop' : 'beam.finishedLength')}${n.accepted === false ? ` · ${t('beam.notAccepted')}` : ''}`
      : t('beam.nodeLabel', { step: n.step, beam: n.index, token: label, logp: fixed(n.logp, 3), sum: fixed(n.sum, 3) });
  const numbers = n.kind === 'finished' || n.kind === 'length'
    ? `${t('beam.score')} ${fixed(n.score ?? NaN, 3)}`
    : `${t('beam.logp')} ${fixed(n.logp, 2)} · ${t('beam.sum')} ${fixed(n.sum, 2)}`;
  // A hypothesis that ran to max_new_tokens opens its last kept step.
  const open = () => void inspectBeamNode(n.step, n.source, n.tokenId);
  return (
    <button type="button" className={`beam-box ${n.kind}${n.winner ? ' winner' : ''}${focused ? ' focused' : ''}${n.accepted === false ? ' rejected' : ''}`}
      style={style} data-testid={TESTIDS[n.kind]} data-step={n.step} data-beam={n.kind === 'kept' ? n.index : undefined}
      data-winner={n.winner ? 'true' : undefined} data-score={n.score !== undefined ? n.score : undefined} title={title} aria-label={`${title}: ${numbers}`} onClick={open}>
      <span className="beam-token">{label}</span>
      <span className="beam-numbers">{numbers}</span>
    </button>
  );
}

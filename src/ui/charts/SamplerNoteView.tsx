// What one of the newer samplers decided at a step, beside its stage chart: DRY's repeated sequence in the text,
// top-nσ's line on the logit axis, XTC's coin and what it cut, the cut-offs' floors, dynamic temperature's choice,
// mirostat's μ. Layout in pure functions (tested), drawn as small SVG/HTML.
import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import type { StageView } from '../../core';
import { fixed, percent, tokenLabel } from '../format';

const STRIP = { width: 520, height: 64, left: 12, right: 12, axis: 40 };

export interface LogitStrip {
  /** Logit → x over the strip. */
  ticks: { value: number; x: number; label: string }[];
  lineX: number;
  maxX: number;
  tokens: { id: number; x: number; kept: boolean }[];
}

/**
 * top-nσ on the logit axis: the largest logit M, the line M − nσ, ticks every σ, and the view's tokens placed at
 * their logits (z = M + ln(p / p_max), exact from the probabilities entering the stage).
 */
export function layoutLogitStrip(view: StageView, width = STRIP.width): LogitStrip | null {
  const note = view.note;
  if (!note || note.line === undefined || note.max === undefined || note.sigma === undefined) return null;
  const { line, max, sigma } = note;
  const top = view.before[0] ?? 0;
  const logits = view.ids.map((id, i) => ({ id, z: top > 0 && view.before[i] > 0 ? max + Math.log(view.before[i] / top) : -Infinity, kept: (view.after[i] ?? 0) > 0 }));
  const spread = sigma > 0 ? sigma : 1;
  const finite = logits.filter((t) => Number.isFinite(t.z)).map((t) => t.z);
  const low = Math.min(line - spread, ...finite);
  const high = max + 0.25 * spread;
  const x = (z: number) => STRIP.left + ((z - low) / (high - low || 1)) * (width - STRIP.left - STRIP.right);
  const ticks: LogitStrip['ticks'] = [];
  for (let k = 0; max - k * spread >= low && k <= 40; k++) ticks.push({ value: max - k * spread, x: x(max - k * spread), label: k === 0 ? 'M' : `M−${k}σ` });
  return {
    ticks, lineX: x(line), maxX: x(max),
    tokens: logits.filter((t) => Number.isFinite(t.z)).map((t) => ({ id: t.id, x: x(t.z), kept: t.kept })),
  };
}

export const SamplerNoteView = memo(function SamplerNoteView({ view, tokenTexts }: { view: StageView; tokenTexts: Record<number, string> }) {
  const { t } = useTranslation();
  const note = view.note;
  if (!note) return null;
  const label = (id: number) => tokenLabel(tokenTexts[id], id);
  let text: string;
  switch (view.stage) {
    case 'dry':
      text = note.matchLength && note.extendedBy !== undefined
        ? t('charts.noteDry', { match: (note.match ?? []).map((id) => tokenTexts[id] ?? `#${id}`).join(''), length: note.matchLength, token: label(note.extendedBy), penalty: fixed(note.penalty ?? 0, 3), count: note.penalised ?? 0 })
        : t('charts.noteDryNone');
      break;
    case 'top_n_sigma':
      text = t('charts.noteTopNSigma', { line: fixed(note.line ?? 0, 3), max: fixed(note.max ?? 0, 3), sigma: fixed(note.sigma ?? 0, 3) });
      break;
    case 'xtc': {
      const coin = fixed(note.coin ?? 0, 3);
      const threshold = percent(note.cut ?? 0, 1);
      if (!note.fired) text = t('charts.noteXtcKept', { coin });
      else if ((note.above ?? 0) < 2) text = t('charts.noteXtcFew', { coin, above: note.above ?? 0, threshold });
      else if (view.removedCount === 0) text = t('charts.noteXtcMinKeep');
      else text = t('charts.noteXtcFired', { coin, above: note.above, threshold });
      break;
    }
    case 'epsilon_cutoff':
    case 'eta_cutoff':
      text = t('charts.noteCut', { stage: t(`names.${view.stage}`), cut: percent(note.cut ?? 0, 3) });
      break;
    case 'dynatemp':
      text = t('charts.noteDynatemp', { ratio: percent(note.entropyRatio ?? 0, 1), temperature: fixed(note.temperature ?? 0, 3) });
      break;
    case 'mirostat':
      text = t('charts.noteMirostat', { mu: fixed(note.mu ?? 0, 3), cut: percent(note.cut ?? 0, 3) });
      break;
    default:
      return null;
  }
  const strip = view.stage === 'top_n_sigma' ? layoutLogitStrip(view) : null;
  return (
    <div className="sampler-note" data-testid="sampler-note" data-stage={view.stage}>
      <p>{text}</p>
      {view.stage === 'dry' && note.match && note.match.length > 0 && note.extendedBy !== undefined && (
        <p className="dry-match" data-testid="dry-match">
          <span>…</span>
          {note.match.map((id, i) => <mark key={i}>{tokenTexts[id] ?? `#${id}`}</mark>)}
          <ins title={t('names.dry')}>{tokenTexts[note.extendedBy] ?? `#${note.extendedBy}`}</ins>
        </p>
      )}
      {strip && (
        <svg className="logit-strip" width={STRIP.width} height={STRIP.height} role="img" aria-label={text} viewBox={`0 0 ${STRIP.width} ${STRIP.height}`} style={{ maxWidth: '100%' }}>
          <line x1={STRIP.left} x2={STRIP.width - STRIP.right} y1={STRIP.axis} y2={STRIP.axis} stroke="#666" />
          {strip.ticks.map((tick) => (
            <g key={tick.label} fontSize={10} fill="currentColor">
              <line x1={tick.x} x2={tick.x} y1={STRIP.axis - 4} y2={STRIP.axis + 4} stroke="#666" />
              <text x={tick.x} y={STRIP.axis + 16} textAnchor="middle">{tick.label}</text>
            </g>
          ))}
          <rect x={STRIP.left} y={8} width={Math.max(0, strip.lineX - STRIP.left)} height={STRIP.axis - 8} fill="#c92a2a" opacity={0.08} />
          <line x1={strip.lineX} x2={strip.lineX} y1={6} y2={STRIP.axis + 4} stroke="#c92a2a" strokeWidth={2} strokeDasharray="5 3" />
          <text x={strip.lineX + 4} y={14} fontSize={10} fill="#c92a2a">{t('charts.lineLabel')}</text>
          {strip.tokens.map((tok, i) => (
            <circle key={i} cx={tok.x} cy={STRIP.axis - 8 - (i % 3) * 7} r={3.5} fill={tok.kept ? '#1c7ed6' : '#fff'} stroke={tok.kept ? '#1c7ed6' : '#c92a2a'}>
              <title>{label(tok.id)}</title>
            </circle>
          ))}
        </svg>
      )}
    </div>
  );
});

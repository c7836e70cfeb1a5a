// How sweep numbers and names are written on the page: metric values to 3 significant digits ("—" for none),
// metric and parameter names in the page's language with their identifiers kept.
import type { TFunction } from 'i18next';
import { isSweepMetric } from '../core/sweep';

export function formatMetric(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1000 || abs < 0.001) return value.toExponential(2);
  return String(Number(value.toPrecision(3)));
}

export function metricLabel(t: TFunction, metric: string): string {
  return isSweepMetric(metric) ? t(`sweep.metrics.${metric}`) : metric;
}

export function paramLabel(t: TFunction, name: string): string {
  const label = name === 'order' ? t('params.order') : name === 'do_sample' ? t('params.do_sample') : t(`names.${name}`);
  // Chinese names already carry the identifier: 温度（temperature）.
  return label.includes(name) ? label : `${label} (${name})`;
}

/** "1 min 5 s" / "1 分 5 秒". */
export function formatDuration(ms: number, lang: 'en' | 'zh'): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const [min, sec] = lang === 'zh' ? [' 分 ', ' 秒'] : [' min ', ' s'];
  if (s < 60) return `${s}${sec}`;
  return `${Math.floor(s / 60)}${min}${s % 60}${sec}`;
}

// A sweep's results as data: evaluated points with their metrics and samples; JSON and CSV out, and back in
// from either (CSV keeps no samples, so a re-opened CSV shows the charts but no texts).
import { SWEEP_METRICS, isSweepMetric, scoreOf, type MetricValues, type Objective } from './objective';
import { categoricalDimension, numericDimension, round6, settingQuery, SWEEPABLE_CATEGORICAL, type SweepDimension, type SweepSetting } from './space';
import type { SweepDefinition } from './definition';
import type { SamplingParams } from '../types';

export interface SweepSample {
  prompt: string;
  seed: number;
  text: string;
  tokens: number;
  reason: string;
}

export interface SweepPoint {
  setting: SweepSetting;
  metrics: MetricValues;
  /** The objective's score when the point was made (lower is better; NaN without one). */
  score: number;
  samples: SweepSample[];
}

export interface SweepResults {
  format: 'logitlab-sweep';
  version: 1;
  model: string;
  definition: SweepDefinition;
  /** The settings every point shares. */
  base: { params: SamplingParams; seed: number; max_new_tokens: number };
  points: SweepPoint[];
}

export const SWEEP_FORMAT = 'logitlab-sweep';

export function sweepJson(results: SweepResults): string {
  // JSON has no NaN: a missing value travels as null and comes back as NaN.
  return JSON.stringify(results, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 1);
}

export function parseSweepJson(text: string): SweepResults {
  const data = JSON.parse(text) as SweepResults;
  if (!data || data.format !== SWEEP_FORMAT || data.version !== 1 || !Array.isArray(data.points) || !data.definition) {
    throw new Error('not a LogitLab sweep file (format logitlab-sweep, version 1)');
  }
  const dims = data.definition.dims.map((d) => (d.kind === 'categorical' ? categoricalDimension(d.name, d.values) : numericDimension(d.name, d.from, d.to, d.count)));
  data.definition.dims = dims;
  for (const p of data.points) {
    if (!Array.isArray(p.setting) || p.setting.length !== dims.length) throw new Error('a sweep point does not match the sweep\'s parameters');
    p.score = p.score === null ? NaN : p.score;
    for (const m of Object.keys(p.metrics)) {
      const v = p.metrics[m as keyof MetricValues] as number | null;
      if (v === null) p.metrics[m as keyof MetricValues] = NaN;
    }
    p.samples ??= [];
  }
  return data;
}

function csvCell(value: string | number): string {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(round6(value)) : '') : value;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row per point: the setting's parameters, every metric, the score. */
export function sweepCsv(results: SweepResults): string {
  const dims = results.definition.dims;
  const header = [...dims.map((d) => d.name), ...SWEEP_METRICS, 'score'];
  const rows = [header.join(',')];
  for (const p of results.points) {
    rows.push([...p.setting, ...SWEEP_METRICS.map((m) => p.metrics[m] ?? NaN), p.score].map(csvCell).join(','));
  }
  return rows.join('\n') + '\n';
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cell);
      cell = '';
    } else cell += ch;
  }
  out.push(cell);
  return out;
}

/** A CSV written by sweepCsv back into results: the grid is rebuilt from the values the rows hold. */
export function parseSweepCsv(text: string, base: SweepResults['base'], model: string, objective: Objective | null): SweepResults {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new Error('the CSV has no rows');
  const header = splitCsvLine(lines[0]);
  const firstMetric = header.findIndex((h) => isSweepMetric(h) || h === 'score');
  if (firstMetric < 1) throw new Error('the CSV has no parameter columns before its metrics');
  const names = header.slice(0, firstMetric);
  const rows = lines.slice(1).map(splitCsvLine);
  const dims: SweepDimension[] = names.map((name, i) => {
    const column = rows.map((r) => r[i]);
    if (name in SWEEPABLE_CATEGORICAL) return categoricalDimension(name, [...new Set(column)]);
    const values = column.map(Number);
    if (values.some((v) => !Number.isFinite(v))) throw new Error(`the column ${name} holds something that is not a number`);
    return numericDimension(name, Math.min(...values), Math.max(...values), Math.min(20, Math.max(1, new Set(values).size)));
  });
  const points: SweepPoint[] = rows.map((r) => {
    const setting: SweepSetting = dims.map((d, i) => (d.kind === 'categorical' ? r[i] : Number(r[i])));
    const metrics: MetricValues = {};
    header.forEach((h, i) => {
      if (isSweepMetric(h)) metrics[h] = r[i] === '' || r[i] === undefined ? NaN : Number(r[i]);
    });
    const scoreCell = r[header.indexOf('score')];
    const score = objective ? scoreOf(objective, metrics) : scoreCell ? Number(scoreCell) : NaN;
    return { setting, metrics, score, samples: [] };
  });
  return {
    format: SWEEP_FORMAT, version: 1, model, base, points,
    definition: { dims, method: 'grid', trials: points.length, samples: 0, objective, prompts: { kind: 'page' } },
  };
}

/** The point a setting query names, if evaluated. */
export function findPoint(results: SweepResults, query: string): SweepPoint | undefined {
  return results.points.find((p) => settingQuery(results.definition.dims, p.setting) === query);
}

/**
 * Points no other point beats on both axes (x larger is better, y per `yBetter`), sorted by x: the Pareto front
 * of a quality–diversity scatter.
 */
export function paretoFront<T>(items: readonly T[], x: (t: T) => number, y: (t: T) => number, yBetter: 'higher' | 'lower'): T[] {
  const sign = yBetter === 'higher' ? 1 : -1;
  const finite = items.filter((t) => Number.isFinite(x(t)) && Number.isFinite(y(t)));
  const front = finite.filter((a) => !finite.some((b) => b !== a && x(b) >= x(a) && sign * y(b) >= sign * y(a) && (x(b) > x(a) || sign * y(b) > sign * y(a))));
  return front.sort((a, b) => x(a) - x(b));
}

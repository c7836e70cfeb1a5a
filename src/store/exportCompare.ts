// A comparison to JSON (every lane's settings, samples, steps and metrics) and CSV (one row per sample with its
// lane's settings and metrics), and JSON back to a comparison that the page shows without the model.
import { RUN_METRIC_NAMES, SETTING_KNOBS, laneMetrics, runMetrics, type RunSettings } from '../core';
import type { CompareStep } from '../engine/protocol';
import type { Comparison } from './compareSlice';

export const COMPARE_FORMAT = 'logitlab-compare';

export function exportComparisonJson(c: Comparison): string {
  const data = {
    format: COMPARE_FORMAT, version: 1, model: c.model, prompt: c.prompt, promptIds: c.promptIds, samples: c.samples, mode: c.mode,
    lanes: c.lanes.map((lane) => {
      const steps = lane.rows.map((r) => c.rows[r].steps);
      return {
        lane: lane.lane, overrides: lane.overrides, settings: lane.settings, metrics: laneMetrics(steps),
        samples: lane.rows.map((r) => {
          const row = c.rows[r];
          return { sample: row.sample, seed: row.seed, text: row.text, finish_reason: row.reason, metrics: runMetrics(row.steps), steps: row.steps };
        }),
      };
    }),
  };
  return JSON.stringify(data, null, 1);
}

function csvCell(value: string | number | boolean | null): string {
  const text = value === null ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The settings of a lane in the same text as its link keys. */
function settingColumns(settings: RunSettings): string[] {
  const blank = { params: { ...settings.params, logit_bias: {}, order: [] }, seed: -1, max_new_tokens: -1, stop: ['\u0000'] } as RunSettings;
  return SETTING_KNOBS.map((knob) => knob.write(settings, blank).join('|'));
}

export function exportComparisonCsv(c: Comparison): string {
  const header = ['lane', 'overrides', 'sample', 'sample_seed', ...SETTING_KNOBS.map((k) => k.name), ...RUN_METRIC_NAMES, 'finish_reason',
    ...RUN_METRIC_NAMES.map((m) => `lane_${m}`), 'text'];
  const lines = [header.join(',')];
  for (const lane of c.lanes) {
    const figures = laneMetrics(lane.rows.map((r) => c.rows[r].steps)).value;
    const settings = settingColumns(lane.settings);
    for (const r of lane.rows) {
      const row = c.rows[r];
      const m = runMetrics(row.steps);
      lines.push([lane.lane + 1, lane.overrides, row.sample, row.seed, ...settings, ...RUN_METRIC_NAMES.map((n) => m[n]), row.reason,
        ...RUN_METRIC_NAMES.map((n) => figures[n]), row.text].map(csvCell).join(','));
    }
  }
  return lines.join('\n') + '\n';
}

/** Throws an Error saying what is wrong with the file. */
export function parseComparison(text: string): Comparison {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error('the file is not JSON');
  }
  const d = data as {
    format?: string; version?: number; model?: string; prompt?: string; promptIds?: number[]; samples?: number; mode?: Comparison['mode'];
    lanes?: { lane: number; overrides: string; settings: RunSettings; samples: { sample: number; seed: number; text: string; finish_reason: Comparison['rows'][number]['reason']; steps: CompareStep[] }[] }[];
  };
  if (d?.format !== COMPARE_FORMAT) throw new Error(`"format" must be "${COMPARE_FORMAT}"`);
  if (d.version !== 1) throw new Error('only version 1 exports can be opened');
  if (!Array.isArray(d.lanes) || d.lanes.length === 0) throw new Error('it holds no lanes');
  const c: Comparison = {
    prompt: String(d.prompt ?? ''), model: String(d.model ?? ''), promptIds: Array.isArray(d.promptIds) ? d.promptIds : [],
    samples: Number(d.samples ?? 1), lanes: [], rows: [], mode: d.mode ?? null,
  };
  d.lanes.forEach((lane, index) => {
    if (!lane?.settings?.params || !Array.isArray(lane.samples)) throw new Error(`lane ${index + 1} lacks settings or samples`);
    const rows: number[] = [];
    for (const s of lane.samples) {
      if (!Array.isArray(s?.steps) || s.steps.some((st) => typeof st?.tokenId !== 'number' || typeof st.logprobRaw !== 'number')) {
        throw new Error(`a sample of lane ${index + 1} has steps without tokenId or logprobRaw`);
      }
      const row = c.rows.length;
      rows.push(row);
      c.rows.push({ row, lane: index, sample: Number(s.sample), seed: Number(s.seed), steps: s.steps.map((st) => ({ ...st, row })), text: String(s.text ?? ''), reason: s.finish_reason ?? null });
    }
    c.lanes.push({ lane: index, overrides: String(lane.overrides ?? ''), settings: lane.settings, rows });
  });
  return c;
}

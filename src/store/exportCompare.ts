// A comparison to JSON (every lane's settings, samples, steps and metrics) and CSV (one row per sample with its
// lane's settings and metrics), and JSON back to a comparison that the page shows without the model.
import {
  DEFAULT_BEAM_SETTINGS, RUN_METRIC_NAMES, SETTING_KNOBS, SamplingParamError, laneMetrics, runMetrics, validateBeamSettings,
  type ParamRule, type RunSettings,
} from '../core';
import * as v from 'valibot';
import type { Comparison } from './compareSlice';
import { csvCell as runCsvCell } from './exportRun';
import { COMPARE_FORMAT, ComparisonFileSchema, issueText, refusalOfIssue } from './schemas';

export { COMPARE_FORMAT };

export function exportComparisonJson(c: Comparison): string {
  const data = {
    format: COMPARE_FORMAT, version: 1, model: c.model, prompt: c.prompt, promptIds: c.promptIds, samples: c.samples, mode: c.mode,
    lanes: c.lanes.map((lane) => {
      const steps = lane.rows.map((r) => c.rows[r].steps);
      return {
        lane: lane.lane, overrides: lane.overrides, settings: lane.settings, metrics: laneMetrics(steps),
        samples: lane.rows.map((r) => {
          const row = c.rows[r];
          return {
            sample: row.sample, seed: row.seed, text: row.text, finish_reason: row.reason, metrics: runMetrics(row.steps),
            ...(row.beam ? { beam: row.beam } : {}), steps: row.steps,
          };
        }),
      };
    }),
  };
  return JSON.stringify(data, null, 1);
}

/** Guarded like a run export's cells: a text a spreadsheet would run as a formula is written as text. */
function csvCell(value: string | number | boolean | null): string {
  return value === null ? '' : runCsvCell(typeof value === 'boolean' ? String(value) : value);
}

/** The settings of a lane in the same text as its link keys. */
function settingColumns(settings: RunSettings): string[] {
  const blank = {
    params: { ...settings.params, logit_bias: {}, order: [] }, seed: -1, max_new_tokens: -1, stop: ['\u0000'],
    beam: { num_beams: -1, length_penalty: Number.NaN, early_stopping: !settings.beam.early_stopping, num_return_sequences: -1 },
  } as RunSettings;
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

/** A lane of an opened file whose settings break a rule: which lane, which knob, and the rule (worded by the page). */
export class LaneSettingsError extends Error {
  constructor(readonly lane: number, readonly param: string, readonly value: unknown, readonly rule: ParamRule, cause: SamplingParamError) {
    super(`lane ${lane}: ${cause.message}`);
    this.name = 'LaneSettingsError';
  }
}

/**
 * A lane's beam settings as the file has them, checked like a link's: a file from before beam lanes has none
 * (its lanes were sampled). Throws LaneSettingsError.
 */
function laneBeam(settings: Omit<RunSettings, 'beam'> & { beam?: Partial<RunSettings['beam']> }, lane: number): RunSettings['beam'] {
  // Only the beam knobs: anything else a file puts there is not a setting.
  const given: Record<string, unknown> = settings.beam ?? {};
  const beam = Object.fromEntries(Object.entries(DEFAULT_BEAM_SETTINGS).map(([k, d]) => [k, k in given ? given[k] : d])) as RunSettings['beam'];
  try {
    validateBeamSettings({ ...beam, max_new_tokens: settings.max_new_tokens });
  } catch (error) {
    if (error instanceof SamplingParamError) throw new LaneSettingsError(lane, error.param, error.value, error.rule, error);
    throw error;
  }
  return beam;
}

/** Where a lane's knob was refused by its rule (lanes.N.settings[.params].knob), to name the lane and the knob. */
const LANE_KNOB_PATH = /^lanes\.(\d+)\.settings\.(?:params\.)?(\w+)$/;

/**
 * Throws an Error saying what is wrong with the file: the first problem its schema finds, with where it is, or a
 * LaneSettingsError for a lane's knob (its beam settings included) that breaks its rule.
 */
export function parseComparison(text: string): Comparison {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error('the file is not JSON');
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new Error(`"format" must be "${COMPARE_FORMAT}"`);
  const parsed = v.safeParse(ComparisonFileSchema, data);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = v.getDotPath(issue);
    const knob = path ? LANE_KNOB_PATH.exec(path) : null;
    const why = refusalOfIssue(issue);
    if (knob && why.kind !== 'text') {
      throw new LaneSettingsError(Number(knob[1]) + 1, knob[2], issue.input, why, new SamplingParamError(knob[2], issue.input, why));
    }
    // The header's own messages are sentences; deeper ones need their place.
    throw new Error(path && !['format', 'version', 'lanes'].includes(path) ? issueText(issue) : issue.message);
  }
  const d = parsed.output;
  const c: Comparison = { prompt: d.prompt, model: d.model, promptIds: d.promptIds, samples: d.samples, lanes: [], rows: [], mode: d.mode };
  d.lanes.forEach((lane, index) => {
    const settings: RunSettings = { ...lane.settings, beam: laneBeam(lane.settings, index + 1) };
    const rows: number[] = [];
    for (const s of lane.samples) {
      const row = c.rows.length;
      rows.push(row);
      c.rows.push({
        row, lane: index, sample: s.sample, seed: s.seed, steps: s.steps.map((st) => ({ ...st, row })), text: s.text, reason: s.finish_reason,
        ...(s.beam ? { beam: s.beam } : {}),
      });
    }
    c.lanes.push({ lane: index, overrides: lane.overrides, settings, rows });
  });
  return c;
}

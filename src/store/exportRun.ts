// Runs to JSON (every step with its stage views) and CSV, and JSON back to runs for browsing without a model.
import { DEFAULT_PARAMS } from '../core';
import type { StepEvent } from '../engine/protocol';
import type { BeamRunView, RunView } from './types';

export const EXPORT_FORMAT = 'logitlab-run';

export interface RunExport {
  format: typeof EXPORT_FORMAT;
  version: 1;
  model: string;
  runs: RunView[];
}

export function exportJson(model: string, runs: RunView[]): string {
  const data: RunExport = { format: EXPORT_FORMAT, version: 1, model, runs };
  return JSON.stringify(data, null, 1);
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A run's settings in one CSV cell: SAMPLING.md's names, `name=value` separated by spaces. */
export function settingsCell(run: RunView): string {
  const p = run.params;
  const bias = Object.entries(p.logit_bias).map(([id, b]) => `${id}:${b}`).join(',');
  return [
    `do_sample=${p.do_sample}`, `temperature=${p.temperature}`, `top_k=${p.top_k}`, `top_p=${p.top_p}`, `min_p=${p.min_p}`,
    `typical_p=${p.typical_p}`, `repetition_penalty=${p.repetition_penalty}`, `frequency_penalty=${p.frequency_penalty}`,
    `presence_penalty=${p.presence_penalty}`, `min_tokens_to_keep=${p.min_tokens_to_keep}`, `order=${p.order.join('>')}`,
    ...(bias ? [`logit_bias=${bias}`] : []), `seed=${run.seed}`,
  ].join(' ');
}

/** ln p, with an empty cell for p = 0 (or unknown) rather than -Infinity. */
function logCell(p: number | undefined): string {
  return p !== undefined && p > 0 && Number.isFinite(p) ? Math.log(p).toFixed(6) : '';
}

export function exportCsv(runs: RunView[]): string {
  const header = [
    'run', 'parent_run', 'prompt', 'settings', 'step', 'token_id', 'token_text', 'probability', 'log_probability',
    'model_probability', 'model_log_probability', 'rank', 'entropy', 'greedy_id', 'num_beams', 'forward_ms', 'pipeline_ms', 'observe_ms',
  ];
  const rows = [header.join(',')];
  for (const run of runs) {
    const settings = settingsCell(run);
    for (const s of run.steps) {
      // The model's own probability of the drawn token, before any stage: the one a perplexity is computed from.
      const model = s.fates?.find((f) => f.id === s.tokenId)?.rawProb;
      rows.push([run.runId, run.parentRunId ?? '', run.prompt, settings, s.step, s.tokenId, s.tokenText, s.probability, logCell(s.probability),
        model ?? '', logCell(model), s.rank, s.entropy, s.greedyId, run.beam?.options.num_beams ?? 1,
        s.timings.forwardMs.toFixed(2), s.timings.pipelineMs.toFixed(3), s.timings.observeMs.toFixed(3)].map(csvCell).join(','));
    }
  }
  return rows.join('\n') + '\n';
}

/** Throws an Error saying what is wrong with the file. */
export function parseExport(text: string): RunExport {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error('the file is not JSON');
  }
  const d = data as Partial<RunExport>;
  if (d?.format !== EXPORT_FORMAT) throw new Error(`"format" must be "${EXPORT_FORMAT}"`);
  if (d.version !== 1) throw new Error('only version 1 exports can be opened');
  if (!Array.isArray(d.runs) || d.runs.length === 0) throw new Error('it holds no runs');
  for (const run of d.runs) {
    if (typeof run?.runId !== 'number' || !Array.isArray(run.steps)) throw new Error('a run lacks runId or steps');
    if (run.beam !== undefined) checkBeamRun(run.runId, run.beam);
    // Exports from before DRY, XTC, top-nσ and the others ran with them off.
    if (run.params) {
      const breakers = run.params.dry_sequence_breakers ?? DEFAULT_PARAMS.dry_sequence_breakers;
      run.params = { ...DEFAULT_PARAMS, ...run.params, dry_sequence_breakers: [...breakers] };
    }
    for (const s of run.steps) {
      if (typeof s?.tokenId !== 'number' || !Array.isArray(s.views)) throw new Error(`run ${run.runId} has a step without tokenId or views`);
      // Exports from before the views were built apart from the draw have no observeMs: their pipelineMs covered both.
      const timings = (s.timings ?? {}) as Partial<StepEvent['timings']>;
      s.timings = { forwardMs: finiteMsOrZero(timings.forwardMs), pipelineMs: finiteMsOrZero(timings.pipelineMs), observeMs: finiteMsOrZero(timings.observeMs) };
    }
  }
  return d as RunExport;
}

/** A beam run's settings and tree, as far as the tree view reads them. */
function checkBeamRun(runId: number, beam: unknown): void {
  const b = beam as Partial<BeamRunView> | null;
  const o = b?.options;
  const settingsOk = o && Number.isInteger(o.num_beams) && Number.isFinite(o.length_penalty) && typeof o.early_stopping === 'boolean' && Number.isInteger(o.num_return_sequences);
  if (!b || !settingsOk) throw new Error(`run ${runId} has a beam tree without its num_beams, length_penalty, early_stopping and num_return_sequences`);
  if (!Array.isArray(b.steps) || !Array.isArray(b.hypotheses)) throw new Error(`run ${runId} has a beam tree without steps or hypotheses`);
  for (const s of b.steps) {
    if (!Array.isArray(s?.kept) || !Array.isArray(s.finished) || !Array.isArray(s.dropped)) throw new Error(`run ${runId} has a beam step without kept, finished or dropped candidates`);
    s.tokenTexts ??= {};
  }
  for (const h of b.hypotheses) if (!Array.isArray(h?.ids) || !Array.isArray(h.path) || !Number.isFinite(h.score)) throw new Error(`run ${runId} has a beam hypothesis without ids, path or score`);
  b.reason ??= null;
}

function finiteMsOrZero(ms: unknown): number {
  return typeof ms === 'number' && Number.isFinite(ms) ? ms : 0;
}

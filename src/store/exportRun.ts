// Runs to JSON (every step with its stage views) and CSV, and JSON back to runs for browsing without a model.
import * as v from 'valibot';
import type { RunView } from './types';
import { EXPORT_FORMAT, ExportHeaderSchema, RunViewSchema, issueText } from './schemas';

export { EXPORT_FORMAT };

export interface RunExport {
  format: typeof EXPORT_FORMAT;
  version: 1;
  model: string;
  runs: RunView[];
}

/** An opened export: the runs the page can draw, and what was wrong with each run it could not. */
export interface OpenedExport extends RunExport {
  refused: { index: number; why: string }[];
}

export function exportJson(model: string, runs: RunView[]): string {
  const data: RunExport = { format: EXPORT_FORMAT, version: 1, model, runs };
  return JSON.stringify(data, null, 1);
}

/**
 * A spreadsheet runs a cell that starts with =, +, - or @ (or a tab or carriage return before one) as a formula:
 * such a text gets a leading apostrophe, which spreadsheets show as plain text. Numbers are written as numbers.
 */
export function csvCell(value: string | number): string {
  let text = String(value);
  // A number written as text (a log-probability such as "-0.69") stays a number.
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(text)) text = `'${text}`;
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

/**
 * Reads an export. Throws an Error saying what is wrong when the file holds no run the page can draw; a run that
 * fails its schema is left out and listed in `refused`, the others open.
 */
export function parseExport(text: string): OpenedExport {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error('the file is not JSON');
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new Error(`"format" must be "${EXPORT_FORMAT}"`);
  const header = v.safeParse(ExportHeaderSchema, data);
  if (!header.success) {
    const issue = header.issues[0];
    // The header's own messages are sentences; deeper ones need their place.
    throw new Error(v.getDotPath(issue) && !['format', 'version', 'runs'].includes(v.getDotPath(issue)!) ? issueText(issue) : issue.message);
  }
  const runs: RunView[] = [];
  const refused: OpenedExport['refused'] = [];
  header.output.runs.forEach((raw, index) => {
    const run = v.safeParse(RunViewSchema, raw);
    if (run.success) runs.push(run.output);
    else refused.push({ index, why: `runs.${index}.${issueText(run.issues[0])}` });
  });
  if (runs.length === 0) throw new Error(refused[0].why);
  return { format: EXPORT_FORMAT, version: 1, model: header.output.model, runs, refused };
}

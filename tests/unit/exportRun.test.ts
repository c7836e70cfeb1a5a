// Run exports: the CSV carries each step's timings (the draw's and the observer's), and a JSON export written
// before the observer's time was counted apart opens with numbers in every timing, never NaN.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS } from '../../src/core';
import type { StepEvent } from '../../src/engine/protocol';
import { exportCsv, exportJson, parseExport } from '../../src/store/exportRun';
import type { RunView } from '../../src/store/types';

function step(n: number, timings: StepEvent['timings']): StepEvent {
  return {
    runId: 4, step: n, tokenId: 10 + n, tokenText: n === 1 ? 'a, "b"' : `t${n}`, textDelta: `t${n}`, views: [], fates: [], entropy: 0.5,
    probability: 0.25, rank: 1, greedyId: 3, tokenTexts: {}, timings,
  };
}

const run: RunView = {
  runId: 4, prompt: 'p', promptIds: [1], params: DEFAULT_PARAMS, seed: 0, text: 't0t1', reason: 'eos',
  steps: [step(0, { forwardMs: 1.234, pipelineMs: 0.0121, observeMs: 0.0384 }), step(1, { forwardMs: 0.9, pipelineMs: 0.01, observeMs: 0.04 })],
};

describe('run export', () => {
  it('writes one CSV row per step with forward, pipeline and observe times, quoting texts that need it', () => {
    const lines = exportCsv([run]).trim().split('\n');
    expect(lines[0].split(',').slice(-3)).toEqual(['forward_ms', 'pipeline_ms', 'observe_ms']);
    expect(lines).toHaveLength(3);
    expect(lines[1].split(',').slice(-3)).toEqual(['1.23', '0.012', '0.038']);
    expect(lines[2]).toContain('"a, ""b"""');
  });

  it('opens an export whose steps have no observeMs (written before it existed) with observeMs 0', () => {
    const old = JSON.parse(exportJson('logitlab-tiny', [run])) as { runs: { steps: { timings: Record<string, number> }[] }[] };
    for (const s of old.runs[0].steps) delete s.timings.observeMs;
    const opened = parseExport(JSON.stringify(old));
    expect(opened.runs[0].steps.map((s) => s.timings)).toEqual([
      { forwardMs: 1.234, pipelineMs: 0.0121, observeMs: 0 },
      { forwardMs: 0.9, pipelineMs: 0.01, observeMs: 0 },
    ]);
    expect(exportCsv(opened.runs)).not.toContain('NaN');
  });

  it('keeps the timings of a current export as they were', () => {
    expect(parseExport(exportJson('logitlab-tiny', [run])).runs[0].steps.map((s) => s.timings)).toEqual(run.steps.map((s) => s.timings));
  });

  it('says what is wrong with a file that is not a run export', () => {
    expect(() => parseExport('{')).toThrow('the file is not JSON');
    expect(() => parseExport('{"format":"other"}')).toThrow('"format" must be "logitlab-run"');
    expect(() => parseExport('{"format":"logitlab-run","version":1,"runs":[]}')).toThrow('it holds no runs');
  });
});

describe('CSV cells a spreadsheet would run', () => {
  it.each(['=1+1', '+SUM(A1)', '-2+3', '@cmd', '\t=x'])('%j is written as text', (text) => {
    const csv = exportCsv([{ ...run, steps: [{ ...run.steps[0], tokenText: text }] }]);
    const [header, row] = csv.trim().split('\n');
    const cell = row.split(',')[header.split(',').indexOf('token_text')];
    expect(cell.replace(/^"|"$/g, '').startsWith(`'`)).toBe(true);
  });

  it('numbers, negative ones included, stay numbers', () => {
    const csv = exportCsv([{ ...run, steps: [{ ...run.steps[0], entropy: -0.5 }] }]);
    const [header, row] = csv.trim().split('\n');
    expect(row.split(',')[header.split(',').indexOf('entropy')]).toBe('-0.5');
  });
});

describe('CSV columns for analysis', () => {
  it('carries the prompt, the settings and the log-probabilities of the drawn token', () => {
    const withFates: RunView = {
      ...run, prompt: 'The weather, today', params: { ...DEFAULT_PARAMS, top_k: 3, logit_bias: { 5: -100 } },
      steps: [{ ...run.steps[0], probability: 0.5, fates: [{ id: 10, rawProb: 0.25, finalProb: 0.5, removedBy: null }] }],
    };
    const [header, row] = exportCsv([withFates]).trim().split('\n');
    const names = header.split(',');
    expect(names).toEqual(expect.arrayContaining(['prompt', 'settings', 'log_probability', 'model_probability', 'model_log_probability']));
    expect(row.startsWith('4,,"The weather, today",')).toBe(true);
    const cells = row.replace('"The weather, today"', 'PROMPT').split(',');
    const at = (name: string) => cells[names.indexOf(name)];
    expect(at('settings')).toContain('top_k=3');
    expect(at('settings')).toContain('logit_bias=5:-100');
    expect(Number(at('log_probability'))).toBeCloseTo(Math.log(0.5), 6);
    expect(Number(at('model_probability'))).toBe(0.25);
    expect(Number(at('model_log_probability'))).toBeCloseTo(Math.log(0.25), 6);
  });
});

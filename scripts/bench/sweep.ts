// Sweep benchmark: a 6 × 6 grid of temperature × top_p, 8 samples × 32 tokens each, on the bundled model (WASM)
// in headless Chromium, through the worker's batched loop as the sweep sends it (DEFAULT_ROWS_PER_BATCH rows a
// request) against the same 288 runs one at a time through the same loop (one row a request), in the same run.
// Every row runs its 32 tokens (ignore_eos), so both sides decode the same tokens; the bench checks they do.
// The sides alternate; the first WARMUP rounds are discarded (WebAssembly tiers up in them), then
// LOGITLAB_BENCH_SWEEP_ROUNDS rounds (default 2) are timed, and each side's samples/s is its median round's.
// runtime_ms_* is the time inside the model's passes in those rounds (medians): its ratio bounds what batching can give.
import { DEFAULT_PARAMS, type SamplingParams } from '../../src/core';
import { gridSettings, numericDimension, applySetting } from '../../src/core/sweep';
import type { BatchRowSettings } from '../../src/engine/BatchGenerator';
import { DEFAULT_ROWS_PER_BATCH } from '../../src/store/sweepRunner';
import { launchBrowser, startPreviewServer } from '../../tests/e2e/harness';
import { pageTasksRow } from './pageTasks';
import { median, round, type BenchRow } from './format';

const PROMPT = 'The weather today is very';
const SAMPLES = 8;
const TOKENS = 32;
/** The bench's grid as a link of the page (teaching-point distance and grammatical rate included), without `lang`. */
export const SWEEP_PAGE_LINK = `prompt=${encodeURIComponent(PROMPT)}&sweep=temperature:0.2:1.6:6,top_p:0.5:1:6&search=grid&samples=${SAMPLES}&max_new_tokens=${TOKENS}&run=1`;
const ROUNDS = Number(process.env.LOGITLAB_BENCH_SWEEP_ROUNDS ?? 2);
const WARMUP = 1;

type Api = {
  load(source: unknown, device: string, threads?: number, dtype?: string): Promise<{ type: string; message?: string }[]>;
  sweepRows(prompt: string, rows: BatchRowSettings[], rowsPerBatch: number): Promise<{ ms: number; runtimeMs: number; tokens: number[][] }>;
};

export async function runSweepBench(): Promise<BenchRow[]> {
  const dims = [numericDimension('temperature', 0.2, 1.6, 6), numericDimension('top_p', 0.5, 1, 6)];
  const settings = gridSettings(dims);
  const base: SamplingParams = { ...DEFAULT_PARAMS, logit_bias: {}, order: [...DEFAULT_PARAMS.order] };
  const rows: BatchRowSettings[] = settings.flatMap((s) => {
    const params = applySetting(base, dims, s);
    return Array.from({ length: SAMPLES }, (_, k) => ({ params, seed: 1 + k, max_new_tokens: TOKENS, stop: [], ignore_eos: true }));
  });
  const { server, url } = await startPreviewServer();
  // As in the beam bench: compiling the runtime optimised up front (--no-liftoff) can take minutes on this shared
  // machine under load, long enough for the page's watchdog to give up on the loading worker.
  const browser = await launchBrowser({ optimizedWasm: process.env.LOGITLAB_BENCH_NO_LIFTOFF === '1' });
  try {
    const page = await browser.newPage();
    await page.goto(`${url}tests/e2e/pages/engine.html`, { timeout: 180_000 });
    await page.waitForSelector('body[data-ready="true"]', { timeout: 180_000 });
    const events = await page.evaluate(() => (window as unknown as { logitlab: Api }).logitlab.load({ kind: 'catalog', id: 'logitlab-tiny' }, 'wasm', 1, 'fp32'));
    const failed = events.find((e) => e.type === 'error');
    if (failed) throw new Error(`load failed: ${failed.message}`);
    const run = (list: BatchRowSettings[], perBatch: number) =>
      page.evaluate(([p, r, n]) => (window as unknown as { logitlab: Api }).logitlab.sweepRows(p as string, r as BatchRowSettings[], n as number), [PROMPT, list, perBatch] as const);
    const batchedMs: number[] = [];
    const sequentialMs: number[] = [];
    const runtimeMs: Record<string, number[]> = { batched: [], sequential: [] };
    for (let round_ = 0; round_ < WARMUP + ROUNDS; round_++) {
      const order = round_ % 2 === 0 ? ['batched', 'sequential'] : ['sequential', 'batched'];
      const tokens: Record<string, number[][]> = {};
      for (const side of order) {
        const answer = await run(rows, side === 'batched' ? DEFAULT_ROWS_PER_BATCH : 1);
        if (round_ >= WARMUP) {
          (side === 'batched' ? batchedMs : sequentialMs).push(answer.ms);
          runtimeMs[side].push(answer.runtimeMs);
        }
        tokens[side] = answer.tokens;
      }
      // Same rows, same seeds: batching must not change a single token.
      if (JSON.stringify(tokens.batched) !== JSON.stringify(tokens.sequential)) throw new Error('batched and sequential runs drew different tokens');
      if (tokens.batched.some((t) => t.length !== TOKENS)) throw new Error(`a row did not run ${TOKENS} tokens`);
    }
    const perSecond = (ms: number) => round(rows.length / (ms / 1000), 2);
    // The same grid from the page's own link: its long tasks.
    const query = `?lang=en&${SWEEP_PAGE_LINK}`;
    return [{
      bench: 'sweep', device: 'wasm', settings: settings.length, samples: SAMPLES, tokens: TOKENS,
      samples_per_s_batched: perSecond(median(batchedMs)), samples_per_s_sequential: perSecond(median(sequentialMs)),
      // The model's passes alone (inputs in, graph, outputs out), same rounds: the most batching could gain here.
      runtime_ms_batched: round(median(runtimeMs.batched), 1), runtime_ms_sequential: round(median(runtimeMs.sequential), 1),
      runtime_ratio: round(median(runtimeMs.sequential) / median(runtimeMs.batched), 2),
    }, await pageTasksRow(browser, url, 'sweep_page', 'sweep', query, 3, { settings: settings.length, samples: SAMPLES, tokens: TOKENS })];
  } finally {
    await browser.close();
    await server.close();
  }
}

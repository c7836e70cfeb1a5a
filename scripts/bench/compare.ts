// Compare benchmark: lanes × samples on the bundled model in headless Chromium (WASM), through our worker.
// For each shape, in one session and alternating order: the rows as one batch (ms_batched), one lane alone
// (ms_one_lane: a single row through the same loop) and the same rows one after another (ms_sequential).
// Times are from the request to the comparison's end on the main thread, medians over rounds after warm-up.
// Then the production page runs the 64-row comparison from its link (compare_page): its main-thread tasks over 50 ms.
// LOGITLAB_BENCH_THREADS=n loads the model with n WebAssembly threads (default 1, what the page picks on 2 cores).
import { DEFAULT_PARAMS } from '../../src/core';
import type { CompareRow } from '../../src/engine/protocol';
import { launchBrowser, startPreviewServer } from '../../tests/e2e/harness';
import { median, round, type BenchRow } from './format';
import { pageTasksRow } from './pageTasks';

const PROMPT = 'The weather today is very';
const TOKENS = 64;
const ROUNDS = Number(process.env.LOGITLAB_BENCH_COMPARE_ROUNDS ?? 5);
const THREADS = Number(process.env.LOGITLAB_BENCH_THREADS ?? 1);
/** The page's own link for 4 lanes × 16 samples × 64 tokens: the 64-row comparison watched for long tasks. */
const PAGE_QUERY = `?lang=en&prompt=${encodeURIComponent(PROMPT)}&max_new_tokens=${TOKENS}&lane=temperature%3D0.3&lane=temperature%3D0.7&lane=top_p%3D0.8&lane=temperature%3D1.5&samples=16&run=1`;
type Api = {
  load(source: unknown, device: string, threads?: number, dtype?: string): Promise<{ type: string; device?: string; threads?: number }[]>;
  compare(prompt: string, rows: CompareRow[], forceSequential?: boolean): Promise<{ ms: number; mode: string; tokens: number[][] }>;
};

function rowsFor(lanes: number, samples: number): CompareRow[] {
  const rows: CompareRow[] = [];
  for (let lane = 0; lane < lanes; lane++) {
    for (let sample = 0; sample < samples; sample++) {
      rows.push({
        lane, sample, params: { ...DEFAULT_PARAMS, temperature: 0.3 + 0.2 * lane, top_k: 0 }, seed: 1 + sample,
        max_new_tokens: TOKENS, stop: [], ignore_eos: true,
      });
    }
  }
  return rows;
}

export async function runCompareBench(): Promise<BenchRow[]> {
  const { server, url } = await startPreviewServer();
  const out: BenchRow[] = [];
  const browser = await launchBrowser({ optimizedWasm: true });
  try {
    const page = await browser.newPage();
    await page.goto(`${url}tests/e2e/pages/engine.html?patient=1`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
    const events = await page.evaluate(([t]) => (window as unknown as { logitlab: Api }).logitlab.load({ kind: 'catalog', id: 'logitlab-tiny' }, 'wasm', t as number, 'fp32'), [THREADS]);
    const loaded = events.find((e) => e.type === 'loaded');
    if (!loaded) throw new Error(`load failed ${JSON.stringify(events.at(-1))}`);
    const run = (rows: CompareRow[], sequential: boolean) =>
      page.evaluate(([p, r, s]) => (window as unknown as { logitlab: Api }).logitlab.compare(p as string, r as CompareRow[], s as boolean), [PROMPT, rows, sequential] as const);
    for (const [lanes, samples] of [[8, 1], [4, 16]]) {
      const rows = rowsFor(lanes, samples);
      const one = rows.slice(0, 1);
      const times = { batched: [] as number[], one: [] as number[], sequential: [] as number[] };
      let mode = '';
      for (let r = 0; r < ROUNDS + 1; r++) {
        const order: ('batched' | 'one' | 'sequential')[] = r % 2 === 0 ? ['batched', 'one', 'sequential'] : ['sequential', 'one', 'batched'];
        for (const which of order) {
          const result = await run(which === 'one' ? one : rows, which === 'sequential');
          if (which === 'batched') mode = result.mode;
          if (result.tokens.some((t, i) => (which !== 'one' || i === 0) && t.length !== TOKENS)) throw new Error(`${which}: a row did not run ${TOKENS} tokens`);
          if (r > 0) times[which].push(result.ms);
        }
      }
      const batched = median(times.batched);
      const oneLane = median(times.one);
      const sequential = median(times.sequential);
      out.push({
        bench: 'compare', device: String(loaded.device), threads: THREADS, rows: rows.length, lanes, samples, tokens: TOKENS, mode,
        ms_batched: round(batched, 1), ms_one_lane: round(oneLane, 1), ms_sequential: round(sequential, 1),
        batched_vs_one_lane: round(batched / oneLane, 2), sequential_vs_batched: round(sequential / batched, 2), runs: times.batched.length,
      });
    }
    out.push(await pageTasksRow(browser, url, 'compare_page', 'compare', PAGE_QUERY, 3, { rows: 64, lanes: 4, samples: 16, tokens: TOKENS }));
  } finally {
    await browser.close();
    await server.close();
  }
  return out;
}

// Beam bench: beam search with B = 4 beams against greedy decoding of the same length, on the bundled model in
// headless Chromium on WASM, in the same page and session (rounds alternate which goes first). EOS is ignored
// (ignore_eos) and early_stopping is false, so both run the full TOKENS steps. All beams advance as one batch per
// step, so the target is ms_beam ≤ 2 × ms_greedy. Each side is timed on the page from its request to its last event.
import { DEFAULT_PARAMS } from '../../src/core';
import type { BeamHypothesisView, BeamOptions, GenerateSettings } from '../../src/engine/protocol';
import { launchBrowser, startPreviewServer } from '../../tests/e2e/harness';
import { median, round, type BenchRow } from './format';

const TOKENS = 64;
const BEAMS = 4;
const ROUNDS = Number(process.env.LOGITLAB_BENCH_BEAM_ROUNDS ?? 20);
const WARMUP = 4;

type Api = {
  load(source: unknown, device: string, threads?: number, dtype?: string): Promise<{ type: string; device?: string }[]>;
  timedGenerate(s: GenerateSettings): Promise<{ ms: number; tokens: number; forwardMs: number }>;
  beamSearch(s: GenerateSettings, beam: BeamOptions): Promise<{ ms: number; workerMs: number; forwardMs: number; searchMs: number; steps: number; hypotheses: BeamHypothesisView[] }>;
};

const settings: GenerateSettings = {
  prompt: 'The weather today is very', params: { ...DEFAULT_PARAMS, temperature: 0 }, seed: 1, max_new_tokens: TOKENS, stop: [],
  ignore_eos: true, chat: false, topN: 30,
};
const beam: BeamOptions = { num_beams: BEAMS, length_penalty: 1, early_stopping: false, num_return_sequences: 1 };

export async function runBeamBench(): Promise<BenchRow[]> {
  const { server, url } = await startPreviewServer();
  // WebAssembly tiers up during the warm-up rounds: compiling the runtime optimised up front (--no-liftoff) took
  // over ten minutes on this shared machine under load, and both sides are timed warm either way.
  const browser = await launchBrowser({ optimizedWasm: process.env.LOGITLAB_BENCH_NO_LIFTOFF === '1' });
  try {
    const page = await browser.newPage();
    await page.goto(`${url}tests/e2e/pages/engine.html?patient=1`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 300_000 });
    if (process.env.LOGITLAB_BENCH_ROUNDS) process.stderr.write('beam bench: page ready, loading the model\n');
    const events = await page.evaluate(() => (window as unknown as { logitlab: Api }).logitlab.load({ kind: 'catalog', id: 'logitlab-tiny' }, 'wasm', 1, 'fp32'));
    const loaded = events.find((e) => e.type === 'loaded');
    if (!loaded) throw new Error(`beam bench: load failed ${JSON.stringify(events.at(-1))}`);
    const runBeam = () => page.evaluate(([s, b]) => (window as unknown as { logitlab: Api }).logitlab.beamSearch(s as GenerateSettings, b as BeamOptions), [settings, beam] as const);
    const runGreedy = () => page.evaluate((s) => (window as unknown as { logitlab: Api }).logitlab.timedGenerate(s), settings);
    const beamMs: number[] = [];
    const greedyMs: number[] = [];
    const ratios: number[] = [];
    for (let r = 0; r < WARMUP + ROUNDS; r++) {
      let b: Awaited<ReturnType<typeof runBeam>>;
      let g: Awaited<ReturnType<typeof runGreedy>>;
      if (r % 2 === 0) {
        b = await runBeam();
        g = await runGreedy();
      } else {
        g = await runGreedy();
        b = await runBeam();
      }
      if (process.env.LOGITLAB_BENCH_ROUNDS) {
        process.stderr.write(`beam round ${r}: beam ${b.ms.toFixed(0)} ms (worker ${b.workerMs.toFixed(0)}, forward ${b.forwardMs.toFixed(0)}, search ${b.searchMs.toFixed(0)}), greedy ${g.ms.toFixed(0)} ms (forward ${g.forwardMs.toFixed(0)})\n`);
      }
      if (b.steps !== TOKENS || g.tokens !== TOKENS) throw new Error(`beam bench: ran ${b.steps} beam steps and ${g.tokens} greedy tokens, not ${TOKENS}`);
      if (r < WARMUP) continue;
      beamMs.push(b.ms);
      greedyMs.push(g.ms);
      // Paired by round: the machine's load drifts between rounds more than within one.
      ratios.push(b.ms / g.ms);
    }
    if (process.env.LOGITLAB_BENCH_ROUNDS) process.stderr.write(`beam rounds ${beamMs.map((x) => x.toFixed(0)).join(' ')} | greedy ${greedyMs.map((x) => x.toFixed(0)).join(' ')}\n`);
    return [{
      bench: 'beam', device: String(loaded.device), num_beams: BEAMS, tokens: TOKENS,
      ms_beam: round(median(beamMs), 1), ms_greedy: round(median(greedyMs), 1), ratio: round(median(ratios), 3), runs: ROUNDS,
    }];
  } finally {
    await browser.close();
    await server.close();
  }
}

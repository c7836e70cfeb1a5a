// Browser benchmark: the bundled model in headless Chromium through our worker (time to first token, decode
// tokens/s on WASM with 1 and 2 threads, WebGPU on SwiftShader), against transformers.js's own generate()
// greedy on the same model and prompt in the same run, plus the share of step time spent outside the model.
import { DEFAULT_PARAMS } from '../../src/core';
import type { GenerateSettings } from '../../src/engine/protocol';
import { launchBrowser, startPreviewServer } from '../../tests/e2e/harness';
import { median, round, type BenchRow } from './format';

const PROMPT = 'The weather today is very';
const TOKENS = 48;
const REPEATS = 3;

interface Summary { tokens: number[]; forwardMs: number[]; pipelineMs: number[]; stepArrivalMs: number[] }
interface PeerSummary { firstTokenMs: number; totalMs: number; tokens: number; tokenTimes: number[] }
type Api = {
  load(source: unknown, device: string, threads?: number, dtype?: string): Promise<{ type: string; device?: string; threads?: number }[]>;
  generate(s: GenerateSettings): Promise<Summary>;
  transformersGenerate(prompt: string, n: number, threads: number, device: string): Promise<PeerSummary>;
};

const settings: GenerateSettings = {
  prompt: PROMPT, params: { ...DEFAULT_PARAMS, temperature: 0 }, seed: 1, max_new_tokens: TOKENS, stop: [],
  ignore_eos: true, chat: false, topN: 30,
};

export async function runBrowserBench(): Promise<BenchRow[]> {
  const { server, url } = await startPreviewServer();
  const rows: BenchRow[] = [];
  try {
    for (const config of [
      { caseName: 'wasm-1t', device: 'wasm', threads: 1, webgpu: false },
      { caseName: 'wasm-2t', device: 'wasm', threads: 2, webgpu: false },
      { caseName: 'webgpu-swiftshader', device: 'webgpu', threads: 1, webgpu: true },
    ]) {
      const browser = await launchBrowser({ webgpu: config.webgpu });
      try {
        const page = await browser.newPage();
        await page.goto(`${url}tests/e2e/pages/engine.html`);
        await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
        const events = await page.evaluate(([d, t]) => (window as unknown as { logitlab: Api }).logitlab.load({ kind: 'catalog', id: 'logitlab-tiny' }, d as string, t as number, 'fp32'), [config.device, config.threads]);
        const loaded = events.find((e) => e.type === 'loaded');
        if (!loaded) throw new Error(`${config.caseName}: load failed ${JSON.stringify(events.at(-1))}`);
        const ours: Summary[] = [];
        const theirs: PeerSummary[] = [];
        for (let r = 0; r < REPEATS + 1; r++) {
          const a = await page.evaluate((s) => (window as unknown as { logitlab: Api }).logitlab.generate(s), settings);
          const b = await page.evaluate(([p, n, t, d]) => (window as unknown as { logitlab: Api }).logitlab.transformersGenerate(p as string, n as number, t as number, d as string), [PROMPT, TOKENS, config.threads, config.device]);
          if (r > 0) { ours.push(a); theirs.push(b); } // the first round warms up both
        }
        const ttft = median(ours.map((s) => s.stepArrivalMs[0]));
        const decodeRate = median(ours.map((s) => (s.tokens.length - 1) / ((s.stepArrivalMs.at(-1)! - s.stepArrivalMs[0]) / 1000)));
        const overhead = median(ours.map((s) => {
          const intervals = s.stepArrivalMs.slice(1).map((t, i) => t - s.stepArrivalMs[i]);
          const total = intervals.reduce((x, y) => x + y, 0);
          const forward = s.forwardMs.slice(1).reduce((x, y) => x + y, 0);
          return Math.max(0, (total - forward) / total);
        }));
        const pipelineShare = median(ours.map((s) => s.pipelineMs.reduce((x, y) => x + y, 0) / s.stepArrivalMs.at(-1)!));
        const peerTtft = median(theirs.map((s) => s.firstTokenMs));
        const peerRate = median(theirs.map((s) => (s.tokens - 1) / ((s.tokenTimes.at(-1)! - s.tokenTimes[0]) / 1000)));
        rows.push({
          bench: 'browser', impl: 'logitlab', case: config.caseName, device: String(loaded.device), threads: config.device === 'wasm' ? Number(loaded.threads) : null,
          ttft_ms: round(ttft, 1), decode_tok_s: round(decodeRate, 1), ratio_vs_tjs: round(decodeRate / peerRate, 3),
          outside_model_share: round(overhead, 3), pipeline_share: round(pipelineShare, 4),
        });
        rows.push({
          bench: 'browser', impl: 'transformers.js', case: `${config.caseName} generate()`, device: config.device, threads: config.device === 'wasm' ? config.threads : null,
          ttft_ms: round(peerTtft, 1), decode_tok_s: round(peerRate, 1), ratio_vs_tjs: null, outside_model_share: null, pipeline_share: null,
        });
      } finally {
        await browser.close();
      }
    }
  } finally {
    await server.close();
  }
  return rows;
}

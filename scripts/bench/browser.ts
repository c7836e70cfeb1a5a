// Browser benchmark: the bundled model in headless Chromium through our worker (time to first token, decode
// tokens/s on WASM with 1 and 2 threads, WebGPU on SwiftShader), against transformers.js's own generate()
// greedy on the same model and prompt in the same run, plus the share of step time spent outside the model.
// Fair timing: both sides are loaded once and warmed by discarded rounds, then alternate (ours first in even
// rounds, the peer first in odd ones) over the same prompt and token count; decode tokens/s is (tokens − 1) over
// first-to-last token time on both sides — ours at step arrival on the main thread (messaging included), the
// peer at its streamer's token callback inside its worker (no messaging). The shares are of that same span.
// LOGITLAB_BENCH_TOKENS=200 times longer runs (per-run costs weigh less); LOGITLAB_BENCH_ROUNDS=1 prints every
// round's tokens/s of both sides to stderr (the VM's noise is large); LOGITLAB_BENCH_CASES=wasm-1t,wasm-2t runs only those cases; LOGITLAB_BENCH_OBSERVER=inline keeps the step observer's
// work in the inference worker (to compare with the default, its own worker).
import { DEFAULT_PARAMS, PARAM_SPECS } from '../../src/core';
import type { GenerateSettings } from '../../src/engine/protocol';
import { launchBrowser, startPreviewServer } from '../../tests/e2e/harness';
import { median, round, type BenchRow } from './format';

const PROMPT = 'The weather today is very';
/** New tokens per run: the playground's default run; LOGITLAB_BENCH_TOKENS overrides (the context holds 512 with the prompt). */
const TOKENS = Number(process.env.LOGITLAB_BENCH_TOKENS ?? PARAM_SPECS.max_new_tokens.default);
/**
 * Timed rounds per case after the warm-up rounds. A WASM round takes ~0.1 s per side and single rounds range over
 * 2× on this VM: with 25 rounds the 2-thread ratio moved by up to 7% between identical runs, with 150 by up to 4%, for some
 * 30 s more a case (loading and building dominate). SwiftShader WebGPU is slow and only a correctness path.
 */
const REPEATS = { wasm: 150, webgpu: 3 };
/**
 * Discarded rounds first, so both sides are timed warm. The browser compiles WebAssembly with V8's optimising tier
 * from the start (--no-liftoff): by default it starts on the baseline compiler and tiers hot functions up in the
 * background, and both sides then ran 2.5–3× slower for the first ~5 rounds and ~20% slower for ten more — start-up,
 * not decoding, and the larger part of the rounds' spread. Once tiered up the code is the same either way.
 */
const WARMUP_ROUNDS = { wasm: 6, webgpu: 1 };

interface Summary { tokens: number[]; forwardMs: number[]; pipelineMs: number[]; observeMs: number[]; observedApart: boolean; messagingMs: number[]; stepArrivalMs: number[] }
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
    ].filter((c) => !process.env.LOGITLAB_BENCH_CASES || process.env.LOGITLAB_BENCH_CASES.split(',').includes(c.caseName))) {
      const browser = await launchBrowser({ webgpu: config.webgpu, optimizedWasm: true });
      try {
        const page = await browser.newPage();
        await page.goto(`${url}tests/e2e/pages/engine.html?patient=1${process.env.LOGITLAB_BENCH_OBSERVER === 'inline' ? '&observer=inline' : ''}`);
        await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
        const events = await page.evaluate(([d, t]) => (window as unknown as { logitlab: Api }).logitlab.load({ kind: 'catalog', id: 'logitlab-tiny' }, d as string, t as number, 'fp32'), [config.device, config.threads]);
        const loaded = events.find((e) => e.type === 'loaded');
        if (!loaded) throw new Error(`${config.caseName}: load failed ${JSON.stringify(events.at(-1))}`);
        const ours: Summary[] = [];
        const theirs: PeerSummary[] = [];
        const runOurs = () => page.evaluate((s) => (window as unknown as { logitlab: Api }).logitlab.generate(s), settings);
        const runPeer = () => page.evaluate(([p, n, t, d]) => (window as unknown as { logitlab: Api }).logitlab.transformersGenerate(p as string, n as number, t as number, d as string), [PROMPT, TOKENS, config.threads, config.device]);
        const repeats = REPEATS[config.device as 'wasm' | 'webgpu'];
        const warmup = WARMUP_ROUNDS[config.device as 'wasm' | 'webgpu'];
        for (let r = 0; r < warmup + repeats; r++) {
          let a: Summary;
          let b: PeerSummary;
          if (r % 2 === 0) {
            a = await runOurs();
            b = await runPeer();
          } else {
            b = await runPeer();
            a = await runOurs();
          }
          if (r >= warmup) { ours.push(a); theirs.push(b); }
        }
        const ttft = median(ours.map((s) => s.stepArrivalMs[0]));
        const ourRates = ours.map((s) => (s.tokens.length - 1) / ((s.stepArrivalMs.at(-1)! - s.stepArrivalMs[0]) / 1000));
        const peerRates = theirs.map((s) => (s.tokens - 1) / ((s.tokenTimes.at(-1)! - s.tokenTimes[0]) / 1000));
        const decodeRate = median(ourRates);
        // The ratio pairs the two runs of each round: the machine's load drifts between rounds, not within one.
        const ratio = median(ourRates.map((rate, i) => rate / peerRates[i]));
        if (process.env.LOGITLAB_BENCH_ROUNDS) process.stderr.write(`${config.caseName} rounds ours ${ourRates.map((x) => x.toFixed(0)).join(' ')} | peer ${peerRates.map((x) => x.toFixed(0)).join(' ')}\n`);
        // Over the decode span (first to last step arrival): what is not the model's forward call, and the part of
        // that in the sampling pipeline.
        const decodeSpan = (s: Summary) => s.stepArrivalMs.at(-1)! - s.stepArrivalMs[0];
        const sumAfterFirst = (xs: number[]) => xs.slice(1).reduce((x, y) => x + y, 0);
        const overhead = median(ours.map((s) => Math.max(0, (decodeSpan(s) - sumAfterFirst(s.forwardMs)) / decodeSpan(s))));
        const pipelineShare = median(ours.map((s) => sumAfterFirst(s.pipelineMs) / decodeSpan(s)));
        // The observer's work (views, fates, labels): on the decode path when the inference worker does it, beside it
        // when the step observer's worker does.
        const observeShare = median(ours.map((s) => sumAfterFirst(s.observeMs) / decodeSpan(s)));
        // What the 10% names, as far as it holds up the decode loop: the pipeline, the observer when inline,
        // and messaging (packing and posting, or handing steps to the observer; worker side).
        const namedShare = median(ours.map((s) => (sumAfterFirst(s.pipelineMs) + (s.observedApart ? 0 : sumAfterFirst(s.observeMs)) + sumAfterFirst(s.messagingMs)) / decodeSpan(s)));
        const stepMs = median(ours.map((s) => decodeSpan(s) / (s.tokens.length - 1)));
        const forwardMs = median(ours.map((s) => sumAfterFirst(s.forwardMs) / (s.tokens.length - 1)));
        const peerStepMs = median(theirs.map((s) => (s.tokenTimes.at(-1)! - s.tokenTimes[0]) / (s.tokens - 1)));
        const peerTtft = median(theirs.map((s) => s.firstTokenMs));
        const peerRate = median(peerRates);
        rows.push({
          bench: 'browser', impl: 'logitlab', case: config.caseName, device: String(loaded.device), threads: config.device === 'wasm' ? Number(loaded.threads) : null,
          runs: ours.length, tokens: TOKENS, ttft_ms: round(ttft, 1), decode_tok_s: round(decodeRate, 1), ratio_vs_tjs: round(ratio, 3),
          step_ms: round(stepMs, 3), forward_ms: round(forwardMs, 3), outside_model_share: round(overhead, 3), pipeline_share: round(pipelineShare, 4),
          observed: ours.every((s) => s.observedApart) ? 'apart' : ours.some((s) => s.observedApart) ? 'mixed' : 'inline', observe_share: round(observeShare, 4),
          decode_path_share: round(namedShare, 4),
        });
        rows.push({
          bench: 'browser', impl: 'transformers.js', case: `${config.caseName} generate()`, device: config.device, threads: config.device === 'wasm' ? config.threads : null,
          runs: theirs.length, tokens: TOKENS, ttft_ms: round(peerTtft, 1), decode_tok_s: round(peerRate, 1), ratio_vs_tjs: null,
          step_ms: round(peerStepMs, 3), forward_ms: null, outside_model_share: null, pipeline_share: null, observed: null, observe_share: null,
          decode_path_share: null,
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

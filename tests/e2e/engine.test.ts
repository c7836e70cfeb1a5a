// The real worker in headless Chromium: the bundled model generates on WASM, and on the SwiftShader WebGPU
// adapter the same greedy tokens come out; nothing is fetched from another origin.
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { setupE2eApp, watchErrors } from './appHarness';
import { DEFAULT_PARAMS } from '../../src/core';
import type { CompareRow, GenerateSettings, StepEvent } from '../../src/engine/protocol';

const greedy: GenerateSettings = {
  prompt: 'The weather today is very', params: { ...DEFAULT_PARAMS, temperature: 0 }, seed: 1, max_new_tokens: 12,
  stop: [], ignore_eos: false, chat: false, topN: 20,
};

type Api = {
  load(source: unknown, device: string, threads?: number, dtype?: string): Promise<{ type: string; device?: string; threads?: number; message?: string }[]>;
  generate(s: GenerateSettings, options?: { cancelAfterSteps?: number; withSteps?: boolean }): Promise<{ tokens: number[]; text: string; reason: string; deltas: string[]; messagingMs: number[]; observedApart: boolean; steps?: StepEvent[] }>;
  compare(prompt: string, rows: CompareRow[], forceSequential?: boolean): Promise<{ mode: string; tokens: number[][]; outputs?: { reused: number; allocated: number } }>;
};

const app = setupE2eApp({ gpuBrowser: true });

/** The engine page, with what it requested from other origins and its console errors. */
async function openEnginePage(browser: Browser, query = ''): Promise<{ page: Page; foreign: string[]; errors: string[]; runtimes: string[] }> {
  let errors: string[] = [];
  const foreign: string[] = [];
  // Which builds of onnxruntime's WebAssembly the page fetched.
  const runtimes: string[] = [];
  const origin = new URL(app.url).origin;
  const page = await app.openEnginePage({
    in: browser,
    query,
    beforeGoto: (p) => {
      errors = watchErrors(p);
      p.on('request', (r) => {
        if (!r.url().startsWith(origin) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) foreign.push(r.url());
        const file = r.url().split('/').pop() ?? '';
        if (/^ort-wasm-simd-threaded.*\.wasm$/.test(file)) runtimes.push(file.includes('.asyncify') ? 'webgpu build' : 'cpu build');
      });
    },
  });
  return { page, foreign, errors, runtimes };
}

async function generateOn(page: Page, device: string) {
  const events = await page.evaluate(async (d) => (window as unknown as { logitlab: Api }).logitlab.load({ kind: 'catalog', id: 'logitlab-tiny' }, d, undefined, 'fp32'), device);
  const loaded = events.find((e) => e.type === 'loaded');
  if (!loaded) throw new Error(`load failed: ${JSON.stringify(events.at(-1))}`);
  const result = await page.evaluate(async (s) => (window as unknown as { logitlab: Api }).logitlab.generate(s), greedy);
  return { loaded, result };
}

describe('engine in Chromium', () => {
  let wasmTokens: number[] = [];

  it('generates on WASM with threads when there is no WebGPU adapter, from our own origin only', async () => {
    const { page, foreign, errors, runtimes } = await openEnginePage(app.browser);
    const { loaded, result } = await generateOn(page, 'auto');
    // WASM runs the CPU-only build of onnxruntime (half the size of the WebGPU one), fetched once.
    expect(runtimes).toEqual(['cpu build']);
    expect(loaded.device).toBe('wasm');
    expect(loaded.threads).toBeGreaterThanOrEqual(1);
    expect(result.tokens.length).toBeGreaterThan(0);
    expect(result.text.length).toBeGreaterThan(0);
    expect(foreign).toEqual([]);
    expect(errors.filter((e) => !/favicon/.test(e))).toEqual([]);
    wasmTokens = result.tokens;
    await page.close();
  });

  it('a batch reuses the runtime’s output arrays step after step, and its rows draw what they draw one at a time', async () => {
    const { page } = await openEnginePage(app.browser);
    await generateOn(page, 'wasm');
    const rows: CompareRow[] = Array.from({ length: 6 }, (_, i) => ({
      lane: i % 3, sample: Math.floor(i / 3), params: { ...DEFAULT_PARAMS, temperature: 0.5 + 0.4 * (i % 3), top_p: 0.9 },
      seed: 1 + i, max_new_tokens: 24, stop: [], ignore_eos: true,
    }));
    const compare = (sequential: boolean) => page.evaluate(([r, s]) => (window as unknown as { logitlab: Api }).logitlab.compare('The weather today is very', r as CompareRow[], s as boolean), [rows, sequential] as const);
    const batched = await compare(false);
    const sequential = await compare(true);
    expect(batched.mode).toBe('batched');
    expect(sequential.mode).toBe('sequential');
    // The runtime writes each step into arrays an earlier step gave back: a stale or shared array would change a draw.
    expect(batched.tokens).toEqual(sequential.tokens);
    expect(batched.tokens.every((t) => t.length === 24)).toBe(true);
    // Per step: logits and 8 fed key/value tensors. After the first steps, nearly every output lands in a recycled array.
    for (const run of [batched, sequential]) {
      expect(run.outputs).toBeDefined();
      expect(run.outputs!.reused).toBeGreaterThan(0.8 * (run.outputs!.reused + run.outputs!.allocated));
    }
    await page.close();
  });

  it('delivers every step in order with its views, fates and a text for every token they show', async () => {
    const { page } = await openEnginePage(app.browser);
    await generateOn(page, 'wasm');
    const run = await page.evaluate(async (s) => (window as unknown as { logitlab: Api }).logitlab.generate(s, { withSteps: true }), { ...greedy, max_new_tokens: 40, ignore_eos: true });
    const steps = run.steps!;
    expect(steps.map((s) => s.step)).toEqual(steps.map((_, i) => i));
    expect(steps.length).toBe(40);
    for (const s of steps) {
      expect(s.views.map((v) => v.stage)).toEqual(['raw', 'top_k', 'draw']);
      expect(s.views[0].ids).toHaveLength(greedy.topN);
      expect(s.fates.length).toBeGreaterThan(0);
      const shown = [...s.views.flatMap((v) => v.ids), ...s.fates.map((f) => f.id), s.tokenId];
      for (const id of shown) expect(typeof s.tokenTexts[id]).toBe('string');
      expect(s.tokenText).toBe(s.tokenTexts[s.tokenId]);
      expect(s.tokenId).toBe(s.views[0].ids[0]);
    }
    expect(run.deltas.join('')).toBe(run.text);
    // The run's end reports what packing and posting each step cost the worker (the benchmark's messaging share).
    expect(run.messagingMs).toHaveLength(40);
    for (const ms of run.messagingMs) expect(ms >= 0 && ms < 1000).toBe(true);
    await page.close();
  });

  it('a step observed in its own worker shows exactly what the inference worker shows inline', async () => {
    // Sampled, with penalties and three warpers: the observer re-runs the whole chain on copied logits.
    const sampled: GenerateSettings = {
      ...greedy, max_new_tokens: 30, ignore_eos: true, seed: 7,
      params: { ...DEFAULT_PARAMS, temperature: 0.9, top_k: 40, top_p: 0.9, min_p: 0.02, repetition_penalty: 1.2, presence_penalty: 0.3 },
    };
    const runOn = async (query: string) => {
      const { page } = await openEnginePage(app.browser, query);
      await generateOn(page, 'wasm');
      const run = await page.evaluate(async (s) => (window as unknown as { logitlab: Api }).logitlab.generate(s, { withSteps: true }), sampled);
      await page.close();
      return run;
    };
    const apart = await runOn('');
    const inline = await runOn('?observer=inline');
    expect(apart.observedApart).toBe(true);
    expect(inline.observedApart).toBe(false);
    expect(apart.tokens).toEqual(inline.tokens);
    expect(apart.text).toBe(inline.text);
    const shown = (s: StepEvent) => ({
      step: s.step, tokenId: s.tokenId, tokenText: s.tokenText, greedyId: s.greedyId, rank: s.rank, tokenTexts: s.tokenTexts,
      views: s.views.map((v) => ({ stage: v.stage, ids: v.ids, keptAfter: v.keptAfter, removedCount: v.removedCount })),
      fates: s.fates.map((f) => ({ id: f.id, removedBy: f.removedBy })),
    });
    expect(apart.steps!.map(shown)).toEqual(inline.steps!.map(shown));
    apart.steps!.forEach((s, i) => {
      const t = inline.steps![i];
      expect(s.probability).toBeCloseTo(t.probability, 12);
      expect(s.entropy).toBeCloseTo(t.entropy, 12);
      s.views.forEach((v, j) => v.after.forEach((p, k) => expect(p).toBeCloseTo(t.views[j].after[k], 12)));
      expect(s.views.map((v) => v.stage)).toEqual(['raw', 'repetition_penalty', 'frequency_presence_penalty', 'temperature', 'top_k', 'top_p', 'min_p', 'draw']);
    });
  });

  it('a cancel sent while the model is generating stops the run long before its end', async () => {
    const { page } = await openEnginePage(app.browser);
    await generateOn(page, 'wasm');
    const long = { ...greedy, max_new_tokens: 500, ignore_eos: true };
    const run = await page.evaluate(async (s) => (window as unknown as { logitlab: Api }).logitlab.generate(s, { cancelAfterSteps: 1 }), long);
    expect(run.reason).toBe('cancelled');
    expect(run.tokens.length).toBeGreaterThanOrEqual(1);
    expect(run.tokens.length).toBeLessThan(long.max_new_tokens);
    await page.close();
  });

  it('generates on the WebGPU adapter with the same greedy tokens as WASM', async () => {
    const { page, foreign, runtimes } = await openEnginePage(app.gpuBrowser);
    const { loaded, result } = await generateOn(page, 'webgpu');
    expect(loaded.device).toBe('webgpu');
    expect(runtimes).toEqual(['webgpu build']);
    expect(wasmTokens.length).toBeGreaterThan(0);
    expect(result.tokens).toEqual(wasmTokens);
    expect(foreign).toEqual([]);
    await page.close();
  });
});

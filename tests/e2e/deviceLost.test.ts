// A WebGPU device lost mid-session (here: Chromium's GPU process restarted through chrome.gpuBenchmarking, as a
// driver reset would) makes the worker reload the model on WASM and say so; generation then goes on, with the
// same greedy tokens, and the page shows why it is on WASM now.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { generateText, setupE2eApp } from './appHarness';
import { DEFAULT_PARAMS } from '../../src/core';
import type { GenerateSettings } from '../../src/engine/protocol';

type EngineEventLite = { type: string; device?: string; message?: string; notice?: string };
type Api = {
  client: { onEvent(listener: (e: EngineEventLite) => void): () => void };
  load(source: unknown, device: string, threads?: number, dtype?: string): Promise<EngineEventLite[]>;
  generate(s: GenerateSettings): Promise<{ tokens: number[]; text: string }>;
};

const greedy: GenerateSettings = {
  prompt: 'The weather today is very', params: { ...DEFAULT_PARAMS, temperature: 0 }, seed: 1, max_new_tokens: 10,
  stop: [], ignore_eos: true, chat: false, topN: 10,
};

const app = setupE2eApp({ browser: { webgpu: true, gpuBenchmarking: true } });

/** Restarts the GPU process: every WebGPU device of the page's process tree is lost. */
async function loseGpu(page: Page): Promise<void> {
  await page.evaluate(() => {
    const bench = (window as unknown as { chrome?: { gpuBenchmarking?: { terminateGpuProcessNormally(): void } } }).chrome?.gpuBenchmarking;
    if (!bench) throw new Error('chrome.gpuBenchmarking is missing: launch Chromium with --enable-gpu-benchmarking');
    bench.terminateGpuProcessNormally();
  });
}

describe('a lost WebGPU device', () => {
  it('reloads the model on WASM with a notice, and the same greedy tokens come out', async () => {
    const page = await app.openEnginePage();
    const first = await page.evaluate(() => (window as unknown as { logitlab: Api }).logitlab.load({ kind: 'catalog', id: 'logitlab-tiny' }, 'webgpu', undefined, 'fp32'));
    expect(first.find((e) => e.type === 'loaded')?.device).toBe('webgpu');
    const onGpu = await page.evaluate((s) => (window as unknown as { logitlab: Api }).logitlab.generate(s), greedy);

    await page.evaluate(() => {
      const w = window as unknown as { logitlab: Api; after: EngineEventLite[] };
      w.after = [];
      w.logitlab.client.onEvent((e) => { if (e.type !== 'progress') w.after.push({ type: e.type, device: e.device, message: e.message, notice: e.notice }); });
    });
    await loseGpu(page);
    await expect.poll(() => page.evaluate(() => (window as unknown as { after: EngineEventLite[] }).after.find((e) => e.type === 'loaded')), { timeout: 60_000 }).toBeTruthy();
    const after = await page.evaluate(() => (window as unknown as { after: EngineEventLite[] }).after);
    expect(after.find((e) => e.type === 'notice')?.message).toMatch(/WebGPU device was lost.*WASM/);
    const reloaded = after.find((e) => e.type === 'loaded')!;
    expect(reloaded.device).toBe('wasm');
    expect(reloaded.notice).toMatch(/WebGPU device was lost/);

    const onWasm = await page.evaluate((s) => (window as unknown as { logitlab: Api }).logitlab.generate(s), greedy);
    expect(onWasm.tokens).toEqual(onGpu.tokens);
    await page.close();
  });

  it('the playground says it is on WASM now, and why, and still generates', async () => {
    // device=webgpu: auto passes over this browser's software adapter.
    const page = await app.openPage('?lang=en&device=webgpu');
    const ready = page.getByTestId('model-ready');
    await ready.waitFor({ timeout: 120_000 });
    await expect.poll(() => ready.textContent()).toContain('WebGPU');
    await loseGpu(page);
    await expect.poll(() => ready.textContent(), { timeout: 60_000 }).toContain('WASM');
    expect(await page.getByText(/WebGPU device was lost/).count()).toBeGreaterThan(0);
    await page.fill('[data-testid="prompt"]', 'The weather today is very');
    expect((await generateText(page, 60_000)).length).toBeGreaterThan(0);
    await page.close();
  });
});

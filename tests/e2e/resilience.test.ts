// Nothing a model file, the network or a worker does leaves the page stuck or wrong: bad weights files (truncated,
// corrupt, Git-LFS pointer, empty) give a clear message, are not kept in Cache Storage and leave the model before
// them working; a stalled download is reported with Retry; a newer load always wins over an older, slower one;
// Generate pressed twice never hangs and Stop always works; a crashed or wedged worker is noticed, restarted and
// the model reloaded with the run kept; `auto` passes over a software WebGPU adapter and says so.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { generate, setField, setupE2eApp, waitDone } from './appHarness';
import { linkSettings } from './linkSettings';
import { lfsPointer, startHubServer, type HubServer } from '../integration/hubServer';
import { DEFAULT_PARAMS } from '../../src/core';
import type { GenerateSettings } from '../../src/engine/protocol';

const FOLDER = 'public/models/logitlab-tiny';
const WEIGHTS = readFileSync(`${FOLDER}/onnx/model.onnx`);
const BAD_WEIGHTS: Record<string, Buffer> = {
  truncated: WEIGHTS.subarray(0, WEIGHTS.length >> 1),
  corrupt: Buffer.from(WEIGHTS.map((b, i) => (i % 7 === 3 ? b ^ 0xa5 : b))),
  lfs: lfsPointer(WEIGHTS),
  empty: Buffer.alloc(0),
};
const RAW_ERROR = /Cannot read properties|getReader|ERROR_CODE|protobuf|TypeError/;

const greedy: GenerateSettings = {
  prompt: 'The weather today is very', params: { ...DEFAULT_PARAMS, temperature: 0 }, seed: 1, max_new_tokens: 8,
  stop: [], ignore_eos: true, chat: false, topN: 10,
};

type LoadEvent = { type: string; code?: string; message?: string; device?: string; deviceReason?: string; adapter?: string; modelId?: string };
type Api = {
  client: { load(source: unknown, device: string): number; onEvent(l: (e: LoadEvent & { requestId: number }) => void): () => void };
  load(source: unknown, device: string, threads?: number, dtype?: string, hubHost?: string, stallMs?: number): Promise<LoadEvent[]>;
  generate(s: GenerateSettings): Promise<{ tokens: number[] }>;
};

const app = setupE2eApp({ gpuBrowser: true });
let hub: HubServer;
const REPO = 'logitlab/bad';

beforeAll(async () => {
  hub = await startHubServer({ repo: REPO, folder: FOLDER });
});
afterAll(async () => {
  await hub?.close();
});

/** Per test: a shared 2-core machine under load takes minutes where an idle one takes seconds. */
const SLOW = 900_000;

const enginePage = (b: Browser) => app.openEnginePage({ in: b, defaultTimeout: 300_000, engineReadyTimeout: 300_000 });

const loadIn = (page: Page, source: unknown, device: string, hubHost?: string, stallMs?: number) =>
  page.evaluate(([s, d, h, ms]) => (window as unknown as { logitlab: Api }).logitlab.load(s, d as string, 1, 'fp32', h as string | undefined, ms as number | undefined), [source, device, hubHost, stallMs] as const);
const generateIn = (page: Page) => page.evaluate((s) => (window as unknown as { logitlab: Api }).logitlab.generate(s), greedy);
const BUNDLED = { kind: 'catalog', id: 'logitlab-tiny' };

/** Every URL in Cache Storage under the bad repo's folder. */
const cachedFromHub = (page: Page) => page.evaluate(async (repo) => {
  const out: string[] = [];
  for (const name of await caches.keys()) for (const r of await (await caches.open(name)).keys()) if (r.url.includes(repo)) out.push(r.url);
  return out;
}, REPO);

const playground = (b: Browser, query: string) => app.openPage(query, { in: b, defaultTimeout: 300_000, readyTimeout: 300_000 });

const hooks = (page: Page, call: string, ...args: unknown[]) =>
  page.evaluate(([c, a]) => ((window as unknown as { logitlabTest: Record<string, (...x: unknown[]) => void> }).logitlabTest[c as string])(...(a as unknown[])), [call, args] as const);

async function loadCustom(page: Page, ref: string): Promise<void> {
  await page.fill('#model-custom', ref);
  await page.getByRole('button', { name: /^(Load|加载)$/ }).click();
}

const folderUrl = () => `${hub.url}${REPO}/resolve/main`;

/** The page loads a folder URL in q8 (model_quantized.onnx), the engine tests in fp32 (model.onnx): both go bad. */
function serveWeights(server: HubServer, body: Buffer | undefined): void {
  server.serveBody('onnx/model.onnx', body);
  server.serveBody('onnx/model_quantized.onnx', body);
}

describe('a bad weights file', { timeout: SLOW }, () => {
  it('WASM: each kind fails with a clear message, is not cached, and the model before it, the bundled one and the fixed file all load', async () => {
    const page = await enginePage(app.browser);
    expect((await loadIn(page, BUNDLED, 'wasm')).some((e) => e.type === 'loaded')).toBe(true);
    const before = await generateIn(page);
    for (const [kind, body] of Object.entries(BAD_WEIGHTS)) {
      hub.serveBody('onnx/model.onnx', body);
      const events = await loadIn(page, { kind: 'hub', repo: REPO }, 'wasm', hub.url);
      const error = events.find((e) => e.type === 'error');
      expect(error?.code, `${kind}: ${JSON.stringify(events.at(-1))}`).toBe('bad_file');
      expect(error?.message).not.toMatch(RAW_ERROR);
      if (kind === 'lfs') expect(error?.message).toMatch(/Git LFS pointer/);
      if (kind === 'empty') expect(error?.message).toMatch(/empty/);
      expect(await cachedFromHub(page)).toEqual([]);
      // The model loaded before the failure still answers, with the same tokens.
      expect((await generateIn(page)).tokens).toEqual(before.tokens);
    }
    expect((await loadIn(page, BUNDLED, 'wasm')).some((e) => e.type === 'loaded')).toBe(true);
    hub.serveBody('onnx/model.onnx', undefined);
    const fixed = await loadIn(page, { kind: 'hub', repo: REPO }, 'wasm', hub.url);
    expect(fixed.find((e) => e.type === 'loaded'), JSON.stringify(fixed.at(-1))).toBeTruthy();
    expect((await generateIn(page)).tokens).toEqual(before.tokens);
    await page.close();
  });

  it('WebGPU: a truncated file fails clearly, and the bundled model loads on WebGPU after it', async () => {
    const page = await enginePage(app.gpuBrowser);
    hub.serveBody('onnx/model.onnx', BAD_WEIGHTS.truncated);
    const events = await loadIn(page, { kind: 'hub', repo: REPO }, 'webgpu', hub.url);
    expect(events.find((e) => e.type === 'error')?.code, JSON.stringify(events.at(-1))).toBe('bad_file');
    expect(await cachedFromHub(page)).toEqual([]);
    hub.serveBody('onnx/model.onnx', undefined);
    const bundled = await loadIn(page, BUNDLED, 'webgpu');
    expect(bundled.find((e) => e.type === 'loaded')?.device, JSON.stringify(bundled.at(-1))).toBe('webgpu');
    await page.close();
  });

  it('the playground keeps the bundled model, says so once (en and 中文) with Retry, and Retry loads the fixed file', async () => {
    const page = await playground(app.browser, '?lang=en');
    serveWeights(hub, BAD_WEIGHTS.lfs);
    await loadCustom(page, folderUrl());
    const error = page.getByTestId('model-error');
    await error.waitFor({ timeout: 300_000 });
    const text = (await error.textContent()) ?? '';
    expect(text).toMatch(/damaged or is not a model file/);
    expect(text).toMatch(/Still using LogitLab tiny/);
    expect(text).not.toMatch(RAW_ERROR);
    expect(await page.getByRole('alert').count()).toBe(1);
    expect(await page.getByTestId('model-ready').textContent()).toContain('LogitLab tiny');
    expect(await page.getByTestId('model-select').inputValue()).toBe('logitlab-tiny');
    expect(linkSettings(page.url()).get('model')).toBeNull();
    await page.getByTestId('lang').selectOption('zh');
    await expect.poll(() => error.textContent()).toMatch(/模型文件已损坏/);
    await page.getByTestId('lang').selectOption('en');
    // The previous model still generates.
    await page.fill('[data-testid="prompt"]', 'The weather today is very');
    await generate(page, 300_000);

    serveWeights(hub, undefined);
    await page.getByTestId('retry').click();
    await expect.poll(() => page.getByTestId('model-ready').textContent().catch(() => ''), { timeout: 300_000 }).toContain('main');
    expect(await page.getByTestId('model-error').count()).toBe(0);
    await page.close();
  });
});

describe('downloads', { timeout: SLOW }, () => {
  it('a stalled download is reported with Retry, the model before it stays, and Retry finishes it', async () => {
    const page = await playground(app.browser, '?lang=en');
    await hooks(page, 'setStallMs', 3000);
    const stalled = await startHubServer({ repo: 'logitlab/stalled', folder: FOLDER });
    try {
      stalled.stallFile('.onnx');
      await loadCustom(page, `${stalled.url}logitlab/stalled/resolve/main`);
      const error = page.getByTestId('model-error');
      await error.waitFor({ timeout: 300_000 });
      expect(await error.textContent()).toMatch(/download stalled/);
      expect(await page.getByTestId('model-ready').textContent()).toContain('LogitLab tiny');
      stalled.stallFile(undefined);
      await page.getByTestId('retry').click();
      await expect.poll(() => page.getByTestId('model-ready').textContent().catch(() => ''), { timeout: 300_000 }).toContain('main');
      // What arrived whole before the stall came from the cache the second time.
      expect(stalled.requests.filter((r) => r.endsWith('/tokenizer.json'))).toHaveLength(1);
    } finally {
      await stalled.close();
    }
    await page.close();
  });

  it('the newest load wins: a slow model picked first never takes over from the bundled one picked after it', async () => {
    const slow = await startHubServer({ repo: 'logitlab/slow', folder: FOLDER });
    try {
      slow.slowFile('.onnx', 8000);
      const page = await playground(app.browser, '?lang=en');
      await loadCustom(page, `${slow.url}logitlab/slow/resolve/main`);
      await expect.poll(() => slow.requests.some((r) => r.endsWith('.onnx')), { timeout: 120_000 }).toBe(true);
      await page.getByTestId('model-select').selectOption('logitlab-tiny');
      await page.getByTestId('model-ready').waitFor({ timeout: 300_000 });
      await page.waitForTimeout(12_000);
      expect(await page.getByTestId('model-ready').textContent()).toContain('LogitLab tiny');
      expect(await page.getByTestId('model-select').inputValue()).toBe('logitlab-tiny');
      expect(linkSettings(page.url()).get('model')).toBeNull();
      await page.close();

      // The engine alone: the older load's worker is gone, so it never answers at all.
      const engine = await enginePage(app.browser);
      const answered = await engine.evaluate(([host]) => new Promise<string[]>((resolve) => {
        const api = (window as unknown as { logitlab: Api }).logitlab;
        const seen: string[] = [];
        const first = api.client.load({ kind: 'url', url: `${host}logitlab/slow/resolve/main` }, 'wasm');
        setTimeout(() => {
          const second = api.client.load({ kind: 'catalog', id: 'logitlab-tiny' }, 'wasm');
          api.client.onEvent((e) => {
            if (e.type !== 'progress') seen.push(`${e.requestId === first ? 'first' : e.requestId === second ? 'second' : e.requestId}:${e.type}`);
            // Long enough after the second load for the first one's slow file to have arrived.
            if (e.requestId === second && e.type === 'loaded') setTimeout(() => resolve(seen), 10_000);
          });
          setTimeout(() => resolve(seen), 280_000);
        }, 1500);
      }), [slow.url]);
      expect(answered).toEqual(['second:loaded']);
      await engine.close();
    } finally {
      await slow.close();
    }
  });
});

describe('workers that die or hang', { timeout: SLOW }, () => {
  for (const [worker, fault] of [['inference', 'close'], ['observer', 'hang']] as const) {
    it(`${worker} worker ${fault} mid-run: noticed, restarted, model reloaded, run kept to its last step`, async () => {
      const page = await playground(app.browser, '?lang=en&max_new_tokens=500&logit_bias=0%3A-100&temperature=0');
      await page.fill('[data-testid="prompt"]', 'The weather today is very');
      await page.getByTestId('generate').click();
      await expect.poll(() => page.locator('.token').count(), { timeout: 300_000 }).toBeGreaterThan(5);
      // Impatient only now: on a loaded machine a healthy worker can take seconds to answer.
      await hooks(page, 'setWatchdog', { stuckMs: 5000, pingMs: 250 });
      await hooks(page, 'fault', worker, fault);
      const notice = page.getByTestId('notice');
      await notice.waitFor({ timeout: 120_000 });
      expect(await notice.textContent()).toMatch(/stopped answering.*restarted.*Run \d+ is kept up to its last step \(\d+ tokens\)/);
      const kept = await page.locator('.token').count();
      expect(kept).toBeGreaterThan(5);
      await page.getByTestId('model-ready').waitFor({ timeout: 300_000 });
      expect(await page.locator('.status').textContent()).toMatch(/interrupted/);
      expect(await page.locator('.token').count()).toBe(kept);
      // The new workers generate.
      await hooks(page, 'setWatchdog', { stuckMs: 30_000 });
      await setField(page, '[data-testid="max-new-tokens"]', '6');
      await generate(page, 300_000);
      expect(await page.locator('.token').count()).toBe(6);
      await page.close();
    });
  }

  it('a worker wedged while loading never leaves "Loading model…" on screen: retried once, then reported with Retry', async () => {
    const page = await playground(app.browser, '?lang=en');
    await hooks(page, 'setWatchdog', { loadingStuckMs: 4000, pingMs: 250 });
    const slow = await startHubServer({ repo: 'logitlab/wedged', folder: FOLDER });
    let slower: HubServer | undefined;
    try {
      slow.slowFile('.onnx', 2000);
      await loadCustom(page, `${slow.url}logitlab/wedged/resolve/main`);
      await hooks(page, 'fault', 'inference', 'hang', 'loading');
      // Retried once in fresh workers, which load it.
      await expect.poll(() => page.getByTestId('model-ready').textContent().catch(() => ''), { timeout: 300_000 }).toContain('main');

      // Another folder, so nothing of it is cached yet: its weights take a minute, and both tries are wedged.
      slower = await startHubServer({ repo: 'logitlab/wedged2', folder: FOLDER });
      slower.slowFile('.onnx', 60_000);
      await loadCustom(page, `${slower.url}logitlab/wedged2/resolve/main`);
      await hooks(page, 'fault', 'inference', 'hang', 'loading');
      const server2 = slower;
      const weightRequests = () => server2.requests.filter((r) => r.endsWith('.onnx')).length;
      const before = weightRequests();
      await expect.poll(weightRequests, { timeout: 300_000 }).toBeGreaterThan(before);
      await hooks(page, 'fault', 'inference', 'hang', 'loading');
      const error = page.getByTestId('model-error');
      await error.waitFor({ timeout: 300_000 });
      expect(await error.textContent()).toMatch(/stopped answering while loading/);
      expect(await page.getByTestId('retry').count()).toBe(1);
      expect(await page.getByTestId('load-progress').count()).toBe(0);
      expect(await page.getByTestId('model-ready').textContent()).toContain('main');
    } finally {
      await slow.close();
      await slower?.close();
    }
    await page.close();
  });
});

describe('Generate twice and Stop', { timeout: SLOW }, () => {
  for (const device of ['wasm', 'webgpu'] as const) {
    it(`${device}: Ctrl+Enter twice during a run never hangs; Stop works and Generate comes back`, async () => {
      const page = await playground(device === 'webgpu' ? app.gpuBrowser : app.browser, `?lang=en&device=${device}&max_new_tokens=300&logit_bias=0%3A-100`);
      expect(await page.getByTestId('model-ready').textContent()).toContain(device === 'webgpu' ? 'WebGPU' : 'WASM');
      await page.fill('[data-testid="prompt"]', 'The weather today is very');
      await page.press('[data-testid="prompt"]', 'Control+Enter');
      await page.press('[data-testid="prompt"]', 'Control+Enter');
      await page.waitForTimeout(300);
      await page.press('[data-testid="prompt"]', 'Control+Enter');
      await page.getByTestId('stop').click();
      await expect.poll(() => page.getByTestId('generate').isEnabled(), { timeout: 30_000 }).toBe(true);
      expect(await page.getByTestId('stop').isEnabled()).toBe(false);
      await setField(page, '[data-testid="max-new-tokens"]', '5');
      await page.press('[data-testid="prompt"]', 'Control+Enter');
      await page.press('[data-testid="prompt"]', 'Control+Enter');
      await waitDone(page, 300_000);
      await expect.poll(() => page.locator('.token').count(), { timeout: 60_000 }).toBe(5);
      // The second press of a pair starts a run of its own when the first run (5 tokens) was already done.
      expect(await page.getByTestId('history').locator('li').count()).toBeGreaterThanOrEqual(2);
      expect(await page.getByTestId('history').locator('li').count()).toBeLessThanOrEqual(3);
      await page.close();
    });
  }
});

describe('device choice', { timeout: SLOW }, () => {
  it('auto passes over a software WebGPU adapter for WASM and says why; device= forces either', async () => {
    const auto = await playground(app.gpuBrowser, '?lang=en');
    const ready = (await auto.getByTestId('model-ready').textContent()) ?? '';
    expect(ready).toContain('WASM');
    expect(await auto.getByTestId('device-reason').textContent()).toMatch(/swiftshader.*software fallback/i);
    await auto.close();
    const forced = await playground(app.gpuBrowser, '?lang=zh&device=webgpu');
    expect(await forced.getByTestId('model-ready').textContent()).toContain('WebGPU');
    expect(await forced.getByTestId('device-reason').textContent()).toContain('device=webgpu');
    await forced.close();
    const wasm = await playground(app.gpuBrowser, '?lang=en&device=wasm');
    expect(await wasm.getByTestId('model-ready').textContent()).toContain('WASM');
    expect(linkSettings(wasm.url()).get('device')).toBe('wasm');
    await wasm.close();
    const bad = await playground(app.browser, '?lang=en&device=gpu');
    expect(await bad.getByTestId('notice').textContent()).toMatch(/device = "gpu".*auto, wasm or webgpu/);
    await bad.close();
  });
});

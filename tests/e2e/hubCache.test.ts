// The Hub path in a real browser: the worker downloads a model from a Hub-style server on another origin with
// per-file progress, keeps the files in the browser's cache, and loads it again with the server gone — the
// "second open works offline" promise — while a repo the server lacks gives a "not found" message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { setupE2eApp } from './appHarness';
import { startHubServer, type HubServer } from '../integration/hubServer';

const REPO = 'logitlab/tiny-mirror';
type LoadEvent = { type: string; file?: string; loaded?: number; total?: number; code?: string; message?: string; vocabSize?: number };
type Api = { load(source: unknown, device: string, threads?: number, dtype?: string, hubHost?: string): Promise<LoadEvent[]> };

const app = setupE2eApp();
let context: BrowserContext;
let hub: HubServer;

const openEnginePage = () => app.openEnginePage({ in: context });

function loadFromHub(page: Page, repo: string, hubHost: string): Promise<LoadEvent[]> {
  return page.evaluate(([r, h]) => (window as unknown as { logitlab: Api }).logitlab.load({ kind: 'hub', repo: r }, 'wasm', 1, 'fp32', h), [repo, hubHost]);
}

beforeAll(async () => {
  // One context for the whole file: its Cache Storage is what a returning user's browser has.
  context = await app.browser.newContext();
  hub = await startHubServer({ repo: REPO, folder: 'public/models/logitlab-tiny' });
});
afterAll(async () => {
  await context?.close();
  await hub?.close().catch(() => {});
});

describe('Hub models in Chromium', () => {
  it('downloads with per-file progress, then loads from the browser cache with the server stopped', async () => {
    const page = await openEnginePage();
    const events = await loadFromHub(page, REPO, hub.url);
    const loaded = events.find((e) => e.type === 'loaded');
    expect(loaded, JSON.stringify(events.at(-1))).toBeTruthy();
    expect(loaded!.vocabSize).toBe(2246);
    const modelProgress = events.filter((e) => e.type === 'progress' && e.file === 'onnx/model.onnx');
    expect(modelProgress.length).toBeGreaterThan(0);
    expect(modelProgress.at(-1)!.loaded).toBe(modelProgress.at(-1)!.total);
    expect(hub.requests).toContain(`/${REPO}/resolve/main/onnx/model.onnx`);
    await page.close();

    await hub.close();
    const offline = await openEnginePage();
    const again = await loadFromHub(offline, REPO, hub.url);
    expect(again.find((e) => e.type === 'loaded'), JSON.stringify(again.at(-1))).toBeTruthy();
    await offline.close();
  });

  it('says the network failed when the connection drops mid-file, and a retry reuses the files that arrived', async () => {
    const flaky = await startHubServer({ repo: 'logitlab/flaky', folder: 'public/models/logitlab-tiny', dropFile: 'onnx/model.onnx' });
    try {
      const page = await openEnginePage();
      const failed = await loadFromHub(page, 'logitlab/flaky', flaky.url);
      const error = failed.find((e) => e.type === 'error');
      expect(error?.code).toBe('network');
      expect(error?.message).toMatch(/network|retry/i);
      const fetched = (file: string) => flaky.requests.filter((r) => !r.startsWith('HEAD ') && r.endsWith(`/${file}`)).length;
      expect(fetched('tokenizer.json')).toBe(1);
      flaky.dropFile(undefined);
      const retried = await loadFromHub(page, 'logitlab/flaky', flaky.url);
      expect(retried.find((e) => e.type === 'loaded'), JSON.stringify(retried.at(-1))).toBeTruthy();
      expect(fetched('tokenizer.json')).toBe(1);
      expect(fetched('config.json')).toBe(1);
      expect(fetched('onnx/model.onnx')).toBeGreaterThanOrEqual(2);
      await page.close();
    } finally {
      await flaky.close();
    }
  });

  it('refuses a model too large for WASM before downloading it, and says why', async () => {
    const huge = await startHubServer({ repo: 'logitlab/huge', folder: 'public/models/logitlab-tiny', sizes: { 'onnx/model.onnx': 5e9 } });
    try {
      const page = await openEnginePage();
      const events = await loadFromHub(page, 'logitlab/huge', huge.url);
      const error = events.find((e) => e.type === 'error');
      expect(error?.code).toBe('too_large');
      expect(error?.message).toMatch(/needs about 5\.0 GB .* WASM/);
      expect(huge.requests).toContain('HEAD /logitlab/huge/resolve/main/onnx/model.onnx');
      expect(huge.requests.filter((r) => !r.startsWith('HEAD '))).toEqual([]);
      await page.close();
    } finally {
      await huge.close();
    }
  });

  it('says "not found" for a repo the server does not have', async () => {
    const other = await startHubServer({ repo: REPO, folder: 'public/models/logitlab-tiny' });
    try {
      const page = await openEnginePage();
      const events = await loadFromHub(page, 'logitlab/missing', other.url);
      const error = events.find((e) => e.type === 'error');
      expect(error?.code).toBe('not_found');
      expect(error?.message).toMatch(/not found|logitlab\/missing/i);
      await page.close();
    } finally {
      await other.close();
    }
  });
});

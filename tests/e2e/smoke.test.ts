import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { launchBrowser, startDevServer } from './harness';

describe('page smoke', () => {
  let server: ViteDevServer;
  let url: string;
  let browser: Browser;
  beforeAll(async () => {
    ({ server, url } = await startDevServer());
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('serves a cross-origin isolated page that renders the app', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.getByRole('heading', { name: 'LogitLab' }).waitFor();
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await page.close();
  });
});

// Shared e2e harness: a real Vite dev server on loopback and Debian's Chromium driven by playwright-core.
import { createServer, type ViteDevServer } from 'vite';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { AddressInfo } from 'node:net';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function startDevServer(): Promise<{ server: ViteDevServer; url: string }> {
  const server = await createServer({
    configFile: 'vite.config.ts',
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
    logLevel: 'error',
  });
  await server.listen();
  const address = server.httpServer?.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${address.port}/` };
}

export async function launchBrowser(options: { webgpu?: boolean } = {}): Promise<Browser> {
  const args = ['--disable-quic', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  if (options.webgpu) args.push('--enable-unsafe-webgpu');
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args });
}

/** Collects console errors and page errors so a test can assert the page stayed healthy. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // Failed loads are reported below with their URL.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`http ${r.status()}: ${r.url()}`);
  });
  return errors;
}

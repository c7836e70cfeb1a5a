// Shared e2e harness: a real Vite dev server on loopback and Debian's Chromium driven by playwright-core.
import { build, createServer, preview, type PreviewServer, type ViteDevServer } from 'vite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { AddressInfo } from 'node:net';

/**
 * The production build served by `vite preview` (what users get: React without its dev checks), with the
 * e2e engine test page built in beside the app.
 */
export async function startPreviewServer(): Promise<{ server: PreviewServer; url: string }> {
  const outDir = mkdtempSync(join(tmpdir(), 'logitlab-e2e-'));
  await build({
    configFile: 'vite.config.ts',
    logLevel: 'error',
    build: {
      outDir,
      emptyOutDir: true,
      minify: process.env.LOGITLAB_E2E_MINIFY !== 'false',
      rollupOptions: { input: { main: resolve('index.html'), engine: resolve('tests/e2e/pages/engine.html') } },
    },
  });
  const server = await preview({ configFile: 'vite.config.ts', logLevel: 'error', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
  // Each build is ~35 MB (the runtime's wasm): gone with its server, or a day of test runs fills the disk.
  const closeServer = server.close.bind(server);
  server.close = async () => {
    await closeServer();
    rmSync(outDir, { recursive: true, force: true });
  };
  const address = server.httpServer.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${address.port}/` };
}

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

/** webgpu: the SwiftShader WebGPU adapter; gpuBenchmarking: chrome.gpuBenchmarking, whose GPU-process restart makes a lost device on demand. */
/** `optimizedWasm`: WebAssembly compiled by V8's optimising tier from the start, not first by its baseline compiler. */
export async function launchBrowser(options: { webgpu?: boolean; gpuBenchmarking?: boolean; optimizedWasm?: boolean } = {}): Promise<Browser> {
  const args = ['--disable-quic', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  if (options.webgpu) args.push('--enable-unsafe-webgpu');
  if (options.optimizedWasm) args.push('--js-flags=--no-liftoff');
  if (options.gpuBenchmarking) args.push('--enable-gpu-benchmarking');
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

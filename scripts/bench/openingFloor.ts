// What opening a page costs on this machine before any of LogitLab's own work, measured as the playground bench
// measures the page (main-thread tasks from a trace, from navigation on): a static page, a page that only renders
// one heading with React, and a page whose worker only builds the bundled model's session on onnxruntime-web's CPU
// build (ready_ms: from navigation until the session exists). The playground's opening_longest_task_ms and
// ready_ms goals (≤ 50 ms, ≤ 2000 ms) read against these rows.
import { resolve } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { build, preview } from 'vite';
import { launchBrowser } from '../../tests/e2e/harness';
import { median, round, type BenchRow } from './format';
import { mainThreadTasks } from './playground';

const PAGES = ['blank', 'react', 'runtime'] as const;
const REPEATS = Number(process.env.LOGITLAB_BENCH_FLOOR_REPEATS ?? 3);
/** The static and React pages have nothing to wait for: tasks are counted this long after their load. */
const SETTLE_MS = 1500;

export async function runOpeningFloorBench(): Promise<BenchRow[]> {
  const root = resolve('scripts/bench/floor');
  const outDir = mkdtempSync(resolve(tmpdir(), 'logitlab-floor-'));
  await build({
    root, publicDir: resolve('public'), logLevel: 'error', worker: { format: 'es' },
    build: { outDir, emptyOutDir: true, target: 'es2022', rollupOptions: { input: Object.fromEntries(PAGES.map((p) => [p, resolve(root, `${p}.html`)])) } },
  });
  const server = await preview({ root, logLevel: 'error', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
  const url = `http://127.0.0.1:${(server.httpServer.address() as { port: number }).port}/`;
  const rows: BenchRow[] = [];
  try {
    for (const name of PAGES) {
      const longest: number[] = [];
      const ready: number[] = [];
      for (let r = 0; r < REPEATS; r++) {
        const browser = await launchBrowser();
        try {
          const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
          await browser.startTracing(page, { categories: ['toplevel'] });
          await page.goto(`${url}${name}.html`);
          if (name === 'runtime') {
            await page.waitForFunction(() => (window as unknown as { floor?: unknown }).floor, undefined, { timeout: 120_000 });
            ready.push(await page.evaluate(() => (window as unknown as { floor: { readyMs: number } }).floor.readyMs));
          } else await page.waitForTimeout(SETTLE_MS);
          longest.push(Math.max(0, ...mainThreadTasks(await browser.stopTracing())));
        } finally {
          await browser.close();
        }
      }
      rows.push({
        bench: 'opening_floor', page: name, repeats: REPEATS,
        longest_task_ms_max: round(Math.max(...longest), 0), longest_task_ms_median: round(median(longest), 0),
        ready_ms: name === 'runtime' ? round(median(ready), 0) : null,
      });
    }
  } finally {
    await server.close();
    rmSync(outDir, { recursive: true, force: true });
  }
  return rows;
}

// The production page while a comparison or sweep streams: how long it takes from the view's `running` to its end,
// and the main-thread tasks over 50 ms in between (Long Tasks API), per run of the page's own shared link.
import type { Browser } from 'playwright-core';
import { median, round, type BenchRow } from './format';

const ENDED = ['done', 'completion', 'cancelled', 'error'];

/** `runs` fresh pages at `query`, each watched from its view's data-state `running` until it ends. */
export async function pageTasksRow(browser: Browser, url: string, bench: string, testId: string, query: string, runs: number, fields: BenchRow): Promise<BenchRow> {
  const spans: number[] = [];
  const counts: number[] = [];
  const longest: number[] = [];
  for (let r = 0; r < runs; r++) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      await page.addInitScript(`window.__longTasks = [];
        new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]); }).observe({ type: 'longtask', buffered: true });`);
      await page.goto(`${url}${query}`);
      const state = `document.querySelector('[data-testid="${testId}"]')?.getAttribute('data-state')`;
      await page.waitForFunction(`${state} === 'running'`, undefined, { timeout: 300_000, polling: 20 });
      const started = (await page.evaluate('performance.now()')) as number;
      await page.waitForFunction(`${JSON.stringify(ENDED)}.includes(${state})`, undefined, { timeout: 600_000, polling: 100 });
      const ended = (await page.evaluate('performance.now()')) as number;
      const tasks = ((await page.evaluate('window.__longTasks')) as [number, number][]).filter(([at]) => at >= started && at <= ended);
      spans.push(ended - started);
      counts.push(tasks.length);
      longest.push(Math.max(0, ...tasks.map(([, d]) => d)));
    } finally {
      await page.close();
    }
  }
  return {
    bench, device: 'wasm', ...fields, ms_median: round(median(spans), 0), long_tasks_max: Math.max(...counts),
    longest_task_ms: round(Math.max(...longest), 0), longest_task_ms_median: round(median(longest), 0), runs,
  };
}

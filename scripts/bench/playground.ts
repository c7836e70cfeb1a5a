// Playground benchmark: the production page in headless Chromium generating on the bundled model, measured as
// a person feels it — the longest main-thread task from the click on Generate until the step panel shows the
// run's last step (run end and the charts' first mount included), tasks over 50 ms, and how long the charts
// lag behind the run's end. Tasks are read from a Chrome trace (every task, rendering included, however short);
// the Long Tasks API's figure (tasks over 50 ms only) is printed beside it, and the same API's figure for the
// page's load before the click (first render, idle-time warm-up). The peer, in the same run: the engine alone
// (its test page, no UI) generating the same tokens, whose main-thread tasks are the floor that the worker's
// messages set. Opening the page is measured too: every main-thread task from navigation until the bundled model
// is ready (opening_longest_task_ms, goal ≤ 50) and the time to ready (ready_ms, goal ≤ 2000 on WASM).
import type { Browser, Page } from 'playwright-core';
import { DEFAULT_PARAMS } from '../../src/core';
import type { GenerateSettings } from '../../src/engine/protocol';
import { launchBrowser, startPreviewServer } from '../../tests/e2e/harness';
import { median, round, type BenchRow } from './format';
import { modelReadyAt, watchModelReady } from './readyProbe';

const TOKENS = 48;
/** LOGITLAB_BENCH_PLAYGROUND_REPEATS and LOGITLAB_BENCH_PLAYGROUND_CASES (a case name's start) shorten a run. */
const REPEATS = Number(process.env.LOGITLAB_BENCH_PLAYGROUND_REPEATS ?? 5);
/** Quiet time after the step panel shows the last step, so late commits still count. */
const SETTLE_MS = 1500;

interface Case {
  name: string;
  lang: 'en' | 'zh';
  prompt: string;
  /** The same settings as URL parameters (the page) and as engine settings (the peer). */
  query: string;
  params: GenerateSettings['params'];
  seed: number;
  /** Viewport height: 1000 shows the top of the step panel; 2600 puts every chart in view (all of them painted). */
  height: number;
}

// The bundled model ends most greedy texts within 20 tokens; banning its end-of-text token (id 0) with logit_bias
// keeps the greedy run going for all 48, as a long run would.
const CASES: Case[] = [
  {
    name: 'greedy, eos banned', lang: 'en', prompt: 'The weather today is very', query: 'temperature=0&logit_bias=0%3A-100',
    params: { ...DEFAULT_PARAMS, temperature: 0, logit_bias: { 0: -100 } }, seed: 1, height: 1000,
  },
  {
    name: 'top_p+min_p', lang: 'en', prompt: 'After school the children', query: 'seed=5&temperature=0.9&top_k=0&top_p=0.95&min_p=0.05',
    params: { ...DEFAULT_PARAMS, temperature: 0.9, top_k: 0, top_p: 0.95, min_p: 0.05 }, seed: 5, height: 1000,
  },
  {
    name: 'top_p+min_p zh', lang: 'zh', prompt: '今天天气非常', query: 'seed=9&temperature=0.9&top_k=0&top_p=0.95&min_p=0.05',
    params: { ...DEFAULT_PARAMS, temperature: 0.9, top_k: 0, top_p: 0.95, min_p: 0.05 }, seed: 9, height: 1000,
  },
  {
    name: 'top_p+min_p zh, all in view', lang: 'zh', prompt: '今天天气非常', query: 'seed=9&temperature=0.9&top_k=0&top_p=0.95&min_p=0.05',
    params: { ...DEFAULT_PARAMS, temperature: 0.9, top_k: 0, top_p: 0.95, min_p: 0.05 }, seed: 9, height: 2600,
  },
];

interface Measured {
  /** Every main-thread task from the click to the end, in ms (trace). */
  tasks: number[];
  /** Tasks the Long Tasks API reported (over 50 ms). */
  longTasks: number[];
  tokens: number;
  generateMs: number;
  chartsLagMs: number;
  /** Long Tasks API figures from opening the page to the click: loading, first render, idle-time warm-up. */
  loadLongTasks: number[];
  /** Every main-thread task (trace) from navigation until the bundled model is ready, in ms. */
  openingTasks: number[];
  /** From navigation to the model's ready line on screen, in ms (the page's clock). */
  readyMs: number;
}

type Probe = { longTasks: number[]; doneAt: number | null; settledAt: number | null; startedAt: number; onSettled: (() => void) | null };

/**
 * Watches long tasks, the run's end and the step panel from inside the page. Nothing polls from Node while the
 * trace records: Playwright's own in-page scripts (locator checks, waitForFunction) would show up as tasks.
 */
async function installProbe(page: Page): Promise<void> {
  await page.evaluate(() => {
    const probe: Probe = { longTasks: [], doneAt: null, settledAt: null, startedAt: performance.now(), onSettled: null };
    (window as unknown as { probe: Probe }).probe = probe;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) probe.longTasks.push(e.duration);
    }).observe({ type: 'longtask' });
    // An inline callback: tsx would wrap a named function in a helper that does not exist in the page.
    new MutationObserver(() => {
      const completion = document.querySelector('[data-testid="completion"]');
      if (probe.doneAt === null && completion?.getAttribute('data-state') === 'done') probe.doneAt = performance.now();
      if (probe.doneAt === null || probe.settledAt !== null) return;
      const tokens = document.querySelectorAll('.token').length;
      const shown = Number(/\d+/.exec(document.getElementById('step-heading')?.textContent ?? '')?.[0] ?? -1);
      if (tokens > 0 && shown === tokens - 1 && document.querySelector('[data-testid="run-charts"] svg')) {
        probe.settledAt = performance.now();
        probe.onSettled?.();
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
}

/**
 * Durations (ms) of the top-level tasks on the main thread of the page's renderer, from a trace of the 'toplevel'
 * category. Only processes the trace names plain "Renderer" count: the busiest process was sometimes Chromium's
 * own "WebUI Top Renderer" (custom-element work, 0.4–1.2 s tasks), which then stood in for the page's opening.
 * Among renderers, the busiest one is the page's (the other one showed about:blank before the navigation).
 */
export function mainThreadTasks(trace: Buffer): number[] {
  type TraceEvent = { name: string; ph: string; pid: number; tid: number; ts: number; dur?: number; args?: { name?: string } };
  const events = (JSON.parse(trace.toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents;
  const ours = new Set(events.filter((e) => e.ph === 'M' && e.name === 'process_name' && e.args?.name === 'Renderer').map((e) => e.pid));
  if (ours.size === 0) throw new Error('the trace names no renderer process');
  const mainThreads = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain' && ours.has(e.pid)).map((e) => `${e.pid}:${e.tid}`));
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    if (e.ph !== 'X' || e.dur === undefined || !mainThreads.has(key) || !/^(ThreadControllerImpl::)?RunTask$/.test(e.name)) continue;
    const list = byThread.get(key);
    if (list) list.push(e);
    else byThread.set(key, [e]);
  }
  const runs = [...byThread.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  runs.sort((a, b) => a.ts - b.ts);
  const tasks: number[] = [];
  let end = -Infinity;
  for (const e of runs) {
    if (e.ts < end) continue;
    tasks.push(e.dur! / 1000);
    end = e.ts + e.dur!;
  }
  return tasks;
}

async function traced<T>(browser: Browser, page: Page, work: () => Promise<T>): Promise<{ result: T; tasks: number[] }> {
  await browser.startTracing(page, { categories: ['toplevel'] });
  const result = await work();
  return { result, tasks: mainThreadTasks(await browser.stopTracing()) };
}

async function measurePage(url: string, c: Case): Promise<Measured> {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: c.height } });
    await page.addInitScript(() => {
      const early: number[] = [];
      (window as unknown as { loadLongTasks: number[] }).loadLongTasks = early;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) early.push(e.duration);
      }).observe({ type: 'longtask' });
    });
    await watchModelReady(page);
    // Opening: every task from navigation to the model being ready, from a trace.
    const { result: readyMs, tasks: openingTasks } = await traced(browser, page, async () => {
      await page.goto(`${url}?lang=${c.lang}&max_new_tokens=${TOKENS}&${c.query}`);
      return modelReadyAt(page);
    });
    await page.getByTestId('model-ready').waitFor({ state: 'attached', timeout: 120_000 });
    await page.fill('[data-testid="prompt"]', c.prompt);
    const button = await page.getByTestId('generate').boundingBox();
    if (!button) throw new Error('no Generate button');
    // The pointer rests on the button before the trace starts, as a person's would before clicking.
    await page.mouse.move(button.x + button.width / 2, button.y + button.height / 2);
    await page.waitForTimeout(500);
    const loadLongTasks = await page.evaluate(() => [...(window as unknown as { loadLongTasks: number[] }).loadLongTasks]);
    await installProbe(page);
    const { result: probe, tasks } = await traced(browser, page, async () => {
      await page.mouse.down();
      await page.mouse.up();
      await page.evaluate(() => new Promise<void>((resolve) => {
        const probe = (window as unknown as { probe: Probe }).probe;
        if (probe.settledAt !== null) resolve();
        else probe.onSettled = resolve;
      }));
      await page.waitForTimeout(SETTLE_MS);
      return page.evaluate(() => (window as unknown as { probe: Probe }).probe);
    });
    const tokens = await page.locator('.token').count();
    return { tasks, longTasks: probe.longTasks, tokens, generateMs: probe.doneAt! - probe.startedAt, chartsLagMs: probe.settledAt! - probe.doneAt!, loadLongTasks, openingTasks, readyMs };
  } finally {
    await browser.close();
  }
}

type EngineApi = {
  load(source: unknown, device: string): Promise<{ type: string }[]>;
  generate(s: GenerateSettings): Promise<{ tokens: number[]; stepArrivalMs: number[] }>;
};

async function measureEngine(url: string, c: Case): Promise<Measured> {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(`${url}tests/e2e/pages/engine.html?patient=1`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
    await page.evaluate(() => (window as unknown as { logitlab: EngineApi }).logitlab.load({ kind: 'catalog', id: 'logitlab-tiny' }, 'auto'));
    await installProbe(page);
    const settings: GenerateSettings = {
      prompt: c.prompt, params: c.params, seed: c.seed, max_new_tokens: TOKENS, stop: [], ignore_eos: false, chat: false, topN: 30,
    };
    const { result: run, tasks } = await traced(browser, page, async () => {
      const summary = await page.evaluate((s) => (window as unknown as { logitlab: EngineApi }).logitlab.generate(s), settings);
      await page.waitForTimeout(SETTLE_MS);
      return summary;
    });
    const probe = await page.evaluate(() => (window as unknown as { probe: Probe }).probe);
    return { tasks, longTasks: probe.longTasks, tokens: run.tokens.length, generateMs: run.stepArrivalMs.at(-1) ?? 0, chartsLagMs: NaN, loadLongTasks: [], openingTasks: [], readyMs: NaN };
  } finally {
    await browser.close();
  }
}

function row(impl: string, c: Case, runs: Measured[]): BenchRow {
  const longest = runs.map((r) => Math.max(0, ...r.tasks));
  const over50 = runs.map((r) => r.tasks.filter((d) => d > 50).length);
  const api = runs.map((r) => Math.max(0, ...r.longTasks));
  const lags = runs.map((r) => r.chartsLagMs).filter(Number.isFinite);
  return {
    bench: 'playground', impl, case: c.name, tokens: median(runs.map((r) => r.tokens)), repeats: runs.length,
    longest_task_ms_max: round(Math.max(...longest), 0), longest_task_ms_median: round(median(longest), 0),
    tasks_over_50ms_median: median(over50), tasks_over_50ms_total: over50.reduce((a, b) => a + b, 0),
    longtask_api_ms_max: round(Math.max(...api), 0),
    generate_ms_median: round(median(runs.map((r) => r.generateMs)), 0),
    charts_lag_ms_median: lags.length ? round(median(lags), 0) : null,
    load_longtask_api_ms_max: impl === 'engine alone' ? null : round(Math.max(0, ...runs.flatMap((r) => r.loadLongTasks)), 0),
    // Opening the page: the longest main-thread task from navigation until the bundled model is ready (worst of the
    // repeats), and the time to ready (median).
    opening_longest_task_ms: impl === 'engine alone' ? null : round(Math.max(0, ...runs.flatMap((r) => r.openingTasks)), 0),
    opening_longest_task_ms_median: impl === 'engine alone' ? null : round(median(runs.map((r) => Math.max(0, ...r.openingTasks))), 0),
    ready_ms: impl === 'engine alone' ? null : round(median(runs.map((r) => r.readyMs)), 0),
  };
}

export async function runPlaygroundBench(): Promise<BenchRow[]> {
  const { server, url } = await startPreviewServer();
  const rows: BenchRow[] = [];
  try {
    const only = process.env.LOGITLAB_BENCH_PLAYGROUND_CASES;
    for (const c of CASES.filter((x) => !only || x.name.startsWith(only))) {
      const page: Measured[] = [];
      const engine: Measured[] = [];
      // Alternated, each in a fresh browser, so the first generation's one-off costs (fonts, JIT) count every time.
      for (let r = 0; r < REPEATS; r++) {
        page.push(await measurePage(url, c));
        engine.push(await measureEngine(url, c));
      }
      rows.push(row('playground page', c, page), row('engine alone', c, engine));
    }
  } finally {
    await server.close();
  }
  return rows;
}

// Soak: the production page in headless Chromium generating 2,000 steps in one session (ten runs of 200 tokens
// on the bundled model, after one warm-up run), with the JS heap of the inference and step observer workers read
// after a forced garbage collection before and after (through the DevTools protocol, which reaches workers).
// Flat heaps mean nothing a run leaves behind piles up; the page's own heap is printed beside them (it keeps every
// run for the history, so it is expected to grow).
import type { CDPSession, Page } from 'playwright-core';
import { launchBrowser, startPreviewServer } from '../../tests/e2e/harness';
import { round, type BenchRow } from './format';

const RUN_TOKENS = 200;
const RUNS = 10;

interface WorkerSession {
  sessionId: string;
  url: string;
}

/** Speaks to the page's workers through the page's DevTools session (non-flat attachment, message by message). */
class WorkerProbe {
  readonly workers: WorkerSession[] = [];
  private readonly replies = new Map<number, { result?: { usedSize?: number } ; error?: { message: string } }>();
  private nextId = 1;

  constructor(private readonly cdp: CDPSession) {
    cdp.on('Target.attachedToTarget', (e: { sessionId: string; targetInfo: { url: string; type: string } }) => {
      if (e.targetInfo.type === 'worker') this.workers.push({ sessionId: e.sessionId, url: e.targetInfo.url });
    });
    cdp.on('Target.receivedMessageFromTarget', (e: { message: string }) => {
      const reply = JSON.parse(e.message) as { id?: number; result?: { usedSize?: number }; error?: { message: string } };
      if (reply.id !== undefined) this.replies.set(reply.id, reply);
    });
  }

  async start(): Promise<void> {
    await this.cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  }

  private async send(sessionId: string, method: string): Promise<{ usedSize?: number }> {
    const id = this.nextId++;
    await this.cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params: {} }) });
    for (let i = 0; i < 600 && !this.replies.has(id); i++) await new Promise((r) => setTimeout(r, 50));
    const reply = this.replies.get(id);
    if (!reply?.result) throw new Error(`${method} in a worker: ${reply?.error?.message ?? 'no answer'}`);
    return reply.result;
  }

  /** The worker's used JS heap after a full collection, MB. */
  async heapMb(kind: 'inference' | 'observer'): Promise<number> {
    const pattern = kind === 'observer' ? /observerWorker/ : /\/worker[-.][^/]*js/;
    const worker = this.workers.find((w) => pattern.test(w.url));
    if (!worker) throw new Error(`no ${kind} worker among ${this.workers.map((w) => w.url).join(', ')}`);
    await this.send(worker.sessionId, 'HeapProfiler.collectGarbage');
    return (await this.send(worker.sessionId, 'Runtime.getHeapUsage')).usedSize! / 1e6;
  }
}

async function pageHeapMb(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  return ((await cdp.send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize / 1e6;
}

async function generateRun(page: Page, tokensBefore: number): Promise<void> {
  const runsBefore = await page.locator('[data-testid="history"] li').count();
  await page.getByTestId('generate').click();
  await page.waitForFunction((before) => document.querySelectorAll('[data-testid="history"] li').length > before
    && document.querySelector('[data-testid="completion"]')?.getAttribute('data-state') === 'done', runsBefore, { timeout: 600_000, polling: 250 });
  const tokens = await page.locator('.token').count();
  if (tokens !== RUN_TOKENS) throw new Error(`a soak run gave ${tokens} tokens, not ${RUN_TOKENS} (${tokensBefore} before)`);
}

export async function runSoakBench(): Promise<BenchRow[]> {
  const { server, url } = await startPreviewServer();
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const cdp = await page.context().newCDPSession(page);
    const probe = new WorkerProbe(cdp);
    await probe.start();
    // Sampled (a new seed each run), with the end-of-text token banned so every run is 200 steps long.
    await page.goto(`${url}?lang=en&max_new_tokens=${RUN_TOKENS}&logit_bias=0%3A-100&temperature=0.9&top_k=0&top_p=0.95`);
    await page.getByTestId('model-ready').waitFor({ timeout: 180_000 });
    await page.fill('[data-testid="prompt"]', 'The weather today is very');
    await generateRun(page, 0);
    const start = { inference: await probe.heapMb('inference'), observer: await probe.heapMb('observer'), page: await pageHeapMb(cdp) };
    const started = performance.now();
    for (let i = 0; i < RUNS; i++) {
      await page.getByRole('button', { name: /New seed/ }).click().catch(() => {});
      await generateRun(page, i * RUN_TOKENS);
    }
    const seconds = (performance.now() - started) / 1000;
    const end = { inference: await probe.heapMb('inference'), observer: await probe.heapMb('observer'), page: await pageHeapMb(cdp) };
    return [{
      bench: 'soak', steps: RUNS * RUN_TOKENS, warmup_steps: RUN_TOKENS, runs: RUNS,
      inference_heap_mb_start: round(start.inference, 2), inference_heap_mb_end: round(end.inference, 2),
      observer_heap_mb_start: round(start.observer, 2), observer_heap_mb_end: round(end.observer, 2),
      page_heap_mb_start: round(start.page, 2), page_heap_mb_end: round(end.page, 2),
      seconds: round(seconds, 1),
    }];
  } finally {
    await browser.close();
    await server.close();
  }
}

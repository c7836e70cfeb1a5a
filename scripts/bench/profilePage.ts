// What the page's long main-thread tasks are while it generates: a Chrome trace (rendering phases) and a sampled
// CPU profile (JS functions) of the main thread from the click on Generate until the run's last step is shown,
// then, for every task over a threshold, its time by trace event and by JS function (self and inclusive).
// With `load` last, the page's opening instead: from navigation until the model is ready and the idle-time warm-up ran.
// With `sweep` last, the bench's sweep link (the sweep_page row): from the sweep view's `running` until it ends.
// `LOGITLAB_E2E_MINIFY=false flock /tmp/logitlab-heavy.lock npx tsx scripts/bench/profilePage.ts [height] [lang] [threshold-ms] [runs] [load|sweep]`
import type { Page } from 'playwright-core';
import { launchBrowser, startPreviewServer } from '../../tests/e2e/harness';
import { modelReadyAt, watchModelReady } from './readyProbe';
import { SWEEP_PAGE_LINK } from './sweep';

const height = Number(process.argv[2] ?? 2600);
const lang = process.argv[3] ?? 'zh';
const threshold = Number(process.argv[4] ?? 30);
const runs = Number(process.argv[5] ?? 2);
const loading = process.argv[6] === 'load';
const sweeping = process.argv[6] === 'sweep';
const PROMPT = lang === 'zh' ? '今天天气非常' : 'After school the children';
const QUERY = `${process.env.QUERY ?? 'seed=9&temperature=0.9&top_k=0&top_p=0.95&min_p=0.05'}&max_new_tokens=48`;
const WAIT_MS = Number(process.env.WAIT_MS ?? 1500);
/** TRACE_ONLY=1: no CPU profile (starting one is itself a long task), trace events only. */
const traceOnly = process.env.TRACE_ONLY === '1';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }
type TraceEvent = { name: string; cat: string; ph: string; pid: number; tid: number; ts: number; dur?: number; args?: { name?: string; data?: Record<string, unknown> } };

async function waitForLastStep(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const done = document.querySelector('[data-testid="completion"]')?.getAttribute('data-state') === 'done';
    const tokens = document.querySelectorAll('.token').length;
    const shown = Number(/\d+/.exec(document.getElementById('step-heading')?.textContent ?? '')?.[0] ?? -1);
    return done && tokens > 0 && shown === tokens - 1;
  }, undefined, { timeout: 120_000, polling: 200 });
  await page.waitForTimeout(1000);
}

function report(trace: TraceEvent[], profile: Profile): void {
  const mainThreads = new Set(trace.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of trace) {
    const key = `${e.pid}:${e.tid}`;
    if (e.ph !== 'X' || e.dur === undefined || !mainThreads.has(key)) continue;
    byThread.set(key, [...(byThread.get(key) ?? []), e]);
  }
  const events = [...byThread.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  events.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const tasks: TraceEvent[] = [];
  let end = -Infinity;
  for (const e of events) {
    if (!/^(ThreadControllerImpl::)?RunTask$/.test(e.name) || e.ts < end) continue;
    tasks.push(e);
    end = e.ts + e.dur!;
  }
  // Profile samples on the trace clock (both are microseconds of the same monotonic clock).
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop() ?? ''}:${n.callFrame.lineNumber + 1}`;
  const samples: { ts: number; node: number; us: number }[] = [];
  let ts = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    ts += profile.timeDeltas[i];
    samples.push({ ts, node: profile.samples[i], us: profile.timeDeltas[i + 1] ?? 0 });
  }
  const long = tasks.filter((t) => t.dur! / 1000 > threshold && !events.some((e) => e.name === 'CpuProfiler::StartProfiling' && e.ts >= t.ts && e.ts < t.ts + t.dur!));
  process.stdout.write(`${tasks.length} tasks, longest ${(Math.max(0, ...tasks.map((t) => t.dur!)) / 1000).toFixed(1)} ms, ${long.length} over ${threshold} ms\n`);
  for (const task of long) {
    const from = task.ts;
    const to = task.ts + task.dur!;
    process.stdout.write(`\n### task at ${((from - tasks[0].ts) / 1000).toFixed(0)} ms: ${(task.dur! / 1000).toFixed(1)} ms\n`);
    // Trace events inside the task: top-level children by name (inclusive), nested ones by name too.
    const inside = events.filter((e) => e !== task && e.ts >= from && e.ts + e.dur! <= to);
    const byName = new Map<string, { us: number; n: number }>();
    for (const e of inside) {
      const k = e.name + (e.name === 'FunctionCall' || e.name === 'TimerFire' || e.name === 'EventDispatch' ? ` ${JSON.stringify(e.args?.data?.functionName ?? e.args?.data?.type ?? '')}` : '');
      const v = byName.get(k) ?? { us: 0, n: 0 };
      v.us += e.dur!;
      v.n++;
      byName.set(k, v);
    }
    for (const [k, v] of [...byName].sort((a, b) => b[1].us - a[1].us).slice(0, 14)) process.stdout.write(`  trace ${(v.us / 1000).toFixed(1).padStart(6)} ms ×${v.n}  ${k}\n`);
    // The nesting of the events over 1 ms, with what forced a layout (its JS stack) and how much it laid out.
    const open: TraceEvent[] = [];
    for (const e of inside) {
      if (e.dur! < 1000) continue;
      while (open.length > 0 && e.ts >= open[open.length - 1].ts + open[open.length - 1].dur!) open.pop();
      open.push(e);
      const data = (e.args as { beginData?: { stackTrace?: { functionName: string; lineNumber: number }[]; dirtyObjects?: number; totalObjects?: number } } | undefined)?.beginData;
      const stack = data?.stackTrace?.slice(0, 4).map((f) => `${f.functionName}:${f.lineNumber}`).join(' < ') ?? '';
      const objects = data?.dirtyObjects !== undefined ? ` dirty ${data.dirtyObjects}/${data.totalObjects}` : '';
      const fn = e.args?.data?.functionName ?? e.args?.data?.type ?? '';
      process.stdout.write(`  ${'  '.repeat(open.length)}${(e.dur! / 1000).toFixed(1)} ${e.name} ${fn}${objects} ${stack}\n`);
    }
    const self = new Map<string, number>();
    const inclusive = new Map<string, number>();
    for (const s of samples) {
      if (s.ts < from || s.ts > to) continue;
      const chain: ProfileNode[] = [];
      for (let id: number | undefined = s.node; id !== undefined; id = parent.get(id)) chain.push(byId.get(id)!);
      self.set(keyOf(chain[0]), (self.get(keyOf(chain[0])) ?? 0) + s.us);
      for (const k of new Set(chain.map(keyOf))) inclusive.set(k, (inclusive.get(k) ?? 0) + s.us);
    }
    for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 12)) process.stdout.write(`  self  ${(us / 1000).toFixed(1).padStart(6)} ms  ${k}\n`);
    for (const [k, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 20)) process.stdout.write(`  incl  ${(us / 1000).toFixed(1).padStart(6)} ms  ${k}\n`);
  }
}

const { server, url } = await startPreviewServer();
try {
  for (let r = 0; r < runs; r++) {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height } });
      const cdp = await page.context().newCDPSession(page);
      const start = async () => {
        await browser.startTracing(page, { categories: ['toplevel', 'devtools.timeline', 'blink', 'v8', 'disabled-by-default-devtools.timeline'] });
        if (traceOnly) return;
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
        await cdp.send('Profiler.start');
      };
      if (sweeping) {
        // Profiling starts as the view says `running` (a few ms after, as the bench's own watch does).
        const state = `document.querySelector('[data-testid="sweep"]')?.getAttribute('data-state')`;
        await page.goto(`${url}?lang=${lang}&${SWEEP_PAGE_LINK}`);
        await page.waitForFunction(`${state} === 'running'`, undefined, { timeout: 300_000, polling: 20 });
        await start();
        await page.waitForFunction(`['completion', 'cancelled', 'error'].includes(${state})`, undefined, { timeout: 600_000, polling: 100 });
        await page.waitForTimeout(500);
      } else {
        await watchModelReady(page);
        if (loading) await start();
        await page.goto(`${url}?lang=${lang}&${QUERY}`);
        if (loading) await modelReadyAt(page);
        await page.getByTestId('model-ready').waitFor({ timeout: 120_000 });
        await page.fill('[data-testid="prompt"]', PROMPT);
        await page.waitForTimeout(loading ? 3000 : WAIT_MS);
        if (!loading) {
          await start();
          await page.getByTestId('generate').click();
          await waitForLastStep(page);
        }
      }
      const empty: Profile = { nodes: [], samples: [], timeDeltas: [], startTime: 0, endTime: 0 };
      const { profile } = traceOnly ? { profile: empty } : ((await cdp.send('Profiler.stop')) as unknown as { profile: Profile });
      const trace = JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: TraceEvent[] };
      process.stdout.write(`\n======== run ${r + 1}\n`);
      report(trace.traceEvents, profile);
    } finally {
      await browser.close();
    }
  }
} finally {
  await server.close();
}

// Where a decode step's time goes inside the inference worker and inside transformers.js's own generate() in
// its worker (the benchmark's peer): a sampled CPU profile of each worker through CDP, per step, by origin
// (wasm = the runtime's kernels), by function with callees (inclusive) and without (self).
// `LOGITLAB_E2E_MINIFY=false flock /tmp/logitlab-heavy.lock npx tsx scripts/bench/profileWorker.ts [wasm-threads] [tokens] [runs]`
import type { CDPSession } from 'playwright-core';
import { DEFAULT_PARAMS } from '../../src/core';
import type { CompareRow, GenerateSettings } from '../../src/engine/protocol';
import { launchBrowser, startPreviewServer } from '../../tests/e2e/harness';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }
type Api = {
  load(source: unknown, device: string, threads?: number, dtype?: string): Promise<{ type: string }[]>;
  generate(s: GenerateSettings): Promise<{ tokens: number[]; stepArrivalMs: number[]; forwardMs: number[] }>;
  transformersGenerate(prompt: string, n: number, threads: number, device: string): Promise<{ tokenTimes: number[]; tokens: number }>;
  compare(prompt: string, rows: CompareRow[], forceSequential?: boolean): Promise<{ ms: number; mode: string; tokens: number[][] }>;
  sweepRows(prompt: string, rows: CompareRow[], rowsPerBatch: number): Promise<{ ms: number }>;
};

const threads = Number(process.argv[2] ?? 1);
const tokens = Number(process.argv[3] ?? 200);
const runs = Number(process.argv[4] ?? 5);
const PROMPT = 'The weather today is very';
/** With LOGITLAB_PROFILE_COMPARE_ROWS=n, our worker runs comparisons of n sampled rows instead of single runs. */
const compareRows = Number(process.env.LOGITLAB_PROFILE_COMPARE_ROWS ?? 0);
/** With LOGITLAB_PROFILE_SWEEP_LIKE=1, those rows also vary top_p (0.5–1) and keep the default top_k, as the sweep bench's grid does. */
const sweepLike = process.env.LOGITLAB_PROFILE_SWEEP_LIKE === '1';

/** A CDP channel to one attached target through the (non-flattened) root session. */
class TargetChannel {
  private nextId = 1;
  private readonly waiting = new Map<number, (r: { result?: unknown; error?: unknown }) => void>();
  constructor(private readonly root: CDPSession, readonly url: string, readonly sessionId: string) {}
  deliver(message: string): void {
    const m = JSON.parse(message) as { id?: number; result?: unknown; error?: unknown };
    if (m.id !== undefined) this.waiting.get(m.id)?.(m);
  }
  async send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    const answer = new Promise<{ result?: unknown; error?: unknown }>((resolve) => this.waiting.set(id, resolve));
    await this.root.send('Target.sendMessageToTarget', { sessionId: this.sessionId, message: JSON.stringify({ id, method, params }) });
    const r = await answer;
    if (r.error) throw new Error(`${method}: ${JSON.stringify(r.error)}`);
    return r.result as T;
  }
}

function summarize(label: string, profile: Profile, steps: number): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop() ?? ''}:${n.callFrame.lineNumber + 1}`;
  const selfTime = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i + 1] ?? 0;
    const leaf = byId.get(profile.samples[i])!;
    const chain: ProfileNode[] = [];
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) chain.push(byId.get(id)!);
    const f = leaf.callFrame;
    if (f.functionName === '(idle)') continue;
    total += us;
    selfTime.set(keyOf(leaf), (selfTime.get(keyOf(leaf)) ?? 0) + us);
    for (const k of new Set(chain.map(keyOf))) inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    const file = f.url.split('/').pop() ?? '';
    const origin = f.url.includes('.wasm') || /^wasm-function|^\$/.test(f.functionName) ? 'wasm'
      : f.functionName.startsWith('(') ? f.functionName : file || `native ${f.functionName}`;
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + us);
  }
  const line = (k: string, us: number) => `  ${(us / 1000 / steps).toFixed(4).padStart(8)} ms/step ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`;
  process.stdout.write(`\n## ${label}: ${(total / 1000 / steps).toFixed(3)} ms busy per step (${steps} steps)\n by origin (self):\n`);
  for (const [k, us] of [...byOrigin].sort((a, b) => b[1] - a[1]).slice(0, 10)) process.stdout.write(line(k, us) + '\n');
  process.stdout.write(' inclusive (non-wasm frames):\n');
  for (const [k, us] of [...inclusive].filter(([k]) => !k.startsWith('wasm-function')).sort((a, b) => b[1] - a[1]).slice(0, 45)) process.stdout.write(line(k, us) + '\n');
  process.stdout.write(' self:\n');
  for (const [k, us] of [...selfTime].sort((a, b) => b[1] - a[1]).slice(0, 25)) process.stdout.write(line(k, us) + '\n');
}

const { server, url } = await startPreviewServer();
const browser = await launchBrowser({ optimizedWasm: true });
try {
  const page = await browser.newPage();
  const root = await page.context().newCDPSession(page);
  const channels = new Map<string, TargetChannel>();
  const attached: TargetChannel[] = [];
  root.on('Target.receivedMessageFromTarget', (e: { sessionId: string; message: string }) => channels.get(e.sessionId)?.deliver(e.message));
  root.on('Target.attachedToTarget', (e: { sessionId: string; targetInfo: { targetId: string; type: string; url: string }; waitingForDebugger: boolean }) => {
    const channel = new TargetChannel(root, e.targetInfo.url, e.sessionId);
    channels.set(e.sessionId, channel);
    if (e.targetInfo.type === 'worker') attached.push(channel);
    process.stderr.write(`attached ${e.targetInfo.type} ${e.targetInfo.url}\n`);
    if (e.waitingForDebugger) void channel.send('Runtime.runIfWaitingForDebugger');
  });
  await root.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  await page.goto(`${url}tests/e2e/pages/engine.html?patient=1`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
  const loadEvents = await page.evaluate(([t]) => (window as unknown as { logitlab: Api }).logitlab.load({ kind: 'catalog', id: 'logitlab-tiny' }, 'wasm', t, 'fp32'), [threads]);
  if (!loadEvents.some((e) => e.type === 'loaded')) throw new Error(`load failed: ${JSON.stringify(loadEvents.at(-1))}`);
  const settings: GenerateSettings = {
    prompt: PROMPT, params: { ...DEFAULT_PARAMS, temperature: 0 }, seed: 1, max_new_tokens: tokens, stop: [], ignore_eos: true, chat: false, topN: 30,
  };
  const rows: CompareRow[] = Array.from({ length: compareRows }, (_, i) => ({
    lane: i, sample: 0, params: { ...DEFAULT_PARAMS, temperature: 0.3 + 0.2 * (i % 8), top_k: sweepLike ? DEFAULT_PARAMS.top_k : 0, top_p: sweepLike ? 0.5 + 0.1 * (Math.floor(i / 8) % 6) : 1 }, seed: 1 + i, max_new_tokens: tokens, stop: [], ignore_eos: true,
  }));
  const runOurs = async (): Promise<number> => {
    if (compareRows > 0) {
      // Sweep-like rows go as the sweep sends them: read back whole, no text streamed.
      const c = await page.evaluate(([p, r, whole]) => {
        const api = (window as unknown as { logitlab: Api }).logitlab;
        return whole ? api.sweepRows(p as string, r as CompareRow[], (r as CompareRow[]).length) : api.compare(p as string, r as CompareRow[]);
      }, [PROMPT, rows, sweepLike] as const);
      return c.ms / tokens;
    }
    const a = (await page.evaluate((x) => (window as unknown as { logitlab: Api }).logitlab.generate(x), settings)).stepArrivalMs;
    return (a.at(-1)! - a[0]) / (a.length - 1);
  };
  for (let r = 0; r < 3; r++) await runOurs();
  const engine = attached.find((c) => /\/worker[-.]/.test(c.url));
  if (!engine) throw new Error('the engine worker did not attach');
  await engine.send('Profiler.enable');
  await engine.send('Profiler.setSamplingInterval', { interval: 50 });
  await engine.send('Profiler.start');
  const intervals: number[] = [];
  for (let r = 0; r < runs; r++) intervals.push(await runOurs());
  const { profile } = await engine.send<{ profile: Profile }>('Profiler.stop');
  process.stdout.write(`ours${compareRows > 0 ? ` (comparison of ${compareRows} rows, whole run ÷ tokens)` : ''}: ms/step ${intervals.map((x) => x.toFixed(3)).join(' ')}\n`);
  summarize('our worker', profile, runs * (tokens - 1));

  // A comparison has no peer in transformers.js: only our worker is profiled then.
  if (compareRows === 0) {
    // The peer runs in a fresh worker per call: profile it from its attach on, counting only samples inside generate().
    // The peer's worker starts with its first generate() and then stays: warm it, then profile its runs.
    const peerIntervals: number[] = [];
    const runPeer = () => page.evaluate(([p, n, t]) => (window as unknown as { logitlab: Api }).logitlab.transformersGenerate(p as string, n as number, t as number, 'wasm'), [PROMPT, tokens, threads]);
    const before = attached.length;
    for (let r = 0; r < 3; r++) await runPeer();
    const peer = attached.slice(before).find((c) => c.url.includes('tjsWorker'));
    if (!peer) throw new Error('the transformers.js worker did not attach');
    await peer.send('Profiler.enable');
    await peer.send('Profiler.setSamplingInterval', { interval: 50 });
    await peer.send('Profiler.start');
    for (let r = 0; r < runs; r++) {
      const t = (await runPeer()).tokenTimes;
      peerIntervals.push((t.at(-1)! - t[0]) / (t.length - 1));
    }
    const { profile: peerProfile } = await peer.send<{ profile: Profile }>('Profiler.stop');
    process.stdout.write(`\ntransformers.js: ms/step from token callbacks ${peerIntervals.map((x) => x.toFixed(3)).join(' ')}\n`);
    summarize('transformers.js worker', peerProfile, runs * (tokens - 1));
  }
} finally {
  await browser.close();
  await server.close();
}

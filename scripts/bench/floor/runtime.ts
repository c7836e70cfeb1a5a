// The page's side of the runtime floor: start the worker, keep what it reports, with the time since navigation.
const worker = new Worker(new URL('./runtimeWorker.ts', import.meta.url), { type: 'module' });
worker.onmessage = (e: MessageEvent<{ fetchMs: number; sessionMs: number }>) => {
  (window as unknown as { floor: unknown }).floor = { ...e.data, readyMs: performance.now() };
};

// Entry point: state from the URL, the bundled model loading in the worker, then the page (ui/mountPage.ts).
import { browserLang } from './ui/i18n/lang';
import { keepUrlInSync, readUrlIntoStore } from './ui/urlSync';
import { compare, generate, inspect, loadModelFromLink } from './store/engineBridge';
import { useStore } from './store/store';
import { startSweep } from './store/sweepBridge';

const { run, step, compare: compareLink, sweep } = readUrlIntoStore(location.search, browserLang(), location.hash);
keepUrlInSync();
loadModelFromLink();
if (run) {
  // run=1: generate (or, with lanes, compare; with a sweep, run the sweep) as soon as the model is ready.
  const stopWatching = useStore.subscribe((s) => {
    if (s.modelStatus === 'ready') {
      stopWatching();
      if (sweep) {
        void startSweep();
        return;
      }
      if (compareLink) {
        compare();
        return;
      }
      generate();
      if (step !== null) {
        // step=n: open that step once the run has it.
        const stopWaiting = useStore.subscribe((after) => {
          if (after.genState === 'running') return;
          stopWaiting();
          const shown = after.currentRunId !== null ? after.runs[after.currentRunId] : undefined;
          if (shown && step < shown.steps.length) void inspect(step);
        });
      }
    } else if (s.modelStatus === 'error') stopWatching();
  });
}

// The page comes in a chunk of its own (ui/mountPage.ts), evaluated in a later task: the opening is a row of
// short main-thread tasks, not one long one, and the model's worker starts first.
setTimeout(() => {
  const root = document.getElementById('root')!;
  import('./ui/mountPage').then(({ mountPage }) => mountPage(root)).catch((error: unknown) => showUnloaded(root, error));
}, 0);

/**
 * A part of the page that did not arrive (the network dropped, or a new version replaced the files) leaves a
 * message and a way back instead of a blank page. Plain DOM in both languages: i18next and React may be what failed.
 */
function showUnloaded(root: HTMLElement, error: unknown): void {
  const zh = useStore.getState().lang === 'zh';
  const box = document.createElement('div');
  box.setAttribute('role', 'alert');
  box.className = 'error';
  const text = document.createElement('p');
  text.textContent = zh
    ? `页面的一部分没有加载成功（${error instanceof Error ? error.message : String(error)}）。你的设置保存在链接里：重新加载即可继续。`
    : `Part of the page did not load (${error instanceof Error ? error.message : String(error)}). Your settings are in the link: reload to carry on.`;
  const reload = document.createElement('button');
  reload.type = 'button';
  reload.textContent = zh ? '重新加载' : 'Reload';
  reload.addEventListener('click', () => location.reload());
  box.append(text, reload);
  root.replaceChildren(box);
}

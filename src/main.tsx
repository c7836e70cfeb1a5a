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
  void import('./ui/mountPage').then(({ mountPage }) => mountPage(document.getElementById('root')!));
}, 0);

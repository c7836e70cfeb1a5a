// Entry point: state from the URL, i18n, the bundled model loading in the worker, then the page.
import { StrictMode, startTransition } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { browserLang, initI18n } from './ui/i18n';
import { keepUrlInSync, readUrlIntoStore } from './ui/urlSync';
import { compare, generate, inspect, loadModelFromLink } from './store/engineBridge';
import { useStore } from './store/store';
import { startSweep } from './store/sweepBridge';
import './ui/styles.css';

const { run, step, compare: compareLink, sweep } = readUrlIntoStore(location.search, browserLang(), location.hash);
initI18n(useStore.getState().lang);
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

// A transition: React renders the page in slices of a few milliseconds, yielding between them, instead of one
// long task while the model's worker starts.
const root = createRoot(document.getElementById('root')!);
startTransition(() => {
  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
});

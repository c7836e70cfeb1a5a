// Entry point: state from the URL, i18n, the bundled model loading in the worker, then the page.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { browserLang, initI18n } from './ui/i18n';
import { keepUrlInSync, readUrlIntoStore } from './ui/urlSync';
import { generate, loadModel } from './store/engineBridge';
import { useStore } from './store/store';
import { startSweep } from './store/sweepBridge';
import './ui/styles.css';

const { run, sweep } = readUrlIntoStore(location.search, browserLang());
initI18n(useStore.getState().lang);
keepUrlInSync();
loadModel();
if (run) {
  // run=1: generate (or run the link's sweep) as soon as the model is ready.
  const stopWatching = useStore.subscribe((s) => {
    if (s.modelStatus === 'ready') {
      stopWatching();
      if (sweep) void startSweep();
      else generate();
    } else if (s.modelStatus === 'error') stopWatching();
  });
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// Entry point: state from the URL, i18n, the bundled model loading in the worker, then the page.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { browserLang, initI18n } from './ui/i18n';
import { keepUrlInSync, readUrlIntoStore } from './ui/urlSync';
import { generate, loadModelFromLink } from './store/engineBridge';
import { useStore } from './store/store';
import './ui/styles.css';

const { run } = readUrlIntoStore(location.search, browserLang(), location.hash);
initI18n(useStore.getState().lang);
keepUrlInSync();
loadModelFromLink();
if (run) {
  // run=1: generate as soon as the model is ready.
  const stopWatching = useStore.subscribe((s) => {
    if (s.modelStatus === 'ready') {
      stopWatching();
      generate();
    } else if (s.modelStatus === 'error') stopWatching();
  });
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

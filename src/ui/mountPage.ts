// The page itself: i18next, React and every panel, in chunks of their own that main.tsx's opening imports one
// after another. Evaluating a chunk is one main-thread task; several smaller chunks, each evaluated in a task of
// its own with the page free to answer input between them, keep every task of the opening short.
import { nextTask } from '../store/nextTask';
import { useStore } from '../store/store';

/**
 * i18next (and the page's strings), its first translation, React's DOM renderer and then the page's components,
 * each in a task of its own; then React renders the page's frame in a transition (slices of a few milliseconds),
 * and each panel mounts in a later task (Progressive.tsx).
 */
export async function mountPage(root: HTMLElement): Promise<void> {
  const i18n = await import('./i18n');
  await nextTask();
  i18n.initI18n(useStore.getState().lang);
  await nextTask();
  i18n.warmI18n();
  await nextTask();
  const { createRoot } = await import('react-dom/client');
  await nextTask();
  const [{ renderPage }] = await Promise.all([import('./renderPage'), import('./styles.css')]);
  await nextTask();
  renderPage(createRoot(root));
  setTimeout(i18n.warmIntl, 0);
}

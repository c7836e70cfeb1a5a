// The moment the model's ready line appears, watched from inside the page: Playwright's own polling (locator
// checks, waitForFunction) runs forced layouts in the page that a trace of the opening would count as its tasks.
import type { Page } from 'playwright-core';

/** Before navigation: the page keeps `window.readyAt`, a promise of performance.now() when the ready line appears. */
export async function watchModelReady(page: Page): Promise<void> {
  // Inline callbacks only: tsx would wrap a named function in a helper that does not exist in the page.
  await page.addInitScript(() => {
    const w = window as unknown as { readyAt: Promise<number> };
    w.readyAt = new Promise<number>((resolve) => {
      new MutationObserver((_, observer) => {
        if (document.querySelector('[data-testid="model-ready"]')) {
          observer.disconnect();
          resolve(performance.now());
        }
      }).observe(document, { subtree: true, childList: true });
    });
  });
}

/** When the ready line appeared (performance.now() in the page), once it has. */
export function modelReadyAt(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { readyAt: Promise<number> }).readyAt);
}

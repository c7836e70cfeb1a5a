import { describe, expect, it } from 'vitest';
import { setupE2eApp } from './appHarness';

describe('page smoke', () => {
  const app = setupE2eApp({ server: 'dev' });

  it('serves a cross-origin isolated page that renders the app', async () => {
    const page = await app.browser.newPage();
    await page.goto(app.url);
    await page.getByRole('heading', { name: 'LogitLab' }).waitFor();
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await page.close();
  });

  it('opens in parts: the header first, then each panel in a later commit, until every panel is on the page', async () => {
    const page = await app.browser.newPage();
    // Which DOM mutation batch (one per commit: a MutationObserver callback runs once per task) added each part.
    await page.addInitScript(() => {
      const firstSeen: Record<string, number> = {};
      (window as unknown as { firstSeen: Record<string, number> }).firstSeen = firstSeen;
      const parts: Record<string, string> = {
        header: 'header h1', prompt: '[data-testid="prompt"]', completion: '[data-testid="completion"]',
        order: '[data-testid="order"]', bias: '[data-testid="logit-bias"]', stops: '[data-testid="stops"]', export: '[data-testid="export"]',
      };
      let batch = 0;
      new MutationObserver(() => {
        batch++;
        for (const [name, selector] of Object.entries(parts)) {
          if (firstSeen[name] === undefined && document.querySelector(selector)) firstSeen[name] = batch;
        }
      }).observe(document, { subtree: true, childList: true });
    });
    await page.goto(app.url);
    // Every panel ends up on the page, without waiting for the model.
    for (const id of ['prompt', 'generate', 'completion', 'order', 'logit-bias', 'stops', 'seed', 'export', 'more-samplers']) {
      await page.getByTestId(id).waitFor({ state: 'attached', timeout: 10_000 });
    }
    const firstSeen = await page.evaluate(() => (window as unknown as { firstSeen: Record<string, number> }).firstSeen);
    // Not one commit for the whole page: the frame comes first and the settings' parts come in commits of their own.
    expect(firstSeen.header).toBeLessThan(firstSeen.prompt);
    expect(firstSeen.prompt).toBeLessThan(firstSeen.order);
    expect(firstSeen.order).toBeLessThan(firstSeen.bias);
    expect(firstSeen.bias).toBeLessThan(firstSeen.stops);
    await page.close();
  });

  it('shows a panel at once when the mode changes after the opening', async () => {
    const page = await app.browser.newPage();
    await page.goto(app.url);
    await page.locator('.app[data-opened="true"]').waitFor({ state: 'attached', timeout: 10_000 });
    await page.getByTestId('mode-toy').click();
    await page.getByTestId('mode-model').click();
    // After the opening a panel mounts with the page's commit, not in a later task.
    expect(await page.getByTestId('prompt').count()).toBe(1);
    await page.close();
  });
});

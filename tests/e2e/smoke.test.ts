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
});

// DRY, top-nσ and XTC from a shared link on the bundled model, in headless Chromium: the stage table lists them
// (every row named by data-stage), their notes say what they did, the run chart offers their state, the same seed
// gives the same text again (XTC's coin comes from the run's generator), and a bad value opens with a notice.
import { describe, expect, it } from 'vitest';
import { generateText, setupE2eApp, watchErrors } from './appHarness';

const app = setupE2eApp();

const LINK = '?lang=en&prompt=The%20weather%20today%20is%20very&seed=5&max_new_tokens=16'
  + '&dry_multiplier=0.8&xtc_probability=0.5&top_n_sigma=1';

const openPage = (query: string) => app.openPage(query, { readyTimeout: 300_000 });

describe('more samplers in the page', () => {
  it('a link with dry_multiplier, xtc_probability and top_n_sigma runs, and the stage table lists DRY, top-nσ and XTC', async () => {
    const page = await openPage(LINK);
    const errors = watchErrors(page);
    await expect(page.locator('#param-dry_multiplier').inputValue()).resolves.toBe('0.8');
    await expect(page.locator('#param-xtc_probability').inputValue()).resolves.toBe('0.5');
    await expect(page.locator('#param-top_n_sigma').inputValue()).resolves.toBe('1');
    const text = await generateText(page, 300_000);
    expect(text.length).toBeGreaterThan(0);

    const funnel = page.getByTestId('funnel');
    await funnel.waitFor();
    const stages = await funnel.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-stage')));
    expect(stages).toEqual(expect.arrayContaining(['raw', 'dry', 'top_n_sigma', 'xtc', 'draw']));
    expect(stages.every((s) => typeof s === 'string' && /^[a-z_]+$/.test(s))).toBe(true);
    expect(stages.indexOf('dry')).toBeLessThan(stages.indexOf('top_n_sigma'));
    // The rows read as people name them.
    await expect(funnel.locator('tr[data-stage="top_n_sigma"] button').textContent()).resolves.toBe('Top-nσ');

    // Each stage's note: top-nσ's line on the logit axis, XTC's coin.
    await funnel.locator('tr[data-stage="top_n_sigma"] button').click();
    const note = page.locator('[data-testid="sampler-note"][data-stage="top_n_sigma"]');
    await expect(note.textContent()).resolves.toMatch(/M − nσ = -?\d/);
    await expect(note.locator('svg.logit-strip').count()).resolves.toBe(1);
    await funnel.locator('tr[data-stage="xtc"] button').click();
    await expect(page.locator('[data-testid="sampler-note"][data-stage="xtc"]').textContent()).resolves.toMatch(/coin 0\.\d{3}/);

    // The run chart offers DRY's repeat length and XTC's coin, each switchable.
    const dry = page.getByTestId('run-series-dry').locator('input');
    await expect(dry.isChecked()).resolves.toBe(true);
    await expect(page.locator('[data-testid="run-charts"] path[data-series="dry"]').count()).resolves.toBe(1);
    await dry.uncheck();
    await expect(page.locator('[data-testid="run-charts"] path[data-series="dry"]').count()).resolves.toBe(0);
    await expect(page.locator('[data-testid="run-charts"] circle[data-series="xtc"]').count()).resolves.toBeGreaterThan(0);

    // Same seed, same settings: the same text, XTC's coins included.
    expect(await generateText(page, 300_000)).toBe(text);
    expect(errors).toEqual([]);
    await page.close();
  }, 900_000);

  it('breakers travel as a JSON array, a partial order completes, and a value out of range opens with a notice', async () => {
    const breakers = encodeURIComponent(JSON.stringify(['\n', 'the']));
    const page = await openPage(`?lang=en&dry_multiplier=1&dry_sequence_breakers=${breakers}&order=xtc,top_k&top_n_sigma=20`);
    const errors = watchErrors(page);
    const shown = await page.getByTestId('param-dry_sequence_breakers').locator('li code').allTextContents();
    expect(shown).toEqual(['"\\n"', '"the"']);
    const order = await page.getByTestId('order').locator('li code').allTextContents();
    expect(order.slice(0, 2)).toEqual(['xtc', 'top_k']);
    expect(order).toHaveLength(9);
    await expect(page.getByText(/top_n_sigma = "20"/).count()).resolves.toBeGreaterThan(0);
    await expect(page.locator('#param-top_n_sigma').inputValue()).resolves.toBe('0');
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);
});

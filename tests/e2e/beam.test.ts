// Beam search in the page, driven as a person would: a shared link with num_beams=3 runs by itself, the beam tree
// shows 3 kept beams a step, dropped and finished candidates and the winner; the completion is the best
// hypothesis (computed in Node, independently of the page); a node opens its step in the step panel; 中文 too.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { setupE2eApp, waitDone, watchErrors } from './appHarness';
import { linkSettings } from './linkSettings';
import { DEFAULT_PARAMS } from '../../src/core';
import { TransformersBatchRunner } from '../../src/engine/batchRunner';
import { BeamRunner } from '../../src/engine/beamRun';
import { loadModel } from '../../src/engine/modelLoader';

const PROMPT = 'The weather today is very';
const LINK = `?prompt=${encodeURIComponent(PROMPT)}&num_beams=3&max_new_tokens=8&run=1`;
const app = setupE2eApp();

/** The best hypothesis and its steps, in Node: the page's defaults with three beams. */
async function beamInNode() {
  const loaded = await loadModel({ source: { kind: 'catalog', id: 'logitlab-tiny' }, device: 'cpu', localModelPath: 'public/models/' });
  const runner = new BeamRunner(new TransformersBatchRunner(loaded.model, loaded.vocabSize), loaded.codec, loaded.eosIds, loaded.contextLength);
  const settings = { prompt: PROMPT, params: { ...DEFAULT_PARAMS }, seed: 1, max_new_tokens: 8, stop: [], ignore_eos: false, chat: false, topN: 30 };
  const record = await runner.run(1, settings, { num_beams: 3, length_penalty: 1, early_stopping: true, num_return_sequences: 1, max_new_tokens: 8 }, loaded.codec.encode(PROMPT), { isCancelled: () => false, onStep: () => undefined });
  return { best: runner.hypothesesOf(record)[0], steps: record.steps.length };
}

async function openDone(query: string): Promise<Page> {
  // Loading the runtime takes minutes when the shared machine is busy.
  const page = await app.openPage(query, { readyTimeout: 400_000 });
  await waitDone(page, 120_000);
  return page;
}

describe('beam search in the page', { timeout: 600_000 }, () => {
  it('a link with num_beams=3 finishes, draws 3 beams a step, and shows the best hypothesis as the completion', async () => {
    const expected = await beamInNode();
    const page = await openDone(`${LINK}&lang=en`);
    const errors = watchErrors(page);
    const tree = page.getByTestId('beam-tree');
    await tree.waitFor();
    expect(await tree.getAttribute('data-steps')).toBe(String(expected.steps));
    for (let s = 0; s < expected.steps; s++) expect(await page.locator(`[data-testid="beam-node"][data-step="${s}"]`).count()).toBe(3);
    expect(await page.getByTestId('beam-dropped').count()).toBeGreaterThan(0);
    const finished = page.getByTestId('beam-finished');
    expect(await finished.count()).toBeGreaterThan(0);
    for (const score of await finished.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-score'))))) expect(Number.isFinite(score)).toBe(true);
    // The winner: its path is highlighted at every step it ran, and it is the completion.
    const winners = await page.locator('[data-testid="beam-node"][data-winner="true"]').count();
    expect(winners).toBe(expected.best.path.length);
    expect(await page.locator('[data-testid="completion"] .generated').textContent()).toBe(expected.best.text);
    expect(await page.getByTestId('beam-hypothesis').first().textContent()).toContain(expected.best.text);
    // The link keeps the beam settings.
    expect(linkSettings(page.url()).get('num_beams')).toBe('3');
    expect(errors).toEqual([]);
  });

  it('a click on a beam that lost opens that beam\'s step in the step panel', async () => {
    const page = await openDone(`${LINK}&lang=en`);
    const loser = page.locator('[data-testid="beam-node"][data-step="1"]:not([data-winner])').first();
    const token = (await loser.locator('.beam-token').textContent()) ?? '';
    await loser.click();
    await expect.poll(() => page.locator('#step-heading').textContent(), { timeout: 20_000 }).toContain(`Step 1: ${token}`);
    expect(await loser.getAttribute('class')).toContain('focused');
    await page.getByTestId('step-panel').locator('svg').first().waitFor();
  });

  it('reads in Chinese, with the help of every beam knob', async () => {
    const page = await openDone(`${LINK}&lang=zh`);
    expect(await page.locator('#beam-tree-heading').textContent()).toContain('束搜索树');
    const help = page.getByTestId('param-num_beams').locator('details');
    await help.locator('summary').click();
    expect(await help.textContent()).toMatch(/束搜索.*贪婪解码/s);
    expect(await page.getByTestId('param-early_stopping').textContent()).toMatch(/提前停止.*max_new_tokens/s);
  });

  it('refuses a bad beam value in a link with a notice and runs with the default', async () => {
    const page = await app.openPage('?num_beams=12&num_return_sequences=2&lang=en', { viewport: { width: 1024, height: 768 } });
    const notices = page.locator('.notices');
    await expect.poll(() => notices.textContent(), { timeout: 20_000 }).toContain('num_beams');
    expect(await notices.textContent()).toContain('num_return_sequences');
    expect(await page.locator('#param-num_beams').inputValue()).toBe('1');
  });
});

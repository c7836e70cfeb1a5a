// The compare view driven as a person would: a shared link with lanes runs by itself; every lane ends done with
// its metrics; a greedy lane sampled nothing (logprob_sampled 0); two lanes with the same settings and seed have
// the same text; K = 8 samples show as a token tree of 8; a lane's token opens its step in the step panel; a
// num_beams=3 lane runs as a beam search beside a greedy lane and shows the beam run's text and metrics.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { generatedText, setupE2eApp, waitDone } from './appHarness';
import { linkSettings } from './linkSettings';
import { DEFAULT_PARAMS } from '../../src/core';
import { TransformersBatchRunner } from '../../src/engine/batchRunner';
import { BeamRunner } from '../../src/engine/beamRun';
import { loadModel } from '../../src/engine/modelLoader';

const app = setupE2eApp();

async function openDone(query: string): Promise<Page> {
  const { page, errors } = await app.openWatchedPage(query);
  await page.locator('[data-testid="compare"][data-state="done"]').waitFor({ timeout: 360_000 });
  expect(errors).toEqual([]);
  return page;
}

const metric = (page: Page, lane: number, name: string) =>
  page.locator(`[data-metric="${name}"][data-lane="${lane}"]`).getAttribute('data-value').then(Number);

describe('compare view', () => {
  it('the issue’s link runs 3 lanes × 8 samples to done, with metrics and an 8-sample token tree per lane', { timeout: 420_000 }, async () => {
    const page = await openDone('?prompt=The%20weather%20today%20is%20very&lane=temperature%3D0.3&lane=top_p%3D0.8&lane=temperature%3D1.5&samples=8&run=1&lang=en');
    const lanes = page.getByTestId('lane');
    expect(await lanes.count()).toBe(3);
    for (let i = 0; i < 3; i++) {
      expect(await lanes.nth(i).getAttribute('data-state')).toBe('done');
      for (const name of ['logprob', 'perplexity', 'logprob_sampled', 'entropy_mean', 'distinct_1', 'distinct_2', 'repetition_4', 'tokens']) {
        expect(Number.isFinite(await metric(page, i, name))).toBe(true);
      }
      expect(await metric(page, i, 'perplexity')).toBeGreaterThanOrEqual(1);
      const tree = lanes.nth(i).getByTestId('token-tree');
      expect(await tree.getAttribute('data-samples')).toBe('8');
      expect(await lanes.nth(i).getByTestId('sample').count()).toBe(8);
    }
    // A closed list of samples draws no chips; opened, every sample shows its tokens.
    const samples = lanes.nth(0).getByTestId('sample');
    expect(await samples.locator('.chip').count()).toBe(0);
    await lanes.nth(0).locator('.sample-list summary').first().click();
    await expect.poll(() => samples.locator('.chip').count()).toBeGreaterThan(0);
    for (let k = 0; k < 8; k++) expect(await samples.nth(k).locator('.chip').count()).toBeGreaterThan(0);
    // A hotter lane spreads its samples over more distinct branches than a cold one.
    const leaves = await Promise.all([0, 2].map((i) => lanes.nth(i).getByTestId('token-tree').getAttribute('data-leaves').then(Number)));
    expect(leaves[1]).toBeGreaterThanOrEqual(leaves[0]);
    // The link keeps describing the comparison.
    const link = linkSettings(page.url());
    expect(link.getAll('lane')).toEqual(['temperature=0.3', 'top_p=0.8', 'temperature=1.5']);
    expect(link.get('samples')).toBe('8');
    await page.close();
  });

  it('a greedy lane has logprob_sampled 0, equal lanes have equal text, and a token opens its step', { timeout: 420_000 }, async () => {
    const page = await openDone('?prompt=The%20weather%20today%20is%20very&seed=5&max_new_tokens=16&lane=temperature%3D0&lane=temperature%3D0.9%26top_k%3D0&lane=temperature%3D0.9%26top_k%3D0&run=1&lang=en');
    expect(await metric(page, 0, 'logprob_sampled')).toBe(0);
    expect(await metric(page, 1, 'logprob_sampled')).toBeLessThan(0);
    const texts = await page.getByTestId('lane-full-text').allTextContents();
    expect(texts[1].length).toBeGreaterThan(0);
    expect(texts[2]).toBe(texts[1]);
    // A token of lane 2 opens that lane's run in the step panel at its step.
    const chip = page.getByTestId('lane').nth(1).locator('.chip[data-step="3"]');
    const token = (await chip.textContent()) ?? '';
    await chip.click();
    await waitDone(page, 60_000);
    const generated = await generatedText(page);
    expect(generated).toBe(texts[1]);
    expect(token.length).toBeGreaterThan(0);
    await page.close();
  });

  it('a greedy lane and a num_beams=3 lane run to done; the beam lane shows the beam run’s text, its metrics, and opens as a beam run', { timeout: 420_000 }, async () => {
    // The beam run alone, in Node: the page's defaults with three beams and 8 tokens.
    const loaded = await loadModel({ source: { kind: 'catalog', id: 'logitlab-tiny' }, device: 'cpu', localModelPath: 'public/models/' });
    const runner = new BeamRunner(new TransformersBatchRunner(loaded.model, loaded.vocabSize), loaded.codec, loaded.eosIds, loaded.contextLength);
    const prompt = 'The weather today is very';
    const settings = { prompt, params: { ...DEFAULT_PARAMS }, seed: 1, max_new_tokens: 8, stop: [], ignore_eos: false, chat: false, topN: 30 };
    const record = await runner.run(1, settings, { num_beams: 3, length_penalty: 1, early_stopping: true, num_return_sequences: 1, max_new_tokens: 8 }, loaded.codec.encode(prompt), { isCancelled: () => false, onStep: () => undefined });
    const best = runner.hypothesesOf(record)[0];

    const page = await openDone(`?prompt=${encodeURIComponent(prompt)}&max_new_tokens=8&lane=temperature%3D0&lane=num_beams%3D3&samples=2&run=1&lang=en`);
    const lanes = page.getByTestId('lane');
    expect(await lanes.count()).toBe(2);
    for (let i = 0; i < 2; i++) expect(await lanes.nth(i).getAttribute('data-state')).toBe('done');
    const beamLane = lanes.nth(1);
    expect(await lanes.nth(0).getByTestId('lane-kind').getAttribute('data-kind')).toBe('greedy');
    const kind = beamLane.getByTestId('lane-kind');
    expect(await kind.getAttribute('data-kind')).toBe('beam');
    expect(await kind.textContent()).toBe('beam search (3 beams)');
    // K = 2 does not apply to a beam search: the lane says it ran once.
    expect(await beamLane.getByTestId('lane-note').textContent()).toContain('runs once');
    expect(await lanes.nth(0).getByTestId('token-tree').getAttribute('data-samples')).toBe('2');
    expect(await beamLane.getByTestId('lane-full-text').textContent()).toBe(best.text);
    expect(await beamLane.locator('.chip').count()).toBe(best.ids.length);
    for (const name of ['logprob', 'perplexity', 'entropy_mean', 'distinct_1', 'distinct_2', 'repetition_4']) {
      expect(Number.isFinite(await metric(page, 1, name))).toBe(true);
    }
    expect(await metric(page, 1, 'logprob_sampled')).toBe(0);
    expect(await metric(page, 1, 'logprob')).toBeLessThan(0);
    expect(await metric(page, 1, 'perplexity')).toBeGreaterThanOrEqual(1);
    expect(await metric(page, 1, 'tokens')).toBe(best.ids.length);
    expect(linkSettings(page.url()).getAll('lane')).toEqual(['temperature=0', 'num_beams=3']);
    // A token of the beam lane opens the page's beam search at that step: the same winner, its tree beside the step.
    const chip = beamLane.locator('.chip[data-step="2"]');
    const token = (await chip.textContent()) ?? '';
    await chip.click();
    await waitDone(page, 60_000);
    expect(await page.locator('[data-testid="completion"] .generated').textContent()).toBe(best.text);
    await page.getByTestId('beam-tree').waitFor();
    await expect.poll(() => page.locator('#step-heading').textContent(), { timeout: 20_000 }).toContain(`Step 2: ${token}`);
    await page.close();
  });

  it('Stop ends a long beam lane: it keeps its best hypothesis so far, cancelled', { timeout: 420_000 }, async () => {
    // 8 beams × 300 tokens without an early stop: about a minute here, when nothing stops it.
    const page = await app.openPage('?prompt=The%20weather%20today%20is%20very&max_new_tokens=300&lane=temperature%3D0%26max_new_tokens%3D4&lane=num_beams%3D8%26early_stopping%3Dfalse&run=1&lang=en');
    await page.locator('[data-testid="lane"][data-lane="0"][data-state="done"]').waitFor({ timeout: 360_000 });
    await page.getByTestId('compare-stop').click();
    await page.locator('[data-testid="compare"][data-state="done"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('td[data-lane="1"][data-finish]').getAttribute('data-finish')).toBe('cancelled');
    const tokens = await metric(page, 1, 'tokens');
    expect(tokens).toBeGreaterThan(0);
    expect(tokens).toBeLessThan(300);
    expect((await page.getByTestId('lane').nth(1).getByTestId('lane-full-text').textContent())?.length).toBeGreaterThan(0);
    await page.close();
  });
});

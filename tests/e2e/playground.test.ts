// The playground driven as a person would in headless Chromium: load the bundled model, type, generate,
// step, inspect, what-if, branch, switch language, toy mode with no model files, shared links.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { generateText as generateTextIn, setField, setupE2eApp, waitDone, waitReady as waitModel, watchErrors } from './appHarness';
import { DEFAULT_PARAMS } from '../../src/core';
import { Generator } from '../../src/engine/Generator';
import { loadModel } from '../../src/engine/modelLoader';

const PROMPT = 'The weather today is very';
const app = setupE2eApp();

/** The greedy text computed in Node, independently of the page. */
async function greedyInNode(prompt: string, maxNew: number): Promise<string> {
  const loaded = await loadModel({ source: { kind: 'catalog', id: 'logitlab-tiny' }, device: 'cpu', localModelPath: 'public/models/' });
  const generator = new Generator(loaded.runner, loaded.codec, loaded.eosIds, loaded.contextLength);
  const outcome = await generator.generate({
    prompt, params: { ...DEFAULT_PARAMS, temperature: 0 }, seed: 1, max_new_tokens: maxNew, stop: [], ignore_eos: false, chat: false, topN: 10,
  }, { onStep: () => {}, isCancelled: () => false });
  return outcome.text;
}

const LOADING_MS = 120_000;
const openPage = (query = '') => app.openPage(query);
const waitReady = (page: Page) => waitModel(page, LOADING_MS);
/** The page at `query` once its model is ready. */
const openReady = (query: string) => app.openPage(query, { readyTimeout: LOADING_MS });
const generateText = (page: Page) => generateTextIn(page, 120_000);

/** The page in English with every model file out of reach. */
async function openWithoutModels(): Promise<Page> {
  const page = await app.browser.newPage();
  await page.route('**/models/**', (route) => route.abort());
  await page.goto(`${app.url}?lang=en`);
  return page;
}

describe('playground', () => {
  // The 50 ms goal of the playground issue is measured by `npm run bench -- --only playground` (every task, from a
  // trace); this guards against a frozen tab and reports what the Long Tasks API saw (tasks over 50 ms only,
  // Playwright's own click handling included).
  it('generates the expected greedy text at temperature 0 and keeps the tab responsive', async () => {
    const expected = await greedyInNode(PROMPT, 24);
    const page = await openPage('?lang=en');
    const errors = watchErrors(page);
    await waitReady(page);
    await page.evaluate(() => {
      const w = window as unknown as { longest: number };
      w.longest = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.longest = Math.max(w.longest, e.duration);
      }).observe({ type: 'longtask', buffered: false });
    });
    await page.fill('[data-testid="prompt"]', PROMPT);
    await setField(page, '#param-temperature', '0');
    await setField(page, '[data-testid="max-new-tokens"]', '24');
    // One click, one run: a second click could start a new run whose panel has not mounted its chart yet.
    const text = await generateText(page);
    expect(text).toBe(expected);
    const longest = await page.evaluate(() => (window as unknown as { longest: number }).longest);
    console.log(`longest main-thread task while generating: ${longest > 0 ? `${longest.toFixed(0)} ms` : 'none over 50 ms'}`);
    expect(longest).toBeLessThan(2000);
    // The step panel mounts its parts one per frame after a run, so the chart arrives a few frames after "done".
    await page.getByTestId('distribution-chart').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('distribution-chart').count()).toBe(1);
    expect(errors.filter((e) => !/favicon/.test(e))).toEqual([]);
    await page.close();
  });

  it('the same seed twice gives the same sampled text', async () => {
    const page = await openReady('?lang=en&seed=1234&temperature=1.2&top_k=0');
    await page.fill('[data-testid="prompt"]', 'Today I met');
    const first = await generateText(page);
    const second = await generateText(page);
    expect(first.length).toBeGreaterThan(0);
    expect(second).toBe(first);
    await page.close();
  });

  it('switches to 中文', async () => {
    const page = await openPage('?lang=en');
    await page.getByTestId('lang').selectOption('zh');
    await expect.poll(() => page.locator('#sampling-heading').textContent()).toBe('采样');
    expect(await page.getByTestId('generate').textContent()).toContain('生成');
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await page.close();
  });

  it('steps, inspects a step, shows what-if for changed settings, and branches', async () => {
    const page = await openReady('?lang=en&seed=7&top_k=0');
    await page.fill('[data-testid="prompt"]', PROMPT);
    for (let i = 0; i < 3; i++) {
      await page.getByTestId('step').click();
      await page.locator('[data-testid="completion"][data-state="paused"]').waitFor();
      await expect.poll(() => page.locator('.token').count()).toBe(i + 1);
    }
    await page.locator('.token').nth(1).click();
    await expect.poll(() => page.locator('#step-heading').textContent()).toMatch(/^Step 1/);
    await setField(page, '#param-top_k', '2');
    await page.getByTestId('whatif').waitFor();
    const keptAfterWhatIf = await page.locator('[data-testid="funnel"] tbody tr').last().locator('td').nth(1).textContent();
    expect(Number(keptAfterWhatIf?.replace(/\D/g, ''))).toBeLessThanOrEqual(2);
    const branchButton = page.locator('[data-testid^="branch-"]').first();
    await branchButton.click();
    await waitDone(page);
    await expect.poll(() => page.getByTestId('history').textContent()).toMatch(/branch of run \d+ at step 1/);
    await page.close();
  });

  it('the run chart reads the step under the pointer or the arrow keys, and opens it with a click or Enter', async () => {
    const page = await openReady('?lang=en&temperature=0&max_new_tokens=6');
    await page.fill('[data-testid="prompt"]', PROMPT);
    await generateText(page);
    const readout = () => page.locator('[data-testid="run-charts"] .readout').textContent();
    const hit = page.locator('[data-testid="run-charts"] rect.hit');
    // The step panel above the chart still grows for a few frames after a run (its parts mount one per frame) and
    // can push the chart out of view, so it is scrolled to and measured again at every move.
    const at = async (side: 'left' | 'right') => {
      await hit.scrollIntoViewIfNeeded();
      const target = await hit.boundingBox();
      if (!target) throw new Error('the run chart has no pointer target');
      return { x: side === 'left' ? target.x + 1 : target.x + target.width - 1, y: target.y + target.height / 2 };
    };
    const pointAt = async (side: 'left' | 'right') => {
      const { x, y } = await at(side);
      await page.mouse.move(x, y);
      return readout();
    };
    // Six steps spread over the plot's width: its left edge is step 0, its right edge step 5.
    await expect.poll(() => pointAt('left')).toMatch(/^Step 0: entropy \d+\.\d{3} nats · drawn token probability \d+\.\d%$/);
    await expect.poll(() => pointAt('right')).toMatch(/^Step 5: /);
    const left = await at('left');
    await page.mouse.click(left.x, left.y);
    await expect.poll(() => page.locator('#step-heading').textContent()).toMatch(/^Step 0/);
    await page.mouse.move(0, 0);
    await page.locator('[data-testid="run-charts"] svg').focus();
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(readout).toMatch(/^Step 4: /);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#step-heading').textContent()).toMatch(/^Step 4/);
    await page.close();
  });

  it('toy mode works with no model files reachable', async () => {
    const page = await openWithoutModels();
    await page.getByTestId('mode-toy').click();
    await page.getByTestId('toy').waitFor();
    await setField(page, '#param-top_k', '3');
    await expect.poll(() => page.locator('[data-testid="funnel"]').textContent()).toContain('−1');
    expect(await page.getByTestId('distribution-chart').textContent()).toContain('sunny');
    // The temperature sweep draws one line per token and marks the temperature set now.
    const sweep = page.getByTestId('temperature-sweep');
    await expect.poll(() => sweep.locator('.recharts-line').count()).toBe(4);
    expect(await sweep.textContent()).toContain('now');
    await page.getByTestId('lang').selectOption('zh');
    await expect.poll(() => page.getByTestId('distribution-chart').textContent()).toContain('晴朗');
    await expect.poll(() => sweep.textContent()).toContain('多云');
    await page.close();
  });

  it('a shared link restores every setting and reproduces the text', async () => {
    const page = await openReady('?lang=en&seed=99');
    await page.fill('[data-testid="prompt"]', '今天天气非常');
    await setField(page, '#param-top_p', '0.9');
    await setField(page, '#param-temperature', '0.8');
    await page.fill('input[aria-label="Stop sequences"]', '。');
    await page.press('input[aria-label="Stop sequences"]', 'Enter');
    const text = await generateText(page);
    const link = page.url();
    expect(link).toContain('top_p=0.9');
    expect(link).toContain('stop=');
    const again = await app.browser.newPage();
    await again.goto(link + '&run=1');
    await waitDone(again, 120_000);
    expect(await again.inputValue('[data-testid="prompt"]')).toBe('今天天气非常');
    expect(await again.inputValue('#param-top_p')).toBe('0.9');
    expect(await again.locator('[data-testid="completion"] .generated').textContent()).toBe(text);
    await page.close();
    await again.close();
  });

  it('exports a run as JSON and CSV, and a JSON export opens with no model reachable', async () => {
    const page = await openReady('?lang=en&temperature=0&max_new_tokens=6');
    await page.fill('[data-testid="prompt"]', PROMPT);
    const text = await generateText(page);
    const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
    const jsonPath = await json.path();
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csvText = readFileSync(await csv.path(), 'utf8');
    expect(csvText.split('\n')[0]).toContain('token_id');
    expect(csvText.trim().split('\n')).toHaveLength(7);
    const offline = await openWithoutModels();
    await offline.getByTestId('import').setInputFiles(jsonPath);
    await expect.poll(() => offline.locator('[data-testid="completion"] .generated').textContent()).toBe(text);
    expect(await offline.getByTestId('notice').first().textContent()).toContain('no model is needed');
    await offline.locator('.token').first().click();
    await offline.getByTestId('distribution-chart').waitFor();
    await page.close();
    await offline.close();
  });

  it('reorders warpers from the keyboard and turns on classroom mode', async () => {
    const page = await openPage('?lang=en');
    await page.getByRole('button', { name: 'Move temperature down' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toContain('order=top_k%2Ctemperature');
    await page.getByRole('button', { name: 'llama.cpp' }).click();
    // llama.cpp's real default chain (SAMPLING.md "More samplers"), the newer warpers included.
    await expect.poll(() => page.url()).toContain('order=top_n_sigma%2Ctop_k%2Ctypical_p%2Ctop_p%2Cmin_p%2Cxtc%2Ctemperature');
    await page.getByTestId('classroom').check();
    expect(await page.locator('.app').getAttribute('class')).toContain('classroom');
    await page.close();
  });

  it('a link with top_p=7 opens with the default and a notice naming top_p', async () => {
    const page = await openPage('?lang=en&top_p=7');
    const notice = page.getByTestId('notice');
    await notice.waitFor();
    expect(await notice.textContent()).toContain('top_p');
    expect(await page.inputValue('#param-top_p')).toBe('1');
    await page.close();
    // In Chinese the reason is Chinese too, and a value typed into the box is refused in Chinese.
    const zhPage = await openPage('?lang=zh&top_p=7');
    const zhNotice = zhPage.getByTestId('notice');
    await zhNotice.waitFor();
    expect(await zhNotice.textContent()).toMatch(/top_p.*大于 0.*不大于 1/);
    await zhPage.fill('#param-top_p', '-3');
    await zhPage.press('#param-top_p', 'Enter');
    expect(await zhPage.locator('#param-top_p-error').textContent()).toMatch(/top_p：须为一个数，大于 0，且不大于 1/);
    await zhPage.close();
  });
});

// The page in front of a class: no sideways scrolling on a projector or a phone (either language, classroom mode
// on and off, model, toy and sweep mode), no serious or critical accessibility violation (axe-core), classroom mode's
// text sizes and contrast read from computed styles, Step growing one run, the example prompts, a copied link
// bringing back toy mode, and banning a token found by its text.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { setupE2eApp, waitReady as waitModel } from './appHarness';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const PROMPT = 'The weather today is very';
const SIZES = [{ width: 1024, height: 768 }, { width: 390, height: 844 }];
const app = setupE2eApp();
/** Every action waits as long as a loaded two-core machine needs. */
const PATIENT = 180_000;

async function waitReady(page: Page): Promise<void> {
  await waitModel(page, 400_000, 'attached');
}

async function stepOnce(page: Page): Promise<void> {
  await page.getByTestId('step').click();
  await page.locator('[data-testid="completion"]:is([data-state="paused"], [data-state="done"])').waitFor({ timeout: 240_000 });
  await page.getByTestId('stage-chart').waitFor({ state: 'attached', timeout: 120_000 });
}

/** Serious and critical axe-core violations, as "rule: target" lines. */
async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const result = await axe.run({ exclude: [['.warmup']] }, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.targets.join(' ')}`);
}

async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** Every visible text on the page in classroom mode: its font size and its contrast with what is behind it. */
async function classroomTextProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const parse = (c: string): [number, number, number, number] => {
      const m = /rgba?\(([^)]+)\)/.exec(c);
      if (!m) return [0, 0, 0, 0];
      const [r, g, b, a = '1'] = m[1].split(/[ ,/]+/).filter(Boolean);
      return [Number(r), Number(g), Number(b), Number(a)];
    };
    const luminance = ([r, g, b]: number[]) => {
      const lin = (v: number) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    const background = (el: Element | null): number[] => {
      for (let e = el; e; e = e.parentElement) {
        const style = getComputedStyle(e);
        const c = parse(style.backgroundColor);
        if (c[3] > 0.5) return c;
      }
      return [255, 255, 255, 1];
    };
    const problems: string[] = [];
    const walker = document.createTreeWalker(document.querySelector('.app')!, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent?.trim() ?? '';
      const el = node.parentElement;
      if (!text || !el || el.closest('.warmup, .sr-table, option, [hidden], [disabled], :disabled')) continue;
      const rect = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (rect.width === 0 || rect.height === 0 || style.visibility === 'hidden' || style.display === 'none') continue;
      const size = parseFloat(style.fontSize);
      if (size < 20) problems.push(`${size}px: ${el.tagName} "${text.slice(0, 30)}"`);
      // SVG text is drawn in its fill; HTML text in its colour.
      const fg = parse(el instanceof SVGElement ? style.fill : style.color);
      const bg = background(el instanceof SVGElement ? el.closest('svg') : el);
      const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
      const ratio = (l1 + 0.05) / (l2 + 0.05);
      if (fg[3] > 0 && ratio < 4.5) problems.push(`contrast ${ratio.toFixed(2)}: ${el.tagName} "${text.slice(0, 30)}"`);
    }
    return problems;
  });
}

// Each test opens the model and steps it; on a busy two-core machine that takes longer than the default two minutes.
const SLOW = 900_000;

describe('the page in front of a class', () => {
  for (const size of SIZES) {
    for (const lang of ['en', 'zh'] as const) {

      it(`fits ${size.width}×${size.height} in ${lang} with classroom mode off and on, model, toy and sweep mode, and axe finds nothing serious`, async () => {
        const { page, errors } = await app.openWatchedPage(`?lang=${lang}&seed=7&prompt=${encodeURIComponent(lang === 'en' ? PROMPT : '今天天气非常')}`, { viewport: size, defaultTimeout: PATIENT });
        await waitReady(page);
        if (size.width < 700) {
          // A phone: the prompt and Generate come first, on the first screen, and the settings are folded.
          const prompt = await page.getByTestId('prompt').boundingBox();
          const generate = await page.getByTestId('generate').boundingBox();
          const toggle = await page.getByTestId('controls-toggle').boundingBox();
          expect(prompt!.y).toBeLessThan(toggle!.y);
          expect(generate!.y + generate!.height).toBeLessThan(size.height);
          expect(await page.getByTestId('controls-toggle').getAttribute('aria-expanded')).toBe('false');
          await page.getByTestId('controls-toggle').click();
        }
        await stepOnce(page);
        for (const classroom of [false, true]) {
          await page.getByTestId('classroom').setChecked(classroom);
          for (const mode of ['model', 'toy', 'sweep'] as const) {
            await page.getByTestId(`mode-${mode}`).click();
            if (mode === 'toy') await page.getByTestId('temperature-sweep').waitFor({ state: 'attached' });
            else if (mode === 'sweep') await page.getByTestId('sweep').waitFor({ state: 'attached' });
            else await page.getByTestId('stage-chart').waitFor({ state: 'attached' });
            await page.waitForTimeout(200);
            expect(await horizontalOverflow(page), `${lang} classroom ${classroom} ${mode}`).toBeLessThanOrEqual(0);
            if (mode === 'model') {
              // The chart box clips what overflows it (contain: content): the table's last column must fit inside.
              const overflow = await page.locator('[data-testid="distribution-chart"]').evaluate((figure) => {
                const table = figure.querySelector('table');
                return table ? table.getBoundingClientRect().right - figure.getBoundingClientRect().right : 0;
              });
              expect(overflow, `${lang} classroom ${classroom}: the distribution table sticks out of its chart`).toBeLessThanOrEqual(1);
            }
            expect(await axeViolations(page), `${lang} classroom ${classroom} ${mode}`).toEqual([]);
          }
        }
        expect(errors).toEqual([]);
        await page.close();
      }, 1_200_000);
    }
  }

  it('classroom mode at 1024 wide: no text under 20 px, every text at least 4.5:1, headings above body text', async () => {
    const page = await app.openPage(`?lang=en&seed=7&classroom=1&prompt=${encodeURIComponent(PROMPT)}`, { viewport: { width: 1024, height: 768 }, defaultTimeout: PATIENT });
    await waitReady(page);
    await stepOnce(page);
    // The teaching box and the what-if notice are the two that were unreadable.
    await page.locator('#param-top_k').fill('2');
    await page.locator('#param-top_k').press('Enter');
    await page.getByTestId('whatif').waitFor();
    for (const mode of ['model', 'toy'] as const) {
      await page.getByTestId(`mode-${mode}`).click();
      // The toy mode's chart is drawn once recharts has loaded and measured: its axis numbers are text too.
      if (mode === 'toy') await page.locator('.recharts-cartesian-axis-tick-value').first().waitFor({ state: 'attached' });
      await page.waitForTimeout(300);
      expect(await classroomTextProblems(page), mode).toEqual([]);
    }
    await page.getByTestId('mode-model').click();
    // The chart draws once its frame has measured its width.
    await page.locator('[data-testid="stage-chart"] .axis text').first().waitFor({ state: 'attached' });
    const sizes = await page.evaluate(() => ({
      h2: parseFloat(getComputedStyle(document.querySelector('#completion-heading')!).fontSize),
      body: parseFloat(getComputedStyle(document.querySelector('.status')!).fontSize),
      axis: parseFloat(getComputedStyle(document.querySelector('[data-testid="stage-chart"] .axis text')!).fontSize),
    }));
    expect(sizes.h2).toBeGreaterThan(sizes.body);
    expect(sizes.axis).toBeGreaterThanOrEqual(20);
    await page.close();
  }, SLOW);

  it('Step grows one run one token at a time, pauses, and stops at max_new_tokens', async () => {
    const page = await app.openPage(`?lang=en&seed=3&max_new_tokens=3&prompt=${encodeURIComponent(PROMPT)}`, { defaultTimeout: PATIENT });
    await waitReady(page);
    const status = page.getByTestId('status');
    for (let n = 1; n <= 3; n++) {
      await page.getByTestId('step').click();
      await expect.poll(() => page.locator('.token').count(), { timeout: 180_000 }).toBe(n);
      await page.locator(`[data-testid="completion"][data-state="${n < 3 ? 'paused' : 'done'}"]`).waitFor();
      if (n < 3) expect(await status.textContent()).toContain(`Paused after step ${n}`);
      expect(await page.locator('[data-testid="history"] li').count()).toBe(1);
      expect(await page.locator('[data-testid="history"] li').textContent()).toMatch(new RegExp(`^Run 1, ${n} tokens?:`));
    }
    expect(await status.textContent()).toContain('reached max new tokens');
    // The finished run does not grow past its limit: the next Step starts a new run.
    await page.getByTestId('step').click();
    await expect.poll(() => page.locator('[data-testid="history"] li').count(), { timeout: 180_000 }).toBe(2);
    await expect.poll(() => page.locator('.token').count(), { timeout: 180_000 }).toBe(1);
    await page.close();
  }, SLOW);

  it('opens an example prompt with the knob it illustrates, and shows the true distribution only for the exact prompt', async () => {
    const page = await app.openPage('?lang=en&seed=7', { defaultTimeout: PATIENT });
    await waitReady(page);
    const picker = page.getByTestId('examples');
    await picker.waitFor();
    const options = await picker.locator('option').allTextContents();
    expect(options.filter((o) => o.startsWith(PROMPT))).toHaveLength(1);
    expect(options.some((o) => o.startsWith('今天天气非常'))).toBe(true);
    expect(options.length).toBeGreaterThanOrEqual(25);
    await picker.selectOption({ label: options.find((o) => o.startsWith(PROMPT))! });
    expect(await page.inputValue('[data-testid="prompt"]')).toBe(PROMPT);
    expect(await page.inputValue('#param-top_p')).toBe('0.85');
    expect(await page.getByTestId('param-top_p').getAttribute('class')).toContain('spotlight');
    expect(await page.getByTestId('example-lesson').textContent()).toContain('top_p');
    await stepOnce(page);
    await page.getByTestId('teaching').waitFor();
    // A trailing space is another point of the text: no known distribution there.
    await page.fill('[data-testid="prompt"]', `${PROMPT} `);
    await stepOnce(page);
    await page.getByTestId('distribution-chart').waitFor();
    expect(await page.getByTestId('teaching').count()).toBe(0);
    await page.close();
  }, SLOW);

  it('Copy link brings back toy mode with its tokens, its bias and classroom mode', async () => {
    const context = await app.browser.newContext({ viewport: { width: 1024, height: 768 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
    context.setDefaultTimeout(PATIENT);
    const page = await context.newPage();
    await page.goto(`${app.url}?lang=en`);
    await page.getByTestId('mode-toy').click();
    await page.getByLabel('Logit cloudy').fill('2.75');
    await page.getByLabel('Logit cloudy').press('Tab');
    await page.getByRole('button', { name: 'Ban sunny (logit bias −100)' }).first().click();
    await page.getByTestId('classroom').check();
    await page.getByTestId('copy-link').click();
    await expect.poll(() => page.locator('.copied').textContent()).toBe('Link copied');
    const link = await page.evaluate(() => navigator.clipboard.readText());
    expect(link).toContain('mode=toy');
    const again = await context.newPage();
    await again.goto(link);
    await again.getByTestId('toy').waitFor();
    expect(await again.locator('.app').getAttribute('class')).toContain('classroom');
    expect(await again.getByLabel('Logit cloudy').inputValue()).toBe('2.75');
    await expect.poll(() => again.locator('[data-testid="distribution-chart"] tr[data-token="sunny"]').textContent()).toContain('banned by logit bias');
    expect(await again.locator('[data-testid="distribution-chart"] tr[data-token="sunny"]').textContent()).not.toContain('cut by');
    await context.close();
  }, SLOW);

  it('bans a token found by its text: the model never draws it and every chart says why', async () => {
    const page = await app.openPage(`?lang=en&temperature=0&max_new_tokens=2&prompt=${encodeURIComponent(PROMPT)}`, { defaultTimeout: PATIENT });
    await waitReady(page);
    await page.getByTestId('bias-search').locator('input').fill('sunny');
    const match = page.getByTestId('bias-search').locator('li', { hasText: '␣sunny' }).first();
    await match.waitFor();
    const id = await match.getAttribute('data-token-id');
    await match.getByRole('button', { name: /^Ban / }).click();
    await expect.poll(() => page.url()).toContain(`logit_bias=${id}%3A-100`);
    expect(await page.getByTestId('bias-list').textContent()).toContain('␣sunny');
    await stepOnce(page);
    expect(await page.locator('.token').first().textContent()).not.toContain('sunny');
    const row = page.locator('[data-testid="distribution-chart"] tr[data-token=" sunny"]');
    expect(await row.textContent()).toContain('banned by logit bias -100');
    // The bias stage's own chart labels the banned token; the funnel shows the stage.
    await page.getByTestId('funnel').getByRole('button', { name: 'Logit bias' }).click();
    await expect.poll(() => page.locator('[data-testid="stage-chart"] figcaption').textContent()).toContain('Logit bias');
    const stageLabels = await page.locator('[data-testid="stage-chart"] .axis text').allTextContents();
    expect(stageLabels.some((l) => l.startsWith('⚖'))).toBe(true);
    await page.close();
  }, SLOW);
});

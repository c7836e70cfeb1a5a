// Screenshots of the playground at the three sizes a class meets it (laptop 1400×1000, projector 1024×768, phone
// 390×844), in English and 中文, classroom mode off and on, after one Step on a teaching prompt — for looking at.
// Usage: npx tsx scripts/screenshots.ts [outDir]   (uses the Vite dev server; PNGs go to test-results/screens)
import { mkdirSync } from 'node:fs';
import { launchBrowser, startDevServer } from '../tests/e2e/harness';

const SIZES = [
  { name: 'laptop', width: 1400, height: 1000 },
  { name: 'projector', width: 1024, height: 768 },
  { name: 'phone', width: 390, height: 844 },
];
const PROMPTS = { en: 'The weather today is very', zh: '今天天气非常' };

async function main(): Promise<void> {
  const out = process.argv[2] ?? 'test-results/screens';
  mkdirSync(out, { recursive: true });
  const { server, url } = await startDevServer();
  const browser = await launchBrowser();
  try {
    for (const size of SIZES) {
      for (const lang of ['en', 'zh'] as const) {
        for (const classroom of [false, true]) {
          const page = await browser.newPage({ viewport: { width: size.width, height: size.height } });
          const query = new URLSearchParams({ lang, prompt: PROMPTS[lang], seed: '7', top_p: '0.85', ...(classroom ? { classroom: '1' } : {}) });
          await page.goto(`${url}?${query}`);
          await page.getByTestId('model-ready').waitFor({ state: 'attached', timeout: 120_000 });
          await page.getByTestId('step').click();
          await page.locator('[data-testid="completion"][data-state="paused"]').waitFor({ timeout: 60_000 });
          await page.getByTestId('stage-chart').waitFor({ state: 'attached', timeout: 10_000 });
          await page.waitForTimeout(300);
          const scroll = await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
          const file = `${out}/${size.name}-${lang}${classroom ? '-classroom' : ''}.png`;
          await page.screenshot({ path: file, fullPage: process.env.FULL === '1' });
          console.log(file, `scrollWidth ${scroll[0]} / innerWidth ${scroll[1]}`);
          await page.close();
        }
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

void main();

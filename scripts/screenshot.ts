// Screenshots of the production build in headless Chromium, for looking at the page and for the README:
//   npx tsx scripts/screenshot.ts [--query '?prompt=…'] [--sizes 1400x1000,1024x768,390x844] [--langs en,zh]
//                                 [--generate] [--steps N] [--wait 'css selector'] [--out dir]
//   npx tsx scripts/screenshot.ts --readme     (docs/screenshot.png: mid-run, stepped, at 1400×1000)
// One PNG per size and language, named <size>-<lang>.png, full page. --wait: a selector to wait for before the
// shot (e.g. a sweep link with run=1: '[data-testid="sweep"][data-state="completion"]').
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, startPreviewServer } from '../tests/e2e/harness';

interface Options {
  query: string;
  sizes: { width: number; height: number }[];
  langs: string[];
  generate: boolean;
  steps: number;
  wait: string | null;
  out: string;
  readme: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { query: '', sizes: [], langs: ['en', 'zh'], generate: false, steps: 0, wait: null, out: 'test-results/screens', readme: false };
  let sizes = '1400x1000,1024x768,390x844';
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${argv[i - 1]} needs a value`);
      return v;
    };
    switch (argv[i]) {
      case '--query': options.query = value(); break;
      case '--sizes': sizes = value(); break;
      case '--langs': options.langs = value().split(','); break;
      case '--generate': options.generate = true; break;
      case '--steps': options.steps = Number(value()); break;
      case '--wait': options.wait = value(); break;
      case '--out': options.out = value(); break;
      case '--readme': options.readme = true; break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  options.sizes = sizes.split(',').map((s) => {
    const m = /^(\d+)x(\d+)$/.exec(s.trim());
    if (!m) throw new Error(`a size is WIDTHxHEIGHT, not ${s}`);
    return { width: Number(m[1]), height: Number(m[2]) };
  });
  return options;
}

function withLang(query: string, lang: string): string {
  const q = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
  q.set('lang', lang);
  return `?${q.toString()}`;
}

async function prepare(page: Page, options: Options): Promise<void> {
  await page.getByTestId('model-ready').waitFor({ timeout: 120_000 });
  for (let i = 0; i < options.steps; i++) {
    await page.getByTestId('step').click();
    await page.locator('[data-testid="completion"][data-state="done"], [data-testid="completion"][data-state="paused"]').first().waitFor({ timeout: 60_000 });
  }
  if (options.generate) {
    await page.getByTestId('generate').click();
    await page.locator('[data-testid="completion"][data-state="done"]').waitFor({ timeout: 120_000 });
  }
  // A link that runs a comparison: wait for its lanes to finish.
  if (/(^|[?&#])lane=/.test(options.query) && /(^|[?&#])run=1/.test(options.query)) {
    await page.locator('[data-testid="compare"][data-state="done"]').waitFor({ timeout: 300_000 });
  }
  if (options.wait) await page.locator(options.wait).first().waitFor({ timeout: 600_000 });
  // Let the step panel's parts mount (one per frame after a run).
  await page.waitForTimeout(500);
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    // The usage is this file's opening comment.
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(new URL(import.meta.url), 'utf8').split('\n');
    const header = lines.slice(0, lines.findIndex((line) => !line.startsWith('//')));
    process.stdout.write(`${header.map((line) => line.replace(/^\/\/ ?/, '')).join('\n')}\n`);
    return;
  }
  const options = parseArgs(process.argv.slice(2));
  if (options.readme) {
    Object.assign(options, {
      query: '?seed=5&temperature=0.9&top_p=0.95&min_p=0.05&top_k=0&prompt=After%20school%20the%20children',
      sizes: [{ width: 1400, height: 1000 }], langs: ['en'], steps: 7, generate: false,
    });
  }
  mkdirSync(options.out, { recursive: true });
  const { server, url } = await startPreviewServer();
  const browser = await launchBrowser();
  try {
    for (const size of options.sizes) {
      for (const lang of options.langs) {
        const page = await browser.newPage({ viewport: size });
        await page.goto(`${url}${withLang(options.query, lang)}`);
        await prepare(page, options);
        const path = options.readme ? 'docs/screenshot.png' : join(options.out, `${size.width}x${size.height}-${lang}.png`);
        await page.screenshot({ path, fullPage: !options.readme });
        process.stdout.write(`${path}\n`);
        await page.close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

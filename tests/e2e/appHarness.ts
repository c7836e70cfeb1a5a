// What every e2e file does around its tests: one app server and one or two Chromiums for the whole file (vitest
// hooks), pages opened on it, and the few things a person does on the page again and again (wait for the model,
// Generate and wait for the text). Kept apart from harness.ts, which the bench scripts load outside vitest.
import { afterAll, beforeAll } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, startDevServer, startPreviewServer, watchErrors } from './harness';

type LaunchOptions = NonNullable<Parameters<typeof launchBrowser>[0]>;
type GotoOptions = NonNullable<Parameters<Page['goto']>[1]>;
type Viewport = { width: number; height: number };

/** The size most tests look at the page in: a desktop screen. */
const DESKTOP: Viewport = { width: 1400, height: 1000 };
export { watchErrors };

const ENGINE_PAGE = 'tests/e2e/pages/engine.html';

export interface AppOptions {
  /** `dev`: the Vite dev server (no build); otherwise the production build served by `vite preview`. */
  server?: 'preview' | 'dev';
  /** How the file's browser is launched. */
  browser?: LaunchOptions;
  /** A second browser with the SwiftShader WebGPU adapter, as `gpuBrowser`. */
  gpuBrowser?: boolean;
}

export interface OpenOptions {
  /** Where the page opens: the file's browser unless another browser or a context is named. */
  in?: Browser | BrowserContext;
  /** The page's size: DESKTOP unless given (a context's pages take the context's). */
  viewport?: Viewport;
  /** Every action's timeout on this page (Playwright's 30 s unless given). */
  defaultTimeout?: number;
  goto?: GotoOptions;
  /** Then waits this long at most for the model to be ready (see waitReady). */
  readyTimeout?: number;
  /** Runs before the page navigates: for listeners, routes and init scripts that must see its first request. */
  beforeGoto?: (page: Page) => unknown;
}

export interface EngineOpenOptions extends Pick<OpenOptions, 'in' | 'defaultTimeout' | 'beforeGoto'> {
  /** The engine page's query string, `?…`. */
  query?: string;
  /** How long the engine page may take to say it is ready: 120 s unless given. */
  engineReadyTimeout?: number;
}

export interface E2eApp {
  /** The server's root, ending in `/`. */
  readonly url: string;
  readonly browser: Browser;
  /** Only with `gpuBrowser: true`. */
  readonly gpuBrowser: Browser;
  /** A new page at `query` (`?…` or a path below the root). */
  openPage(query: string, options?: OpenOptions): Promise<Page>;
  /** The same, with the console-error collector attached before the page loads. */
  openWatchedPage(query: string, options?: OpenOptions): Promise<{ page: Page; errors: string[] }>;
  /** The engine test page (tests/e2e/pages/engine.html), once it says it is ready. */
  openEnginePage(options?: EngineOpenOptions): Promise<Page>;
}

/**
 * Registers the hooks that start the server and the browsers before the tests of the file (or of the describe
 * block it is called in) and close them after; the accessors are valid inside tests and later hooks.
 */
export function setupE2eApp(options: AppOptions = {}): E2eApp {
  let server: { close(): Promise<void> } | undefined;
  let url: string | undefined;
  let browser: Browser | undefined;
  let gpuBrowser: Browser | undefined;

  beforeAll(async () => {
    ({ server, url } = options.server === 'dev' ? await startDevServer() : await startPreviewServer());
    browser = await launchBrowser(options.browser);
    if (options.gpuBrowser) gpuBrowser = await launchBrowser({ webgpu: true });
  });
  afterAll(async () => {
    await browser?.close();
    await gpuBrowser?.close();
    await server?.close();
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started: use it inside a test or a hook after setupE2eApp's`);
    return value;
  };

  async function open(path: string, options: OpenOptions, viewport: Viewport | undefined): Promise<Page> {
    const from = options.in ?? app.browser;
    const page = 'newContext' in from ? await from.newPage(viewport ? { viewport } : undefined) : await from.newPage();
    if (options.defaultTimeout !== undefined) page.setDefaultTimeout(options.defaultTimeout);
    await options.beforeGoto?.(page);
    await page.goto(`${app.url}${path}`, options.goto);
    if (options.readyTimeout !== undefined) await waitReady(page, options.readyTimeout);
    return page;
  }

  const app: E2eApp = {
    get url() { return started(url, 'the app server'); },
    get browser() { return started(browser, 'the browser'); },
    get gpuBrowser() { return started(gpuBrowser, 'the WebGPU browser (setupE2eApp({ gpuBrowser: true }))'); },

    openPage: (query, options = {}) => open(query, options, options.viewport ?? DESKTOP),

    async openWatchedPage(query, options = {}) {
      let errors: string[] = [];
      const page = await open(query, {
        ...options,
        beforeGoto: (p) => {
          errors = watchErrors(p);
          return options.beforeGoto?.(p);
        },
      }, options.viewport ?? DESKTOP);
      return { page, errors };
    },

    async openEnginePage(options = {}) {
      // The engine page has no layout to speak of: Playwright's default size.
      const page = await open(`${ENGINE_PAGE}${options.query ?? ''}`, options, undefined);
      await page.waitForSelector('body[data-ready="true"]', { timeout: options.engineReadyTimeout ?? 120_000 });
      return page;
    },
  };
  return app;
}

/** Waits for the model to be loaded (`attached`: in the page, whether or not it is in view). */
export async function waitReady(page: Page, timeout: number, state: 'visible' | 'attached' = 'visible'): Promise<void> {
  await page.getByTestId('model-ready').waitFor({ state, timeout });
}

/** Waits for the run on screen to end. */
export async function waitDone(page: Page, timeout?: number): Promise<void> {
  await page.locator('[data-testid="completion"][data-state="done"]').waitFor({ timeout });
}

/** The text the run on screen has generated so far. */
export async function generatedText(page: Page): Promise<string> {
  return (await page.locator('[data-testid="completion"] .generated').textContent()) ?? '';
}

/** One click on Generate, and the wait for that run to end. */
export async function generate(page: Page, timeout: number): Promise<void> {
  await page.getByTestId('generate').click();
  await waitDone(page, timeout);
}

/** One click on Generate, then the run's text once it has ended. */
export async function generateText(page: Page, timeout: number): Promise<string> {
  await generate(page, timeout);
  return generatedText(page);
}

/** Types a value into a field and leaves it, as a person does (the page takes the value on change). */
export async function setField(page: Page, selector: string, value: string): Promise<void> {
  await page.fill(selector, value);
  await page.press(selector, 'Tab');
}

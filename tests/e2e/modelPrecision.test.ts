// A Llama-style model with a SentencePiece tokenizer, opened by folder URL in the real page: its text keeps its
// spaces (the same greedy text Node writes), its token chips show their leading space, and its precision is a
// choice — dtype in the link, the Precision picker, a refusal naming the precisions the folder has.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { env } from '@huggingface/transformers';
import { generate, setupE2eApp, watchErrors } from './appHarness';
import { linkSettings } from './linkSettings';
import { startHubServer, type HubServer } from '../integration/hubServer';
import { DEFAULT_PARAMS } from '../../src/core';
import { Generator } from '../../src/engine/Generator';
import { loadModel } from '../../src/engine/modelLoader';

const REPO = 'fixtures/tiny-llama-sentencepiece';
const PROMPT = 'Once upon a time';
const app = setupE2eApp();
let hub: HubServer;
/** The fixture's folder, as a user would paste it. */
let folder: string;

async function greedyInNode(dtype: string): Promise<string> {
  const loaded = await loadModel({ source: { kind: 'url', url: folder }, device: 'cpu', dtype, localModelPath: 'public/models/' });
  const generator = new Generator(loaded.runner, loaded.codec, loaded.eosIds, loaded.contextLength);
  const outcome = await generator.generate({
    prompt: PROMPT, params: { ...DEFAULT_PARAMS, temperature: 0 }, seed: 1, max_new_tokens: 12, stop: [], ignore_eos: false, chat: false, topN: 10,
  }, { onStep: () => {}, isCancelled: () => false });
  return outcome.text;
}

/** The page on a link to the folder; the folder is on another host than the page's, so the page asks first and the user says yes. */
async function openPage(query: Record<string, string>): Promise<Page> {
  const page = await app.openPage(`?${new URLSearchParams({ model: folder, prompt: PROMPT, ...query })}`);
  await page.getByTestId('confirm-model').click({ timeout: 120_000 });
  return page;
}

beforeAll(async () => {
  env.useFSCache = true;
  env.cacheDir = mkdtempSync(join(tmpdir(), 'logitlab-precision-cache-'));
  hub = await startHubServer({ repo: REPO, folder: `tests/fixtures/models/tiny-llama-sentencepiece` });
  folder = `${hub.url}${REPO}/resolve/main/`;
});
afterAll(async () => {
  await hub?.close().catch(() => {});
});

describe('a SentencePiece model by folder URL', () => {
  // Generous timeouts: the page builds and loads on a machine shared by many test runs.
  it('at dtype=fp32 writes its text with spaces, as Node does, and its chips show their leading space', { timeout: 600_000 }, async () => {
    const expected = await greedyInNode('fp32');
    expect(expected).toMatch(/^ \S+ \S+/);
    const page = await openPage({ dtype: 'fp32', temperature: '0', max_new_tokens: '12', lang: 'en' });
    const errors = watchErrors(page);
    await expect(page.getByTestId('model-ready').textContent({ timeout: 240_000 })).resolves.toMatch(/\(fp32\)/);
    await generate(page, 240_000);
    expect(await page.locator('[data-testid="completion"] .generated').textContent()).toBe(expected);
    // A chip's label is its own text: the spoken step number and the probability are elements beside it.
    const chips = await page.locator('[data-testid="token-stream"] button.token').evaluateAll((buttons) =>
      buttons.map((b) => [...b.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join('')));
    expect(chips.length).toBe(12);
    expect(chips.filter((c) => c.startsWith('␣')).length).toBeGreaterThan(0);
    expect(await page.getByTestId('dtype-select').inputValue()).toBe('fp32');
    expect(linkSettings(page.url()).get('dtype')).toBe('fp32');
    // The precision probe's HEAD requests find 404s for the files the folder lacks: those are answers, not errors.
    expect(errors.filter((e) => !/^http 404: .*\/onnx\/model[\w.]*\.onnx(_data)?$/.test(e))).toEqual([]);
    await page.close();
  });

  it('at dtype=q8 says q8 in its ready line; the picker switches it to fp32 and the link follows', { timeout: 600_000 }, async () => {
    const page = await openPage({ dtype: 'q8', lang: 'en' });
    await expect(page.getByTestId('model-ready').textContent({ timeout: 240_000 })).resolves.toMatch(/\(q8\)/);
    expect(await page.locator('[data-testid="dtype-select"] option').allTextContents()).toEqual(['fp32', 'q8']);
    await page.getByTestId('dtype-select').selectOption('fp32');
    await page.getByTestId('model-ready').filter({ hasText: '(fp32)' }).waitFor({ timeout: 240_000 });
    expect(linkSettings(page.url()).get('dtype')).toBe('fp32');
    await page.close();
  });

  it('refuses a precision the folder lacks, naming the ones it has, in English and Chinese', { timeout: 600_000 }, async () => {
    const en = await openPage({ dtype: 'q4', lang: 'en' });
    // The notice names the folder it could not load, then why.
    const message = en.getByTestId('model-error').locator('p');
    await expect(message.textContent({ timeout: 240_000 })).resolves.toBe(`Could not load ${folder}: This model has no q4 weights; it has fp32, q8. Pick one under Precision.`);
    // Nothing is lost: the picker offers what the folder has, and picking one loads it.
    await en.getByTestId('dtype-select').selectOption('q8');
    await expect(en.getByTestId('model-ready').textContent({ timeout: 240_000 })).resolves.toMatch(/\(q8\)/);
    await en.close();
    const zh = await openPage({ dtype: 'fp64', lang: 'zh' });
    await expect(zh.getByTestId('model-error').locator('p').textContent({ timeout: 240_000 })).resolves.toMatch(/: 这个模型没有 fp64 精度的权重；它有：fp32, q8。请在“精度”里选一个。$/);
    await zh.close();
  });
});

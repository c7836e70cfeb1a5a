// The fixture models (one per tokenizer family, fp32 and int8) downloaded from a Hub-style server: our decode loop's
// greedy text equals what transformers.js's own text-generation pipeline (generate() + decode) writes, labels keep
// their spaces, and a precision the folder lacks is refused with the ones it has.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TextGenerationPipeline, env } from '@huggingface/transformers';
import { DEFAULT_PARAMS } from '../../src/core';
import { Generator } from '../../src/engine/Generator';
import { ModelLoadError, loadModel } from '../../src/engine/modelLoader';
import type { Dtype, GenerateSettings, StepEvent } from '../../src/engine/protocol';
import { visibleText } from '../../src/engine/textDecoder';
import { startHubServer, type HubServer } from './hubServer';

const FIXTURES = ['tiny-llama-sentencepiece', 'tiny-llama-bytelevel', 'tiny-llama-wordpiece'] as const;
const PROMPTS = ['Once upon a time', '今天天气', 'the cat 😀'];
const servers: Record<string, HubServer> = {};

beforeAll(async () => {
  env.useFSCache = true;
  env.cacheDir = mkdtempSync(join(tmpdir(), 'logitlab-fixture-cache-'));
  for (const name of FIXTURES) servers[name] = await startHubServer({ repo: `fixtures/${name}`, folder: `tests/fixtures/models/${name}` });
});
afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s.close().catch(() => {})));
});

const load = (name: string, dtype?: string) => loadModel({
  source: { kind: 'hub', repo: `fixtures/${name}` }, device: 'cpu', localModelPath: 'public/models/', hubHost: servers[name].url,
  ...(dtype === undefined ? {} : { dtype }),
});

const greedy = (prompt: string): GenerateSettings => ({
  prompt, params: { ...DEFAULT_PARAMS, do_sample: false }, seed: 1, max_new_tokens: 24, stop: [], ignore_eos: false, chat: false, topN: 10,
});

describe.each(FIXTURES)('%s', (name) => {
  it.each(['fp32', 'q8'] as Dtype[])('greedy text at %s equals transformers.js generate() + decode', async (dtype) => {
    const loaded = await load(name, dtype);
    expect(loaded.dtype).toBe(dtype);
    expect(loaded.dtypes).toEqual(['fp32', 'q8']);
    const generator = new Generator(loaded.runner, loaded.codec, loaded.eosIds, loaded.contextLength);
    const reference = new TextGenerationPipeline({ task: 'text-generation', model: loaded.model, tokenizer: loaded.tokenizer });
    for (const prompt of PROMPTS) {
      const steps: StepEvent[] = [];
      const ours = await generator.generate(greedy(prompt), { onStep: (e) => { steps.push(e); }, isCancelled: () => false });
      const theirs = await reference(prompt, { max_new_tokens: 24, do_sample: false, return_full_text: false }) as { generated_text: string }[];
      // The same text, less the U+FFFD of bytes that never became a character, which the page never shows.
      expect(ours.text, `${dtype} "${prompt}"`).toBe(visibleText(theirs[0].generated_text));
      // What streamed is what the run ends with.
      expect(steps.map((s) => s.textDelta).join('')).toBe(ours.text);
      expect(ours.text).not.toContain('\uFFFD');
      if (prompt === '今天天气' && name === 'tiny-llama-bytelevel') expect(theirs[0].generated_text).toContain('\uFFFD');
    }
  });
});

describe('the SentencePiece fixture', () => {
  it('writes its continuation with spaces, its labels with their leading space, its prompt after a BOS', async () => {
    const loaded = await load('tiny-llama-sentencepiece', 'fp32');
    const generator = new Generator(loaded.runner, loaded.codec, loaded.eosIds, loaded.contextLength);
    const steps: StepEvent[] = [];
    const outcome = await generator.generate(greedy('Once upon a time'), { onStep: (e) => { steps.push(e); }, isCancelled: () => false });
    expect(outcome.run.promptIds[0]).toBe(1);
    expect(outcome.text).toMatch(/^ \S+ \S+/);
    expect(steps.some((s) => s.tokenText.startsWith(' '))).toBe(true);
  });
});

describe('precision as a choice', () => {
  it('runs q8 by default and refuses a precision the folder lacks, naming the ones it has', async () => {
    expect((await load('tiny-llama-bytelevel')).dtype).toBe('q8');
    const refused = await load('tiny-llama-bytelevel', 'q4').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ModelLoadError);
    expect((refused as ModelLoadError).code).toBe('dtype_unavailable');
    expect((refused as ModelLoadError).details).toEqual({ dtype: 'q4', available: ['fp32', 'q8'] });
    expect((refused as ModelLoadError).message).toMatch(/fp32, q8/);
    const nonsense = await load('tiny-llama-bytelevel', 'fp64').catch((e: unknown) => e);
    expect((nonsense as ModelLoadError).details).toEqual({ dtype: 'fp64', available: ['fp32', 'q8'] });
  });

  it('asks the server about each precision once', async () => {
    const server = servers['tiny-llama-wordpiece'];
    await load('tiny-llama-wordpiece', 'fp32');
    await load('tiny-llama-wordpiece', 'q8');
    const heads = server.requests.filter((r) => r === 'HEAD /fixtures/tiny-llama-wordpiece/resolve/main/onnx/model_q4.onnx');
    expect(heads.length).toBe(1);
  });
});

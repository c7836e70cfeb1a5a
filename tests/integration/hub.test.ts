// The Hub code path for real, against a local server with the Hub's URL layout: progress, the cache serving
// a second load with the server gone, and clear messages for a missing repo and a connection dropped mid-file.
import { mkdtempSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { env } from '@huggingface/transformers';
import { ModelLoadError, loadModel } from '../../src/engine/modelLoader';
import { fetchModel, FetchModelError } from '../../scripts/fetch-model';
import { startHubServer, type HubServer } from './hubServer';

const FOLDER = 'public/models/logitlab-tiny';
const REPO = 'logitlab/tiny';
let hub: HubServer;

beforeAll(async () => {
  env.useFSCache = true;
  env.cacheDir = mkdtempSync(join(tmpdir(), 'logitlab-hub-cache-'));
  hub = await startHubServer({ repo: REPO, folder: FOLDER });
});
afterAll(async () => {
  await hub?.close().catch(() => {});
});

async function loadFromHub(repo: string, hubHost: string, progress: string[] = []) {
  return loadModel({
    source: { kind: 'hub', repo }, device: 'cpu', dtype: 'fp32', localModelPath: 'public/models/', hubHost,
    onProgress: (file, loaded, total) => progress.push(`${file}:${loaded}/${total}`),
  });
}

describe('loading from a Hub-style server', () => {
  it('downloads with progress events, then loads again from the cache with the server stopped', async () => {
    const progress: string[] = [];
    const first = await loadFromHub(REPO, hub.url, progress);
    expect(first.vocabSize).toBe(2246);
    expect(progress.some((p) => p.startsWith('onnx/model.onnx:'))).toBe(true);
    expect(hub.requests).toContain(`/${REPO}/resolve/main/onnx/model.onnx`);
    await hub.close();
    const second = await loadFromHub(REPO, hub.url);
    expect(second.codec.decode(second.codec.encode('今天天气非常晴朗。'))).toBe('今天天气非常晴朗。');
  });

  it('says "not found" for a repo the server does not have', async () => {
    const server = await startHubServer({ repo: REPO, folder: FOLDER });
    try {
      await expect(loadFromHub('logitlab/missing', server.url)).rejects.toMatchObject({ code: 'not_found' });
    } finally {
      await server.close();
    }
  });

  it('says the network failed when the connection drops mid-file', async () => {
    const server = await startHubServer({ repo: 'logitlab/flaky', folder: FOLDER, dropFile: 'onnx/model.onnx' });
    try {
      const error = await loadFromHub('logitlab/flaky', server.url).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelLoadError);
      expect((error as ModelLoadError).code).toBe('network');
      expect((error as ModelLoadError).message).toMatch(/network|Retry/i);
    } finally {
      await server.close();
    }
  });
});

describe('npm run fetch-model', () => {
  it('downloads a model folder for offline use', async () => {
    const server = await startHubServer({ repo: REPO, folder: FOLDER });
    const out = mkdtempSync(join(tmpdir(), 'logitlab-fetch-'));
    try {
      const dir = await fetchModel(REPO, 'q8', server.url, out);
      expect(statSync(join(dir, 'onnx/model_quantized.onnx')).size).toBe(statSync(join(FOLDER, 'onnx/model_quantized.onnx')).size);
      expect(existsSync(join(dir, 'tokenizer.json'))).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('fails with a clear message when the server cannot be reached, a file is missing, or a download breaks', async () => {
    const out = mkdtempSync(join(tmpdir(), 'logitlab-fetch-'));
    await expect(fetchModel(REPO, 'q8', 'http://127.0.0.1:9', out)).rejects.toThrow(/cannot reach 127\.0\.0\.1:9/);
    const server = await startHubServer({ repo: REPO, folder: FOLDER, dropFile: 'onnx/model_quantized.onnx' });
    try {
      await expect(fetchModel('someone/else', 'q8', server.url, out)).rejects.toThrow(/not found \(404\)/);
      await expect(fetchModel(REPO, 'q8', server.url, out)).rejects.toThrow(FetchModelError);
      expect(existsSync(join(out, REPO, 'onnx/model_quantized.onnx'))).toBe(false);
    } finally {
      await server.close();
    }
  });
});

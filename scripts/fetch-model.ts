// `npm run fetch-model -- <hub id> [--dtype q8|fp32|fp16|q4|…]`: downloads a Hub model's browser files into
// public/models/<hub id>/ so the page can load it offline (as a folder URL: /models/<hub id>/).
// LOGITLAB_HUB_URL points at a mirror instead of the Hub.
import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ONNX_FILES } from '../src/engine/modelSize';

const DTYPE_FILES: Record<string, string> = ONNX_FILES;
const REQUIRED = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];
const OPTIONAL = ['generation_config.json', 'special_tokens_map.json'];

export class FetchModelError extends Error {}

async function download(url: string, target: string, required: boolean): Promise<number> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new FetchModelError(`cannot reach ${new URL(url).host} (${cause?.code ?? cause?.message ?? String(error)}): check the network, or set LOGITLAB_HUB_URL to a mirror`);
  }
  if (response.status === 404) {
    if (!required) return 0;
    throw new FetchModelError(`${url} was not found (404): check the repo id and the dtype`);
  }
  if (!response.ok || !response.body) throw new FetchModelError(`${url} answered ${response.status} ${response.statusText}`);
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.partial`;
  const total = Number(response.headers.get('content-length') ?? 0);
  let loaded = 0;
  let lastReport = 0;
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
  body.on('data', (chunk: Buffer) => {
    loaded += chunk.length;
    if (Date.now() - lastReport > 500) {
      lastReport = Date.now();
      process.stderr.write(`  ${target}: ${(loaded / 1e6).toFixed(1)}${total ? ` / ${(total / 1e6).toFixed(1)}` : ''} MB\n`);
    }
  });
  try {
    await pipeline(body, createWriteStream(partial));
  } catch (error) {
    rmSync(partial, { force: true });
    throw new FetchModelError(`the download of ${url} broke off after ${(loaded / 1e6).toFixed(1)} MB (${error instanceof Error ? error.message : String(error)}): run the command again`);
  }
  if (total && loaded !== total) {
    rmSync(partial, { force: true });
    throw new FetchModelError(`the download of ${url} ended after ${loaded} of ${total} bytes: run the command again`);
  }
  renameSync(partial, target);
  return loaded;
}

export async function fetchModel(repo: string, dtype: string, hubUrl: string, outRoot: string): Promise<string> {
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new FetchModelError(`"${repo}" is not a Hub repo id (owner/name)`);
  const onnx = DTYPE_FILES[dtype];
  if (!onnx) throw new FetchModelError(`unknown dtype "${dtype}": one of ${Object.keys(DTYPE_FILES).join(', ')}`);
  const base = `${hubUrl.replace(/\/+$/, '')}/${repo}/resolve/main/`;
  const out = join(outRoot, repo);
  let bytes = 0;
  for (const file of [...REQUIRED, onnx]) bytes += await download(base + file, join(out, file), true);
  for (const file of OPTIONAL) bytes += await download(base + file, join(out, file), false);
  // Large models keep their weights beside the graph.
  bytes += await download(`${base}${onnx}_data`, join(out, `${onnx}_data`), false);
  process.stderr.write(`saved ${repo} (${dtype}, ${(bytes / 1e6).toFixed(1)} MB) in ${out}\n`);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const repo = args.find((a) => !a.startsWith('--'));
  const dtypeAt = args.indexOf('--dtype');
  const dtype = dtypeAt >= 0 ? args[dtypeAt + 1] : 'q8';
  if (!repo) {
    process.stderr.write(`usage: npm run fetch-model -- <hub id> [--dtype ${Object.keys(DTYPE_FILES).join('|')}]\n`);
    process.exit(2);
  }
  fetchModel(repo, dtype, process.env.LOGITLAB_HUB_URL ?? 'https://huggingface.co', 'public/models').catch((error) => {
    process.stderr.write(`fetch-model: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}

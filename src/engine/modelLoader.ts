// Loads a tokenizer and a causal LM through transformers.js — from our own origin (the bundled model), the
// Hub, or any folder URL in the Hub layout — with per-file progress and errors sorted into plain causes.
import { AutoModelForCausalLM, AutoTokenizer, env, type PreTrainedModel, type PreTrainedTokenizer } from '@huggingface/transformers';
import { BUNDLED_MODEL_ID, findModel, isHubRepoId } from './catalog';
import { TransformersRunner, type ModelRunner } from './modelRunner';
import { StalledDownloadError } from './stallGuard';
import { remoteWeightBytes, tooLargeReason, weightBudget } from './modelSize';
import { cachedTokenText, tokenTextInContext, type TextCodec } from './textDecoder';
import { DTYPES as DTYPE_ORDER, fallbackDtype, isDtype, remoteDtypes } from './dtypes';
import type { Dtype, ErrorCode, LoadErrorDetails, ModelSource, TokenizerOptions } from './protocol';

export const DEFAULT_HUB_HOST = 'https://huggingface.co/';

export type RuntimeDevice = 'webgpu' | 'wasm' | 'cpu';

export interface LoadOptions extends TokenizerOptions {
  device: RuntimeDevice;
  /** The browser's navigator.deviceMemory (GiB), to refuse a model that cannot fit before downloading it. */
  deviceMemoryGiB?: number;
  /** `done`: the file is complete, downloaded or taken from the cache. */
  onProgress?(file: string, loaded: number, total: number, done?: boolean): void;
}

export interface LoadedModel {
  modelId: string;
  tokenizer: PreTrainedTokenizer;
  model: PreTrainedModel;
  runner: ModelRunner;
  codec: TextCodec;
  eosIds: number[];
  vocabSize: number;
  contextLength: number;
  dtype: Dtype;
  /** The precisions the model's folder has (at least the one loaded). */
  dtypes: Dtype[];
  hasChatTemplate: boolean;
}

/** A load failure with the cause a user can act on. */
export class ModelLoadError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly details?: LoadErrorDetails) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

interface Resolved {
  id: string;
  local: boolean;
  remoteHost?: string;
  remotePathTemplate?: string;
  dtype: Dtype;
}

function resolve(source: ModelSource, device: RuntimeDevice, dtype: string | undefined, hubHost: string): Resolved {
  // A name that is no precision at all is refused later, with the ones the model has.
  const pickDtype = (fallback: Dtype) => (dtype !== undefined && isDtype(dtype) ? dtype : fallback);
  if (source.kind === 'catalog') {
    const spec = findModel(source.id);
    if (!spec) throw new ModelLoadError('not_found', `"${source.id}" is not in the model catalog`);
    const d = pickDtype(device === 'webgpu' ? spec.defaultDtype.webgpu : spec.defaultDtype.wasm);
    if (spec.bundled) return { id: spec.repo, local: true, dtype: d };
    return { id: spec.repo, local: false, remoteHost: hubHost, remotePathTemplate: '{model}/resolve/{revision}/', dtype: d };
  }
  if (source.kind === 'hub') {
    if (!isHubRepoId(source.repo)) {
      throw new ModelLoadError('not_found', `"${source.repo}" is not a Hub repo id (expected owner/name)`);
    }
    return { id: source.repo, local: false, remoteHost: hubHost, remotePathTemplate: '{model}/resolve/{revision}/', dtype: pickDtype('q8') };
  }
  let url: URL;
  try {
    url = new URL(source.url);
  } catch {
    throw new ModelLoadError('not_found', `"${source.url}" is not a URL`);
  }
  const path = url.pathname.replace(/\/+$/, '');
  const cut = path.lastIndexOf('/');
  return {
    id: path.slice(cut + 1),
    local: false,
    remoteHost: `${url.origin}${path.slice(0, cut + 1)}`,
    remotePathTemplate: '{model}/',
    dtype: pickDtype('q8'),
  };
}

export function classifyLoadError(error: unknown, what: string): ModelLoadError {
  if (error instanceof ModelLoadError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof StalledDownloadError || /the download stalled/.test(message)) {
    return new ModelLoadError('stalled', `${what}: ${message.replace(/^.*?(the download stalled)/s, '$1')}. Retry to continue; files that arrived whole are kept in the browser cache.`);
  }
  if (/Unsupported model type|Unknown model class|not supported/i.test(message)) {
    return new ModelLoadError('unsupported_architecture', `${what}: this architecture is not supported in the browser (${message})`);
  }
  // An empty weights file reaches the runtime as a response without a body; a truncated, corrupt or Git-LFS-pointer
  // one as a protobuf the runtime cannot parse; a damaged JSON file as a syntax error.
  if (/protobuf|ERROR_CODE: 7\b|reading 'getReader'|is not valid JSON|Unexpected (token|end of (JSON|data))|Invalid model/i.test(message)) {
    return new ModelLoadError('bad_file', `${what}: a model file is damaged or is not a model file (truncated, empty, or a Git LFS pointer)`);
  }
  if (/Could not locate file|404|not found/i.test(message)) {
    return new ModelLoadError('not_found', `${what}: a model file was not found (${message})`);
  }
  if (/out of memory|Cannot allocate|allocation failed|Array buffer allocation|RangeError: Invalid typed array length/i.test(message)) {
    return new ModelLoadError('too_large', `${what}: the model is too large for this device's memory (${message})`);
  }
  if (/fetch|network|ECONNRESET|ECONNREFUSED|terminated|socket|ENOTFOUND|EAI_AGAIN|Failed to fetch|body stream|aborted/i.test(message)) {
    return new ModelLoadError('network', `${what}: the network failed while downloading (${message}). Retry to continue; files already downloaded are kept in the browser cache.`);
  }
  return new ModelLoadError('internal', `${what}: ${message}`);
}

/** The folder URL a source's files are fetched from (and kept under in Cache Storage). */
export function modelFolderUrl(options: TokenizerOptions & { device: RuntimeDevice }, origin: string): string {
  const r = resolve(options.source, options.device, options.dtype, options.hubHost ?? DEFAULT_HUB_HOST);
  if (r.local) return new URL(`${options.localModelPath.replace(/\/?$/, '/')}${r.id}/`, origin).href;
  return `${r.remoteHost ?? ''}${(r.remotePathTemplate ?? '').replace('{model}', r.id).replace('{revision}', 'main')}`;
}

/** Points transformers.js at the source's files (our origin, the Hub or a folder URL) and says which they are. */
function pointAtSource(options: TokenizerOptions & { device: RuntimeDevice }): Resolved {
  const r = resolve(options.source, options.device, options.dtype, options.hubHost ?? DEFAULT_HUB_HOST);
  env.localModelPath = options.localModelPath;
  env.allowLocalModels = r.local;
  env.allowRemoteModels = !r.local;
  if (r.remoteHost) env.remoteHost = r.remoteHost;
  if (r.remotePathTemplate) env.remotePathTemplate = r.remotePathTemplate;
  return r;
}

/**
 * Encode and decode as the model's tokenizer does. A prompt gets the special tokens the tokenizer adds by default
 * (a BOS) when its config asks for them (add_bos_token / add_eos_token, the rule of transformers.js's
 * text-generation pipeline) or, without such a flag, when they only come before the text: a template that also
 * appends one (BERT's [SEP]) would end the text before the model starts. Labels keep special tokens; the run's
 * text skips them, as the pipeline's does.
 */
export function codecOf(tokenizer: PreTrainedTokenizer): TextCodec {
  const encodeWith = (text: string, add_special_tokens: boolean) => Array.from(tokenizer.encode(text, { add_special_tokens }) as number[]);
  const config = (tokenizer as unknown as { config?: Record<string, unknown> }).config ?? {};
  const addSpecial = tokenizer.add_bos_token !== undefined || tokenizer.add_eos_token !== undefined
    ? Boolean(tokenizer.add_bos_token || tokenizer.add_eos_token)
    : addsSpecialsOnlyInFront(encodeWith('a', true), encodeWith('a', false));
  const decode = (ids: number[]) => (ids.length === 0 ? '' : tokenizer.decode(ids, { skip_special_tokens: false }));
  const special = new Set<number>(tokenizer.all_special_ids.map(Number));
  // Any ordinary token works as the anchor labels are decoded after: the first of a plain letter's ids.
  const anchor = encodeWith('a', false).find((id) => !special.has(id)) ?? null;
  return {
    encode: (text) => encodeWith(text, addSpecial),
    encodeTemplated: (text) => encodeWith(text, false),
    decode,
    tokenText: cachedTokenText(tokenTextInContext(decode, anchor, (id) => special.has(id))),
    text: {
      decode: (ids) => (ids.length === 0 ? '' : tokenizer.decode(ids, { skip_special_tokens: true })),
      decodeRaw: (ids) => (ids.length === 0 ? '' : tokenizer.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false })),
      isSkipped: (id) => special.has(id),
      cleansUpSpaces: config.clean_up_tokenization_spaces !== false,
    },
  };
}

function addsSpecialsOnlyInFront(withSpecials: number[], without: number[]): boolean {
  const front = withSpecials.length - without.length;
  return front > 0 && without.every((id, i) => withSpecials[front + i] === id);
}

export async function loadTokenizerCodec(options: TokenizerOptions): Promise<TextCodec> {
  const r = pointAtSource({ ...options, device: 'wasm' });
  try {
    return codecOf(await AutoTokenizer.from_pretrained(r.id));
  } catch (error) {
    throw classifyLoadError(error, r.id === BUNDLED_MODEL_ID ? 'bundled model' : `model ${r.id}`);
  }
}

export async function loadModel(options: LoadOptions): Promise<LoadedModel> {
  const r = pointAtSource(options);
  const progress_callback = (info: { status: string; file?: string; loaded?: number; total?: number }) => {
    if (!info.file) return;
    // A file counts as arriving from its first request until it is done, so a download stalled before its first byte shows too.
    if (info.status === 'initiate') options.onProgress?.(info.file, 0, 0);
    else if (info.status === 'progress') options.onProgress?.(info.file, info.loaded ?? 0, info.total ?? 0);
    else if (info.status === 'done') options.onProgress?.(info.file, info.loaded ?? 0, info.total ?? 0, true);
  };
  const what = r.id === BUNDLED_MODEL_ID ? 'bundled model' : `model ${r.id}`;
  const dtypes = await chooseDtype(r, options, what);
  const tooLarge = await checkFits(r, options, what);
  if (tooLarge) throw tooLarge;
  try {
    // Both at once: the tokenizer's files arrive while the weights download. Settled, not raced: after a failure
    // nothing is still arriving into the browser cache that the caller is about to clean.
    const [tokenizerLoad, modelLoad] = await Promise.allSettled([
      AutoTokenizer.from_pretrained(r.id, { progress_callback }),
      AutoModelForCausalLM.from_pretrained(r.id, { device: options.device, dtype: r.dtype, progress_callback }),
    ]);
    if (tokenizerLoad.status === 'rejected') throw tokenizerLoad.reason;
    if (modelLoad.status === 'rejected') throw modelLoad.reason;
    const tokenizer = tokenizerLoad.value;
    const model = modelLoad.value;
    const config = model.config as unknown as Record<string, unknown>;
    const vocabSize = Number(config.vocab_size);
    const eos = config.eos_token_id ?? (model.generation_config as unknown as Record<string, unknown> | null)?.eos_token_id;
    const eosIds = (Array.isArray(eos) ? eos : eos === undefined || eos === null ? [] : [eos]).map(Number);
    const contextLength = Number(config.max_position_embeddings ?? config.n_positions ?? config.n_ctx ?? 2048);
    const codec = codecOf(tokenizer);
    return {
      modelId: r.id, tokenizer, model, runner: new TransformersRunner(model, vocabSize), codec, eosIds, vocabSize,
      contextLength, dtype: r.dtype, dtypes, hasChatTemplate: Boolean((tokenizer as unknown as { chat_template?: unknown }).chat_template),
    };
  } catch (error) {
    throw await diagnose(error, what, r);
  }
}

/** The folder of a remote model's files (ending in '/'). */
function remoteFolder(r: Resolved): string {
  return `${r.remoteHost ?? ''}${(r.remotePathTemplate ?? '').replace('{model}', r.id).replace('{revision}', 'main')}`;
}

/**
 * Settles r.dtype: the one asked for when the model has it (refused, naming the ones it has, when not), else the
 * usual default, or what the folder has when it lacks that. Returns the precisions the model has.
 */
async function chooseDtype(r: Resolved, options: LoadOptions, what: string): Promise<Dtype[]> {
  const spec = options.source.kind === 'catalog' ? findModel(options.source.id) : undefined;
  const known = spec ? (Object.keys(spec.sizes) as Dtype[]) : r.local ? null : await remoteDtypes(remoteFolder(r));
  const available = known === null ? null : DTYPE_ORDER.filter((d) => known.includes(d));
  const asked = options.dtype;
  if (asked !== undefined && (!isDtype(asked) || (available !== null && !available.includes(asked)))) {
    const list = available === null ? 'none could be found' : available.join(', ');
    throw new ModelLoadError('dtype_unavailable', `${what} has no ${asked} weights; it has ${list}`, { dtype: asked, available: available ?? [] });
  }
  if (asked === undefined && available !== null) r.dtype = fallbackDtype(available, r.dtype);
  return available ?? [r.dtype];
}

/** Refuses, before any download, a model whose weights this device cannot hold. */
async function checkFits(r: Resolved, options: LoadOptions, what: string): Promise<ModelLoadError | null> {
  const budget = weightBudget(options.device, options.deviceMemoryGiB);
  if (budget === null || r.local) return null;
  const spec = options.source.kind === 'catalog' ? findModel(options.source.id) : undefined;
  const catalogMB = spec?.sizes[r.dtype];
  const bytes = catalogMB !== undefined ? catalogMB * 1e6 : await remoteWeightBytes(remoteFolder(r), r.dtype);
  const reason = tooLargeReason(what, r.dtype, bytes, options.device, budget);
  return reason ? new ModelLoadError('too_large', reason) : null;
}

/**
 * transformers.js reports a missing remote file in several ways (sometimes only as a later TypeError), so
 * after a failure we ask the server for config.json ourselves to tell "not there" from "no network".
 */
async function diagnose(error: unknown, what: string, r: Resolved): Promise<ModelLoadError> {
  const classified = classifyLoadError(error, what);
  if (r.local || (classified.code !== 'not_found' && classified.code !== 'internal')) return classified;
  const template = (r.remotePathTemplate ?? '').replace('{model}', r.id).replace('{revision}', 'main');
  const url = `${r.remoteHost ?? ''}${template}config.json`;
  try {
    const response = await fetch(url, { method: 'GET' });
    if (response.status === 404 || response.status === 401) {
      return new ModelLoadError('not_found', `${what}: not found at ${url} (${response.status}). Check the repo id or folder URL.`);
    }
  } catch (probe) {
    return classifyLoadError(probe instanceof Error ? new Error(`fetch failed: ${probe.message}`) : probe, what);
  }
  return classified;
}

/** The prompt as the model sees it: the chat template around it for chat models, raw text otherwise. */
export function promptIds(loaded: LoadedModel, prompt: string, chat: boolean): number[] {
  if (!chat || !loaded.hasChatTemplate) return loaded.codec.encode(prompt);
  const text = loaded.tokenizer.apply_chat_template([{ role: 'user', content: prompt }], {
    tokenize: false, add_generation_prompt: true,
  }) as string;
  return loaded.codec.encodeTemplated(text);
}

// One forward pass at a time over a transformers.js causal LM, keeping its KV cache between calls; only the
// last position's logits come back. Per step it builds three small input tensors and nothing else: the
// forward pass of the bundled model takes under a millisecond, so every allocation shows.
import { Tensor, type PreTrainedModel } from '@huggingface/transformers';
import { runtimeOutputs } from './outputPool';
import { RowCache, type CacheData } from './rowCache';

export interface ModelRunner {
  readonly vocabSize: number;
  /** Feeds `ids` after everything fed since the last reset; returns the logits of the last position. */
  forward(ids: number[]): Promise<Float32Array>;
  /** The caller will not read these logits (from forward) again: a later pass may write into them. */
  recycle(logits: Float32Array): void;
  /** Forgets the cache (the next forward starts a new sequence). */
  reset(): void;
  /** Tokens currently in the cache. */
  readonly length: number;
}

type TensorMap = Record<string, Tensor>;
/** onnxruntime's own tensor, which a transformers.js Tensor wraps. */
type OrtTensor = Tensor['ort_tensor'];
export type OrtTensorMap = Record<string, OrtTensor>;
/** The part of the onnxruntime session transformers.js loaded that a decode step uses. */
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** `fetches`: only these outputs are read back from the runtime. */
  run(feeds: OrtTensorMap, fetches?: readonly string[]): Promise<OrtTensorMap>;
}

/** Inputs a step with a cache can feed the session itself, besides the cache; any other sends it through model.forward. */
const DIRECT_INPUTS = new Set(['input_ids', 'attention_mask', 'position_ids', 'use_cache_branch', 'num_logits_to_keep']);

/** How a cached step can run the model's session itself. */
export interface DirectSession {
  /** Null: steps go through model.forward. */
  session: OrtSession | null;
  /** The inputs the session names besides the cache: these three, and its constant inputs, if it has any. */
  feeds(inputIds: Tensor, attentionMask: Tensor, positionIds: Tensor): OrtTensorMap;
}

/** Learnt once per model: a session that takes only inputs a cached step knows can be run directly. */
export function directSessionOf(model: PreTrainedModel): DirectSession {
  const found = (model as unknown as { sessions?: Record<string, OrtSession | undefined> }).sessions?.model;
  const direct = found?.inputNames.every((name) => DIRECT_INPUTS.has(name) || name.startsWith('past_key_values.')) ?? false;
  const session = direct && found ? found : null;
  const stepConstants: OrtTensorMap = {};
  if (session?.inputNames.includes('use_cache_branch')) stepConstants.use_cache_branch = new Tensor('bool', [true], [1]).ort_tensor;
  // One position per step, and the logits of the last position are all a step reads.
  if (session?.inputNames.includes('num_logits_to_keep')) stepConstants.num_logits_to_keep = new Tensor('int64', [1n], []).ort_tensor;
  const takesPositions = session?.inputNames.includes('position_ids') ?? false;
  return {
    session,
    feeds(inputIds, attentionMask, positionIds) {
      const feeds: OrtTensorMap = { ...stepConstants, input_ids: inputIds.ort_tensor, attention_mask: attentionMask.ort_tensor };
      if (takesPositions) feeds.position_ids = positionIds.ort_tensor;
      return feeds;
    },
  };
}

/**
 * Time spent inside the runtime's passes (inputs copied in, the graph run, outputs copied out), summed over the
 * worker's life: a request reads it before and after, to tell its own work from the runtime's.
 */
export const runtimeClock = { ms: 0 };

/** Awaits one pass of the runtime, adding its time to `runtimeClock`. */
export async function timedPass<T>(pass: Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await pass;
  } finally {
    runtimeClock.ms += performance.now() - started;
  }
}

/**
 * The cache on our side of the runtime (rowCache.ts), for a model that outputs the keys and values of the
 * positions it was fed (`step_key_values.*`, beside `present.*`) and a cache on the CPU: a pass then reads back
 * only those and the logits. Built from a first pass's outputs; null when the model or the device does not allow it.
 */
export class KeptCache {
  private constructor(
    readonly cache: RowCache,
    private readonly session: OrtSession,
    /** [step_key_values.* output, past_key_values.* input] pairs. */
    private readonly pairs: [string, string][],
    private readonly fetches: string[],
    private readonly type: OrtTensor['type'],
  ) {}

  /** From a first pass's outputs (`rows` sequences of `length` positions); `cacheNames` pairs present.* with past_key_values.*. */
  static from(session: OrtSession | null, cacheNames: readonly [string, string][], outputs: OrtTensorMap, rows: number, length: number): KeptCache | null {
    if (!session || cacheNames.length === 0) return null;
    const pairs = cacheNames.map(([present, past]): [string, string] => [present.replace('present', 'step_key_values'), past]);
    if (!pairs.every(([step]) => session.outputNames.includes(step))) return null;
    const first = outputs[cacheNames[0][0]];
    if (first.location === 'gpu-buffer') return null;
    const [, heads, , headDim] = first.dims;
    const data = cacheNames.map(([present]) => outputs[present].data as CacheData);
    const cache = new RowCache(cacheNames.length, heads, headDim, data[0].constructor as new (length: number) => CacheData);
    cache.load(data, rows, length);
    return new KeptCache(cache, session, pairs, ['logits', ...pairs.map(([step]) => step)], first.type);
  }

  /** One pass: `feeds` (without the cache) plus the cache; the fed positions join the cache. Returns the outputs (logits). */
  async run(feeds: OrtTensorMap): Promise<OrtTensorMap> {
    const views = this.cache.views();
    const dims = this.cache.dims();
    const all: OrtTensorMap = { ...feeds };
    this.pairs.forEach(([, past], i) => {
      all[past] = new Tensor(this.type, views[i], dims).ort_tensor;
    });
    const outputs = await timedPass(this.session.run(all, this.fetches));
    const fed = this.pairs.map(([step]) => outputs[step].data as CacheData);
    this.cache.append(fed);
    // Copied into the cache: the runtime may write the next pass's into them.
    for (const data of fed) runtimeOutputs.recycle(data);
    return outputs;
  }
}

export class TransformersRunner implements ModelRunner {
  readonly vocabSize: number;
  /** The cache for the next step, as onnxruntime tensors (the previous step's present.* outputs). */
  private past: OrtTensorMap | null = null;
  private cached = 0;
  /** [present.* output, past_key_values.* input] pairs, learnt from the first outputs. */
  private cacheNames: [string, string][] | null = null;
  /** A row of ones as long as the longest sequence so far: each step's attention mask is a view of it. */
  private ones = new BigInt64Array(0);
  /** Whether the runtime keeps the cache on the GPU (WebGPU), where it must be released by hand. */
  private cacheOnGpu = false;
  /**
   * The model's session when steps after the first can run it directly. transformers.js's forward wraps every
   * tensor in and out and checks every input on each call, ~25 µs a step in Chromium against a forward pass of
   * ~0.8 ms on the bundled model; the first pass (empty cache, model-specific set-up) always goes through it.
   */
  private readonly session: OrtSession | null;
  /** What a direct pass feeds besides the cache (only the inputs the session names). */
  private readonly directFeeds: DirectSession['feeds'];
  /** The cache on our side after the first pass, when the model allows it (then `past` stays null). */
  private kept: KeptCache | null = null;

  constructor(private readonly model: PreTrainedModel, vocabSize: number) {
    this.vocabSize = vocabSize;
    ({ session: this.session, feeds: this.directFeeds } = directSessionOf(model));
  }

  get length(): number {
    return this.cached;
  }

  /** Whether the cache lives on our side (see `kept`). */
  get keepsCache(): boolean {
    return this.kept !== null;
  }

  reset(): void {
    this.releasePast();
    this.past = null;
    this.kept = null;
    this.cached = 0;
  }

  recycle(logits: Float32Array): void {
    runtimeOutputs.recycle(logits);
  }

  async forward(ids: number[]): Promise<Float32Array> {
    if (ids.length === 0) throw new Error('forward needs at least one token');
    const start = this.cached;
    const total = start + ids.length;
    const idData = new BigInt64Array(ids.length);
    const positionData = new BigInt64Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      idData[i] = BigInt(ids[i]);
      positionData[i] = BigInt(start + i);
    }
    if (this.ones.length < total) this.ones = new BigInt64Array(Math.max(total, 2 * this.ones.length)).fill(1n);
    const inputIds = new Tensor('int64', idData, [1, ids.length]);
    const attentionMask = new Tensor('int64', this.ones.subarray(0, total), [1, total]);
    const positionIds = new Tensor('int64', positionData, [1, ids.length]);
    const outputs = this.kept
      ? await this.kept.run(this.directFeeds(inputIds, attentionMask, positionIds))
      : this.past && this.session
        ? await timedPass(this.session.run({ ...this.past, ...this.directFeeds(inputIds, attentionMask, positionIds) }))
        : await timedPass(this.runForward(inputIds, attentionMask, positionIds));
    if (!this.cacheNames) {
      this.cacheNames = Object.keys(outputs).filter((name) => name.startsWith('present')).map((name) => [name, name.replace('present', 'past_key_values')]);
      this.cacheOnGpu = this.cacheNames.some(([name]) => outputs[name].location === 'gpu-buffer');
    }
    if (start === 0) this.kept = KeptCache.from(this.session, this.cacheNames, outputs, 1, total);
    if (!this.kept) {
      const next: OrtTensorMap = {};
      for (const [output, input] of this.cacheNames) next[input] = outputs[output];
      this.releasePast();
      this.past = next;
    }
    this.cached = total;
    const logits = outputs.logits;
    const vocab = logits.dims[logits.dims.length - 1];
    const data = logits.data as Float32Array;
    // The output is already our own copy out of the runtime's memory; one position needs no slice.
    return data.length === vocab ? data : data.slice(data.length - vocab);
  }

  /** The model's forward (not generate): raw outputs, present.* become the next past_key_values.*. */
  private async runForward(inputIds: Tensor, attentionMask: Tensor, positionIds: Tensor): Promise<OrtTensorMap> {
    const past: TensorMap | null = this.past ? Object.fromEntries(Object.entries(this.past).map(([name, t]) => [name, new Tensor(t)])) : null;
    const outputs = (await this.model.forward({ input_ids: inputIds, attention_mask: attentionMask, position_ids: positionIds, past_key_values: past })) as TensorMap;
    const unwrapped: OrtTensorMap = {};
    for (const name in outputs) unwrapped[name] = outputs[name].ort_tensor;
    return unwrapped;
  }

  private releasePast(): void {
    // GPU-resident cache tensors hold device buffers that garbage collection does not free; CPU ones need nothing.
    if (this.past && this.cacheOnGpu) for (const name in this.past) this.past[name].dispose();
  }
}

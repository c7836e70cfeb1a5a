// The decode loop on the bundled model in Node: greedy, seeded sampling, cancel, stop strings across tokens,
// Chinese and emoji without U+FFFD, and branching — all through the same Generator the worker runs.
import { beforeAll, describe, expect, it } from 'vitest';
import { Tensor } from '@huggingface/transformers';
import { DEFAULT_PARAMS } from '../../src/core';
import { Generator, type RunOutcome } from '../../src/engine/Generator';
import { loadModel, type LoadedModel } from '../../src/engine/modelLoader';
import { IncrementalTextDecoder } from '../../src/engine/textDecoder';
import { StepObserver, type StepSink } from '../../src/engine/stepObserver';
import type { GenerateSettings, StepEvent } from '../../src/engine/protocol';

let loaded: LoadedModel;
let generator: Generator;

const settings = (over: Partial<GenerateSettings> = {}): GenerateSettings => ({
  prompt: 'The weather today is very', params: { ...DEFAULT_PARAMS, top_k: 0, temperature: 0 }, seed: 1,
  max_new_tokens: 16, stop: [], ignore_eos: false, chat: false, topN: 20, ...over,
});

async function run(s: GenerateSettings, cancelAfter = Infinity, branch?: Parameters<Generator['generate']>[2]) {
  const steps: StepEvent[] = [];
  const outcome: RunOutcome = await generator.generate(s, {
    onStep: (e) => { steps.push(e); },
    isCancelled: () => steps.length >= cancelAfter,
  }, branch);
  return { outcome, steps, tokens: steps.map((e) => e.tokenId), shown: steps.map((e) => e.textDelta).join('') };
}

/** Greedy by hand: full recompute every step, no cache, argmax in plain JS. */
async function referenceGreedy(prompt: string, n: number): Promise<number[]> {
  const ids = loaded.codec.encode(prompt);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const len = ids.length;
    const output = await loaded.model.forward({
      input_ids: new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, len]),
      attention_mask: new Tensor('int64', new BigInt64Array(len).fill(1n), [1, len]),
      position_ids: new Tensor('int64', BigInt64Array.from(ids, (_, j) => BigInt(j)), [1, len]),
      past_key_values: null,
    }) as { logits: Tensor };
    const data = output.logits.data as Float32Array;
    const last = data.subarray(data.length - loaded.vocabSize);
    let best = 0;
    for (let j = 1; j < last.length; j++) if (last[j] > last[best]) best = j;
    out.push(best);
    ids.push(best);
    if (loaded.eosIds.includes(best)) break;
  }
  return out;
}

beforeAll(async () => {
  loaded = await loadModel({ source: { kind: 'catalog', id: 'logitlab-tiny' }, device: 'cpu', localModelPath: 'public/models/' });
  generator = new Generator(loaded.runner, loaded.codec, loaded.eosIds, loaded.contextLength);
});

describe('Generator on the bundled model', () => {
  it('greedy decoding with the KV cache matches a cache-free argmax loop', async () => {
    const { tokens, outcome } = await run(settings());
    expect(tokens).toEqual(await referenceGreedy('The weather today is very', tokens.length));
    expect(outcome.text.length).toBeGreaterThan(0);
    expect(['max_new_tokens', 'eos']).toContain(outcome.reason);
  });

  it('greedy text is the one the bundled model is known to produce', async () => {
    const { outcome } = await run(settings({ max_new_tokens: 8 }));
    expect(outcome.text).toBe(EXPECTED_GREEDY);
  });

  it('the same seed gives the same sampled tokens, another seed other tokens', async () => {
    const sampled = { ...DEFAULT_PARAMS, top_k: 0, temperature: 1.2 };
    const a = await run(settings({ params: sampled, seed: 42, max_new_tokens: 24 }));
    const b = await run(settings({ params: sampled, seed: 42, max_new_tokens: 24 }));
    const c = await run(settings({ params: sampled, seed: 4242, max_new_tokens: 24 }));
    expect(b.tokens).toEqual(a.tokens);
    expect(c.tokens).not.toEqual(a.tokens);
    for (const step of a.steps) expect(step.probability).toBeGreaterThan(0);
  });

  it('cancel stops within one step', async () => {
    const { outcome, steps } = await run(settings({ max_new_tokens: 40 }), 3);
    expect(outcome.reason).toBe('cancelled');
    expect(steps.length).toBe(3);
  });

  it('a stop string that spans two tokens ends the run before it, and is never shown', async () => {
    const free = await run(settings({ max_new_tokens: 16 }));
    // Build a stop string from the end of one token and the start of the next.
    let at = -1;
    for (let i = 2; i < free.steps.length - 1; i++) {
      if (free.steps[i].tokenText.length >= 2 && free.steps[i + 1].tokenText.trim().length >= 1) { at = i; break; }
    }
    expect(at).toBeGreaterThan(0);
    const tail = free.steps[at].tokenText.slice(-1);
    const head = free.steps[at + 1].tokenText.slice(0, 2);
    const stop = tail + head;
    const before = free.steps.slice(0, at + 1).map((s) => s.tokenText).join('');
    const stopped = await run(settings({ max_new_tokens: 16, stop: [stop] }));
    expect(stopped.outcome.reason).toBe('stop');
    expect(stopped.outcome.text).toBe(before.slice(0, before.length - 1));
    expect(stopped.shown).toBe(stopped.outcome.text);
    expect(stopped.shown).not.toContain(stop);
  });

  it('Chinese output streams without U+FFFD', async () => {
    const zh = await run(settings({ prompt: '今天天气非常', max_new_tokens: 12 }));
    for (const s of zh.steps) expect(s.textDelta).not.toContain('\uFFFD');
    expect(zh.outcome.text).toMatch(/[\u4e00-\u9fff]/);
  });

  it('emoji split across byte tokens never shows a replacement character', () => {
    const text = 'ok 🤖🎉 今天';
    const ids = loaded.codec.encode(text);
    const decoder = new IncrementalTextDecoder(loaded.codec.text);
    const deltas = ids.map((id) => decoder.push(id));
    for (const d of deltas) expect(d).not.toContain('\uFFFD');
    expect(deltas.join('')).toBe(text);
    expect(deltas.some((d) => d === '')).toBe(true);
  });

  it('branches from step n with a chosen token, keeping the steps before it', async () => {
    const base = await run(settings({ params: { ...DEFAULT_PARAMS, top_k: 0, temperature: 1 }, seed: 7, max_new_tokens: 10 }));
    const n = 2;
    const alternatives = base.steps[n].views[0].ids.filter((id) => id !== base.tokens[n]);
    const chosen = alternatives[0];
    const branched = await run(
      settings({ params: { ...DEFAULT_PARAMS, top_k: 0, temperature: 1 }, seed: 7, max_new_tokens: 10 }),
      Infinity, { runId: base.outcome.run.runId, step: n, tokenId: chosen },
    );
    expect(branched.tokens.slice(0, n)).toEqual(base.tokens.slice(0, n));
    expect(branched.tokens[n]).toBe(chosen);
    expect(branched.outcome.run.parentRunId).toBe(base.outcome.run.runId);
    expect(generator.getRun(branched.outcome.run.runId)!.logits.length).toBe(branched.steps.length);
  });

  it('a run observed elsewhere (its chain only draws, a StepObserver replays each step) shows what one observed here shows', async () => {
    const params = { ...DEFAULT_PARAMS, top_k: 0, temperature: 1.1, top_p: 0.9, repetition_penalty: 1.3, dry_multiplier: 0.8, xtc_probability: 0.5, xtc_threshold: 0.05 };
    const s = settings({ params, seed: 11, max_new_tokens: 12 });
    const here = await run(s);
    const branchHere = await run(s, Infinity, { runId: here.outcome.run.runId, step: 3, tokenId: here.steps[3].views[0].ids[1] });
    const observeElsewhere = async (branch?: Parameters<Generator['run']>[3]) => {
      const observer = new StepObserver(loaded.codec.tokenText);
      const steps: StepEvent[] = [];
      let viewsOnTheDecodePath = 0;
      const sink: StepSink = {
        chainObserver: () => undefined,
        start: (observed) => observer.startRun(observed),
        take: (drawn, result) => {
          viewsOnTheDecodePath += result.views.length;
          steps.push(observer.observe(drawn));
        },
      };
      const outcome = await generator.run(s, { isCancelled: () => false }, sink, branch);
      return { outcome, steps, viewsOnTheDecodePath };
    };
    const elsewhere = await observeElsewhere();
    const branchElsewhere = await observeElsewhere({ runId: elsewhere.outcome.run.runId, step: 3, tokenId: here.steps[3].views[0].ids[1] });
    const shown = (e: StepEvent) => ({ ...e, runId: 0, timings: null });
    for (const [a, b] of [[elsewhere, here], [branchElsewhere, branchHere]] as const) {
      expect(a.viewsOnTheDecodePath).toBe(0);
      expect(a.outcome.text).toBe(b.outcome.text);
      expect(a.steps.map(shown)).toEqual(b.steps.map(shown));
    }
    expect(here.steps.some((e) => e.views.some((v) => v.stage === 'xtc'))).toBe(true);
  });

  it('refuses invalid settings with the parameter named', async () => {
    await expect(run(settings({ params: { ...DEFAULT_PARAMS, top_p: 7 } }))).rejects.toThrow(/top_p/);
  });
});

// Written once from the final bundled model; retraining the model means updating it.
const EXPECTED_GREEDY = ' sunny. The cat is sleeping on the';

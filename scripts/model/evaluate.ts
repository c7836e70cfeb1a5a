// Measures the bundled model through transformers.js (the ONNX files that ship): held-out perplexity, the
// model's probability of every teaching-point continuation against the grammar's, greedy and seeded samples
// in English and Chinese, and int8-vs-fp32 agreement.
import { readFileSync } from 'node:fs';
import { DEFAULT_PARAMS } from '../../src/core';
import { Generator } from '../../src/engine/Generator';
import { loadModel, type LoadedModel } from '../../src/engine/modelLoader';

const MODEL_DIR = 'public/models/';
const HELDOUT = 'scripts/model/work/heldout.txt';

function logSoftmaxAt(logits: Float32Array, id: number): number {
  let max = -Infinity;
  for (const z of logits) if (z > max) max = z;
  let sum = 0;
  for (const z of logits) sum += Math.exp(z - max);
  return logits[id] - max - Math.log(sum);
}

async function sequenceLogProb(m: LoadedModel, context: number[], continuation: number[]): Promise<number> {
  m.runner.reset();
  let logits = await m.runner.forward(context);
  let total = 0;
  for (const id of continuation) {
    total += logSoftmaxAt(logits, id);
    logits = await m.runner.forward([id]);
  }
  return total;
}

async function perplexity(m: LoadedModel, docs: string[]): Promise<number> {
  let nll = 0;
  let count = 0;
  for (const doc of docs) {
    const ids = [...m.codec.encode(doc), m.eosIds[0]];
    m.runner.reset();
    let logits = await m.runner.forward([ids[0]]);
    for (let i = 1; i < ids.length; i++) {
      nll -= logSoftmaxAt(logits, ids[i]);
      count++;
      logits = await m.runner.forward([ids[i]]);
    }
  }
  return Math.exp(nll / count);
}

async function sample(m: LoadedModel, prompt: string, temperature: number, seed: number): Promise<string> {
  const g = new Generator(m.runner, m.codec, m.eosIds, m.contextLength);
  const out = await g.generate({
    prompt, params: { ...DEFAULT_PARAMS, top_k: 0, temperature }, seed, max_new_tokens: 40, stop: [], ignore_eos: false, chat: false, topN: 5,
  }, { onStep: () => {}, isCancelled: () => false });
  return out.text;
}

const fp32 = await loadModel({ source: { kind: 'catalog', id: 'logitlab-tiny' }, device: 'cpu', dtype: 'fp32', localModelPath: MODEL_DIR });
const q8 = await loadModel({ source: { kind: 'catalog', id: 'logitlab-tiny' }, device: 'cpu', dtype: 'q8', localModelPath: MODEL_DIR });

const docs = readFileSync(HELDOUT, 'utf8').split('\n').filter(Boolean).slice(0, 300);
console.log(`held-out perplexity (300 documents never trained on): fp32 ${(await perplexity(fp32, docs)).toFixed(3)}, int8 ${(await perplexity(q8, docs)).toFixed(3)}`);

const points = JSON.parse(readFileSync(`${MODEL_DIR}logitlab-tiny/teaching_points.json`, 'utf8')) as { prompt: string; lang: string; next: Record<string, number> }[];
let worst = 0;
console.log('\nteaching points: prompt | continuation | known | model (product over its tokens) | diff');
for (const p of points) {
  const context = fp32.codec.encode(p.prompt);
  for (const [continuation, known] of Object.entries(p.next)) {
    const prob = Math.exp(await sequenceLogProb(fp32, context, fp32.codec.encode(continuation)));
    worst = Math.max(worst, Math.abs(prob - known));
    console.log(`${p.prompt} | ${JSON.stringify(continuation)} | ${known.toFixed(3)} | ${prob.toFixed(3)} | ${(prob - known >= 0 ? '+' : '') + (prob - known).toFixed(3)}`);
  }
}
console.log(`largest |model − known| over all teaching points: ${worst.toFixed(3)}`);

console.log('\nsamples:');
for (const prompt of ['The weather today is very', 'After school the children', '今天天气非常', '放学以后，孩子们']) {
  console.log(`greedy  ${JSON.stringify(prompt)} → ${JSON.stringify(await sample(fp32, prompt, 0, 1))}`);
  console.log(`seed 42 ${JSON.stringify(prompt)} → ${JSON.stringify(await sample(fp32, prompt, 1, 42))}`);
}

// int8 against fp32 on held-out positions: top-1 agreement and the largest logit difference.
let agree = 0;
let positions = 0;
let maxDiff = 0;
for (const doc of docs.slice(0, 60)) {
  const ids = fp32.codec.encode(doc).slice(0, 40);
  fp32.runner.reset();
  q8.runner.reset();
  for (const id of ids) {
    const a = await fp32.runner.forward([id]);
    const b = await q8.runner.forward([id]);
    let ia = 0;
    let ib = 0;
    for (let i = 0; i < a.length; i++) {
      if (a[i] > a[ia]) ia = i;
      if (b[i] > b[ib]) ib = i;
      maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    }
    agree += ia === ib ? 1 : 0;
    positions++;
  }
}
console.log(`\nint8 vs fp32 over ${positions} held-out positions: top-1 agreement ${(100 * agree / positions).toFixed(1)}%, max |Δlogit| ${maxDiff.toFixed(3)}`);

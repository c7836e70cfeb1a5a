// Live-text benchmark: our windowed incremental decode against decoding the whole sequence at every step (the
// definition it must equal), per tokenizer family, on a 96-token prompt and 256 generated tokens of real text.
import { readFileSync } from 'node:fs';
import { PreTrainedTokenizer } from '@huggingface/transformers';
import { codecOf } from '../../src/engine/modelLoader';
import { IncrementalTextDecoder, visibleText } from '../../src/engine/textDecoder';
import { median, percentile, round, type BenchRow } from './format';

const TOKENIZERS: Record<string, string> = {
  'bundled (byte-level BPE)': 'public/models/logitlab-tiny',
  'SentencePiece fixture': 'tests/fixtures/models/tiny-llama-sentencepiece',
  'byte-level fixture': 'tests/fixtures/models/tiny-llama-bytelevel',
  'WordPiece fixture': 'tests/fixtures/models/tiny-llama-wordpiece',
};
const TEXT = 'Once upon a time, the little cat ran far away into the night. 今天天气晴朗，小猫很开心 😀. ' +
  "She said hello to the world, and they went on with the story; it was a happy day. Don't be sad. ";
const PROMPT_TOKENS = 96;
const GENERATED = 256;
const ROUNDS = 20;

function ids(codec: ReturnType<typeof codecOf>, n: number): number[] {
  const one = codec.encodeTemplated(TEXT);
  const out: number[] = [];
  while (out.length < n) out.push(...one);
  return out.slice(0, n);
}

export async function runTextDecodeBench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [name, folder] of Object.entries(TOKENIZERS)) {
    const read = (file: string) => JSON.parse(readFileSync(`${folder}/${file}`, 'utf8')) as Record<string, unknown>;
    const codec = codecOf(new PreTrainedTokenizer(read('tokenizer.json'), read('tokenizer_config.json')));
    const all = ids(codec, PROMPT_TOKENS + GENERATED);
    const prompt = all.slice(0, PROMPT_TOKENS);
    const generated = all.slice(PROMPT_TOKENS);
    const window: number[] = [];
    const full: number[] = [];
    for (let round_ = 0; round_ < ROUNDS; round_++) {
      const decoder = new IncrementalTextDecoder(codec.text, prompt);
      for (const id of generated) {
        const t0 = performance.now();
        decoder.push(id);
        window.push(performance.now() - t0);
      }
      const promptText = codec.text.decode(prompt);
      for (let n = 1; n <= generated.length; n++) {
        const t0 = performance.now();
        visibleText(codec.text.decode([...prompt, ...generated.slice(0, n)]).slice(promptText.length));
        full.push(performance.now() - t0);
      }
    }
    const windowUs = median(window) * 1000;
    const fullUs = median(full) * 1000;
    rows.push({
      bench: 'text', impl: 'ours (window)', case: name, prompt_tokens: PROMPT_TOKENS, generated: GENERATED,
      median_us_per_token: round(windowUs, 1), p95_us_per_token: round(percentile(window, 0.95) * 1000, 1),
      ratio_vs_full_decode: round(windowUs / fullUs, 3),
    });
    rows.push({
      bench: 'text', impl: 'full decode every step', case: name, prompt_tokens: PROMPT_TOKENS, generated: GENERATED,
      median_us_per_token: round(fullUs, 1), p95_us_per_token: round(percentile(full, 0.95) * 1000, 1), ratio_vs_full_decode: 1,
    });
  }
  return rows;
}

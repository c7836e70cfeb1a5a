// The live text against the tokenizer's own full decode, for every tokenizer family (the fixtures' hand-written
// tokenizers and variants of them): after each token, what was shown is decode(prompt + generated) with the decoded
// prompt cut off, its inner U+FFFD removed and only what could still change held back.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PreTrainedTokenizer } from '@huggingface/transformers';
import { codecOf } from '../../src/engine/modelLoader';
import { cleanUpSpaces, IncrementalTextDecoder, visibleText } from '../../src/engine/textDecoder';
import type { TextCodec } from '../../src/engine/textDecoder';

type Json = Record<string, unknown>;
const FIXTURES = 'tests/fixtures/models';
const RUNS = process.env.LOGITLAB_DEEP_TESTS ? 600 : 60;

function readFixture(name: string): { json: Json; config: Json } {
  const read = (file: string) => JSON.parse(readFileSync(`${FIXTURES}/${name}/${file}`, 'utf8')) as Json;
  return { json: read('tokenizer.json'), config: read('tokenizer_config.json') };
}

interface Family {
  name: string;
  json: Json;
  config: Json;
}

/** The three fixtures, and the SentencePiece variants real models come in. */
function families(): Family[] {
  const sp = readFixture('tiny-llama-sentencepiece');
  const copy = (x: Json) => structuredClone(x);
  const decoders = (json: Json) => (json.decoder as { decoders: Json[] }).decoders;
  const noByteFallback = copy(sp.json);
  (noByteFallback.model as Json).byte_fallback = false;
  (noByteFallback.decoder as Json).decoders = decoders(noByteFallback).filter((d) => d.type !== 'ByteFallback');
  const noDummyPrefix = copy(sp.json);
  (noDummyPrefix.pre_tokenizer as Json).prepend_scheme = 'never';
  (noDummyPrefix.decoder as Json).decoders = decoders(noDummyPrefix).filter((d) => d.type !== 'Strip');
  const metaspaceDecoder = copy(sp.json);
  metaspaceDecoder.decoder = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false };
  const spCleanup = { ...sp.config, clean_up_tokenization_spaces: true };
  const gpt2NoCleanup = readFixture('tiny-llama-bytelevel');
  return [
    { name: 'SentencePiece, byte fallback, dummy prefix (fixture)', ...sp },
    { name: 'SentencePiece without byte fallback', json: noByteFallback, config: sp.config },
    { name: 'SentencePiece without the dummy prefix', json: noDummyPrefix, config: sp.config },
    { name: 'SentencePiece with a Metaspace decoder and space clean-up', json: metaspaceDecoder, config: spCleanup },
    { name: 'byte-level BPE with space clean-up (fixture)', ...readFixture('tiny-llama-bytelevel') },
    { name: 'byte-level BPE without clean-up', json: gpt2NoCleanup.json, config: { ...gpt2NoCleanup.config, clean_up_tokenization_spaces: false } },
    { name: 'WordPiece (fixture)', ...readFixture('tiny-llama-wordpiece') },
  ];
}

const PROMPTS = ['', 'Once upon a time', '今天', 'hello 😀', "don't", 'the cat .'];
const PIECES = ['今天天气晴朗', '😀🙂', '中文', 'é', '晴', ' .', " '", "n't", ' ,', '\n\n', ' ! ?'];

/** The most characters the clean-up's hold may keep back: a space whose fate needs five more characters, and them. */
const MOST_HELD = 6;

function idArb(codec: TextCodec, tokenizer: PreTrainedTokenizer): fc.Arbitrary<number[]> {
  const vocabSize = tokenizer.get_vocab() instanceof Map ? (tokenizer.get_vocab() as Map<string, number>).size : Object.keys(tokenizer.get_vocab()).length;
  const special = tokenizer.all_special_ids.map(Number);
  const bytePieces = [...Array(vocabSize).keys()].filter((id) => /^<0x[0-9A-F]{2}>$/.test(codec.decode([id])) || codec.decode([id]) === '\uFFFD');
  const pieceIds = PIECES.flatMap((p) => codec.encodeTemplated(p));
  const one = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: vocabSize - 1 }) },
    { weight: 1, arbitrary: fc.constantFrom(...special) },
    { weight: 2, arbitrary: bytePieces.length > 0 ? fc.constantFrom(...bytePieces) : fc.integer({ min: 0, max: vocabSize - 1 }) },
    { weight: 3, arbitrary: fc.constantFrom(...pieceIds) },
  );
  return fc.array(one, { minLength: 1, maxLength: 40 });
}

describe.each(families())('live text of $name', ({ json, config }) => {
  const tokenizer = new PreTrainedTokenizer(json, config);
  const codec = codecOf(tokenizer);
  const cleans = config.clean_up_tokenization_spaces !== false;

  it('after each token equals the full decode, less only what could still change, and never shows U+FFFD', () => {
    // A prompt is a typed text, or any ids (a branch's, or ones that end inside a character).
    const promptArb = fc.oneof(fc.constantFrom(...PROMPTS).map((text) => codec.encode(text)), idArb(codec, tokenizer));
    fc.assert(fc.property(promptArb, idArb(codec, tokenizer), (prompt, generated) => {
      const decoder = new IncrementalTextDecoder(codec.text, prompt);
      const decodedPrompt = codec.text.decode(prompt);
      let shown = '';
      const final = visibleText(codec.text.decode([...prompt, ...generated]).slice(decodedPrompt.length));
      for (let n = 1; n <= generated.length; n++) {
        shown += decoder.push(generated[n - 1]);
        const full = visibleText(codec.text.decode([...prompt, ...generated.slice(0, n)]).slice(decodedPrompt.length));
        if (cleans) {
          // What is shown never changes later, and the clean-up holds back only a few characters that it could
          // still rewrite (" '" + " t" reads "'t", taking a space the prompt ended with).
          expect(full.startsWith(shown)).toBe(true);
          expect(final.startsWith(shown)).toBe(true);
          expect(full.length - shown.length).toBeLessThanOrEqual(MOST_HELD);
        } else {
          expect(shown).toBe(full);
        }
        expect(shown).not.toContain('\uFFFD');
      }
      shown += decoder.flush();
      expect(shown).toBe(visibleText(codec.text.decode([...prompt, ...generated]).slice(decodedPrompt.length)));
    }), { numRuns: RUNS });
  });

  it('cleans up spaces as the tokenizer does, and knows which spaces it took out', () => {
    fc.assert(fc.property(idArb(codec, tokenizer), (ids) => {
      const raw = codec.text.decodeRaw(ids);
      const { text, removed } = cleans ? cleanUpSpaces(raw) : { text: raw, removed: [] };
      expect(text).toBe(codec.text.decode(ids));
      expect(raw.split('').filter((_, i) => !removed.includes(i)).join('')).toBe(text);
      expect(removed.every((i) => raw[i] === ' ')).toBe(true);
    }), { numRuns: RUNS });
  });

  it('writes a text back as it was typed, a character at a time or held back, never garbled', () => {
    const text = 'Once upon a time, the cat ran far away. 今天天气晴朗 😀 hello world';
    const ids = codec.encodeTemplated(text);
    const decoder = new IncrementalTextDecoder(codec.text, codec.encode('Story:'));
    const shown = ids.map((id) => decoder.push(id)).join('') + decoder.flush();
    expect(shown).toBe(visibleText(codec.text.decode([...codec.encode('Story:'), ...ids]).slice(codec.text.decode(codec.encode('Story:')).length)));
  });
});

describe('token labels keep their spaces', () => {
  const codecs = Object.fromEntries(['tiny-llama-sentencepiece', 'tiny-llama-bytelevel', 'tiny-llama-wordpiece'].map((name) => {
    const { json, config } = readFixture(name);
    return [name, codecOf(new PreTrainedTokenizer(json, config))];
  }));
  const idOf = (name: string, token: string) => {
    const vocab = ((readFixture(name).json.model as Json).vocab) as Record<string, number>;
    return vocab[token];
  };

  it.each([
    ['tiny-llama-sentencepiece', '▁upon', ' upon'],
    ['tiny-llama-sentencepiece', 'ing', 'ing'],
    ['tiny-llama-sentencepiece', '▁你好', ' 你好'],
    ['tiny-llama-bytelevel', 'Ġupon', ' upon'],
    ['tiny-llama-bytelevel', 'upon', 'upon'],
    ['tiny-llama-wordpiece', 'upon', ' upon'],
    ['tiny-llama-wordpiece', '##ing', 'ing'],
  ])('%s: %s reads %j', (name, token, label) => {
    expect(codecs[name].tokenText(idOf(name, token))).toBe(label);
  });

  it('special tokens keep their names', () => {
    expect(codecs['tiny-llama-sentencepiece'].tokenText(2)).toBe('</s>');
    expect(codecs['tiny-llama-wordpiece'].tokenText(3)).toBe('[SEP]');
  });

  it('a SentencePiece prompt starts with BOS (its config says so); byte-level and WordPiece prompts get no special token', () => {
    expect(codecs['tiny-llama-sentencepiece'].encode('Once upon')[0]).toBe(1);
    expect(codecs['tiny-llama-sentencepiece'].encodeTemplated('Once upon')[0]).not.toBe(1);
    expect(codecs['tiny-llama-bytelevel'].encode('Once upon')).toEqual(codecs['tiny-llama-bytelevel'].encodeTemplated('Once upon'));
    expect(codecs['tiny-llama-wordpiece'].encode('once upon')).not.toContain(2);
  });
});

describe('the clean-up hold', () => {
  const { json, config } = readFixture('tiny-llama-bytelevel');
  const codec = codecOf(new PreTrainedTokenizer(json, config));
  const stream = (prompt: string, pieces: string[]) => {
    const decoder = new IncrementalTextDecoder(codec.text, codec.encodeTemplated(prompt));
    const steps = pieces.map((piece) => decoder.push(codec.encodeTemplated(piece)[0]));
    return { steps, text: steps.join('') + decoder.flush() };
  };

  it('shows a word as soon as its space can no longer go', () => {
    const ids = codec.encodeTemplated(' upon a time, then');
    const decoder = new IncrementalTextDecoder(codec.text, codec.encodeTemplated('Once'));
    let text = '';
    const shown = ids.map((id) => (text += decoder.push(id)));
    // No word waits: each space is followed by a letter that no clean-up pattern has there.
    expect(shown).toEqual(shown.map((_, n) => visibleText(codec.text.decode(codec.encodeTemplated('Once')).length === 4
      ? codec.text.decode([...codec.encodeTemplated('Once'), ...ids.slice(0, n + 1)]).slice(4) : '')));
    expect(shown.at(-1)).toBe(' upon a time, then');
    // A space before what could still be punctuation waits for the next token.
    const held = new IncrementalTextDecoder(codec.text, codec.encodeTemplated('Once'));
    const heldText = held.push(codec.encodeTemplated(' upon')[0]);
    const space = codec.encodeTemplated(' ');
    if (space.length === 1) {
      expect(held.push(space[0])).toBe('');
      expect(heldText).toBe(' upon');
    }
  });

  it("takes a space out of the prompt's end as the pipeline does: ' ' + \"'\" + ' t' reads \"t\"", () => {
    const quote = codec.encodeTemplated("'");
    const t = codec.encodeTemplated(' t');
    if (quote.length !== 1 || t.length !== 1) return;
    const { steps, text } = stream(' ', ["'", ' t']);
    expect(text).toBe(visibleText(codec.text.decode(codec.encodeTemplated(" ' t")).slice(codec.text.decode(codec.encodeTemplated(' ')).length)));
    expect(steps.join('')).toBe(text);
  });
});

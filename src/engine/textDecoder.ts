// Incremental text of a run, exactly as the model's tokenizer writes it: after every token the text shown is
// decode(prompt + generated, skipping special tokens) with the decoded prompt cut off its front (what
// transformers.js's text-generation pipeline returns), less what could still change — bytes of a character still
// arriving, and a tail the tokenizer's space clean-up could still rewrite. No U+FFFD is ever released.
//
// Decoding the whole sequence at every step would cost time growing with its length, so each step decodes a
// window: the new tokens behind a few settled tokens of context. The context carries whatever a decoder does to
// the first token it is given (a SentencePiece decoder drops its space, WordPiece adds none) and its own text is
// cut off again. Property tests check the window against the full decode for every tokenizer family.

const REPLACEMENT = '\uFFFD';

export type DecodeIds = (ids: number[]) => string;

/** How the model's tokenizer turns ids into text, for a run's text. */
export interface TextDecoding {
  /** The text of ids as the tokenizer writes it, special tokens skipped. */
  decode: DecodeIds;
  /** The same before the tokenizer's space clean-up (its decoder's own text). */
  decodeRaw: DecodeIds;
  /** Ids the decode skips (special tokens): they are no context for the tokens after them. */
  isSkipped(id: number): boolean;
  /** Whether the tokenizer removes spaces before punctuation (`clean_up_tokenization_spaces`) across tokens. */
  cleansUpSpaces: boolean;
}

/** A model's tokenizer as the engine uses it: prompts in, ids out, labels and a run's text. */
export interface TextCodec {
  /** A prompt's ids as the model's own tokenizer(prompt) writes them (a BOS where its config asks for one). */
  encode(text: string): number[];
  /** Ids of a text that already spells out its special tokens (a chat template's output). */
  encodeTemplated(text: string): number[];
  /** Ids to text, special tokens kept. */
  decode(ids: number[]): string;
  /** A token's label: its text as it reads inside a text (cached). */
  tokenText(id: number): string;
  /** How a run's text is written. */
  text: TextDecoding;
}

/** Ordinary tokens of settled text the window keeps before the new ones. */
const CONTEXT_TOKENS = 4;

/**
 * The tokenizer's space clean-up (transformers' clean_up_tokenization): each pattern in this order, over the whole
 * text, loses its spaces (" ." reads ".", " ' " reads "'", " n't" reads "n't" …). Being applied one after another,
 * one can join text into the next (" n ' t" reads "n't") or take a space another needed (" ' ." reads " '.").
 */
const CLEANUP_STEPS: readonly (readonly [RegExp, string])[] = [
  [/ \./g, '.'], [/ \?/g, '?'], [/ !/g, '!'], [/ ,/g, ','], [/ ' /g, "'"],
  [/ n't/g, "n't"], [/ 'm/g, "'m"], [/ 's/g, "'s"], [/ 've/g, "'ve"], [/ 're/g, "'re"],
];

/** The clean-up of a whole text, and where (in the text given) the spaces it took out were. */
export function cleanUpSpaces(raw: string): { text: string; removed: number[] } {
  let text = raw;
  let removed: number[] = [];
  for (const [pattern, replacement] of CLEANUP_STEPS) {
    const found: number[] = [];
    text = text.replace(pattern, (match: string, offset: number) => {
      // The pattern's leading space goes, and " ' " loses its trailing one too.
      found.push(offset);
      if (match.length - replacement.length === 2) found.push(offset + match.length - 1);
      return replacement;
    });
    if (found.length > 0) removed = mergeRemoved(removed, found);
  }
  return { text, removed };
}

/** Adds spaces removed at offsets of the cleaned text so far to the sorted raw indices removed before. */
function mergeRemoved(removed: number[], offsets: number[]): number[] {
  const fresh: number[] = [];
  let r = 0;
  for (const offset of offsets) {
    // The offset counts the kept characters before it; step over the raw indices removed before them.
    while (r < removed.length && removed[r] <= offset + r) r++;
    fresh.push(offset + r);
  }
  return [...removed, ...fresh].sort((a, b) => a - b);
}

/**
 * What a space's fate under the clean-up can depend on, from the space on: when the text ends inside one of these,
 * the space may yet go or stay. A set lists the characters that fit at its place; `!` before it means any other.
 */
const UNDECIDED_SPACE_CONTEXTS: readonly (readonly string[])[] = [
  [' ', '.?!,'],
  [' ', "'", ' ', '!.?!,'],
  [' ', 'n', "'", 't'], [' ', 'n', ' ', "'", ' ', 't'],
  [' ', "'", 'ms'], [' ', "'", 'vr', 'e'],
  [' ', ' ', "'", ' ', 'ms'], [' ', ' ', "'", ' ', 'vr', 'e'],
];
const LONGEST_CONTEXT = Math.max(...UNDECIDED_SPACE_CONTEXTS.map((c) => c.length));

function fits(char: string, set: string): boolean {
  return set.length > 1 && set[0] === '!' ? !set.slice(1).includes(char) : set.includes(char);
}

/** The first index of `raw` from which the clean-up could still change the text (raw.length when nothing can). */
export function cleanupUndecidedFrom(raw: string): number {
  for (let k = Math.max(0, raw.length - LONGEST_CONTEXT + 1); k < raw.length; k++) {
    if (raw[k] !== ' ') continue;
    const tail = raw.length - k;
    const open = UNDECIDED_SPACE_CONTEXTS.some((context) => context.length > tail && raw.slice(k).split('').every((c, i) => fits(c, context[i])));
    if (open) return k;
  }
  return raw.length;
}

/** Each token's own text, decoded once: the same labels come back step after step. */
export function cachedTokenText(decode: (id: number) => string): (id: number) => string {
  const texts = new Map<number, string>();
  return (id) => {
    let text = texts.get(id);
    if (text === undefined) texts.set(id, (text = decode(id)));
    return text;
  };
}

/**
 * A token's text as it reads inside a text, not at its start: a SentencePiece `▁upon` is " upon" (decoded alone
 * its decoder drops the space), a WordPiece `##ing` is "ing" and `upon` is " upon". Found by decoding the token
 * after an anchor token and cutting the anchor's own text off. A special token is its name alone.
 */
export function tokenTextInContext(decode: DecodeIds, anchorId: number | null, isSpecial: (id: number) => boolean): (id: number) => string {
  const anchorText = anchorId === null ? null : decode([anchorId]);
  return (id) => {
    if (anchorText !== null && id !== anchorId && !isSpecial(id)) {
      const both = decode([anchorId as number, id]);
      if (both.startsWith(anchorText)) return both.slice(anchorText.length);
    }
    return decode([id]);
  };
}

export class IncrementalTextDecoder {
  /** The prompt's ids, then the generated ones. */
  private readonly ids: number[];
  private readonly promptLength: number;
  /** The text of the prompt alone (cleaned up, as the tokenizer writes it), cut off the front of every full text. */
  private readonly promptText: string;
  /** The window decoded at each step starts here, ... */
  private windowStart = 0;
  /** ... and its tokens before this index are settled: their text is final and part of `settled`. */
  private settledEnd: number;
  /** decodeRaw(ids[windowStart, settledEnd)): cut off the window's text to leave the new tokens' text. */
  private windowPrefix: string;
  /** Where settled text ended (indices into ids), candidates for the window's start. */
  private readonly settlePoints: number[];
  /** decodeRaw(ids[0, settledEnd)): the whole text so far before the clean-up, prompt included. */
  private settled: string;
  private shown = '';

  constructor(private readonly decoding: TextDecoding, promptIds: readonly number[] = []) {
    this.ids = [...promptIds];
    this.promptLength = promptIds.length;
    this.settledEnd = this.promptLength;
    const promptRaw = this.decodeRange(0, this.promptLength);
    this.promptText = this.cleanUp(promptRaw).text;
    this.windowPrefix = promptRaw;
    this.settled = promptRaw;
    this.settlePoints = [0, this.promptLength];
  }

  /** Adds a generated token; returns the text that became safe to show. */
  push(tokenId: number): string {
    this.ids.push(tokenId);
    const windowText = this.decodeRange(this.windowStart, this.ids.length);
    if (!windowText.startsWith(this.windowPrefix)) return this.release(this.fromFullDecode());
    const raw = this.settled + windowText.slice(this.windowPrefix.length);
    return this.release(this.continuationOf(raw, windowText));
  }

  /** Adds a generated token whose text is only wanted at the end (`flush` decodes it then, with the rest). */
  append(tokenId: number): void {
    this.ids.push(tokenId);
  }

  /** The end of the run: the tail held back for the clean-up is final now (a trailing partial character is not text). */
  flush(): string {
    const full = this.cleanUp(this.decodeRange(0, this.ids.length)).text;
    return this.release(visibleText(full.slice(this.promptText.length)));
  }

  private decodeRange(start: number, end: number): string {
    return end > start ? this.decoding.decodeRaw(this.ids.slice(start, end)) : '';
  }

  private cleanUp(raw: string): { text: string; removed: number[] } {
    return this.decoding.cleansUpSpaces ? cleanUpSpaces(raw) : { text: raw, removed: [] };
  }

  /**
   * The rare step whose window disagrees with its context (a prompt that ends inside a character, a decoder that
   * rewrites across tokens): the continuation by its definition, from the whole sequence. At a complete point the
   * window restarts there, at the sequence's start, and moves up again as text settles.
   */
  private fromFullDecode(): string {
    const raw = this.decodeRange(0, this.ids.length);
    return this.continuationOf(raw, raw, true);
  }

  /**
   * The continuation in `raw` (the whole text now, before the clean-up) that is safe to show, settling it when
   * nothing can change it. It is cut at the decoded prompt's length, as the pipeline cuts it, even where the
   * clean-up took a space out of the prompt's end. Spaces whose fate the clean-up has not decided yet, and what
   * follows them, are held back.
   */
  private continuationOf(raw: string, windowText: string, restartWindow = false): string {
    const undecided = this.decoding.cleansUpSpaces ? cleanupUndecidedFrom(raw) : raw.length;
    const { text, removed } = this.cleanUp(raw);
    let removedBefore = 0;
    while (removedBefore < removed.length && removed[removedBefore] < undecided) removedBefore++;
    const decided = text.slice(0, undecided - removedBefore);
    // The text before the clean-up only changes while a character's bytes arrive (or where a decoder rewrites,
    // which the window's check finds): the clean-up is redone over it each step.
    if (!raw.endsWith(REPLACEMENT)) {
      if (restartWindow) {
        this.windowStart = 0;
        this.settlePoints.length = 0;
        this.settlePoints.push(0);
      }
      this.settle(raw, windowText);
    }
    return visibleText(decided.slice(this.promptText.length));
  }

  private settle(raw: string, windowText: string): void {
    this.settled = raw;
    this.settledEnd = this.ids.length;
    this.windowPrefix = windowText;
    this.settlePoints.push(this.settledEnd);
    if (this.settledEnd - this.windowStart <= 2 * CONTEXT_TOKENS) return;
    // Move the window's start up to the last settle point that still leaves enough ordinary tokens before the end.
    let ordinary = 0;
    let p = this.settlePoints.length - 1;
    let i = this.settledEnd;
    while (p > 0 && ordinary < CONTEXT_TOKENS) {
      p--;
      for (; i > this.settlePoints[p]; i--) if (!this.decoding.isSkipped(this.ids[i - 1])) ordinary++;
    }
    const start = this.settlePoints[p];
    if (ordinary < CONTEXT_TOKENS || start <= this.windowStart) return;
    this.settlePoints.splice(0, p);
    this.windowStart = start;
    this.windowPrefix = this.decodeRange(start, this.settledEnd);
  }

  /** Shows what is new past the text already shown; never takes shown text back. */
  private release(visible: string): string {
    if (visible.startsWith(this.shown)) {
      const delta = visible.slice(this.shown.length);
      this.shown = visible;
      return delta;
    }
    // A tokenizer whose decode is not prefix-stable: show what is new past the common part.
    let common = 0;
    while (common < visible.length && visible[common] === this.shown[common]) common++;
    const delta = visible.slice(common);
    this.shown += delta;
    return delta;
  }
}

/**
 * Holds back trailing replacement characters (bytes of a character still arriving) and drops inner ones
 * (bytes that never became a character), so the visible text only ever grows.
 */
export function visibleText(decoded: string): string {
  let end = decoded.length;
  while (end > 0 && decoded[end - 1] === REPLACEMENT) end--;
  return decoded.slice(0, end).split(REPLACEMENT).join('');
}

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
  /** Ids the decode skips (special tokens): they are no context for the tokens after them. */
  isSkipped(id: number): boolean;
  /** Whether the tokenizer removes spaces before punctuation (`clean_up_tokenization_spaces`) across tokens. */
  cleansUpSpaces: boolean;
}

/** Ordinary tokens of settled text the window keeps before the new ones. */
const CONTEXT_TOKENS = 4;

/**
 * Text that the tokenizer's clean-up (transformers' clean_up_tokenization) rewrites: " ." becomes ".", " n't"
 * becomes "n't" and so on. A text ending in a proper start of one of these may still lose a space.
 */
const CLEANUP_PATTERNS = [' .', ' ?', ' !', ' ,', " ' ", " n't", " 'm", " 's", " 've", " 're"];

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
  /** The text of the prompt alone, cut off the front of every full decode. */
  private readonly promptText: string;
  /** The window decoded at each step starts here, ... */
  private windowStart = 0;
  /** ... and its tokens before this index are settled: their text is final and part of `settled`. */
  private settledEnd: number;
  /** decode(ids[windowStart, settledEnd)): cut off the window's text to leave the new tokens' text. */
  private windowPrefix: string;
  /** Where settled text ended (indices into ids), candidates for the window's start. */
  private readonly settlePoints: number[];
  private settled = '';
  private shown = '';

  constructor(private readonly decoding: TextDecoding, promptIds: readonly number[] = []) {
    this.ids = [...promptIds];
    this.promptLength = promptIds.length;
    this.settledEnd = this.promptLength;
    this.promptText = this.decodeRange(0, this.promptLength);
    this.windowPrefix = this.promptText;
    this.settlePoints = [0, this.promptLength];
  }

  /** Adds a generated token; returns the text that became safe to show. */
  push(tokenId: number): string {
    this.ids.push(tokenId);
    const windowText = this.decodeRange(this.windowStart, this.ids.length);
    if (!windowText.startsWith(this.windowPrefix)) return this.release(this.fromFullDecode());
    const tail = windowText.slice(this.windowPrefix.length);
    const visible = this.settled + visibleText(tail);
    const held = this.cleanupHold(visible);
    if (held === 0 && !tail.endsWith(REPLACEMENT)) this.settle(visible, windowText);
    return this.release(visible.slice(0, visible.length - held));
  }

  /** The end of the run: the tail held back for the clean-up is final now (a trailing partial character is not text). */
  flush(): string {
    const full = visibleText(this.decodeRange(0, this.ids.length).slice(this.promptText.length));
    return this.release(full);
  }

  get text(): string {
    return this.shown;
  }

  get tokenIds(): readonly number[] {
    return this.ids.slice(this.promptLength);
  }

  private decodeRange(start: number, end: number): string {
    return end > start ? this.decoding.decode(this.ids.slice(start, end)) : '';
  }

  /**
   * The rare step whose window disagrees with its context (a prompt that ends inside a character, a decoder that
   * rewrites across tokens): the continuation by its definition, from the whole sequence. At a complete point the
   * window restarts there, at the sequence's start, and moves up again as text settles.
   */
  private fromFullDecode(): string {
    const full = this.decodeRange(0, this.ids.length);
    const continuation = full.slice(this.promptText.length);
    const visible = visibleText(continuation);
    const held = this.cleanupHold(visible);
    if (held === 0 && !continuation.endsWith(REPLACEMENT)) {
      this.windowStart = 0;
      this.settlePoints.length = 0;
      this.settlePoints.push(0);
      this.settle(visible, full);
    }
    return visible.slice(0, visible.length - held);
  }

  private settle(visible: string, windowText: string): void {
    this.settled = visible;
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

  /** Length of the longest end of `text` that is a proper start of a clean-up pattern (0 when the tokenizer has none). */
  private cleanupHold(text: string): number {
    if (!this.decoding.cleansUpSpaces) return 0;
    let hold = 0;
    for (const pattern of CLEANUP_PATTERNS) {
      for (let n = Math.min(pattern.length - 1, text.length); n > hold; n--) {
        if (text.endsWith(pattern.slice(0, n))) {
          hold = n;
          break;
        }
      }
    }
    return hold;
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

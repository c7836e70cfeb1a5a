// Incremental, UTF-8-safe text from generated token ids: a token that carries half a character shows nothing
// until the character is complete, and no U+FFFD replacement character is ever released.

const REPLACEMENT = '\uFFFD';

export type DecodeIds = (ids: number[]) => string;

/** Each token's own text, decoded once: the same labels come back step after step. */
export function cachedTokenText(decode: DecodeIds): (id: number) => string {
  const texts = new Map<number, string>();
  return (id) => {
    let text = texts.get(id);
    if (text === undefined) texts.set(id, (text = decode([id])));
    return text;
  };
}

export class IncrementalTextDecoder {
  private readonly ids: number[] = [];
  /** Tokens before this index decoded to complete characters and are already part of `settled`. */
  private offset = 0;
  private settled = '';
  private shown = '';

  constructor(private readonly decode: DecodeIds) {}

  /** Adds a token; returns the text that became safe to show. */
  push(tokenId: number): string {
    this.ids.push(tokenId);
    // Only the tokens since the last complete character are decoded again: byte-level tokens split cleanly there.
    const tail = this.decode(this.ids.slice(this.offset));
    const complete = !tail.endsWith(REPLACEMENT);
    const visible = this.settled + visibleText(tail);
    if (complete) {
      this.settled = visible;
      this.offset = this.ids.length;
    }
    if (!visible.startsWith(this.shown)) {
      // A tokenizer whose decode is not prefix-stable: show what is new past the common part, never retract.
      let common = 0;
      while (common < visible.length && visible[common] === this.shown[common]) common++;
      const delta = visible.slice(common);
      this.shown += delta;
      return delta;
    }
    const delta = visible.slice(this.shown.length);
    this.shown = visible;
    return delta;
  }

  get text(): string {
    return this.shown;
  }

  get tokenIds(): readonly number[] {
    return this.ids;
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

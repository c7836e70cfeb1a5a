// Incremental, UTF-8-safe text from generated token ids: a token that carries half a character shows nothing
// until the character is complete, and no U+FFFD replacement character is ever released.

const REPLACEMENT = '\uFFFD';

export type DecodeIds = (ids: number[]) => string;

export class IncrementalTextDecoder {
  private readonly ids: number[] = [];
  private shown = '';

  constructor(private readonly decode: DecodeIds) {}

  /** Adds a token; returns the text that became safe to show. */
  push(tokenId: number): string {
    this.ids.push(tokenId);
    const visible = visibleText(this.decode(this.ids));
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

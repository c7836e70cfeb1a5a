// What the penalties look at: the distinct ids of prompt + generated, and how often each was generated.

export class TokenHistory {
  readonly vocabSize: number;
  private readonly seen: Uint8Array;
  private readonly counts: Int32Array;
  /** Distinct ids of prompt + generated, in first-seen order. */
  readonly distinct: number[] = [];
  /** Distinct generated ids (those with counts > 0). */
  readonly generated: number[] = [];
  /** Prompt + generated, in order (DRY looks for repeats in it). */
  readonly sequence: number[] = [];

  constructor(vocabSize: number) {
    this.vocabSize = vocabSize;
    this.seen = new Uint8Array(vocabSize);
    this.counts = new Int32Array(vocabSize);
  }

  reset(promptIds: ArrayLike<number> = []): void {
    for (const id of this.distinct) this.seen[id] = 0;
    for (const id of this.generated) this.counts[id] = 0;
    this.distinct.length = 0;
    this.generated.length = 0;
    this.sequence.length = 0;
    for (let i = 0; i < promptIds.length; i++) {
      const id = this.checkId(promptIds[i], 'prompt');
      this.sequence.push(id);
      this.markSeen(id);
    }
  }

  accept(tokenId: number): void {
    const id = this.checkId(tokenId, 'generated');
    if (this.counts[id]++ === 0) this.generated.push(id);
    this.sequence.push(id);
    this.markSeen(id);
  }

  count(id: number): number {
    return this.counts[id];
  }

  private markSeen(id: number): void {
    if (this.seen[id]) return;
    this.seen[id] = 1;
    this.distinct.push(id);
  }

  private checkId(id: number, where: string): number {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new RangeError(`${where} token id ${id} is outside the vocabulary (0 … ${this.vocabSize - 1})`);
    }
    return id;
  }
}

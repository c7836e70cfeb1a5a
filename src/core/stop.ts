// Stop sequences over streamed text: finds the first completed stop string, even across pieces, and holds
// back any tail that could still grow into one, so nothing is shown and then taken back.

export const MAX_STOP_SEQUENCES = 8;

export class StopMatcher {
  private readonly stops: string[];
  private buffer = '';
  private shown = '';
  private done = false;

  constructor(stops: string[]) {
    const kept = stops.filter((s) => s.length > 0);
    if (kept.length > MAX_STOP_SEQUENCES) {
      throw new RangeError(`at most ${MAX_STOP_SEQUENCES} stop sequences, got ${kept.length}`);
    }
    this.stops = kept;
  }

  /** Everything released to the user so far. */
  get text(): string {
    return this.shown;
  }

  /** Feeds the next decoded piece; returns the text now safe to show and whether a stop string completed. */
  push(piece: string): { emit: string; stopped: boolean } {
    if (this.done) return { emit: '', stopped: true };
    this.buffer += piece;
    // Earliest start wins; among stops starting at the same place, the one that ends first.
    let cut = -1;
    for (const stop of this.stops) {
      const at = this.buffer.indexOf(stop);
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      this.done = true;
      return { emit: this.release(cut), stopped: true };
    }
    const hold = this.heldTail();
    return { emit: this.release(this.buffer.length - hold), stopped: false };
  }

  /** End of generation without a stop: release what was held back. */
  flush(): string {
    if (this.done) return '';
    return this.release(this.buffer.length);
  }

  private release(upTo: number): string {
    const emit = this.buffer.slice(0, upTo);
    this.buffer = this.done ? '' : this.buffer.slice(upTo);
    this.shown += emit;
    return emit;
  }

  /** Length of the longest suffix of the buffer that is a proper prefix of some stop string. */
  private heldTail(): number {
    let hold = 0;
    for (const stop of this.stops) {
      const longest = Math.min(stop.length - 1, this.buffer.length);
      for (let n = longest; n > hold; n--) {
        if (this.buffer.endsWith(stop.slice(0, n))) {
          hold = n;
          break;
        }
      }
    }
    return hold;
  }
}

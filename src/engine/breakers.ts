// DRY's sequence breakers are strings in the UI and token ids in the core: a token breaks a match when its decoded
// text contains any of the strings. Resolving them reads every token's text once per model (cached by the caller's
// tokenText), then once per list of strings.
import type { SamplingParams } from '../core/types';

export class BreakerResolver {
  private key = '';
  private ids: number[] = [];

  constructor(private readonly vocabSize: number, private readonly tokenText: (id: number) => string) {}

  /** The ids of the tokens whose text contains one of `breakers`. */
  resolve(breakers: readonly string[]): number[] {
    const key = JSON.stringify(breakers);
    if (key === this.key) return this.ids;
    const ids: number[] = [];
    if (breakers.length > 0) {
      for (let id = 0; id < this.vocabSize; id++) {
        const text = this.tokenText(id);
        if (breakers.some((b) => text.includes(b))) ids.push(id);
      }
    }
    this.key = key;
    this.ids = ids;
    return ids;
  }

  /** `params` with DRY's breaker ids filled in (unchanged when DRY is off or the ids are given). */
  withBreakerIds(params: SamplingParams): SamplingParams {
    if (params.dry_multiplier <= 0 || params.dry_breaker_ids !== undefined) return params;
    return { ...params, dry_breaker_ids: this.resolve(params.dry_sequence_breakers ?? []) };
  }
}

// The arena a run keeps its logits in: every kept step reads back exactly what was kept, however many blocks the
// run spans and whatever came after it, and shared blocks cross a structured clone as views of the same memory.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LogitsArena, isSharedView } from '../../src/engine/logitsArena';
import { runs } from '../runs';

describe('LogitsArena', () => {
  it('gives back each step as kept, after any number of later steps, in shared and unshared memory', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300_000 }), fc.integer({ min: 1, max: 60 }), fc.boolean(), (vocabSize, steps, shared) => {
        const arena = new LogitsArena(vocabSize, shared);
        const kept: Float32Array[] = [];
        for (let s = 0; s < steps; s++) {
          // Each step's logits carry its number at both ends, where a neighbouring slot would overlap first.
          const fresh = new Float32Array(vocabSize);
          fresh[0] = s + 0.5;
          fresh[vocabSize - 1] = -(s + 0.25);
          kept.push(arena.keep(fresh));
          fresh.fill(Number.NaN); // the runtime's array is no longer ours once kept
        }
        kept.forEach((view, s) => {
          expect(view.length).toBe(vocabSize);
          // With one token both marks land on it, the second last.
          if (vocabSize > 1) expect(view[0]).toBe(s + 0.5);
          expect(view[vocabSize - 1]).toBe(-(s + 0.25));
          expect(isSharedView(view)).toBe(shared);
        });
      }),
      { numRuns: runs(8, 40) },
    );
  });

  it('keeps large vocabularies in blocks of at most 8 MiB, never an allocation per step', () => {
    const arena = new LogitsArena(151_936, false);
    const buffers = new Set<ArrayBufferLike>();
    for (let s = 0; s < 40; s++) buffers.add(arena.keep(new Float32Array(151_936)).buffer);
    for (const buffer of buffers) expect(buffer.byteLength).toBeLessThanOrEqual(8 * 1024 * 1024);
    expect(buffers.size).toBeLessThan(10);
  });

  it('posts a shared step as a view of the same memory (no copy), an unshared one as a copy', () => {
    const shared = new LogitsArena(5, true).keep(Float32Array.of(1, 2, 3, 4, 5));
    const sharedClone = structuredClone(shared);
    shared[2] = 30;
    expect(sharedClone[2]).toBe(30);
    const own = new LogitsArena(5, false).keep(Float32Array.of(1, 2, 3, 4, 5));
    const ownClone = structuredClone(own);
    own[2] = 30;
    expect(ownClone[2]).toBe(3);
  });

  it('refuses logits of another vocabulary size, and an empty vocabulary', () => {
    expect(() => new LogitsArena(4, false).keep(new Float32Array(5))).toThrow(/logits of 5 tokens for a vocabulary of 4/);
    expect(() => new LogitsArena(0)).toThrow(/vocabulary of 0 tokens/);
  });
});

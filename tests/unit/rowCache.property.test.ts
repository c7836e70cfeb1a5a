// The batch's own cache against the plain meaning of its operations: rows of positions, each position a vector
// per head. Whatever mix of loads, row selections (copies, reorders, drops) and appends, the dense view the model
// is fed must be exactly [rows, heads, length, headDim] of what was put in.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RowCache } from '../../src/engine/rowCache';

/** rows[r][h][p] = the headDim values of position p. */
type Plain = number[][][][];

function dense(plain: Plain): number[] {
  return plain.flat(3);
}

function tensorOf(plain: Plain): Float32Array {
  return Float32Array.from(dense(plain));
}

const RUNS = process.env.LOGITLAB_DEEP_TESTS ? 400 : 60;

describe('RowCache', () => {
  it('keeps the dense [rows, heads, length, headDim] layout through loads, selections and appends', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('append' as const), positions: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant('select' as const), picks: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }) }),
    );
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 5 }),
      fc.array(op, { maxLength: 90 }),
      (tensors, heads, headDim, startLength, ops) => {
        let counter = 0;
        const vector = () => Array.from({ length: headDim }, () => ++counter);
        const plains: Plain[] = Array.from({ length: tensors }, () => [Array.from({ length: heads }, () => Array.from({ length: startLength }, vector))]);
        const cache = new RowCache(tensors, heads, headDim, Float32Array);
        cache.load(plains.map(tensorOf), 1, startLength);
        for (const o of ops) {
          if (o.kind === 'select') {
            const sources = o.picks.map((p) => p % cache.rows);
            cache.select(sources);
            for (let i = 0; i < tensors; i++) plains[i] = sources.map((s) => structuredClone(plains[i][s]));
          } else {
            const fed = plains.map((plain) => plain.map((row) => row.map(() => Array.from({ length: o.positions }, vector))));
            cache.append(fed.map((f) => Float32Array.from(f.flat(3))));
            plains.forEach((plain, i) => plain.forEach((row, r) => row.forEach((positions, h) => positions.push(...fed[i][r][h]))));
          }
        }
        const views = cache.views();
        for (let i = 0; i < tensors; i++) expect(Array.from(views[i])).toEqual(dense(plains[i]));
        expect(cache.length).toBe(startLength + ops.reduce((sum, o) => sum + (o.kind === 'append' ? o.positions : 0), 0));
      },
    ), { numRuns: RUNS });
  });

  it('refuses a row that does not exist and a step of the wrong size, and says which', () => {
    const cache = new RowCache(2, 2, 4, Float32Array);
    cache.load([new Float32Array(16), new Float32Array(16)], 1, 2);
    expect(() => cache.select([1])).toThrow('row 1 does not exist (the cache has 1)');
    expect(() => cache.append([new Float32Array(8)])).toThrow('append: 1 cache tensors for 2');
    expect(() => cache.append([new Float32Array(8), new Float32Array(16)])).toThrow('a cache tensor of 16 values, expected 8');
    expect(() => cache.append([new Float32Array(7), new Float32Array(7)])).toThrow('7 values is not whole positions of 8');
  });
});

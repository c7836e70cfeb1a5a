// The runtime's output arrays, recycled: the pool's rules, and the build step that makes onnxruntime-web ask it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OutputPool, RUNTIME_OUTPUT_HOOK, installRuntimeOutputPool } from '../../src/engine/outputPool';
import { hookRuntimeOutputs, isRuntimeBundle } from '../../scripts/vite/runtimeOutputHook';

describe('OutputPool', () => {
  it('hands back only an array of the same type and length that was recycled, once', () => {
    const pool = new OutputPool();
    const logits = new Float32Array(2246);
    expect(pool.take(Float32Array, 2246)).toBeUndefined();
    pool.recycle(logits);
    pool.recycle(logits);
    expect(pool.take(Uint16Array, 2246)).toBeUndefined();
    expect(pool.take(Float32Array, 2245)).toBeUndefined();
    expect(pool.take(Float32Array, 2246)).toBe(logits);
    expect(pool.take(Float32Array, 2246)).toBeUndefined();
    expect(pool.reused).toBe(1);
    expect(pool.allocated).toBe(4);
  });

  it('refuses views and shared memory, whose buffers others may still read', () => {
    const pool = new OutputPool();
    const whole = new Float32Array(16);
    pool.recycle(whole.subarray(0, 8));
    pool.recycle(whole.subarray(8));
    pool.recycle(new Float32Array(new SharedArrayBuffer(32)));
    expect(pool.take(Float32Array, 8)).toBeUndefined();
    pool.recycle(null);
    pool.recycle(undefined);
    expect(pool.reused).toBe(0);
  });

  it('keeps at most a few arrays of a shape, and forgets them all on clear', () => {
    const pool = new OutputPool();
    const arrays = Array.from({ length: 100 }, () => new Float32Array(4));
    arrays.forEach((a) => pool.recycle(a));
    let taken = 0;
    while (pool.take(Float32Array, 4)) taken++;
    expect(taken).toBeGreaterThan(0);
    expect(taken).toBeLessThan(100);
    pool.recycle(arrays[0]);
    pool.clear();
    expect(pool.take(Float32Array, 4)).toBeUndefined();
  });
});

/** The shape of onnxruntime-web's output copy, minified and not, as its bundles have it. */
const MINIFIED = 'else{let re=it(ne),Q=new re(xe);new Uint8Array(Q.buffer,Q.byteOffset,Q.byteLength).set(l.HEAPU8.subarray(se,se+Q.byteLength)),I.push(Q)}';
const READABLE = `{
  const data = new typedArrayConstructor(size);
  new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(
    wasm.HEAPU8.subarray(dataOffset, dataOffset + data.byteLength),
  );
  output.push(data);
}`;

describe('the runtime output hook (build step)', () => {
  afterEach(() => {
    delete (globalThis as Record<string, unknown>)[RUNTIME_OUTPUT_HOOK];
  });

  /** Runs a hooked copy: `heap` stands for the WebAssembly memory, its bytes 4–11 the output. */
  function runCopy(source: string, names: { type: string; size: string; offset: string; out: string; wasm: string }): Float32Array {
    const heap = new Uint8Array(32);
    new Float32Array(heap.buffer, 4, 2).set([1.5, -2]);
    const out: Float32Array[] = [];
    const run = new Function(names.type, names.size, names.offset, names.wasm, names.out, 'it', hookRuntimeOutputs(source, 'test'));
    run(Float32Array, 2, 4, { HEAPU8: heap }, { push: (a: Float32Array) => out.push(a) }, () => Float32Array);
    return out[0];
  }

  it('routes the copy through the pool: a recycled array receives the output', () => {
    const pool = new OutputPool();
    installRuntimeOutputPool(pool);
    const mine = new Float32Array(2);
    pool.recycle(mine);
    const first = runCopy(`if(0){}${MINIFIED}`, { type: 'ne', size: 'xe', offset: 'se', out: 'I', wasm: 'l' });
    expect(first).toBe(mine);
    expect([...first]).toEqual([1.5, -2]);
    const second = runCopy(READABLE, { type: 'typedArrayConstructor', size: 'size', offset: 'dataOffset', out: 'output', wasm: 'wasm' });
    expect(second).not.toBe(mine);
    expect([...second]).toEqual([1.5, -2]);
  });

  it('without the pool installed, the runtime allocates as before', () => {
    const out = runCopy(READABLE, { type: 'typedArrayConstructor', size: 'size', offset: 'dataOffset', out: 'output', wasm: 'wasm' });
    expect(out).toBeInstanceOf(Float32Array);
    expect([...out]).toEqual([1.5, -2]);
  });

  it('fails the build where a runtime copies its outputs some other way', () => {
    expect(() => hookRuntimeOutputs('const data = new Float32Array(n); data.set(wasm.HEAPU8.subarray(a, b));', 'new-runtime.mjs')).toThrow(/expected one output copy/);
    expect(() => hookRuntimeOutputs(MINIFIED + MINIFIED, 'twice.mjs')).toThrow(/found 2/);
  });

  it('finds exactly one output copy in every session bundle of the installed onnxruntime-web', () => {
    const dir = join('node_modules', 'onnxruntime-web', 'dist');
    const bundles = readdirSync(dir).map((f) => join(dir, f)).filter((f) => isRuntimeBundle(f) && readFileSync(f, 'utf8').includes('HEAPU8.subarray'));
    expect(bundles.map((f) => f.split(/[\\/]/).pop())).toContain('ort.webgpu.bundle.min.mjs');
    for (const file of bundles) {
      const hooked = hookRuntimeOutputs(readFileSync(file, 'utf8'), file);
      expect(hooked.split(`globalThis.${RUNTIME_OUTPUT_HOOK}?.(`).length - 1).toBe(1);
    }
  });
});

// Arrays the inference worker hands back to onnxruntime-web for its next outputs (see
// scripts/vite/runtimeOutputHook.ts for the hook the build adds to the runtime). An array the runtime allocates is
// fresh memory, and touching fresh memory is slow in Chromium on our 2-core machines (~25 µs a 4 KB page: 0.7 ms for
// the 72 KB of logits of an 8-row step). A caller that is done with an output recycles it; the runtime's next
// output of the same type and length is copied into it instead. Only recycled arrays are reused, so code that
// keeps an output (a beam run keeps every step's logits) simply does not recycle it.

type RuntimeArray = Float32Array | Uint16Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Float64Array;
type RuntimeArrayType = new (length: number) => RuntimeArray;

/**
 * At most this many free arrays a (type, length), and this many bytes in all: a pool, not a second heap. A step's
 * key/value outputs all share one shape (8 of them for the bundled model), so a shape needs room for a few steps' worth.
 */
const MAX_FREE_PER_SHAPE = 32;
const MAX_FREE_BYTES = 16 * 1024 * 1024;

export class OutputPool {
  private readonly free = new Map<RuntimeArrayType, Map<number, RuntimeArray[]>>();
  private freeBytes = 0;
  /** Arrays handed out again, and arrays the runtime had to allocate because none was free (for tests and benches). */
  reused = 0;
  allocated = 0;

  /** A free array of this type and length, or undefined (the runtime then allocates one). */
  take(type: RuntimeArrayType, length: number): RuntimeArray | undefined {
    const list = this.free.get(type)?.get(length);
    const array = list?.pop();
    if (array) {
      this.freeBytes -= array.byteLength;
      this.reused++;
    } else {
      this.allocated++;
    }
    return array;
  }

  /**
   * The caller will not read `array` again: the runtime may write a later output into it. Only a whole,
   * unshared array is taken (a view's buffer may hold data someone else reads); anything else is left alone.
   */
  recycle(array: RuntimeArray | undefined | null): void {
    if (!array || array.byteOffset !== 0 || array.buffer.byteLength !== array.byteLength) return;
    if (typeof SharedArrayBuffer === 'function' && array.buffer instanceof SharedArrayBuffer) return;
    if (this.freeBytes + array.byteLength > MAX_FREE_BYTES) return;
    const type = array.constructor as RuntimeArrayType;
    let byLength = this.free.get(type);
    if (!byLength) this.free.set(type, (byLength = new Map()));
    let list = byLength.get(array.length);
    if (!list) byLength.set(array.length, (list = []));
    if (list.length >= MAX_FREE_PER_SHAPE || list.includes(array)) return;
    list.push(array);
    this.freeBytes += array.byteLength;
  }

  /** Drops every free array (a model unloads: its output shapes will not come again). */
  clear(): void {
    this.free.clear();
    this.freeBytes = 0;
  }
}

/** The worker's one pool, the one the runtime's hook takes from. */
export const runtimeOutputs = new OutputPool();

/** The global the build's runtime hook calls (scripts/vite/runtimeOutputHook.ts writes the call). */
export const RUNTIME_OUTPUT_HOOK = '__logitlabRuntimeOutput';

/** Makes the runtime copy its outputs into recycled arrays where it can; without the build's hook this does nothing. */
export function installRuntimeOutputPool(pool: OutputPool = runtimeOutputs): void {
  (globalThis as unknown as Record<string, unknown>)[RUNTIME_OUTPUT_HOOK] = (type: RuntimeArrayType, length: number) => pool.take(type, length);
}

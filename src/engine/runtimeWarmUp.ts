// The smallest ONNX model there is (y = Identity(x), one float), encoded here so that creating a session from it
// starts onnxruntime's WebAssembly download and compile while the real model's files are still arriving.
// onnxruntime-web/webgpu is the build transformers.js imports: one runtime instance in the worker, started once.
import { InferenceSession as OrtSession } from 'onnxruntime-web/webgpu';

function varint(value: number): number[] {
  const bytes: number[] = [];
  let v = value;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return bytes;
}

/** A protobuf field: a number is a varint, a string or byte list is length-delimited. */
function field(number: number, value: number | string | number[]): number[] {
  if (typeof value === 'number') return [...varint(number << 3), ...varint(value)];
  const bytes = typeof value === 'string' ? [...new TextEncoder().encode(value)] : value;
  return [...varint((number << 3) | 2), ...varint(bytes.length), ...bytes];
}

const FLOAT = 1;
/** ValueInfoProto of a float tensor of shape [1]. */
const oneFloat = (name: string) => field(1, name).concat(field(2, field(1, [...field(1, FLOAT), ...field(2, field(1, field(1, 1)))])));

/** ModelProto: IR version 7, opset 13, graph { node Identity(x) -> y; input x; output y }. */
export const IDENTITY_MODEL = new Uint8Array([
  ...field(1, 7),
  ...field(8, [...field(1, ''), ...field(2, 13)]),
  ...field(7, [
    ...field(1, [...field(1, 'x'), ...field(2, 'y'), ...field(4, 'Identity')]),
    ...field(2, 'warm-up'),
    ...field(11, oneFloat('x')),
    ...field(12, oneFloat('y')),
  ]),
]);

/**
 * Starts onnxruntime's WebAssembly runtime now (download, compile, instantiate) instead of after the model's
 * files: a session from the identity model shares the runtime's one start with the model's session that follows.
 * WASM only: a WebGPU start is another path, and the page falls back from it in a fresh worker anyway.
 */
export function warmUpWasmRuntime(): void {
  OrtSession.create(IDENTITY_MODEL, { executionProviders: ['wasm'] }).then(
    (session) => session.release(),
    // The model's own session meets the same failure and reports it.
    () => undefined,
  );
}

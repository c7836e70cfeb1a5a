// The warm-up model is bytes written by hand: onnxruntime itself must accept them and compute y = x, or the
// worker's warm-up would fail silently (its failure is ignored on purpose) and the load would start the runtime late.
import { expect, it } from 'vitest';
import * as ort from 'onnxruntime-web/wasm';
import { IDENTITY_MODEL } from '../../src/engine/runtimeWarmUp';

it('onnxruntime builds a session from the identity model, and it returns its input', async () => {
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(IDENTITY_MODEL, { executionProviders: ['wasm'] });
  expect(session.inputNames).toEqual(['x']);
  expect(session.outputNames).toEqual(['y']);
  const out = await session.run({ x: new ort.Tensor('float32', new Float32Array([2.5]), [1]) });
  expect(Array.from(out.y.data as Float32Array)).toEqual([2.5]);
  await session.release();
});

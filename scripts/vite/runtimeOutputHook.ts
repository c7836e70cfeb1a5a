// A build step that lets the inference worker hand onnxruntime-web the arrays its outputs are copied into.
// The runtime copies every CPU output out of its WebAssembly memory into a newly allocated typed array. On this
// project's machines a page of fresh memory costs about 25 µs to touch, so a step of 8 rows (72 KB of logits)
// paid ~0.7 ms for the allocation alone, a third of the step. The runtime has no option for it (a pre-allocated
// output is returned unchanged on the CPU build, not written), so its one allocation is routed through a hook:
// `globalThis.__logitlabRuntimeOutput(Type, length)` may return an array of that type and length to copy into;
// when it is absent or returns undefined, the runtime allocates as before. src/engine/outputPool.ts installs it.
import type { Plugin } from 'vite';
import { RUNTIME_OUTPUT_HOOK } from '../../src/engine/outputPool';

/**
 * The runtime's copy of one output, minified or not, ending where it reads the WebAssembly memory:
 * `<data> = new <Type>(<size>); new Uint8Array(<data>.buffer, <data>.byteOffset, <data>.byteLength).set(<wasm>.HEAPU8.subarray(`.
 * Matched only in a short window before each `HEAPU8.subarray(` (a pattern run over the whole multi-megabyte
 * bundle backtracks for minutes).
 */
const OUTPUT_COPY = /([\w$]+)\s*=\s*new\s+([\w$]+)\(([\w$]+)\)\s*;(\s*new\s+Uint8Array\(\s*\1\.buffer\s*,\s*\1\.byteOffset\s*,\s*\1\.byteLength\s*\)\s*\.set\(\s*[\w$]+\.)$/;
const ANCHOR = 'HEAPU8.subarray(';
const WINDOW = 400;

/** The runtime's source with its output allocation routed through the hook; throws where the pattern is not found once. */
export function hookRuntimeOutputs(code: string, file: string): string {
  const parts: string[] = [];
  let done = 0;
  let found = 0;
  for (let at = code.indexOf(ANCHOR); at >= 0; at = code.indexOf(ANCHOR, at + ANCHOR.length)) {
    const from = Math.max(done, at - WINDOW);
    const m = OUTPUT_COPY.exec(code.slice(from, at));
    if (!m) continue;
    const [whole, data, type, size, copy] = m;
    parts.push(code.slice(done, at - whole.length), `${data}=(globalThis.${RUNTIME_OUTPUT_HOOK}?.(${type},${size})??new ${type}(${size}));${copy}`);
    done = at;
    found++;
  }
  parts.push(code.slice(done));
  // A new runtime version that allocates differently must fail the build, not silently lose the hook.
  if (found !== 1) throw new Error(`runtimeOutputHook: expected one output copy in ${file}, found ${found}; update scripts/vite/runtimeOutputHook.ts`);
  return parts.join('');
}

/** Whether a module is one of onnxruntime-web's JavaScript bundles that run sessions (not the .wasm glue). */
export function isRuntimeBundle(id: string): boolean {
  return /[\\/]onnxruntime-web[\\/]dist[\\/]ort\.[\w.]*m?js$/.test(id.split('?')[0]);
}

export function runtimeOutputHook(): Plugin {
  return {
    name: 'logitlab-runtime-output-hook',
    transform(code, id) {
      if (!isRuntimeBundle(id) || !code.includes('HEAPU8.subarray')) return null;
      return { code: hookRuntimeOutputs(code, id), map: null };
    },
  };
}

// Vite config: React, cross-origin isolation (WASM threads need it), real 404s for missing model files.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { runtimeOutputHook } from './scripts/vite/runtimeOutputHook';

const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export default defineConfig({
  // The runtime copies its outputs into arrays the worker recycles (scripts/vite/runtimeOutputHook.ts).
  plugins: [react(), runtimeOutputHook()],
  // 'mpa' makes a missing /models/... file a 404 instead of index.html, so "not found" stays "not found".
  appType: 'mpa',
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  // Worker bundles take only these plugins (the model runs in a worker).
  worker: { format: 'es', plugins: () => [runtimeOutputHook()] },
  // Every dependency up front: the page's chunks are imported after the first task (main.tsx), and a dependency the
  // dev server met only then would be optimised late, answering the import that found it with a stale-chunk error.
  // onnxruntime-web/webgpu on its own too: the worker's warm-up must share transformers.js's runtime instance.
  optimizeDeps: {
    include: [
      '@huggingface/transformers', 'onnxruntime-web/webgpu', 'react', 'react-dom', 'react-dom/client', 'react-i18next', 'i18next',
      'recharts', 'zustand', 'zustand/react/shallow', 'valibot', 'lz-string',
    ],
  },
});

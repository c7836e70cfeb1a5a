// Vite config: React, cross-origin isolation (WASM threads need it), real 404s for missing model files.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export default defineConfig({
  plugins: [react()],
  // 'mpa' makes a missing /models/... file a 404 instead of index.html, so "not found" stays "not found".
  appType: 'mpa',
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  worker: { format: 'es' },
  optimizeDeps: { include: ['@huggingface/transformers'] },
});

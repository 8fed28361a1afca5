import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/** Cross-origin isolation, so ORT can use wasm threads (SharedArrayBuffer) later. */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export const DEV_PORT = 5173;
export const PREVIEW_PORT = 4173;

export default defineConfig({
  plugins: [react()],
  server: { port: DEV_PORT, strictPort: true, headers: isolationHeaders },
  preview: { port: PREVIEW_PORT, strictPort: true, headers: isolationHeaders },
  // The dep scanner does not follow `new Worker(new URL(...))`; pre-bundle ORT so dev does not reload on first use.
  optimizeDeps: { include: ['onnxruntime-web/wasm'] },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 5000 },
});

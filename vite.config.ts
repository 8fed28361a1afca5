import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/** Cross-origin isolation, so ORT can use wasm threads (SharedArrayBuffer) later. */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Content-Security-Policy of the built app (README "Security"). Scripts only from our origin; onnxruntime-web
 * compiles its .wasm with WebAssembly.instantiate, which CSP gates behind 'wasm-unsafe-eval' (not 'unsafe-eval').
 * Workers (ours and ORT's pthread workers, started from our worker chunk) are same-origin files. Styles allow
 * 'unsafe-inline' because React's and plotly's element styles are inline; no inline script is allowed.
 * blob: covers sample-image previews and the download link of a quantized model.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** The same policy as a <meta> in the built index.html, so any static host serving dist/ applies it. */
const cspMeta = (): Plugin => ({
  name: 'qstudio-csp-meta',
  apply: 'build', // dev needs React Refresh's inline preamble script; dev runs without a CSP
  transformIndexHtml: () => [
    {
      tag: 'meta',
      attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP },
      injectTo: 'head-prepend',
    },
  ],
});

/**
 * What plotly.js's source needs from a bundler (src/ui/components/plotly-bundle.ts; plotly's own build does the
 * same): its trace registry requires maplibre-gl's CSS (82 KB) for map traces, which the studio does not draw, and
 * its dependency has-hover reads Node's `global`. Used for the build and for dev's dependency pre-bundling.
 */
const MAPLIBRE_CSS = 'maplibre-gl/dist/maplibre-gl.css';
const plotlySource = () => ({
  name: 'qstudio-plotly-source',
  resolveId: (id: string) => (id === MAPLIBRE_CSS ? '\0no-maplibre-css' : null),
  load: (id: string) => (id === '\0no-maplibre-css' ? 'export {};' : null),
  transform: (code: string, id: string) =>
    /[\\/]node_modules[\\/]has-hover[\\/]/.test(id) ? code.replace(/\bglobal\b/g, 'globalThis') : null,
});

export const DEV_PORT = 5173;
export const PREVIEW_PORT = 4173;

export default defineConfig({
  plugins: [react(), cspMeta(), { ...plotlySource(), enforce: 'pre' }],
  server: { port: DEV_PORT, strictPort: true, headers: isolationHeaders },
  // The header also covers the workers (a worker's CSP comes from its own response) and adds frame-ancestors.
  preview: {
    port: PREVIEW_PORT,
    strictPort: true,
    headers: { ...isolationHeaders, 'Content-Security-Policy': `${CSP}; frame-ancestors 'none'` },
  },
  // The dep scanner does not follow `new Worker(new URL(...))`; pre-bundle ORT so dev does not reload on first use.
  optimizeDeps: { include: ['onnxruntime-web/wasm'], rolldownOptions: { plugins: [plotlySource()] } },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 5000 },
});

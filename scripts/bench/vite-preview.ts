// The browser benches' page server: a Vite production build of the studio (or of a bench page) into a folder, then
// `vite preview` of that folder (the app's cross-origin isolation and CSP headers, vite.config.ts). Files written
// into the folder between the two (a model) are served from its root.
import { resolve } from 'node:path';
import { build, preview } from 'vite';

const ROOT = resolve(import.meta.dirname, '../..');

/** Builds `inputs` (HTML entry points; default the studio's index.html) into `outDir`. */
export async function buildPages(outDir: string, inputs: string[] = [resolve(ROOT, 'index.html')]) {
  await build({
    root: ROOT,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, rolldownOptions: { input: inputs } },
  });
}

/** Serves a built folder on `port`; close() stops the server. */
export async function previewPages(outDir: string, port: number) {
  const server = await preview({
    root: ROOT,
    logLevel: 'warn',
    build: { outDir },
    preview: { port, strictPort: true },
  });
  return {
    url: `http://localhost:${port}`,
    close: () => new Promise<void>((done) => server.httpServer.close(() => done())),
  };
}
